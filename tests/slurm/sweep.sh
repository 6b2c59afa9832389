#!/usr/bin/env bash
# `kode sweep` through scripts/slurm/sweep.sbatch on a real single-node Slurm:
# the README's damped-oscillator sweep on 2 ranks (srun --mpi=pmix) is
# stopped mid-run with `scancel --signal=USR1 --batch` (what
# --signal=B:USR1@120 does before a time limit), exits 75, requeues itself,
# resumes, and its file equals an uninterrupted `mpiexec -n 2 kode sweep` run
# (h5diff, every object). Skipped (77) while `kode sweep` does not exist yet.
# Usage: sweep.sh SOURCE_DIR /path/to/kode /path/to/mpiexec
SOURCE_DIR=$(cd "${1:?usage: $0 SOURCE_DIR KODE MPIEXEC}" && pwd)
KODE_BIN=${2:?usage: $0 SOURCE_DIR KODE MPIEXEC}
MPIEXEC=${3:?usage: $0 SOURCE_DIR KODE MPIEXEC}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/lib.sh
. "$HERE/lib.sh"

KODE_BIN=$(cd "$(dirname "$KODE_BIN")" && pwd)/$(basename "$KODE_BIN")
DECK=$SOURCE_DIR/inputs/damped_oscillator_sweep.ini
[ -x "$KODE_BIN" ] || skip "no kode executable at $KODE_BIN"
"$KODE_BIN" sweep --help >/dev/null 2>&1 || skip "kode sweep not implemented yet ('kode sweep --help' fails)"
[ -f "$DECK" ] || skip "$DECK does not exist yet"
command -v h5diff >/dev/null 2>&1 || skip "h5diff not found (hdf5-tools)"
need_cluster

start_cluster
srun --mpi=list 2>&1 | grep -qw pmix || skip "this Slurm has no PMIx plugin (srun --mpi=pmix)"
# Identical configuration text in both runs (it is stored in the file): the
# same deck name and the same relative output path, in two directories.
mkdir ref run
cp "$DECK" ref/sweep.ini
cp "$DECK" run/sweep.ini
# The deck's 40 x 50 grid is 2 chunks of 1024; a finer omega axis makes it
# 40 x 512 = 20 chunks, 10 per rank, each slowed down by the engine's test
# hook, so the run lasts a few seconds and can be interrupted between chunks.
# Final states only, to keep the files small.
ARGS=('--params.omega=linspace(0.5, 5, 512)' --output.save=final --quiet)
export KODE_TEST_CHUNK_DELAY_MS=${KODE_TEST_CHUNK_DELAY_MS:-400}
# Ranks of both runs (the file records n_ranks, so they must match).
RANKS=${KODE_SLURM_TEST_RANKS:-2}

# The uninterrupted reference, without Slurm.
(cd ref && KODE_TEST_CHUNK_DELAY_MS=0 "$MPIEXEC" --allow-run-as-root --oversubscribe -n "$RANKS" \
  "$KODE_BIN" sweep sweep.ini --output.file=out.h5 "${ARGS[@]}") >ref.log 2>&1 ||
  fail "reference run failed: $(cat ref.log)"
[ -f ref/out.h5 ] || fail "reference run wrote no ref/out.h5"

id=$(cd run && KODE=$KODE_BIN CONFIG=sweep.ini OUTPUT=out.h5 \
  sbatch --parsable -n "$RANKS" --time=10 -o job.out "$SLURM_SCRIPTS/sweep.sbatch" "${ARGS[@]}") ||
  fail "sbatch failed"
# Signal once both ranks catch SIGUSR1 (a rank still starting up would die of
# it: the engine installs its handlers after reading the config, and ranks
# start at different times) and the run has begun, plus a little so that
# some chunks are done.
wait_for "ranks_catch_usr1 $id $RANKS && [ -e run/out.h5.partial ]" 90 \
  "all $RANKS kode ranks to run and catch SIGUSR1 (a rank that ended early leaves the others hanging)"
sleep 1
scancel --signal=USR1 --batch "$id" || fail "scancel --signal=USR1 --batch failed"
state=$(wait_job "$id" 240)
[ "$state" = COMPLETED ] || fail "job ended $state; $(cat run/job.out)"
restarts=$(job_field "$id" Restarts)
[ "$restarts" = 1 ] ||
  fail "expected exactly 1 restart, got $restarts (did the run end before the signal?); $(cat run/job.out)"
expect_file_has run/job.out "got SIGUSR1" "kode stopped early (75); requeueing" "--resume" "sweep complete: out.h5"
[ -f run/out.h5 ] && [ ! -e run/out.h5.partial ] || fail "no complete run/out.h5"
h5diff ref/out.h5 run/out.h5 >h5diff.log 2>&1 ||
  fail "the Slurm run's file differs from the uninterrupted run's: $(head -20 h5diff.log)"
echo "PASS: interrupted, requeued and resumed under Slurm; file identical to an uninterrupted run"
