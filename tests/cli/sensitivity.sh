# `kode solve` with [sensitivity] method = forward: derivative columns in the
# CSV, /sensitivity/* in the HDF5 file, the solve's values unchanged, and bad
# sensitivity input refused with exit 2 and no file.
#   bash sensitivity.sh KODE CASE
. "$(dirname "$0")/lib.sh"
CASE=${1:?case name}

write_lotka_volterra_ini lv.ini
case "$CASE" in
  csv)
    run_kode solve lv.ini
    expect_rc 0
    plain=$OUT
    run_kode solve lv.ini --sensitivity.method=forward
    expect_rc 0
    header=$(printf '%s\n' "$OUT" | head -n 1)
    want="t,x,y,dx_dalpha,dx_dbeta,dx_dgamma,dx_ddelta,dx_dx0,dx_dy0,dy_dalpha,dy_dbeta,dy_dgamma,dy_ddelta,dy_dx0,dy_dy0"
    [ "$header" = "$want" ] || fail "header: $header"
    # The values are the plain solve's, digit for digit.
    [ "$(printf '%s\n' "$OUT" | cut -d, -f1-3)" = "$plain" ] || fail "values changed:
$OUT"
    # At t0 the Jacobian is d y0 / d (p, y0) = [0 | I].
    [ "$(printf '%s\n' "$OUT" | sed -n 2p)" = "0,1,1,0,0,0,0,1,0,0,0,0,0,0,1" ] ||
      fail "row at t0: $(printf '%s\n' "$OUT" | sed -n 2p)"
    # dx/dalpha is not zero later on (alpha drives the prey's growth).
    printf '%s\n' "$OUT" | awk -F, 'NR == 3 { exit !($4 != 0) }' || fail "dx/dalpha is zero" ;;
  file)
    need h5dump
    run_kode solve lv.ini --sensitivity.method=forward --output.file=s.h5
    expect_rc 0
    run_kode solve lv.ini --sensitivity.method=forward
    csv=$OUT
    h5dump -H -d /sensitivity/dys_dparams s.h5 | grep -q "( 1, 11, 2, 4 )" ||
      fail "dys_dparams shape: $(h5dump -H -d /sensitivity/dys_dparams s.h5)"
    h5dump -H -d /sensitivity/dys_dy0 s.h5 | grep -q "( 1, 11, 2, 2 )" || fail "dys_dy0 shape"
    h5dump -A s.h5 | grep -q 'method = forward' || fail "config attribute lacks [sensitivity]"
    # The file's derivatives are the CSV's (x's row at t = 1: columns 4-7).
    from_file=$(h5dump -y -w 0 -m '%.17g' -d /sensitivity/dys_dparams s.h5 |
      sed -n '/DATA {/,/}/p' | tr -s ', ' '\n\n' | grep -E '^-?[0-9]' | sed -n 9,12p | tr '\n' ' ')
    from_csv=$(printf '%s\n' "$csv" | sed -n 3p | cut -d, -f4-7 | tr ',' ' ')
    python3 - "$from_file" "$from_csv" <<'PY' || fail "file and CSV differ: $from_file vs $from_csv"
import sys
a = [float(x) for x in sys.argv[1].split()]
b = [float(x) for x in sys.argv[2].split()]
assert len(a) == 4 and all(abs(x - y) <= 1e-14 * (1 + abs(y)) for x, y in zip(a, b)), (a, b)
PY
    ;;
  check)
    run_kode check lv.ini --sensitivity.method=forward
    expect_rc 0
    expect_stdout_has "sensitivity: forward" ;;
  bad_input)
    before=$(snapshot)
    run_kode solve lv.ini --sensitivity.method=backsolve --loss.kind=state --loss.weights=1 \
      --sensitivity.checkpoints=10 --output.file=a.h5
    expect_rc 2
    expect_stderr_has "sensitivity.checkpoints" "backsolve"
    run_kode solve lv.ini --sensitivity.method=forwrd
    expect_rc 2
    expect_stderr_has "sensitivity.method" "did you mean 'forward'"
    run_kode solve lv.ini --sensitivity.method=forward --save.dense=true --output.file=a.h5
    expect_rc 2
    expect_stderr_has "sensitivity.method" "save.dense"
    run_kode solve lv.ini --sensitivity.methd=forward
    expect_rc 2
    expect_stderr_has "sensitivity.methd" "sensitivity.method"
    run_kode solve --model.name=ornstein_uhlenbeck --params.theta=1 --params.mu=0 \
      --params.sigma=0.3 --y0.x=1 --time.t1=1 --solver.method=euler --solver.dt0=0.01 \
      --sensitivity.method=backsolve --loss.kind=state --loss.weights=1 --output.file=a.h5
    expect_rc 2
    expect_stderr_has "sensitivity.method" "SDE" "forward or adjoint"
    run_kode sweep lv.ini --params.alpha='linspace(1,2,3)' --output.file=a.h5 \
      --sensitivity.method=adjoint
    expect_rc 2
    expect_stderr_has "loss.kind"
    [ "$before" = "$(snapshot)" ] || fail "bad sensitivity input created or changed a file" ;;
  sde)
    # Pathwise sensitivities of an SDE (geometric Brownian motion, Milstein):
    # the scheme is linear in x, so on each path dx/dx0 = x / x0 exactly; the
    # adjoint of x(t1) equals forward mode's last row (sweeps:
    # tests/mpi/sweep.sh sensitivity_sde).
    gbm="--model.name=geometric_brownian_motion --params.mu=0.5 --params.sigma=0.4 --y0.x=2
      --time.t1=1 --save.ts=linspace(0.2,1,5) --solver.method=milstein --solver.dt0=0.01
      --noise.seed=5"
    # shellcheck disable=SC2086
    run_kode solve $gbm --sensitivity.method=forward
    expect_rc 0
    [ "$(printf '%s\n' "$OUT" | head -n 1)" = "t,x,dx_dmu,dx_dsigma,dx_dx0" ] ||
      fail "SDE forward header: $OUT"
    forward=$OUT
    printf '%s\n' "$OUT" | python3 -c '
import sys
rows = [[float(v) for v in line.split(",")] for line in sys.stdin.read().split()[1:]]
assert len(rows) == 5, rows
for t, x, dmu, dsigma, dx0 in rows:
    assert abs(dx0 - x / 2) <= 1e-14 * abs(x), (t, x, dx0)
assert rows[-1][2] != 0 and rows[-1][3] != 0, rows[-1]
' || fail "SDE forward sensitivities: $OUT"
    # shellcheck disable=SC2086
    run_kode solve $gbm --sensitivity.method=adjoint --loss.kind=state --loss.weights=1
    expect_rc 0
    adjoint=$(printf '%s\n' "$OUT" | sed -n 2p)
    last=$(printf '%s\n' "$forward" | tail -n 1)
    python3 - "$adjoint" "$last" <<'PY' || fail "SDE adjoint $adjoint vs forward $last"
import sys
loss, dmu, dsigma, dx0 = [float(v) for v in sys.argv[1].split(",")]
t, x, fmu, fsigma, fx0 = [float(v) for v in sys.argv[2].split(",")]
assert loss == x, (loss, x)
for a, f in ((dmu, fmu), (dsigma, fsigma), (dx0, fx0)):
    assert abs(a - f) <= 1e-12 * abs(f), (a, f)
PY
    ;;
  adjoint_state)
    # The gradient of x(t1) (weights 1, 0 at the final time) is the forward
    # Jacobian's x row at t1.
    run_kode solve lv.ini --sensitivity.method=adjoint --loss.kind=state --loss.weights='list(1,0)'
    expect_rc 0
    [ "$(printf '%s\n' "$OUT" | head -n 1)" = "loss,dloss_dalpha,dloss_dbeta,dloss_dgamma,dloss_ddelta,dloss_dx0,dloss_dy0" ] ||
      fail "adjoint header: $OUT"
    adjoint=$(printf '%s\n' "$OUT" | sed -n 2p)
    run_kode solve lv.ini --sensitivity.method=forward
    forward=$(printf '%s\n' "$OUT" | tail -n 1 | cut -d, -f2,4-9)
    python3 - "$adjoint" "$forward" <<'PY' || fail "adjoint $adjoint vs forward $forward"
import sys
a = [float(x) for x in sys.argv[1].split(",")]
f = [float(x) for x in sys.argv[2].split(",")]
assert len(a) == 7 and all(abs(x - y) <= 1e-12 * (1 + abs(y)) for x, y in zip(a, f)), (a, f)
PY
    ;;
  backsolve)
    # The continuous adjoint: within the tolerance of the discrete one on
    # this stable problem (rtol = atol = 1e-8 in lv.ini), in the CSV and the
    # file; a backward solve that cannot finish exits 1 saying so.
    run_kode solve lv.ini --sensitivity.method=adjoint --loss.kind=state --loss.weights='list(1,0)'
    expect_rc 0
    adjoint=$(printf '%s\n' "$OUT" | sed -n 2p)
    run_kode check lv.ini --sensitivity.method=backsolve --loss.kind=state --loss.weights='list(1,0)'
    expect_rc 0
    expect_stdout_has "sensitivity: backsolve (continuous adjoint)"
    run_kode solve lv.ini --sensitivity.method=backsolve --loss.kind=state --loss.weights='list(1,0)'
    expect_rc 0
    [ "$(printf '%s\n' "$OUT" | head -n 1)" = "loss,dloss_dalpha,dloss_dbeta,dloss_dgamma,dloss_ddelta,dloss_dx0,dloss_dy0" ] ||
      fail "backsolve header: $OUT"
    backsolve=$(printf '%s\n' "$OUT" | sed -n 2p)
    python3 - "$adjoint" "$backsolve" <<'PY' || fail "adjoint $adjoint vs backsolve $backsolve"
import sys
a = [float(x) for x in sys.argv[1].split(",")]
b = [float(x) for x in sys.argv[2].split(",")]
scale = max(abs(x) for x in a[1:])
assert a[0] == b[0], (a[0], b[0])  # the same forward states
assert all(abs(x - y) <= 1e-5 * scale for x, y in zip(a[1:], b[1:])), (a, b)
assert a != b  # a different method: not the discrete adjoint's bits
PY
    run_kode solve lv.ini --sensitivity.method=backsolve --loss.kind=state --loss.weights='list(1,0)' \
      --output.file=b.h5
    expect_rc 0
    h5ls b.h5/sensitivity/dloss_dy0 | grep -q "{1, 2}" || fail "backsolve dloss_dy0 shape"
    run_kode solve --model.name=lorenz --params.sigma=10 --params.rho=28 --params.beta=2.6666666666666665 \
      --y0.x=1 --y0.y=1 --y0.z=20 --time.t1=10 --solver.rtol=1e-8 --solver.atol=1e-8 \
      --sensitivity.method=backsolve --loss.kind=state --loss.weights='list(1,0,0)'
    expect_rc 1
    expect_stderr_has "backward" "status 1" ;;
  adjoint_mse_file)
    need h5ls
    # Observations from one solve, the gradient of another's misfit to them.
    run_kode solve lv.ini --noise.observation_sigma=0.1 --output.file=obs.h5
    expect_rc 0
    run_kode check lv.ini --params.alpha=1.4 --sensitivity.method=adjoint --loss.kind=mse \
      --loss.data=obs.h5
    expect_rc 0
    expect_stdout_has "sensitivity: adjoint, 256 checkpoints; loss mse against /ys_observed of obs.h5"
    run_kode solve lv.ini --params.alpha=1.4 --sensitivity.method=adjoint --loss.kind=mse \
      --loss.data=obs.h5 --output.file=g.h5
    expect_rc 0
    for ds in loss dloss_dparams dloss_dy0; do
      h5ls g.h5/sensitivity/$ds >/dev/null || fail "/sensitivity/$ds missing"
    done
    h5ls g.h5/sensitivity/dloss_dparams | grep -q "{1, 4}" || fail "dloss_dparams shape"
    # Fitting alpha: the misfit falls along -dloss/dalpha.
    run_kode solve lv.ini --params.alpha=1.4 --sensitivity.method=adjoint --loss.kind=mse \
      --loss.data=obs.h5 --sensitivity.checkpoints=24
    expect_rc 0
    l0=$(printf '%s\n' "$OUT" | sed -n 2p | cut -d, -f1)
    g=$(printf '%s\n' "$OUT" | sed -n 2p | cut -d, -f2)
    step=$(python3 -c "print(1.4 - 1e-4 * ($g))")
    run_kode solve lv.ini --params.alpha="$step" --sensitivity.method=adjoint --loss.kind=mse \
      --loss.data=obs.h5
    l1=$(printf '%s\n' "$OUT" | sed -n 2p | cut -d, -f1)
    python3 -c "import sys; sys.exit(0 if $l1 < $l0 else 1)" || fail "loss did not fall: $l0 -> $l1" ;;
  adjoint_bad_input)
    run_kode solve lv.ini --noise.observation_sigma=0.1 --output.file=obs.h5
    before=$(snapshot)
    bad() {  # bad KEY_OR_TEXT... -- ARGS...
      local needles=()
      while [ "$1" != "--" ]; do needles+=("$1"); shift; done
      shift
      run_kode solve lv.ini "$@" --output.file=out.h5
      expect_rc 2
      expect_stderr_has "${needles[@]}"
    }
    bad "loss.kind" -- --sensitivity.method=adjoint
    bad "loss.kind" "did you mean 'mse'" -- --sensitivity.method=adjoint --loss.kind=mes
    bad "loss.weights" -- --sensitivity.method=adjoint --loss.kind=state
    bad "loss.weights" "one weight per state" -- --sensitivity.method=adjoint --loss.kind=state \
      --loss.weights='list(1,2,3)'
    bad "loss.data" -- --sensitivity.method=adjoint --loss.kind=mse
    bad "loss.data" "missing.h5" -- --sensitivity.method=adjoint --loss.kind=mse --loss.data=missing.h5
    bad "loss.data" "save times" -- --sensitivity.method=adjoint --loss.kind=mse --loss.data=obs.h5 \
      --save.ts='linspace(0,10,12)'
    bad "loss.dataset" -- --sensitivity.method=adjoint --loss.kind=mse --loss.data=obs.h5 \
      --loss.dataset=params
    bad "loss.kind" "method = adjoint" -- --loss.kind=state --loss.weights=1
    bad "loss.kind" "forward" -- --sensitivity.method=forward --loss.kind=state --loss.weights=1
    bad "sensitivity.checkpoints" -- --sensitivity.method=adjoint --loss.kind=state \
      --loss.weights=1 --sensitivity.checkpoints=1
    bad "sensitivity.checkpoints" "raise it" -- --sensitivity.method=adjoint --loss.kind=state \
      --loss.weights=1 --sensitivity.checkpoints=2
    [ "$before" = "$(snapshot)" ] || fail "bad input created or changed a file" ;;
esac
echo "sensitivity $CASE: ok"
