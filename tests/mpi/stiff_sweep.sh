# The stiff sweep deck (inputs/pk_fast_absorption_sweep.ini: absorption rates
# up to 10^4 per hour, rodas5p) under `kode sweep`: every trajectory
# succeeds, the file is identical bit for bit on 1 and 2 ranks, and its
# ensemble statistics agree with the explicit tsit5 at a tight tolerance
# (which pays for the stiffness with small steps, counted here).
#   bash stiff_sweep.sh /path/to/kode /path/to/mpiexec CASE
KODE_BIN=$1
MPIEXEC=${2:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
CASE=${3:?usage: $0 /path/to/kode /path/to/mpiexec CASE}
INPUTS=$(cd "$(dirname "$0")/../../inputs" && pwd) || { echo "FAIL: no inputs/ directory" >&2; exit 1; }
# shellcheck source=../cli/lib.sh
source "$(dirname "$0")/../cli/lib.sh" "$KODE_BIN"
need h5diff
need h5dump

DECK=$INPUTS/pk_fast_absorption_sweep.ini

# steps FILE: the total of /stats/num_steps.
steps() { h5_values "$1" /stats/num_steps | awk '{ s += $1 } END { print s }'; }

case "$CASE" in
  pk_fast_absorption)
    mpi 2 sweep "$DECK" --output.file=two.h5 --sweep.chunk=128 --quiet
    expect_rc 0
    mpi 1 sweep "$DECK" --output.file=one.h5 --quiet
    expect_rc 0
    same_data two.h5 one.h5 /sweep/chunk_done
    bad=$(h5_values two.h5 /status | awk '$1 != 0' | wc -l)
    [ "$bad" -eq 0 ] || fail "$bad trajectories failed"
    mpi 2 sweep "$DECK" --output.file=explicit.h5 --sweep.chunk=128 --solver.method=tsit5 --solver.rtol=1e-10 \
      --solver.atol=1e-12 --solver.max_steps=10000000 --quiet
    expect_rc 0
    # Amounts of up to 100 agree within 1e-7 (measured: within 1e-8; an
    # absolute test, as the depot of a fast absorption is 0 or rounding).
    for ds in /ensemble/mean /ensemble/min /ensemble/max; do
      h5diff -d 1e-7 two.h5 explicit.h5 $ds $ds >/dev/null ||
        fail "$ds: rodas5p and tsit5 disagree: $(h5diff -r -d 1e-7 two.h5 explicit.h5 $ds $ds | head -5)"
    done
    echo "steps: rodas5p $(steps two.h5), tsit5 at rtol 1e-10 $(steps explicit.h5)" ;;
  *) fail "unknown case $CASE" ;;
esac
