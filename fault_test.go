package main

import (
	"strings"
	"testing"
	"time"
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
