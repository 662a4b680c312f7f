#!/usr/bin/env bash
# bench.sh: every performance target of the trainer, measured side by side in
# one run, printed as ONE table with the measured figure and PASS or MISS.
#
# Usage: scripts/bench.sh            (or: make bench)
#
# Settings (environment, default in brackets):
#   REPEATS   rounds of the mpirun measurements; medians are kept      [5]
#   COUNT     -count of the Go benchmarks (benchstat needs >= 6)        [6]
#   RESULTS   folder that keeps the raw results and table.md
#             [results/bench-<UTC time>]
#
#   TORCH     the python with PyTorch 1.13 for the reference timings   [/usr/bin/python3]
#
# What runs (every round alternates the variants, so a disturbance from
# other work on the machine hits them alike, and starts the np 2 variants
# of a configuration one further than the round before):
#   1. go test -bench 'Step' -benchmem in mlp/ (the training step at both
#      configurations, float32 and float64: GFLOP/s and allocations), COUNT
#      times, summarized by benchstat; and BenchmarkEpochTrace (epochs
#      alternately with and without recording spans: the cost of --trace);
#   2. per round, under mpirun -np 2: the Go binding's BenchmarkAllreduce
#      and BenchmarkAllreduceNoYield (collective/) and
#      scripts/allreduce_bench.c, built with mpicc, at the gradient sizes of
#      both configurations (24,451 and 557,059 floats), the C loop also
#      with a step's working set written between its calls, and with the
#      GEMMs of a np 2 training step of the configuration between its calls
#      (the reference of the training loop's Allreduce), that one both with
#      MPI_Allreduce and with the trainer's shared-memory sum
#      (collective/shm.h);
#   3. per round: `trainer bench` for both MLP configurations (float32) at
#      np 1 and np 2: s/epoch, GFLOP/s, share of the float32 GEMM peak (a
#      1024-sized sgemm, measured in the same run), Allreduce share, the
#      fastest rank's time in each step's Allreduce (allreduce_us), RSS;
#      the default at np 2 once more without recording spans
#      (--spans=false: what recording costs); both at np 2 once more with
#      the window's whole sum (--allreduce shm: against the C figure of
#      step 2), once more with the sharded update (--allreduce shard:
#      what it buys against shm; --allreduce auto, the default, picks one
#      of the two by the gradient's size), once more summing with
#      MPI_Allreduce (--allreduce mpi); and three times with the C
#      reference loop in the same processes after each epoch
#      (--c_reference: the step's GEMMs, passes over the parameters and
#      the same sum, all C; c_allreduce_us beside allreduce_us, Go against
#      C on the same vCPUs): with shm, with mpi, with shm and the loop's
#      periodic yield off (--yield 0), and with shm and the sums as cgo
#      calls instead of direct ones (--direct_calls=false, for context);
#      the LSTM (and the transformer, where the trainer has it) at np 1;
#   4. per round, when $TORCH has torch: PyTorch's epoch of the same large
#      MLP, LSTM and transformer, one thread, the same OpenBLAS
#      (scripts/pytorch/time_*.py), on one core as the np 1 runs;
#   5. per round: the GEMM peak alone with OPENBLAS_CORETYPE unset, to show
#      OpenBLAS's own kernel choice beside the one the table ran with;
#   6. `trainer bench table`: the table of targets, and one of the runs.
# The sweep's packing speed (scripts/sweep-speed.sh, about 3 minutes) is
# not part of it: `make sweepspeed` runs it.
# Every result line carries its round; a ratio of two figures (Go / C,
# np 1 / np 2) is the median over rounds of the ratio within the round.
# OpenBLAS: scripts/blasenv.sh decides OPENBLAS_CORETYPE (it keeps a value
# already set) and every OPENBLAS_* variable goes to the ranks with -x.
# Takes about 9 minutes on 2 cores. Exits non-zero only if something
# failed to run, not on a MISS.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

REPEATS=${REPEATS:-5}
COUNT=${COUNT:-6}
RESULTS=${RESULTS:-results/bench-$(date -u +%Y%m%d-%H%M%S)}
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
TORCH=${TORCH:-/usr/bin/python3}

[[ $REPEATS =~ ^[1-9][0-9]*$ ]] || { echo "bench: REPEATS must be a positive integer" >&2; exit 2; }
[[ $COUNT =~ ^[1-9][0-9]*$ ]] || { echo "bench: COUNT must be a positive integer" >&2; exit 2; }
for tool in go mpirun mpicc; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found (scripts/deps.sh installs OpenMPI)" >&2; exit 1; }
done

mkdir -p "$RESULTS"
out=$(cd "$RESULTS" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
log() { printf 'bench: %s\n' "$*" >&2; }

eval "$(bash scripts/blasenv.sh)"
read -r -a xflags <<<"$(bash scripts/blasenv.sh --mpirun-flags)"
mpiflags=()
if ((EUID == 0)); then
	mpiflags+=(--allow-run-as-root)
fi

log "building trainer, test binaries and allreduce_bench into $tmp"
CGO_ENABLED=1 go build -trimpath -o "$tmp/trainer" .
go test -c -o "$tmp/mlp.test" ./mlp/
go test -c -o "$tmp/collective.test" ./collective/
mpicc -O3 -o "$tmp/allreduce_bench" scripts/allreduce_bench.c -lopenblas -lm

{
	echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(uname -sr)"
	echo "go: $(go version | cut -d' ' -f3-); MPI: $(mpirun --version 2>/dev/null | head -n1); BLAS: $("$tmp/trainer" bench --epochs 1 --warmup 0 --peak_n 0 2>/dev/null | sed -n 's/.*blas="\(.*\)"$/\1/p')"
	echo "OpenBLAS environment: $(env | grep '^OPENBLAS_' | sort | tr '\n' ' ')"
	echo "rounds: $REPEATS (mpirun measurements, medians), Go benchmark count: $COUNT"
} >"$out/system.txt"

log "Go benchmarks of the training step (count $COUNT)"
(cd mlp && "$tmp/mlp.test" -test.run=NONE -test.bench='^BenchmarkStep(64)?$' -test.benchmem \
	-test.count="$COUNT" -test.benchtime=0.5s) >"$out/mlp.txt"
log "Go benchmark of recording spans: epochs alternately with and without (count $COUNT)"
(cd mlp && "$tmp/mlp.test" -test.run=NONE -test.bench='^BenchmarkEpochTrace$' -test.benchmem \
	-test.count="$COUNT" -test.benchtime=200x) >"$out/mlp-trace.txt"
go run "$BENCHSTAT" "$out/mlp.txt" >"$out/benchstat.txt" 2>&1 || log "benchstat failed; see $out/benchstat.txt"

: >"$out/allreduce-go.txt"
: >"$out/allreduce-c.txt"
: >"$out/train.txt"
: >"$out/peak-own-choice.txt"
: >"$out/pytorch.txt"
torch=0
if [[ -x $TORCH ]] && "$TORCH" -c 'import torch' 2>/dev/null; then
	torch=1
else
	echo "bench: skipping the PyTorch comparisons: $TORCH has no torch (apt-get install python3-torch)" | tee "$out/pytorch-skipped.txt" >&2
fi
# The model names the trainer knows, for the transformer's rows.
models=$("$tmp/trainer" bench -h 2>&1 | sed -n 's/.*named configuration: \([a-z |]*\).*/\1/p')
has_transformer=0
[[ $models == *transformer* ]] && has_transformer=1
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
# pytorch NAME SCRIPT ARGS...: one PyTorch timing, as a key=value line.
pytorch() {
	local name=$1 script=$2
	shift 2
	"${pin[@]}" env OPENBLAS_NUM_THREADS=1 "$TORCH" "$script" "$@" >"$tmp/torch.txt" 2>&1 || { log "$script failed"; cat "$tmp/torch.txt" >&2; return 0; }
	local line
	line=$(grep -E 'median (epoch|of epochs)' "$tmp/torch.txt" | tail -n1)
	local wall cpu
	wall=$(sed -nE 's/.*median epoch ([0-9.]+) s.*/\1/p; s/.*: ([0-9.]+) s per epoch.*/\1/p' <<<"$line")
	cpu=$(sed -nE 's/.*\(([0-9.]+) s CPU\).*/\1/p; s/.*CPU ([0-9.]+) s\).*/\1/p' <<<"$line")
	echo "pytorch model=$name epoch_s=$wall cpu_epoch_s=$cpu round=$r" >>"$out/pytorch.txt"
}
for r in $(seq "$REPEATS"); do
	log "round $r/$REPEATS: Allreduce, Go and C, np 2"
	# name:count:iterations:bytes:widths:rows. Iterations: about 30-50 ms
	# per timed repetition of the hot loop. Bytes: what one np 2 training
	# step writes besides the Allreduce (parameters, gradients and Adam's
	# two moments, 16 bytes per parameter at float32, and a 64- or 512-row
	# shard's activations and inputs): default 24,449 x 16 + 64 x (2 x 256
	# + 1 + 60) x 4, large 557,057 x 16 + 512 x (2 x 1536 + 1 + 60) x 4.
	# Widths and rows: the configuration's MLP and a np 2 shard of its
	# global batch. The C loop is run hot (back to back), with that many
	# bytes written between calls, and with the step's GEMMs between calls,
	# as the training loop's Allreduce follows them.
	for s in 8B:2:20000:0:: default:24451:2000:537856:60,128,128,1:64 large:557059:200:15330464:60,512,512,512,1:512; do
		IFS=: read -r name count iters evict widths rows <<<"$s"
		rm -rf "$tmp/ar"
		(cd collective && mpirun "${mpiflags[@]}" -np 2 --output-filename "$tmp/ar" "$tmp/collective.test" \
			-test.run=NONE -test.bench="^BenchmarkAllreduce(NoYield)?\$/^${name}_" -test.benchtime="${iters}x" -test.count=3) >/dev/null
		sed -n "s/^Benchmark/round=$r &/p" "$tmp"/ar/1/rank.0/stdout >>"$out/allreduce-go.txt"
		mpirun "${mpiflags[@]}" -np 2 "$tmp/allreduce_bench" "$count" "$iters" 3 float |
			sed "s/\$/ round=$r/" >>"$out/allreduce-c.txt"
		if ((evict > 0)); then
			mpirun "${mpiflags[@]}" -np 2 "$tmp/allreduce_bench" "$count" "$iters" 3 float "$evict" |
				sed "s/\$/ round=$r/" >>"$out/allreduce-c.txt"
		fi
		if [[ -n $widths ]]; then
			# the GEMMs of a np 2 training step between the calls, on one
			# OpenBLAS thread as the trainer runs them
			mpirun "${mpiflags[@]}" "${xflags[@]}" -x OPENBLAS_NUM_THREADS=1 -np 2 "$tmp/allreduce_bench" "$count" "$iters" 3 float 0 "$widths" "$rows" |
				sed "s/\$/ round=$r/" >>"$out/allreduce-c.txt"
			# the same loop summing through the trainer's shared-memory
			# window (collective/shm.h), the trainer's default on one host
			mpirun "${mpiflags[@]}" "${xflags[@]}" -x OPENBLAS_NUM_THREADS=1 -np 2 "$tmp/allreduce_bench" "$count" "$iters" 3 float 0 "$widths" "$rows" shm |
				sed "s/\$/ round=$r/" >>"$out/allreduce-c.txt"
		fi
	done
	env -u OPENBLAS_CORETYPE "$tmp/trainer" bench peak >>"$out/peak-own-choice.txt"
	for np in 1 2; do
		for config in default large; do
			epochs=40
			[[ $config == large ]] && epochs=8
			# At np 2 the variants of a configuration run one after the
			# other, starting one further in each round: a variant's place
			# in the round (the first np 2 run after the np 1 ones measured
			# up to 5% slower at large) is spread over all of them. The
			# default (no flag) also measures the GEMM peak after training.
			variants=("")
			if [[ $np == 2 ]]; then
				variants+=("--allreduce shm" "--allreduce shard" "--allreduce mpi"
					"--allreduce shm --c_reference" "--allreduce mpi --c_reference" "--yield 0 --allreduce shm --c_reference"
					"--allreduce shm --c_reference --direct_calls=false")
				[[ $config == default ]] && variants+=("--spans=false")
			fi
			n=${#variants[@]}
			for ((i = 0; i < n; i++)); do
				read -r -a vargs <<<"${variants[(i + r - 1) % n]}"
				((${#vargs[@]} > 0)) && vargs+=(--peak_n 0)
				# The Go-vs-C runs compare medians of the sums themselves:
				# at large, 8 epochs are 24 measured steps, so these runs
				# take 24 epochs (88 steps, and as many C calls).
				vepochs=$epochs
				[[ $config == large && " ${vargs[*]} " == *" --c_reference "* ]] && vepochs=24
				log "round $r/$REPEATS: trainer bench --config $config, np $np ${vargs[*]}"
				mpirun "${mpiflags[@]}" "${xflags[@]}" -np "$np" "$tmp/trainer" bench --config "$config" \
					--epochs "$vepochs" --warmup 2 "${vargs[@]}" | sed "s/\$/ round=$r/" >>"$out/train.txt"
			done
		done
	done
	if ((torch)); then
		log "round $r/$REPEATS: PyTorch, large MLP"
		pytorch large scripts/pytorch/time_mlp.py --config large --epochs 4 --warmup 1
	fi
	seq_models=(lstm)
	((has_transformer)) && seq_models+=(transformer)
	for m in "${seq_models[@]}"; do
		log "round $r/$REPEATS: trainer bench --config $m, np 1"
		mpirun "${mpiflags[@]}" "${xflags[@]}" -np 1 "$tmp/trainer" bench --config "$m" \
			--epochs 3 --warmup 1 --peak_n 0 | sed "s/\$/ round=$r/" >>"$out/train.txt"
		if ((torch)); then
			log "round $r/$REPEATS: PyTorch, $m"
			if [[ $m == lstm ]]; then
				pytorch lstm scripts/pytorch/time_lstm.py --epochs 3 --warmup 1
			else
				# its first epoch is the warm-up; PyTorch's transformer epoch
				# is seconds long
				pytorch transformer scripts/pytorch/time_transformer.py --epochs 2
			fi
		fi
	done
done

"$tmp/trainer" bench table "$out" | tee "$out/table.md"
echo
echo "benchstat of the training step (mlp.BenchmarkStep, float32 and float64):"
cat "$out/benchstat.txt"
echo
echo "raw results: $out"
