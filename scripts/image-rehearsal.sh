#!/usr/bin/env bash
# image-rehearsal.sh: the Kubernetes path on one machine, with real
# containers: the image built from mpi-operator/Dockerfile, and the
# MPIJob's launcher and Worker pods run from it as containers the way the
# Kubeflow MPI Operator would start them.
#
# Usage (as root, from the repository root):
#   bash scripts/image-rehearsal.sh [TRAINER]        (default TRAINER: ./trainer)
#
# TRAINER is the trainer built on this machine (make build) from the same
# sources as the image's; it runs the reference: a plain local mpirun.
#
# Settings (environment, default in brackets):
#   EPOCHS       training epochs of each job (--patience 0: all of them)   [20]
#   KEEP_IMAGES  1: keep the two FROM images for the next run; 0: remove
#                them and the whole container store at the end             [0]
#   KEEP_TMP     1: keep the temporary folder (logs, keys, run folders)    [0]
#   TMPDIR       where the temporary folder imr-PID.XXXXXX is made         [/tmp]
#   APT_SOURCES  the apt sources the base image is made from
#                [/etc/apt/sources.list.d/debian.sources, else /etc/apt/sources.list]
#
# No registry is needed. Phases, each timed:
#   tools   podman, buildah, runc, mmdebstrap, netavark, aardvark-dns and
#           iptables with apt-get when missing (retried while the apt lock
#           is held).
#   base    debian:bookworm-slim made with mmdebstrap (minbase, with the
#           slim image's dpkg excludes) from this machine's apt sources, so
#           the images' apt uses the same mirror; imported with podman.
#   golang  golang:1.26-bookworm: that base with gcc, libc6-dev, make,
#           pkg-config, this machine's Go toolchain (go env GOROOT) and CA
#           bundle (the module proxy may be reached through a TLS-inspecting
#           egress), GOTOOLCHAIN=local and GOPROXY from `go env GOPROXY`
#           (a build argument: it is written into no file of the repository).
#   build   buildah bud --pull=never --jobs 2 -f mpi-operator/Dockerfile . :
#           the Dockerfile unchanged, the repository root as context, its two
#           stages built side by side (the runtime stage's apt-get while the
#           trainer compiles). The RUN steps see this machine's Go build
#           cache (go env GOCACHE, warm from make build) at the golang
#           image's /root/.cache/go-build through an overlay whose writes are
#           discarded, as a BuildKit cache mount would: the compiler's work
#           is not done twice and nothing is written to the cache. (buildah
#           mounts it in the runtime stage's RUN steps too, which leaves
#           the empty directory /root/.cache/go-build in the image.) Prints
#           the image's size.
#   pods    go run ./mpi-operator/pods renders mpi-operator/base with
#           kustomize, with 3 Worker replicas and -np 4 patched in as the
#           overlays patch their counts (no overlay has 3 workers), RUN_ID
#           and the trainer flags as scripts/k8s-run.sh sets them, validates
#           the MPIJob, and prints the pods the operator would make: the
#           hostfile, host and DNS names, each container's command and args
#           ($(RUN_ID) expanded as the kubelet does), env, user, claim,
#           limits. Nothing of the command is retyped here.
#   runs    job 1, the reference run, job 2 and its retry (below).
#
# The pods, as containers of the built image on a podman network with the
# subnet 198.19.7.0/24 (the multi-host rehearsal uses 198.18.0.0/24, the
# Slurm one 198.18.5.0/24):
#   - each pod's host name (--hostname mpitrain-worker-0) and its DNS name
#     in the job's Service (--network-alias mpitrain-worker-0.mpitrain.default.svc),
#     resolved by podman's DNS as cluster DNS would;
#   - the user, CPU and memory limits of the pod template (--user 1000:1000
#     --cpus 1 --memory 1Gi);
#   - the job's ssh key pair, made for the run as the operator makes its
#     Secret (ECDSA P-521, PEM), mounted read-only at sshAuthMountPath as
#     id_rsa, id_rsa.pub and authorized_keys, owned by root, mode 0644;
#   - workers: their command (sshd as uid 1000 on port 2222); the launcher
#     starts when every worker's port answers (WaitForWorkersReady and the
#     readiness probe);
#   - the launcher: its command and args, its env plus the operator's
#     (K_MPI_JOB_ROLE, OMPI_MCA_orte_keep_fqdn_hostnames=true,
#     OMPI_MCA_orte_default_hostfile, OMPI_MCA_plm_rsh_args,
#     OMPI_MCA_orte_set_default_slots), the hostfile read-only at
#     /etc/mpi/hostfile (launcher first: runLauncherAsWorker), and a podman
#     volume where the claim is mounted (/data), group 1000 and setgid as
#     fsGroup makes it. One addition: when the job has more ranks than
#     this machine has cores, OMPI_MCA_mpi_yield_when_idle=1 (mpirun passes
#     it on to every rank), or ranks that each believe they have a core to
#     themselves busy-poll and training here takes several times longer (on a
#     cluster each pod has its CPU).
#
# Checks (each prints PASS or FAIL with its time):
#   a. job 1 runs 4 ranks in 4 containers: config.json "hosts" is, in rank
#      order, the host name and address of each container of the hostfile,
#      the run folder on the volume belongs to uid 1000, and every worker's
#      sshd accepted the job's key from the launcher;
#   b. its train and val losses (history.csv) equal those of a plain local
#      `mpirun -np 4 TRAINER` with the same flags to 1e-9 relative;
#   c. job 2, its launcher with MPITRAIN_FAULT=slow@25 (rank 0 sleeps
#      25 ms before each gradient Allreduce, and the other ranks wait for
#      it: at least 0.7 s an epoch, the losses unchanged, so that the run is
#      still training when the worker dies on a machine of any speed): once
#      its first checkpoint is on the volume, `podman kill --signal KILL`
#      of worker 1 makes the launcher exit non-zero within 10 s (the
#      seconds are printed), before the run completed; within 10 s more no
#      rank is left on the other workers;
#   d. the killed worker is started again as a new container with the same
#      names (as the operator creates a worker pod that is gone), then a
#      second launcher container with the same command, args and env (the retry
#      backoffLimit allows) resumes from the checkpoint on the volume, says
#      so, finishes, and its losses equal the local run's to 1e-9;
#   e. every container, the network, the volume and the images this run
#      made are gone afterwards, also after a failure or Ctrl-C.
# Exits 0 only if all pass.
#
# Everything lives in a container store of its own (--root
# /var/lib/mpitrain-image-rehearsal/storage), so the images and containers of
# other podman users are never seen nor touched; one run at a time holds
# its lock. The network is named imr-PID and labelled; leftovers of a run
# that was killed outright (kill -9) are removed by the next run.
set -euo pipefail

EPOCHS=${EPOCHS:-20}
KEEP_IMAGES=${KEEP_IMAGES:-0}
KEEP_TMP=${KEEP_TMP:-0}
trainer_arg=${1:-./trainer}

PREFIX=imr                                 # names of what a run makes: imr-PID...
LABEL=org.mpitrain.image-rehearsal         # label on every image, container, network and volume
STORE=/var/lib/mpitrain-image-rehearsal    # the rehearsal's own container store (and its lock)
RUNROOT=/run/mpitrain-image-rehearsal
SUBNET=198.19.7.0/24
WORKERS=3                                  # Worker replicas: 4 ranks with the launcher
BASE_IMAGE=localhost/debian:bookworm-slim  # what the Dockerfile's FROM lines resolve to
GOLANG_IMAGE=localhost/golang:1.26-bookworm
KILL_LIMIT=10                              # seconds the launcher may take to fail after a worker dies
SLOW=(-e MPITRAIN_FAULT=slow@25)           # job 2's launcher: rank 0 sleeps 25 ms before each step's Allreduce
ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)

log() { printf 'image-rehearsal: %s\n' "$*"; }
die() {
	printf 'image-rehearsal: %s\n' "$*" >&2
	exit 1
}
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

if [[ $# -gt 1 || ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
fi
[[ $(id -u) == 0 ]] || die "run as root: it installs packages, makes images and runs containers"
[[ $EPOCHS =~ ^[1-9][0-9]*$ ]] || die "EPOCHS must be a positive integer"
[[ $KEEP_IMAGES == 0 || $KEEP_IMAGES == 1 ]] || die "KEEP_IMAGES must be 0 or 1"
[[ -x $trainer_arg ]] || die "trainer $trainer_arg not found or not executable (build it: make build)"
trainer=$(realpath "$trainer_arg")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GO=${GO:-go}
command -v "$GO" >/dev/null || die "$GO not found: the golang image is made from this machine's Go toolchain"
command -v mpirun >/dev/null || die "mpirun not found: bash scripts/deps.sh installs OpenMPI"
go_version=$("$GO" env GOVERSION)
[[ $go_version == go1.26* ]] || die "this machine's Go is $go_version; the Dockerfile builds FROM golang:1.26-bookworm"
codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
[[ $codename == bookworm ]] || die "this machine's apt sources are for \"$codename\"; the Dockerfile's FROM lines name bookworm"
sources=${APT_SOURCES:-}
if [[ -z $sources ]]; then
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		if [[ -s $f ]]; then
			sources=$f
			break
		fi
	done
fi
[[ -n $sources && -r $sources ]] || die "no apt sources to make the base image from: set APT_SOURCES to a sources file"

# cpu: the CPU seconds (user + system) of this script's finished children
# so far, which include the builds' RUN steps; with the wall time it tells
# how much of a phase was spent waiting for a busy machine.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($16 + $17) / hz }' /proc/$$/stat; }
t_start=$(now)
t_phase=$(now)
c_phase=$(cpu)
phases=()
phase_done() { # name: records the time since the previous phase ended
	local c
	c=$(cpu)
	phases+=("$1 $(since "$t_phase") (cpu $(awk -v a="$c_phase" -v b="$c" 'BEGIN { printf "%.1fs", b - a }'))")
	t_phase=$(now)
	c_phase=$c
}
stamp() { # each line of stdin with the seconds since the stamp began
	local s0=$EPOCHSECONDS l
	while IFS= read -r l; do printf '%4ds %s\n' $((EPOCHSECONDS - s0)) "$l"; done
}

# ---- tools ----
# netavark (podman's and buildah's networks) runs iptables, which Debian's
# netavark package does not depend on.
need=()
for pkg in podman buildah runc mmdebstrap netavark aardvark-dns iptables openssh-client; do
	[[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == 'install ok installed' ]] || need+=("$pkg")
done
if [[ ${#need[@]} -gt 0 ]]; then
	log "installing ${need[*]} with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	for attempt in 1 2 3 4 5 6; do
		if apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; then
			break
		fi
		[[ $attempt == 6 ]] && die "apt-get install ${need[*]} failed"
		log "apt-get failed (lock held or mirror busy), retrying in $((attempt * 10))s"
		sleep $((attempt * 10))
	done
fi
runc=$(command -v runc)
phase_done tools

# The rehearsal's own store; fd 9 holds its lock for the whole run and is
# closed for every command started (a container must not inherit it).
mkdir -p "$STORE"
exec 9>"$STORE/lock"
if ! flock -n 9; then
	log "another image rehearsal holds $STORE/lock; waiting for it"
	flock 9
fi
graph=$STORE/storage
pm() { podman --root "$graph" --runroot "$RUNROOT" --runtime "$runc" "$@" 9>&-; }
bah() { buildah --root "$graph" --runroot "$RUNROOT" "$@" 9>&-; }

# ---- leftovers of runs that died without cleaning up (kill -9) ----
# The store is the rehearsal's own and this run holds its lock: any
# container or volume in it is a leftover; images stay for reuse below.
# Networks live in podman's shared configuration: only those with the
# label and a name imr-PID whose process is gone are removed.
mapfile -t stale < <(pm ps -a --format '{{.Names}}' 2>/dev/null || true)
if [[ ${#stale[@]} -gt 0 ]]; then
	log "removing containers an earlier run left: ${stale[*]}"
	pm rm -f -t 0 "${stale[@]}" >/dev/null
fi
for net in $(pm network ls --filter "label=$LABEL" --format '{{.Name}}' 2>/dev/null || true); do
	pid=${net#"$PREFIX"-}
	[[ $pid =~ ^[0-9]+$ ]] || continue
	kill -0 "$pid" 2>/dev/null && continue
	log "removing the network $net an earlier run left"
	pm network rm -f "$net" >/dev/null
done
mapfile -t stale < <(pm volume ls --format '{{.Name}}' 2>/dev/null || true)
if [[ ${#stale[@]} -gt 0 ]]; then
	log "removing volumes an earlier run left: ${stale[*]}"
	pm volume rm -f "${stale[@]}" >/dev/null
fi
mapfile -t stale < <(pm images --format '{{.Repository}}:{{.Tag}}' --filter reference=localhost/mpitrain 2>/dev/null || true)
if [[ ${#stale[@]} -gt 0 ]]; then
	log "removing images an earlier run left: ${stale[*]}"
	pm rmi -f "${stale[@]}" >/dev/null
fi
tmproot=${TMPDIR:-/tmp}
for d in "$tmproot/$PREFIX"-*.*; do
	[[ -d $d ]] || continue
	pid=${d#"$tmproot/$PREFIX"-}
	pid=${pid%%.*}
	[[ $pid =~ ^[0-9]+$ ]] || continue
	kill -0 "$pid" 2>/dev/null || rm -rf -- "$d"
done

# ---- this run's names ----
id=$$
tmp=$(mktemp -d "$tmproot/$PREFIX-$id.XXXXXX")
net=$PREFIX-$id
volume=$PREFIX-$id-outputs
image=localhost/mpitrain:$PREFIX-$id
made_containers=()
made_networks=()
made_volumes=()
made_images=()
cleaned=0
declare -A host_of=() ip_of=() # container: its host name and address, recorded at its start

# cleanup removes what this run made, by name, and checks it is gone (e);
# it returns 1 when something is left.
cleanup() {
	local - t0 left=() removed=() c img
	[[ $cleaned == 1 ]] && return 0
	cleaned=1
	set +e
	t0=$(now)
	if [[ ${#made_containers[@]} -gt 0 ]]; then
		pm rm -f -t 0 "${made_containers[@]}" >/dev/null 2>&1
	fi
	for c in "${made_networks[@]}"; do pm network rm -f "$c" >/dev/null 2>&1; done
	for c in "${made_volumes[@]}"; do pm volume rm -f "$c" >/dev/null 2>&1; done
	if [[ $KEEP_IMAGES == 1 ]]; then
		for img in "${made_images[@]}"; do
			[[ $img == "$BASE_IMAGE" || $img == "$GOLANG_IMAGE" ]] && continue
			pm rmi -f "$img" >/dev/null 2>&1 && removed+=("$img")
		done
	else
		# the bases too, whether this run made them or found them kept
		for img in "${made_images[@]}" "$BASE_IMAGE" "$GOLANG_IMAGE"; do
			pm image exists "$img" 2>/dev/null && pm rmi -f "$img" >/dev/null 2>&1 && removed+=("$img")
		done
	fi
	# Verify, by name.
	for c in "${made_containers[@]}"; do pm container exists "$c" 2>/dev/null && left+=("container $c"); done
	for c in "${made_networks[@]}"; do pm network exists "$c" 2>/dev/null && left+=("network $c"); done
	for c in "${made_volumes[@]}"; do pm volume exists "$c" 2>/dev/null && left+=("volume $c"); done
	for img in "${made_images[@]}"; do
		if [[ $KEEP_IMAGES == 1 && ($img == "$BASE_IMAGE" || $img == "$GOLANG_IMAGE") ]]; then continue; fi
		pm image exists "$img" 2>/dev/null && left+=("image $img")
	done
	if [[ $KEEP_IMAGES == 0 && ${#left[@]} == 0 ]]; then
		# An empty store: remove it whole (its overlay folder may still be mounted).
		if [[ -n $(pm ps -aq 2>/dev/null) || -n $(pm images -q 2>/dev/null) ]]; then
			left+=("containers or images in $graph")
		else
			findmnt -rn -o TARGET | grep -E "^($STORE|$RUNROOT)(/|$)" | sort -r | while read -r m; do umount "$m"; done
			rm -rf --one-file-system -- "$STORE" "$RUNROOT"
			[[ -e $STORE ]] && left+=("the store $STORE")
		fi
	fi
	if [[ $KEEP_TMP == 1 ]]; then
		log "kept $tmp"
	else
		rm -rf -- "$tmp"
	fi
	if [[ ${#left[@]} == 0 ]]; then
		log "PASS e: removed ${#made_containers[@]} container(s), ${#made_networks[@]} network(s), ${#made_volumes[@]} volume(s) and the image(s) ${removed[*]:-none}$([[ $KEEP_IMAGES == 1 ]] && echo " (kept for the next run: $BASE_IMAGE $GOLANG_IMAGE)")$([[ $KEEP_IMAGES == 0 ]] && echo ", and the store $STORE") ($(since "$t0"))"
		return 0
	fi
	log "FAIL e: still there after cleanup: ${left[*]}"
	return 1
}
# shellcheck disable=SC2317 # run by the EXIT trap
on_exit() {
	local rc=$?
	cleanup || { [[ $rc == 0 ]] && rc=1; }
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

log "trainer $trainer, $go_version, store $graph, temporary folder $tmp, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- base: debian:bookworm-slim from this machine's apt sources ----
# A kept base is reused while the apt sources and this script are the same.
sources_sum=$(cat "$sources" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
have_label() { # image label value
	[[ $(pm image inspect --format "{{index .Labels \"$2\"}}" "$1" 2>/dev/null) == "$3" ]]
}
if have_label "$BASE_IMAGE" "$LABEL.sources" "$sources_sum"; then
	log "base: $BASE_IMAGE kept by an earlier run (KEEP_IMAGES=1), same apt sources"
else
	pm rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true
	log "base: mmdebstrap bookworm from $sources"
	# The official slim image's dpkg excludes; they stay in the image
	# (/etc/dpkg/dpkg.cfg.d) and apply to what later apt-get installs add.
	slim=()
	for p in /usr/share/doc/'*' /usr/share/groff/'*' /usr/share/info/'*' /usr/share/linda/'*' \
		/usr/share/lintian/overrides/'*' /usr/share/locale/'*' /usr/share/man/'*'; do
		slim+=(--dpkgopt="path-exclude=$p")
	done
	slim+=(--dpkgopt='path-include=/usr/share/doc/*/copyright')
	# and its dpkg speed-up (docker-apt-speedup): no fsync after each
	# file, which in a container layer only costs time; it also speeds up
	# every apt-get install of the builds below.
	slim+=(--dpkgopt=force-unsafe-io)
	# and its apt configuration: no .deb kept after an install, no
	# translations, compressed indexes
	mkdir "$tmp/apt.conf.d"
	clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"'
	printf '%s\n' "DPkg::Post-Invoke { $clean; };" "APT::Update::Post-Invoke { $clean; };" \
		'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' >"$tmp/apt.conf.d/docker-clean"
	echo 'Acquire::Languages "none";' >"$tmp/apt.conf.d/docker-no-languages"
	echo 'Acquire::GzipIndexes "true";' >"$tmp/apt.conf.d/docker-gzip-indexes"
	echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$tmp/apt.conf.d/docker-autoremove-suggests"
	# (with these in place mmdebstrap's clean-up no longer finds apt's
	# binary caches: they go by hand; mmdebstrap passes the root as $1)
	# shellcheck disable=SC2016
	extra=(--customize-hook="copy-in $(echo "$tmp"/apt.conf.d/*) /etc/apt/apt.conf.d/"
		--customize-hook='rm -f "$1"/var/cache/apt/*.bin')
	if grep -Eq 'https://' "$sources"; then
		# apt over https in the image needs CAs (the machine's, which may
		# include an inspecting egress's)
		extra+=(--include=ca-certificates --customize-hook='copy-in /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/')
	fi
	if ! mmdebstrap --quiet --variant=minbase "${slim[@]}" "${extra[@]}" bookworm "$tmp/base.tar" "$sources" >"$tmp/mmdebstrap.log" 2>&1; then
		cat "$tmp/mmdebstrap.log" >&2
		die "mmdebstrap failed"
	fi
	made_images+=("$BASE_IMAGE")
	pm import --quiet \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'CMD ["bash"]' \
		--change "LABEL $LABEL=base" --change "LABEL $LABEL.sources=$sources_sum" \
		"$tmp/base.tar" "$BASE_IMAGE" >/dev/null
	rm -f "$tmp/base.tar"
fi
[[ " ${made_images[*]} " == *" $BASE_IMAGE "* ]] || made_images+=("$BASE_IMAGE")
phase_done base

# ---- golang: golang:1.26-bookworm = the base + this machine's Go ----
goproxy=$("$GO" env GOPROXY)
goroot=$("$GO" env GOROOT)
golang_key=$(printf '%s\n' "$go_version" "$goproxy" "$(pm image inspect --format '{{.Id}}' "$BASE_IMAGE")" \
	"$(sha256sum </etc/ssl/certs/ca-certificates.crt)" "$(sha256sum <"${BASH_SOURCE[0]}")" | sha256sum | cut -c1-16)
build_flags=(--runtime "$runc" "${ULIMITS[@]}" --pull=never)
if have_label "$GOLANG_IMAGE" "$LABEL.key" "$golang_key"; then
	log "golang: $GOLANG_IMAGE kept by an earlier run (KEEP_IMAGES=1), same Go, GOPROXY, CAs and base"
else
	pm rmi -f "$GOLANG_IMAGE" >/dev/null 2>&1 || true
	log "golang: $BASE_IMAGE + $goroot ($go_version), GOPROXY=$goproxy"
	mkdir "$tmp/golang"
	cp /etc/ssl/certs/ca-certificates.crt "$tmp/golang/"
	cat >"$tmp/golang/Containerfile" <<EOF
FROM $BASE_IMAGE
ARG GOPROXY
# What the official golang image brings for a cgo build.
RUN apt-get update \\
    && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev make pkg-config \\
    && rm -rf /var/lib/apt/lists/*
# This machine's CA bundle: go mod download reaches the module proxy as the machine does.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=goroot . /usr/local/go
ENV GOLANG_VERSION=${go_version#go} GOTOOLCHAIN=local GOPATH=/go GOPROXY=\$GOPROXY \\
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
RUN go version
EOF
	made_images+=("$GOLANG_IMAGE")
	if ! bah bud "${build_flags[@]}" --build-context "goroot=$goroot" --build-arg "GOPROXY=$goproxy" \
		--label "$LABEL=golang" --label "$LABEL.key=$golang_key" \
		-t "$GOLANG_IMAGE" "$tmp/golang" >"$tmp/golang.log" 2>&1; then
		cat "$tmp/golang.log" >&2
		die "building $GOLANG_IMAGE failed"
	fi
fi
[[ " ${made_images[*]} " == *" $GOLANG_IMAGE "* ]] || made_images+=("$GOLANG_IMAGE")
phase_done golang

# ---- build: mpi-operator/Dockerfile, unchanged, context the repository root ----
dockerfile_sum=$(sha256sum <"$repo/mpi-operator/Dockerfile" | cut -c1-12)
cache_flags=()
gocache=$("$GO" env GOCACHE)
if [[ -d $gocache ]]; then
	cache_flags=(-v "$gocache:/root/.cache/go-build:O")
fi
log "build: buildah bud --pull=never --jobs 2 -f mpi-operator/Dockerfile $repo (Dockerfile sha256 $dockerfile_sum...)${cache_flags[*]:+, Go build cache $gocache as an overlay}"
made_images+=("$image")
if ! bah bud "${build_flags[@]}" --jobs 2 "${cache_flags[@]}" --label "$LABEL=mpitrain" \
	-f "$repo/mpi-operator/Dockerfile" -t "$image" "$repo" 2>&1 | stamp >"$tmp/build.log"; then
	tail -n 60 "$tmp/build.log" >&2
	die "building mpi-operator/Dockerfile failed"
fi
size=$(pm image inspect --format '{{.Size}}' "$image")
log "image $image: $(awk -v b="$size" 'BEGIN { printf "%.0f MB (%d bytes)", b / 1e6, b }')"
# The RUN steps that took 5 s or more, per stage: a step ends when the next
# step of its stage starts; the build stage's last one when the runtime
# stage starts after it or copies from it, the runtime stage's last one at
# the commit.
log "build steps: $(awk '
	function done(st, t) { if (cmd[st] != "" && t - start[st] >= 5) out[st] = out[st] sprintf(", %s %ds", cmd[st], t - start[st]); cmd[st] = "" }
	match($0, /\[[0-9]\/[0-9]\] STEP [0-9]+\/[0-9]+: /) {
		st = substr($0, RSTART + 1, 1); t = $1 + 0; rest = substr($0, RSTART + RLENGTH)
		split(substr($0, RSTART + 10, RLENGTH - 12), k, "/")
		if (st == 2 && (rest ~ /^COPY --from=build/ || k[1] == 1 && last[1])) done(1, t)
		last[st] = (k[1] == k[2])
		done(st, t); start[st] = t
		if (rest ~ /^RUN /) {
			# a name for the step: apt-get, or its first words (go mod download, go build)
			n = split(rest, w, / +/); c = ""
			for (i = 2; i <= n && i < 6; i++) {
				if (w[i] ~ /=/) continue
				c = c (c == "" ? "" : " ") w[i]
				if (w[i] ~ /^(apt-get|build|download|useradd|ssh-keygen|printf|chmod)$/) break
			}
			cmd[st] = c
		}
		next
	}
	/COMMIT/ { done(2, $1 + 0) }
	END { printf "build stage: %s; runtime stage: %s", substr(out[1], 3), substr(out[2], 3) }' "$tmp/build.log")"
phase_done build

# ---- the pods, as the operator would make them ----
(cd "$repo" && "$GO" build -o "$tmp/pods" ./mpi-operator/pods)
trainer_args="--epochs $EPOCHS --patience 0 --dtype float64 --no_plots"
render() { # RUN_ID file
	(cd "$repo" && "$tmp/pods" -workers "$WORKERS" -set "RUN_ID=$1" -trainer-args "$trainer_args" \
		-crd mpi-operator/testdata/kubeflow.org_mpijobs.yaml mpi-operator/base) >"$2"
}
render image-job-1 "$tmp/job1.pods"
render image-job-2 "$tmp/job2.pods"
values() { # file key: the values of key, one per line
	awk -F'\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print }' "$1"
}
value() { values "$@" | head -n 1; }
pods=$tmp/job1.pods
np=$(value "$pods" np)
[[ $np == $((WORKERS + 1)) && $(value "$pods" workers) == "$WORKERS" ]] ||
	die "the rendered job has $(value "$pods" workers) workers and -np $np, want $WORKERS and $((WORKERS + 1))"
job=$(value "$pods" job)
ssh_path=$(value "$pods" ssh-auth-mount-path)
hostfile_path=$(value "$pods" hostfile-path)
read -r claim claim_path claim_mode <<<"$(value "$pods" launcher.claim)"
[[ -n $claim_path ]] || die "the launcher mounts no claim"
log "job $job: launcher + $WORKERS workers, -np $np, hostfile: $(values "$pods" hostfile | paste -sd' ' | sed 's/ slots=/:/g')"

# The job's key Secret and the hostfile ConfigMap, as files.
mkdir -m 755 "$tmp/ssh" "$tmp/mpi"
ssh-keygen -q -t ecdsa -b 521 -m PEM -N '' -C "$job" -f "$tmp/ssh/key"
mapfile -t key_files < <(values "$pods" ssh-key-file)
[[ "${key_files[*]}" == "id_rsa id_rsa.pub authorized_keys" ]] || die "unexpected key file names: ${key_files[*]}"
cp "$tmp/ssh/key" "$tmp/ssh/id_rsa"
cp "$tmp/ssh/key.pub" "$tmp/ssh/id_rsa.pub"
cp "$tmp/ssh/key.pub" "$tmp/ssh/authorized_keys"
rm "$tmp/ssh/key" "$tmp/ssh/key.pub"
chmod 644 "$tmp/ssh"/*
values "$pods" hostfile >"$tmp/mpi/${hostfile_path##*/}"
chmod 444 "$tmp/mpi/${hostfile_path##*/}"

pm network create --subnet "$SUBNET" --label "$LABEL=network" "$net" >/dev/null ||
	die "podman network create --subnet $SUBNET failed (is the subnet used by another network? podman network ls)"
made_networks+=("$net")
made_volumes+=("$volume")
pm volume create --label "$LABEL=$claim" "$volume" >/dev/null
volume_dir=$(pm volume inspect --format '{{.Mountpoint}}' "$volume")
fs_group=$(value "$pods" launcher.fs-group)
if [[ -n $fs_group ]]; then # what the kubelet does to a volume for fsGroup
	chgrp "$fs_group" "$volume_dir"
	chmod 2775 "$volume_dir"
fi

# More ranks than cores: ranks must yield (see the header).
yield_env=()
if ((np > $(nproc))); then
	yield_env=(-e OMPI_MCA_mpi_yield_when_idle=1)
	log "$np ranks on $(nproc) cores: the launcher also gets OMPI_MCA_mpi_yield_when_idle=1"
fi

# run_pod CONTAINER-NAME PODS-FILE PREFIX [podman run flags...]: starts
# the pod PREFIX (launcher. or worker-I.) of PODS-FILE, detached.
run_pod() {
	local name=$1 file=$2 p=$3
	shift 3
	local flags=(--name "$name" --label "$LABEL=pod" --network "$net" "${ULIMITS[@]}"
		--hostname "$(value "$file" "${p}hostname")" --network-alias "$(value "$file" "${p}dns-name")"
		-v "$tmp/ssh:$ssh_path:ro")
	local uid gid cpus mem e argv
	uid=$(value "$file" "${p}uid")
	gid=$(value "$file" "${p}gid")
	[[ -n $uid ]] && flags+=(--user "$uid${gid:+:$gid}")
	cpus=$(value "$file" "${p}cpus")
	[[ -n $cpus ]] && flags+=(--cpus "$cpus")
	mem=$(value "$file" "${p}memory-bytes")
	[[ -n $mem ]] && flags+=(--memory "${mem}b")
	while IFS= read -r e; do flags+=(-e "$e"); done < <(values "$file" "${p}env")
	mapfile -t argv < <(values "$file" "${p}argv")
	made_containers+=("$name")
	if ! pm run -d "${flags[@]}" "$@" "$image" "${argv[@]}" >"$tmp/$name.run" 2>&1; then
		cat "$tmp/$name.run" >&2
		die "podman run $name failed"
	fi
	host_of[$name]=$(value "$file" "${p}hostname")
	ip_of[$name]=$(pm inspect --format "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$name" 2>/dev/null || true)
}
# wait_ready CONTAINER PORT: the readiness probe, a TCP connect from this machine.
wait_ready() {
	local a=${ip_of[$1]}
	for _ in $(seq 150); do
		timeout 1 bash -c "exec 3<>/dev/tcp/$a/$2" 2>/dev/null && return 0
		sleep 0.2
	done
	pm logs "$1" >&2 || true
	die "$1 does not answer on $a:$2"
}
launch() { # CONTAINER PODS-FILE [podman run flags...]: the launcher pod of PODS-FILE, detached
	run_pod "$1" "$2" launcher. "${yield_env[@]}" \
		-v "$tmp/mpi:${hostfile_path%/*}:ro" -v "$volume:$claim_path:$claim_mode" "${@:3}"
}
# finish CONTAINER SECONDS: waits for the container's end; prints its exit code.
finish() {
	local code
	if ! code=$(timeout "$2" podman --root "$graph" --runroot "$RUNROOT" wait "$1" 9>&-); then
		pm logs "$1" >&2 || true
		die "$1 did not end within $2 s"
	fi
	pm logs "$1" >"$tmp/$1.log" 2>&1 || true
	echo "$code"
}
worker=() # container names
for ((i = 0; i < WORKERS; i++)); do
	worker+=("$PREFIX-$id-worker-$i")
	run_pod "${worker[i]}" "$pods" "worker-$i."
done
for ((i = 0; i < WORKERS; i++)); do
	wait_ready "${worker[i]}" "$(value "$pods" "worker-$i.probe-port")"
done
log "network $net ($SUBNET), volume $volume at $claim_path, $WORKERS workers ready: sshd on port $(value "$pods" worker-0.probe-port) as uid $(value "$pods" worker-0.uid)"
phase_done pods

# expected_hosts CONTAINER...: "host/address" of each, in hostfile order.
expected_hosts() {
	local c
	for c in "$@"; do printf '%s/%s\n' "${host_of[$c]}" "${ip_of[$c]}"; done
}
config_hosts() { # run folder: config.json "hosts", one per line
	sed -n '/"hosts": \[/,/\]/p' "$1/config.json" | sed -n 's/^ *"\(.*\)",\{0,1\}$/\1/p'
}
# same_losses A B: train and val losses of two history.csv files, epoch by epoch, to 1e-9 relative.
same_losses() {
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
		printf "%d epochs, largest relative difference %.3g\n", n, worst
		exit (bad || worst > 1e-9)
	}' "$1" "$2"
}
fail=0
pass() { log "PASS $*"; }
flunk() {
	log "FAIL $*"
	fail=1
}

# ---- job 1: a whole run ----
launcher1=$PREFIX-$id-launcher-job1
t0=$(now)
launch "$launcher1" "$tmp/job1.pods"
code=$(finish "$launcher1" 900)
t_job1=$(since "$t0")
run1=$volume_dir/outputs/image-job-1
log "job 1: launcher exit $code ($t_job1): $(grep -m1 '^world:' "$tmp/$launcher1.log" | cut -d'|' -f1 || echo 'no world line')"
if [[ $code != 0 || ! -f $run1/history.csv ]]; then
	cat "$tmp/$launcher1.log" >&2
	die "FAIL: job 1 failed (exit $code)"
fi

# ---- the reference: the same trainer flags, plain local mpirun ----
mapfile -t argv < <(values "$tmp/job1.pods" launcher.argv)
for i in "${!argv[@]}"; do [[ ${argv[i]##*/} == trainer ]] && ti=$i; done
local_flags=()
for ((i = ti + 1; i < ${#argv[@]}; i++)); do
	case ${argv[i]} in
	--out | -out) local_flags+=("${argv[i]}" "$tmp/local") && i=$((i + 1)) ;;
	--run_id | -run_id) local_flags+=("${argv[i]}" local) && i=$((i + 1)) ;;
	*) local_flags+=("${argv[i]}") ;;
	esac
done
mapfile -t image_env < <(pm image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" | grep -E '^(OMPI|OPENBLAS)_')
mpirun_flags=(--allow-run-as-root)
((np > $(nproc))) && mpirun_flags+=(--oversubscribe)
t0=$(now)
if ! (cd "$tmp" && env -u OPENBLAS_CORETYPE "${image_env[@]}" timeout 600 mpirun "${mpirun_flags[@]}" -np "$np" \
	"$trainer" "${local_flags[@]}" >"$tmp/local.log" 2>&1); then
	cat "$tmp/local.log" >&2
	die "FAIL: the local reference run failed"
fi
t_local=$(since "$t0")
log "local reference: mpirun -np $np $trainer_arg ${local_flags[*]} with ${image_env[*]} ($t_local)"

# a. four ranks, four containers, uid 1000, the job's key
t0=$(now)
mapfile -t want < <(expected_hosts "$launcher1" "${worker[@]}")
mapfile -t got < <(config_hosts "$run1")
owner=$(stat -c %u "$run1")
ssh_ok=1
launcher_addr=${want[0]#*/}
for c in "${worker[@]}"; do
	# (the whole log first: grep -q ending the pipe early fails it under pipefail)
	pm logs "$c" >"$tmp/$c.log" 2>&1 || true
	grep -q "Accepted publickey for mpiuser from $launcher_addr " "$tmp/$c.log" || ssh_ok=0
done
distinct=$(printf '%s\n' "${got[@]%%/*}" | sort -u | wc -l)
if [[ "${got[*]}" == "${want[*]}" && ${#got[@]} == 4 && $distinct == 4 && $owner == "$(value "$pods" launcher.uid)" && $ssh_ok == 1 ]]; then
	pass "a: $np ranks on $distinct containers, in hostfile order: ${got[*]}; run folder owned by uid $owner; every sshd accepted the job's key ($(since "$t0"), job $t_job1)"
else
	flunk "a: config.json hosts (${got[*]:-none}), want (${want[*]}); run folder uid $owner; sshd key accepted by all: $ssh_ok"
fi

# b. same losses as the local run
if out=$(same_losses "$run1/history.csv" "$tmp/local/local/history.csv"); then
	pass "b: train and val losses equal the local mpirun -np $np ($out; job $t_job1, local $t_local)"
else
	flunk "b: losses differ from the local mpirun -np $np: $out"
fi

# ---- job 2: a worker killed mid-run ----
t0=$(now)
launcher2=$PREFIX-$id-launcher-job2
launch "$launcher2" "$tmp/job2.pods" "${SLOW[@]}"
run2=$volume_dir/outputs/image-job-2
ckpt=""
for ((n = 1; n <= 6000; n++)); do # 10 min
	ckpt=$(find "$run2/checkpoints" -maxdepth 1 -name 'ckpt-e*-s*.ckpt' 2>/dev/null | sort | head -n 1 || true)
	[[ -n $ckpt ]] && break
	if ((n % 20 == 0)) && [[ $(pm inspect --format '{{.State.Running}}' "$launcher2") != true ]]; then break; fi
	sleep 0.1
done
if [[ -z $ckpt ]]; then
	pm logs "$launcher2" >&2 || true
	die "FAIL c: job 2 wrote no checkpoint"
fi
t_kill=$(now)
pm kill --signal KILL "${worker[1]}" >/dev/null
code=$(finish "$launcher2" 120)
finished=$(pm inspect --format '{{.State.FinishedAt.UnixNano}}' "$launcher2")
secs=$(awk -v f="$finished" -v k="$t_kill" 'BEGIN { printf "%.1f", f / 1e9 - k }')
leftover=""
for _ in $(seq 20); do # orted and its rank end when their ssh session drops
	leftover=""
	for c in "${worker[0]}" "${worker[2]}"; do
		leftover+=$(pm top "$c" comm 2>/dev/null | grep -Ev '^(COMMAND|sshd)$' | paste -sd' ' || true)
	done
	[[ -z $leftover ]] && break
	sleep 0.5
done
completed=0
grep -q '^wrote ' "$tmp/$launcher2.log" && completed=1
if [[ $code != 0 && $completed == 0 ]] && awk -v s="$secs" -v l="$KILL_LIMIT" 'BEGIN { exit !(s <= l) }' && [[ -z $leftover ]]; then
	pass "c: podman kill --signal KILL ${worker[1]} after $(basename "$ckpt"): the launcher exited $code ${secs}s later (limit ${KILL_LIMIT}s), before the run completed; no rank left on the other workers ($(since "$t0"))"
else
	flunk "c: after the kill the launcher exited $code in ${secs}s (limit ${KILL_LIMIT}s), run completed: $completed, left on the other workers: ${leftover:-nothing}"
	tail -n 30 "$tmp/$launcher2.log"
fi

# ---- d. the worker again, then the launcher's retry ----
t0=$(now)
pm rm -f -t 0 "${worker[1]}" >/dev/null
run_pod "${worker[1]}" "$tmp/job2.pods" worker-1.
wait_ready "${worker[1]}" "$(value "$tmp/job2.pods" worker-1.probe-port)"
retry=$PREFIX-$id-launcher-job2-retry
launch "$retry" "$tmp/job2.pods" "${SLOW[@]}"
code=$(finish "$retry" 900)
resumed=$(grep -m1 '^resume: ' "$tmp/$retry.log" || true)
mapfile -t want < <(expected_hosts "$retry" "${worker[@]}")
mapfile -t got < <(config_hosts "$run2" 2>/dev/null || true)
if [[ $code == 0 && -n $resumed && "${got[*]}" == "${want[*]}" ]] && out=$(same_losses "$run2/history.csv" "$tmp/local/local/history.csv"); then
	pass "d: ${worker[1]} started again, the retry $retry exited 0: \"$resumed\"; losses equal the local run's ($out) ($(since "$t0"))"
else
	flunk "d: the retry exited $code; resumed: ${resumed:-no}; hosts (${got[*]:-none}), want (${want[*]}); losses: ${out:-not compared}"
	tail -n 30 "$tmp/$retry.log"
fi
phase_done runs

cleanup || fail=1
phase_done cleanup
log "timings: $(printf '%s, ' "${phases[@]}" | sed 's/, $//'); total $(since "$t_start"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $fail == 0 ]]; then
	log "PASS: the image built from mpi-operator/Dockerfile ($(awk -v b="$size" 'BEGIN { printf "%.0f MB", b / 1e6 }')) ran the MPIJob as a launcher and $WORKERS worker containers, and its retry resumed after a worker was killed"
	exit 0
fi
log "FAIL"
exit 1
