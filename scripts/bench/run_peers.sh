#!/usr/bin/env bash
# Runs kode's peer benchmarks (Boost.Odeint and Diffrax) on one core and
# writes one result line per run to build/bench/peers.txt (stderr and notes go
# to build/bench/peers.log).
#
#   scripts/bench/run_peers.sh [--quick] [--timeout SECONDS]
#
#   --quick     skip the N = 1,000,000 W1 runs
#   --timeout   wall-clock limit for each run (default 600 s); a run that hits
#               it leaves a line "peer=... status=timeout" instead
#   --diffrax-chunk C
#               solve Diffrax batches larger than C in vmap calls of C
#               trajectories (diffrax_peer.py --chunk); default 0: one vmap
#               over the whole batch (as the benchmark issue asks)
#
# Runs (W1: damped-oscillator grid, 101 saves; W2: Lorenz rho sweep, final
# state, N = 524,288 — definitions at the top of odeint_peer.cpp and
# diffrax_peer.py):
#   odeint  W1 dopri5 (dense output)   n = 1, 100, 10000, 1000000
#   diffrax W1 tsit5 and dopri5        n = 1, 100, 10000, 1000000
#   odeint  W2 dopri5 (controlled)     n = 524288
#   diffrax W2 tsit5 (and dopri5, to match odeint's method)  n = 524288
#
# Every run is pinned to core 0 (taskset -c 0). For JAX also:
#   XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
#   OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# Each Diffrax line reports threads= (OS threads in the process: XLA still
# starts its pools), affinity= (cores allowed) and cpu_util= (CPU time / wall
# time over the timed calls): with the pinning, cpu_util <= 1 is the number of
# cores actually used.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

quick=0
limit=600
dchunk=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --timeout) limit="$2"; shift ;;
    --diffrax-chunk) dchunk="$2"; shift ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    *) echo "run_peers: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

scripts/bench/setup_peers.sh

out=build/bench/peers.txt
log=build/bench/peers.log
py=build/bench/venv/bin/python
odeint=build/bench/odeint_peer

export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

sizes=(1 100 10000)
[ "$quick" -eq 1 ] || sizes+=(1000000)

{
  echo "# kode peer benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m)," \
       "$(getconf _NPROCESSORS_ONLN) cores online, each run pinned with taskset -c 0"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "# compiler: $(${CXX:-g++} --version | head -1)," \
       "boost $(grep -m1 '#define BOOST_LIB_VERSION' /usr/include/boost/version.hpp | awk '{print $3}' | tr -d '"')"
} > "$out"
: > "$log"

# run LABEL CMD...: runs CMD pinned to core 0 under the time limit, appends
# its result line (or a failure line) to $out.
run() {
  local label="$1"; shift
  local start end rc=0 line
  echo "== $label: $*" | tee -a "$log" >&2
  start=$(date +%s.%N)
  line=$(timeout "$limit" taskset -c 0 "$@" 2>>"$log") || rc=$?
  end=$(date +%s.%N)
  if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
    echo "$line" | tee -a "$out"
  elif [ "$rc" -eq 124 ]; then
    echo "$label status=timeout limit_s=$limit" | tee -a "$out"
  else
    echo "$label status=failed rc=$rc" | tee -a "$out"
  fi
  awk -v a="$start" -v b="$end" 'BEGIN{printf "   (wall %.1f s incl. start-up/compile)\n", b - a}' >>"$log"
}

for n in "${sizes[@]}"; do
  run "peer=odeint workload=W1 method=dopri5 n=$n" \
      "$odeint" --workload W1 --n "$n"
done
run "peer=odeint workload=W2 method=dopri5 n=524288" \
    "$odeint" --workload W2 --n 524288

for n in "${sizes[@]}"; do
  for m in tsit5 dopri5; do
    extra=()
    # One timed call, no warm-up call, for the 1,000,000 batch (minutes).
    [ "$n" -ge 1000000 ] && extra=(--warmup 0 --repeats 1)
    [ "$dchunk" -gt 0 ] && [ "$n" -gt "$dchunk" ] && extra+=(--chunk "$dchunk")
    run "peer=diffrax workload=W1 method=$m n=$n" \
        "$py" scripts/bench/diffrax_peer.py --workload W1 --method "$m" --n "$n" "${extra[@]}"
  done
done
extra=()
[ "$dchunk" -gt 0 ] && [ 524288 -gt "$dchunk" ] && extra=(--chunk "$dchunk")
for m in tsit5 dopri5; do
  run "peer=diffrax workload=W2 method=$m n=524288" \
      "$py" scripts/bench/diffrax_peer.py --workload W2 --method "$m" --n 524288 "${extra[@]}"
done

echo "run_peers: results in $out (log $log)" >&2
