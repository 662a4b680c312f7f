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
		return &faultReducer{Reducer: r, delay: time.Duration(ms) * time.Millisecond}, nil
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
	return f, nil
}

// poison reports whether this call is the gradient Allreduce to poison:
// gradient buffers are the long ones (validation sums have 3 values).
func (f *faultReducer) poison(n int) bool {
	if n <= 3 {
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

func (f *faultReducer) SumFloat32(b []float32) error {
	if f.poison(len(b)) {
		b[0] = float32(math.NaN())
	}
	return f.Reducer.SumFloat32(b)
}

func (f *faultReducer) SumFloat64(b []float64) error {
	if f.poison(len(b)) {
		b[0] = math.NaN()
	}
	return f.Reducer.SumFloat64(b)
}
