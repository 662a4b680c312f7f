// Tests of the data-parallel training loop.
package mlp

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
)

var printGolden = flag.Bool("golden", false, "print the golden losses of TestGoldenLosses instead of checking them")

// TestGoldenLosses pins the first 10 step losses of a fixed-seed float64 run
// (5-8-6-2 ReLU, Adam lr 1e-2, global batch 8). They are regression values
// produced by this implementation (go test -run TestGoldenLosses -args
// -golden prints them with %.17g); its gradients are checked independently
// by TestGradientFiniteDifference. The tolerance only absorbs platforms whose
// compilers fuse multiply-adds.
func TestGoldenLosses(t *testing.T) {
	golden := []float64{
		2.3745722066756625,
		1.8721768732109296,
		0.95624986289993241,
		0.51905617287533246,
		0.23184905346477708,
		0.67187804209664359,
		0.61219467211088907,
		0.54155833752572391,
		0.51359374566214777,
		0.34556959806042109,
	}
	cfg := Config{In: 5, Hidden: []int{8, 6}, Out: 2, Act: ActReLU}
	net := NewNet[float64](cfg, 8)
	net.Init(1)
	train := synth[float64](40, 5, 2, 11, false)
	val := synth[float64](10, 5, 2, 12, false)
	tr, err := NewTrainer(net, train, val, NewSelfReducer(), TrainConfig{Epochs: 2, Batch: 8, LR: 1e-2, Optimizer: "adam"})
	if err != nil {
		t.Fatal(err)
	}
	shards := testShards(40, 8, 1, 0, 1)
	steps := append(shards(0), shards(1)...)
	for s, idx := range steps {
		loss, err := tr.Step(idx)
		if err != nil {
			t.Fatal(err)
		}
		if *printGolden {
			fmt.Printf("\t\t%.17g,\n", loss)
			continue
		}
		if !(math.Abs(loss-golden[s]) <= 1e-12*golden[s]) {
			t.Errorf("step %d: loss %.17g, want %.17g", s+1, loss, golden[s])
		}
	}
	if len(steps) != len(golden) {
		t.Fatalf("%d steps for %d golden losses", len(steps), len(golden))
	}
}

// runWorld trains the same problem on size in-process ranks and returns every
// rank's result and final parameters. Ranks other than 0 are initialized from
// a different seed, so agreement also proves the initial broadcast.
func runWorld[T Float](t *testing.T, size int, cfg Config, tc TrainConfig, train, val Split[T]) ([]*Result, [][]T, []error) {
	t.Helper()
	res := make([]*Result, size)
	params := make([][]T, size)
	errs := make([]error, size)
	runRanks(size, func(r Reducer) {
		k := r.Rank()
		net := NewNet[T](cfg, tc.Batch)
		net.Init(tc.Seed + uint64(k))
		res[k], errs[k] = Train(net, train, val, testShards(train.N, tc.Batch, tc.Seed, k, size), r, tc, nil)
		params[k] = net.Params()
	})
	return res, params, errs
}

func relDiff(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

// TestRanksDoNotChangeResults is invariant 1: for the same seed and global
// batch, 1, 2, 3 and 4 ranks give the same loss history up to summation
// order, also when shards are uneven (batch 10 on 4 ranks) or empty (batch 3
// on 4 ranks), and every rank of a world ends with the same bits. The
// tolerances are the design's (1e-12 relative at float64, 1e-5 at float32);
// the differences measured here are below 1e-15 and 2e-7.
func TestRanksDoNotChangeResults(t *testing.T) {
	cfg := Config{In: 6, Hidden: []int{16, 8}, Out: 2, Act: ActReLU}
	for _, tc := range []struct {
		name  string
		batch int
		opt   string
	}{
		{"batch10-adam", 10, "adam"},
		{"batch3-sgd", 3, "sgd"},
		{"batch16-adamw", 16, "adamw"},
	} {
		tcfg := TrainConfig{Epochs: 4, Batch: tc.batch, LR: 1e-2, Optimizer: tc.opt, Momentum: 0.9, WeightDecay: 1e-3, Seed: 5}
		t.Run(tc.name+"/float64", func(t *testing.T) {
			checkRanks(t, cfg, tcfg, synth[float64](50, 6, 2, 1, false), synth[float64](13, 6, 2, 2, false), 1e-12)
		})
		t.Run(tc.name+"/float32", func(t *testing.T) {
			checkRanks(t, cfg, tcfg, synth[float32](50, 6, 2, 1, false), synth[float32](13, 6, 2, 2, false), 1e-5)
		})
	}
}

func checkRanks[T Float](t *testing.T, cfg Config, tc TrainConfig, train, val Split[T], tol float64) {
	var ref *Result
	var refParams []T
	for size := 1; size <= 4; size++ {
		res, params, errs := runWorld(t, size, cfg, tc, train, val)
		for k := 0; k < size; k++ {
			if errs[k] != nil {
				t.Fatalf("size %d rank %d: %v", size, k, errs[k])
			}
			if len(res[k].History) != tc.Epochs {
				t.Fatalf("size %d rank %d: %d epochs, want %d", size, k, len(res[k].History), tc.Epochs)
			}
			for e, st := range res[k].History {
				h0 := res[0].History[e]
				if st.TrainLoss != h0.TrainLoss || st.ValLoss != h0.ValLoss || st.Samples != h0.Samples {
					t.Fatalf("size %d: rank %d epoch %d differs from rank 0: %+v vs %+v", size, k, e+1, st, h0)
				}
			}
			for i := range params[k] {
				if params[k][i] != params[0][i] {
					t.Fatalf("size %d: rank %d param %d differs from rank 0", size, k, i)
				}
			}
		}
		if size == 1 {
			ref, refParams = res[0], params[0]
			continue
		}
		for e, st := range res[0].History {
			r := ref.History[e]
			if st.Samples != train.N {
				t.Errorf("size %d epoch %d: %d samples, want %d", size, e+1, st.Samples, train.N)
			}
			if d := relDiff(st.TrainLoss, r.TrainLoss); !(d <= tol) {
				t.Errorf("size %d epoch %d: train loss %.17g vs %.17g on one rank (rel %.2g)", size, e+1, st.TrainLoss, r.TrainLoss, d)
			}
			if d := relDiff(st.ValLoss, r.ValLoss); !(d <= tol) {
				t.Errorf("size %d epoch %d: val loss %.17g vs %.17g on one rank (rel %.2g)", size, e+1, st.ValLoss, r.ValLoss, d)
			}
		}
		for i := range refParams {
			if d := math.Abs(float64(params[0][i] - refParams[i])); d > 10*tol*(1+math.Abs(float64(refParams[i]))) {
				t.Fatalf("size %d: param %d is %g, one rank gives %g", size, i, params[0][i], refParams[i])
			}
		}
	}
}

// TestSameSeedBitwise is invariant 2 without the restart: the same seed and
// number of ranks give the same bits.
func TestSameSeedBitwise(t *testing.T) {
	cfg := Config{In: 6, Hidden: []int{16}, Out: 1, Act: ActTanh}
	tc := TrainConfig{Epochs: 3, Batch: 7, LR: 1e-2, Optimizer: "adam", Seed: 9}
	train, val := synth[float32](45, 6, 1, 3, false), synth[float32](9, 6, 1, 4, false)
	for _, size := range []int{1, 3} {
		t.Run(fmt.Sprint("size", size), func(t *testing.T) {
			a, pa, errsA := runWorld(t, size, cfg, tc, train, val)
			b, pb, errsB := runWorld(t, size, cfg, tc, train, val)
			for k := range size {
				if errsA[k] != nil || errsB[k] != nil {
					t.Fatalf("rank %d: %v, %v", k, errsA[k], errsB[k])
				}
			}
			if len(a[0].History) != tc.Epochs || len(b[0].History) != tc.Epochs {
				t.Fatalf("%d and %d epochs, want %d", len(a[0].History), len(b[0].History), tc.Epochs)
			}
			for e := range a[0].History {
				if a[0].History[e].TrainLoss != b[0].History[e].TrainLoss || a[0].History[e].ValLoss != b[0].History[e].ValLoss {
					t.Fatalf("epoch %d differs between two runs", e+1)
				}
			}
			for i := range pa[0] {
				if pa[0][i] != pb[0][i] {
					t.Fatalf("param %d differs between two runs", i)
				}
			}
		})
	}
}

// TestEarlyStopping trains towards the negation of the validation targets
// (around a shared offset), so validation loss falls, then rises: training must stop Patience epochs after
// the best one and leave the best epoch's parameters in the net.
func TestEarlyStopping(t *testing.T) {
	cfg := Config{In: 4, Hidden: []int{12}, Out: 1}
	tc := TrainConfig{Epochs: 60, Batch: 8, LR: 2e-2, Optimizer: "adam", Patience: 3, Seed: 2}
	train, val := synth[float64](64, 4, 1, 5, false), synth[float64](16, 4, 1, 6, true)
	// A shared offset first makes both losses fall while the net learns it.
	for _, s := range [][]float64{train.Y, val.Y} {
		for i := range s {
			s[i] += 1
		}
	}
	var mu sync.Mutex
	snap := map[int][]float64{}
	var nets [2]*Net[float64]
	var res [2]*Result
	runRanks(2, func(r Reducer) {
		k := r.Rank()
		net := NewNet[float64](cfg, tc.Batch)
		net.Init(tc.Seed)
		nets[k] = net
		var err error
		res[k], err = Train(net, train, val, testShards(64, 8, tc.Seed, k, 2), r, tc, func(st EpochStats) {
			if st.Best && k == 0 {
				mu.Lock()
				snap[st.Epoch] = append([]float64(nil), net.Params()...)
				mu.Unlock()
			}
		})
		if err != nil {
			t.Error(err)
		}
	})
	got := res[0]
	if !got.Stopped || len(got.History) != got.BestEpoch+tc.Patience || len(got.History) >= tc.Epochs {
		t.Fatalf("stopped %v after %d epochs with best %d, want a stop %d epochs after the best", got.Stopped, len(got.History), got.BestEpoch, tc.Patience)
	}
	best := got.History[got.BestEpoch-1]
	low, last := math.Inf(1), 0
	for _, st := range got.History {
		if st.Best != (st.ValLoss < low) {
			t.Fatalf("epoch %d: val %g, best flag %v, lowest before %g", st.Epoch, st.ValLoss, st.Best, low)
		}
		if st.Best {
			low, last = st.ValLoss, st.Epoch
		}
	}
	if last != got.BestEpoch || got.BestEpoch < 2 {
		t.Fatalf("last best epoch %d, BestEpoch %d: want them equal and > 1 (else the test is weak)", last, got.BestEpoch)
	}
	want := snap[got.BestEpoch]
	for k := range nets {
		for i, p := range nets[k].Params() {
			if p != want[i] {
				t.Fatalf("rank %d param %d is %g, the best epoch had %g", k, i, p, want[i])
			}
		}
	}
	tr, err := NewTrainer(nets[0], train, val, NewSelfReducer(), tc)
	if err != nil {
		t.Fatal(err)
	}
	sse, _, n, err := tr.Evaluate(val)
	if err != nil || !(relDiff(sse/float64(n), best.ValLoss) <= 1e-14) {
		t.Fatalf("restored net's val loss %g (%v), best epoch's %g", sse/float64(n), err, best.ValLoss)
	}
}

// TestNonFiniteLoss puts a NaN target in one sample: every rank must return
// the same error naming the epoch and step of the global batch holding it.
func TestNonFiniteLoss(t *testing.T) {
	cfg := Config{In: 3, Hidden: []int{4}, Out: 1}
	tc := TrainConfig{Epochs: 2, Batch: 6, LR: 1e-2, Seed: 3}
	train, val := synth[float32](30, 3, 1, 7, false), synth[float32](6, 3, 1, 8, false)
	const bad = 17
	train.Y[bad] = float32(math.NaN())
	step := 0
	for s, idx := range testShards(30, 6, tc.Seed, 0, 1)(0) {
		for _, i := range idx {
			if i == bad {
				step = s + 1
			}
		}
	}
	_, _, errs := runWorld(t, 3, cfg, tc, train, val)
	want := fmt.Sprintf("mlp: non-finite train loss NaN at epoch 1, step %d", step)
	for k, err := range errs {
		if !errors.Is(err, ErrNonFinite) || err.Error() != want {
			t.Errorf("rank %d: error %v, want %q", k, err, want)
		}
	}
}

// TestStepAllocs proves the training step and the evaluation allocate
// nothing once warm, at both precisions, for a net small enough for one GEMM
// tile and one that needs many.
func TestStepAllocs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		batch int
	}{
		{"tiny-relu", Config{In: 5, Hidden: []int{8}, Out: 1}, 16},
		{"tiny-tanh", Config{In: 5, Hidden: []int{8}, Out: 2, Act: ActTanh}, 16},
		{"tiled", Config{In: 60, Hidden: []int{256, 256}, Out: 1}, 256},
	} {
		t.Run(tc.name+"/float32", func(t *testing.T) { checkAllocs[float32](t, tc.cfg, tc.batch) })
		t.Run(tc.name+"/float64", func(t *testing.T) { checkAllocs[float64](t, tc.cfg, tc.batch) })
	}
}

func checkAllocs[T Float](t *testing.T, cfg Config, batch int) {
	net := NewNet[T](cfg, batch)
	net.Init(1)
	train := synth[T](2*batch, cfg.In, cfg.Out, 1, false)
	val := synth[T](batch+3, cfg.In, cfg.Out, 2, false)
	for _, opt := range []string{"adam", "sgd"} {
		tr, err := NewTrainer(net, train, val, NewSelfReducer(), TrainConfig{Epochs: 1, Batch: batch, LR: 1e-3, Optimizer: opt})
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

func TestTrainConfigValidate(t *testing.T) {
	ok := DefaultTrainConfig()
	for _, tc := range []struct {
		name string
		edit func(*TrainConfig)
		want string
	}{
		{"default", func(*TrainConfig) {}, ""},
		{"epochs", func(c *TrainConfig) { c.Epochs = 0 }, "mlp: epochs 0, want >= 1"},
		{"batch", func(c *TrainConfig) { c.Batch = -1 }, "mlp: batch -1, want >= 1"},
		{"lr-zero", func(c *TrainConfig) { c.LR = 0 }, "mlp: learning rate 0, want a finite value > 0"},
		{"lr-nan", func(c *TrainConfig) { c.LR = math.NaN() }, "mlp: learning rate NaN, want a finite value > 0"},
		{"optimizer", func(c *TrainConfig) { c.Optimizer = "rmsprop" }, `mlp: optimizer "rmsprop", want "adam", "adamw" or "sgd"`},
		{"momentum", func(c *TrainConfig) { c.Momentum = 1 }, "mlp: momentum 1, want 0 <= m < 1"},
		{"decay", func(c *TrainConfig) { c.WeightDecay = -0.1 }, "mlp: weight decay -0.1, want a finite value >= 0"},
		{"patience", func(c *TrainConfig) { c.Patience = -2 }, "mlp: patience -2, want >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if (err == nil) != (tc.want == "") || err != nil && err.Error() != tc.want {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNewTrainerErrors(t *testing.T) {
	cfg := Config{In: 3, Out: 1}
	good := synth[float64](10, 3, 1, 1, false)
	tc := TrainConfig{Epochs: 1, Batch: 4, LR: 0.1}
	for _, c := range []struct {
		name       string
		maxBatch   int
		train, val Split[float64]
		tc         TrainConfig
		want       string
	}{
		{"ok", 4, good, good, tc, ""},
		{"small-net", 3, good, good, tc, "mlp: model built for batches of 3, want >= 4 (global batch 4 over 1 ranks)"},
		{"ragged-x", 4, Split[float64]{X: good.X[:29], Y: good.Y, N: 10}, good, tc, "mlp: train split of 10 samples has len(X)=29, len(Y)=10; want 30 and 10"},
		{"empty-train", 4, Split[float64]{}, good, tc, "mlp: empty training split"},
		{"ragged-val", 4, good, Split[float64]{X: good.X, Y: good.Y[:9], N: 10}, tc, "mlp: val split of 10 samples has len(X)=30, len(Y)=9; want 30 and 10"},
		{"patience-no-val", 4, good, Split[float64]{}, TrainConfig{Epochs: 1, Batch: 4, LR: 0.1, Patience: 1}, "mlp: early stopping needs a validation split"},
		{"bad-config", 4, good, good, TrainConfig{Epochs: 1, Batch: 4}, "mlp: learning rate 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewTrainer(NewNet[float64](cfg, c.maxBatch), c.train, c.val, NewSelfReducer(), c.tc)
			if (err == nil) != (c.want == "") || err != nil && !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("NewTrainer: %v, want %q", err, c.want)
			}
		})
	}
	// two outputs: the figures of Y's expected length
	two := synth[float64](10, 3, 2, 1, false)
	_, err := NewTrainer(NewNet[float64](Config{In: 3, Out: 2}, 4), Split[float64]{X: two.X, Y: two.Y[:19], N: 10}, two, NewSelfReducer(), tc)
	if want := "mlp: train split of 10 samples has len(X)=30, len(Y)=19; want 30 and 20"; err == nil || err.Error() != want {
		t.Errorf("NewTrainer with a short Y: %v, want %q", err, want)
	}
}

// TestTrainTiming checks the bookkeeping of one rank: steps, samples, and
// epoch seconds that add up.
func TestTrainTiming(t *testing.T) {
	cfg := Config{In: 4, Hidden: []int{8}, Out: 1}
	tc := TrainConfig{Epochs: 3, Batch: 5, LR: 1e-2}
	train, val := synth[float32](23, 4, 1, 1, false), synth[float32](7, 4, 1, 2, false)
	net := NewNet[float32](cfg, 5)
	net.Init(1)
	var seen []int
	res, err := Train(net, train, val, testShards(23, 5, 1, 0, 1), NewSelfReducer(), tc, func(st EpochStats) { seen = append(seen, st.Epoch) })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[1 2 3]" || res.Stopped || res.BestEpoch < 1 {
		t.Fatalf("epochs seen %v, stopped %v, best %d", seen, res.Stopped, res.BestEpoch)
	}
	tm := res.Timing
	if tm.Steps != 15 || tm.Samples != 69 {
		t.Errorf("timing counted %d steps and %d samples, want 15 and 69", tm.Steps, tm.Samples)
	}
	sum := 0.0
	for _, st := range res.History {
		if st.Samples != 23 || !(st.Seconds >= st.Compute+st.Allreduce+st.Eval) || !(st.TrainLoss > 0) || !(st.ValMAE > 0) {
			t.Errorf("epoch stats %+v", st)
		}
		sum += st.Compute
	}
	if !(math.Abs(sum-tm.Compute) <= 1e-9) || !(tm.Total >= tm.Compute+tm.Allreduce+tm.Eval) {
		t.Errorf("totals %+v against epochs summing to compute %g", tm, sum)
	}
}
