// Tests of the LSTM in the training loop: no allocations, the number of
// ranks does not change results, a checkpointed run resumes bit for bit.
package mlp

import (
	"fmt"
	"testing"
)

// newTestModel builds the model cfg names, failing the test on error.
func newTestModel[T Float](t *testing.T, cfg Config, maxBatch int) Model[T] {
	t.Helper()
	m, err := NewModel[T](cfg, maxBatch)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLSTMStepAllocs: a warm Trainer.Step (Adam and SGD) and Evaluate
// allocate nothing, at both precisions.
func TestLSTMStepAllocs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		batch int
	}{
		{"one-layer", Config{Model: ModelLSTM, In: 20, Hidden: []int{16}, Out: 1}, 16},
		{"stacked", Config{Model: ModelLSTM, In: 12, Features: 3, Hidden: []int{8, 5}, Out: 2}, 8},
	} {
		t.Run(tc.name+"/float32", func(t *testing.T) { checkModelAllocs[float32](t, tc.cfg, tc.batch) })
		t.Run(tc.name+"/float64", func(t *testing.T) { checkModelAllocs[float64](t, tc.cfg, tc.batch) })
	}
}

func checkModelAllocs[T Float](t *testing.T, cfg Config, batch int) {
	m := newTestModel[T](t, cfg, batch)
	m.Init(1)
	train := synth[T](2*batch, cfg.In, cfg.Out, 1, false)
	val := synth[T](batch+3, cfg.In, cfg.Out, 2, false)
	for _, opt := range []string{"adam", "sgd"} {
		tr, err := NewTrainer(m, train, val, NewSelfReducer(), TrainConfig{Epochs: 1, Batch: batch, LR: 1e-3, Optimizer: opt})
		if err != nil {
			t.Fatal(err)
		}
		idx := testShards(train.N, batch, 1, 0, 1)(0)[1]
		if _, err := tr.Step(idx); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(5, func() { tr.Step(idx) }); a != 0 {
			t.Errorf("%s: Step allocates %v times", opt, a)
		}
		if a := testing.AllocsPerRun(5, func() { tr.Evaluate(val) }); a != 0 {
			t.Errorf("Evaluate allocates %v times", a)
		}
	}
}

// runModelWorld is runWorld for the model cfg names: it trains on size
// in-process ranks, ranks other than 0 initialized from other seeds.
func runModelWorld[T Float](t *testing.T, size int, cfg Config, tc TrainConfig, train, val Split[T]) ([]*Result, [][]T, []error) {
	t.Helper()
	res, params, errs := make([]*Result, size), make([][]T, size), make([]error, size)
	runRanks(size, func(r Reducer) {
		k := r.Rank()
		m := newTestModel[T](t, cfg, ShardRows(tc.Batch, size))
		m.Init(tc.Seed + uint64(k))
		res[k], errs[k] = Train(m, train, val, testShards(train.N, tc.Batch, tc.Seed, k, size), r, tc, nil)
		params[k] = m.Params()
	})
	return res, params, errs
}

// TestLSTMRanksDoNotChangeResults is invariant 1 for the LSTM: 1 to 4 ranks
// with the same global batch (uneven shards included) give the same history
// to 1e-9 relative at float64, and every rank of a world the same bits.
func TestLSTMRanksDoNotChangeResults(t *testing.T) {
	cfg := Config{Model: ModelLSTM, In: 12, Features: 2, Hidden: []int{6, 4}, Out: 1}
	tc := TrainConfig{Epochs: 3, Batch: 10, LR: 1e-2, Optimizer: "adam", Seed: 3}
	train, val := synth[float64](45, cfg.In, 1, 1, false), synth[float64](11, cfg.In, 1, 2, false)
	ref, refParams, errs := runModelWorld(t, 1, cfg, tc, train, val)
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	for size := 2; size <= 4; size++ {
		t.Run(fmt.Sprint("np", size), func(t *testing.T) {
			res, params, errs := runModelWorld(t, size, cfg, tc, train, val)
			for k := 0; k < size; k++ {
				if errs[k] != nil {
					t.Fatalf("rank %d: %v", k, errs[k])
				}
				for i := range params[k] {
					if params[k][i] != params[0][i] {
						t.Fatalf("rank %d param %d differs from rank 0", k, i)
					}
				}
			}
			if len(res[0].History) != tc.Epochs || len(ref[0].History) != tc.Epochs {
				t.Fatalf("%d epochs on %d ranks, %d on one; want %d", len(res[0].History), size, len(ref[0].History), tc.Epochs)
			}
			worst := 0.0
			for e, st := range res[0].History {
				r := ref[0].History[e]
				worst = max(worst, relDiff(st.TrainLoss, r.TrainLoss), relDiff(st.ValLoss, r.ValLoss))
				if d := relDiff(st.TrainLoss, r.TrainLoss); !(d <= 1e-9) {
					t.Errorf("epoch %d: train loss %.17g, one rank %.17g (rel %.2g)", e+1, st.TrainLoss, r.TrainLoss, d)
				}
				if d := relDiff(st.ValLoss, r.ValLoss); !(d <= 1e-9) {
					t.Errorf("epoch %d: val loss %.17g, one rank %.17g (rel %.2g)", e+1, st.ValLoss, r.ValLoss, d)
				}
			}
			t.Logf("largest relative difference of the losses from one rank's: %.3g", worst)
			for i := range params[0] {
				if d := relDiff(params[0][i], refParams[0][i]); d > 1e-9 && params[0][i] != refParams[0][i] {
					t.Fatalf("param %d: %.17g, one rank %.17g", i, params[0][i], refParams[0][i])
				}
			}
		})
	}
}

// TestLSTMResumeBitwise is invariant 2 for the LSTM: a run stopped mid-epoch,
// saved as a checkpoint (Encode, DecodeCheckpoint) and resumed on new
// models initialized from another seed ends with the bits of a run never
// stopped: history, parameters and optimizer state.
func TestLSTMResumeBitwise(t *testing.T) {
	cfg := Config{Model: ModelLSTM, In: 10, Hidden: []int{8}, Out: 1}
	tc := TrainConfig{Epochs: 3, Batch: 8, LR: 1e-2, Optimizer: "adam", Seed: 4}
	train, val := synth[float32](40, cfg.In, 1, 1, false), synth[float32](9, cfg.In, 1, 2, false)
	for _, size := range []int{1, 2} {
		t.Run(fmt.Sprint("np", size), func(t *testing.T) {
			ref := runFrom(t, size, cfg, tc, train, val, nil, 0)
			const at = 7 // global step: the second of epoch 2 (5 steps per epoch)
			ck := saveAndLoad(t, cfg, tc, runFrom(t, size, cfg, tc, train, val, nil, at))
			if ck.Progress.Epoch != 1 || ck.Progress.Step != 2 {
				t.Fatalf("checkpoint at epoch %d step %d, want 1 and 2", ck.Progress.Epoch, ck.Progress.Step)
			}
			if ck.Arch.Kind() != ModelLSTM {
				t.Fatalf("checkpoint of a %s", ck.Arch.Kind())
			}
			sameFinal(t, runFrom(t, size, ck.Arch, ck.Train, train, val, ck, 0), ref)
		})
	}
}
