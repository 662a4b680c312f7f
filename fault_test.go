package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"mpitrain/collective"
	"mpitrain/mlp"
)

// MPITRAIN_FAULT's forms parse to the fault they name; every other
// spelling is refused with the forms it takes.
func TestFaultSpec(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		want  faultReducer
		error bool
	}{
		{spec: "nan@7", want: faultReducer{step: 7}},
		{spec: "panic@3/1", want: faultReducer{step: 3, rank: 1, panics: true}},
		{spec: "slow@5", want: faultReducer{delay: 5 * time.Millisecond}},
		{spec: "slow@10000", want: faultReducer{delay: 10 * time.Second}},
		{spec: "slow@0", error: true},
		{spec: "slow@10001", error: true},
		{spec: "slow", error: true},
		{spec: "nan@0", error: true},
		{spec: "nan@2/-1", error: true},
		{spec: "stall@2", error: true},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Setenv(faultEnv, tc.spec)
			r, err := withFault(nil)
			if tc.error {
				if err == nil || !strings.Contains(err.Error(), "slow@MS") {
					t.Fatalf("err %v, want the forms named", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f := r.(*faultReducer)
			if f.step != tc.want.step || f.rank != tc.want.rank || f.panics != tc.want.panics || f.delay != tc.want.delay {
				t.Errorf("got %+v, want %+v", *f, tc.want)
			}
		})
	}
}

// With --allreduce shard the fault goes into the split sum; where the
// split is refused (here one rank without MPI: collective.NewSelf) the step
// falls back to SumFloat32 on the same buffer, and the fault must still
// hit once, at its step.
func TestFaultCountsSplitSumOnce(t *testing.T) {
	t.Setenv(faultEnv, "nan@2")
	r, err := withFault(newReducer(collective.NewSelf(), "shard"))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := r.(mlp.ShardReducer)
	if !ok {
		t.Fatalf("%T over a splitting reducer is no mlp.ShardReducer", r)
	}
	for step := 1; step <= 3; step++ {
		buf := make([]float32, 10)
		_, _, split, err := s.ReduceShardFloat32(buf, 3)
		if err != nil || split {
			t.Fatalf("step %d: split %v, err %v; want a refusal", step, split, err)
		}
		if err := s.SumFloat32(buf); err != nil {
			t.Fatal(err)
		}
		if hit := math.IsNaN(float64(buf[0])); hit != (step == 2) {
			t.Errorf("step %d: NaN injected %v, want it at step 2 only", step, hit)
		}
	}
}
