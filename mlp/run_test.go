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

// cloneProgress deep-copies p, as a checkpoint round trip would.
func cloneProgress[T Float](p *Progress[T]) *Progress[T] {
	c := *p
	c.Best = append([]T(nil), p.Best...)
	c.History = append([]EpochStats(nil), p.History...)
	c.OptBuffer = nil
	for _, b := range p.OptBuffer {
		c.OptBuffer = append(c.OptBuffer, append([]T(nil), b...))
	}
	return &c
}

// stopAt runs on size ranks and asks (from rank 0 only) to stop at global
// step `at` (1-based over the whole run). It returns rank 0's progress and
// parameters at the stop.
func stopAt[T Float](t *testing.T, size, at int, cfg Config, tc TrainConfig, train, val Split[T]) (*Progress[T], []T) {
	t.Helper()
	var prog *Progress[T]
	var params []T
	runRanks(size, func(r Reducer) {
		k := r.Rank()
		net := NewNet[T](cfg, tc.Batch)
		net.Init(tc.Seed)
		var steps atomic.Int64
		stop := func() bool { return k == 0 && steps.Add(1) == int64(at) }
		_, p, err := Run(net, train, val, testShards(train.N, tc.Batch, tc.Seed, k, size), r, tc, nil, Hooks[T]{Stop: stop})
		if !errors.Is(err, ErrStopped) {
			t.Errorf("rank %d: %v, want ErrStopped", k, err)
			return
		}
		if k == 0 {
			prog, params = cloneProgress(p), append([]T(nil), net.Params()...)
		}
	})
	return prog, params
}

// resume continues from p on size ranks with nets initialized from another
// seed, so only the restored parameters can make them agree.
func resume[T Float](t *testing.T, size int, p *Progress[T], params []T, cfg Config, tc TrainConfig, train, val Split[T]) (*Result, []T) {
	t.Helper()
	var res *Result
	var final []T
	runRanks(size, func(r Reducer) {
		k := r.Rank()
		net := NewNet[T](cfg, tc.Batch)
		net.Init(tc.Seed + 100)
		if k == 0 {
			copy(net.Params(), params)
		}
		out, _, err := Run(net, train, val, testShards(train.N, tc.Batch, tc.Seed, k, size), r, tc, cloneProgress(p), Hooks[T]{})
		if err != nil {
			t.Errorf("rank %d: %v", k, err)
			return
		}
		if k == 0 {
			res, final = out, append([]T(nil), net.Params()...)
		}
	})
	return res, final
}

func TestResumeBitwise(t *testing.T) {
	cfg := Config{In: 5, Hidden: []int{12, 8}, Out: 1}
	tc := TrainConfig{Epochs: 6, Batch: 8, LR: 1e-2, Optimizer: "adam", WeightDecay: 1e-3, Patience: 2, Seed: 4}
	train, val := synth[float32](50, 5, 1, 1, false), synth[float32](12, 5, 1, 2, false)
	for _, tcase := range []struct {
		size, at int
	}{{1, 3}, {1, 7}, {3, 14}, {3, 1}} { // mid-epoch and at an epoch's last step (7 steps per epoch)
		t.Run(fmt.Sprintf("np%d-step%d", tcase.size, tcase.at), func(t *testing.T) {
			ref, refParams, _ := runWorld(t, tcase.size, cfg, tc, train, val)
			p, params := stopAt(t, tcase.size, tcase.at, cfg, tc, train, val)
			if p == nil {
				t.Fatal("no progress at the stop")
			}
			if got, want := p.Epoch*7+p.Step, tcase.at; got != want {
				t.Fatalf("stopped after %d steps, want %d", got, want)
			}
			res, final := resume(t, tcase.size, p, params, cfg, tc, train, val)
			if len(res.History) != len(ref[0].History) || res.BestEpoch != ref[0].BestEpoch {
				t.Fatalf("%d epochs (best %d), uninterrupted %d (best %d)", len(res.History), res.BestEpoch, len(ref[0].History), ref[0].BestEpoch)
			}
			for e, st := range res.History {
				if st.TrainLoss != ref[0].History[e].TrainLoss || st.ValLoss != ref[0].History[e].ValLoss {
					t.Errorf("epoch %d: losses %v/%v, uninterrupted %v/%v", e+1, st.TrainLoss, st.ValLoss,
						ref[0].History[e].TrainLoss, ref[0].History[e].ValLoss)
				}
			}
			for i := range final {
				if final[i] != refParams[0][i] {
					t.Fatalf("param %d: %v after resume, %v uninterrupted", i, final[i], refParams[0][i])
				}
			}
		})
	}
}

// Stopped on 3 ranks, resumed on 2: the global batch fixes the result, so
// only the summation order differs.
func TestResumeOtherRankCount(t *testing.T) {
	cfg := Config{In: 5, Hidden: []int{12}, Out: 1}
	tc := TrainConfig{Epochs: 4, Batch: 9, LR: 1e-2, Optimizer: "sgd", Momentum: 0.9, Seed: 6}
	train, val := synth[float64](60, 5, 1, 3, false), synth[float64](10, 5, 1, 4, false)
	ref, _, _ := runWorld(t, 1, cfg, tc, train, val)
	p, params := stopAt(t, 3, 10, cfg, tc, train, val)
	res, _ := resume(t, 2, p, params, cfg, tc, train, val)
	for e, st := range res.History {
		if d := relDiff(st.TrainLoss, ref[0].History[e].TrainLoss); d > 1e-12 {
			t.Errorf("epoch %d: train loss rel diff %g", e+1, d)
		}
		if d := relDiff(st.ValLoss, ref[0].History[e].ValLoss); d > 1e-12 {
			t.Errorf("epoch %d: val loss rel diff %g", e+1, d)
		}
	}
}

// A non-finite gradient with a finite loss is caught too: hidden unit 0
// carries a tiny activation into a huge output weight, so the output and
// the loss stay finite while the gradient of its input weights overflows
// float32.
func TestNonFiniteGradient(t *testing.T) {
	cfg := Config{In: 3, Hidden: []int{4}, Out: 1}
	tc := TrainConfig{Epochs: 1, Batch: 4, LR: 1e-2, Seed: 1}
	train := synth[float32](8, 3, 1, 1, false)
	for i := range train.Y {
		train.Y[i] += 10
	}
	net := NewNet[float32](cfg, 4)
	tr, err := NewTrainer(net, train, Split[float32]{}, NewSelfReducer(), tc)
	if err != nil {
		t.Fatal(err)
	}
	// Layout: W1 (4,3) at 0..11, b1 at 12..15, W2 (1,4) at 16..19, b2 at 20.
	clear(net.Params())
	net.Params()[12] = 1 / 3e38 // unit 0: z = b = 3.3e-39 > 0
	net.Params()[16] = 3e38     // output = 3e38 * 3.3e-39 = 1
	loss, err := tr.Step([]int{0, 1, 2, 3})
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "gradient") {
		t.Fatalf("loss %v, err %v: want a non-finite gradient", loss, err)
	}
	if math.IsInf(loss, 0) || math.IsNaN(loss) {
		t.Fatalf("the loss %v is not finite: the case does not test the gradient check", loss)
	}
}
