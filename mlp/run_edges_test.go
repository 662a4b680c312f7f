// Run at the edges of its bookkeeping: a validation loss that never
// improves, ties, no early stopping, a stop on the last step, the total time.
package mlp

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"mpitrain/mlp/trace"
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

// One epoch of one step with two outputs: TrainLoss is the MSE of the
// parameters the step started from, ValLoss and ValMAE those of the
// parameters it ended with, each over every sample and output; the
// training step's compute time is its forward, backward and optimizer
// spans; the epoch's seconds fit in the run's.
func TestEpochStatsValues(t *testing.T) {
	cfg := Config{In: 4, Hidden: []int{6}, Out: 2}
	train, val := synth[float64](10, 4, 2, 1, false), synth[float64](6, 4, 2, 2, false)
	net := NewNet[float64](cfg, 10)
	net.Init(3)
	pred := make([]float64, 10*2)
	Predict[float64](net, train.X, 10, pred)
	wantTrain := MSE(pred, train.Y)
	r := NewSelfReducer()
	tr, err := NewTrainer(net, train, val, r, TrainConfig{Epochs: 1, Batch: 10, LR: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	tr.Trace = trace.NewRecorder(trace.EventsFor(1, 1))
	t0 := r.Wtime()
	st, err := tr.Epoch(0, [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}})
	t1 := r.Wtime()
	if err != nil {
		t.Fatal(err)
	}
	vp := make([]float64, 6*2)
	Predict[float64](net, val.X, 6, vp)
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"TrainLoss", st.TrainLoss, wantTrain}, {"ValLoss", st.ValLoss, MSE(vp, val.Y)}, {"ValMAE", st.ValMAE, MAE(vp, val.Y)}} {
		if !(relDiff(c.got, c.want) <= 1e-14) {
			t.Errorf("%s %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	if st.Samples != 10 {
		t.Errorf("%d samples, want 10", st.Samples)
	}
	phases := 0.0
	for _, e := range tr.Trace.Events() {
		switch e.Kind {
		case trace.Forward, trace.Backward, trace.Optimizer:
			phases += e.End - e.Start
		}
	}
	if !(math.Abs(tr.Timing.Compute-phases) <= 1e-9) {
		t.Errorf("compute %g s, forward, backward and optimizer spans %g s", tr.Timing.Compute, phases)
	}
	if !(st.Seconds > 0 && st.Seconds <= t1-t0) {
		t.Errorf("epoch seconds %g, the call took %g", st.Seconds, t1-t0)
	}
}

func TestShardRows(t *testing.T) {
	for _, c := range [][3]int{{1, 1, 1}, {1, 4, 1}, {10, 4, 3}, {8, 4, 2}, {3, 1, 3}} {
		if got := ShardRows(c[0], c[1]); got != c[2] {
			t.Errorf("ShardRows(%d, %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
	for _, c := range [][2]int{{0, 1}, {1, 0}} {
		func() {
			defer func() {
				if r := recover(); r != fmt.Sprintf("mlp: ShardRows(%d, %d)", c[0], c[1]) {
					t.Errorf("ShardRows(%d, %d): panic %v", c[0], c[1], r)
				}
			}()
			ShardRows(c[0], c[1])
		}()
	}
}
