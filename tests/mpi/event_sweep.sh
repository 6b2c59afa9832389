# The first-passage deck (inputs/gbm_first_passage.ini: geometric Brownian
# motion stopped where it first reaches e) under `kode sweep`, scaled down:
# the file is identical bit for bit on 1 and 2 ranks, with other chunks,
# after kill -9 and --resume, and merged from slices; every path stops at
# its event (status 4) on the level; the passage-time statistics match the
# per-path times; /ensemble counts the paths still running at each save
# time.
#   bash event_sweep.sh /path/to/kode /path/to/mpiexec CASE
KODE_BIN=$1
MPIEXEC=${2:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
CASE=${3:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
INPUTS=$(cd "$(dirname "$0")/../../inputs" && pwd) || { echo "FAIL: no inputs/ directory" >&2; exit 1; }
# shellcheck source=../cli/lib.sh
source "$(dirname "$0")/../cli/lib.sh" "$KODE_BIN"
need h5diff
need h5dump
need h5ls

DECK=$INPUTS/gbm_first_passage.ini
SMALL=(--sweep.paths=4096 --sweep.chunk=1024)  # 4 chunks

case "$CASE" in
  ranks_chunks_merge)
    mpi 1 sweep "$DECK" "${SMALL[@]}" --output.file=one.h5 --quiet
    expect_rc 0
    mpi 2 sweep "$DECK" "${SMALL[@]}" --output.file=two.h5 --sweep.chunk=2048 --quiet
    expect_rc 0
    same_data one.h5 two.h5 /sweep/chunk_done
    for k in 0 1; do
      mpi 2 sweep "$DECK" "${SMALL[@]}" --output.file=part_$k.h5 --sweep.slice_index=$k \
        --sweep.slice_count=2 --quiet
      expect_rc 0
    done
    run_kode merge merged.h5 part_1.h5 part_0.h5 --quiet
    expect_rc 0
    same_data one.h5 merged.h5
    # Every path reached the level (P(tau > 20) ~ 1e-10), on it to rounding.
    others=$(h5_values one.h5 /status | awk '$1 != 4' | wc -l)
    [ "$others" -eq 0 ] || fail "$others paths without their event"
    exact_values one.h5 /events/y | awk '{ d = $1 - 2.718281828459045; if (d < 0 || d > 1e-12) bad++ }
      END { exit bad > 0 }' || fail "an event state is off the level"
    # The statistics are those of /events/t (mean within rounding).
    mean=$(exact_values one.h5 /events/ensemble/mean)
    exact_values one.h5 /events/t | awk -v m="$mean" '{ s += $1; n++ }
      END { d = s / n - m; if (d < 0) d = -d; exit !(n == 4096 && d < 1e-12) }' ||
      fail "/events/ensemble/mean $mean is not the mean of /events/t"
    # Inverse Gaussian mean a / nu = 2.198 (+0.017 for the steps), standard
    # error 0.0153 with 4096 paths: within 5 of them.
    awk -v m="$mean" 'BEGIN { d = m - 2.215; if (d < 0) d = -d; exit !(d < 0.077) }' ||
      fail "mean passage time $mean, expected 2.215"
    [ "$(h5_values one.h5 /events/ensemble/count -a)" = 4096 ] || fail "/events/ensemble count"
    # /ensemble/count: all 4096 paths at t = 0, then never more.
    counts=$(h5_values one.h5 /ensemble/count | tr '\n' ' ')
    printf '%s\n' $counts | awk 'NR == 1 && $1 != 4096 { exit 1 } NR > 1 && $1 > last { exit 1 } { last = $1 }' ||
      fail "/ensemble/count is not 4096 then non-increasing: $counts" ;;
  kill9_then_resume)
    mpi 1 sweep "$DECK" "${SMALL[@]}" --output.file=ref.h5 --output.save=trajectories --quiet
    expect_rc 0
    # Rows of /ys after a path's event are NaN; before, numbers.
    nan_rows=$(h5_values ref.h5 /ys | grep -c nan)
    [ "$nan_rows" -gt 0 ] || fail "no NaN in /ys after the events"
    KODE_TEST_CHUNK_DELAY_MS=500 "$KODE" sweep "$DECK" "${SMALL[@]}" --output.file=out.h5 \
      --output.save=trajectories --quiet >/dev/null 2>err.txt &
    pid=$! waited=0
    while [ ! -e out.h5.partial ] && [ $waited -lt 300 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    sleep 1.5
    kill -KILL $pid
    wait $pid 2>/dev/null
    [ -f out.h5.partial ] && [ ! -e out.h5 ] || fail "expected only out.h5.partial"
    mpi 2 sweep "$DECK" "${SMALL[@]}" --output.file=out.h5 --output.save=trajectories --resume --quiet
    expect_rc 0
    same_data ref.h5 out.h5 ;;
  *) fail "unknown case $CASE" ;;
esac
