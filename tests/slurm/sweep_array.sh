#!/usr/bin/env bash
# `kode sweep` as a Slurm job array (scripts/slurm/sweep_array.sbatch) on a
# real single-node Slurm: a 3-task array computes the 3 slices of a sweep
# into part files (one rank each, srun --mpi=pmix), `kode merge` joins them,
# and the result equals an uninterrupted `kode sweep` of the whole sweep,
# dataset by dataset (h5diff). Skipped (77) without root, Slurm or PMIx.
# Usage: sweep_array.sh SOURCE_DIR /path/to/kode /path/to/mpiexec
SOURCE_DIR=$(cd "${1:?usage: $0 SOURCE_DIR KODE MPIEXEC}" && pwd)
KODE_BIN=${2:?usage: $0 SOURCE_DIR KODE MPIEXEC}
MPIEXEC=${3:?usage: $0 SOURCE_DIR KODE MPIEXEC}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/lib.sh
. "$HERE/lib.sh"

KODE_BIN=$(cd "$(dirname "$KODE_BIN")" && pwd)/$(basename "$KODE_BIN")
DECK=$SOURCE_DIR/inputs/damped_oscillator_sweep.ini
[ -x "$KODE_BIN" ] || skip "no kode executable at $KODE_BIN"
[ -f "$DECK" ] || skip "$DECK does not exist yet"
command -v h5diff >/dev/null 2>&1 || skip "h5diff not found (hdf5-tools)"
command -v h5ls >/dev/null 2>&1 || skip "h5ls not found (hdf5-tools)"
need_cluster

start_cluster
srun --mpi=list 2>&1 | grep -qw pmix || skip "this Slurm has no PMIx plugin (srun --mpi=pmix)"
cp "$DECK" sweep.ini
# 40 x 64 = 2560 trajectories in chunks of 1024: 3 chunks, one per slice.
ARGS=('--params.omega=linspace(0.5, 5, 64)' --output.save=final --quiet)
export KODE_TEST_CHUNK_DELAY_MS=0

"$MPIEXEC" --allow-run-as-root --oversubscribe -n 1 "$KODE_BIN" sweep sweep.ini \
  --output.file=ref.h5 "${ARGS[@]}" >ref.log 2>&1 || fail "reference run failed: $(cat ref.log)"

id=$(KODE=$KODE_BIN CONFIG=sweep.ini PART_DIR=$WORK/parts \
  SWEEP_SBATCH=$SLURM_SCRIPTS/sweep.sbatch sbatch --parsable --array=0-2 -n 1 --time=5 \
  -o "task_%a.out" "$SLURM_SCRIPTS/sweep_array.sbatch" "${ARGS[@]}") || fail "sbatch failed"
for task in 0 1 2; do
  state=$(wait_job "${id}_$task" 120)
  [ "$state" = COMPLETED ] || fail "array task $task ended $state; $(cat "task_$task.out")"
  [ -f "parts/part_$task.h5" ] && [ ! -e "parts/part_$task.h5.partial" ] ||
    fail "array task $task left no complete part; $(cat "task_$task.out")"
done

# The parts in any order.
"$KODE_BIN" merge merged.h5 parts/part_2.h5 parts/part_1.h5 parts/part_0.h5 >merge.log 2>&1 ||
  fail "kode merge failed: $(cat merge.log)"
datasets() {
  h5ls -r "$1" | awk '$2 == "Dataset" { print $1 }'
}
[ "$(datasets ref.h5)" = "$(datasets merged.h5)" ] || fail "ref.h5 and merged.h5 hold different datasets"
for ds in $(datasets ref.h5); do
  h5diff ref.h5 merged.h5 "$ds" "$ds" >h5diff.log 2>&1 ||
    fail "$ds differs between the single run and the merged array: $(head -5 h5diff.log)"
done
echo "PASS: 3-task job array merged into a file identical to one run"
