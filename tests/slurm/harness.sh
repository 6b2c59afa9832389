#!/usr/bin/env bash
# The Slurm harness and the control flow of scripts/slurm/sweep.sbatch,
# against a real single-node Slurm, with no kode engine involved:
#   1. `sbatch --wait` of a 2-task job (srun hostname, and a 2-rank MPI hello
#      through srun --mpi=pmix when mpicc is there): output and exit status;
#      a failing job makes `sbatch --wait` fail.
#   2. `scancel --signal=USR1 --batch` reaches the batch shell's trap (what
#      --signal=B:USR1@N does before the time limit, without waiting for it).
#   3. sweep.sbatch with a fake kode (tests/slurm/fake_kode.sh) that exits 75
#      once: the job requeues itself, restarts with --resume, completes.
#   4. sweep.sbatch with a fake kode that stops only when signalled: USR1 to
#      the batch shell is forwarded through srun to both ranks, then as 3.
#   5. sweep.sbatch with a fake kode that always exits 75 and
#      KODE_MAX_RESTARTS=1: one requeue, then the job fails with 75.
#   6. sweep_array.sbatch as a 2-task array with the fake kode of 3: each
#      task runs its slice into its own part file and requeues on its own.
# Usage: harness.sh SOURCE_DIR
SOURCE_DIR=$(cd "${1:?usage: $0 SOURCE_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/lib.sh
. "$HERE/lib.sh"

need_cluster
start_cluster
TEMPLATE=$SLURM_SCRIPTS/sweep.sbatch
FAKE=$HERE/fake_kode.sh
MPI=pmix
srun --mpi=list 2>&1 | grep -qw pmix || MPI=none

# ---- 1. a plain 2-task job, waited for by sbatch itself
HELLO=""
if command -v mpicc >/dev/null 2>&1 && [ "$MPI" = pmix ]; then
  printf '%s\n' '#include <mpi.h>' '#include <stdio.h>' \
    'int main(int argc, char **argv) {' \
    '  int rank, size;' \
    '  MPI_Init(&argc, &argv);' \
    '  MPI_Comm_rank(MPI_COMM_WORLD, &rank);' \
    '  MPI_Comm_size(MPI_COMM_WORLD, &size);' \
    '  printf("hello from rank %d of %d\n", rank, size);' \
    '  MPI_Finalize();' \
    '  return 0;' \
    '}' >hello.c
  mpicc -o hello hello.c || fail "mpicc could not build the MPI hello"
  HELLO="srun --mpi=pmix -n 2 $WORK/hello"
else
  echo "note: no mpicc or no PMIx plugin; skipping the MPI hello part" >&2
fi
printf '#!/bin/bash\nset -e\nsrun --mpi=%s -n 2 hostname\n%s\n' "$MPI" "$HELLO" >plain.sh
sbatch --wait --quiet -n 2 --time=2 -o plain.out plain.sh ||
  fail "sbatch --wait of a 2-task job failed: $(cat plain.out)"
[ "$(grep -c "^$(hostname -s)\$" plain.out)" -eq 2 ] || fail "expected 2 host names in plain.out: $(cat plain.out)"
if [ -n "$HELLO" ]; then
  expect_file_has plain.out "hello from rank 0 of 2" "hello from rank 1 of 2"
fi
printf '#!/bin/bash\nexit 3\n' >failing.sh
if sbatch --wait --quiet -n 1 --time=2 -o failing.out failing.sh; then
  fail "sbatch --wait succeeded for a job that exits 3"
fi
echo "1. sbatch --wait (srun -n 2${HELLO:+, MPI hello over PMIx}, failing job): ok"

# ---- 2. USR1 delivered to the batch shell
printf '%s\n' '#!/bin/bash' \
  'trap '\''echo got USR1 >"$SLURM_SUBMIT_DIR/trap.marker"; exit 0'\'' USR1' \
  'echo ready >"$SLURM_SUBMIT_DIR/trap.ready"' \
  'for _ in $(seq 600); do sleep 0.1; done' \
  'echo "no signal" >"$SLURM_SUBMIT_DIR/trap.marker"' \
  'exit 1' >trap.sh
id=$(sbatch --parsable -n 1 --time=2 -o trap.out trap.sh) || fail "sbatch trap.sh failed"
wait_for '[ -e trap.ready ]' 30 "the trap job to start"
scancel --signal=USR1 --batch "$id" || fail "scancel --signal=USR1 --batch failed"
state=$(wait_job "$id" 60)
[ "$state" = COMPLETED ] || fail "trap job ended $state; $(cat trap.out)"
expect_file_has trap.marker "got USR1"
echo "2. USR1 to the batch shell: ok"

printf '[output]\nfile = from_config.h5\n' >sweep.ini
export KODE=$FAKE CONFIG=sweep.ini KODE_SRUN_MPI=$MPI

# ---- 3 and 5 side by side (one task each), then 4 (two tasks)
id3=$(FAKE_KODE_MODE=exit75_once FAKE_KODE_LOG=$WORK/log3 \
  sbatch --parsable -n 1 --time=5 -o t3.out "$TEMPLATE" --extra.key=1) || fail "sbatch (3) failed"
id5=$(FAKE_KODE_MODE=always75 FAKE_KODE_LOG=$WORK/log5 OUTPUT=out5.h5 KODE_MAX_RESTARTS=1 \
  sbatch --parsable -n 1 --time=5 -o t5.out "$TEMPLATE") || fail "sbatch (5) failed"

state=$(wait_job "$id3" 120)
[ "$state" = COMPLETED ] || fail "(3) job ended $state; $(cat t3.out)"
[ "$(job_field "$id3" Restarts)" = 1 ] || fail "(3) expected 1 restart: $(scontrol show job "$id3")"
[ "$(job_field "$id3" ExitCode)" = 0:0 ] || fail "(3) exit code $(job_field "$id3" ExitCode)"
# OUTPUT unset: the template took the file from the config's [output] section.
expect_file_has log3 \
  "rank 0 restart 0: sweep sweep.ini --output.file=from_config.h5 --extra.key=1" \
  "rank 0 restart 1: sweep sweep.ini --output.file=from_config.h5 --resume --extra.key=1"
[ "$(wc -l <log3)" -eq 2 ] || fail "(3) expected 2 invocations: $(cat log3)"
[ -e from_config.h5 ] && [ ! -e from_config.h5.partial ] || fail "(3) output not completed"
expect_file_has t3.out "requeueing (restart 1 of at most 5)" "sweep complete"
echo "3. requeue on exit 75, restart with --resume: ok"

state=$(wait_job "$id5" 120)
[ "$state" = FAILED ] || fail "(5) job ended $state, expected FAILED; $(cat t5.out)"
[ "$(job_field "$id5" Restarts)" = 1 ] || fail "(5) expected 1 restart: $(scontrol show job "$id5")"
[ "$(job_field "$id5" ExitCode)" = 75:0 ] || fail "(5) exit code $(job_field "$id5" ExitCode), expected 75:0"
[ "$(wc -l <log5)" -eq 2 ] || fail "(5) expected 2 invocations: $(cat log5)"
expect_file_has t5.out "used its 1 restarts"
echo "5. restart bound (KODE_MAX_RESTARTS): ok"

# ---- 6. the job-array template: 2 slices, each requeued once
id6=$(FAKE_KODE_MODE=exit75_once FAKE_KODE_LOG=$WORK/log6 PART_DIR=$WORK/parts \
  SWEEP_SBATCH=$TEMPLATE sbatch --parsable --array=0-1 -n 1 --time=5 -o "t6_%a.out" \
  "$SLURM_SCRIPTS/sweep_array.sbatch" --extra.key=6) || fail "sbatch (6) failed"
for task in 0 1; do
  state=$(wait_job "${id6}_$task" 120)
  [ "$state" = COMPLETED ] || fail "(6) array task $task ended $state; $(cat "t6_$task.out")"
  [ "$(job_field "${id6}_$task" Restarts)" = 1 ] || fail "(6) task $task: expected 1 restart"
  expect_file_has log6 \
    "rank 0 restart 0: sweep sweep.ini --output.file=$WORK/parts/part_$task.h5 --sweep.slice_index=$task --sweep.slice_count=2 --extra.key=6" \
    "rank 0 restart 1: sweep sweep.ini --output.file=$WORK/parts/part_$task.h5 --resume --sweep.slice_index=$task --sweep.slice_count=2 --extra.key=6"
  [ -e "parts/part_$task.h5" ] && [ ! -e "parts/part_$task.h5.partial" ] || fail "(6) part $task not completed"
  ! grep -q "requeue .* failed" "t6_$task.out" || fail "(6) task $task: $(cat "t6_$task.out")"
done
echo "6. job array: one slice per task, each requeued and resumed: ok"

id4=$(FAKE_KODE_MODE=signal FAKE_KODE_LOG=$WORK/log4 OUTPUT=out4.h5 \
  sbatch --parsable -n 2 --time=5 -o t4.out "$TEMPLATE") || fail "sbatch (4) failed"
wait_for '[ "$(cat log4.started 2>/dev/null | wc -l)" = 2 ]' 60 "both fake kode ranks to start"
scancel --signal=USR1 --batch "$id4" || fail "scancel --signal=USR1 --batch failed"
state=$(wait_job "$id4" 120)
[ "$state" = COMPLETED ] || fail "(4) job ended $state; $(cat t4.out)"
[ "$(job_field "$id4" Restarts)" = 1 ] || fail "(4) expected 1 restart: $(scontrol show job "$id4")"
expect_file_has log4.signals "rank 0 USR1" "rank 1 USR1"
expect_file_has t4.out "got SIGUSR1; forwarding SIGUSR1 to srun" "sweep complete: out4.h5"
expect_file_has log4 "rank 0 restart 1: sweep sweep.ini --output.file=out4.h5 --resume" \
  "rank 1 restart 1: sweep sweep.ini --output.file=out4.h5 --resume"
[ -e out4.h5 ] && [ ! -e out4.h5.partial ] || fail "(4) output not completed"
echo "4. USR1 forwarded through srun to every rank, requeue, resume: ok"
echo "PASS"
