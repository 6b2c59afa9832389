# `kode train`: a neural ODE's loss falls on noisy oscillator data; parameter
# estimation recovers the truth within its standard errors; the result file's
# layout; `kode check`; stop on a signal or kill -9 then --resume gives the
# bits of an uninterrupted run; bad input exits 2 and writes nothing.
#   bash train.sh KODE CASE
. "$(dirname "$0")/lib.sh"
CASE=${1:?case name}
need h5dump
need h5ls
need h5diff

# 48 damped oscillators from random initial states, observed with noise.
write_data() {
  cat >data.ini <<'INI'
[model]
name = damped_oscillator
[params]
zeta = 0.1
omega = 1.0
[y0]
x = uniform(-1, 1)
v = uniform(-1, 1)
[time]
t1 = 8
[solver]
rtol = 1e-10
atol = 1e-10
[save]
ts = linspace(0, 8, 33)
[sweep]
design = random
samples = 48
seed = 3
[noise]
observation_sigma = 0.02
observation_seed = 4
[output]
file = data.h5
INI
  run_kode sweep data.ini --quiet
  expect_rc 0
}

write_train_ini() {
  cat >train.ini <<'INI'
[train]
data = data.h5
width = 16
depth = 2
steps = 120
batch = 16
learning_rate = 2e-2
validation_fraction = 0.25
seed = 1
output = out.h5
INI
}

# The values of /train/loss, one per line.
losses() { exact_values "$1" /train/loss; }

# interrupt SIGNAL SECONDS: the training (slowed to 20 ms per step) stopped
# by SIGNAL SECONDS after it started; status in $RC.
interrupt() {
  KODE_TEST_STEP_DELAY_MS=20 "$KODE" train train.ini --quiet "${@:3}" >/dev/null 2>err.txt &
  local pid=$!
  sleep "$2"
  kill "-$1" $pid
  wait $pid 2>/dev/null
  RC=$?
}

write_data
write_train_ini
case "$CASE" in
  neural_ode)
    run_kode train train.ini
    expect_rc 0
    expect_stderr_has "neural_ode, 354 weights" "(12 trajectories) -> out.h5"
    [ ! -e out.h5.checkpoint ] || fail "checkpoint left behind after a complete run"
    # The loss falls at least 10x: the first step against the mean of the last 10.
    losses out.h5 | awk '{ v[NR] = $1 } END {
      m = 0; for (i = NR - 9; i <= NR; i++) m += v[i]; m /= 10;
      if (NR != 120 || !(v[1] > 10 * m)) { print "first " v[1] ", last 10 mean " m; exit 1 } }' ||
      fail "the loss did not fall 10x: $(losses out.h5 | sed -n '1p;120p' | tr '\n' ' ')"
    # Layout.
    h5ls out.h5/network/weights | grep -q '{354}' || fail "/network/weights"
    h5ls out.h5/network/layer_0/weight | grep -q '{16, 2}' || fail "layer_0 weight"
    h5ls out.h5/network/layer_2/bias | grep -q '{2}' || fail "layer_2 bias"
    h5ls out.h5/validation/ys_predicted | grep -q '{12, 33, 2}' || fail "ys_predicted"
    h5ls out.h5/train/validation_loss | grep -q '{120}' || fail "validation_loss"
    # The weights of layer 0 are the flat array's first 16 x 2 entries.
    [ "$(exact_values out.h5 /network/layer_0/weight | head -n 32)" = \
      "$(exact_values out.h5 /network/weights | head -n 32)" ] || fail "layer_0 != weights[0:32]"
    # The validation observations are the data's rows /validation/traj.
    first=$(h5_values out.h5 /validation/traj | head -n 1)
    [ "$(exact_values out.h5 /validation/ys_observed -s 0,0,0 -c 1,33,2)" = \
      "$(exact_values data.h5 /ys_observed -s "$first,0,0" -c 1,33,2)" ] ||
      fail "validation observations are not the data's trajectory $first"
    h5dump -A out.h5 | grep -q 'learn = network' || fail "config attribute" ;;
  params)
    # Recover zeta and omega of the data from a wrong start, within 4
    # standard errors (the Gauss-Newton ones kode reports).
    cat >params.ini <<'INI'
[train]
data = data.h5
model = damped_oscillator
learn = params
parameter_scale = log
steps = 300
batch = 16
learning_rate = 0.03
schedule = cosine
validation_fraction = 0.25
output = fit.h5
[solver]
rtol = 1e-8
atol = 1e-8
[params]
zeta = 0.3
omega = 0.6
INI
    run_kode train params.ini
    expect_rc 0
    expect_stderr_has "learnt parameters (+- standard error): zeta = "
    paste <(exact_values fit.h5 /params) <(exact_values fit.h5 /params_standard_error) |
      awk 'BEGIN { truth[1] = 0.1; truth[2] = 1.0 }
           { d = $1 - truth[NR]; if (d < 0) d = -d;
             if (!($2 > 0 && $2 < 0.01 && d < 4 * $2)) { print NR ": " $0; exit 1 } }' ||
      fail "not within 4 standard errors: $(paste <(exact_values fit.h5 /params) <(exact_values fit.h5 /params_standard_error))" ;;
  learn_params)
    # Only omega fitted; zeta keeps its [params] value.
    run_kode train train.ini --train.model=damped_oscillator --train.learn=params \
      --train.learn_params="list(omega)" --train.width=4 2>/dev/null
    expect_rc 2
    expect_stderr_has "train.width" "applies to a network"
    run_kode train train.ini --train.model=damped_oscillator --train.learn=params \
      --train.learn_params="list(omega)" --params.zeta=0.1 --params.omega=0.8 \
      --train.width=16 2>/dev/null
    expect_rc 2
    sed -i -e '/^width/d' -e '/^depth/d' train.ini
    run_kode train train.ini --train.model=damped_oscillator --train.learn=params \
      --train.learn_params="list(omega)" --params.zeta=0.1 --params.omega=0.8 \
      --train.learning_rate=0.02 --train.steps=200
    expect_rc 0
    [ "$(exact_values out.h5 /params | head -n 1)" = 0.10000000000000001 ] || fail "zeta moved"
    exact_values out.h5 /params | awk 'NR == 2 { exit !($1 > 0.99 && $1 < 1.01) }' ||
      fail "omega not recovered: $(exact_values out.h5 /params)" ;;
  solve_trained)
    # kode solve and kode sweep run the learnt network ([model] weights):
    # a validation trajectory solved again equals its prediction in the
    # training file bit for bit (same solver settings and save times).
    run_kode train train.ini --quiet --train.steps=20
    expect_rc 0
    t=$(h5_values out.h5 /validation/traj | head -n 1)
    y0=($(exact_values data.h5 /y0 -s "$t,0" -c 1,2))
    cat >nn.ini <<INI
[model]
name = neural_ode
weights = out.h5
[y0]
x = ${y0[0]}
v = ${y0[1]}
[time]
t1 = 8
[save]
ts = linspace(0, 8, 33)
[output]
file = nn.h5
INI
    run_kode solve nn.ini
    expect_rc 0
    [ "$(exact_values nn.h5 /ys)" = "$(exact_values out.h5 /validation/ys_predicted -s 0,0,0 -c 1,33,2)" ] ||
      fail "the solve differs from the training file's prediction"
    h5dump -A nn.h5 | grep -q 'weights = out.h5' || fail "config attribute lacks [model] weights"
    # A Monte Carlo sweep of the learnt model, with adjoint sensitivities.
    printf '[sweep]\ndesign = random\nsamples = 20\n[sensitivity]\nmethod = adjoint\n[loss]\nkind = state\nweights = list(1, 0)\n' >>nn.ini
    sed -i -e 's/^x = .*/x = uniform(-1, 1)/' -e 's/^file = nn.h5/file = sweep.h5/' nn.ini
    run_kode sweep nn.ini --quiet
    expect_rc 0
    h5ls sweep.h5/sensitivity/dloss_dy0 | grep -q '{20, 2}' || fail "sweep sensitivities"
    # Bad input: no weights, weights for another model, forward sensitivities.
    run_kode solve nn.ini --model.weights=
    expect_rc 2
    expect_stderr_has "needs [model] weights"
    run_kode solve nn.ini --model.name=damped_oscillator --params.zeta=0.1 --params.omega=1
    expect_rc 2
    expect_stderr_has "holds a network trained for model 'neural_ode', not for 'damped_oscillator'"
    run_kode sweep nn.ini --sensitivity.method=forward --loss.kind= --loss.weights=
    expect_rc 2
    expect_stderr_has "only method = adjoint"
    run_kode solve nn.ini --model.weights=data.h5
    expect_rc 2
    expect_stderr_has "has no /network" ;;
  hybrid)
    # The damped oscillator with a wrong omega plus a network correction
    # (learn = both): the loss falls to near the noise (sigma^2 = 4e-4), the
    # file holds the network and the parameters, and kode solve with
    # [model] weights re-solves a validation trajectory bit for bit.
    cat >hyb.ini <<'INI'
[train]
data = data.h5
model = damped_oscillator
learn = both
learn_params = list(omega)
width = 8
depth = 1
steps = 150
batch = 16
learning_rate = 1e-2
seed = 1
output = hyb.h5
[params]
zeta = 0.1
omega = 0.7
INI
    run_kode train hyb.ini
    expect_rc 0
    expect_stderr_has "damped_oscillator + network, 42 weights (width 8, depth 1, softplus) + 1 parameter" \
      "learnt parameters: omega = "
    exact_values hyb.h5 /train/loss | tail -n 10 | awk '{ m += $1 } END { exit !(m / NR < 1e-3) }' ||
      fail "hybrid loss not near the noise: $(exact_values hyb.h5 /train/loss | tail -n 3)"
    h5ls hyb.h5/network/weights | grep -q '{42}' || fail "/network/weights"
    omega=$(exact_values hyb.h5 /params | sed -n 2p)
    [ "$(exact_values hyb.h5 /params | sed -n 1p)" = 0.10000000000000001 ] || fail "zeta moved"
    t=$(h5_values hyb.h5 /validation/traj | head -n 1)
    y0=($(exact_values data.h5 /y0 -s "$t,0" -c 1,2))
    cat >solve.ini <<INI
[model]
name = damped_oscillator
weights = hyb.h5
[params]
zeta = 0.1
omega = $omega
[y0]
x = ${y0[0]}
v = ${y0[1]}
[time]
t1 = 8
[save]
ts = linspace(0, 8, 33)
[output]
file = s.h5
INI
    run_kode solve solve.ini
    expect_rc 0
    [ "$(exact_values s.h5 /ys)" = "$(exact_values hyb.h5 /validation/ys_predicted -s 0,0,0 -c 1,33,2)" ] ||
      fail "the hybrid solve differs from the training file's prediction"
    # Empty weights and a model of other states are refused.
    run_kode solve solve.ini --model.weights= 2>/dev/null
    expect_rc 2
    run_kode solve solve.ini --model.name=lotka_volterra
    expect_rc 2 ;;
  all_fail)
    # max_steps too small for any trajectory: exit 70 at the first step,
    # naming the cause, no result file.
    run_kode train train.ini --solver.max_steps=2
    expect_rc 70
    expect_stderr_has "every trajectory of the minibatch of step 0 failed"
    [ ! -e out.h5 ] || fail "a result file after a failed run" ;;
  check)
    before=$(snapshot)
    run_kode check train.ini
    expect_rc 0
    expect_stdout_has "ok: train neural_ode (354 weights" "36 training trajectories" \
      "12 validation trajectories" "33 save times" "120 steps of batch 16, adam"
    [ "$(snapshot)" = "$before" ] || fail "kode check wrote something" ;;
  signal_then_resume)
    run_kode train train.ini --quiet --train.output=ref.h5
    expect_rc 0
    for signal in USR1 TERM; do
      rm -f out.h5.checkpoint
      interrupt "$signal" 1
      [ "$RC" -eq 75 ] || fail "SIG$signal: exit $RC, expected 75: $(cat err.txt)"
      grep -q "stopped on a signal at step" err.txt || fail "message: $(cat err.txt)"
      [ -e out.h5.checkpoint ] || fail "no checkpoint after SIG$signal"
      [ ! -e out.h5 ] || fail "output written by a stopped run"
      # Without --resume the checkpoint is not silently discarded.
      run_kode train train.ini --quiet
      expect_rc 2
      expect_stderr_has "out.h5.checkpoint' exists" "--resume"
      run_kode train train.ini --resume
      expect_rc 0
      expect_stderr_has "resuming from step"
      same_data ref.h5 out.h5
      rm -f out.h5
    done ;;
  kill9_then_resume)
    run_kode train train.ini --quiet --train.output=ref.h5
    expect_rc 0
    interrupt KILL 1.5 --train.checkpoint_every=10
    [ -e out.h5.checkpoint ] || fail "no periodic checkpoint before kill -9"
    [ ! -e out.h5 ] || fail "output after kill -9"
    run_kode train train.ini --resume --train.checkpoint_every=10
    expect_rc 0
    same_data ref.h5 out.h5
    # A checkpoint of another config is refused, naming the difference.
    rm out.h5
    interrupt KILL 1.5 --train.checkpoint_every=10
    run_kode train train.ini --resume --train.checkpoint_every=10 --train.learning_rate=1e-3
    expect_rc 2
    expect_stderr_has "belongs to a different config" "learning_rate" ;;
  bad_input)
    before=$(snapshot)
    bad() {  # bad EXPECTED-TEXT ARGS...
      local text=$1
      shift
      run_kode train "${INI:-train.ini}" "$@"
      expect_rc 2
      expect_stderr_has "$text"
      [ "$(snapshot)" = "$before" ] || fail "files changed by: $*"
    }
    bad "missing required key 'train.data'" --train.data=
    bad "cannot read 'nothing.h5'" --train.data=nothing.h5
    bad "'train.optimizer' = 'sgd'" --train.optimizer=sgd
    bad "'train.activation' = 'sigmoid'" --train.activation=sigmoid
    bad "'train.validation_fraction' = '1'" --train.validation_fraction=1
    bad "'train.learn' = 'params'" --train.learn=params
    bad "model neural_ode has no parameters" --train.learn=both
    bad "'train.width' = '0'" --train.width=0
    bad "'train.depth' = '9'" --train.depth=9
    bad "'train.steps' = '0'" --train.steps=0
    bad "learning_rate" --train.learning_rate=-1
    bad "needs train.schedule = warmup_cosine" --train.warmup_steps=5
    bad "go together" --train.curriculum=0.5
    bad "unknown key 'train.bogus'" --train.bogus=1
    bad "'time.t1' (command line '--time.t1=3') is not used by kode train" --time.t1=3
    grep -v -e '^width' -e '^depth' train.ini >model.ini
    before=$(snapshot)
    INI=model.ini bad "is an SDE model" --train.model=ornstein_uhlenbeck --train.learn=params
    INI=model.ini bad "holds the states (x, v); model 'lorenz' has (x, y, z)" \
      --train.model=lorenz --train.learn=params
    INI=model.ini bad "missing key 'params.omega'" --train.model=damped_oscillator \
      --train.learn=params --params.zeta=0.2
    INI=model.ini bad "must be > 0 with train.parameter_scale = log" \
      --train.model=damped_oscillator --params.zeta=0.2 --params.omega=-1 \
      --train.parameter_scale=log
    INI=model.ini bad "'nu' is not a parameter of model 'damped_oscillator'" \
      --train.model=damped_oscillator --params.zeta=0.2 --params.omega=1 \
      --train.learn_params="list(zeta, nu)"
    run_kode train
    expect_rc 2
    expect_stderr_has "no config file"
    echo "garbage" >notdata.h5
    # Save times after the t0 that /y0 belongs to: refused, not fitted wrongly.
    run_kode sweep data.ini --quiet --save.ts='linspace(1, 8, 29)' --output.file=late.h5
    expect_rc 0
    before=$(snapshot)
    bad "is not an HDF5 file" --train.data=notdata.h5
    bad "start at 1.000000, after the t0 = 0.000000 its /y0 belongs to" --train.data=late.h5
    run_kode train train.ini --quiet
    expect_rc 0
    before=$(snapshot)
    bad "'out.h5' already exists"
    ;;
  *) fail "unknown case '$CASE'" ;;
esac
