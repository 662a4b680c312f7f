#!/usr/bin/env bash
# abstep.sh: CPU time per float32 training step (mlp.BenchmarkStep) of two
# commits side by side, for a before/after of one change.
#
# Usage: scripts/abstep.sh BEFORE AFTER [ROUNDS]      (ROUNDS default 3)
#   e.g. scripts/abstep.sh e7ce93c^ e7ce93c
#
# Each commit's tree is exported (git archive) into a temporary directory
# and its mlp test binary built there; the working tree is not touched.
# Every round runs both binaries, alternating, at the default (3,000 steps)
# and large (40 steps) configurations, pinned to core 0, and reads the
# user+system CPU time of the whole process from /usr/bin/time: CPU time,
# not wall time, so that other work on the machine stretches neither side.
# The setup (model, synthetic data, one step) is counted too, the same on
# both sides. It prints one line per round and configuration, then the
# median over rounds of the after/before ratio.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [[ $# -lt 2 || $# -gt 3 ]]; then
	echo "usage: scripts/abstep.sh BEFORE AFTER [ROUNDS]" >&2
	exit 2
fi
before=$1 after=$2 rounds=${3:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "abstep: ROUNDS must be a positive integer" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "abstep: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
eval "$(bash scripts/blasenv.sh)"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

for side in before after; do
	rev=${!side}
	mkdir -p "$tmp/$side"
	git archive "$rev" | tar -x -C "$tmp/$side"
	(cd "$tmp/$side" && go test -c -o "$tmp/$side.test" ./mlp/)
done

# cpu SIDE CONFIG STEPS: CPU microseconds per step of that binary.
cpu() {
	local s
	s=$({ /usr/bin/time -f '%U %S' "${pin[@]}" "$tmp/$1.test" -test.run=NONE \
		-test.bench="^BenchmarkStep\$/^$2\$" -test.benchtime="$3x" -test.count=1 >/dev/null; } 2>&1 | tail -n1)
	awk -v s="$s" -v n="$3" 'BEGIN { split(s, a, " "); printf "%.1f", (a[1] + a[2]) * 1e6 / n }'
}

echo "abstep: $before -> $after, CPU us per float32 step (mlp.BenchmarkStep), $rounds rounds"
: >"$tmp/ratios"
for r in $(seq "$rounds"); do
	for c in default:3000 large:40; do
		IFS=: read -r config steps <<<"$c"
		b=$(cpu before "$config" "$steps")
		a=$(cpu after "$config" "$steps")
		echo "round=$r config=$config before_us=$b after_us=$a"
		echo "$config $b $a" >>"$tmp/ratios"
	done
done
# median FILE: the median of the numbers in FILE, one a line.
median() {
	sort -g "$1" | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'
}
for config in default large; do
	awk -v c="$config" '$1 == c { print $2 }' "$tmp/ratios" >"$tmp/b"
	awk -v c="$config" '$1 == c { print $3 }' "$tmp/ratios" >"$tmp/a"
	awk -v c="$config" '$1 == c { print $3 / $2 }' "$tmp/ratios" >"$tmp/x"
	awk -v c="$config" -v b="$(median "$tmp/b")" -v a="$(median "$tmp/a")" -v x="$(median "$tmp/x")" -v n="$rounds" \
		'BEGIN { printf "%s: %.1f -> %.1f us per step (medians); after/before %.3f (median of %d rounds), %+.1f%%\n", c, b, a, x, n, 100 * (x - 1) }'
done
