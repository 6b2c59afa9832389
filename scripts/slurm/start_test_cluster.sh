#!/usr/bin/env bash
# Starts a real single-node Slurm (slurmctld + slurmd + munged) for tests,
# entirely below one state directory, without systemd and without touching a
# system Slurm or munge configuration in /etc:
#
#   scripts/slurm/start_test_cluster.sh STATE_DIR
#   export SLURM_CONF=STATE_DIR/slurm.conf     # (also written to STATE_DIR/env)
#   sbatch ...; scripts/slurm/stop_test_cluster.sh STATE_DIR
#
# Needs root (slurmd launches jobs as the submitting user) and the Debian
# packages slurm-wlm and munge; installs nothing. Idempotent: run it again and
# it reuses the daemons that are still alive (their pid files are checked),
# restarting only those that died. Environment knobs:
#   KODE_SLURM_CPUS        CPUs of the node (default: nproc, at least 2 so that
#                          a 2-rank step fits on a 1-core machine)
#   KODE_SLURM_START_WAIT  seconds to wait for the node to become idle (60)
#   KODE_SLURM_CRED_EXPIRE seconds a requeued job waits before it may start
#                          again (5; Slurm's default of 120 makes tests slow)
set -euo pipefail

STATE=${1:?usage: $0 STATE_DIR}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
WAIT=${KODE_SLURM_START_WAIT:-60}

die() {
  echo "start_test_cluster: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd has to switch to the job's user)"
for prog in munged slurmctld slurmd sinfo scontrol; do
  command -v "$prog" >/dev/null 2>&1 || die "$prog not found (install the Debian packages slurm-wlm and munge)"
done
id munge >/dev/null 2>&1 || die "no 'munge' user (install the Debian package munge)"

# A pid file names a live process of the expected program.
alive() { # alive PIDFILE PROGRAM
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    grep -q "$2" "/proc/$pid/comm" 2>/dev/null
}

# ---------------------------------------------------------------- munge
# The state directory is root-owned and not writable by others; munged
# refuses keys and sockets below group/world-writable directories, so its
# files live in a directory owned by the munge user, mode 0755 (clients need
# execute permission on the socket's directory; the key itself is 0400).
chmod 0755 "$STATE"
MUNGE_DIR=$STATE/munge
mkdir -p "$MUNGE_DIR"
chown munge:munge "$MUNGE_DIR"
chmod 0755 "$MUNGE_DIR"
MUNGE_KEY=$MUNGE_DIR/munge.key
MUNGE_SOCKET=$MUNGE_DIR/munge.socket
MUNGE_PID=$MUNGE_DIR/munged.pid
if [ ! -s "$MUNGE_KEY" ]; then
  # 1024 random bytes, readable by munge alone (munged checks both).
  dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
fi
chown munge:munge "$MUNGE_KEY"
chmod 0400 "$MUNGE_KEY"

# Our own socket, key, pid, log and seed files only if this munged knows the
# options (munge >= 0.5.12 does); otherwise fall back to the default paths.
MUNGE_OPTS=()
if munged --help 2>&1 | grep -q -- '--key-file'; then
  MUNGE_OPTS=(--key-file="$MUNGE_KEY" --socket="$MUNGE_SOCKET" --pid-file="$MUNGE_PID"
    --log-file="$MUNGE_DIR/munged.log" --seed-file="$MUNGE_DIR/munged.seed")
else
  MUNGE_SOCKET=/run/munge/munge.socket.2
  MUNGE_PID=/run/munge/munged.pid
  install -d -o munge -g munge -m 0755 /run/munge
  install -o munge -g munge -m 0400 "$MUNGE_KEY" /etc/munge/munge.key
fi
if ! alive "$MUNGE_PID" munged; then
  rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
  # munged forks into the background itself; runuser drops root to munge.
  runuser -u munge -- munged "${MUNGE_OPTS[@]}" ||
    die "munged failed to start; log: $(cat "$MUNGE_DIR/munged.log" 2>/dev/null)"
fi
for _ in $(seq 50); do [ -S "$MUNGE_SOCKET" ] && break; sleep 0.1; done
if command -v munge >/dev/null 2>&1 && command -v unmunge >/dev/null 2>&1; then
  munge -n -S "$MUNGE_SOCKET" | unmunge -S "$MUNGE_SOCKET" >/dev/null ||
    die "munge round trip through $MUNGE_SOCKET failed"
fi

# ---------------------------------------------------------------- slurm
mkdir -p "$STATE/ctld" "$STATE/spool" "$STATE/log"
CONF=$STATE/slurm.conf
HOST=$(hostname -s)

# Two free TCP ports for slurmctld and slurmd, chosen once and kept in the
# state directory: a second test cluster (or a real Slurm) on the same host
# then does not collide on the default 6817/6818.
free_port() {
  local p
  for p in $(shuf -i 20000-39999 -n 200); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}
if [ ! -s "$STATE/ports" ]; then
  CTLD_PORT=$(free_port) || die "no free port"
  SLURMD_PORT=$(free_port) || die "no free port"
  while [ "$SLURMD_PORT" = "$CTLD_PORT" ]; do SLURMD_PORT=$(free_port); done
  echo "$CTLD_PORT $SLURMD_PORT" >"$STATE/ports"
fi
read -r CTLD_PORT SLURMD_PORT <"$STATE/ports"

CPUS=${KODE_SLURM_CPUS:-$(nproc)}
[ "$CPUS" -ge 2 ] || CPUS=2
# Slightly below the machine's memory: slurmd drains a node whose configured
# RealMemory exceeds what it finds.
MEM_MB=$(free -m | awk '/^Mem:/ { print int($2 * 0.9) }')

# PMIx if this Slurm has the plugin (Debian's slurm-wlm does), so that
# `srun --mpi=pmix` wires up Open MPI ranks without mpirun.
MPI_DEFAULT=none
for plugin in /usr/lib/*/slurm-wlm/mpi_pmix.so /usr/lib/slurm/mpi_pmix.so /usr/lib64/slurm/mpi_pmix.so; do
  if [ -e "$plugin" ]; then MPI_DEFAULT=pmix; fi
done

cat >"$CONF.new" <<EOF
# Written by scripts/slurm/start_test_cluster.sh: a single-node test cluster.
ClusterName=kodetest
# Address given explicitly: the host name may not resolve in a container.
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: a requeued job may start only this many seconds after its
# requeue (Slurm waits out the old credentials; the default is 120 s).
AuthInfo=socket=$MUNGE_SOCKET,cred_expire=${KODE_SLURM_CRED_EXPIRE:-5}
# No cgroups (none in a container, no systemd): track processes by parentage.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=$MPI_DEFAULT
# Trust this file over what slurmd detects (a container's cpuset can differ
# from the hardware topology), so the node is never drained for a mismatch.
SlurmdParameters=config_overrides
ReturnToService=2
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
MailProg=/bin/true
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Keep finished jobs visible to scontrol for a while (no accounting database).
MinJobAge=600
# Short timeouts: tests want quick turnarounds.
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
Waittime=0
SchedulerParameters=sched_interval=1
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
mv "$CONF.new" "$CONF"
export SLURM_CONF=$CONF
echo "export SLURM_CONF=$CONF" >"$STATE/env"

if ! alive "$STATE/slurmctld.pid" slurmctld; then
  # -D: stay in the foreground (we background it); -c: fresh state, no old jobs.
  nohup slurmctld -D -c -f "$CONF" >>"$STATE/log/slurmctld.out" 2>&1 &
  echo $! >"$STATE/slurmctld.pid"
fi
if ! alive "$STATE/slurmd.pid" slurmd; then
  nohup slurmd -D -f "$CONF" >>"$STATE/log/slurmd.out" 2>&1 &
  echo $! >"$STATE/slurmd.pid"
fi

show_logs() {
  for f in "$STATE"/log/*; do
    echo "==== $f" >&2
    tail -n 40 "$f" >&2
  done
}

deadline=$((SECONDS + WAIT))
state=""
while [ "$SECONDS" -lt "$deadline" ]; do
  state=$(sinfo -h -N -n "$HOST" -o '%T' 2>/dev/null || true)
  case "$state" in
    idle* | mixed* | allocated*) break ;;
    drain* | down*)
      # ReturnToService=2 brings it back once slurmd registers; nudge it.
      scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true
      ;;
  esac
  alive "$STATE/slurmctld.pid" slurmctld || { show_logs; die "slurmctld exited"; }
  alive "$STATE/slurmd.pid" slurmd || { show_logs; die "slurmd exited"; }
  sleep 0.5
done
case "$state" in
  idle* | mixed* | allocated*) ;;
  *)
    show_logs
    die "node $HOST not idle after ${WAIT}s (state: '${state:-unknown}')"
    ;;
esac
echo "start_test_cluster: up (node $HOST, $CPUS CPUs, MpiDefault=$MPI_DEFAULT); export SLURM_CONF=$CONF"
