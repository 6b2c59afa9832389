# SDE ensembles under `kode sweep`: Brownian paths are keyed by the global
# trajectory index, so trajectories and /ensemble statistics are identical
# bit for bit across rank counts, chunk sizes and schedules (h5diff per
# dataset), `paths` repeats every design point with its own paths, and bad
# SDE input exits 2 without creating a file.
#   bash sde_sweep.sh /path/to/kode /path/to/mpiexec CASE
KODE_BIN=$1
MPIEXEC=${2:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
CASE=${3:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
# shellcheck source=../cli/lib.sh
source "$(dirname "$0")/../cli/lib.sh" "$KODE_BIN"
need h5diff
need h5ls
need h5dump

# 2 grid points x 3072 paths of the stochastic Lotka-Volterra model (diagonal
# noise, 2 Brownian motions), fixed-step Milstein; and OU with adaptive
# ShARK (rejected steps included).
cat >slv.ini <<'INI'
[model]
name = stochastic_lotka_volterra
[params]
alpha = 1.5
beta = 1
gamma = 3
delta = 1
sigma_x = list(0.05, 0.2)
sigma_y = 0.1
[y0]
x = 1
y = 1
[time]
t1 = 2
[solver]
method = milstein
dt0 = 0.015625
[save]
ts = linspace(0, 2, 5)
[sweep]
design = grid
paths = 3072
seed = 3
chunk = 1024
[output]
file = slv.h5
INI
cat >ou.ini <<'INI'
[model]
name = ornstein_uhlenbeck
[params]
theta = 1
mu = 0.5
sigma = 0.3
[y0]
x = 1
[time]
t1 = 1
[solver]
method = shark
dt0 = 0.05
rtol = 1e-3
atol = 1e-3
[save]
ts = linspace(0, 1, 6)
[noise]
seed = 99
[sweep]
paths = 4096
chunk = 1024
[output]
file = ou.h5
INI

case "$CASE" in
  ranks_and_chunks)
    for deck in slv ou; do
      mpi 1 sweep $deck.ini --output.file=${deck}1.h5 --quiet
      expect_rc 0
      mpi 2 sweep $deck.ini --output.file=${deck}2.h5 --sweep.chunk=2048 --quiet
      expect_rc 0
      same_data ${deck}1.h5 ${deck}2.h5 /sweep/chunk_done
      mpi 2 sweep $deck.ini --output.file=${deck}d.h5 --sweep.schedule=dynamic --quiet
      expect_rc 0
      same_data ${deck}1.h5 ${deck}d.h5
    done
    # Adaptive ShARK rejected some steps (the path survived retries).
    rejected=$(h5dump -d /stats/num_rejected ou1.h5 | awk '/\(0\)/,/}/' | tr -c '0-9\n' ' ' |
      awk '{ for (i = 2; i <= NF; ++i) s += $i } END { print s + 0 }')
    [ "$rejected" -gt 0 ] || fail "adaptive ShARK rejected no step: the test proves nothing" ;;
  paths_differ)
    # Repeats of one point have the same parameters but their own paths; a
    # new noise.seed gives new paths.
    mpi 1 sweep ou.ini --output.file=a.h5 --sweep.paths=2 --sweep.chunk=2 --quiet
    expect_rc 0
    v=$(h5dump -d /ys -s "0,5,0" -c "2,1,1" a.h5 | awk '/\(0,5,0\)|\(1,5,0\)/ { print $2 }')
    [ "$(echo "$v" | sort -u | wc -l)" = 2 ] || fail "two paths of one point ended equal: $v"
    mpi 1 sweep ou.ini --output.file=b.h5 --sweep.paths=2 --sweep.chunk=2 --noise.seed=100 --quiet
    expect_rc 0
    h5diff a.h5 b.h5 /ys /ys >/dev/null 2>&1 && fail "noise.seed did not change the paths"
    mpi 1 sweep ou.ini --output.file=c.h5 --sweep.paths=2 --sweep.chunk=2 --quiet
    expect_rc 0
    h5diff a.h5 c.h5 /ys /ys >/dev/null 2>&1 || fail "the same seed did not reproduce the paths" ;;
  bad_input)
    mpi 1 sweep ou.ini --solver.method=tsit5 --quiet
    expect_rc 2
    expect_stderr_has "ODE solver" "valid methods for SDE models"
    mpi 1 sweep slv.ini --solver.method=shark --quiet
    expect_rc 2
    expect_stderr_has "needs additive noise" "diagonal noise"
    mpi 1 sweep ou.ini --noise.calculus=strato --quiet
    expect_rc 2
    expect_stderr_has "noise.calculus" "ito or stratonovich"
    mpi 1 sweep ou.ini --noise.tree_tol=-1 --quiet
    expect_rc 2
    expect_stderr_has "noise.tree_tol"
    [ ! -e ou.h5 ] && [ ! -e ou.h5.partial ] || fail "bad input left a file" ;;
  *) fail "unknown case $CASE" ;;
esac
