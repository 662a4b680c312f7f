// Tests of the attention kernels: the float32 exponential, the softmax
// pair, and the last layer's attention against the full one.
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
		// exp of these overflows: only the shift by the row's maximum
		// keeps the result finite
		{"beyond-exp-range", 7, func(i int) float64 { return 600 + float64(i%7) }},
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
				// written so that a NaN fails
				if !(math.Abs(p64[i]-want[i]) <= 1e-15) || !(math.Abs(float64(p32[i])-want[i]) <= 1e-6) {
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
					if w := p64[i] * (dp[i] - dot); !(math.Abs(ds[i]-w) <= 1e-15) {
						t.Fatalf("ds[%d] = %g, want %g", i, ds[i], w)
					}
				}
			}
		})
	}
}

// TestQueryAttention checks the last layer's attention, keys and values
// folded into the query, against the full attention read at the last
// position: outputs and the gradients w.r.t. the input and every
// projection, float64, for one and several heads.
func TestQueryAttention(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		rows, steps, heads, d int
	}{
		{"one-head", 2, 5, 1, 4},
		{"heads", 3, 7, 3, 12},
		{"more-heads-than-steps", 2, 2, 4, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(8, uint64(tc.heads)))
			rows, steps, heads, d := tc.rows, tc.steps, tc.heads, tc.d
			n, hd := rows*steps, d/heads
			randn := func(k int) []float64 {
				s := make([]float64, k)
				for i := range s {
					s[i] = rng.NormFloat64()
				}
				return s
			}
			x, w, b, dO := randn(n*d), randn(3*d*d), randn(3*d), randn(rows*d)

			// The full attention at every position, read at the last.
			qkv, atty := make([]float64, n*3*d), make([]float64, n*d)
			matmulForward(qkv, 3*d, x, d, w, b, nil, 0, n, d, 3*d)
			att := make([]float64, rows*heads*steps*steps)
			attentionForward(atty, att, qkv, rows, steps, heads, hd)
			dAtty := make([]float64, n*d)
			for r := 0; r < rows; r++ {
				copy(dAtty[(r*steps+steps-1)*d:], dO[r*d:(r+1)*d])
			}
			dqkv, dxFull, dwFull, dbFull := make([]float64, n*3*d), make([]float64, n*d), make([]float64, 3*d*d), make([]float64, 3*d)
			attentionBackward(dqkv, make([]float64, steps*steps), dAtty, qkv, att, rows, steps, heads, hd)
			matmulBackward(dxFull, d, dwFull, dbFull, dqkv, 3*d, x, d, w, n, d, 3*d, false)

			// The query alone.
			lo, lld := (steps-1)*d, steps*d
			q, out := make([]float64, rows*d), make([]float64, rows*d)
			qt, z, p := make([]float64, rows*heads*d), make([]float64, rows*heads*d), make([]float64, rows*heads*steps)
			matmulForward(q, d, x[lo:], lld, w[:d*d], b[:d], nil, 0, rows, d, d)
			queryAttentionForward(out, p, z, qt, q, x, w[d*d:2*d*d], w[2*d*d:], b[2*d:], rows, steps, heads)
			dq, dx, dw, db := make([]float64, rows*d), make([]float64, n*d), make([]float64, 3*d*d), make([]float64, 3*d)
			queryAttentionBackward(dq, dx, dw[d*d:2*d*d], dw[2*d*d:], db[2*d:], make([]float64, rows*heads*d), make([]float64, rows*heads*d),
				make([]float64, heads*steps), dO, p, z, qt, q, x, w[d*d:2*d*d], w[2*d*d:], rows, steps, heads)
			matmulBackward(dx[lo:], lld, dw[:d*d], db[:d], dq, d, x[lo:], lld, w[:d*d], rows, d, d, true)

			near := func(what string, got, want []float64) {
				t.Helper()
				for i := range want {
					if !(math.Abs(got[i]-want[i]) <= 1e-12*(1+math.Abs(want[i]))) {
						t.Fatalf("%s[%d]: %.15g, the full attention gives %.15g", what, i, got[i], want[i])
					}
				}
			}
			for r := 0; r < rows; r++ {
				near("output", out[r*d:(r+1)*d], atty[(r*steps+steps-1)*d:(r*steps+steps)*d])
			}
			near("dx", dx, dxFull)
			near("dw", dw, dwFull)
			near("db", db, dbFull)
		})
	}
}
