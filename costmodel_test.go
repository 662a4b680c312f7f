// Tests of the cost model's formulas and fit.
package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mpitrain/mlp"
)

func TestRingAllreduce(t *testing.T) {
	const alpha, beta = 10e-6, 1e-9 // 10 us, 1 ns/B
	cases := []struct {
		name string
		p    int
		n    float64
		want float64
	}{
		{"one rank moves nothing", 1, 1e6, 0},
		{"two ranks: 2 alpha + n beta", 2, 1e6, 2*alpha + 1e6*beta},
		{"four ranks: 6 alpha + 1.5 n beta", 4, 1e6, 6*alpha + 1.5e6*beta},
		{"64 ranks: 126 alpha + 126/64 n beta", 64, 1e6, 126*alpha + 126.0/64*1e6*beta},
		{"empty message is latency only", 8, 0, 14 * alpha},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ringAllreduce(tc.p, tc.n, alpha, beta); !(math.Abs(got-tc.want) <= 1e-15) {
				t.Errorf("ringAllreduce(%d, %g) = %g, want %g", tc.p, tc.n, got, tc.want)
			}
		})
	}
}

func TestFitRingRecoversConstants(t *testing.T) {
	for _, p := range []int{2, 3, 8} {
		const alpha, beta = 7.5e-6, 0.25e-9
		var pts []arPoint
		for _, n := range []float64{8, 1024, 65536, 1 << 20, 8 << 20} {
			pts = append(pts, arPoint{n, ringAllreduce(p, n, alpha, beta)})
		}
		a, b, err := fitRing(p, pts)
		if err != nil {
			t.Fatal(err)
		}
		if !(math.Abs(a/alpha-1) <= 1e-9) || !(math.Abs(b/beta-1) <= 1e-9) {
			t.Errorf("p=%d: fit alpha %g beta %g, want %g %g", p, a, b, alpha, beta)
		}
	}
}

func TestFitRingRelativeError(t *testing.T) {
	// A 10% error on the largest message must not swamp the latency: with
	// a relative-error fit, alpha stays near the small-message time.
	pts := []arPoint{{8, 2e-6}, {16, 2e-6}, {1 << 20, 1.1 * (2e-6 + (1<<20)*1e-10)}}
	a, _, err := fitRing(2, pts)
	if err != nil {
		t.Fatal(err)
	}
	if a < 0.9e-6 || a > 1.1e-6 {
		t.Errorf("alpha = %g, want about 1e-6 (half the 2 us small-message time)", a)
	}
}

func TestFitRingErrors(t *testing.T) {
	if _, _, err := fitRing(2, []arPoint{{8, 1e-6}, {8, 2e-6}}); err == nil {
		t.Error("one size: want an error")
	}
	if _, _, err := fitRing(1, []arPoint{{8, 1e-6}, {16, 2e-6}}); err == nil {
		t.Error("p = 1: want an error")
	}
	if _, _, err := fitRing(2, []arPoint{{8, 0}, {16, 2e-6}}); err == nil {
		t.Error("zero time: want an error")
	}
}

func TestModelStepAndEfficiency(t *testing.T) {
	c := benchConfig{name: "x", arch: mlp.Config{In: 2, Hidden: []int{3}, Out: 1}, batch: 8}
	m := &costModel{alphaTCP: 1e-6, betaTCP: 1e-9, comp: map[string]map[int]float64{"x": {8: 8e-3, 4: 4.5e-3, 2: 2.5e-3}}}
	n := 4 * float64(c.arch.NumParams()+3) // 13 parameters + 3
	if n != 64 {
		t.Fatalf("reducedBytes = %g, want 64", reducedBytes(c.arch))
	}
	if got := m.step(c, 1, 1, 1); got != 8e-3 {
		t.Errorf("T_step(1) = %g, want the compute alone", got)
	}
	want := 4.5e-3 + 2*1e-6 + 64*1e-9
	if got := m.step(c, 2, 1e-6, 1e-9); !(math.Abs(got-want) <= 1e-15) {
		t.Errorf("T_step(2) = %g, want %g", got, want)
	}
	if e := efficiency(8e-3, want, 2); !(math.Abs(e-8e-3/(2*want)) <= 1e-15) {
		t.Errorf("efficiency = %g", e)
	}
	a, b := m.net(10e9)
	if a != 1e-6 || !(math.Abs(b-(0.8e-9+1e-9)) <= 1e-21) {
		t.Errorf("10 Gb/s: alpha %g beta %g, want 1e-6 and 1.8e-9", a, b)
	}
	if shardRows(128, 3) != 43 || shardRows(128, 64) != 2 || shardRows(1024, 1) != 1024 {
		t.Error("shardRows is not ceil(batch/p)")
	}
}

func TestEpochStep(t *testing.T) {
	if got := epochBatches(10, 4); len(got) != 3 || got[0] != 4 || got[2] != 2 {
		t.Errorf("epochBatches(10, 4) = %v, want [4 4 2]", got)
	}
	c := benchConfig{name: "x", arch: mlp.Config{In: 2, Hidden: []int{3}, Out: 1}, batch: 4}
	m := &costModel{comp: map[string]map[int]float64{"x": {4: 4, 2: 2, 1: 1}}}
	// np 2 over 10 samples: shards of 2, 2 and 1 rows; 3 Allreduces of 2a + 64b.
	want := 2 + 2 + 1 + 3*(2*1e-3+64*1e-6)
	if got := m.epochStep(c, 10, 2, 1e-3, 1e-6, 1); !(math.Abs(got-want) <= 1e-12) {
		t.Errorf("epochStep = %g, want %g", got, want)
	}
	if got := m.epochStep(c, 10, 2, 0, 0, 2); got != 10 {
		t.Errorf("epochStep with compute x 2 = %g, want 10", got)
	}
}

// `trainer bench model` runs end to end on allreduce_bench and trainer
// bench lines, and projects the MLP configurations only.
func TestCostModelMain(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	shm := write("shm.txt", "allreduce count=2 type=float np=2 iters=10 us_per_call=0.6\n"+
		"allreduce count=262144 type=float np=2 iters=10 us_per_call=110\nallreduce count=2097152 type=float np=2 iters=10 us_per_call=880\n")
	tcp := write("tcp.txt", "allreduce count=2 type=float np=2 iters=10 us_per_call=9\n"+
		"allreduce count=262144 type=float np=2 iters=10 us_per_call=300\nallreduce count=2097152 type=float np=2 iters=10 us_per_call=2300\n")
	measured := write("measured.txt", "bench config=default dtype=float32 np=1 samples=3531 step_s=0.007\n"+
		"bench config=default dtype=float32 np=2 samples=3531 step_s=0.005\n")
	out := filepath.Join(dir, "out")
	var so strings.Builder
	if err := costModelMain([]string{"--shm", shm, "--tcp", tcp, "--measured", measured, "--out", out,
		"--max_np", "4", "--compute_time", "1ms"}, &so); err != nil {
		t.Fatal(err)
	}
	txt := so.String()
	for _, want := range []string{"default (", "large (", "alpha = "} {
		if !strings.Contains(txt, want) {
			t.Errorf("the report lacks %q:\n%s", want, txt)
		}
	}
	for _, unwanted := range []string{"lstm", "transformer"} {
		if strings.Contains(txt, unwanted) {
			t.Errorf("the report projects %s, which the model does not describe:\n%s", unwanted, txt)
		}
	}
	for _, f := range []string{"costmodel.txt", "projected-scaling.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
