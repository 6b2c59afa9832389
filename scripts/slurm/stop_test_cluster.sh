#!/usr/bin/env bash
# Stops the test cluster that scripts/slurm/start_test_cluster.sh started in
# STATE_DIR: only the daemons named by the pid files there (slurmd, then
# slurmctld, then munged). Logs, configuration and spool stay for debugging;
# pass --remove to delete STATE_DIR as well. Safe to run twice, or on a
# directory whose daemons are already gone.
#
#   scripts/slurm/stop_test_cluster.sh STATE_DIR [--remove]
set -uo pipefail

STATE=${1:?usage: $0 STATE_DIR [--remove]}
REMOVE=${2:-}
[ -d "$STATE" ] || exit 0
STATE=$(cd "$STATE" && pwd)

# stop PIDFILE PROGRAM: TERM, then KILL after 10 s, only if the pid still
# belongs to PROGRAM (a stale pid file must not kill an unrelated process).
stop() {
  local pidfile=$1 prog=$2 pid
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "$prog" "/proc/$pid/comm" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "stop_test_cluster: $prog ($pid) ignored SIGTERM; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$pidfile"
}

# Jobs first, so that slurmstepd processes do not outlive their slurmd.
if [ -f "$STATE/slurm.conf" ] && command -v scancel >/dev/null 2>&1 &&
  [ -s "$STATE/slurmctld.pid" ] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; then
  SLURM_CONF=$STATE/slurm.conf timeout 10 scancel --full --quiet --user=root >/dev/null 2>&1 || true
  sleep 1
fi
stop "$STATE/slurmd.pid" slurmd
stop "$STATE/slurmctld.pid" slurmctld
stop "$STATE/munge/munged.pid" munged

if [ "$REMOVE" = "--remove" ]; then
  rm -rf "$STATE"
fi
echo "stop_test_cluster: stopped${REMOVE:+ and removed} $STATE"
