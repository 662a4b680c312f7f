// Sharded steps (Trainer.Step with a ShardReducer): each rank updates its
// slice of the parameters and the ranks share them. The in-process world
// sums in the same order either way, so a sharded run must give the bits
// of a whole one: history, parameters on every rank, optimizer state.

package mlp

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// shardRun is one rank's outcome of runSharded.
type shardRun[T Float] struct {
	res    *Result
	prog   *Progress[T]
	params []T
	states [][][]T // the optimizer buffers after each epoch (copies)
	err    error
}

// runSharded trains on size in-process ranks with Run, through a
// shardReducer when shard is set (else rankReducer), stopping after global
// step stopAt (0: never) as a Stop hook on the last rank asks, and returns
// each rank's outcome and the number of reduces that split the sum.
func runSharded[T Float](size int, shard bool, cfg Config, tc TrainConfig, train, val Split[T], stopAt int) ([]shardRun[T], int64) {
	out := make([]shardRun[T], size)
	var shards atomic.Int64
	w := newWorld(size)
	done := make(chan struct{})
	for k := range size {
		go func() {
			defer func() { done <- struct{}{} }()
			var r Reducer = rankReducer{w: w, rank: k}
			if shard {
				r = shardReducer{rankReducer: rankReducer{w: w, rank: k}, shards: &shards}
			}
			net := NewNet[T](cfg, ShardRows(tc.Batch, size))
			net.Init(tc.Seed + uint64(k))
			o := &out[k]
			steps := 0
			h := Hooks[T]{
				OnEpoch: func(_ EpochStats, _ *Trainer[T], p *Progress[T]) {
					var c [][]T
					for _, b := range p.OptBuffer {
						c = append(c, slices.Clone(b))
					}
					o.states = append(o.states, c)
				},
				Stop: func() bool { steps++; return k == size-1 && steps == stopAt },
			}
			o.res, o.prog, o.err = Run(net, train, val, testShards(train.N, tc.Batch, tc.Seed, k, size), r, tc, nil, h)
			o.params = net.Params()
		}()
	}
	for range size {
		<-done
	}
	return out, shards.Load()
}

func TestShardedRunsMatchWholeRuns(t *testing.T) {
	cfg := Config{In: 6, Hidden: []int{16, 8}, Out: 2, Act: ActReLU}
	for _, tc := range []struct {
		name   string
		size   int
		batch  int
		opt    string
		stopAt int
	}{
		{"np2-adam", 2, 10, "adam", 0},
		{"np3-adamw-patience", 3, 16, "adamw", 0},
		{"np4-sgd-empty-shards", 4, 3, "sgd", 0},
		{"np2-adam-stopped-mid-epoch", 2, 8, "adam", 9},
	} {
		tcfg := TrainConfig{Epochs: 4, Batch: tc.batch, LR: 1e-2, Optimizer: tc.opt, Momentum: 0.9, WeightDecay: 1e-3, Seed: 5}
		if tc.opt == "adamw" {
			tcfg.Patience, tcfg.Epochs = 1, 6
		}
		t.Run(tc.name+"/float32", func(t *testing.T) {
			checkSharded(t, tc.size, cfg, tcfg, synth[float32](50, 6, 2, 1, false), synth[float32](13, 6, 2, 2, false), tc.stopAt)
		})
		t.Run(tc.name+"/float64", func(t *testing.T) {
			checkSharded(t, tc.size, cfg, tcfg, synth[float64](50, 6, 2, 1, false), synth[float64](13, 6, 2, 2, false), tc.stopAt)
		})
	}
}

func checkSharded[T Float](t *testing.T, size int, cfg Config, tc TrainConfig, train, val Split[T], stopAt int) {
	t.Helper()
	whole, n0 := runSharded(size, false, cfg, tc, train, val, stopAt)
	shard, n := runSharded(size, true, cfg, tc, train, val, stopAt)
	if n0 != 0 || n == 0 || n%int64(size) != 0 {
		t.Fatalf("%d and %d split reduces over the ranks: want 0, then a positive multiple of %d", n0, n, size)
	}
	for k := range size {
		a, b := whole[k], shard[k]
		if (a.err == nil) != (b.err == nil) || (a.err != nil && a.err.Error() != b.err.Error()) {
			t.Fatalf("rank %d: error %v, sharded %v", k, a.err, b.err)
		}
		if stopAt > 0 && !errors.Is(b.err, ErrStopped) {
			t.Fatalf("rank %d: %v, want a stop", k, b.err)
		}
		if len(a.res.History) != len(b.res.History) || a.res.BestEpoch != b.res.BestEpoch {
			t.Fatalf("rank %d: %d epochs (best %d), sharded %d (best %d)", k, len(a.res.History), a.res.BestEpoch, len(b.res.History), b.res.BestEpoch)
		}
		for e := range a.res.History {
			x, y := a.res.History[e], b.res.History[e]
			if x.TrainLoss != y.TrainLoss || x.ValLoss != y.ValLoss || x.ValMAE != y.ValMAE || x.Samples != y.Samples {
				t.Fatalf("rank %d epoch %d: %+v, sharded %+v", k, e+1, x, y)
			}
		}
		if i := slices.Compare(a.params, b.params); i != 0 || len(a.params) == 0 {
			t.Fatalf("rank %d: parameters differ from the whole run's", k)
		}
		if !slices.Equal(b.params, shard[0].params) {
			t.Fatalf("rank %d: parameters differ from rank 0's", k)
		}
		checkStates(t, fmt.Sprintf("rank %d, each epoch", k), a.states, b.states)
		checkStates(t, fmt.Sprintf("rank %d, at the end", k), [][][]T{a.prog.OptBuffer}, [][][]T{b.prog.OptBuffer})
		if a.prog.OptSteps != b.prog.OptSteps || a.prog.OptSteps == 0 || a.prog.Step != b.prog.Step {
			t.Fatalf("rank %d: optimizer steps %d, sharded %d (progress step %d and %d)", k, a.prog.OptSteps, b.prog.OptSteps, a.prog.Step, b.prog.Step)
		}
	}
}

// checkStates compares optimizer buffers bit for bit.
func checkStates[T Float](t *testing.T, where string, a, b [][][]T) {
	t.Helper()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%s: %d and %d sets of optimizer buffers", where, len(a), len(b))
	}
	for e := range a {
		if len(a[e]) != len(b[e]) || len(a[e]) == 0 {
			t.Fatalf("%s: set %d has %d and %d buffers", where, e, len(a[e]), len(b[e]))
		}
		for i := range a[e] {
			if !slices.Equal(a[e][i], b[e][i]) {
				t.Fatalf("%s: set %d, optimizer buffer %d differs from the whole run's", where, e, i)
			}
		}
	}
}

// TestShardedNonFiniteGradient: a sharded step must return, on every
// rank, the error of a whole step, which names the lowest non-finite
// parameter, wherever it lies. The overflow is overflowCase's (parameter
// 0 first, in rank 0's slice); the others are written into a rank's
// gradient after its backward pass (by the Stop hook, which runs there),
// so that the sum carries them into one rank's slice or both.
func TestShardedNonFiniteGradient(t *testing.T) {
	cfg, tc, train, poison := overflowCase()
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		name     string
		overflow bool
		set      map[[2]int]float32 // {rank, parameter}: value
		want     string
	}{
		{"overflow in rank 0's slice", true, nil, "(parameter 0)"},
		{"in rank 1's slice", false, map[[2]int]float32{{1, 15}: inf}, "gradient +Inf (parameter 15)"},
		{"in both, the lowest wins", false, map[[2]int]float32{{0, 18}: float32(math.NaN()), {1, 4}: -inf, {1, 12}: inf}, "gradient -Inf (parameter 4)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			step := func(shard bool) []error {
				errs := make([]error, 2)
				var shards atomic.Int64
				w := newWorld(2)
				done := make(chan struct{})
				for k := range 2 {
					go func() {
						defer func() { done <- struct{}{} }()
						var r Reducer = rankReducer{w: w, rank: k}
						if shard {
							r = shardReducer{rankReducer: rankReducer{w: w, rank: k}, shards: &shards}
						}
						net := NewNet[float32](cfg, 2)
						net.Init(1)
						tr, err := NewTrainer(net, train, Split[float32]{}, r, tc)
						if err != nil {
							errs[k] = err
							return
						}
						if c.overflow {
							poison(net.Params())
						}
						tr.Stop = func() bool {
							for at, v := range c.set {
								if at[0] == k {
									net.Grads()[at[1]] = v
								}
							}
							return false
						}
						_, errs[k] = tr.Step([]int{2 * k, 2*k + 1})
					}()
				}
				<-done
				<-done
				if shard && shards.Load() != 2 {
					t.Fatalf("%d split reduces, want 2", shards.Load())
				}
				return errs
			}
			whole, sharded := step(false), step(true)
			for k := range 2 {
				if !errors.Is(whole[k], ErrNonFinite) || whole[k].Error() != whole[0].Error() || !strings.Contains(whole[k].Error(), c.want) {
					t.Fatalf("whole step, rank %d: %v, want %q in it", k, whole[k], c.want)
				}
				if sharded[k] == nil || sharded[k].Error() != whole[k].Error() {
					t.Errorf("sharded step, rank %d: %v, want %v", k, sharded[k], whole[k])
				}
			}
		})
	}
}
