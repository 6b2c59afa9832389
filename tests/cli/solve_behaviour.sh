# `kode solve` and `kode check` beyond the happy path: config file plus
# overrides (later wins), check writes nothing, --overwrite, a failed
# trajectory (exit 1, still written, status reported), default save times.
#   bash solve_behaviour.sh KODE CASE
. "$(dirname "$0")/lib.sh"
CASE=${1:?case name}

write_lotka_volterra_ini lv.ini
case "$CASE" in
  overrides_win)
    # The file says tsit5 and rtol 1e-8; the command line changes both, and a
    # later override beats an earlier one.
    run_kode solve lv.ini --solver.method=dopri5 --rtol=1e-3 --solver.rtol=1e-9 \
      --save.ts='list(10)'
    expect_rc 0
    a=$OUT
    run_kode solve --model=lotka_volterra --params.alpha=1.5 --params.beta=1 --params.gamma=3 \
      --params.delta=1 --y0.x=1 --y0.y=1 --t0=0 --t1=10 --method dopri5 --solver.rtol 1e-9 \
      --atol=1e-8 --save.ts='list(10)'
    expect_rc 0
    [ "$a" = "$OUT" ] || fail "config file + overrides differ from the same keys on the command line:
$a
$OUT" ;;
  default_save_t1)
    # No save.ts: only t1, like Diffrax's default SaveAt(t1=True).
    grep -v '^ts' lv.ini >lv2.ini
    run_kode solve lv2.ini
    expect_rc 0
    [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 2 ] || fail "expected header + 1 row: $OUT"
    printf '%s\n' "$OUT" | tail -n 1 | grep -q '^10,' || fail "the row is not t1: $OUT"
    # save.t0 adds t0 in front, without duplicating it.
    run_kode solve lv2.ini --save.t0=true
    [ "$(printf '%s\n' "$OUT" | cut -d, -f1 | tr '\n' ' ')" = "t 0 10 " ] || fail "t0,t1: $OUT"
    run_kode solve lv.ini --save.t0=true --save.t1=true
    [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 12 ] || fail "t0/t1 duplicated linspace ends: $OUT" ;;
  check_writes_nothing)
    before=$(snapshot)
    run_kode check lv.ini --output.file=out.h5
    expect_rc 0
    expect_stdout_has "ok" "lotka_volterra" "tsit5" "out.h5"
    [ "$before" = "$(snapshot)" ] || fail "kode check created or changed a file"
    run_kode check lv.ini --solver.rtoll=1
    expect_rc 2
    expect_stderr_has "did you mean 'solver.rtol'?" ;;
  check_existing_output)
    # check writes nothing, so an existing output file is a note, not an
    # error; the run itself still refuses it without --overwrite.
    run_kode solve lv.ini --output.file=out.h5
    expect_rc 0
    before=$(snapshot)
    run_kode check lv.ini --output.file=out.h5
    expect_rc 0
    expect_stdout_has "ok" "note: 'out.h5' exists; a run would need --overwrite"
    run_kode check lv.ini --output.file=out.h5 --overwrite
    expect_rc 0
    case "$OUT" in *"exists"*) fail "note printed with --overwrite: $OUT" ;; esac
    run_kode solve lv.ini --output.file=out.h5
    expect_rc 2
    [ "$before" = "$(snapshot)" ] || fail "check or the refused solve changed a file" ;;
  logspace_save_times)
    # Every axis form is accepted wherever a list of times is read, with the
    # same points as a sweep axis written the same way (numpy.logspace).
    run_kode solve lv.ini --save.ts='logspace(-1,1,5)'
    expect_rc 0
    [ "$(printf '%s\n' "$OUT" | cut -d, -f1 | tr '\n' ' ')" = "t 0.10000000000000001 0.31622776601683794 1 3.1622776601683795 10 " ] ||
      fail "logspace save times: $OUT"
    run_kode solve lv.ini --save.ts='logspace(-1,1,0)'
    expect_rc 2
    expect_stderr_has "save.ts" "logspace needs n >= 1"
    run_kode solve lv.ini --save.ts='uniform(0,1)'
    expect_rc 2
    expect_stderr_has "save.ts" "unknown function 'uniform'" "logspace(a,b,n)"
    # observation_sigma takes the axis forms too (one value per state).
    run_kode solve lv.ini --noise.observation_sigma='linspace(0.1,0.2,2)' --save.ts='list(10)'
    expect_rc 0
    expect_stdout_has "x_observed" ;;
  overwrite)
    run_kode solve lv.ini --output.file=out.h5
    expect_rc 0
    first=$(md5sum <out.h5)
    run_kode solve lv.ini --output.file=out.h5 --solver.method=dopri5 --overwrite
    expect_rc 0
    [ "$first" != "$(md5sum <out.h5)" ] || fail "--overwrite did not replace the file"
    [ ! -e out.h5.partial ] || fail "out.h5.partial left behind"
    [ "$(ls | sort | tr '\n' ' ')" = "lv.ini out.h5 " ] || fail "unexpected files: $(ls)" ;;
  failed_trajectory)
    run_kode solve lv.ini --solver.max_steps=5
    expect_rc 1
    expect_stderr_has "max_steps_reached" "solver.max_steps"
    [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 12 ] || fail "all save times must still be printed"
    printf '%s\n' "$OUT" | tail -n 1 | grep -q '^10,nan,nan$' || fail "unreached rows must be nan: $OUT"
    run_kode solve lv.ini --solver.max_steps=5 --output.file=failed.h5
    expect_rc 1
    [ -f failed.h5 ] || fail "the file of a failed trajectory must still be written"
    if command -v h5dump >/dev/null 2>&1; then
      [ "$(h5_values failed.h5 /status)" = "1" ] || fail "/status must be 1 (max_steps_reached)"
    fi ;;
  constant_steps)
    # euler (no error estimate) runs with constant steps of dt0: 10/0.01 = 1000 steps.
    run_kode solve lv.ini --solver.method=euler --solver.dt0=0.01 --save.ts='list(10)' \
      --output.file=euler.h5
    expect_rc 0
    if command -v h5dump >/dev/null 2>&1; then
      n=$(h5_values euler.h5 /stats/num_accepted)
      [ "$n" -ge 1000 ] && [ "$n" -le 1001 ] || fail "euler with dt0=0.01 took $n steps"
    fi ;;
  *) fail "unknown case '$CASE'" ;;
esac
exit 0
