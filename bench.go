// bench.go: `trainer bench`: where training stands against the machine's
// limits, for the named benchmark configurations, as machine-readable lines.
package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"time"

	"mpitrain/collective"
	"mpitrain/collective/cref"
	"mpitrain/data"
	"mpitrain/mlp"
	"mpitrain/mlp/cblas"
	"mpitrain/mlp/trace"
)

// benchConfig is a named benchmark configuration: a network and a global
// batch, trained on the embedded data. mlp's BenchmarkStep uses the same
// names and shapes.
type benchConfig struct {
	name  string
	arch  mlp.Config
	batch int
}

// benchConfigs are the named configurations of `trainer bench`, of
// scripts/bench.sh and of the README's performance table.
var benchConfigs = []benchConfig{
	// The trainer's default network: about 0.46 GFLOP per epoch of 3,531
	// training windows (forward and backward products).
	{"default", mlp.Config{In: 60, Hidden: []int{128, 128}, Out: 1, Act: mlp.ActReLU}, 128},
	// A network large enough for the products to dominate: about
	// 11.6 GFLOP per epoch.
	{"large", mlp.Config{In: 60, Hidden: []int{512, 512, 512}, Out: 1, Act: mlp.ActReLU}, 1024},
	// The LSTM of scripts/pytorch/time_lstm.py: 60 steps of one feature,
	// one layer of 64.
	{"lstm", mlp.Config{Model: mlp.ModelLSTM, In: 60, Features: 1, Hidden: []int{64}, Out: 1}, 128},
}

// The transformer of scripts/pytorch/time_transformer.py (d_model 64, 4
// heads, 2 layers, feed-forward 128), where this trainer has the model.
func init() {
	if slices.Contains(mlp.Models, mlp.ModelTransformer) {
		benchConfigs = append(benchConfigs, benchConfig{"transformer",
			mlp.Config{Model: mlp.ModelTransformer, In: 60, Features: 1, DModel: 64, Heads: 4, Layers: 2, FF: 128, Out: 1}, 128})
	}
}

// benchNames lists the configurations for messages: "default | large | ...".
func benchNames(sep string) string {
	var n []string
	for _, bc := range benchConfigs {
		n = append(n, bc.name)
	}
	return strings.Join(n, sep)
}

const benchUsage = `Usage: mpirun -np N ./trainer bench [flags]      (or ./trainer bench for one rank)
       ./trainer bench table RESULTS_DIR            (the table of scripts/bench.sh)
       ./trainer bench model [flags]                (the Allreduce cost model; -h)
       ./trainer bench peak                         (the 1024-sized GEMM peak alone)

Trains a named configuration on the embedded data with the trainer's
training loop and prints, from rank 0, one line of key=value pairs:
seconds per epoch, samples/s, GFLOP/s of the training step (forward and
backward products, mlp.Config.FLOPsPerSample), its share of the GEMM peak
(a 1024-sized GEMM on one core, measured on rank 0 after training), the
share of step time in Allreduce and the peak RSS of the largest rank.
Times are medians over the measured epochs of the slowest rank's time.

Configurations: default (60-128-128-1, global batch 128), large
(60-512-512-512-1, global batch 1024), lstm (one layer of 64 over the 60
steps, global batch 128) and, where the trainer has the model,
transformer (d_model 64, 4 heads, 2 layers, feed-forward 128, global
batch 128).

Every step's spans are recorded (--spans) as --trace records them, so the
line also has allreduce_us: the median over measured steps of the
shortest time any rank spent in that step's Allreduce (the communication
itself; the other ranks' excess is wait_share; with the sharded update,
the sum of the rank's own slice). With --trace FILE the clocks are
aligned and the timeline is written as trainer --trace does.
allreduce= says how the gradients were summed: shard (the shared-memory
window, each rank updating its 1/N of the parameters), shm (the window's
whole sum), mpi (MPI_Allreduce: --allreduce mpi, or ranks on several
hosts) or none (one rank); allreduce_flag= is what --allreduce asked
(auto, the default, chooses shard or shm by the gradient's size).

With --c_reference (an MLP configuration, float32, two ranks or more,
--allreduce shm or mpi), each rank also runs, after each epoch, the C
reference loop in its own process (collective/cref): the buffer zeroed,
the configuration's forward and backward GEMMs on its shard, the same
sum (the window's, or MPI_Allreduce), the finite check and Adam's pass
over the parameters, all in C, as many calls as the epoch had steps. The line
then has c_allreduce_us, the same statistic for the C calls: the median
over calls of the fastest rank's time. Both sides run on the same cores
and the same window, so allreduce_us / c_allreduce_us is the Go side's
own cost. Epoch, CPU and context-switch figures leave the C calls out,
and 30 ms of Go code after each C loop lets the Go runtime's monitor
settle as it was before it (see settleSysmon in bench.go).

The training loop's sums, its clock reads and its GEMMs are direct calls
on linux/amd64: their C code runs on a C stack of its own, without cgo's
system-call protocol, so the Go runtime neither retakes the rank's P
during them nor starts a thread on the cores the ranks are using
(collective.SetDirectCalls, package collective/direct).
--direct_calls=false makes them cgo calls, to measure what that buys;
direct_calls= on the line says which ran.

Flags (-flag and --flag are the same):
`

// benchOptions are the flags of `trainer bench`.
type benchOptions struct {
	config   string
	dtype    string
	epochs   int
	warmup   int
	peakN    int
	peakReps int
	spans    bool
	trace    string
	yield    time.Duration
	sum      string // --allreduce: auto | shm | shard | mpi
	cref     bool   // --c_reference: the C loop after each epoch
	direct   bool   // --direct_calls: the sums, clock reads and GEMMs as direct calls
}

func parseBenchFlags(args []string, out io.Writer) (benchOptions, error) {
	o := benchOptions{config: "default", dtype: "float32", epochs: 20, warmup: 2, peakN: 1024, peakReps: 7, spans: true, yield: 5 * time.Millisecond, sum: "auto", direct: true}
	fs := newFlagSet("trainer bench", benchUsage, out)
	fs.StringVar(&o.config, "config", o.config, "named configuration: "+benchNames(" | "))
	fs.StringVar(&o.dtype, "dtype", o.dtype, "element type: float32 | float64")
	fs.IntVar(&o.epochs, "epochs", o.epochs, "epochs measured")
	fs.IntVar(&o.warmup, "warmup", o.warmup, "epochs run first and not measured")
	fs.IntVar(&o.peakN, "peak_n", o.peakN, "size n of the n x n x n GEMM whose speed is the peak (0 = skip the peak)")
	fs.IntVar(&o.peakReps, "peak_reps", o.peakReps, "timed GEMMs of the peak; their median counts")
	fs.BoolVar(&o.spans, "spans", o.spans, "record every step's spans (for allreduce_us and wait_share); --spans=false measures the loop without them")
	fs.StringVar(&o.trace, "trace", o.trace, "also write the timeline to `FILE` (Chrome trace-event JSON, as trainer --trace)")
	fs.DurationVar(&o.yield, "yield", o.yield, "how often the training loop yields to the Go scheduler, as the trainer does every 5ms; 0 never (to measure what the yield does)")
	fs.StringVar(&o.sum, "allreduce", o.sum, "how the ranks sum gradients on one host, as trainer --allreduce: auto | shm | shard | mpi")
	fs.BoolVar(&o.cref, "c_reference", o.cref, "after each epoch, time the same sum in a C loop doing the step's GEMMs, in this process (c_allreduce_us; MLP configurations, float32, --allreduce shm or mpi, 2 ranks or more)")
	fs.BoolVar(&o.direct, "direct_calls", o.direct, "make the training loop's sums, clock reads and GEMMs direct calls where the platform has them (linux/amd64); false: cgo calls (to measure what direct calls buy)")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, usagef("bench: unexpected argument %q (see trainer bench -h)", fs.Arg(0))
	case lookupBench(o.config) == nil:
		return o, usagef("--config %q: want %s", o.config, benchNames(", "))
	case o.dtype != "float32" && o.dtype != "float64":
		return o, usagef("--dtype %q: want float32 or float64", o.dtype)
	case o.epochs < 1:
		return o, usagef("--epochs %d: must be positive", o.epochs)
	case o.warmup < 0:
		return o, usagef("--warmup %d: must be >= 0", o.warmup)
	case o.peakN < 0 || o.peakN > 8192:
		return o, usagef("--peak_n %d: want 0..8192", o.peakN)
	case o.peakReps < 1:
		return o, usagef("--peak_reps %d: must be positive", o.peakReps)
	case o.trace != "" && !o.spans:
		return o, usagef("--trace needs --spans")
	case o.yield < 0 || o.yield > time.Minute:
		return o, usagef("--yield %v: want 0 (never) to 1m", o.yield)
	case o.sum != "auto" && o.sum != "shm" && o.sum != "shard" && o.sum != "mpi":
		return o, usagef("--allreduce %q: want auto, shm, shard or mpi", o.sum)
	case o.cref && lookupBench(o.config).arch.Kind() != mlp.ModelMLP:
		return o, usagef("--c_reference: the C loop does an MLP's GEMMs; --config %s is not an MLP", o.config)
	case o.cref && o.dtype != "float32":
		return o, usagef("--c_reference: the C loop sums float32; not --dtype %s", o.dtype)
	case o.cref && o.sum != "shm" && o.sum != "mpi":
		return o, usagef("--c_reference compares the whole sum: use it with --allreduce shm or mpi, not %s", o.sum)
	}
	return o, nil
}

// benchArchFlags are the trainer flags that build bc's network.
func benchArchFlags(bc benchConfig) []string {
	a := bc.arch
	switch a.Kind() {
	case mlp.ModelLSTM:
		return []string{"--model", a.Kind(), "--hidden_dim", fmt.Sprint(a.Hidden[0]), "--num_layers", fmt.Sprint(len(a.Hidden))}
	case mlp.ModelTransformer:
		return []string{"--model", a.Kind(), "--hidden_dim", fmt.Sprint(a.DModel), "--num_layers", fmt.Sprint(a.Layers),
			"--heads", fmt.Sprint(a.Heads), "--ff_dim", fmt.Sprint(a.FF)}
	}
	return []string{"--layers", joinInts(a.Hidden, ",")}
}

func lookupBench(name string) *benchConfig {
	for i := range benchConfigs {
		if benchConfigs[i].name == name {
			return &benchConfigs[i]
		}
	}
	return nil
}

// benchMain is `trainer bench`. Every rank parses the same flags; rank 0
// reports a bad one (the others end quietly). A failure after start-up
// ends the whole job.
func benchMain(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "table":
			if len(args) != 2 {
				return usagef("usage: trainer bench table RESULTS_DIR (the folder scripts/bench.sh fills)")
			}
			return benchTable(args[1], stdout)
		case "model":
			return costModelMain(args[1:], stdout)
		case "peak":
			// The GEMM peak alone, without MPI: scripts/bench.sh runs it with
			// OPENBLAS_CORETYPE unset to show what OpenBLAS's own kernel
			// choice reaches beside the kernels the table ran with.
			if len(args) != 1 {
				return usagef("usage: trainer bench peak")
			}
			s, d := gemmPeak(1024, 7)
			fmt.Fprintf(stdout, "peak n=1024 sgemm_gflops=%.2f dgemm_gflops=%.2f blas=%q\n", s, d, cblas.Name())
			return nil
		}
	}
	comm, err := collective.Init()
	if err != nil {
		return err
	}
	setLiveComm(comm)
	w := newWorld(comm, stdout, stderr)
	helpOut := io.Discard
	if w.root {
		helpOut = stdout
	}
	o, err := parseBenchFlags(args, helpOut)
	if err == nil && o.cref && comm.Size() < 2 {
		err = usagef("--c_reference needs 2 ranks or more (one rank sums nothing): start it with mpirun -np 2")
	}
	if err != nil {
		_ = comm.Finalize()
		if !w.root {
			return errHelp // rank 0 reports it
		}
		return err
	}
	line, err := runBench(w, o)
	if err != nil {
		w.fatal(err)
	}
	w.printf("%s\n", line)
	return comm.Finalize()
}

// benchResult is what one rank measured, in seconds per epoch.
type benchResult struct {
	epoch, step, allreduce []float64 // per measured epoch
	cSum                   []float64 // --c_reference: each C sum's seconds, measured epochs
	cpu                    []float64 // this process's CPU time (user + system) per measured epoch
	switches               float64   // context switches (voluntary + involuntary) per measured step
	samples                int       // training samples per epoch, all ranks
	sum                    string    // --allreduce as resolved for this gradient: shm, shard or mpi
	rec                    *trace.Recorder
	clock                  traceClock
}

// runBench trains the configuration and returns rank 0's report line.
func runBench(w *world, o benchOptions) (string, error) {
	bc := lookupBench(o.config)
	cfg := defaultConfig()
	if err := cfg.resolveModel(nil); err != nil {
		return "", err
	}
	cfg.DType, cfg.BatchSize, cfg.Epochs, cfg.Patience = o.dtype, bc.batch, o.warmup+o.epochs, 0
	cfg.Window, cfg.Horizon = bc.arch.In, bc.arch.Out
	s, err := data.LoadEmbedded(cfg.Column)
	if err != nil {
		return "", err
	}
	ds, err := data.Prepare(s, cfg.dataOptions())
	if err != nil {
		return "", err
	}
	defer mlp.SetYieldPeriod(mlp.SetYieldPeriod(o.yield))
	defer collective.SetDirectCalls(collective.SetDirectCalls(o.direct))
	var r benchResult
	if o.dtype == "float64" {
		r, err = benchTrain[float64](w, bc, cfg, ds, o)
	} else {
		r, err = benchTrain[float32](w, bc, cfg, ds, o)
	}
	if err != nil {
		return "", err
	}
	// How the gradients were summed: the window is used for every SUM or
	// for none (ranks on one host, SetSharedSum), so one more says.
	sum := "none" // one rank: nothing to sum
	if w.comm.Size() > 1 {
		if err := w.comm.Allreduce64([]float64{0}, collective.Sum); err != nil {
			return "", err
		}
		sum = "mpi"
		if collective.SharedSum(w.comm) {
			sum = r.sum // shm or shard
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return "", fmt.Errorf("getrusage: %w", err)
	}
	rss := float64(ru.Maxrss) / 1024 // Linux reports KiB

	// Every rank's per-epoch times and RSS, to rank 0's statistics.
	size, n := w.comm.Size(), len(r.epoch)
	mine := slices.Concat(r.epoch, r.step, r.allreduce, []float64{rss, benchMedian(r.cpu), r.switches})
	all := make([]float64, size*len(mine))
	if err := w.comm.Allgather64(mine, all); err != nil {
		return "", err
	}
	// The C loop's calls: per call the fastest rank's time (every rank
	// made the same calls), as allreduce_us is for the training loop's.
	cUS := 0.0
	if o.cref {
		if err := w.comm.Allreduce64(r.cSum, collective.Min); err != nil {
			return "", err
		}
		cUS = benchMedian(r.cSum) * 1e6
	}
	epoch, step, share := make([]float64, n), make([]float64, n), make([]float64, n)
	rssMax, cpuMax, swMax := 0.0, 0.0, 0.0
	for rank := 0; rank < size; rank++ {
		row := all[rank*len(mine) : (rank+1)*len(mine)]
		for e := 0; e < n; e++ {
			epoch[e] = max(epoch[e], row[e])
			step[e] = max(step[e], row[n+e])
			if row[n+e] > 0 {
				share[e] += row[2*n+e] / row[n+e] / float64(size)
			}
		}
		rssMax, cpuMax, swMax = max(rssMax, row[3*n]), max(cpuMax, row[3*n+1]), max(swMax, row[3*n+2])
	}

	// The steps' spans: the fastest rank's time in each Allreduce and the
	// others' wait, over the measured epochs.
	arUS, waitShare, stepUS := 0.0, 0.0, 0.0
	if o.spans {
		spans, dropped, err := gatherTrace(w, r.rec, r.clock)
		if err != nil {
			return "", err
		}
		if w.root {
			arUS, waitShare, stepUS = spanStats(spans, o.warmup)
			if o.trace != "" {
				info := map[string]any{"config": bc.name, "model": describeArch(bc.arch), "dtype": o.dtype, "global_batch": bc.batch}
				if err := writeTraceFile(w, o.trace, spans, dropped, info); err != nil {
					return "", err
				}
			}
		}
	}

	// The peak: rank 0 alone, after training (its buffers would count in
	// the RSS above), while the other ranks wait.
	var sPeak, dPeak float64
	if o.peakN > 0 {
		if w.root {
			sPeak, dPeak = gemmPeak(o.peakN, o.peakReps)
		}
		if err := w.comm.Barrier(); err != nil {
			return "", err
		}
	}

	fwd, bwd := bc.arch.FLOPsPerSample()
	flops := float64((fwd + bwd) * int64(r.samples))
	epochS, stepS := benchMedian(epoch), benchMedian(step)
	gflops := flops / stepS / 1e9
	peak := sPeak
	if o.dtype == "float64" {
		peak = dPeak
	}
	peakShare := 0.0
	if peak > 0 {
		peakShare = gflops / (float64(size) * peak)
	}
	return fmt.Sprintf("bench config=%s arch=%s dtype=%s np=%d batch=%d epochs=%d warmup=%d samples=%d gflop_per_epoch=%.4f "+
		"epoch_s=%.6f step_s=%.6f samples_per_s=%.0f step_gflops=%.2f sgemm_peak_gflops=%.2f dgemm_peak_gflops=%.2f "+
		"peak_share=%.4f allreduce_share=%.4f allreduce_us=%.2f wait_share=%.4f step_median_us=%.2f cpu_epoch_s=%.6f switches_per_step=%.3f spans=%v yield=%v direct_calls=%v allreduce=%s allreduce_flag=%s c_reference=%v c_allreduce_us=%.2f rss_mib=%.1f blas=%q",
		bc.name, strings.ReplaceAll(bc.arch.String(), " ", "-"), o.dtype, size, bc.batch, o.epochs, o.warmup, r.samples, flops/1e9,
		epochS, stepS, float64(r.samples)/epochS, gflops, sPeak, dPeak,
		peakShare, benchMedian(share), arUS, waitShare, stepUS, cpuMax, swMax, o.spans, o.yield, collective.DirectCalls(), sum, o.sum, o.cref, cUS, rssMax, cblas.Name()), nil
}

// spanStats returns, over the epochs after the first warmup ones, the
// median over steps of the Allreduce spans' length in microseconds (after
// trace.Merge, the fastest rank's time in that step's call), the share of
// the ranks' step time spent waiting in the Allreduce, and the median over
// steps of the step's length (the longest rank's), in microseconds: unlike
// the epoch's time, a median step is not stretched by the few steps during
// which the OS ran other work.
func spanStats(spans []trace.Span, warmup int) (allreduceUS, waitShare, stepUS float64) {
	var ar []float64
	var wait, steps float64
	type key struct{ epoch, step int32 }
	longest := map[key]float64{}
	for _, s := range spans {
		if int(s.Epoch) <= warmup {
			continue
		}
		switch s.Kind {
		case trace.Allreduce:
			if s.Rank == 0 {
				ar = append(ar, (s.End-s.Start)*1e6)
			}
		case trace.Wait:
			wait += s.End - s.Start
		case trace.Step:
			steps += s.End - s.Start
			k := key{s.Epoch, s.Step}
			longest[k] = max(longest[k], (s.End-s.Start)*1e6)
		}
	}
	if steps > 0 {
		waitShare = wait / steps
	}
	var st []float64
	for _, d := range longest {
		st = append(st, d)
	}
	return benchMedian(ar), waitShare, benchMedian(st)
}

// benchTrain trains with mlp.Train exactly as the trainer does and returns
// this rank's times of the epochs after the warm-up ones.
func benchTrain[T mlp.Float](w *world, bc *benchConfig, cfg Config, ds *data.Dataset, o benchOptions) (benchResult, error) {
	rank, size := w.comm.Rank(), w.comm.Size()
	if cfg.BatchSize < size {
		return benchResult{}, fmt.Errorf("bench: global batch %d is smaller than the %d ranks", cfg.BatchSize, size)
	}
	net, err := mlp.NewModel[T](bc.arch, mlp.ShardRows(cfg.BatchSize, size))
	if err != nil {
		return benchResult{}, err
	}
	net.Init(cfg.Seed)
	train, val := toSplit[T](ds.Train), toSplit[T](ds.Val)
	shards := func(epoch int) [][]int {
		return data.Shards(train.N, cfg.BatchSize, cfg.Seed, epoch, rank, size)
	}
	var r benchResult
	var hooks mlp.Hooks[T]
	if o.spans {
		if o.trace != "" {
			if r.clock, err = alignClocks(w); err != nil {
				return r, err
			}
		}
		r.rec = newTraceRecorder(cfg.Epochs, len(shards(0)))
		hooks.Trace = r.rec
	}
	r.sum = resolveSum(o.sum, len(net.Params()), elemSize[T]())
	reducer := newReducer(w.comm, r.sum)
	// --c_reference: the C loop of the same sum, after each epoch.
	var ref *cref.Loop
	var refErr error
	if o.cref {
		a := bc.arch
		widths := slices.Concat([]int{a.In}, a.Hidden, []int{a.Out})
		if ref, err = cref.New(w.comm, widths, mlp.ShardRows(cfg.BatchSize, size), mlp.ReduceLen(len(net.Params())), r.sum == "shm"); err != nil {
			return r, err
		}
		defer ref.Free()
		ref.Update = true // zero the buffer, check and Adam's pass, as the step does
	}
	// This process's CPU time and context switches at the start and end
	// of each epoch (the C loop runs between the two).
	var each []float64 // the C loop's times of one epoch
	if ref != nil {
		each = make([]float64, len(shards(0)))
	}
	starts := make([]syscall.Rusage, 1, cfg.Epochs+1)
	ends := make([]syscall.Rusage, 0, cfg.Epochs)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &starts[0])
	hooks.OnEpoch = func(mlp.EpochStats, *mlp.Trainer[T], *mlp.Progress[T]) {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		ends = append(ends, ru)
		if ref != nil && refErr == nil {
			epoch := len(ends) - 1
			n := len(shards(epoch)) // the same every epoch: the data's steps
			if n > len(each) {
				each = make([]float64, n)
			}
			refErr = ref.Run(each[:n])
			if epoch >= o.warmup {
				r.cSum = append(r.cSum, each[:n]...)
			}
			settleSysmon()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		}
		starts = append(starts, ru)
	}
	res, _, err := mlp.Run(net, train, val, shards, reducer, cfg.trainConfig(), nil, hooks)
	if err == nil {
		err = refErr
	}
	if err != nil {
		return r, err
	}
	warmup := o.warmup
	cpuS := func(u syscall.Rusage) float64 {
		return float64(syscall.TimevalToNsec(u.Utime)+syscall.TimevalToNsec(u.Stime)) / 1e9
	}
	steps, switches := 0, int64(0)
	for i, h := range res.History[min(warmup, len(res.History)):] {
		r.epoch = append(r.epoch, h.Seconds)
		r.step = append(r.step, h.Compute+h.Allreduce)
		r.allreduce = append(r.allreduce, h.Allreduce)
		r.samples = h.Samples
		if e := warmup + i; e < len(ends) {
			r.cpu = append(r.cpu, cpuS(ends[e])-cpuS(starts[e]))
			switches += ends[e].Nvcsw + ends[e].Nivcsw - starts[e].Nvcsw - starts[e].Nivcsw
		}
		steps += len(shards(warmup + i))
	}
	if len(r.epoch) == 0 {
		return r, fmt.Errorf("bench: training stopped after %d epochs, before the measured ones", len(res.History))
	}
	if steps > 0 {
		r.switches = float64(switches) / float64(steps)
	}
	return r, nil
}

// crefSettle is how long settleSysmon runs Go code.
const crefSettle = 30 * time.Millisecond

// settleSysmon runs Go code, and no cgo call, for crefSettle. The C loop
// is one cgo call of tens of milliseconds; the runtime's monitor (sysmon)
// retakes the P of a call that long, which puts it back on its shortest
// nap (20 us), and at GOMAXPROCS 1 it then retakes the P of every GEMM
// longer than a few naps, which keeps it there: the next epochs of the
// training loop ran with 7 times the context switches per step and a 5-8%
// longer median step at the large configuration (mlp's
// BenchmarkSysmonAfterLongCall shows the same on one core). Go code without
// calls gives it nothing to retake, so its naps grow back to 10 ms, as
// they were before the C loop; 20 ms of it brought the switches and the
// step back to those of a run without --c_reference (README), and 30 ms
// leaves a margin.
func settleSysmon() {
	for t := time.Now(); time.Since(t) < crefSettle; {
	}
}

// gemmPeak returns the median GFLOP/s of reps n x n x n SGEMMs and DGEMMs
// (C = A*B, row-major, one warm-up call each) through package cblas: with
// OpenBLAS, the speed its kernels reach on this core, the limit the
// training step's products are measured against.
func gemmPeak(n, reps int) (sgemm, dgemm float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	a32, b32, c32 := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	a64, b64, c64 := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	for i := range a32 {
		a32[i], b32[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		a64[i], b64[i] = float64(a32[i]), float64(b32[i])
	}
	flop := 2 * float64(n) * float64(n) * float64(n)
	rate := func(f func()) float64 {
		f()
		v := make([]float64, reps)
		for i := range v {
			t := time.Now()
			f()
			v[i] = flop / time.Since(t).Seconds() / 1e9
		}
		return benchMedian(v)
	}
	sgemm = rate(func() { cblas.Sgemm(false, false, n, n, n, 1, a32, n, b32, n, 0, c32, n) })
	dgemm = rate(func() { cblas.Dgemm(false, false, n, n, n, 1, a64, n, b64, n, 0, c64, n) })
	return sgemm, dgemm
}

// benchMedian is the median of v (the mean of the middle two for an even
// count); v is not modified.
func benchMedian(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
