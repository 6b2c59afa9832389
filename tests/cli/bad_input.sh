# One row of the bad-input table: `kode solve` must exit with 2, name the key
# or value in its message, and create or change no file.
#   bash bad_input.sh KODE CASE
. "$(dirname "$0")/lib.sh"
CASE=${1:?case name}

write_lotka_volterra_ini lv.ini
# An existing file that no failing command may touch.
printf 'precious data\n' >existing.h5
mkdir -p sub
touch -d '2001-01-01 00:00:00' existing.h5 lv.ini
before=$(snapshot)

solve_lv() { run_kode solve lv.ini "$@"; }
case "$CASE" in
  unknown_key)
    solve_lv --solver.rtoll=1e-6
    expect_stderr_has "unknown key 'solver.rtoll'" "did you mean 'solver.rtol'?" ;;
  unknown_key_in_file)
    printf '\n[solver]\nsafty = 0.8\n' >>lv.ini
    touch -d '2001-01-01 00:00:00' lv.ini
    before=$(snapshot)
    solve_lv
    expect_stderr_has "unknown key 'solver.safty'" "lv.ini:" "did you mean 'solver.safety'?" ;;
  unknown_section)
    solve_lv --solvr.rtol=1e-6
    expect_stderr_has "unknown section [solvr]" "did you mean 'solver.rtol'?" ;;
  bad_number)
    solve_lv --solver.rtol=1e-6x
    expect_stderr_has "'solver.rtol' = '1e-6x'" "not a number" ;;
  empty_number)
    solve_lv --params.alpha=
    expect_stderr_has "'params.alpha'" "empty" ;;
  negative_rtol)
    solve_lv --solver.rtol=-1e-6
    expect_stderr_has "solver.rtol" "must be > 0" "-1e-6" ;;
  t0_equals_t1)
    solve_lv --time.t0=10 --save.ts='list(10)'
    expect_stderr_has "time.t1" "time.t0" "10" ;;
  unknown_model)
    solve_lv --model.name=lotka_voltera
    expect_stderr_has "unknown model" "'lotka_voltera'" "did you mean 'lotka_volterra'?" ;;
  unknown_solver)
    solve_lv --solver.method=dopri6
    expect_stderr_has "unknown solver" "'dopri6'" "tsit5" ;;
  newton_without_newton)
    solve_lv --solver.newton_kappa=0.1
    expect_stderr_has "solver.newton_kappa" "no Newton iteration" "kvaerno5" ;;
  newton_kappa_range)
    solve_lv --solver.method=kvaerno5 --solver.newton_kappa=1.5
    expect_stderr_has "solver.newton_kappa" "(0, 1)" ;;
  newton_iterations_range)
    solve_lv --solver.method=kvaerno3 --solver.newton_max_iters=1
    expect_stderr_has "solver.newton_max_iters" "[2, 100]" ;;
  missing_param)
    grep -v '^gamma' lv.ini >lv2.ini
    before=$(snapshot)
    run_kode solve lv2.ini
    expect_stderr_has "missing required key 'params.gamma'" ;;
  param_not_in_model)
    solve_lv --params.mu=2
    expect_stderr_has "unknown key 'params.mu'" "alpha, beta, gamma, delta" ;;
  design_in_solve)
    solve_lv --params.alpha='linspace(1,2,3)'
    expect_stderr_has "'params.alpha' = 'linspace(1,2,3)'" "kode sweep" ;;
  missing_t1)
    grep -v '^t1' lv.ini >lv2.ini
    before=$(snapshot)
    run_kode solve lv2.ini
    expect_stderr_has "missing required key 'time.t1'" ;;
  constant_without_dt0)
    solve_lv --solver.method=euler
    expect_stderr_has "solver.dt0" "euler" ;;
  bad_save_times)
    solve_lv --save.ts='linspace(0,10,0)'
    expect_stderr_has "'save.ts' = 'linspace(0,10,0)'" "n >= 1" ;;
  save_time_outside_span)
    solve_lv --save.ts='list(1,12)'
    expect_stderr_has "save.ts" "12" ;;
  existing_output)
    solve_lv --output.file=existing.h5
    expect_stderr_has "'existing.h5' already exists" "--overwrite" ;;
  missing_output_directory)
    solve_lv --output.file=no/such/dir/out.h5
    expect_stderr_has "'no/such/dir/out.h5'" "no/such/dir" ;;
  output_parent_is_a_file)
    solve_lv --output.file=existing.h5/out.h5
    expect_stderr_has "'existing.h5/out.h5'" "not a directory" ;;
  unwritable_output_directory)
    # Permission bits do not stop root; such a run checks the other paths.
    [ "$(id -u)" -ne 0 ] || { echo "SKIP: running as root" >&2; exit 77; }
    mkdir ro && chmod 555 ro
    before=$(snapshot)
    solve_lv --output.file=ro/out.h5
    expect_stderr_has "'ro/out.h5'" "not writable" ;;
  unknown_flag)
    solve_lv --overwrit
    expect_stderr_has "'--overwrit'" "did you mean '--overwrite'?" ;;
  unknown_command)
    run_kode slove lv.ini
    expect_stderr_has "unknown command 'slove'" "did you mean 'solve'?" ;;
  missing_config_file)
    run_kode solve nosuch.ini
    expect_stderr_has "'nosuch.ini'" ;;
  *) fail "unknown case '$CASE'" ;;
esac

expect_rc 2
expect_stderr_has "kode: error: "
[ -z "$OUT" ] || fail "a failing command printed to stdout: $OUT"
after=$(snapshot)
[ "$before" = "$after" ] || fail "files were created or changed:
before:
$before
after:
$after"
[ "$(stat -c %Y existing.h5)" = "$(date -d '2001-01-01 00:00:00' +%s)" ] ||
  fail "existing.h5 was touched"
