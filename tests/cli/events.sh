# [event] under `kode solve`: logistic growth n' = r n (1 - n/k) (r = 1.5,
# k = 10, n0 = 0.5: inputs/logistic.ini) rises through n = 5 at
# t = ln(19) / 1.5 = 1.96296..., reported on stderr; a terminal event stops
# the CSV rows there and exits 0 (status 4 counts as success); the HDF5 file
# holds /events; bad [event] input exits 2 naming the key, touching no file.
#   bash events.sh /path/to/kode CASE
INPUTS=$(cd "$(dirname "$0")/../../inputs" && pwd) || { echo "FAIL: no inputs/ directory" >&2; exit 1; }
source "$(dirname "$0")/lib.sh" "$1"
CASE=${2:?usage: $0 /path/to/kode CASE}

DECK=$INPUTS/logistic.ini
EVENT=(--event.state=n --event.value=5 --event.direction=rising)
EXACT=1.9629593194442936  # ln(19) / 1.5

# event_time: the t = ... reported on stderr.
event_time() { printf '%s\n' "$ERR" | sed -n 's/.* at t = \([^,]*\),.*/\1/p'; }
# near A B TOL: |A - B| <= TOL.
near() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= tol) }'; }

refused() {  # refused KEY NEEDLES... : exit 2, the key named, no file made
  local before
  before=$(snapshot)
  run_kode solve "$DECK" "${EVENT[@]}" --output.file=x.h5 "${@:2}"
  expect_rc 2
  expect_stderr_has "$1"
  [ "$(snapshot)" = "$before" ] || fail "a refused run created or changed files"
}

case "$CASE" in
  csv_terminal)
    run_kode solve "$DECK" "${EVENT[@]}"
    expect_rc 0
    expect_stderr_has "kode: event: n crossed 5 (rising) at t = " "terminal: the trajectory stops there"
    near "$(event_time)" $EXACT 1e-7 || fail "event at $(event_time), exact $EXACT"
    # Save times 0, 0.5, 1, 1.5 precede the event; 2 and later never came.
    rows=$(printf '%s\n' "$OUT" | wc -l)
    [ "$rows" -eq 5 ] || fail "expected a header and 4 rows, got $rows: $OUT"
    [ "$(printf '%s\n' "$OUT" | tail -n 1 | cut -d, -f1)" = 1.5 ] || fail "last row: $OUT" ;;
  csv_non_terminal)
    run_kode solve "$DECK" "${EVENT[@]}" --event.terminal=false
    expect_rc 0
    expect_stderr_has "crossed 5 (rising)" "1 crossing in all"
    rows=$(printf '%s\n' "$OUT" | wc -l)
    [ "$rows" -eq 18 ] || fail "expected a header and 17 rows, got $rows" ;;
  no_event)
    run_kode solve "$DECK" --event.state=n --event.value=5 --event.direction=falling
    expect_rc 0
    expect_stderr_has "n did not cross 5 (falling) in [0, 8]"
    rows=$(printf '%s\n' "$OUT" | wc -l)
    [ "$rows" -eq 18 ] || fail "expected a header and 17 rows, got $rows" ;;
  file)
    need h5ls
    need h5dump
    run_kode solve "$DECK" "${EVENT[@]}" --output.file=e.h5
    expect_rc 0
    h5ls e.h5/events/t | grep -q '{1}' || fail "/events/t shape: $(h5ls e.h5/events/t)"
    h5ls e.h5/events/y | grep -q '{1, 1}' || fail "/events/y shape: $(h5ls e.h5/events/y)"
    [ "$(h5_values e.h5 /events/count)" = 1 ] || fail "/events/count"
    [ "$(h5_values e.h5 /status)" = 4 ] || fail "status $(h5_values e.h5 /status), expected 4"
    near "$(exact_values e.h5 /events/t)" $EXACT 1e-7 || fail "/events/t = $(exact_values e.h5 /events/t)"
    [ "$(h5_values e.h5 /events/direction -a)" = '"rising"' ] || fail "direction attribute"
    [ "$(h5_values e.h5 /events/state -a)" = '"n"' ] || fail "state attribute"
    h5dump -a /config e.h5 | grep -q 'direction = rising' || fail "config attribute lacks [event]"
    # The save times after the event hold NaN.
    [ "$(h5_values e.h5 /ys | sed -n 5p)" = nan ] || fail "/ys after the event: $(h5_values e.h5 /ys | sed -n 5p)" ;;
  records)
    need h5ls
    # x = cos-like decay of a damped oscillator crosses 0 six times by t = 10.
    run_kode solve "$INPUTS/damped_oscillator.ini" --event.state=x --event.value=0 \
      --event.terminal=false --event.records=3 --output.file=r.h5
    expect_rc 0
    h5ls r.h5/events/t | grep -q '{1, 3}' || fail "/events/t shape: $(h5ls r.h5/events/t)"
    h5ls r.h5/events/y | grep -q '{1, 3, 2}' || fail "/events/y shape: $(h5ls r.h5/events/y)"
    [ "$(h5_values r.h5 /events/count)" -ge 3 ] || fail "/events/count $(h5_values r.h5 /events/count)" ;;
  bad_input)
    refused "event.state" --event.state=m
    expect_stderr_has "has no state 'm'" "(states: n)"
    refused "event.direction" --event.direction=up
    expect_stderr_has "rising, falling or either"
    refused "event.records" --event.records=2
    expect_stderr_has "event.terminal = false"
    refused "event.records" --event.terminal=false --event.records=0
    refused "event.tol" --event.tol=-1
    refused "event.value" --event.value=abc
    refused "sensitivity.method" --sensitivity.method=forward
    expect_stderr_has "[event]"
    before=$(snapshot)
    run_kode solve "$DECK" --event.value=5 --output.file=x.h5
    expect_rc 2
    expect_stderr_has "missing required key 'event.state'"
    run_kode solve "$DECK" --event.state=n --output.file=x.h5
    expect_rc 2
    expect_stderr_has "missing required key 'event.value'"
    [ "$(snapshot)" = "$before" ] || fail "a refused run created or changed files" ;;
  *) fail "unknown case $CASE" ;;
esac
