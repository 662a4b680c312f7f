// Resumable training: where a run stands, and the driver that continues it.
package mlp

import (
	"errors"
	"fmt"
	"math"

	"mpitrain/mlp/trace"
)

// Progress is where a run stands between two steps. With the parameters it
// is everything needed to continue the run bit for bit: the shuffling is a
// pure function of (seed, epoch), so no random state is kept.
type Progress[T Float] struct {
	Epoch     int     // 0-based index of the epoch in progress; equals the epochs completed when Step is 0
	Step      int     // steps of that epoch already taken
	EpochSSE  float64 // that epoch's summed squared error so far
	EpochRows int     // and its rows
	BestLoss  float64 // lowest validation loss so far; +Inf before any epoch
	BestEpoch int     // 1-based epoch of BestLoss; 0 before any
	Best      []T     // parameters at BestEpoch, kept when Patience > 0
	History   []EpochStats

	// The optimizer's state (see Optimizer.State). Run reads it when it
	// resumes, and sets it, as views of the live buffers, in the progress it
	// passes to OnEpoch and returns.
	OptSteps  int
	OptBuffer [][]T
}

// NewProgress is the progress of a run that has not started.
func NewProgress[T Float]() *Progress[T] { return &Progress[T]{BestLoss: math.Inf(1)} }

// Hooks let the caller of Run observe and steer it.
type Hooks[T Float] struct {
	// OnEpoch is called on every rank after each epoch with its stats, the
	// trainer (for the optimizer state) and the progress after the epoch.
	OnEpoch func(st EpochStats, t *Trainer[T], p *Progress[T])
	// Stop is polled on this rank once per step; see Trainer.Stop.
	Stop func() bool
	// Trace, if set, records this rank's spans; see Trainer.Trace.
	Trace *trace.Recorder
}

// Run trains like Train, continuing from `from` when it is not nil: net must
// then already hold the parameters saved with it on rank 0 (they are
// broadcast), and the optimizer state is restored from from.OptSteps and
// from.OptBuffer. Epochs run from from.Epoch (from its step from.Step) to
// cfg.Epochs. It returns the result with the whole history (the part in
// `from` included) and the final progress. When a Stop hook asked to stop it
// returns an error wrapping ErrStopped and the progress at the stop step;
// with a non-finite value, an error wrapping ErrNonFinite.
func Run[T Float](net Model[T], train, val Split[T], shards func(epoch int) [][]int, r Reducer, cfg TrainConfig,
	from *Progress[T], h Hooks[T]) (*Result, *Progress[T], error) {
	start := r.Wtime()
	t, err := NewTrainer(net, train, val, r, cfg)
	if err != nil {
		return nil, nil, err
	}
	t.Stop, t.Trace = h.Stop, h.Trace
	if err := t.SyncParams(); err != nil {
		return nil, nil, err
	}
	p := NewProgress[T]()
	if from != nil {
		if err := t.restore(from); err != nil {
			return nil, nil, err
		}
		*p = *from
		p.History = append([]EpochStats(nil), from.History...)
	}
	params := net.Params()
	if cfg.Patience > 0 && len(p.Best) != len(params) {
		p.Best = make([]T, len(params))
		copy(p.Best, params)
	}
	res := &Result{BestEpoch: p.BestEpoch, History: p.History}
	optSteps, optBufs := t.Opt.State()
	finish := func(err error) (*Result, *Progress[T], error) {
		p.OptSteps, p.OptBuffer = *optSteps, optBufs
		res.History, res.BestEpoch = p.History, p.BestEpoch
		res.Timing = t.Timing
		res.Timing.Total = r.Wtime() - start
		return res, p, err
	}
	for p.Epoch < cfg.Epochs {
		if cfg.Patience > 0 && p.BestEpoch > 0 && p.Epoch-p.BestEpoch >= cfg.Patience {
			res.Stopped = true
			break
		}
		st, err := t.epochFrom(p, shards(p.Epoch))
		if err != nil {
			return finish(err)
		}
		if st.ValLoss < p.BestLoss {
			p.BestLoss, p.BestEpoch, st.Best = st.ValLoss, st.Epoch, true
			copy(p.Best, params)
		}
		p.History = append(p.History, st)
		p.Epoch, p.Step, p.EpochSSE, p.EpochRows = p.Epoch+1, 0, 0, 0
		if h.OnEpoch != nil {
			p.OptSteps, p.OptBuffer = *optSteps, optBufs
			h.OnEpoch(st, t, p)
		}
		if t.stopped && p.Epoch < cfg.Epochs {
			return finish(fmt.Errorf("%w after epoch %d", ErrStopped, p.Epoch))
		}
	}
	if cfg.Patience > 0 && p.BestEpoch > 0 {
		copy(params, p.Best)
	}
	return finish(nil)
}

// restore loads the optimizer state saved in p.
func (t *Trainer[T]) restore(p *Progress[T]) error {
	steps, bufs := t.Opt.State()
	if len(p.OptBuffer) != len(bufs) {
		return fmt.Errorf("mlp: resume: %d optimizer buffers saved, the %s optimizer has %d", len(p.OptBuffer), t.Cfg.Optimizer, len(bufs))
	}
	for i, b := range bufs {
		if len(p.OptBuffer[i]) != len(b) {
			return fmt.Errorf("mlp: resume: optimizer buffer %d has %d values, want %d", i, len(p.OptBuffer[i]), len(b))
		}
		copy(b, p.OptBuffer[i])
	}
	*steps = p.OptSteps
	if p.Epoch < 0 || p.Step < 0 {
		return errors.New("mlp: resume: negative epoch or step")
	}
	return nil
}
