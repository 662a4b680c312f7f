// Run at the edges of its bookkeeping: a validation loss that never
// improves, ties, no early stopping, a stop on the last step, the total time.
package mlp

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// runOne runs cfg for tc on one rank from Init(seed) and returns the
// result, the progress, the parameters before and after, and the error.
func runOne(t *testing.T, tc TrainConfig, train, val Split[float64], stop func() bool) (*Result, *Progress[float64], []float64, []float64, error) {
	t.Helper()
	net := NewNet[float64](Config{In: 4, Hidden: []int{6}, Out: 1}, tc.Batch)
	net.Init(tc.Seed)
	before := slices.Clone(net.Params())
	res, p, err := Run(net, train, val, testShards(train.N, tc.Batch, tc.Seed, 0, 1), NewSelfReducer(), tc, nil, Hooks[float64]{Stop: stop})
	return res, p, before, net.Params(), err
}

// A validation loss that is never finite (here a NaN target) makes no
// epoch the best: training runs all its epochs whatever the patience, and
// ends with the parameters it trained, not the ones it started from.
func TestRunNoBestEpoch(t *testing.T) {
	train, val := synth[float64](12, 4, 1, 1, false), synth[float64](4, 4, 1, 2, false)
	val.Y[0] = math.NaN()
	for _, patience := range []int{0, 1} {
		tc := TrainConfig{Epochs: 3, Batch: 4, LR: 1e-2, Seed: 3, Patience: patience}
		res, p, before, after, err := runOne(t, tc, train, val, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.History) != 3 || res.Stopped || res.BestEpoch != 0 || p.BestEpoch != 0 {
			t.Errorf("patience %d: %d epochs, stopped %v, best epoch %d; want 3, false, 0", patience, len(res.History), res.Stopped, res.BestEpoch)
		}
		if slices.Equal(after, before) {
			t.Errorf("patience %d: the run ended with the parameters it started from", patience)
		}
	}
}

// Equal validation losses: the first epoch that reached the lowest stays
// the best. The learning rate is the smallest float64, so only parameters
// at 0 (the biases) move, by about 5e-324, and every epoch's validation
// loss is the same.
func TestRunTiesKeepFirstBest(t *testing.T) {
	tc := TrainConfig{Epochs: 3, Batch: 4, LR: math.SmallestNonzeroFloat64, Seed: 3, Patience: 5}
	res, _, _, _, err := runOne(t, tc, synth[float64](12, 4, 1, 1, false), synth[float64](4, 4, 1, 2, false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := res.History; h[0].ValLoss != h[1].ValLoss || h[1].ValLoss != h[2].ValLoss {
		t.Fatalf("validation losses %v %v %v: the test needs them equal", h[0].ValLoss, h[1].ValLoss, h[2].ValLoss)
	}
	if res.BestEpoch != 1 || !res.History[0].Best || res.History[1].Best || res.History[2].Best {
		t.Errorf("best epoch %d, best flags %v %v %v; want 1 and only the first", res.BestEpoch, res.History[0].Best, res.History[1].Best, res.History[2].Best)
	}
}

// Without early stopping no copy of the best parameters is kept.
func TestRunNoPatienceNoBestCopy(t *testing.T) {
	tc := TrainConfig{Epochs: 2, Batch: 4, LR: 1e-2, Seed: 3}
	_, p, _, _, err := runOne(t, tc, synth[float64](12, 4, 1, 1, false), synth[float64](4, 4, 1, 2, false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Best != nil {
		t.Errorf("patience 0 kept %d best parameters, want none", len(p.Best))
	}
}

// A stop asked on the last step of the last epoch ends a finished run: no
// ErrStopped. On the last step of an earlier epoch it stops there.
func TestRunStopOnLastStep(t *testing.T) {
	tc := TrainConfig{Epochs: 2, Batch: 4, LR: 1e-2, Seed: 3}
	train, val := synth[float64](12, 4, 1, 1, false), synth[float64](4, 4, 1, 2, false)
	for _, tt := range []struct {
		at      int // 1-based step at which Stop first says yes; 3 steps an epoch
		epochs  int
		stopped bool
	}{{6, 2, false}, {3, 1, true}} {
		n := 0
		res, p, _, _, err := runOne(t, tc, train, val, func() bool { n++; return n >= tt.at })
		if got := errors.Is(err, ErrStopped); got != tt.stopped || (err != nil && !tt.stopped) {
			t.Errorf("stop at step %d: error %v, want ErrStopped %v", tt.at, err, tt.stopped)
		}
		if len(res.History) != tt.epochs || p.Epoch != tt.epochs {
			t.Errorf("stop at step %d: %d epochs in the history, progress at epoch %d; want %d", tt.at, len(res.History), p.Epoch, tt.epochs)
		}
	}
}

// Timing.Total is the run's time on the reducer's clock: at least its
// parts, at most the time between a reading before and one after.
func TestRunTotalTime(t *testing.T) {
	tc := TrainConfig{Epochs: 2, Batch: 4, LR: 1e-2, Seed: 3}
	r := NewSelfReducer()
	net := NewNet[float64](Config{In: 4, Hidden: []int{6}, Out: 1}, tc.Batch)
	net.Init(tc.Seed)
	train, val := synth[float64](12, 4, 1, 1, false), synth[float64](4, 4, 1, 2, false)
	t0 := r.Wtime()
	res, _, err := Run(net, train, val, testShards(train.N, tc.Batch, tc.Seed, 0, 1), r, tc, nil, Hooks[float64]{})
	t1 := r.Wtime()
	if err != nil {
		t.Fatal(err)
	}
	tm := res.Timing
	if !(tm.Total >= tm.Compute+tm.Allreduce+tm.Eval) || !(tm.Total <= t1-t0) {
		t.Errorf("total %g s, parts %g s, the run took %g s by the same clock", tm.Total, tm.Compute+tm.Allreduce+tm.Eval, t1-t0)
	}
}
