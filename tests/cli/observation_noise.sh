# [noise] observation_sigma / observation_seed: noisy observations beside the
# clean states. `kode solve` adds <state>_observed CSV columns or
# /ys_observed; `kode sweep` writes /ys_observed shaped and labelled as /ys,
# identical bit for bit across rank counts, chunk sizes, schedules, --resume
# and `kode merge`; bad values exit 2 and write nothing.
#   bash observation_noise.sh KODE CASE              (ctest cli:observation_noise:*)
#   bash observation_noise.sh KODE MPIEXEC CASE      (ctest mpi:observation_noise:*)
. "$(dirname "$0")/lib.sh"
if [ $# -ge 2 ]; then
  MPIEXEC=$1
  CASE=$2
else
  MPIEXEC=
  CASE=${1:?case name}
fi

# The values of a dataset at full precision, one per line.
values17() {
  h5dump -y -w 0 -m '%.17g' -d "$2" "$1" |
    awk '/^ *DATA \{/ { on = 1; next } on && /^ *\}/ { exit } on { print }' |
    tr ',' '\n' | sed -e 's/^ *//' -e 's/ *$//' -e '/^$/d'
}

# 64 x 128 = 8192 damped oscillators in 8 chunks of 1024; x observed with
# sigma 0.05, v with sigma 0 (exact copies).
write_sweep_ini() {
  cat >obs.ini <<'INI'
[model]
name = damped_oscillator
[params]
zeta = linspace(0.05, 0.95, 64)
omega = logspace(-0.3, 0.7, 128)
[y0]
x = 1
v = 0
[time]
t1 = 10
[save]
ts = linspace(0, 10, 11)
[sweep]
chunk = 1024
seed = 3
[noise]
observation_sigma = list(0.05, 0)
[output]
file = out.h5
INI
}

# check_observations FILE: /ys_observed is /ys with state x noisy (|dx| < 10
# sigma, not all zero) and state v copied exactly.
check_observations() {
  paste -d ' ' <(values17 "$1" /ys) <(values17 "$1" /ys_observed) | awk '
    { s = (NR - 1) % 2; d = $2 - $1; if (d < 0) d = -d }
    s == 1 && $1 != $2 { print "v differs at " NR ": " $1 " vs " $2; bad = 1 }
    s == 0 && d > 0.5 { print "x noise too large at " NR ": " $1 " vs " $2; bad = 1 }
    s == 0 && d > 0 { noisy++ }
    END { if (noisy == 0) { print "x has no noise"; bad = 1 } exit bad }' ||
    fail "/ys_observed of $1 is not /ys with the noise asked for"
}

case "$CASE" in
  csv)
    write_lotka_volterra_ini lv.ini
    run_kode solve lv.ini
    expect_rc 0
    clean=$OUT
    run_kode solve lv.ini --noise.observation_sigma='list(0.1, 0.2)'
    expect_rc 0
    noisy=$OUT
    [ "$(head -n 1 <<<"$noisy")" = "t,x,y,x_observed,y_observed" ] ||
      fail "CSV header: $(head -n 1 <<<"$noisy")"
    [ "$(cut -d, -f1-3 <<<"$noisy")" = "$clean" ] || fail "the state columns changed"
    [ "$(wc -l <<<"$noisy")" -eq 12 ] || fail "expected 11 rows"
    paste -d, <(cut -d, -f2-3 <<<"$clean") <(cut -d, -f4-5 <<<"$noisy") | tail -n +2 |
      awk -F, '{ for (i = 1; i <= 2; i++) { d = $(i + 2) - $i; if (d < 0) d = -d;
                   if (d == 0 || d > 2) { print "row " NR " state " i ": " $i " vs " $(i + 2); bad = 1 } } }
               END { exit bad }' || fail "observed columns are not noisy copies"
    # Reproducible; another seed gives other observations; sigma 0 copies.
    run_kode solve lv.ini --noise.observation_sigma='list(0.1, 0.2)'
    [ "$OUT" = "$noisy" ] || fail "a second run gave other observations"
    run_kode solve lv.ini --noise.observation_sigma='list(0.1, 0.2)' --noise.observation_seed=1
    expect_rc 0
    seeded=$OUT
    [ "$(cut -d, -f4-5 <<<"$seeded")" != "$(cut -d, -f4-5 <<<"$noisy")" ] ||
      fail "observation_seed changed nothing"
    # noise.seed is the default observation_seed (and is then used, not ignored).
    run_kode solve lv.ini --noise.observation_sigma='list(0.1, 0.2)' --noise.seed=1
    expect_rc 0
    [ -z "$ERR" ] || fail "unexpected warning: $ERR"
    [ "$OUT" = "$seeded" ] || fail "noise.seed is not the default observation_seed"
    run_kode solve lv.ini --noise.observation_sigma=0
    expect_rc 0
    [ "$(cut -d, -f4-5 <<<"$OUT" | tail -n +2)" = "$(cut -d, -f2-3 <<<"$clean" | tail -n +2)" ] ||
      fail "sigma 0 does not copy the states"
    # observation_seed alone does nothing, and solve says so.
    run_kode solve lv.ini --noise.observation_seed=4
    expect_rc 0
    [ "$OUT" = "$clean" ] || fail "observation_seed without observation_sigma changed the CSV"
    expect_stderr_has "warning" "noise.observation_seed" ;;
  solve_file)
    need h5ls
    need h5dump
    write_lotka_volterra_ini lv.ini
    run_kode solve lv.ini --noise.observation_sigma='list(0.1, 0.2)' --noise.observation_seed=7
    expect_rc 0
    csv=$OUT
    run_kode solve lv.ini --noise.observation_sigma='list(0.1, 0.2)' --noise.observation_seed=7 \
      --output.file=obs.h5
    expect_rc 0
    h5ls obs.h5/ys_observed | grep -q '{1, 11, 2}' || fail "/ys_observed shape: $(h5ls obs.h5/ys_observed)"
    [ "$(h5_values obs.h5 /ys_observed/observation_sigma -a | tr '\n' ' ')" = "0.1 0.2 " ] ||
      fail "observation_sigma attribute: $(h5_values obs.h5 /ys_observed/observation_sigma -a)"
    [ "$(h5_values obs.h5 /ys_observed/observation_seed -a)" = 7 ] || fail "observation_seed attribute"
    [ "$(h5_values obs.h5 /ys_observed/state_names -a | tr '\n' ' ')" = '"x" "y" ' ] ||
      fail "state_names attribute"
    h5dump -A -d /ys_observed obs.h5 | grep -q DIMENSION_LIST || fail "/ys_observed has no dimension scales"
    [ "$(values17 obs.h5 /ys_observed | paste -d, - -)" = "$(cut -d, -f4-5 <<<"$csv" | tail -n +2)" ] ||
      fail "/ys_observed differs from the CSV's observed columns"
    h5dump -a /config obs.h5 | grep -q 'observation_sigma = list(0.1, 0.2)$' ||
      fail "config attribute lacks observation_sigma"
    h5_values obs.h5 /config -a | grep -q 'observation_seed = 7' ||
      fail "config attribute lacks observation_seed"
    # Without the keys there is no /ys_observed.
    run_kode solve lv.ini --output.file=clean.h5
    expect_rc 0
    h5ls clean.h5 | grep -q ys_observed && fail "/ys_observed written without observation_sigma"
    h5_values clean.h5 /config -a | grep -q observation && fail "config mentions observations"
    exit 0 ;;
  bad_input)
    write_lotka_volterra_ini lv.ini
    write_sweep_ini
    before=$(snapshot)
    bad() {  # bad NEEDLE... -- ARGS...: kode ARGS exits 2 naming every NEEDLE
      local needles=()
      while [ "$1" != "--" ]; do
        needles+=("$1")
        shift
      done
      shift
      run_kode "$@"
      expect_rc 2
      expect_stderr_has "${needles[@]}"
    }
    for cmd in solve check; do
      bad "noise.observation_sigma" "one sigma per state" "x, y" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma='list(0.1)'
      bad "noise.observation_sigma" "'y'" ">= 0" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma='list(0.1, -0.2)'
      bad "noise.observation_sigma" ">= 0" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma=-1
      bad "noise.observation_sigma" "not a number" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma=abc
      bad "noise.observation_sigma" "finite" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma=inf
      # Every axis form is a list of sigmas; a distribution is not.
      bad "noise.observation_sigma" "one sigma per state" "x, y" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma='linspace(0, 1, 3)'
      bad "noise.observation_sigma" "unknown function 'uniform'" "logspace(a,b,n)" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma='uniform(0, 1)'
      bad "noise.observation_seed" ">= 0" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma=0.1 --noise.observation_seed=-1
      bad "noise.observation_seed" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigma=0.1 --noise.observation_seed=1.5
      bad "noise.observation_sigmaa" "did you mean 'noise.observation_sigma'" -- \
        $cmd lv.ini --output.file=bad.h5 --noise.observation_sigmaa=0.1
    done
    for cmd in sweep check; do
      bad "noise.observation_sigma" "output.save" "statistics" -- \
        $cmd obs.ini --output.save=statistics
      bad "noise.observation_sigma" "one sigma per state" "x, v" -- \
        $cmd obs.ini --noise.observation_sigma='list(1, 2, 3)'
    done
    [ "$(snapshot)" = "$before" ] || fail "a failing command created or changed files"
    run_kode check obs.ini
    expect_rc 0
    run_kode check lv.ini --noise.observation_sigma='list(0.1, 0)' --noise.observation_seed=2
    expect_rc 0 ;;
  sweep_ranks_and_chunks)
    need h5diff
    need h5ls
    need h5dump
    write_sweep_ini
    mpi 1 sweep obs.ini --output.file=ref.h5 --quiet
    expect_rc 0
    h5ls ref.h5/ys_observed | grep -q '{8192, 11, 2}' || fail "/ys_observed shape: $(h5ls ref.h5/ys_observed)"
    [ "$(h5_values ref.h5 /ys_observed/observation_sigma -a | tr '\n' ' ')" = "0.05 0 " ] ||
      fail "observation_sigma attribute"
    # The default seed is sweep.seed.
    [ "$(h5_values ref.h5 /ys_observed/observation_seed -a)" = 3 ] || fail "observation_seed attribute"
    [ "$(h5_values ref.h5 /ys_observed/state_names -a | tr '\n' ' ')" = '"x" "v" ' ] ||
      fail "state_names attribute"
    [ "$(h5dump -A -d /ys_observed ref.h5 | grep -c 'DIMENSION_LIST\|DIMENSION_LABELS')" -ge 2 ] ||
      fail "/ys_observed lacks dimension scales or labels"
    h5_values ref.h5 /config -a | grep -q 'observation_seed = 3' || fail "config lacks observation_seed"
    check_observations ref.h5
    mpi 2 sweep obs.ini --output.file=r2.h5 --sweep.chunk=2048 --quiet
    expect_rc 0
    same_dataset ref.h5 r2.h5 /ys_observed
    same_dataset ref.h5 r2.h5 /ys
    mpi 2 sweep obs.ini --output.file=dyn.h5 --sweep.schedule=dynamic --quiet
    expect_rc 0
    same_dataset ref.h5 dyn.h5 /ys_observed
    mpi 1 sweep obs.ini --output.file=one.h5 --sweep.chunk=100000 --quiet
    expect_rc 0
    same_dataset ref.h5 one.h5 /ys_observed
    # save = final: /ys_observed [n, 1, n_state] beside /ys.
    mpi 2 sweep obs.ini --output.file=final.h5 --output.save=final --quiet
    expect_rc 0
    h5ls final.h5/ys_observed | grep -q '{8192, 1, 2}' || fail "final /ys_observed shape"
    check_observations final.h5
    # An SDE model alike: 1 and 2 ranks, other chunks.
    cat >ou.ini <<'INI'
[model]
name = ornstein_uhlenbeck
[params]
theta = linspace(0.5, 2, 2048)
mu = 1
sigma = 0.3
[y0]
x = 0
[time]
t1 = 1
[solver]
dt0 = 0.05
[save]
ts = linspace(0, 1, 5)
[noise]
seed = 8
observation_sigma = 0.1
[sweep]
chunk = 1024
[output]
file = ou.h5
INI
    mpi 1 sweep ou.ini --quiet
    expect_rc 0
    mpi 2 sweep ou.ini --output.file=ou2.h5 --sweep.chunk=2048 --quiet
    expect_rc 0
    same_dataset ou.h5 ou2.h5 /ys_observed
    [ "$(h5_values ou.h5 /ys_observed/observation_seed -a)" = 8 ] || fail "SDE: observation_seed is not noise.seed"
    h5ls ou.h5/ys_observed | grep -q '{2048, 5, 1}' || fail "SDE /ys_observed shape" ;;
  sweep_resume_and_merge)
    need h5diff
    need h5ls
    need h5dump
    write_sweep_ini
    mpi 1 sweep obs.ini --output.file=ref.h5 --quiet
    expect_rc 0
    # Stopped by SIGUSR1 after some chunks, then resumed on 2 ranks.
    KODE_TEST_CHUNK_DELAY_MS=500 "$KODE" sweep obs.ini --quiet >/dev/null 2>err.txt &
    pid=$!
    waited=0
    while [ ! -e out.h5.partial ] && [ $waited -lt 300 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    sleep 1
    kill -USR1 $pid
    wait $pid
    RC=$?
    [ $RC -eq 75 ] || fail "SIGUSR1 did not exit 75: $(cat err.txt)"
    [ -f out.h5.partial ] && [ ! -e out.h5 ] || fail "expected only out.h5.partial"
    # Other observations are another run: not resumable from this file.
    mpi 1 sweep obs.ini --resume --noise.observation_seed=9
    expect_rc 2
    expect_stderr_has "another configuration" "observation_seed = 9"
    mpi 2 sweep obs.ini --resume --quiet
    expect_rc 0
    same_dataset ref.h5 out.h5 /ys_observed
    # Two slices on 1 and 2 ranks, merged.
    mpi 1 sweep obs.ini --output.file=p0.h5 --sweep.slice_index=0 --sweep.slice_count=2 --quiet
    expect_rc 0
    mpi 2 sweep obs.ini --output.file=p1.h5 --sweep.slice_index=1 --sweep.slice_count=2 \
      --sweep.schedule=dynamic --quiet
    expect_rc 0
    h5ls p1.h5/ys_observed | grep -q '{4096, 11, 2}' || fail "part /ys_observed shape"
    run_kode merge merged.h5 p1.h5 p0.h5 --quiet
    expect_rc 0
    same_dataset ref.h5 merged.h5 /ys_observed
    same_dataset ref.h5 merged.h5 /ys
    [ "$(h5_values merged.h5 /ys_observed/observation_sigma -a | tr '\n' ' ')" = "0.05 0 " ] ||
      fail "merged observation_sigma attribute" ;;
  *) fail "unknown case '$CASE'" ;;
esac
exit 0
