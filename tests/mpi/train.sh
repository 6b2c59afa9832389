# `kode train` under mpiexec: the result file (loss history, network or
# parameters, validation predictions) is identical bit for bit on 1, 2 and 3
# ranks, and after a stop on a signal on 2 ranks and --resume on 3.
#   bash train.sh /path/to/kode /path/to/mpiexec CASE
KODE_BIN=$1
MPIEXEC=${2:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
CASE=${3:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
# shellcheck source=../cli/lib.sh
source "$(dirname "$0")/../cli/lib.sh" "$KODE_BIN"
need h5diff
need h5ls

cat >data.ini <<'INI'
[model]
name = lotka_volterra
[params]
alpha = 1.0
beta = 0.4
gamma = 1.0
delta = 0.2
[y0]
x = uniform(2, 6)
y = uniform(1, 3)
[time]
t1 = 6
[save]
ts = linspace(0, 6, 25)
[sweep]
design = random
samples = 40
seed = 8
[noise]
observation_sigma = 0.05
[output]
file = data.h5
INI
mpi 1 sweep data.ini --quiet
expect_rc 0

# A minibatch of 20 = blocks of 8, 8 and 4 trajectories: on 3 ranks each
# rank has one block, on 2 one rank has two.
cat >net.ini <<'INI'
[train]
data = data.h5
width = 8
depth = 1
activation = tanh
steps = 40
batch = 20
optimizer = adabelief
learning_rate = 1e-2
schedule = warmup_cosine
warmup_steps = 5
clip_norm = 5
validation_fraction = 0.2
validate_every = 7
curriculum = 0.5
curriculum_steps = 10
seed = 9
output = out.h5
INI
cat >params.ini <<'INI'
[train]
data = data.h5
model = lotka_volterra
learn = params
parameter_scale = log
learn_params = list(alpha, beta, delta)
steps = 40
batch = 20
learning_rate = 0.05
seed = 9
output = out.h5
[params]
alpha = 0.5
beta = 0.5
gamma = 1.0
delta = 0.5
INI

case "$CASE" in
  ranks_network | ranks_params)
    ini=net.ini
    [ "$CASE" = ranks_params ] && ini=params.ini
    for n in 1 2 3; do
      mpi $n train $ini --quiet --train.output=r$n.h5
      expect_rc 0
    done
    same_data r1.h5 r2.h5
    same_data r1.h5 r3.h5
    [ "$(h5ls r1.h5/train/loss | grep -c '{40}')" = 1 ] || fail "/train/loss shape" ;;
  signal_then_resume)
    mpi 1 train net.ini --quiet --train.output=ref.h5
    expect_rc 0
    KODE_TEST_STEP_DELAY_MS=100 "$MPIEXEC" --allow-run-as-root --oversubscribe -n 2 \
      "$KODE" train net.ini --quiet >/dev/null 2>err.txt &
    pid=$!
    sleep 2
    kill -USR1 $pid
    wait $pid
    RC=$?
    [ "$RC" -eq 75 ] || fail "exit $RC after SIGUSR1, expected 75: $(cat err.txt)"
    [ -e out.h5.checkpoint ] || fail "no checkpoint"
    mpi 3 train net.ini --quiet --resume
    expect_rc 0
    same_data ref.h5 out.h5 ;;
  *) fail "unknown case '$CASE'" ;;
esac
