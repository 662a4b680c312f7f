#!/usr/bin/env bash
# costmodel.sh: measure what the Allreduce cost model needs, fit it and
# project step time and parallel efficiency to 1..64 ranks on 10, 25 and
# 100 Gb/s networks (`trainer bench model`, formula in costmodel.go).
#
# Usage (as root, from anywhere): scripts/costmodel.sh
#
# Settings (environment, default in brackets):
#   REPEATS   runs of each `trainer bench` point; medians are kept   [3]
#   OUT       output folder        [results/costmodel-<UTC time>]
#
# Steps:
#   1. builds trainer and scripts/allreduce_bench.c (mpicc) into a temporary
#      folder;
#   2. MPI_Allreduce at np 2 over shared memory, 8 B to 8 MiB;
#   3. the same over TCP between two network namespaces joined by a veth
#      pair, 198.19.0.1 and 198.19.0.2 on 198.19.0.0/24 (a range set aside
#      for benchmarking; nothing is routed out of the pair). mpirun runs in
#      the first namespace and starts the second rank's orted with
#      `ip netns exec` in place of ssh (plm_rsh_agent), with --mca btl tcp,self and
#      both btl and oob limited to the subnet. Ranks there use
#      mpi_yield_when_idle 1: two busy-polling ranks on this 2-core machine
#      starve the kernel's TCP processing (8-byte Allreduce 190 us instead of
#      21 us), which separate hosts would not;
#   4. `trainer bench` (float32, both configurations) at np 1, 2 and 4 on
#      shared memory (np 4 oversubscribes the 2 cores) and at np 2 over TCP,
#      all summing with MPI_Allreduce (--allreduce mpi), the collective the
#      model describes, also where the ranks share a host and the trainer
#      would otherwise sum through a shared-memory window;
#   5. `trainer bench model`: fit, projection table, check against step 4,
#      OUT/costmodel.txt and OUT/projected-scaling.png.
# On exit, also on failure or Ctrl-C, the namespaces, the veth pair and the
# temporary folder are removed. Takes about 2 minutes.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
REPEATS=${REPEATS:-3}
OUT=${OUT:-results/costmodel-$(date -u +%Y%m%d-%H%M%S)}
[[ $REPEATS =~ ^[1-9][0-9]*$ ]] || { echo "costmodel: REPEATS must be a positive integer" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "costmodel: run as root: it creates network namespaces" >&2; exit 1; }
for tool in go mpirun mpicc ip; do
	command -v "$tool" >/dev/null || { echo "costmodel: $tool not found" >&2; exit 1; }
done
log() { printf 'costmodel: %s\n' "$*" >&2; }

# Namespaces of an earlier run that was killed outright (its pid is gone).
for ns in $(ip netns list | awk '$1 ~ /^mpcm-[0-9]+-[ab]$/ { print $1 }'); do
	pid=${ns#mpcm-}
	pid=${pid%-*}
	if ! kill -0 "$pid" 2>/dev/null; then
		ip netns del "$ns" 2>/dev/null || true
	fi
done

tmp=$(mktemp -d)
nsA=mpcm-$$-a
nsB=mpcm-$$-b
cleanup() {
	for ns in "$nsA" "$nsB"; do
		if ip netns list | grep -q "^$ns\b"; then
			for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT"
out=$(cd "$OUT" && pwd)
eval "$(bash scripts/blasenv.sh)"
read -r -a xflags <<<"$(bash scripts/blasenv.sh --mpirun-flags)"

log "building trainer and allreduce_bench into $tmp"
CGO_ENABLED=1 go build -trimpath -o "$tmp/trainer" .
mpicc -O3 -o "$tmp/allreduce_bench" scripts/allreduce_bench.c -lopenblas -lm

# counts of floats and iterations: about 10-50 ms per timed repetition
sizes=(2:4000 256:4000 4096:2000 24451:1000 65536:500 262144:200 557059:100 2097152:30)

log "MPI_Allreduce over shared memory, np 2"
: >"$out/allreduce-shm.txt"
for s in "${sizes[@]}"; do
	mpirun --allow-run-as-root -np 2 "$tmp/allreduce_bench" "${s%:*}" "${s#*:}" 5 float >>"$out/allreduce-shm.txt"
done

log "network namespaces $nsA (198.19.0.1) and $nsB (198.19.0.2), veth pair"
ip netns add "$nsA"
ip netns add "$nsB"
ip link add "mpcm$$a" type veth peer name "mpcm$$b"
ip link set "mpcm$$a" netns "$nsA"
ip link set "mpcm$$b" netns "$nsB"
ip -n "$nsA" addr add 198.19.0.1/24 dev "mpcm$$a"
ip -n "$nsB" addr add 198.19.0.2/24 dev "mpcm$$b"
for ns in "$nsA" "$nsB"; do
	ip -n "$ns" link set lo up
done
ip -n "$nsA" link set "mpcm$$a" up
ip -n "$nsB" link set "mpcm$$b" up
cat >"$tmp/netns-rsh.sh" <<EOF
#!/bin/sh
# ssh stand-in for mpirun: run the command in the namespace that holds the address
host=\$1; shift
case \$host in
198.19.0.1) ns=$nsA ;;
198.19.0.2) ns=$nsB ;;
*) echo "netns-rsh: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" /bin/sh -c "\$*"
EOF
chmod +x "$tmp/netns-rsh.sh"
printf '198.19.0.1 slots=1\n198.19.0.2 slots=1\n' >"$tmp/hosts"
tcprun() {
	timeout 300 ip netns exec "$nsA" mpirun --allow-run-as-root --hostfile "$tmp/hosts" -np 2 --bind-to none \
		--mca plm_rsh_agent "$tmp/netns-rsh.sh" --mca btl tcp,self \
		--mca btl_tcp_if_include 198.19.0.0/24 --mca oob_tcp_if_include 198.19.0.0/24 \
		--mca mpi_yield_when_idle 1 "$@"
}

log "MPI_Allreduce over TCP between the namespaces, np 2"
: >"$out/allreduce-tcp.txt"
for s in "${sizes[@]}"; do
	tcprun "$tmp/allreduce_bench" "${s%:*}" "${s#*:}" 5 float | grep '^allreduce ' >>"$out/allreduce-tcp.txt"
done

: >"$out/measured.txt"
for r in $(seq "$REPEATS"); do
	for config in default large; do
		epochs=30
		[[ $config == large ]] && epochs=6
		for np in 1 2 4; do
			log "round $r/$REPEATS: trainer bench --config $config, np $np, shared memory"
			flags=(--allow-run-as-root "${xflags[@]}" -np "$np")
			((np > $(nproc))) && flags+=(--oversubscribe)
			mpirun "${flags[@]}" "$tmp/trainer" bench --config "$config" --epochs "$epochs" --peak_n 0 --allreduce mpi >>"$out/measured.txt"
		done
		log "round $r/$REPEATS: trainer bench --config $config, np 2, TCP"
		tcprun "${xflags[@]}" "$tmp/trainer" bench --config "$config" --epochs "$epochs" --peak_n 0 --allreduce mpi |
			sed -n 's/^bench .*/& net=tcp-veth/p' >>"$out/measured.txt"
	done
done

log "fitting and projecting"
"$tmp/trainer" bench model --shm "$out/allreduce-shm.txt" --tcp "$out/allreduce-tcp.txt" \
	--measured "$out/measured.txt" --out "$out"
echo "wrote $out/costmodel.txt and $out/projected-scaling.png"
