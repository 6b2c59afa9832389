#!/usr/bin/env bash
# kode against its peers in the same run, every process pinned to one core:
# kode_bench (this build), Boost.Odeint (odeint_peer) and, with --diffrax,
# Diffrax (diffrax_peer.py, from the venv of setup_peers.sh). Result lines go
# to build/bench/results.txt; summarize.py prints the table with ratios.
#
#   scripts/bench/run_all.sh [--quick] [--diffrax] [--core C]
#     --quick    skip N = 1,000,000 for W1
#     --diffrax  also run Diffrax (slow: ~6 min per 1,000,000-trajectory run)
#     --core C   the core to pin to (default 0)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

quick=0 diffrax=0 core=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --diffrax) diffrax=1 ;;
    --core) core="$2"; shift ;;
    *) echo "run_all: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(getconf _NPROCESSORS_ONLN)" --target kode_bench >/dev/null
scripts/bench/setup_peers.sh >/dev/null

out=build/bench/results.txt
pin=(taskset -c "$core")
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
{
  echo "# kode vs peers, $(date -u +%Y-%m-%dT%H:%M:%SZ), pinned to core $core"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
} >"$out"

sizes=(1 100 10000)
[ "$quick" = 1 ] || sizes+=(1000000)
for n in "${sizes[@]}"; do
  for m in tsit5 dopri5; do
    "${pin[@]}" build/drivers/kode_bench --workload W1 --method "$m" --n "$n" | tee -a "$out"
  done
  "${pin[@]}" build/bench/odeint_peer --workload W1 --n "$n" | tee -a "$out"
  if [ "$diffrax" = 1 ]; then
    for m in tsit5 dopri5; do
      "${pin[@]}" build/bench/venv/bin/python scripts/bench/diffrax_peer.py --workload W1 \
        --method "$m" --n "$n" | tee -a "$out"
    done
  fi
done
"${pin[@]}" build/drivers/kode_bench --workload W2 --n 524288 | tee -a "$out"
"${pin[@]}" build/bench/odeint_peer --workload W2 --n 524288 | tee -a "$out"
if [ "$diffrax" = 1 ]; then
  "${pin[@]}" build/bench/venv/bin/python scripts/bench/diffrax_peer.py --workload W2 \
    --method tsit5 --n 524288 | tee -a "$out"
fi
echo
build/bench/venv/bin/python scripts/bench/summarize.py "$out"
