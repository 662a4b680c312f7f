// fault.go: injected faults for testing the guards end to end:
// MPITRAIN_FAULT=nan@STEP[/RANK] puts a NaN into one rank's gradient at
// global training step STEP (1-based, counted over the whole run), just
// before the step's Allreduce; panic@STEP[/RANK] makes that rank panic
// there instead; slow@MS makes every rank sleep MS milliseconds before
// each gradient Allreduce (the numbers are unchanged), so a test can
// interrupt a run in mid-training on a machine of any speed. Nothing else
// reads it; it exists so tests can prove that a non-finite value stops
// every rank at the same step, that a panic ends the job with one line,
// and that a stopped run resumes.
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"mpitrain/mlp"
)

const faultEnv = "MPITRAIN_FAULT"

// faultReducer wraps a reducer and poisons one gradient buffer.
type faultReducer struct {
	mlp.Reducer
	step, rank int           // inject at this gradient Allreduce on this rank
	panics     bool          // panic instead of poisoning
	delay      time.Duration // slow@MS: sleep before every gradient Allreduce
	calls      int
	done       bool // the fault of this step was applied by a split sum that fell back to SumFloat*
}

// shardFault is faultReducer over a reducer that splits its sums
// (--allreduce shard): the fault goes into the split sum, so a run with a
// fault takes the same path, and gives the same bits, as one without.
type shardFault struct {
	*faultReducer
	inner mlp.ShardReducer
}

func (f shardFault) ReduceShardFloat32(b []float32, tail int) (int, int, bool, error) {
	f.inject32(b)
	lo, hi, ok, err := f.inner.ReduceShardFloat32(b, tail)
	f.done = !ok && err == nil
	return lo, hi, ok, err
}

func (f shardFault) ReduceShardFloat64(b []float64, tail int) (int, int, bool, error) {
	f.inject64(b)
	lo, hi, ok, err := f.inner.ReduceShardFloat64(b, tail)
	f.done = !ok && err == nil
	return lo, hi, ok, err
}

func (f shardFault) ShareShardFloat32(b []float32, bad int, val float64) (int, float64, error) {
	return f.inner.ShareShardFloat32(b, bad, val)
}

func (f shardFault) ShareShardFloat64(b []float64, bad int, val float64) (int, float64, error) {
	return f.inner.ShareShardFloat64(b, bad, val)
}

// wrap returns f as the reducer to train with: a shardFault when r splits
// its sums.
func (f *faultReducer) wrap(r mlp.Reducer) mlp.Reducer {
	if s, ok := r.(mlp.ShardReducer); ok {
		return shardFault{f, s}
	}
	return f
}

// withFault returns r, or r wrapped as MPITRAIN_FAULT asks.
func withFault(r mlp.Reducer) (mlp.Reducer, error) {
	spec := os.Getenv(faultEnv)
	if spec == "" {
		return r, nil
	}
	bad := fmt.Errorf("%s=%q: want nan@STEP, panic@STEP, nan@STEP/RANK, panic@STEP/RANK or slow@MS", faultEnv, spec)
	kind, at, ok := strings.Cut(spec, "@")
	if kind == "slow" && ok {
		ms, err := strconv.Atoi(at)
		if err != nil || ms < 1 || ms > 10000 {
			return nil, bad
		}
		f := &faultReducer{Reducer: r, delay: time.Duration(ms) * time.Millisecond}
		return f.wrap(r), nil
	}
	if !ok || kind != "nan" && kind != "panic" {
		return nil, bad
	}
	stepS, rankS, _ := strings.Cut(at, "/")
	f := &faultReducer{Reducer: r, panics: kind == "panic"}
	var err error
	if f.step, err = strconv.Atoi(stepS); err != nil || f.step < 1 {
		return nil, bad
	}
	if rankS != "" {
		if f.rank, err = strconv.Atoi(rankS); err != nil || f.rank < 0 {
			return nil, bad
		}
	}
	return f.wrap(r), nil
}

// poison reports whether this call is the gradient Allreduce to poison:
// gradient buffers are the long ones (validation sums have 3 values).
func (f *faultReducer) poison(n int) bool {
	if n <= 3 {
		return false
	}
	if f.done { // applied already, by the split sum that fell back here
		f.done = false
		return false
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
		return false
	}
	f.calls++
	hit := f.calls == f.step && f.Rank() == f.rank
	if hit && f.panics {
		panic(fmt.Sprintf("%s: injected panic at step %d", faultEnv, f.step))
	}
	return hit
}

// inject32 and inject64 put the NaN into b when this is the call to
// poison.
func (f *faultReducer) inject32(b []float32) {
	if f.poison(len(b)) {
		b[0] = float32(math.NaN())
	}
}

func (f *faultReducer) inject64(b []float64) {
	if f.poison(len(b)) {
		b[0] = math.NaN()
	}
}

func (f *faultReducer) SumFloat32(b []float32) error {
	f.inject32(b)
	return f.Reducer.SumFloat32(b)
}

func (f *faultReducer) SumFloat64(b []float64) error {
	f.inject64(b)
	return f.Reducer.SumFloat64(b)
}
