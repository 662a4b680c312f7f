#!/usr/bin/env bash
# multihost-rehearsal.sh: what the Kubeflow MPI Operator does with the
# MPIJob in mpi-operator/, rehearsed on one machine with network namespaces.
#
# Usage (as root, from the repository root):
#   bash scripts/multihost-rehearsal.sh [TRAINER]        (default TRAINER: ./trainer)
#
# Settings (environment, default in brackets):
#   WORKERS             worker "pods", one network namespace each        [3]
#   LAUNCHER_AS_WORKER  1: the launcher runs rank 0, as the manifests'
#                       runLauncherAsWorker: true; 0: ranks only on workers [1]
#   EPOCHS              training epochs of each run                      [3]
#   KEEP_TMP            1: keep the temporary folder (logs, run folders)  [0]
#
# Each "pod" is a network namespace on a private Linux bridge, with a veth
# whose inside end is eth0 and an address on 198.18.0.0/24 (a range set
# aside for benchmarking networks; the bridge has no address, so no packet
# leaves the namespaces this run made): the launcher at 198.18.0.10, worker
# i at 198.18.0.(10+i). Each namespace also gets its own host name (unshare
# --uts), as each pod has. As the operator does, the run makes one ssh key
# pair and mounts nothing else: each worker starts its own sshd on port
# 2222 from its own config (host key, authorized_keys and pid file in the
# temporary folder, UsePAM no, StrictModes no), and the launcher waits for
# every sshd port (the readiness probe), resolves the hostfile with
# mpi-operator/wait-for-hosts.sh and runs
#   mpirun --hostfile HOSTFILE -np NP --bind-to none -x ... \
#     --mca plm_rsh_args "-p 2222 -i KEY -o StrictHostKeyChecking=no ..." \
#     --mca btl tcp,self --mca btl_tcp_if_include 198.18.0.0/24 \
#     --mca oob_tcp_if_include 198.18.0.0/24 TRAINER --epochs EPOCHS --dtype float64 ...
# with a hostfile of addresses, "ADDRESS slots=1" per pod (the launcher's
# first when LAUNCHER_AS_WORKER=1). No --prefix and no PATH: orted must be
# found on the default PATH of a non-interactive ssh session, as in the image.
#
# Checks:
#   a. config.json "hosts" lists, in rank order, the host name and address
#      of the namespace each rank was placed in by the hostfile: the ranks
#      really ran apart, rank 0 in the launcher when LAUNCHER_AS_WORKER=1;
#      and every worker's sshd accepted the launcher's key;
#   b. history.csv train and val losses equal those of a plain local
#      `mpirun -np NP` with the same flags to 1e-9 relative;
#   c. on exit, also on failure or Ctrl-C, the sshd processes are killed and
#      the namespaces, veths, bridge and temporary folder removed. Leftovers
#      of a run that was killed outright (kill -9) are removed by the next.
# Prints PASS or FAIL for each check with timings; exits 0 only if all pass.
# Installs iproute2, openssh-server and openssh-client with apt-get if missing.
set -euo pipefail

WORKERS=${WORKERS:-3}
LAUNCHER_AS_WORKER=${LAUNCHER_AS_WORKER:-1}
EPOCHS=${EPOCHS:-3}
KEEP_TMP=${KEEP_TMP:-0}
trainer_arg=${1:-./trainer}

PREFIX=mhr          # names of everything this script creates start with it
SUBNET=198.18.0     # /24; .10 the launcher, .11... the workers
PORT=2222

log() { printf 'rehearsal: %s\n' "$*"; }
die() {
	printf 'rehearsal: %s\n' "$*" >&2
	exit 1
}
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

if [[ $# -gt 1 || ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
fi
[[ $(id -u) == 0 ]] || die "run as root: it creates network namespaces and a bridge"
[[ $WORKERS =~ ^[1-9][0-9]?$ && $WORKERS -le 60 ]] || die "WORKERS must be 1..60, got \"$WORKERS\""
[[ $LAUNCHER_AS_WORKER == 0 || $LAUNCHER_AS_WORKER == 1 ]] || die "LAUNCHER_AS_WORKER must be 0 or 1"
[[ $EPOCHS =~ ^[1-9][0-9]*$ ]] || die "EPOCHS must be a positive integer"
[[ -x $trainer_arg ]] || die "trainer $trainer_arg not found or not executable (build it: go build -o trainer .)"
trainer=$(realpath "$trainer_arg")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
wait_for_hosts=$repo/mpi-operator/wait-for-hosts.sh
[[ -r $wait_for_hosts ]] || die "$wait_for_hosts is missing"
command -v mpirun >/dev/null || die "mpirun not found: bash scripts/deps.sh installs OpenMPI"

# Tools, from apt only when missing.
need=()
command -v ip >/dev/null || need+=(iproute2)
[[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || need+=(openssh-client)
if [[ ${#need[@]} -gt 0 ]]; then
	log "installing ${need[*]} with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	for attempt in 1 2 3 4 5; do
		if apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; then
			break
		fi
		[[ $attempt == 5 ]] && die "apt-get install ${need[*]} failed"
		log "apt-get failed (lock held?), retrying in $((attempt * 10))s"
		sleep $((attempt * 10))
	done
fi

# Leftovers of earlier runs that died without cleaning up (kill -9): every
# name carries the PID of its run; remove what belongs to runs that are gone.
stale_pids=$(
	{
		ip netns list | sed -n "s/^$PREFIX-\([0-9][0-9]*\)-.*/\1/p"
		ip -br link | sed -n "s/^$PREFIX\(br\)\{0,1\}\([0-9][0-9]*\)[lw@ ].*/\2/p"
		find /tmp -maxdepth 1 -name "$PREFIX-*.*" -printf '%f\n' | sed -n "s/^$PREFIX-\([0-9][0-9]*\)\..*/\1/p"
	} | sort -u
)
for pid in $stale_pids; do
	kill -0 "$pid" 2>/dev/null && continue
	log "removing what run $pid left behind"
	for ns in $(ip netns list | awk -v p="^$PREFIX-$pid-" '$1 ~ p { print $1 }'); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	for link in $(ip -br link | awk -v p="^${PREFIX}(br${pid}$|${pid}[lw])" '{ sub(/@.*/, "", $1) } $1 ~ p { print $1 }'); do
		ip link del "$link" 2>/dev/null || true
	done
	find /tmp -maxdepth 1 -name "$PREFIX-$pid.*" -exec rm -rf {} +
done

# ---- this run's names ----
id=$$
bridge=${PREFIX}br$id
launcher_ns=$PREFIX-$id-launcher
launcher_addr=$SUBNET.10
worker_ns=()
worker_addr=()
for ((i = 1; i <= WORKERS; i++)); do
	worker_ns+=("$PREFIX-$id-w$i")
	worker_addr+=("$SUBNET.$((10 + i))")
done
veths=("${PREFIX}${id}l")
for ((i = 1; i <= WORKERS; i++)); do veths+=("${PREFIX}${id}w$i"); done
tmp=$(mktemp -d "/tmp/$PREFIX-$id.XXXXXX")
sshd_pids=()
created_run_sshd=0

cleanup() {
	local rc=$? pid ns link left
	set +e
	for pid in "${sshd_pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${sshd_pids[@]}"; do wait "$pid" 2>/dev/null; done
	# Deleting one end of a veth pair deletes both at once; a namespace's
	# own links would go with it only later, in the kernel's own time.
	for link in "${veths[@]}"; do ip link del "$link" 2>/dev/null; done
	for ns in "$launcher_ns" "${worker_ns[@]}"; do
		if ip netns list | grep -q "^$ns\b"; then
			for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
			ip netns del "$ns"
		fi
	done
	ip link del "$bridge" 2>/dev/null
	if [[ $created_run_sshd == 1 ]]; then rmdir /run/sshd 2>/dev/null; fi
	if [[ $KEEP_TMP == 1 ]]; then
		log "kept $tmp"
	else
		rm -rf -- "$tmp"
	fi
	left=0
	if ip netns list | grep -q "^$PREFIX-$id-"; then left=1; fi
	if ip -br link | grep -Eq "^${PREFIX}(br${id}|${id}[lw])"; then left=1; fi
	if [[ $left == 1 ]]; then
		echo "rehearsal: cleanup left namespaces or links of run $id" >&2
		[[ $rc == 0 ]] && rc=1
	else
		log "cleanup: sshd stopped; namespaces, veths and bridge removed$([[ $KEEP_TMP == 1 ]] || echo ", $tmp too")"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t_start=$(now)
log "$WORKERS worker(s), launcher as worker: $LAUNCHER_AS_WORKER, trainer $trainer, temporary folder $tmp"

# ---- network: one bridge, one namespace and veth pair per pod ----
ip link add "$bridge" type bridge
ip link set "$bridge" up
add_pod() { # namespace address host-end-of-the-veth
	local ns=$1 addr=$2 veth=$3
	ip netns add "$ns"
	ip link add "$veth" type veth peer name "${veth}p"
	ip link set "${veth}p" netns "$ns"
	ip -n "$ns" link set "${veth}p" name eth0
	ip -n "$ns" addr add "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	ip link set "$veth" master "$bridge" up
}
add_pod "$launcher_ns" "$launcher_addr" "${veths[0]}"
for ((i = 0; i < WORKERS; i++)); do
	add_pod "${worker_ns[i]}" "${worker_addr[i]}" "${veths[i + 1]}"
done

# ---- ssh: one key pair for the run, one sshd per worker ----
ssh-keygen -q -t ed25519 -N '' -C "$PREFIX-$id" -f "$tmp/id_ed25519"
cp "$tmp/id_ed25519.pub" "$tmp/authorized_keys"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh_host_ed25519_key"
if [[ ! -d /run/sshd ]]; then
	mkdir -p /run/sshd
	created_run_sshd=1
fi
for ((i = 0; i < WORKERS; i++)); do
	w=$((i + 1))
	cat >"$tmp/sshd_w$w.conf" <<EOF
Port $PORT
ListenAddress ${worker_addr[i]}
HostKey $tmp/ssh_host_ed25519_key
AuthorizedKeysFile $tmp/authorized_keys
PidFile $tmp/sshd_w$w.pid
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
EOF
	# ip netns exec and unshare exec in place, so $! is the sshd.
	# shellcheck disable=SC2016 # $1 and $2 are expanded by the inner sh
	ip netns exec "${worker_ns[i]}" unshare --uts \
		sh -c 'hostname "$1" && exec /usr/sbin/sshd -D -e -f "$2"' sh "$PREFIX-worker-$w" "$tmp/sshd_w$w.conf" \
		>"$tmp/sshd_w$w.log" 2>&1 &
	sshd_pids+=($!)
done

# The readiness probe: every worker's port 2222 answers from the launcher's namespace.
for ((i = 0; i < WORKERS; i++)); do
	ok=0
	for _ in $(seq 50); do
		if ip netns exec "$launcher_ns" timeout 1 bash -c "exec 3<>/dev/tcp/${worker_addr[i]}/$PORT" 2>/dev/null; then
			ok=1
			break
		fi
		sleep 0.2
	done
	if [[ $ok == 0 ]]; then
		cat "$tmp/sshd_w$((i + 1)).log" >&2
		die "sshd of worker $((i + 1)) does not answer on ${worker_addr[i]}:$PORT"
	fi
done
t_setup=$(since "$t_start")
log "network and $WORKERS sshd ready ($t_setup)"

# ---- the launcher: hostfile of addresses, mpirun over ssh ----
hostfile=$tmp/hostfile
: >"$hostfile"
if [[ $LAUNCHER_AS_WORKER == 1 ]]; then
	echo "$launcher_addr slots=1" >>"$hostfile"
fi
for a in "${worker_addr[@]}"; do echo "$a slots=1" >>"$hostfile"; done
np=$(wc -l <"$hostfile")
expected=()
if [[ $LAUNCHER_AS_WORKER == 1 ]]; then expected+=("$PREFIX-launcher/$launcher_addr"); fi
for ((i = 0; i < WORKERS; i++)); do expected+=("$PREFIX-worker-$((i + 1))/${worker_addr[i]}"); done

train_flags=(--epochs "$EPOCHS" --dtype float64 --no_plots --quiet)
rank_env=(OMPI_MCA_btl_vader_single_copy_mechanism=none OPENBLAS_NUM_THREADS=1)
log "mpirun -np $np from $launcher_ns over ssh; hostfile: $(paste -sd' ' "$hostfile")"
t0=$(now)
# shellcheck disable=SC2016 # $1 and $@ are expanded by the inner sh
if ! ip netns exec "$launcher_ns" unshare --uts \
	sh -c 'hostname "$1" && shift && exec "$@"' sh "$PREFIX-launcher" \
	env "${rank_env[@]}" \
	timeout 600 sh "$wait_for_hosts" "$hostfile" \
	mpirun --allow-run-as-root \
	--hostfile "$hostfile" \
	-np "$np" \
	--bind-to none \
	-x OMPI_MCA_btl_vader_single_copy_mechanism \
	-x OPENBLAS_NUM_THREADS \
	--mca plm_rsh_args "-p $PORT -i $tmp/id_ed25519 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" \
	--mca btl tcp,self \
	--mca btl_tcp_if_include "$SUBNET.0/24" \
	--mca oob_tcp_if_include "$SUBNET.0/24" \
	"$trainer" "${train_flags[@]}" --out "$tmp/multihost" --run_id multihost \
	>"$tmp/multihost.log" 2>&1; then
	cat "$tmp/multihost.log" >&2
	for f in "$tmp"/sshd_w*.log; do echo "--- $f" >&2 && cat "$f" >&2; done
	die "FAIL: the multi-namespace run failed ($(since "$t0"))"
fi
t_multi=$(since "$t0")
log "multi-namespace run done ($t_multi): $(grep -m1 '^world:' "$tmp/multihost.log" || echo 'no world line')"

# ---- the reference: the same flags, plain local mpirun ----
local_flags=(--allow-run-as-root)
if ((np > $(nproc))); then local_flags+=(--oversubscribe); fi
t0=$(now)
if ! env "${rank_env[@]}" timeout 600 mpirun "${local_flags[@]}" -np "$np" \
	"$trainer" "${train_flags[@]}" --out "$tmp/local" --run_id local >"$tmp/local.log" 2>&1; then
	cat "$tmp/local.log" >&2
	die "FAIL: the local reference run failed ($(since "$t0"))"
fi
t_local=$(since "$t0")
log "local run done ($t_local)"

# ---- checks ----
fail=0
# a. The hosts of config.json, in rank order, against the hostfile's namespaces.
mapfile -t hosts < <(sed -n '/"hosts": \[/,/\]/p' "$tmp/multihost/multihost/config.json" | sed -n 's/^ *"\(.*\)",\{0,1\}$/\1/p')
if [[ "${hosts[*]}" == "${expected[*]}" && ${#hosts[@]} == "$np" ]]; then
	log "PASS a: $np ranks on $np namespaces, in hostfile order: ${hosts[*]}"
else
	log "FAIL a: config.json hosts (${hosts[*]:-none}), want (${expected[*]})"
	fail=1
fi
for ((i = 0; i < WORKERS; i++)); do
	if ! grep -q "Accepted publickey for root from $launcher_addr" "$tmp/sshd_w$((i + 1)).log"; then
		log "FAIL a: worker $((i + 1))'s sshd accepted no key from the launcher ($launcher_addr)"
		fail=1
	fi
done
# b. Same losses as the local run, epoch by epoch, to 1e-9 relative.
if cmp_out=$(awk -F, '
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
		printf "%d epochs, largest relative difference %.3g\n", n, worst
		exit (bad || worst > 1e-9)
	}' "$tmp/multihost/multihost/history.csv" "$tmp/local/local/history.csv"); then
	log "PASS b: train and val losses equal the local mpirun -np $np ($cmp_out)"
else
	log "FAIL b: losses differ from the local mpirun -np $np: $cmp_out"
	fail=1
fi

log "timings: set-up $t_setup, multi-namespace run $t_multi, local run $t_local, total $(since "$t_start") (before cleanup)"
if [[ $fail == 0 ]]; then
	log "PASS: $np ranks over $WORKERS worker namespace(s)$([[ $LAUNCHER_AS_WORKER == 1 ]] && echo ' and the launcher') over ssh, same losses as one machine"
else
	cat "$tmp/multihost.log"
	log "FAIL"
	exit 1
fi
