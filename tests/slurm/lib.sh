#!/usr/bin/env bash
# Shared helpers of the Slurm tests (sourced). Each test starts its own
# single-node cluster with scripts/slurm/start_test_cluster.sh in a fresh
# temporary directory and stops it on exit (exit 77 = skipped).
set -u

SOURCE_DIR=${SOURCE_DIR:?set SOURCE_DIR to the kode source tree}
SLURM_SCRIPTS=$SOURCE_DIR/scripts/slurm

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# Skips unless this machine can run a test cluster.
need_cluster() {
  [ "$(id -u)" -eq 0 ] || skip "the Slurm tests start slurmd and munged, which needs root"
  for prog in slurmctld slurmd munged sbatch scontrol scancel sinfo; do
    command -v "$prog" >/dev/null 2>&1 ||
      skip "$prog not found (install the Debian packages slurm-wlm and munge)"
  done
}

# Starts the cluster in $WORK/cluster and exports SLURM_CONF. On exit the
# cluster is stopped; the work directory is removed when the test passed or
# was skipped, and kept (path printed) with the Slurm logs when it failed.
start_cluster() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/kode-slurm-test.XXXXXX")
  chmod 0755 "$WORK"
  trap 'on_exit $?' EXIT
  "$SLURM_SCRIPTS/start_test_cluster.sh" "$WORK/cluster" || fail "could not start the test cluster"
  export SLURM_CONF=$WORK/cluster/slurm.conf
  cd "$WORK" || exit 1
}

on_exit() {
  local rc=$1
  cd / || true
  "$SLURM_SCRIPTS/stop_test_cluster.sh" "$WORK/cluster" >/dev/null 2>&1
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then
    rm -rf "$WORK"
  else
    echo "---- kept $WORK for debugging; job outputs and the Slurm logs:" >&2
    find "$WORK" -maxdepth 2 -name '*.out' -exec tail -n 20 {} + >&2 2>/dev/null
    tail -n 30 "$WORK"/cluster/log/slurmctld.log "$WORK"/cluster/log/slurmd.log >&2 2>/dev/null
  fi
}

# job_field JOBID FIELD: one field of `scontrol show job` (e.g. JobState,
# Restarts, ExitCode).
job_field() {
  scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# wait_job JOBID [TIMEOUT_S]: polls (faster than `sbatch --wait`, whose poll
# interval grows to 32 s) until the job has ended for good; a requeued job
# passes through REQUEUED and PENDING and is waited for again.
wait_job() {
  local id=$1 limit=${2:-120} deadline state
  deadline=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$deadline" ]; do
    state=$(job_field "$id" JobState)
    case "$state" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        echo "$state"
        return 0
        ;;
    esac
    sleep 0.5
  done
  fail "job $id not finished after ${limit}s (state: ${state:-unknown}); $(scontrol show job "$id" 2>&1)"
}

# wait_for COND_COMMAND [TIMEOUT_S] WHAT: polls until the command succeeds.
wait_for() {
  local cond=$1 limit=$2 what=$3 deadline
  deadline=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$deadline" ]; do
    eval "$cond" && return 0
    sleep 0.2
  done
  fail "timed out after ${limit}s waiting for $what"
}

# expect_file_has FILE NEEDLE...: every needle is a line fragment of FILE.
expect_file_has() {
  local file=$1 needle
  shift
  for needle in "$@"; do
    grep -qF -- "$needle" "$file" 2>/dev/null || fail "$file lacks '$needle'; it holds: $(cat "$file" 2>&1)"
  done
}

# ranks_catch_usr1 JOBID NRANKS: true once NRANKS kode processes of the job
# run and have a SIGUSR1 handler installed (a rank still starting up would
# die of the signal: kode installs its handlers after reading the config, and
# ranks start at different times).
ranks_catch_usr1() { # ranks_catch_usr1 JOBID NRANKS
  local n=0 pid mask
  for pid in $(scontrol listpids "$1" 2>/dev/null | awk 'NR > 1 && $1 > 0 && $3 == "0" { print $1 }'); do
    grep -q kode "/proc/$pid/comm" 2>/dev/null || continue
    mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 1
    [ -n "$mask" ] && (((16#$mask >> 9) & 1)) || return 1 # bit 9: SIGUSR1 (10)
    n=$((n + 1))
  done
  [ "$n" -eq "$2" ]
}
