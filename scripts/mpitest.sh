#!/usr/bin/env bash
# Run packages' tests as every rank of an mpirun job, for several rank counts.
#
# Usage: scripts/mpitest.sh [NP...]        (default NP list: 2 3 4)
#   PKGS="./collective ./mlp" scripts/mpitest.sh 2 4
#
# For each package in PKGS (default "./collective") it builds the test binary
# once (go test -c) into a temporary directory, then for each NP runs
#   timeout 120 mpirun -np NP [--oversubscribe] [--allow-run-as-root] -x CI BINARY ...
# from the package's directory, as `go test` would. --oversubscribe is added
# when NP exceeds the cores available (nproc), --allow-run-as-root only when
# run as root: the same rules as collective/mpirun.Args. It prints one line
# per run, "mpitest: collective np=N ok (Xs)", and on the first failure prints
# that run's output and exits non-zero.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [[ $# -gt 0 ]]; then
	nps=("$@")
else
	nps=(2 3 4)
fi
read -r -a pkgs <<<"${PKGS:-./collective}"

for np in "${nps[@]}"; do
	if ! [[ $np =~ ^[1-9][0-9]*$ ]]; then
		echo "mpitest: NP must be a positive integer, got \"$np\"" >&2
		exit 2
	fi
done
if ! command -v mpirun >/dev/null; then
	echo "mpitest: mpirun not found on PATH; install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev)" >&2
	exit 1
fi

tmp=$(mktemp --directory)
trap 'rm -rf -- "$tmp"' EXIT

# Ranks see CI (set, possibly empty) so that tests which need mpirun fail
# under CI instead of skipping.
export CI="${CI:-}"
cores=$(nproc)

for pkg in "${pkgs[@]}"; do
	name=$(basename "$pkg")
	bin="$tmp/$name.test"
	go test -c -o "$bin" "$pkg"
	if [[ ! -x $bin ]]; then
		echo "mpitest: $pkg has no tests" >&2
		exit 1
	fi
	for np in "${nps[@]}"; do
		flags=(-np "$np")
		if ((np > cores)); then
			flags+=(--oversubscribe)
		fi
		if ((EUID == 0)); then
			flags+=(--allow-run-as-root)
		fi
		log="$tmp/$name.np$np.log"
		start=$(date +%s.%N)
		status=0
		(cd "$pkg" && timeout --kill-after=10s 120s \
			mpirun "${flags[@]}" -x CI "$bin" -test.count=1 -test.timeout=100s) >"$log" 2>&1 || status=$?
		secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
		if ((status != 0)); then
			cat "$log"
			if ((status == 124)); then
				echo "mpitest: $name np=$np timed out after 120s" >&2
			else
				echo "mpitest: $name np=$np FAILED with exit code $status (${secs}s)" >&2
			fi
			exit 1
		fi
		echo "mpitest: $name np=$np ok (${secs}s)"
	done
done
