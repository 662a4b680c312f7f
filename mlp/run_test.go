// Tests of resumable training: a run stopped and continued ends with the
// same bits as one never stopped.
package mlp

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
)

// final is where rank 0 of a run ends: its result, parameters and
// progress (the optimizer state included), copied out of the live buffers.
type final[T Float] struct {
	res    *Result
	params []T
	prog   *Progress[T]
}

func finalOf[T Float](res *Result, params []T, p *Progress[T]) *final[T] {
	c := *p
	c.Best = append([]T(nil), p.Best...)
	c.History = append([]EpochStats(nil), p.History...)
	c.OptBuffer = nil
	for _, b := range p.OptBuffer {
		c.OptBuffer = append(c.OptBuffer, append([]T(nil), b...))
	}
	return &final[T]{res: res, params: append([]T(nil), params...), prog: &c}
}

// runFrom runs the model cfg names on size ranks from the checkpoint ck
// (nil: from the start), with models initialized from another seed than the run's when resuming, so
// only the restored parameters can make the runs agree. With stopAt > 0,
// rank 0 asks to stop at that global step (1-based over this call) and
// the run must end with ErrStopped; the result is then rank 0's progress at
// the stop. Every rank's error is checked.
func runFrom[T Float](t *testing.T, size int, cfg Config, tc TrainConfig, train, val Split[T], ck *Checkpoint[T], stopAt int) *final[T] {
	t.Helper()
	var out *final[T]
	runRanks(size, func(r Reducer) {
		k := r.Rank()
		net, err := NewModel[T](cfg, ShardRows(tc.Batch, size))
		if err != nil {
			t.Error(err) // the same on every rank: none waits for the others
			return
		}
		var from *Progress[T]
		if ck == nil {
			net.Init(tc.Seed)
		} else {
			net.Init(tc.Seed + 100)
			if k == 0 {
				copy(net.Params(), ck.Params)
			}
			p := ck.Progress // each rank its own copy, as each rank would decode the file
			p.History = append([]EpochStats(nil), p.History...)
			from = &p
		}
		var steps atomic.Int64
		stop := func() bool { return k == 0 && stopAt > 0 && steps.Add(1) == int64(stopAt) }
		res, p, err := Run(net, train, val, testShards(train.N, tc.Batch, tc.Seed, k, size), r, tc, from, Hooks[T]{Stop: stop})
		if stopAt > 0 && !errors.Is(err, ErrStopped) || stopAt == 0 && err != nil {
			t.Errorf("rank %d: error %v (stop at step %d)", k, err, stopAt)
			return
		}
		if k == 0 {
			out = finalOf(res, net.Params(), p)
		}
	})
	if out == nil {
		t.Fatal("rank 0 returned nothing")
	}
	return out
}

// saveAndLoad is what the trainer does between a stop and a resume: rank 0
// encodes a checkpoint of where it stands, a new process decodes it.
func saveAndLoad[T Float](t *testing.T, cfg Config, tc TrainConfig, at *final[T]) *Checkpoint[T] {
	t.Helper()
	ck := Checkpoint[T]{Arch: cfg, Train: tc, Fingerprint: "synth", Params: at.params, Progress: *at.prog}
	b, err := ck.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeCheckpoint[T](b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// sameFinal fails unless two runs end with the same bits: history (every
// field but the seconds), best epoch, parameters, best parameters and the
// optimizer's whole state (Adam's M, V and step count; SGD's Buf).
func sameFinal[T Float](t *testing.T, got, want *final[T]) {
	t.Helper()
	g, w := got.res, want.res
	if len(g.History) != len(w.History) || g.BestEpoch != w.BestEpoch || g.Stopped != w.Stopped {
		t.Fatalf("%d epochs (best %d, stopped %v), want %d (best %d, stopped %v)",
			len(g.History), g.BestEpoch, g.Stopped, len(w.History), w.BestEpoch, w.Stopped)
	}
	for e, st := range g.History {
		x := w.History[e]
		if st.Epoch != x.Epoch || math.Float64bits(st.TrainLoss) != math.Float64bits(x.TrainLoss) ||
			math.Float64bits(st.ValLoss) != math.Float64bits(x.ValLoss) || math.Float64bits(st.ValMAE) != math.Float64bits(x.ValMAE) ||
			st.Samples != x.Samples || st.Best != x.Best {
			t.Errorf("history: %s, want %s", statsString(st), statsString(x))
		}
	}
	sameSlice(t, "parameter", got.params, want.params)
	sameSlice(t, "best parameter", got.prog.Best, want.prog.Best)
	if got.prog.OptSteps != want.prog.OptSteps || len(got.prog.OptBuffer) != len(want.prog.OptBuffer) {
		t.Fatalf("optimizer at step %d with %d buffers, want step %d with %d",
			got.prog.OptSteps, len(got.prog.OptBuffer), want.prog.OptSteps, len(want.prog.OptBuffer))
	}
	for i := range got.prog.OptBuffer {
		sameSlice(t, fmt.Sprintf("optimizer buffer %d:", i), got.prog.OptBuffer[i], want.prog.OptBuffer[i])
	}
}

// statsString shows the fields of an epoch's stats that do not depend on time.
func statsString(s EpochStats) string {
	return fmt.Sprintf("epoch %d train %.17g val %.17g mae %.17g samples %d best %v", s.Epoch, s.TrainLoss, s.ValLoss, s.ValMAE, s.Samples, s.Best)
}

// sameSlice fails at the first element whose bits differ.
func sameSlice[T Float](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
			t.Fatalf("%s %d: %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestResumeBitwise is invariant 2: a run stopped at a step, saved as a
// checkpoint (Encode, DecodeCheckpoint) and resumed ends with the bits of a
// run never stopped, the stopped epoch's train loss included (it sums the
// squared errors of steps on both sides of the stop).
func TestResumeBitwise(t *testing.T) {
	cfg := Config{In: 5, Hidden: []int{12, 8}, Out: 1}
	adam := TrainConfig{Epochs: 6, Batch: 8, LR: 1e-2, Optimizer: "adam", WeightDecay: 1e-3, Patience: 2, Seed: 4}
	sgd := TrainConfig{Epochs: 4, Batch: 8, LR: 1e-2, Optimizer: "sgd", Momentum: 0.9, WeightDecay: 1e-3, Seed: 4}
	adamw := TrainConfig{Epochs: 4, Batch: 8, LR: 1e-2, Optimizer: "adamw", WeightDecay: 1e-2, Seed: 4}
	train, val := synth[float32](50, 5, 1, 1, false), synth[float32](12, 5, 1, 2, false)
	for _, tcase := range []struct {
		name     string
		size, at int
		tc       TrainConfig
	}{ // 7 steps per epoch: mid-epoch, and at an epoch's last step
		{"adam", 1, 3, adam}, {"adam", 1, 7, adam}, {"adam", 3, 14, adam}, {"adam", 3, 1, adam},
		{"sgd", 2, 10, sgd}, {"adamw", 2, 12, adamw},
	} {
		t.Run(fmt.Sprintf("%s-np%d-step%d", tcase.name, tcase.size, tcase.at), func(t *testing.T) {
			tc := tcase.tc
			ref := runFrom(t, tcase.size, cfg, tc, train, val, nil, 0)
			stopped := runFrom(t, tcase.size, cfg, tc, train, val, nil, tcase.at)
			ck := saveAndLoad(t, cfg, tc, stopped)
			p := ck.Progress
			if got := p.Epoch*7 + p.Step; got != tcase.at {
				t.Fatalf("checkpoint at epoch %d, step %d: %d steps, want %d", p.Epoch, p.Step, got, tcase.at)
			}
			if mid := tcase.at%7 != 0; mid != (p.Step > 0) {
				t.Fatalf("checkpoint at epoch %d, step %d: want a stop %s", p.Epoch, p.Step,
					map[bool]string{true: "mid-epoch", false: "at an epoch's end"}[mid])
			}
			sameFinal(t, runFrom(t, tcase.size, cfg, tc, train, val, ck, 0), ref)
		})
	}
}

// Stopped on 3 ranks, resumed on 2: the global batch fixes the result, so
// only the summation order differs.
func TestResumeOtherRankCount(t *testing.T) {
	cfg := Config{In: 5, Hidden: []int{12}, Out: 1}
	tc := TrainConfig{Epochs: 4, Batch: 9, LR: 1e-2, Optimizer: "sgd", Momentum: 0.9, Seed: 6}
	train, val := synth[float64](60, 5, 1, 3, false), synth[float64](10, 5, 1, 4, false)
	ref := runFrom(t, 1, cfg, tc, train, val, nil, 0)
	ck := saveAndLoad(t, cfg, tc, runFrom(t, 3, cfg, tc, train, val, nil, 10)) // epoch 2, step 3 of 7
	if ck.Progress.Step == 0 {
		t.Fatalf("stopped at epoch %d, step 0: want a stop mid-epoch", ck.Progress.Epoch)
	}
	got := runFrom(t, 2, cfg, tc, train, val, ck, 0)
	if len(got.res.History) != tc.Epochs || len(ref.res.History) != tc.Epochs {
		t.Fatalf("%d epochs after the resume, %d uninterrupted; want %d", len(got.res.History), len(ref.res.History), tc.Epochs)
	}
	for e, st := range got.res.History {
		if d := relDiff(st.TrainLoss, ref.res.History[e].TrainLoss); !(d <= 1e-12) {
			t.Errorf("epoch %d: train loss rel diff %g", e+1, d)
		}
		if d := relDiff(st.ValLoss, ref.res.History[e].ValLoss); !(d <= 1e-12) {
			t.Errorf("epoch %d: val loss rel diff %g", e+1, d)
		}
	}
	closeSlice(t, "parameter", got.params, ref.params, 1e-12)
	if got.prog.OptSteps != ref.prog.OptSteps || len(got.prog.OptBuffer) != 1 || len(ref.prog.OptBuffer) != 1 {
		t.Fatalf("sgd at step %d with %d buffers, uninterrupted at step %d with %d; want one buffer",
			got.prog.OptSteps, len(got.prog.OptBuffer), ref.prog.OptSteps, len(ref.prog.OptBuffer))
	}
	closeSlice(t, "momentum", got.prog.OptBuffer[0], ref.prog.OptBuffer[0], 1e-12)
}

// closeSlice fails at the first element further than tol*(1+|want|) away.
func closeSlice(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= tol*(1+math.Abs(want[i]))) {
			t.Fatalf("%s %d: %v, want %v", what, i, got[i], want[i])
		}
	}
}

// overflowCase is a net and data whose loss stays finite while the
// gradient of its input weights overflows float32: hidden unit 0 carries a
// tiny activation into a huge output weight. poison sets a built net's
// parameters so.
func overflowCase() (cfg Config, tc TrainConfig, train Split[float32], poison func(params []float32)) {
	cfg = Config{In: 3, Hidden: []int{4}, Out: 1}
	tc = TrainConfig{Epochs: 1, Batch: 4, LR: 1e-2, Seed: 1}
	train = synth[float32](8, 3, 1, 1, false)
	for i := range train.Y {
		train.Y[i] += 10
	}
	return cfg, tc, train, func(p []float32) {
		// Layout: W1 (4,3) at 0..11, b1 at 12..15, W2 (1,4) at 16..19, b2 at 20.
		clear(p)
		p[12] = 1 / 3e38 // unit 0: z = b = 3.3e-39 > 0
		p[16] = 3e38     // output = 3e38 * 3.3e-39 = 1
	}
}

// A non-finite gradient with a finite loss is caught too (overflowCase).
func TestNonFiniteGradient(t *testing.T) {
	cfg, tc, train, poison := overflowCase()
	net := NewNet[float32](cfg, 4)
	tr, err := NewTrainer(net, train, Split[float32]{}, NewSelfReducer(), tc)
	if err != nil {
		t.Fatal(err)
	}
	poison(net.Params())
	loss, err := tr.Step([]int{0, 1, 2, 3})
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "gradient") {
		t.Fatalf("loss %v, err %v: want a non-finite gradient", loss, err)
	}
	if math.IsInf(loss, 0) || math.IsNaN(loss) {
		t.Fatalf("the loss %v is not finite: the case does not test the gradient check", loss)
	}
}
