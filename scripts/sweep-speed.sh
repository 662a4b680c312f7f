#!/usr/bin/env bash
# sweep-speed.sh: what packing a sweep into one MPI job buys. Times the same
# runs (scripts/grids/speed.grid: 8 configurations x 5 seeds of the default
# network, 50 epochs with early stopping) two ways, side by side in one run:
#
#   sweep  mpirun -np NP trainer sweep --grid_file GRID --group_size 1
#   loop   one `mpirun -np NP trainer FLAGS` after another, as a hand loop does
#
# and prints both wall times, their ratio (goal: at most 0.5) and the sweep's
# packing efficiency (busy rank-seconds over NP x wall seconds; goal: at
# least 90%).
#
# Usage: scripts/sweep-speed.sh [TRAINER]      (default TRAINER: ./trainer)
# Settings (environment, default in brackets):
#   NP      ranks of both                         [2]
#   GRID    the grid file                         [scripts/grids/speed.grid]
#   KEEP    1: keep the runs' folder              [0]
# --oversubscribe is added when NP exceeds the cores, --allow-run-as-root
# when run as root.
set -euo pipefail

NP=${NP:-2}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GRID=${GRID:-$repo/scripts/grids/speed.grid}
KEEP=${KEEP:-0}
trainer=$(realpath "${1:-./trainer}")

die() { echo "sweep-speed: $*" >&2; exit 1; }
[[ $# -le 1 && ${1:-} != -h && ${1:-} != --help ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
[[ -x $trainer ]] || die "$trainer is not an executable (make build)"
[[ -r $GRID ]] || die "GRID=$GRID is not readable"
[[ $NP =~ ^[1-9][0-9]*$ ]] || die "NP must be a positive integer"
command -v mpirun >/dev/null || die "mpirun not found (make deps)"

flags=(-np "$NP")
((NP > $(nproc))) && flags+=(--oversubscribe)
((EUID == 0)) && flags+=(--allow-run-as-root)
eval "$(bash "$repo/scripts/blasenv.sh")"
read -r -a blas <<<"$(bash "$repo/scripts/blasenv.sh" --mpirun-flags)"

tmp=$(mktemp -d)
[[ $KEEP == 1 ]] || trap 'rm -rf -- "$tmp"' EXIT
now() { date +%s.%N; }

# The loop: the grid's cross product, one mpirun each, the same flags the
# sweep gives its runs.
mapfile -t runs < <("$trainer" sweep --grid_file "$GRID" --out "$tmp/plan" --list_runs)
[[ ${#runs[@]} -gt 0 ]] || die "the grid lists no runs"
echo "sweep-speed: ${#runs[@]} runs at np $NP, $(nproc) cores; the loop first, then the sweep"
t0=$(now)
for r in "${runs[@]}"; do
	read -r -a args <<<"$r"
	mpirun "${flags[@]}" "${blas[@]}" "$trainer" "${args[@]}" --out "$tmp/loop" --quiet >/dev/null
done
t1=$(now)
mpirun "${flags[@]}" "${blas[@]}" "$trainer" sweep --grid_file "$GRID" --group_size 1 --out "$tmp/sweep" >"$tmp/sweep.log"
t2=$(now)
grep -E '^sweep: [0-9]+ of [0-9]+ runs done' "$tmp/sweep.log" || die "the sweep did not finish: $(tail -3 "$tmp/sweep.log")"
eff=$(grep -oE 'packing efficiency [0-9.]+%' "$tmp/sweep.log" | grep -oE '[0-9.]+')
awk -v l="$t1" -v l0="$t0" -v s="$t2" -v eff="$eff" -v n="${#runs[@]}" -v np="$NP" 'BEGIN {
	loop = l - l0; sweep = s - l; r = sweep / loop
	printf "sweep-speed: loop of %d mpirun jobs %.1f s, one sweep job %.1f s: ratio %.2f (goal <= 0.5) %s\n", n, loop, sweep, r, (r <= 0.5 ? "PASS" : "MISS")
	printf "sweep-speed: packing efficiency %.1f%% (goal >= 90%%) %s\n", eff, (eff >= 90 ? "PASS" : "MISS")
}'
