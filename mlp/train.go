// The data-parallel training loop: one SUM Allreduce per step, the same
// optimizer step on every rank, validation from reduced partial sums.
package mlp

import (
	"errors"
	"fmt"
	"math"

	"mpitrain/mlp/trace"
)

// extra is the number of elements after the gradients in a step's reduce
// buffer: the shard's SSE, its row count and the stop flag.
const extra = 3

// ReduceLen is the length of a step's reduce buffer for a model of params
// parameters: the gradients, then the SSE, row count and stop flag.
func ReduceLen(params int) int { return params + extra }

// Split is a set of samples: X (N, In) and Y (N, Out), row-major.
type Split[T Float] struct {
	X, Y []T
	N    int
}

// TrainConfig holds the training settings; DefaultTrainConfig fills every one.
type TrainConfig struct {
	Epochs      int     // passes over the training split
	Batch       int     // GLOBAL batch: rows per step summed over all ranks
	LR          float64 // learning rate
	Optimizer   string  // "adam" (also when empty), "adamw" (decoupled decay) or "sgd"
	Momentum    float64 // sgd only, in [0, 1)
	WeightDecay float64 // adam and sgd: L2 added to the gradient; adamw: decoupled
	Patience    int     // early stopping on val loss after this many epochs without improvement; 0 = off
	Seed        uint64  // the run's seed; Train does not draw from it (the caller's Init and shards do)
}

// DefaultTrainConfig is 50 epochs of Adam (lr 1e-3) on global batches of 64,
// without weight decay or early stopping, seed 42.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{Epochs: 50, Batch: 64, LR: 1e-3, Optimizer: "adam", Momentum: 0.9, Seed: 42}
}

// Validate reports the first bad setting, or nil.
func (c TrainConfig) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("mlp: epochs %d, want >= 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("mlp: batch %d, want >= 1", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 1):
		return fmt.Errorf("mlp: learning rate %g, want a finite value > 0", c.LR)
	case c.Optimizer != "" && c.Optimizer != "adam" && c.Optimizer != "adamw" && c.Optimizer != "sgd":
		return fmt.Errorf(`mlp: optimizer %q, want "adam", "adamw" or "sgd"`, c.Optimizer)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("mlp: momentum %g, want 0 <= m < 1", c.Momentum)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 1):
		return fmt.Errorf("mlp: weight decay %g, want a finite value >= 0", c.WeightDecay)
	case c.Patience < 0:
		return fmt.Errorf("mlp: patience %d, want >= 0", c.Patience)
	}
	return nil
}

// NewOptimizer builds the optimizer cfg names for n parameters.
func NewOptimizer[T Float](cfg TrainConfig, n int) (Optimizer[T], error) {
	switch cfg.Optimizer {
	case "", "adam", "adamw":
		a := NewAdam[T](n)
		a.LR, a.WeightDecay, a.Decoupled = cfg.LR, cfg.WeightDecay, cfg.Optimizer == "adamw"
		return a, nil
	case "sgd":
		s := NewSGD[T](n, cfg.LR, cfg.Momentum)
		s.WeightDecay = cfg.WeightDecay
		return s, nil
	}
	return nil, fmt.Errorf(`mlp: optimizer %q, want "adam", "adamw" or "sgd"`, cfg.Optimizer)
}

// EpochStats is one row of the history. Epoch, TrainLoss, ValLoss, ValMAE,
// Samples and Best are the same on every rank; the seconds are this rank's.
type EpochStats struct {
	Epoch     int     // 1-based
	TrainLoss float64 // mean over the epoch's samples and outputs of the squared error, at the weights of each step
	ValLoss   float64 // MSE on the validation split after the epoch; NaN if it is empty
	ValMAE    float64 // MAE on the validation split after the epoch; NaN if it is empty
	Seconds   float64 // wall time of the epoch
	Compute   float64 // forward, backward and optimizer
	Allreduce float64 // the gradient Allreduce (includes waiting for slower ranks)
	Eval      float64 // validation, its reduction included
	Samples   int     // training samples in the epoch, all ranks together
	Best      bool    // ValLoss is the lowest so far
}

// Timing is this rank's totals in seconds (Reducer.Wtime).
type Timing struct {
	Compute, Allreduce, Eval, Total float64
	Steps, Samples                  int // steps taken and samples in this rank's shards
}

// Result is what Train returns.
type Result struct {
	History   []EpochStats
	BestEpoch int  // 1-based epoch of the lowest ValLoss; 0 if none was finite
	Stopped   bool // early stopping ended the run before cfg.Epochs
	Timing    Timing
}

// Trainer holds everything one rank needs for a step, allocated once. Train
// is a loop over its methods: SyncParams, then Epoch (a Step per shard, then
// Evaluate on the validation split); benchmarks and resumable drivers call
// them directly.
type Trainer[T Float] struct {
	Model  Model[T]
	Opt    Optimizer[T]
	Cfg    TrainConfig
	Timing Timing

	train, val Split[T]
	r          Reducer
	red        []T       // Model.Grads(), then the shard's SSE, row count and stop flag: one Allreduce moves them all
	xb, yb     []T       // (Batch, In), (Batch, Out): the shard's gathered rows
	dOut       []T       // (Batch, Out): gradient of the SSE w.r.t. the output
	sums       []float64 // validation SSE, SAE and count, reduced in one call (its own allocation: memory handed to MPI must hold no Go pointers)
	epoch      int       // 1-based, for error messages
	step       int       // 1-based within the epoch
	stepSSE    float64   // the last step's SSE over the global batch
	stepRows   int       // the last step's global batch rows

	// Stop, if set, is polled on this rank once per step before the
	// Allreduce; true on ANY rank makes every rank stop after that step
	// (the flag travels in the step's reduce buffer, so all ranks agree on
	// the step without another collective).
	Stop    func() bool
	stopped bool // the last step's reduced stop flag was set

	shard ShardReducer // r, when it can split the sum (sharded steps); else nil
	stale bool         // sharded steps ran since the optimizer state was last made whole (SyncState)

	// Trace, if set, receives this rank's spans: every step's forward,
	// backward, Allreduce and optimizer, each epoch's evaluation, on the
	// Reducer's clock. Nil records nothing and costs one comparison per
	// step.
	Trace *trace.Recorder
}

// NewTrainer checks cfg and the splits and allocates the step's buffers. The
// model must accept batches of ShardRows(cfg.Batch, r.Size()) rows (its
// MaxBatch), which bounds every shard. It replaces the model's gradient
// slice by the front of a buffer of
// NumParams+3 elements whose last three carry the shard's SSE, row count
// and stop flag, so the single Allreduce of a step moves them all at once.
// It calls no collective operation: every rank gets the same error for the
// same config and data.
func NewTrainer[T Float](net Model[T], train, val Split[T], r Reducer, cfg TrainConfig) (*Trainer[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	arch := net.Arch()
	if shard := ShardRows(cfg.Batch, r.Size()); net.MaxBatch() < shard {
		return nil, fmt.Errorf("mlp: model built for batches of %d, want >= %d (global batch %d over %d ranks)", net.MaxBatch(), shard, cfg.Batch, r.Size())
	}
	if err := checkSplit("train", train, arch); err != nil {
		return nil, err
	}
	if train.N == 0 {
		return nil, errors.New("mlp: empty training split")
	}
	if err := checkSplit("val", val, arch); err != nil {
		return nil, err
	}
	if val.N == 0 && cfg.Patience > 0 {
		return nil, errors.New("mlp: early stopping needs a validation split")
	}
	np := len(net.Params())
	opt, err := NewOptimizer[T](cfg, np)
	if err != nil {
		return nil, err
	}
	t := &Trainer[T]{
		Model: net, Opt: opt, Cfg: cfg, train: train, val: val, r: r,
		red:  reduceBuffer[T](np + extra),
		sums: make([]float64, 3),
		xb:   make([]T, net.MaxBatch()*arch.In),
		yb:   make([]T, net.MaxBatch()*arch.Out),
		dOut: make([]T, net.MaxBatch()*arch.Out),
	}
	if sr, ok := r.(ShardReducer); ok && r.Size() > 1 {
		t.shard = sr
	}
	net.useGrads(t.red[:np])
	return t, nil
}

func checkSplit[T Float](name string, s Split[T], c Config) error {
	if s.N < 0 || len(s.X) != s.N*c.In || len(s.Y) != s.N*c.Out {
		return fmt.Errorf("mlp: %s split of %d samples has len(X)=%d, len(Y)=%d; want %d and %d",
			name, s.N, len(s.X), len(s.Y), s.N*c.In, s.N*c.Out)
	}
	return nil
}

// SyncParams broadcasts rank 0's parameters so every rank starts identical.
func (t *Trainer[T]) SyncParams() error {
	if err := bcast(t.r, t.Model.Params(), 0); err != nil {
		return fmt.Errorf("mlp: broadcast of the initial parameters: %w", err)
	}
	return nil
}

// Step trains on this rank's shard idx (indices into the training split; it
// may be empty) and returns the step's loss over the global batch. Every rank
// must call it the same number of times: an empty shard still joins the
// Allreduce with a zero gradient. The step gathers the shard's rows, runs
// Forward and Backward on the SSE (gradient 2*(pred-y)), sums the buffer
// holding gradients, SSE and row count over all ranks, divides the gradient
// by (global rows * Out) and takes the optimizer step. It allocates nothing.
//
// With a ShardReducer over more than one rank that can split the sum
// (ReduceShard's ok), and the package's optimizers, the step is sharded:
// each rank sums only its slice of the gradient, updates that slice of the
// parameters and of the optimizer's state, and the ranks then share the
// parameters. Every element gets the bits the whole update gives it; the
// optimizer state is whole again only after SyncState. Grads then holds
// the scaled sum in this rank's slice only.
//
// A non-finite loss or gradient is an error wrapping ErrNonFinite, the same
// on every rank, returned before the optimizer step (in a sharded step,
// the ranks whose slices were finite have updated them); so is a failed
// reduction. It panics if idx holds more than Model.MaxBatch() indices or
// one out of range.
func (t *Trainer[T]) Step(idx []int) (float64, error) {
	net, arch := t.Model, t.Model.Arch()
	in, out := arch.In, arch.Out
	rows := len(idx)
	if rows > net.MaxBatch() {
		panic(fmt.Sprintf("mlp: shard of %d rows, more than the model's batch capacity %d", rows, net.MaxBatch()))
	}
	t0 := t.r.Wtime()
	for i, k := range idx {
		copy(t.xb[i*in:(i+1)*in], t.train.X[k*in:(k+1)*in])
		copy(t.yb[i*out:(i+1)*out], t.train.Y[k*out:(k+1)*out])
	}
	xb, yb, dOut := t.xb[:rows*in], t.yb[:rows*out], t.dOut[:rows*out]
	clear(t.red) // ZeroGrad, and the SSE and row count after the gradients
	sse, tf := 0.0, 0.0
	if rows > 0 {
		pred := net.Forward(xb, rows)
		for i, p := range pred {
			d := p - yb[i]
			dOut[i] = 2 * d
			sse += float64(d) * float64(d)
		}
		if t.Trace != nil {
			tf = t.r.Wtime()
		}
		net.Backward(xb, dOut, rows)
	} else if t.Trace != nil {
		tf = t.r.Wtime()
	}
	np := len(t.red) - extra
	t.red[np], t.red[np+1] = T(sse), T(rows)
	if t.Stop != nil && t.Stop() {
		t.red[np+2] = 1
	}
	t1 := t.r.Wtime()
	stepper, scaled := t.Opt.(scaledStepper[T])
	lo, hi, sharded := 0, 0, false
	if t.shard != nil && scaled {
		var err error
		if lo, hi, sharded, err = reduceShard(t.shard, t.red, extra); err != nil {
			return 0, fmt.Errorf("mlp: gradient allreduce at epoch %d, step %d: %w", t.epoch, t.step, err)
		}
	}
	if !sharded {
		if err := sum(t.r, t.red); err != nil {
			return 0, fmt.Errorf("mlp: gradient allreduce at epoch %d, step %d: %w", t.epoch, t.step, err)
		}
	}
	t2 := t.r.Wtime()
	t.stepSSE, t.stepRows = float64(t.red[np]), int(math.Round(float64(t.red[np+1])))
	if t.stepRows == 0 {
		return 0, fmt.Errorf("mlp: empty global batch at epoch %d, step %d", t.epoch, t.step)
	}
	loss := t.stepSSE / float64(t.stepRows*out)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("%w train loss %g at epoch %d, step %d", ErrNonFinite, loss, t.epoch, t.step)
	}
	t.stopped = t.red[np+2] > 0
	// One pass checks the reduced gradient, one more scales it and takes
	// the optimizer step (scaledStepper).
	scale := T(1 / float64(t.stepRows*out))
	grads := net.Grads()
	tu := 0.0
	switch {
	case sharded:
		// This rank's slice of the sum: check it, update that slice of the
		// parameters and share it; the lowest bad index of any rank comes
		// back with the parameters, so every rank returns the same error.
		bad, val := -1, 0.0
		if i := firstNonFinite(grads[lo:hi]); i >= 0 {
			bad, val = lo+i, float64(grads[lo+i]*scale)
		} else {
			stepper.stepRange(net.Params(), grads, lo, hi, scale)
		}
		tu = t.r.Wtime()
		var err error
		bad, val, err = shareShard(t.shard, net.Params(), bad, val)
		t.stale = true
		if err != nil {
			return loss, fmt.Errorf("mlp: parameter share at epoch %d, step %d: %w", t.epoch, t.step, err)
		}
		if bad >= 0 {
			return loss, t.badGradient(val, bad)
		}
	default:
		if bad := firstNonFinite(grads); bad >= 0 {
			return loss, t.badGradient(float64(grads[bad]*scale), bad)
		}
		if scaled {
			stepper.stepScaled(net.Params(), grads, scale)
		} else {
			for i := range grads {
				grads[i] *= scale
			}
			t.Opt.Step(net.Params(), grads)
		}
	}
	t3 := t.r.Wtime()
	if !sharded {
		tu = t3
	}
	if tr := t.Trace; tr != nil {
		e, s := t.epoch, t.step
		tr.Add(trace.Step, e, s, t0, t3)
		tr.Add(trace.Forward, e, s, t0, tf)
		tr.Add(trace.Backward, e, s, tf, t1)
		tr.Add(trace.Allreduce, e, s, t1, t2)
		tr.Add(trace.Optimizer, e, s, t2, t3)
	}
	t.Timing.Compute += (t1 - t0) + (tu - t2)
	t.Timing.Allreduce += (t2 - t1) + (t3 - tu)
	t.Timing.Steps++
	t.Timing.Samples += rows
	return loss, nil
}

// badGradient is the error of a step whose scaled gradient is val, not
// finite, at parameter bad: the same text whether the step was sharded or
// not.
func (t *Trainer[T]) badGradient(val float64, bad int) error {
	return fmt.Errorf("%w gradient %g (parameter %d) at epoch %d, step %d", ErrNonFinite, val, bad, t.epoch, t.step)
}

// SyncState makes the optimizer's state whole on every rank after sharded
// steps, each of which updated only this rank's slice of it (see Step);
// without them it does nothing. Every rank calls it at the same point.
// Epoch calls it at its end, and before it returns ErrStopped, so that the
// state a checkpoint saves is complete.
func (t *Trainer[T]) SyncState() error {
	if !t.stale {
		return nil
	}
	t0 := t.r.Wtime()
	_, bufs := t.Opt.State()
	for i, b := range bufs {
		if _, _, err := shareShard(t.shard, b, -1, 0); err != nil {
			return fmt.Errorf("mlp: optimizer state %d share after epoch %d, step %d: %w", i, t.epoch, t.step, err)
		}
	}
	t.stale = false
	t.Timing.Allreduce += t.r.Wtime() - t0
	return nil
}

// Evaluate returns the sums of squared and absolute errors over every sample
// and output of s, and the sample count, all ranks together: each rank
// predicts a contiguous near-equal part of s and one SumFloat64 combines the
// partial sums. Every rank must call it. It allocates nothing. It panics if
// the lengths of s.X and s.Y do not match s.N.
func (t *Trainer[T]) Evaluate(s Split[T]) (sse, sae float64, n int, err error) {
	net, arch := t.Model, t.Model.Arch()
	in, out := arch.In, arch.Out
	if err := checkSplit("evaluated", s, arch); err != nil {
		panic(err.Error())
	}
	rank, size := t.r.Rank(), t.r.Size()
	lo, hi := rank*s.N/size, (rank+1)*s.N/size
	for r := lo; r < hi; r += net.MaxBatch() {
		k := min(net.MaxBatch(), hi-r)
		pred := net.Forward(s.X[r*in:(r+k)*in], k)
		y := s.Y[r*out : (r+k)*out]
		for i, p := range pred {
			d := float64(p) - float64(y[i])
			sse += d * d
			sae += math.Abs(d)
		}
	}
	t.sums[0], t.sums[1], t.sums[2] = sse, sae, float64(hi-lo)
	if err := t.r.SumFloat64(t.sums); err != nil {
		return 0, 0, 0, fmt.Errorf("mlp: evaluation allreduce at epoch %d: %w", t.epoch, err)
	}
	return t.sums[0], t.sums[1], int(math.Round(t.sums[2])), nil
}

// Epoch runs one epoch: a Step per entry of steps (this rank's shards), then
// validation. epoch is the 0-based index; the stats carry epoch+1.
func (t *Trainer[T]) Epoch(epoch int, steps [][]int) (EpochStats, error) {
	p := Progress[T]{Epoch: epoch}
	return t.epochFrom(&p, steps)
}

// epochFrom runs epoch p.Epoch from step p.Step on, with p.EpochSSE and
// p.EpochRows holding the sums of the steps already taken, and keeps p up to
// date after every step. When a step's reduced stop flag is set it returns
// ErrStopped after that step, p saying where to continue.
func (t *Trainer[T]) epochFrom(p *Progress[T], steps [][]int) (EpochStats, error) {
	st := EpochStats{Epoch: p.Epoch + 1}
	start, before := t.r.Wtime(), t.Timing
	t.epoch = p.Epoch + 1
	for s := p.Step; s < len(steps); s++ {
		t.step = s + 1
		if _, err := t.Step(steps[s]); err != nil {
			return st, err
		}
		p.Step, p.EpochSSE, p.EpochRows = s+1, p.EpochSSE+t.stepSSE, p.EpochRows+t.stepRows
		if t.stopped && s+1 < len(steps) {
			if err := t.SyncState(); err != nil {
				return st, err
			}
			return st, fmt.Errorf("%w at epoch %d, step %d of %d", ErrStopped, t.epoch, t.step, len(steps))
		}
	}
	if err := t.SyncState(); err != nil {
		return st, err
	}
	sse, rows := p.EpochSSE, p.EpochRows
	out := float64(t.Model.Arch().Out)
	st.TrainLoss = sse / (float64(rows) * out)
	st.Samples = rows
	e0 := t.r.Wtime()
	vsse, vsae, vn, err := t.Evaluate(t.val)
	if err != nil {
		return st, err
	}
	e1 := t.r.Wtime()
	t.Timing.Eval += e1 - e0
	st.ValLoss = vsse / (float64(vn) * out)
	st.ValMAE = vsae / (float64(vn) * out)
	st.Seconds = e1 - start
	if tr := t.Trace; tr != nil {
		tr.Add(trace.Eval, t.epoch, 0, e0, e1)
		tr.Add(trace.Epoch, t.epoch, 0, start, e1)
	}
	st.Compute = t.Timing.Compute - before.Compute
	st.Allreduce = t.Timing.Allreduce - before.Allreduce
	st.Eval = t.Timing.Eval - before.Eval
	return st, nil
}

// Train runs data-parallel training of net on every rank (SPMD): each rank
// calls it with the same arguments except r and shards, and gets the same
// history and final parameters.
//
// It first broadcasts rank 0's parameters (call net.Init with the run's seed
// before; only rank 0's values count). Epoch e (0-based) runs one Step per
// entry of shards(e), this rank's indices into train for each step; every
// rank must get the same number of steps, and the shards of a step over all
// ranks form its global batch of at most cfg.Batch rows. Loss is MSE over
// samples and outputs (PyTorch's MSELoss with reduction "mean"): each rank
// computes the gradient of its shard's SUM of squared errors, one in-place
// SUM Allreduce of a buffer holding that gradient (the model's Grads is its front,
// see NewTrainer), the shard's SSE and its row count adds the shards, and
// the gradient is divided by (global rows * Out), so the result does not
// depend on how the batch was cut. TrainLoss is the epoch's summed SSE over
// (rows * Out), accumulated in float64 whatever T is.
//
// After each epoch the validation loss comes from per-rank partial sums and
// onEpoch (if not nil) gets the stats on every rank. With cfg.Patience > 0,
// training stops after Patience epochs without a lower ValLoss and the
// parameters of the best epoch are restored (the optimizer state is not).
// A non-finite train loss returns an error naming the epoch, step and value,
// identical on every rank, along with the history so far.
//
// Train is Run from the start with only an epoch callback.
func Train[T Float](net Model[T], train, val Split[T], shards func(epoch int) [][]int, r Reducer, cfg TrainConfig, onEpoch func(EpochStats)) (*Result, error) {
	var h Hooks[T]
	if onEpoch != nil {
		h.OnEpoch = func(st EpochStats, _ *Trainer[T], _ *Progress[T]) { onEpoch(st) }
	}
	res, _, err := Run(net, train, val, shards, r, cfg, nil, h)
	return res, err
}

// ShardRows is the most rows one rank's shard of a global batch can hold
// when the batch is cut into size near-equal parts: ceil(batch/size). A model
// for data-parallel training needs a MaxBatch at least this large.
func ShardRows(batch, size int) int {
	if batch < 1 || size < 1 {
		panic(fmt.Sprintf("mlp: ShardRows(%d, %d)", batch, size))
	}
	return (batch + size - 1) / size
}
