#!/usr/bin/env bash
# Whole-process benchmarks of `kode sweep` (the sweep-engine issue):
#  1. W1 with 1,000,000 trajectories (1000 x 1000 grid, 101 save times,
#     save = trajectories) on 1 and 2 ranks: wall time, parallel efficiency
#     T1 / (2 T2), and throughput against Boost.Odeint's one-at-a-time loop.
#  2. HDF5 write bandwidth: the same sweep with save = statistics (no /ys)
#     takes the I/O out; bandwidth = size of /ys / (T_trajectories - T_statistics).
#  3. Peak memory per rank (max RSS of each rank, /usr/bin/time) for
#     save = final with 100,000 and 10,000,000 trajectories on 2 ranks.
# Results go to build/bench/sweep_results.txt.
#   scripts/bench/sweep_bench.sh [--quick]   (--quick: 100,000 instead of 10,000,000 in 3.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
quick=0
[ "${1:-}" = "--quick" ] && quick=1

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(getconf _NPROCESSORS_ONLN)" --target kode >/dev/null
[ -x build/bench/odeint_peer ] || scripts/bench/setup_peers.sh >/dev/null

work=build/bench/sweep
mkdir -p "$work"
out=build/bench/sweep_results.txt
kode=build/drivers/kode
mpi=(mpiexec --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

# shellcheck source=scripts/bench/w1_deck.sh
. scripts/bench/w1_deck.sh
deck() { w1_deck "$1" "$2" "$3" "$work/out.h5" "$4"; }  # deck FILE NZ NW SAVE

seconds() {  # seconds CMD...: wall time of CMD
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

{
  echo "# kode sweep benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(getconf _NPROCESSORS_ONLN) cores"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
} >"$out"

deck "$work/w1.ini" 1000 1000 trajectories
t1=$(seconds "${mpi[@]}" -n 1 "$kode" sweep "$work/w1.ini" --overwrite --quiet)
size=$(stat -c %s "$work/out.h5")
t2=$(seconds "${mpi[@]}" -n 2 "$kode" sweep "$work/w1.ini" --overwrite --quiet)
deck "$work/w1_stats.ini" 1000 1000 statistics
ts1=$(seconds "${mpi[@]}" -n 1 "$kode" sweep "$work/w1_stats.ini" --overwrite --quiet)
odeint_line=$(taskset -c 0 build/bench/odeint_peer --workload W1 --n 1000000)
odeint_s=$(echo "$odeint_line" | sed -n 's/.* seconds=\([^ ]*\).*/\1/p')
ys_bytes=$((1000000 * 101 * 2 * 8))
{
  echo "W1 1e6 trajectories, save=trajectories: 1 rank ${t1} s, 2 ranks ${t2} s, file ${size} bytes"
  echo "parallel efficiency T1/(2 T2) = $(echo "$t1 / (2 * $t2)" | bc -l | cut -c1-5)"
  echo "kode sweep whole process 1 rank: $(echo "1000000 / $t1" | bc -l | cut -c1-8) traj/s; odeint loop: $(echo "1000000 / $odeint_s" | bc -l | cut -c1-8) traj/s (ratio $(echo "$odeint_s / $t1" | bc -l | cut -c1-5))"
  echo "save=statistics 1 rank ${ts1} s; /ys write bandwidth ~ $(echo "$ys_bytes / ($t1 - $ts1) / 1000000" | bc -l | cut -c1-7) MB/s"
} | tee -a "$out"
rm -f "$work/out.h5"

big=10000000
[ "$quick" = 1 ] && big=1000000
for n in 100000 "$big"; do
  nz=$(echo "sqrt($n)" | bc)
  deck "$work/final.ini" "$nz" $((n / nz)) final
  rss=$("${mpi[@]}" -n 2 /usr/bin/time -f "%M" "$kode" sweep "$work/final.ini" --overwrite --quiet 2>&1 | tr '\n' ' ')
  echo "save=final, $n trajectories, 2 ranks: max RSS per rank (KiB): $rss" | tee -a "$out"
done
rm -f "$work/out.h5"
