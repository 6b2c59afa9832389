#!/usr/bin/env bash
# `kode train` through scripts/slurm/train.sbatch on a real single-node
# Slurm, 2 tasks (srun --mpi=pmix): the seed scenario's training, slowed down
# by the engine's test hook, is stopped mid-run with `scancel --signal=USR1
# --batch` (what --signal=B:USR1@60 does before a time limit), exits 75,
# requeues itself, resumes from its checkpoint, and its result file equals an
# uninterrupted `mpiexec -n 2 kode train` run (h5diff, every object).
# Usage: train.sh SOURCE_DIR /path/to/kode /path/to/mpiexec
SOURCE_DIR=$(cd "${1:?usage: $0 SOURCE_DIR KODE MPIEXEC}" && pwd)
KODE_BIN=${2:?usage: $0 SOURCE_DIR KODE MPIEXEC}
MPIEXEC=${3:?usage: $0 SOURCE_DIR KODE MPIEXEC}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/lib.sh
. "$HERE/lib.sh"

KODE_BIN=$(cd "$(dirname "$KODE_BIN")" && pwd)/$(basename "$KODE_BIN")
[ -x "$KODE_BIN" ] || skip "no kode executable at $KODE_BIN"
command -v h5diff >/dev/null 2>&1 || skip "h5diff not found (hdf5-tools)"
need_cluster

start_cluster
srun --mpi=list 2>&1 | grep -qw pmix || skip "this Slurm has no PMIx plugin (srun --mpi=pmix)"
mkdir ref run
for d in ref run; do
  cp "$SOURCE_DIR/inputs/neural_ode_train.ini" $d/train.ini
  (cd $d && "$KODE_BIN" sweep "$SOURCE_DIR/inputs/neural_ode_data.ini" --quiet) ||
    fail "data sweep failed"
done
# A smaller network and 60 steps keep the test short; each step is slowed to
# 100 ms in the Slurm run so that the signal lands mid-run.
ARGS=(--train.width=16 --train.steps=60 --train.curriculum_steps=30 --quiet)
RANKS=2

(cd ref && "$MPIEXEC" --allow-run-as-root --oversubscribe -n "$RANKS" \
  "$KODE_BIN" train train.ini --train.output=out.h5 "${ARGS[@]}") >ref.log 2>&1 ||
  fail "reference run failed: $(cat ref.log)"

id=$(cd run && KODE_TEST_STEP_DELAY_MS=100 KODE=$KODE_BIN CONFIG=train.ini OUTPUT=out.h5 \
  sbatch --parsable -n "$RANKS" --time=10 -o job.out "$SLURM_SCRIPTS/train.sbatch" "${ARGS[@]}") ||
  fail "sbatch failed"
wait_for "ranks_catch_usr1 $id $RANKS" 90 "all $RANKS kode ranks to run and catch SIGUSR1"
sleep 2
scancel --signal=USR1 --batch "$id" || fail "scancel --signal=USR1 --batch failed"
state=$(wait_job "$id" 240)
[ "$state" = COMPLETED ] || fail "job ended $state; $(cat run/job.out)"
restarts=$(job_field "$id" Restarts)
[ "$restarts" = 1 ] ||
  fail "expected exactly 1 restart, got $restarts (did the run end before the signal?); $(cat run/job.out)"
expect_file_has run/job.out "got SIGUSR1" "kode stopped early (75); requeueing" "--resume" \
  "training complete: out.h5"
[ -f run/out.h5 ] && [ ! -e run/out.h5.checkpoint ] || fail "no complete run/out.h5"
h5diff ref/out.h5 run/out.h5 >h5diff.log 2>&1 ||
  fail "the Slurm run's file differs from the uninterrupted run's: $(head -20 h5diff.log)"
echo "PASS: interrupted, requeued and resumed under Slurm; file identical to an uninterrupted run"
