#!/usr/bin/env bash
# slurm-rehearsal.sh: a Slurm cluster of three nodes on this machine, and
# scripts/slurm/train.sbatch submitted to it as a cluster user would.
#
# Usage (as root, from the repository root):
#   bash scripts/slurm-rehearsal.sh [TRAINER]        (default TRAINER: ./trainer)
#
# Settings (environment, default in brackets):
#   EPOCHS    training epochs of each run (float64, --patience 0)   [30]
#   KEEP_TMP  1: keep the temporary folder (logs, job output, runs) [0]
#
# The cluster: one munged (its own key and socket), slurmctld in this
# network namespace, and three slurmd "nodes" n1, n2, n3, each in its own
# network namespace (veth on a private bridge, 198.18.5.1N/24; the bridge
# is 198.18.5.1, slurmctld's address), its own UTS namespace (host name nN)
# and its own mount namespace with a private /tmp (PMIx keeps per-step
# files there). Slurm 22.05 from Debian with auth/munge, select/cons_tres,
# proctrack/linuxproc, task/none (the nodes share this machine's cores, so
# nothing is bound: srun warns "cluster configuration lacks support for cpu
# binding") and MpiDefault=pmix. Its state, spool, pid files and logs, the
# jobs' output and run folders live in one temporary folder under /var/tmp,
# which every node sees. Credentials live 10 s (cred_expire=10 instead of
# 120), which also makes Slurm hold a requeued job 11 s instead of 121
# before starting it again: releasing it at once (scontrol update
# starttime=now) raced the previous start's teardown here ("Job credential
# revoked", and a PMIx socket still in use by the old step on a node).
#
# Every job is the real scripts/slurm/train.sbatch, submitted from the
# shared folder (so it finds ./trainer, a link to TRAINER, and writes
# outputs/ there) with
#   sbatch -N 3 --ntasks-per-node=1 train.sbatch --dtype float64 --patience 0 --epochs EPOCHS --no_plots --quiet
# and OMPI_MCA_mpi_yield_when_idle=1 in the environment (three ranks share
# two cores here; a busy-polling rank would starve the others).
#
# Checks:
#   a. job A (srun --mpi=pmix) put one rank on each node: the world line and
#      config.json "hosts" read n1/198.18.5.11, n2/198.18.5.12, n3/198.18.5.13;
#   b. its history.csv losses equal a local `mpirun -np 3` with the same
#      flags to 1e-12 relative; so do those of job D, the same job started
#      with LAUNCHER=mpirun (MPITRAIN_OUT set to another folder);
#   c. job B is interrupted three times once its checkpoints show progress:
#      `scontrol requeue` (what preemption does), `scancel --batch
#      --signal=USR1` (what --signal=B:USR1@120 sends before the time limit:
#      the script checkpoints and requeues the job itself) and `scancel`;
#      then job C, submitted with MPITRAIN_RUN_ID=slurm-B, finishes the run.
#      Job B runs with MPITRAIN_FAULT=slow@3 (each rank sleeps 3 ms before
#      each step's Allreduce; the numbers are unchanged), so that on a
#      machine of any speed its run is still training when it is stopped.
#      Every stop writes a checkpoint, every start after the first says it
#      resumed, and model.json and metrics.json end bitwise identical (cmp)
#      to job A's. Job D is requeued once mid-run the same way (there
#      slurmstepd and mpirun each send the ranks SIGTERM) and must end
#      identical to A as well;
#   d. on exit, also on failure or Ctrl-C: every daemon, step and job
#      process is stopped (by recorded pid, or as a member of a node's
#      namespace), namespaces, veths and bridge are deleted and the
#      temporary folder removed, and this is verified. Leftovers of a run
#      that was killed outright (kill -9) are removed by the next run.
# Prints PASS or FAIL for each check with timings, and the total; exits 0
# only if all pass. Installs slurm-wlm, munge and iproute2 with apt-get if
# missing (waiting while another apt holds the lock).
set -euo pipefail

t_start=${EPOCHREALTIME/,/.}
EPOCHS=${EPOCHS:-30}
KEEP_TMP=${KEEP_TMP:-0}
trainer_arg=${1:-./trainer}

PREFIX=slr        # names of everything this script creates start with it
SUBNET=198.18.5   # /24; .1 the bridge and slurmctld, .11-.13 the nodes
NODES=(n1 n2 n3)

log() { printf 'slurm-rehearsal: %s\n' "$*"; }
die() {
	printf 'slurm-rehearsal: %s\n' "$*" >&2
	exit 1
}
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# A command that fails outside a check still says so before the exit.
trap 'log "FAIL: line $LINENO: \"$BASH_COMMAND\" exited $?"' ERR

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
fi
if [[ $# -gt 1 ]]; then
	echo "usage: bash scripts/slurm-rehearsal.sh [TRAINER] (-h for help)" >&2
	exit 2
fi
[[ $(id -u) == 0 ]] || die "run as root: it creates network namespaces and runs Slurm's daemons"
[[ $EPOCHS =~ ^[1-9][0-9]*$ && $EPOCHS -ge 20 ]] || die "EPOCHS must be an integer >= 20 (job B is interrupted three times), got \"$EPOCHS\""
[[ -x $trainer_arg ]] || die "trainer $trainer_arg not found or not executable (build it: make build)"
trainer=$(realpath "$trainer_arg")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sbatch_script=$repo/scripts/slurm/train.sbatch
[[ -r $sbatch_script ]] || die "$sbatch_script is missing"
command -v mpirun >/dev/null || die "mpirun not found: bash scripts/deps.sh installs OpenMPI"

# ---- tools, from apt only when missing ----
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null || need+=(slurm-wlm)
command -v munged >/dev/null || need+=(munge)
if [[ ${#need[@]} -gt 0 ]]; then
	log "installing ${need[*]} with apt-get"
	t0=$(now)
	export DEBIAN_FRONTEND=noninteractive
	apt_log=$(mktemp /var/tmp/slurm-rehearsal-apt.XXXXXX)
	for attempt in $(seq 20); do
		if apt-get -o DPkg::Lock::Timeout=60 update -qq >"$apt_log" 2>&1 &&
			apt-get -o DPkg::Lock::Timeout=60 install -y -qq "${need[@]}" >>"$apt_log" 2>&1; then
			break
		fi
		if [[ $attempt == 20 ]]; then
			tail -n 20 "$apt_log" >&2
			rm -f "$apt_log"
			die "apt-get install ${need[*]} failed"
		fi
		log "apt-get failed (lock held?), retrying in 15s"
		sleep 15
	done
	rm -f "$apt_log"
	log "installed ${need[*]} ($(since "$t0"))"
fi
for tool in slurmctld slurmd sbatch srun scontrol sinfo scancel munged nsenter unshare setpriv; do
	command -v "$tool" >/dev/null || die "$tool is missing after the install"
done
compgen -G "/usr/lib/*/slurm-wlm/mpi_pmix*.so" >/dev/null || die "Slurm's mpi/pmix plugin is missing (Debian: slurm-wlm-basic-plugins)"
getent passwd munge >/dev/null || die "no munge user (the munge package creates it)"

# ---- leftovers of earlier runs that died without cleaning up (kill -9) ----
# Every name carries the PID of its run. A run whose PID is still this
# script is alive and owns the subnet and the ports: stop. Otherwise stop
# the processes it recorded in its folder's run/pids (each only if its
# command line still names that folder, so a reused pid is left alone) and
# every process in its namespaces, then delete namespaces, links, folder.
alive_run() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'slurm-rehearsal'; }
names_dir() { # pid dir: does the process's command line name the folder?
	[[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "$2/"
}
running() { # pid: alive and not a zombie
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[[ ${s%% *} != Z ]]
}
stop_pids() { # TERM, up to 5 s, then KILL; for processes that may not be children
	local p deadline left
	for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
	deadline=$(($(date +%s) + 5))
	while :; do
		left=()
		for p in "$@"; do running "$p" && left+=("$p"); done
		[[ ${#left[@]} == 0 ]] && return 0
		(($(date +%s) >= deadline)) && break
		sleep 0.1
	done
	for p in "${left[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
stale_pids=$(
	{
		ip netns list | sed -n "s/^$PREFIX-\([0-9][0-9]*\)-n[0-9].*/\1/p"
		ip -br link | sed -n "s/^${PREFIX}br\([0-9][0-9]*\) .*/\1/p; s/^${PREFIX}\([0-9][0-9]*\)n[0-9].*/\1/p"
		find /var/tmp -maxdepth 1 -name "$PREFIX-*.*" -printf '%f\n' | sed -n "s/^$PREFIX-\([0-9][0-9]*\)\..*/\1/p"
	} | sort -u
)
for pid in $stale_pids; do
	[[ $pid == "$$" ]] && continue
	alive_run "$pid" && die "another slurm rehearsal (pid $pid) is running; it uses $SUBNET.0/24 and slurmctld's port"
	log "removing what run $pid left behind"
	t0=$(now)
	daemons=()
	for dir in /var/tmp/"$PREFIX-$pid".*; do
		[[ -r $dir/run/pids ]] || continue
		while read -r p; do
			[[ $p =~ ^[0-9]+$ ]] && names_dir "$p" "$dir" && daemons+=("$p")
		done <"$dir/run/pids"
	done
	members=()
	for ns in $(ip netns list | awk -v p="^$PREFIX-$pid-" '$1 ~ p { print $1 }'); do
		read -r -a found <<<"$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
		members+=("${found[@]}")
	done
	if [[ ${#daemons[@]} -gt 0 || ${#members[@]} -gt 0 ]]; then stop_pids "${daemons[@]}" "${members[@]}"; fi
	for ns in $(ip netns list | awk -v p="^$PREFIX-$pid-" '$1 ~ p { print $1 }'); do ip netns del "$ns" 2>/dev/null || true; done
	for link in $(ip -br link | awk -v p="^${PREFIX}(br${pid}$|${pid}n[0-9])" '{ sub(/@.*/, "", $1) } $1 ~ p { print $1 }'); do
		ip link del "$link" 2>/dev/null || true
	done
	find /var/tmp -maxdepth 1 -name "$PREFIX-$pid.*" -exec rm -rf {} +
	log "removed ${#daemons[@]} recorded processes, ${#members[@]} in its namespaces, its namespaces, links and folder ($(since "$t0"))"
done

# ---- this run's names ----
id=$$
bridge=${PREFIX}br$id
node_ns=()
node_veth=()
node_addr=()
for i in 1 2 3; do
	node_ns+=("$PREFIX-$id-n$i")
	node_veth+=("${PREFIX}${id}n$i")
	node_addr+=("$SUBNET.1$i")
done
tmp=$(mktemp -d "/var/tmp/$PREFIX-$id.XXXXXX")
chmod 755 "$tmp" # munged runs as the munge user and must reach its folder
conf=$tmp/etc/slurm.conf
shared=$tmp/shared
daemon_pids=() # munged, slurmctld, slurmd n1..n3
local_pid=     # the local mpirun while it runs
started() { # pid: recorded here and in run/pids, for a later run if this one is killed
	daemon_pids+=("$1")
	echo "$1" >>"$tmp/run/pids"
}

cleanup() {
	local rc=$? ns link pid left=() t0
	trap - ERR
	set +e
	t0=$(now)
	# slurmds first (no new steps), then every process in the nodes'
	# namespaces (slurmstepd, the batch shells, srun, mpirun, orted, ranks),
	# then slurmctld and munged.
	local members=() p
	for ns in "${node_ns[@]}"; do
		if ip netns list | grep -q "^$ns\b"; then
			for p in $(ip netns pids "$ns" 2>/dev/null); do
				[[ " ${daemon_pids[*]} " == *" $p "* ]] || members+=("$p")
			done
		fi
	done
	[[ -n $local_pid ]] && members+=("$local_pid")
	if [[ ${#daemon_pids[@]} -gt 0 || ${#members[@]} -gt 0 ]]; then stop_pids "${daemon_pids[@]}" "${members[@]}"; fi
	for pid in "${daemon_pids[@]}" $local_pid; do wait "$pid" 2>/dev/null; done
	for link in "${node_veth[@]}"; do ip link del "$link" 2>/dev/null; done
	for ns in "${node_ns[@]}"; do ip netns del "$ns" 2>/dev/null; done
	ip link del "$bridge" 2>/dev/null
	if [[ $KEEP_TMP == 1 ]]; then
		log "kept $tmp"
	else
		rm -rf -- "$tmp"
	fi
	# Verify.
	for pid in "${daemon_pids[@]}" "${members[@]}"; do running "$pid" && left+=("process $pid"); done
	if ip netns list | grep -q "^$PREFIX-$id-"; then left+=("namespaces"); fi
	if ip -br link | grep -Eq "^${PREFIX}(br${id}|${id}n)"; then left+=("links"); fi
	if [[ $KEEP_TMP != 1 && -e $tmp ]]; then left+=("$tmp"); fi
	if [[ ${#left[@]} -gt 0 ]]; then
		log "FAIL d: cleanup left ${left[*]} ($(since "$t0"))"
		[[ $rc == 0 ]] && rc=1
	else
		log "PASS d: ${#daemon_pids[@]} daemons (munged, slurmctld, slurmd) and ${#members[@]} other processes in the nodes' namespaces stopped; namespaces, veths, bridge$([[ $KEEP_TMP == 1 ]] || echo " and $tmp") gone, verified ($(since "$t0"))"
	fi
	log "total $(since "$t_start")$([[ $rc == 0 ]] && echo ", all checks passed" || echo ", FAILED")"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t_cluster=$(now)
log "trainer $trainer, $EPOCHS epochs per run, temporary folder $tmp"
mkdir -p "$tmp"/{etc,state,spool,log,run,munge} "$shared"
for n in "${NODES[@]}"; do mkdir -p "$tmp/spool/$n" "$tmp/node/$n/tmp" && chmod 1777 "$tmp/node/$n/tmp"; done

# ---- munge: a key and a daemon of this run's own ----
chown munge:munge "$tmp/munge"
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chown munge:munge "$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
# setpriv execs in place, so $! is munged.
setpriv --reuid=munge --regid=munge --init-groups munged --foreground --num-threads=10 \
	--socket="$tmp/munge/munge.socket" --key-file="$tmp/munge/munge.key" \
	--pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/munged.seed" \
	>"$tmp/log/munged.out" 2>&1 &
started $!

# ---- network: a bridge, and per node a namespace and a veth pair ----
ip link add "$bridge" type bridge
ip addr add "$SUBNET.1/24" dev "$bridge"
ip link set "$bridge" up
for i in 0 1 2; do
	ns=${node_ns[i]} veth=${node_veth[i]}
	ip netns add "$ns"
	ip link add "$veth" type veth peer name "${veth}p"
	ip link set "${veth}p" netns "$ns"
	ip -n "$ns" link set "${veth}p" name eth0
	ip -n "$ns" addr add "${node_addr[i]}/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	ip link set "$veth" master "$bridge" up
done

# ---- Slurm ----
cat >"$conf" <<EOF
ClusterName=$PREFIX$id
SlurmctldHost=$(hostname -s)($SUBNET.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket,cred_expire=10
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
SchedulerParameters=sched_interval=2
MailProg=/bin/true
StateSaveLocation=$tmp/state
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdSpoolDir=$tmp/spool/%n
SlurmdPidFile=$tmp/run/slurmd-%n.pid
SlurmdLogFile=$tmp/log/slurmd-%n.log
NodeName=n1 NodeAddr=${node_addr[0]} CPUs=$(nproc) State=UNKNOWN
NodeName=n2 NodeAddr=${node_addr[1]} CPUs=$(nproc) State=UNKNOWN
NodeName=n3 NodeAddr=${node_addr[2]} CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$conf
for _ in $(seq 50); do [[ -S $tmp/munge/munge.socket ]] && break; sleep 0.1; done
[[ -S $tmp/munge/munge.socket ]] || {
	cat "$tmp/log/munged.out" >&2
	die "munged did not start"
}
slurmctld -D -f "$conf" >"$tmp/log/slurmctld.out" 2>&1 &
started $!
# nsenter (network only) and unshare (no --fork) exec in place, so $! is slurmd.
for i in 0 1 2; do
	# shellcheck disable=SC2016 # $1..$3 are expanded by the inner sh
	nsenter --net="/var/run/netns/${node_ns[i]}" unshare --uts --mount --propagation private \
		sh -c 'hostname "$1" && mount --bind "$2" /tmp && exec slurmd -D -f "$3"' \
		sh "${NODES[i]}" "$tmp/node/${NODES[i]}/tmp" "$conf" >"$tmp/log/slurmd-${NODES[i]}.out" 2>&1 &
	started $!
done
deadline=$(($(date +%s) + 30))
until [[ $(timeout 5 sinfo -h -N -o '%N %T' 2>/dev/null | grep -c ' idle$') == 3 ]]; do
	for pid in "${daemon_pids[@]}"; do
		if ! running "$pid"; then
			tail -n 5 "$tmp"/log/*.out "$tmp"/log/*.log >&2 || true
			die "FAIL: a daemon (pid $pid) exited at start; see the logs above"
		fi
	done
	if (($(date +%s) >= deadline)); then
		sinfo -N >&2 || true
		tail -n 20 "$tmp"/log/*.out "$tmp"/log/*.log >&2 || true
		die "FAIL: the three nodes did not come up idle within 30s"
	fi
	sleep 0.2
done
t_setup=$(since "$t_cluster")
log "cluster up ($t_setup): munged, slurmctld on $SUBNET.1, slurmd n1 ${node_addr[0]}, n2 ${node_addr[1]}, n3 ${node_addr[2]}"

# ---- helpers for jobs ----
ln -s "$trainer" "$shared/trainer"
train_flags=(--dtype float64 --patience 0 --epochs "$EPOCHS" --no_plots --quiet)
export OMPI_MCA_mpi_yield_when_idle=1
submit() { # [VAR=value...]: submits train.sbatch from the shared folder, sets job
	local out
	out=$(cd "$shared" && env "$@" sbatch --parsable -N 3 --ntasks-per-node=1 "$sbatch_script" "${train_flags[@]}") || true
	job=${out%%;*}
	[[ $job =~ ^[0-9]+$ ]] || die "FAIL: sbatch did not take the job: ${out:-no output}"
}
slurm() { # job command...: runs a Slurm command about a job; its failure fails the run
	local job=$1
	shift
	"$@" || job_fail "$job" "FAIL: $* exited $?"
}
silent=0 # polls in a row that slurmctld did not answer
st=      # the job state the last get_state read
get_state() { # job: sets st
	local out
	if out=$(scontrol show job -o "$1" 2>/dev/null); then
		silent=0
		st=$(sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p' <<<"$out")
	elif ((++silent > 30)); then
		job_fail "$1" "FAIL: slurmctld does not answer (scontrol show job $1 failed 30 times in a row)"
	else
		st=
	fi
}
job_fail() { # job message
	log "$2"
	echo "--- job $1 output" >&2
	cat "$shared/mpitrain-$1.out" >&2 || true
	scontrol show job "$1" >&2 || true
	tail -n 15 "$tmp"/log/slurm*.log >&2 || true
	exit 1
}
wait_state() { # job seconds STATE...: waits until the job is in one of the states
	local job=$1 limit=$2 deadline
	shift 2
	deadline=$(($(date +%s) + limit))
	while :; do
		get_state "$job"
		for want in "$@"; do [[ $st == "$want" ]] && return 0; done
		case $st in
		COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
			job_fail "$job" "FAIL: job $job is $st, waiting for ${*}"
			;;
		esac
		(($(date +%s) < deadline)) || job_fail "$job" "FAIL: job $job still ${st:-unknown} after ${limit}s, waiting for ${*}"
		sleep 0.1
	done
}
newest_epoch() { # run folder: epochs completed at its newest checkpoint (0: none)
	local c=
	if [[ -d $1/checkpoints ]]; then
		c=$(find "$1/checkpoints" -name 'ckpt-e*-s*.ckpt' -printf '%f\n' | sort | tail -n 1)
	fi
	[[ -n $c ]] || {
		echo 0
		return
	}
	c=${c#ckpt-e}
	echo $((10#${c%%-*}))
}
wait_epoch() { # job run-folder epochs: waits until the run has a checkpoint after that many epochs
	local deadline=$(($(date +%s) + 120))
	while (($(newest_epoch "$2") < $3)); do
		get_state "$1"
		[[ $st == RUNNING || $st == PENDING || -z $st ]] || job_fail "$1" "FAIL: job $1 is $st before its run reached epoch $3"
		(($(date +%s) < deadline)) || job_fail "$1" "FAIL: job $1 did not reach epoch $3 within 120s"
		sleep 0.05
	done
}
hosts_of() { sed -n '/"hosts": \[/,/\]/p' "$1/config.json" | sed -n 's/^ *"\(.*\)",\{0,1\}$/\1/p' | paste -sd' '; }
same_losses() { # history.csv history.csv: prints a summary; fails past 1e-12 relative
	awk -F, '
	function rel(a, b,    d, s) { d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a); if (s == 0) return d; return d / s }
	FNR == 1 { next }
	NR == FNR { train[$1] = $2; val[$1] = $3; n++; next }
	{
		m++
		if (!($1 in train)) { printf "epoch %s only in the local run\n", $1; bad = 1; next }
		r = rel(train[$1], $2); if (r > worst) worst = r
		r = rel(val[$1], $3); if (r > worst) worst = r
	}
	END {
		if (n != m || n == 0) { printf "%d epochs vs %d local\n", n, m; exit 1 }
		printf "%d epochs, largest relative difference %.3g", n, worst
		exit (bad || worst > 1e-12)
	}' "$1" "$2"
}
fail=0
pass() { log "PASS $*"; }
failed() {
	log "FAIL $*"
	fail=1
}

# ---- job A: the reference run under srun ----
t0=$(now)
submit
job_a=$job
wait_state "$job_a" 300 COMPLETED
t_a=$(since "$t0")
run_a=$shared/outputs/slurm-$job_a
log "job A = $job_a (srun): COMPLETED $t_a after submission; $(grep -m1 '^world:' "$shared/mpitrain-$job_a.out" | cut -d'|' -f1)"

# a. One rank per node, in rank order.
want_hosts="n1/${node_addr[0]} n2/${node_addr[1]} n3/${node_addr[2]}"
want_world="world: 3 rank(s) on n1/${node_addr[0]} (1 rank), n2/${node_addr[1]} (1 rank), n3/${node_addr[2]} (1 rank) "
got_hosts=$(hosts_of "$run_a")
if [[ $got_hosts == "$want_hosts" ]] && grep -qF "$want_world|" "$shared/mpitrain-$job_a.out"; then
	pass "a: job $job_a ran one rank on each node, in rank order: $got_hosts (world line and config.json; $t_a)"
else
	failed "a: config.json hosts ($got_hosts), want ($want_hosts); world line: $(grep -m1 '^world:' "$shared/mpitrain-$job_a.out" || echo none)"
fi

# ---- the local reference: plain mpirun -np 3, same flags ----
t0=$(now)
OPENBLAS_NUM_THREADS=1 timeout 300 mpirun --allow-run-as-root --oversubscribe -np 3 \
	"$trainer" "${train_flags[@]}" --out "$tmp/local" --run_id local >"$tmp/local.log" 2>&1 &
local_pid=$!
echo "$local_pid" >>"$tmp/run/pids"
if ! wait "$local_pid"; then
	cat "$tmp/local.log" >&2
	die "FAIL: the local mpirun -np 3 run failed ($(since "$t0"))"
fi
local_pid=
t_local=$(since "$t0")

# b. Same losses as the local run.
if out=$(same_losses "$run_a/history.csv" "$tmp/local/local/history.csv"); then
	pass "b: job $job_a's losses equal a local mpirun -np 3 ($out; local run $t_local)"
else
	failed "b: job $job_a's losses differ from a local mpirun -np 3: $out"
fi

# ---- job B: requeued, warned of its time limit, cancelled; job C finishes ----
t0=$(now)
submit MPITRAIN_FAULT=slow@3
job_b=$job
run_b=$shared/outputs/slurm-$job_b
out_b=$shared/mpitrain-$job_b.out
wait_epoch "$job_b" "$run_b" 3
e1=$(newest_epoch "$run_b")
ti=$(now)
slurm "$job_b" scontrol requeue "$job_b"
wait_state "$job_b" 60 PENDING
# Pending: the stop checkpoint is written. The next interruption waits for
# two more epochs, trained by the next start.
s1=$(newest_epoch "$run_b")
hold=$(scontrol show job -o "$job_b" | grep -o 'EligibleTime=[^ ]*' | cut -d= -f2 || true)
wait_state "$job_b" 60 RUNNING
log "job B = $job_b: scontrol requeue after epoch $e1: pending until $hold, running again after $(since "$ti")"
wait_epoch "$job_b" "$run_b" $((s1 + 2))
e2=$(newest_epoch "$run_b")
ti=$(now)
slurm "$job_b" scancel --batch --signal=USR1 "$job_b"
wait_state "$job_b" 60 PENDING
s2=$(newest_epoch "$run_b")
wait_state "$job_b" 60 RUNNING
log "job B = $job_b: SIGUSR1 to the batch script (the time-limit warning) after epoch $e2: requeued itself, running again after $(since "$ti")"
wait_epoch "$job_b" "$run_b" $((s2 + 2))
e3=$(newest_epoch "$run_b")
ti=$(now)
slurm "$job_b" scancel "$job_b"
wait_state "$job_b" 60 CANCELLED
submit MPITRAIN_RUN_ID="slurm-$job_b"
job_c=$job
wait_state "$job_c" 300 COMPLETED
log "job B = $job_b: scancel after epoch $e3; job C = $job_c (MPITRAIN_RUN_ID=slurm-$job_b) finished the run $(since "$ti") later"
t_b=$(since "$t0")

# c. Every stop checkpointed, every later start resumed, same bits as job A.
stops=$(grep -c 'stopped on a signal .*; checkpoint ' "$out_b" || true)
resumes_b=$(grep -c '^resume: from the checkpoint' "$out_b" || true)
resumes_c=$(grep -c '^resume: from the checkpoint' "$shared/mpitrain-$job_c.out" || true)
starts_b=$(grep -c '^train.sbatch: job .*, start ' "$out_b" || true)
if [[ $stops == 3 && $starts_b == 3 && $resumes_b == 2 && $resumes_c == 1 ]] &&
	cmp -s "$run_a/model.json" "$run_b/model.json" && cmp -s "$run_a/metrics.json" "$run_b/metrics.json"; then
	pass "c: job $job_b: requeue, time-limit warning, cancel: 3 stops with a checkpoint, 3 starts, then job $job_c resumed; model.json and metrics.json identical to job $job_a's ($t_b)"
else
	failed "c: job $job_b/$job_c: $stops stop checkpoints (want 3), $starts_b starts (3), resumed $resumes_b + $resumes_c times (2 + 1), model.json $(cmp -s "$run_a/model.json" "$run_b/model.json" && echo same || echo differs), metrics.json $(cmp -s "$run_a/metrics.json" "$run_b/metrics.json" && echo same || echo differs)"
	cat "$out_b" "$shared/mpitrain-$job_c.out"
fi

# ---- job D: LAUNCHER=mpirun inside the allocation, requeued once ----
t0=$(now)
submit LAUNCHER=mpirun MPITRAIN_OUT="$shared/mpirun-outputs"
job_d=$job
run_d=$shared/mpirun-outputs/slurm-$job_d
out_d=$shared/mpitrain-$job_d.out
wait_epoch "$job_d" "$run_d" 3
e1=$(newest_epoch "$run_d")
slurm "$job_d" scontrol requeue "$job_d"
wait_state "$job_d" 60 PENDING
wait_state "$job_d" 60 RUNNING
wait_state "$job_d" 300 COMPLETED
t_d=$(since "$t0")
log "job D = $job_d (LAUNCHER=mpirun): scontrol requeue after epoch $e1, COMPLETED $t_d after submission"
if out=$(same_losses "$run_d/history.csv" "$tmp/local/local/history.csv") &&
	[[ $(hosts_of "$run_d") == "$want_hosts" ]]; then
	pass "b: job $job_d (LAUNCHER=mpirun), one rank per node: losses equal the local mpirun -np 3 ($out; $t_d)"
else
	failed "b: job $job_d (LAUNCHER=mpirun): hosts ($(hosts_of "$run_d")), losses: ${out:-unreadable}"
fi
resumed_d=$(grep -m1 '^resume: from the checkpoint' "$out_d" | sed 's/^resume: from the checkpoint \([^(]*\) (.*/\1/' || true)
if [[ $(grep -c '^resume: from the checkpoint' "$out_d" || true) == 1 ]] &&
	cmp -s "$run_a/model.json" "$run_d/model.json" && cmp -s "$run_a/metrics.json" "$run_d/metrics.json"; then
	pass "c: job $job_d (LAUNCHER=mpirun): requeued, resumed from the checkpoint $resumed_d; model.json and metrics.json identical to job $job_a's ($t_d)"
else
	failed "c: job $job_d (LAUNCHER=mpirun): no resume, or a model that differs from job $job_a's"
	cat "$out_d"
fi

log "timings: cluster up $t_setup, job A $t_a, local mpirun $t_local, jobs B and C $t_b, job D $t_d"
[[ $fail == 0 ]] || exit 1
