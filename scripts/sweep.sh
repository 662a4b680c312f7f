#!/usr/bin/env bash
# sweep.sh: scaling sweep of the trainer over rank counts and batch sizes,
# strong and weak, each point repeated; then summary.csv, the charts and
# report.md via `trainer plot scaling`.
#
# Usage: scripts/sweep.sh            (or: make sweep)
#
# Every setting is an environment variable (default in brackets):
#   TRAINER   trainer binary                              [./trainer]
#   NPS       rank counts                                 [1 2 4]
#   BATCHES   batch sizes: the global batch for strong
#             scaling, the per-rank batch for weak        [128 1024]
#   MODES     strong (fixed global batch) and/or weak
#             (fixed per-rank batch, global = batch * np) [strong weak]
#             A weak point whose global batch exceeds the training
#             windows (the trainer would cut it to them) is skipped, with
#             the larger np of that batch, and says so.
#   REPEATS   runs per point; the median is kept          [3]
#   EPOCHS    epochs per run                              [5]
#   DTYPE     float32 | float64                           [float32]
#   LAYERS    hidden layer widths                         [128,128]
#   RESULTS   parent folder                               [results]
#   SWEEP_ID  sweep folder name                           [sweep-<UTC time>]
#   MPIRUN    mpirun command                              [mpirun]
#   COSTMODEL 1: also fit the Allreduce cost model and project
#             to 64 ranks (scripts/costmodel.sh; needs root
#             for its network namespaces; about a minute)    [1 as root, else 0]
# Ranks beyond the machine's cores are oversubscribed (--oversubscribe);
# --allow-run-as-root is added only when run as root.
#
# Output: RESULTS/SWEEP_ID/runs/<mode>-b<batch>-np<np>-r<repeat>/ (one run
# folder each), RESULTS/SWEEP_ID/{summary.csv,scaling.png,breakdown.png,report.md}
# and, with COSTMODEL=1, RESULTS/SWEEP_ID/costmodel/{costmodel.txt,projected-scaling.png}.
set -euo pipefail

TRAINER=${TRAINER:-./trainer}
NPS=${NPS:-"1 2 4"}
BATCHES=${BATCHES:-"128 1024"}
MODES=${MODES:-"strong weak"}
REPEATS=${REPEATS:-3}
EPOCHS=${EPOCHS:-5}
DTYPE=${DTYPE:-float32}
LAYERS=${LAYERS:-128,128}
RESULTS=${RESULTS:-results}
SWEEP_ID=${SWEEP_ID:-sweep-$(date -u +%Y%m%d-%H%M%S)}
MPIRUN=${MPIRUN:-mpirun}
if [[ $EUID == 0 ]]; then COSTMODEL=${COSTMODEL:-1}; else COSTMODEL=${COSTMODEL:-0}; fi

die() { echo "sweep: $*" >&2; exit 1; }
[[ -x $TRAINER ]] || die "TRAINER=$TRAINER is not an executable (run make build)"
command -v "$MPIRUN" >/dev/null || die "$MPIRUN not found (run make deps)"
for v in $NPS $BATCHES $REPEATS $EPOCHS; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: $v"
done
for m in $MODES; do
	[[ $m == strong || $m == weak ]] || die "MODES: $m is neither strong nor weak"
done

dir="$RESULTS/$SWEEP_ID"
[[ ! -e $dir ]] || die "$dir already exists; choose another SWEEP_ID"
mkdir -p "$dir/runs"
cores=$(nproc)

total=0
for _ in $MODES; do for _ in $BATCHES; do for _ in $NPS; do total=$((total + REPEATS)); done; done; done
echo "sweep: $total runs into $dir (modes: $MODES; batches: $BATCHES; np: $NPS; $REPEATS repeats of $EPOCHS epochs)"

n=0
start=$SECONDS
for mode in $MODES; do
	for batch in $BATCHES; do
		capped=0
		for np in $NPS; do
			if ((capped)); then
				echo "sweep: [skip] $mode-b$batch-np$np: global batch $((batch * np)) exceeds the training windows"
				continue
			fi
			global=$batch
			[[ $mode == weak ]] && global=$((batch * np))
			flags=(-np "$np")
			((np > cores)) && flags+=(--oversubscribe)
			((EUID == 0)) && flags+=(--allow-run-as-root)
			for r in $(seq 1 "$REPEATS"); do
				n=$((n + 1))
				id="$mode-b$batch-np$np-r$r"
				printf 'sweep: [%d/%d] %-26s global batch %5d ... ' "$n" "$total" "$id" "$global"
				if ! out=$("$MPIRUN" "${flags[@]}" "$TRAINER" \
					--epochs "$EPOCHS" \
					--batch_size "$global" \
					--layers "$LAYERS" \
					--dtype "$DTYPE" \
					--patience 0 \
					--seed 1 \
					--tag "$mode" \
					--out "$dir/runs" \
					--run_id "$id" \
					--no_plots \
					--quiet 2>&1); then
					echo "FAILED"
					echo "$out" >&2
					exit 1
				fi
				# A weak-scaling batch beyond the training windows is cut to
				# them by the trainer: that run is no longer weak scaling, so
				# it is dropped with the larger np of this batch.
				windows=$(sed -n 's/.*exceeds the \([0-9]*\) training windows.*/\1/p' <<<"$out" | head -n1)
				if [[ $mode == weak && -n $windows ]]; then
					rm -rf -- "${dir:?}/runs/$id"
					echo "skipped: the global batch $global exceeds the $windows training windows (weak scaling of batch $batch ends here)"
					capped=1
					break
				fi
				grep -o 'time: [0-9.]*s total, [0-9]* samples/s' <<<"$out" || echo "done"
			done
		done
	done
done
echo "sweep: runs took $((SECONDS - start)) s"
if [[ $COSTMODEL == 1 ]]; then
	echo "sweep: cost model (scripts/costmodel.sh) into $dir/costmodel"
	OUT="$dir/costmodel" bash "$(dirname "${BASH_SOURCE[0]}")/costmodel.sh" >"$dir/costmodel.log" 2>&1 ||
		die "scripts/costmodel.sh failed; see $dir/costmodel.log"
fi
"$TRAINER" plot scaling "$dir"
echo "sweep: open $dir/report.md"
