#!/usr/bin/env bash
# hpsweep.sh: hyperparameter sweeps from committed grid files, each packed
# into one MPI job (`trainer sweep`), and the README's forecast table made
# from what they found.
#
# Usage: scripts/hpsweep.sh [GRID_FILE...]      (or: make hpsweep)
#   default GRID_FILEs: scripts/grids/forecast-mlp.grid,
#   forecast-lstm.grid and forecast-transformer.grid, the README's table.
#
# Settings (environment, default in brackets):
#   TRAINER     trainer binary                                    [./trainer]
#   NP          ranks of each sweep                               [2]
#   GROUP_SIZE  ranks per group (each group trains one run)       [1]
#   RESULTS     parent folder of the sweeps                       [results]
#   FLAGS       trainer flags for every run, split on blanks      [--no_plots]
#
# Each grid file G writes RESULTS/hpsweep-<name of G>/ (runs/, summary.csv,
# report.md, charts); running the script again continues unfinished sweeps
# and skips finished runs. At the end it prints, for every grid, its
# configurations ranked by median validation MAE over seeds, the selected
# one marked, with test MAE and RMSE in index points against persistence:
# the rows of the README's forecast table.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRAINER=${TRAINER:-./trainer}
NP=${NP:-2}
GROUP_SIZE=${GROUP_SIZE:-1}
RESULTS=${RESULTS:-results}
read -r -a flags <<<"${FLAGS:---no_plots}"
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
fi
grids=("$@")
[[ ${#grids[@]} -gt 0 ]] || grids=("$repo/scripts/grids/forecast-mlp.grid" "$repo/scripts/grids/forecast-lstm.grid" "$repo/scripts/grids/forecast-transformer.grid")

die() { echo "hpsweep: $*" >&2; exit 1; }
[[ -x $TRAINER ]] || die "TRAINER=$TRAINER is not an executable (run make build)"
command -v mpirun >/dev/null || die "mpirun not found (run make deps)"
[[ $NP =~ ^[1-9][0-9]*$ && $GROUP_SIZE =~ ^[1-9][0-9]*$ ]] || die "NP and GROUP_SIZE must be positive integers"
for g in "${grids[@]}"; do [[ -r $g ]] || die "grid file $g is not readable"; done

mpi=(-np "$NP")
((NP > $(nproc))) && mpi+=(--oversubscribe)
((EUID == 0)) && mpi+=(--allow-run-as-root)
eval "$(bash "$repo/scripts/blasenv.sh")"
read -r -a blas <<<"$(bash "$repo/scripts/blasenv.sh" --mpirun-flags)"

dirs=()
for g in "${grids[@]}"; do
	name=$(basename "$g" .grid)
	dir="$RESULTS/hpsweep-$name"
	dirs+=("$dir")
	echo "hpsweep: $g -> $dir"
	start=$(date +%s)
	mpirun "${mpi[@]}" "${blas[@]}" "$TRAINER" sweep --grid_file "$g" --group_size "$GROUP_SIZE" --out "$dir" "${flags[@]}"
	echo "hpsweep: $name took $(($(date +%s) - start)) s"
done
for i in "${!dirs[@]}"; do
	echo
	echo "### $(basename "${grids[$i]}") ($(grep -c . "${dirs[$i]}/summary.csv" | awk '{print $1 - 1}') runs, ${dirs[$i]}/report.md)"
	echo
	"$TRAINER" plot sweep "${dirs[$i]}" --table
done
