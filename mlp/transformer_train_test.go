// The engine's invariants for the transformer: the number of ranks does not
// change results, and a run resumed from its checkpoint ends bitwise equal
// to one never stopped.
package mlp

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
)

// trainTransformer is the shape of the training tests: 6 steps of 2
// features, d_model 8 in 2 heads, 2 layers, feed-forward 12, 1 output.
var trainTransformer = Config{Model: ModelTransformer, In: 12, Features: 2, Out: 1, DModel: 8, Heads: 2, Layers: 2, FF: 12}

// runModels trains cfg on size in-process ranks, each building its model
// with NewModel; ranks other than 0 start from another seed, so agreement
// also proves the initial broadcast. stop, when not nil, is every rank's
// Stop hook. It returns every rank's result, progress, final parameters and
// error.
func runModels[T Float](size int, cfg Config, tc TrainConfig, train, val Split[T], from *Checkpoint[T], stop func(rank int) func() bool) ([]*Result, []*Progress[T], [][]T, []error) {
	res, prog := make([]*Result, size), make([]*Progress[T], size)
	params, errs := make([][]T, size), make([]error, size)
	runRanks(size, func(r Reducer) {
		k := r.Rank()
		m, err := NewModel[T](cfg, ShardRows(tc.Batch, size))
		if err != nil {
			errs[k] = err
			return
		}
		m.Init(tc.Seed + uint64(k) + 1)
		var p *Progress[T]
		if from != nil {
			if k == 0 {
				copy(m.Params(), from.Params)
			}
			p = &from.Progress
		}
		var h Hooks[T]
		if stop != nil {
			h.Stop = stop(k)
		}
		res[k], prog[k], errs[k] = Run(m, train, val, testShards(train.N, tc.Batch, tc.Seed, k, size), r, tc, p, h)
		params[k] = m.Params()
	})
	return res, prog, params, errs
}

// TestTransformerRanksDoNotChangeResults is invariant 1 for the
// transformer: 1 to 4 ranks give the same history with the same global
// batch, also with uneven (batch 10) and empty (batch 3 on 4 ranks)
// shards, and every rank of a world ends with the same bits. The
// tolerances are the design's (1e-12 relative at float64, 1e-5 at
// float32); the differences measured here are below 3e-15 and 2e-6.
func TestTransformerRanksDoNotChangeResults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		batch int
		opt   string
	}{
		{"batch10-adam", 10, "adam"},
		{"batch3-sgd", 3, "sgd"},
	} {
		tcfg := TrainConfig{Epochs: 3, Batch: tc.batch, LR: 1e-2, Optimizer: tc.opt, Momentum: 0.9, Seed: 5}
		t.Run(tc.name+"/float64", func(t *testing.T) {
			checkModelRanks(t, tcfg, synth[float64](30, 12, 1, 1, false), synth[float64](9, 12, 1, 2, false), 1e-12)
		})
		t.Run(tc.name+"/float32", func(t *testing.T) {
			checkModelRanks(t, tcfg, synth[float32](30, 12, 1, 1, false), synth[float32](9, 12, 1, 2, false), 1e-5)
		})
	}
}

func checkModelRanks[T Float](t *testing.T, tc TrainConfig, train, val Split[T], tol float64) {
	var ref *Result
	worst := 0.0
	for size := 1; size <= 4; size++ {
		res, _, params, errs := runModels(size, trainTransformer, tc, train, val, nil, nil)
		for k := 0; k < size; k++ {
			if errs[k] != nil {
				t.Fatalf("size %d rank %d: %v", size, k, errs[k])
			}
			for i := range params[k] {
				if params[k][i] != params[0][i] {
					t.Fatalf("size %d: rank %d param %d differs from rank 0", size, k, i)
				}
			}
		}
		if size == 1 {
			ref = res[0]
			continue
		}
		if len(res[0].History) != tc.Epochs {
			t.Fatalf("size %d: %d epochs, want %d", size, len(res[0].History), tc.Epochs)
		}
		for e, st := range res[0].History {
			r := ref.History[e]
			dt, dv := relDiff(st.TrainLoss, r.TrainLoss), relDiff(st.ValLoss, r.ValLoss)
			worst = max(worst, dt, dv)
			if !(dt <= tol) || !(dv <= tol) || st.Samples != r.Samples {
				t.Errorf("size %d epoch %d: losses %.17g, %.17g; one rank %.17g, %.17g", size, e+1, st.TrainLoss, st.ValLoss, r.TrainLoss, r.ValLoss)
			}
		}
	}
	t.Logf("largest relative difference from one rank: %.2g", worst)
}

// TestTransformerResumeBitwise stops a run mid-epoch (and at an epoch's
// last step), saves a checkpoint through Encode and DecodeCheckpoint,
// continues from it on models initialized from another seed, and requires
// the history and final parameters of a run never stopped, bit for bit.
func TestTransformerResumeBitwise(t *testing.T) {
	tc := TrainConfig{Epochs: 3, Batch: 8, LR: 1e-2, Optimizer: "adam", WeightDecay: 1e-3, Seed: 4}
	train, val := synth[float32](30, 12, 1, 1, false), synth[float32](7, 12, 1, 2, false)
	for _, c := range []struct{ size, at int }{{1, 2}, {2, 6}, {3, 4}} { // 4 steps per epoch
		t.Run(fmt.Sprintf("np%d-step%d", c.size, c.at), func(t *testing.T) {
			ref, _, refParams, errs := runModels(c.size, trainTransformer, tc, train, val, nil, nil)
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			var steps atomic.Int64
			stop := func(k int) func() bool {
				return func() bool { return k == 0 && steps.Add(1) == int64(c.at) }
			}
			_, prog, params, errs := runModels(c.size, trainTransformer, tc, train, val, nil, stop)
			if !errors.Is(errs[0], ErrStopped) {
				t.Fatalf("stopped run: %v, want ErrStopped", errs[0])
			}
			ck := &Checkpoint[float32]{Arch: trainTransformer, Train: tc, Params: params[0], Progress: *prog[0]}
			b, err := ck.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeCheckpoint[float32](b)
			if err != nil {
				t.Fatal(err)
			}
			if got := back.Progress.Epoch*4 + back.Progress.Step; got != c.at {
				t.Fatalf("checkpoint after %d steps, want %d", got, c.at)
			}
			res, _, final, errs := runModels(c.size, back.Arch, tc, train, val, back, nil)
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			for e, st := range res[0].History {
				r := ref[0].History[e]
				if st.TrainLoss != r.TrainLoss || st.ValLoss != r.ValLoss {
					t.Errorf("epoch %d: losses %v, %v; never stopped %v, %v", e+1, st.TrainLoss, st.ValLoss, r.TrainLoss, r.ValLoss)
				}
			}
			for i := range final[0] {
				if math.Float32bits(final[0][i]) != math.Float32bits(refParams[0][i]) {
					t.Fatalf("param %d: %v after resume, %v never stopped", i, final[0][i], refParams[0][i])
				}
			}
		})
	}
}
