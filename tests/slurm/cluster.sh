#!/usr/bin/env bash
# A throw-away single-node SLURM cluster on 127.0.0.1, for the integration test (and for trying
# `pulab slurm` by hand). No systemd: munged, slurmctld and slurmd run in the background with
# everything (key, socket, state, spool, logs, slurm.conf) under one folder.
#
#   tests/slurm/cluster.sh check          exit 0 when the Debian packages are there (else says what is missing)
#   tests/slurm/cluster.sh start DIR      start the cluster; prints `export SLURM_CONF=DIR/slurm.conf`
#   tests/slurm/cluster.sh stop DIR       cancel its jobs, stop the three daemons it started (by PID)
#
# Needs: Debian 12's slurmctld slurmd slurm-client munge (SLURM 22.05), and root (slurmd starts the
# jobs). With SLURM_CONF=DIR/slurm.conf the usual commands (sbatch, squeue, scancel, scontrol,
# sinfo) talk to this cluster and to no other.
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }

check() {
  local missing=()
  for tool in munged slurmctld slurmd sbatch squeue scancel scontrol sinfo; do
    command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    echo "missing ${missing[*]}: apt-get install slurmctld slurmd slurm-client munge" >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "not root: slurmd must run as root to start jobs" >&2
    return 1
  fi
}

# A TCP port nobody listens on (bash's /dev/tcp: a refused connection means free).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  : "$what"
}

start() {
  local dir=$1
  check || exit 3
  export PATH=$PATH:/usr/sbin:/sbin
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  # munged refuses a socket folder that others may write to, and a key that others may read.
  chmod 0755 "$dir" "$dir/munge"
  chmod 0700 "$dir/state" "$dir/spool"
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 0600 "$dir/munge/munge.key"
  munged --foreground --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
    >"$dir/log/munged.out" 2>&1 &
  echo $! >"$dir/munged.pid"
  wait_for 10 munged test -S "$dir/munge/munge.socket" || { stop "$dir"; die "munged did not start: $(cat "$dir/log/munged.out" "$dir/log/munged.log" 2>/dev/null)"; }

  local cpus mem_kb mem_mb user
  cpus=$(nproc)
  mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)
  mem_mb=$((mem_kb / 1024 / 2))   # RealMemory below the machine's
  ((mem_mb > 4000)) && mem_mb=4000
  user=$(id -un)
  cat >"$dir/slurm.conf" <<EOF
# A single-node test cluster written by tests/slurm/cluster.sh.
ClusterName=pulabtest
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=$user
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.daemon.pid
SlurmdPidFile=$dir/slurmd.daemon.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=2
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -D -c -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
  echo $! >"$dir/slurmctld.pid"
  slurmd -D -f "$SLURM_CONF" -N localhost >"$dir/log/slurmd.out" 2>&1 &
  echo $! >"$dir/slurmd.pid"
  if ! wait_for 30 "an idle node" bash -c "sinfo -h -N -o %t 2>/dev/null | grep -qx idle"; then
    echo "cluster.sh: the node did not become idle; logs:" >&2
    tail -n 20 "$dir"/log/*.log "$dir"/log/*.out >&2 || true
    stop "$dir"
    exit 1
  fi
  echo "export SLURM_CONF=$SLURM_CONF"
}

# True while the process runs (a zombie, left for a PID 1 that does not reap, counts as gone).
running() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# Stops daemons this script started, by the PIDs it recorded: TERM to all of them at once, KILL
# to any still there after 10 s; the PID files go once the processes are gone.
stop_pids() {
  local pids=() files=() pid file
  for file in "$@"; do
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    if running "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    files+=("$file")
  done
  local alive
  for _ in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do
      if running "$pid"; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "${files[@]}"
}

stop() {
  local dir=$1
  export PATH=$PATH:/usr/sbin:/sbin
  if [ -f "$dir/slurm.conf" ] && [ -f "$dir/slurmctld.pid" ]; then
    export SLURM_CONF=$dir/slurm.conf
    # Jobs first, so that no slurmstepd outlives the cluster.
    if scancel --quiet --full --partition=debug 2>/dev/null; then
      for _ in $(seq 1 50); do
        [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
  fi
  stop_pids "$dir/slurmd.pid" "$dir/slurmctld.pid"
  stop_pids "$dir/munged.pid"  # last: the SLURM daemons authenticate through it until they are gone
}

case "${1:-}" in
  check) check ;;
  start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 check | start DIR | stop DIR" ;;
esac
