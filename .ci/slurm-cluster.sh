#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for testing profiles/slurm for real: Debian's
# SLURM (slurm-wlm 22.05 on Debian 12) and munge, with job accounting (slurmdbd on a private
# MariaDB) unless --no-accounting. It needs root and apt (Debian or Ubuntu), as on CI.
#
#   .ci/slurm-cluster.sh up [--no-accounting] STATE_DIR   install, configure, start, check
#   .ci/slurm-cluster.sh down STATE_DIR                   cancel its jobs, stop its daemons
#
# Everything the cluster writes lives in STATE_DIR: configuration files (etc/), logs (log/),
# PID files and sockets (run/), spool folders and the database (lib/). Nothing else on the
# machine changes but the installed packages. SLURM's commands reach the cluster with
#   SLURM_CONF=STATE_DIR/etc/slurm.conf sinfo
# The node is this machine (its CPUs and memory, as `slurmd -C` reports them) in two
# partitions: `main`, the default, and `short`; with accounting, root and the user behind sudo
# may charge the account `discrete-gan`. One cluster with accounting and one without can run
# side by side (each has its own ports). `up` on a running cluster only checks it; on a stopped
# one it starts afresh, with an empty database. `down` cancels the cluster's jobs and stops its
# daemons by the PIDs that `up` recorded.
set -euo pipefail

ACCOUNT=discrete-gan
PACKAGES=(slurmctld slurmd slurm-client munge)
ACCOUNTING_PACKAGES=(slurmdbd mariadb-server)
COMMANDS=(munged mungekey slurmctld slurmd sinfo srun squeue scontrol scancel)
ACCOUNTING_COMMANDS=(slurmdbd sacct sacctmgr mariadbd mariadb-install-db)
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd) # in start order; stopped in reverse
MARKER=.slurm-cluster # marks a state folder as this script's, so that `up` may empty it

die() {
	echo "slurm-cluster.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: $0 up [--no-accounting] STATE_DIR | down STATE_DIR"
}

require_root_and_apt() {
	if [[ $EUID -ne 0 ]]; then
		die "this script installs packages and starts daemons as root; run it as root" \
			"(e.g. with sudo)."
	fi
	if [[ ! -f /etc/debian_version ]] || ! command -v apt-get >/dev/null; then
		die "this script needs a Debian-based system with apt-get; start SLURM by hand elsewhere."
	fi
}

# SLURM, munge (and with accounting slurmdbd and MariaDB) from apt, unless already installed.
install_packages() {
	local accounting=$1 packages=("${PACKAGES[@]}") commands=("${COMMANDS[@]}") name
	if [[ $accounting == yes ]]; then
		packages+=("${ACCOUNTING_PACKAGES[@]}")
		commands+=("${ACCOUNTING_COMMANDS[@]}")
	fi
	local missing=0
	for name in "${commands[@]}"; do
		command -v "$name" >/dev/null || missing=1
	done
	((missing)) || return 0
	echo "installing ${packages[*]}" >&2
	# The packages must not start their own services: this script starts its own daemons.
	local policy=/usr/sbin/policy-rc.d own_policy=0 status=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; } \
		>"$STATE/log/apt.log" 2>&1 || status=$?
	if ((own_policy)); then
		rm -f "$policy"
	fi
	if ((status != 0)); then
		tail -n 20 "$STATE/log/apt.log" >&2
		die "apt-get could not install ${packages[*]} (see $STATE/log/apt.log)."
	fi
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The recorded PID of daemon $1, if that process is still that daemon.
pid_of() {
	local file=$STATE/run/$1.pid pid program
	[[ -f $file ]] || return 1
	pid=$(<"$file")
	[[ -r /proc/$pid/cmdline ]] || return 1
	program=$({ tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1; } 2>/dev/null) || return 1
	[[ ${program##*/} == "$1" ]] && echo "$pid"
}

# Whether the process started as daemon $1 still runs (it may not have become it yet).
alive() {
	local file=$STATE/run/$1.pid
	[[ -f $file ]] && kill -0 "$(<"$file")" 2>/dev/null
}

# Start daemon NAME (in the foreground of a session of its own): its output in log/NAME.out,
# its PID in run/NAME.pid.
start() {
	local name=$1
	shift
	setsid "$@" </dev/null >>"$STATE/log/$name.out" 2>&1 &
	echo $! >"$STATE/run/$name.pid"
}

# Run COMMAND... every half second until it succeeds, for up to SECONDS, while DAEMON lives;
# else show LOG and fail.
wait_for() {
	local daemon=$1 seconds=$2 log=$3
	shift 3
	local deadline=$((SECONDS + seconds)) output problem=
	until output=$("$@" 2>&1); do
		if ! alive "$daemon"; then
			problem="$daemon stopped"
		elif ((SECONDS >= deadline)); then
			problem="$daemon did not answer within $seconds s"
		fi
		if [[ -n $problem ]]; then
			tail -n 20 "$log" >&2 || true
			[[ -z $output ]] || echo "$*: $output" >&2
			die "$problem (see $log)."
		fi
		sleep 0.5
	done
}

write_slurm_conf() {
	local accounting=$1 node storage
	# e.g. NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 ...
	node=$(slurmd -C | head -n 1)
	[[ $node == NodeName=* ]] || die "slurmd -C did not describe this machine (it printed: $node)."
	storage="AccountingStorageType=accounting_storage/none"
	if [[ $accounting == yes ]]; then
		storage="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
# The munge socket for talking to slurmdbd (AuthInfo's serves slurmctld and slurmd).
AccountingStoragePass=$STATE/run/munge.socket"
	fi
	cat >"$STATE/etc/slurm.conf" <<EOF
# Written by .ci/slurm-cluster.sh: a single-node cluster on this machine.
ClusterName=$CLUSTER
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$STATE/run/munge.socket
CredType=cred/munge
StateSaveLocation=$STATE/lib/slurmctld
SlurmdSpoolDir=$STATE/lib/slurmd
SlurmctldPidFile=$STATE/run/slurmctld.own.pid
SlurmdPidFile=$STATE/run/slurmd.own.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
MailProg=/bin/true
# No systemd and no cgroups needed: processes tracked through /proc, tasks not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# A finished job stays visible to squeue for 300 s (SLURM's default).
MinJobAge=300
$storage
$node NodeAddr=127.0.0.1 Port=$SLURMD_PORT State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=ALL MaxTime=120 State=UP
EOF
}

# MariaDB in lib/mysql, on 127.0.0.1 only, with the database and user that slurmdbd needs.
start_database() {
	local password=$1
	mariadb-install-db --no-defaults --user=root --datadir="$STATE/lib/mysql" --skip-test-db \
		>"$STATE/log/mariadb-install-db.log" 2>&1 ||
		die "mariadb-install-db failed (see $STATE/log/mariadb-install-db.log)."
	cat >"$STATE/etc/mariadb-init.sql" <<EOF
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
EOF
	chmod 600 "$STATE/etc/mariadb-init.sql"
	start mariadbd mariadbd --no-defaults --user=root --datadir="$STATE/lib/mysql" \
		--socket="$STATE/run/mysqld.sock" --pid-file="$STATE/run/mariadbd.own.pid" \
		--bind-address=127.0.0.1 --port="$DB_PORT" --skip-name-resolve \
		--init-file="$STATE/etc/mariadb-init.sql" --log-error="$STATE/log/mariadb.log" \
		--innodb-use-native-aio=0 --innodb-lock-wait-timeout=900
	wait_for mariadbd 60 "$STATE/log/mariadb.log" port_in_use "$DB_PORT"
}

# slurmdbd on that database, with the cluster and an account that root (and the user behind
# sudo) may charge, registered before slurmctld starts.
start_slurmdbd() {
	local password user
	password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	start_database "$password"
	(
		umask 077
		cat >"$STATE/etc/slurmdbd.conf" <<EOF
# Written by .ci/slurm-cluster.sh.
AuthType=auth/munge
AuthInfo=socket=$STATE/run/munge.socket
DbdHost=localhost
DbdPort=$DBD_PORT
SlurmUser=root
LogFile=$STATE/log/slurmdbd.log
PidFile=$STATE/run/slurmdbd.own.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$password
StorageLoc=slurm_acct_db
EOF
	)
	start slurmdbd slurmdbd -D # reads slurmdbd.conf from the folder of $SLURM_CONF
	wait_for slurmdbd 60 "$STATE/log/slurmdbd.log" sacctmgr -i add cluster "$CLUSTER"
	sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description=CI \
		Organization=discrete-gan >/dev/null
	for user in root ${SUDO_USER:-}; do
		sacctmgr -i add user "$user" Account="$ACCOUNT" Cluster="$CLUSTER" >/dev/null
	done
}

node_idle() {
	[[ $(sinfo -h -o %t | sort -u) == idle ]]
}

# A job through srun, finding this cluster's configuration where a job's own srun looks for
# it; and with accounting, sacct answering.
check() {
	local accounting=$1 found
	sinfo >&2
	found=$(srun -N 1 -n 1 -t 1 env -u SLURM_CONF scontrol show config) ||
		die "srun could not run a job on the cluster (see $STATE/log/slurmctld.log)."
	grep -Eq "^ClusterName += $CLUSTER\$" <<<"$found" ||
		die "a job on the cluster does not find its slurm.conf at /etc/slurm."
	if [[ $accounting == yes ]]; then
		sacct -X -n >/dev/null || die "sacct does not answer (see $STATE/log/slurmdbd.log)."
	fi
}

# The cluster's name and ports (SLURM's own with accounting, ten above them without).
settings() {
	HOST=$(hostname -s)
	if [[ $1 == yes ]]; then
		CLUSTER=discrete-gan-ci CTLD_PORT=6817 SLURMD_PORT=6818 DBD_PORT=6819 DB_PORT=6820
	else
		CLUSTER=discrete-gan-ci-noacct CTLD_PORT=6827 SLURMD_PORT=6828 DBD_PORT='' DB_PORT=''
	fi
}

running() {
	pid_of slurmctld >/dev/null && pid_of slurmd >/dev/null
}

# An empty STATE folder with the subfolders, marked as this script's: a stopped cluster's
# folder is emptied, any other non-empty folder refused.
fresh_state() {
	local accounting=$1
	[[ $STATE != *[[:space:]]* ]] ||
		die "the state folder '$STATE' has a space in its path, which slurm.conf cannot hold."
	local folder=$STATE
	while folder=$(dirname "$folder") && [[ $folder != / ]]; do
		if [[ -d $folder ]] && ((!(8#$(stat -c %a "$folder") & 1))); then
			die "munged needs every folder above its socket searchable by all, and $folder" \
				"is not: chmod o+x it, or name a state folder elsewhere."
		fi
	done
	if [[ -d $STATE && -n $(ls -A "$STATE") ]]; then
		[[ -f $STATE/$MARKER ]] ||
			die "$STATE is neither empty nor a state folder of this script; name a new folder."
		cmd_down
		rm -rf "${STATE:?}"/*
	fi
	mkdir -p "$STATE"/{etc,log,run,lib/slurmctld,lib/slurmd}
	chmod 755 "$STATE" "$STATE/run"
	echo "$accounting" >"$STATE/$MARKER"
}

cmd_up() {
	local accounting=$1 started=$SECONDS port
	require_root_and_apt
	if [[ -f $STATE/$MARKER ]] && running; then
		echo "the cluster of $STATE is up already" >&2
		accounting=$(<"$STATE/$MARKER")
		settings "$accounting"
		check "$accounting"
		return 0
	fi
	settings "$accounting"
	fresh_state "$accounting"
	install_packages "$accounting"
	for port in $CTLD_PORT $SLURMD_PORT $DBD_PORT $DB_PORT; do
		if port_in_use "$port"; then
			die "port $port of 127.0.0.1 is taken (by a cluster of this kind already up?);" \
				"stop what holds it first."
		fi
	done
	trap 'echo "bring-up failed; stopping what it started" >&2; cmd_down' EXIT
	write_slurm_conf "$accounting"
	mungekey --create --keyfile="$STATE/etc/munge.key"
	start munged munged --foreground --socket="$STATE/run/munge.socket" \
		--key-file="$STATE/etc/munge.key" --pid-file="$STATE/run/munged.own.pid" \
		--log-file="$STATE/log/munged.log" --seed-file="$STATE/lib/munged.seed"
	wait_for munged 30 "$STATE/log/munged.out" test -S "$STATE/run/munge.socket"
	if [[ $accounting == yes ]]; then
		start_slurmdbd
	fi
	start slurmctld slurmctld -D -c
	wait_for slurmctld 60 "$STATE/log/slurmctld.log" scontrol ping
	# A job's own `srun` (the executor plugin starts every rule with one) does not see
	# $SLURM_CONF, so, as on a real node, slurm.conf must be at /etc/slurm: slurmd, and so its
	# jobs, run in a mount namespace of their own where this cluster's etc/ is /etc/slurm.
	mkdir -p /etc/slurm
	# shellcheck disable=SC2016 # $0 and $1 are the inner shell's
	start slurmd unshare --mount --propagation private -- \
		sh -c 'mount --bind "$0" /etc/slurm && exec slurmd -D -N "$1"' "$STATE/etc" "$HOST"
	wait_for slurmd 60 "$STATE/log/slurmd.log" node_idle
	check "$accounting"
	trap - EXIT
	echo "$(sinfo --version) cluster $CLUSTER (accounting: $accounting) up in" \
		"$((SECONDS - started)) s; use SLURM_CONF=$SLURM_CONF" >&2
}

cmd_down() {
	local name pid deadline i
	if [[ ! -f $STATE/$MARKER ]]; then
		echo "no cluster state in $STATE; nothing to stop" >&2
		return 0
	fi
	if pid_of slurmctld >/dev/null; then # cancel its jobs, and give them a moment to end
		squeue -h -o %A | xargs -r timeout 20 scancel || true
		deadline=$((SECONDS + 15))
		while [[ -n $(squeue -h -o %A 2>/dev/null) ]] && ((SECONDS < deadline)); do
			sleep 0.5
		done
	fi
	for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
		name=${DAEMONS[i]}
		if pid=$(pid_of "$name"); then
			kill -TERM "$pid" 2>/dev/null || true
			deadline=$((SECONDS + 20))
			while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
				sleep 0.2
			done
			if kill -0 "$pid" 2>/dev/null; then
				kill -KILL "$pid" 2>/dev/null || true
			fi
			echo "stopped $name ($pid)" >&2
		fi
		rm -f "$STATE/run/$name.pid"
	done
}

main() {
	local command=${1:-} accounting=yes
	shift || usage
	if [[ $command == up && ${1:-} == --no-accounting ]]; then
		accounting=no
		shift
	fi
	[[ $# -eq 1 && -n $1 ]] || usage
	STATE=$(realpath -m "$1")
	export SLURM_CONF=$STATE/etc/slurm.conf
	case $command in
	up) cmd_up "$accounting" ;;
	down) cmd_down ;;
	*) usage ;;
	esac
}

main "$@"
