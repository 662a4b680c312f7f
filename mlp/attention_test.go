// Tests of the attention kernels' pieces: the float32 exponential and the
// softmax pair.
package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpShift32 checks the float32 exponential against math.Exp over its
// whole range: within 6.5e-8 relative (measured: below 6e-8) where the
// result is a normal float32, so at most one unit in the last place from
// float32(math.Exp); within one subnormal step where it is subnormal; the
// special values; and the returned sum.
func TestExpShift32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tc := range []struct {
		name   string
		lo, hi float64
		m      float32
	}{
		{"softmax-range", -30, 0, 0},
		{"normal-results", -87.3, 88.7, 0},
		{"subnormal-results", -103.9, -87.4, 0},
		{"shifted", -20, 20, 7.25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 200000
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(tc.lo + (tc.hi-tc.lo)*rng.Float64())
			}
			in := append([]float32(nil), x...)
			sum := expShift32(x, tc.m)
			var l [8]float32
			worst := 0.0
			for i, v := range in {
				exact := math.Exp(float64(v - tc.m))
				want := float32(exact)
				l[i%8] += x[i]
				if d := int64(math.Float32bits(x[i])) - int64(math.Float32bits(want)); d < -1 || d > 1 {
					t.Fatalf("e**(%g): %g, math.Exp %g: %d units apart", v-tc.m, x[i], want, d)
				}
				if want >= math.SmallestNonzeroFloat32*(1<<23) { // normal
					e := math.Abs(float64(x[i])-exact) / exact
					worst = max(worst, e)
					if e > 6.5e-8 {
						t.Fatalf("e**(%g): %g, relative error %.3g", v-tc.m, x[i], e)
					}
				}
			}
			if want := ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7])); sum != want {
				t.Errorf("sum %g, the results add up to %g", sum, want)
			}
			t.Logf("largest relative error %.3g", worst)
		})
	}
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, tc := range []struct {
		x, want float32
	}{
		{0, 1}, {1, float32(math.E)}, {-104, 0}, {-104.5, 0}, {-1e30, 0}, {-inf, 0},
		{88.7, float32(math.Exp(float64(float32(88.7))))}, {88.8, inf}, {89, inf}, {1e30, inf}, {inf, inf},
	} {
		x := []float32{tc.x}
		if expShift32(x, 0); x[0] != tc.want {
			t.Errorf("e**%g = %g, want %g", tc.x, x[0], tc.want)
		}
	}
	x := []float32{nan}
	if s := expShift32(x, 0); s == s || x[0] == x[0] {
		t.Errorf("e**NaN = %g (sum %g), want NaN", x[0], s)
	}
}

// TestSoftmax checks both softmax kernels against a float64 reference,
// rows that sum to 1, and the backward pass against its definition
// ds = p*(dp - sum(p*dp)).
func TestSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, tc := range []struct {
		name  string
		n     int
		value func(i int) float64
	}{
		{"normal", 60, func(int) float64 { return rng.NormFloat64() }},
		{"wide", 17, func(int) float64 { return 30 * rng.NormFloat64() }},
		{"equal", 8, func(int) float64 { return 3 }},
		{"one-dominates", 9, func(i int) float64 { return float64(i%9) * 20 }},
		{"one-column", 1, func(int) float64 { return rng.NormFloat64() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const rows = 5
			s := make([]float64, rows*tc.n)
			for i := range s {
				s[i] = tc.value(i)
			}
			want := make([]float64, len(s))
			for r := 0; r < rows; r++ {
				row, m, sum := s[r*tc.n:(r+1)*tc.n], math.Inf(-1), 0.0
				for _, v := range row {
					m = math.Max(m, v)
				}
				for _, v := range row {
					sum += math.Exp(v - m)
				}
				for j, v := range row {
					want[r*tc.n+j] = math.Exp(v-m) / sum
				}
			}
			p64, p32 := append([]float64(nil), s...), f32s(s)
			softmaxForward(p64, tc.n)
			softmaxForward(p32, tc.n)
			for i := range want {
				if math.Abs(p64[i]-want[i]) > 1e-15 || math.Abs(float64(p32[i])-want[i]) > 1e-6 {
					t.Fatalf("p[%d] = %g (float64), %g (float32), want %g", i, p64[i], p32[i], want[i])
				}
			}
			dp := make([]float64, len(s))
			for i := range dp {
				dp[i] = rng.NormFloat64()
			}
			ds := append([]float64(nil), dp...)
			softmaxBackward(ds, p64, tc.n)
			for r := 0; r < rows; r++ {
				dot := 0.0
				for j := 0; j < tc.n; j++ {
					dot += p64[r*tc.n+j] * dp[r*tc.n+j]
				}
				for j := 0; j < tc.n; j++ {
					i := r*tc.n + j
					if w := p64[i] * (dp[i] - dot); math.Abs(ds[i]-w) > 1e-15 {
						t.Fatalf("ds[%d] = %g, want %g", i, ds[i], w)
					}
				}
			}
		})
	}
}
