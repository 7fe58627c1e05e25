#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for tests and demos of scripts/slurm-sweep.sh.
#
#   scripts/slurm-local.sh start    install slurm-wlm and munge if needed, start munged,
#                                   slurmctld and slurmd; wait until the node is idle
#   scripts/slurm-local.sh status   say whether they run, and show sinfo
#   scripts/slurm-local.sh stop     end exactly the daemons `start` started (by their pid files)
#
# Needs root and no systemd: the daemons run in the background with their state, spool,
# logs and pid files under $SLURM_LOCAL_DIR (default ${TMPDIR:-/tmp}/slurm-local). The
# configuration goes to /etc/slurm/slurm.conf, where sbatch, squeue and scontrol look for
# it; an existing slurm.conf that this script did not write is never overwritten.
# Accounting (sacct) is off: there is no slurmdbd. Exit status 3 means Slurm cannot be set up
# here (not root, or no way to install it).
set -euo pipefail

STATE="${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/slurm-local}"
CONF=/etc/slurm/slurm.conf
MARKER="# written by activation-study scripts/slurm-local.sh"

die() {
    echo "slurm-local.sh: $*" >&2
    exit 1
}

# Exit status 3: Slurm cannot run here at all (not root, nothing to install it with), which
# tests report as a skip rather than a failure.
cannot() {
    echo "slurm-local.sh: $*" >&2
    exit 3
}

usage() {
    echo "usage: scripts/slurm-local.sh start|status|stop" >&2
    exit 2
}

need_root() {
    [[ "$(id -u)" == 0 ]] || cannot "must run as root: it installs Debian packages (slurm-wlm, \
munge), writes /etc/munge and $CONF and starts daemons; run it with sudo, or use a real cluster"
}

# Is the process of pid file $1 alive and named $2? (A stale pid may belong to another program.)
alive() {
    local pidfile="$1" name="$2" pid
    [[ -s "$pidfile" ]] || return 1
    pid="$(cat "$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]]
}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
        return
    fi
    command -v apt-get >/dev/null || cannot "slurm-wlm and munge are not installed and there is no apt-get \
to install them (this script knows Debian and Ubuntu); install Slurm and MUNGE by hand"
    echo "installing slurm-wlm and munge with apt-get ..."
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q slurm-wlm munge >"$STATE/apt.log" 2>&1; then
        echo "not found in the package lists; running apt-get update first ..."
        apt-get update -q >>"$STATE/apt.log" 2>&1 || cannot "apt-get update failed; see $STATE/apt.log"
        apt-get install -y -q slurm-wlm munge >>"$STATE/apt.log" 2>&1 ||
            cannot "apt-get install slurm-wlm munge failed; see $STATE/apt.log"
    fi
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        if alive "$STATE/munged.pid" munged; then
            echo "munged already running (pid $(cat "$STATE/munged.pid"))"
        else
            echo "using the munged that is already running (not started here, so stop leaves it)"
        fi
        return
    fi
    install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
    install -d -o munge -g munge -m 0755 /run/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    # munged writes its pid file as the munge user, so it lives in a directory munge owns.
    install -d -o munge -g munge -m 0755 "$STATE/munge"
    su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=$STATE/munge/munged.pid"
    ln -sf "$STATE/munge/munged.pid" "$STATE/munged.pid"
    for _ in $(seq 50); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return
        sleep 0.1
    done
    die "munged started but munge -n | unmunge fails; see /var/log/munge/munged.log"
}

write_conf() {
    local host="$1" node
    if [[ -e "$CONF" ]] && ! grep -qxF "$MARKER" "$CONF"; then
        die "$CONF exists and was not written by this script; it belongs to another Slurm \
setup, so it is left alone (move it away to use the one-node cluster here)"
    fi
    # slurmd -C reports this machine's sockets, cores, threads and memory as a NodeName line.
    node="$(slurmd -C | grep '^NodeName=' | sed "s/^NodeName=[^ ]*/NodeName=$host NodeAddr=127.0.0.1/")"
    [[ -n "$node" ]] || die "slurmd -C did not describe this machine"
    install -d /etc/slurm "$STATE/ctld" "$STATE/spool"
    cat >"$CONF" <<EOF
$MARKER
ClusterName=local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
    need_root
    mkdir -p "$STATE"
    if alive "$STATE/slurmctld.pid" slurmctld && alive "$STATE/slurmd.pid" slurmd; then
        echo "the one-node Slurm is already running (slurmctld pid $(cat "$STATE/slurmctld.pid"), \
slurmd pid $(cat "$STATE/slurmd.pid"); state in $STATE)"
        return
    fi
    install_packages
    start_munge
    local host
    host="$(hostname -s)"
    write_conf "$host"
    alive "$STATE/slurmctld.pid" slurmctld || slurmctld -i
    alive "$STATE/slurmd.pid" slurmd || slurmd
    local state=""
    for _ in $(seq 100); do
        state="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
        [[ "$state" == idle* || "$state" == mixed* || "$state" == allocated* ]] && break
        sleep 0.2
    done
    [[ "$state" == idle* || "$state" == mixed* || "$state" == allocated* ]] ||
        die "node $host is '${state:-not reported}' after 20 s; see $STATE/slurmctld.log and $STATE/slurmd.log"
    echo "one-node Slurm running: node $host ($state), partition debug; state and logs in $STATE"
}

status() {
    local name
    for name in munged slurmctld slurmd; do
        if alive "$STATE/$name.pid" "$name"; then
            echo "$name: running (pid $(cat "$STATE/$name.pid"))"
        else
            echo "$name: not started here"
        fi
    done
    if command -v sinfo >/dev/null; then sinfo || true; fi
}

stop_one() {
    local name="$1" pidfile="$STATE/$1.pid" pid
    if ! alive "$pidfile" "$name"; then
        echo "$name: not running"
        rm -f "$pidfile"
        return
    fi
    pid="$(cat "$pidfile")"
    kill "$pid"
    for _ in $(seq 100); do
        [[ -d "/proc/$pid" ]] || break
        sleep 0.1
    done
    if [[ -d "/proc/$pid" ]]; then
        echo "$name (pid $pid) did not end in 10 s; killing it"
        kill -9 "$pid"
    fi
    echo "$name (pid $pid) stopped"
    rm -f "$pidfile"
}

stop() {
    need_root
    stop_one slurmd
    stop_one slurmctld
    stop_one munged
    if [[ -e "$CONF" ]] && grep -qxF "$MARKER" "$CONF"; then
        rm -f "$CONF"
    fi
}

[[ $# == 1 ]] || usage
case "$1" in
start) start ;;
status) status ;;
stop) stop ;;
*) usage ;;
esac
