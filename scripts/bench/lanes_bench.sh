#!/usr/bin/env bash
# Per-core speed of the SIMD-lane kernel (issue 12), peers in the same run,
# every process pinned to one core, in the default build and the host-CPU
# build (-DKODE_NATIVE=ON; Odeint compiled with the same -march=native
# -ffp-contract=off):
#   kernel:  kode_bench W1 (tsit5, dopri5) and W2 with --lanes 1 (one
#            trajectory per thread) and the default lanes, Boost.Odeint;
#   process: `kode sweep` of 1,000,000 W1 trajectories, save = statistics,
#            one rank, wall time, against Odeint's 1,000,000-trajectory loop.
# Interleaved repetitions (--reps, default 3) so that machine drift hits all
# sides alike. Lines go to build/bench/lanes_results.txt.
#   scripts/bench/lanes_bench.sh [--reps R] [--n N] [--core C] [--no-native] [--no-sweep]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

reps=3 n=100000 core=0 native=1 sweep=1
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift ;;
    --n) n="$2"; shift ;;
    --core) core="$2"; shift ;;
    --no-native) native=0 ;;
    --no-sweep) sweep=0 ;;
    *) echo "lanes_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
jobs="$(getconf _NPROCESSORS_ONLN)"
pin=(taskset -c "$core")
mpi=(mpiexec --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

builds=(build)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target kode_bench kode >/dev/null
[ -x build/bench/odeint_peer ] || scripts/bench/setup_peers.sh >/dev/null
if [ "$native" = 1 ]; then
  builds+=(build-native)
  cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release -DKODE_NATIVE=ON -DKODE_ENABLE_TESTS=OFF \
    >/dev/null
  cmake --build build-native -j"$jobs" --target kode_bench kode >/dev/null
  src=scripts/bench/odeint_peer.cpp
  if [ ! -x build/bench/odeint_peer_native ] || [ "$src" -nt build/bench/odeint_peer_native ]; then
    g++ -O3 -std=c++17 -DNDEBUG -march=native -ffp-contract=off "$src" \
      -o build/bench/odeint_peer_native
  fi
fi

out=build/bench/lanes_results.txt
{
  echo "# SIMD lanes, $(date -u +%Y-%m-%dT%H:%M:%SZ), pinned to core $core, n=$n, reps=$reps"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "# flags: $(grep -o -w 'avx512f\|avx2\|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
} >"$out"

work=build/bench/lanes
mkdir -p "$work"
# shellcheck source=scripts/bench/w1_deck.sh
. scripts/bench/w1_deck.sh
w1_deck "$work/w1_sweep.ini" 1000 1000 "$work/w1_sweep.h5" statistics
for rep in $(seq "$reps"); do
  for b in "${builds[@]}"; do
    flags=default
    odeint=build/bench/odeint_peer
    if [ "$b" = build-native ]; then flags=native odeint=build/bench/odeint_peer_native; fi
    for m in tsit5 dopri5; do
      for lanes in 1 0; do
        echo "build=$flags rep=$rep $("${pin[@]}" "$b"/drivers/kode_bench --workload W1 \
          --method "$m" --n "$n" --lanes "$lanes")" | tee -a "$out"
      done
    done
    echo "build=$flags rep=$rep $("${pin[@]}" "$odeint" --workload W1 --n "$n")" | tee -a "$out"
    for lanes in 1 0; do
      echo "build=$flags rep=$rep $("${pin[@]}" "$b"/drivers/kode_bench --workload W2 \
        --n 52428 --lanes "$lanes")" | tee -a "$out"
    done
    echo "build=$flags rep=$rep $("${pin[@]}" "$odeint" --workload W2 --n 52428)" | tee -a "$out"
    if [ "$sweep" = 1 ]; then
      start=$(date +%s.%N)
      "${mpi[@]}" -n 1 --bind-to none "${pin[@]}" "$b"/drivers/kode sweep "$work/w1_sweep.ini" \
        --overwrite --quiet >/dev/null
      end=$(date +%s.%N)
      echo "build=$flags rep=$rep peer=kode-sweep workload=W1 n=1000000 seconds=$(echo "$end - $start" | bc)" |
        tee -a "$out"
      echo "build=$flags rep=$rep $("${pin[@]}" "$odeint" --workload W1 --n 1000000)" | tee -a "$out"
    fi
  done
done
echo "lanes_bench: results in $out"
