#!/usr/bin/env bash
# `kode sweep` with forward sensitivities against the same sweep without
# (the sensitivities issue): W1, a 1000 x 1000 grid of damped oscillators
# (1,000,000 trajectories, tsit5, rtol 1e-6, atol 1e-8, 101 save times) on
# 2 ranks, whole process, wall time, for
#   save = statistics  the compute (the sensitivities' ensemble mean and mean
#                      square are still formed and merged; nothing per
#                      trajectory is written but /params, /y0, /status)
#   save = final       per-trajectory rows at t1 only
# each without sensitivities, with [sensitivity] method = forward (2 params +
# 2 initial states = 4 tangents) and with method = adjoint of a state loss
# at every save time. Results: build/bench/sensitivity_sweep_results.txt.
#   scripts/bench/sensitivity_sweep_bench.sh [NZ NW]   (default 1000 1000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
nz=${1:-1000}
nw=${2:-1000}
kode=build/drivers/kode
[ -x "$kode" ] || { echo "build kode first (cmake --build build --target kode)" >&2; exit 1; }
work=build/bench/sensitivity_sweep
mkdir -p "$work"
out=build/bench/sensitivity_sweep_results.txt
mpi=(mpiexec --oversubscribe -n 2)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

# shellcheck source=scripts/bench/w1_deck.sh
. scripts/bench/w1_deck.sh
w1_deck "$work/w1.ini" "$nz" "$nw" "$work/out.h5"

seconds() {  # seconds ARGS...: wall time of kode sweep ARGS on 2 ranks
  local start end
  start=$(date +%s.%N)
  "${mpi[@]}" "$kode" sweep "$work/w1.ini" --overwrite --quiet "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

{
  echo "# kode sweep, W1 $nz x $nw = $((nz * nw)) trajectories, 2 ranks, $(date -u +%FT%TZ)"
  printf "%-12s %-28s %10s %8s\n" save what seconds x_plain
  for save in statistics final; do
    plain=$(seconds --output.save=$save)
    printf "%-12s %-28s %10.2f %8.2f\n" $save "no sensitivities" "$plain" 1
    fwd=$(seconds --output.save=$save --sensitivity.method=forward)
    printf "%-12s %-28s %10.2f %8.2f\n" $save "forward (4 tangents)" "$fwd" "$(echo "$fwd / $plain" | bc -l)"
    adj=$(seconds --output.save=$save --sensitivity.method=adjoint --loss.kind=state \
      --loss.weights=1 --loss.at=all)
    printf "%-12s %-28s %10.2f %8.2f\n" $save "adjoint (state loss, all t)" "$adj" "$(echo "$adj / $plain" | bc -l)"
  done
} | tee "$out"
rm -f "$work/out.h5"
