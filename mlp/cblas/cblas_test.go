// Tests of both GEMMs against a naive product, of the shape checks, and
// benchmarks of the peak and of the MLP's shapes.

package cblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// naive computes C = alpha*op(A)*op(B) + beta*C in float64, row-major.
func naive(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for l := 0; l < k; l++ {
				var av, bv float64
				if transA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if transB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += av * bv
			}
			c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	cases := []struct {
		name           string
		m, n, k        int
		pad            int // extra columns in every leading dimension
		alpha, beta    float64
		transA, transB bool
	}{
		{name: "square", m: 5, n: 5, k: 5, alpha: 1},
		{name: "forward shape", m: 7, n: 3, k: 4, alpha: 1, beta: 1, transB: true},
		{name: "weight gradient shape", m: 3, n: 4, k: 9, alpha: 1, beta: 1, transA: true},
		{name: "input gradient shape", m: 9, n: 4, k: 3, alpha: 1},
		{name: "both transposed", m: 6, n: 2, k: 5, alpha: 0.5, beta: -2, transA: true, transB: true},
		{name: "padded strides", m: 4, n: 3, k: 5, pad: 2, alpha: 2, beta: 0.25},
		{name: "one column", m: 70, n: 1, k: 130, alpha: 1, transB: true},
		{name: "larger than a gonum tile", m: 130, n: 200, k: 17, alpha: 1, beta: 1},
		{name: "k zero scales C", m: 3, n: 2, k: 0, alpha: 1, beta: 3},
		{name: "m zero", m: 0, n: 2, k: 3, alpha: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rA, cA := tc.m, tc.k
			if tc.transA {
				rA, cA = tc.k, tc.m
			}
			rB, cB := tc.k, tc.n
			if tc.transB {
				rB, cB = tc.n, tc.k
			}
			lda, ldb, ldc := max(1, cA+tc.pad), max(1, cB+tc.pad), max(1, tc.n+tc.pad)
			a, b := randSlice(rng, max(1, rA*lda)), randSlice(rng, max(1, rB*ldb))
			c0 := randSlice(rng, max(1, tc.m*ldc))
			want := append([]float64(nil), c0...)
			naive(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)

			got64 := append([]float64(nil), c0...)
			Dgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got64, ldc)
			a32, b32, got32 := to32(a), to32(b), to32(c0)
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, float32(tc.alpha), a32, lda, b32, ldb, float32(tc.beta), got32, ldc)
			for i := range want {
				if d := math.Abs(got64[i] - want[i]); d > 1e-12*(1+math.Abs(want[i]))*float64(tc.k+1) {
					t.Fatalf("Dgemm: C[%d] = %g, want %g", i, got64[i], want[i])
				}
				if d := math.Abs(float64(got32[i]) - want[i]); d > 1e-5*(1+math.Abs(want[i]))*float64(tc.k+1) {
					t.Fatalf("Sgemm: C[%d] = %g, want %g", i, got32[i], want[i])
				}
				// Padding columns of C are never written.
				if tc.pad > 0 && i%ldc >= tc.n && got64[i] != c0[i] {
					t.Fatalf("Dgemm wrote C[%d] in the padding", i)
				}
			}
		})
	}
}

func to32(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

func TestGemmPanics(t *testing.T) {
	f := make([]float64, 12)
	cases := []struct {
		name string
		call func()
		want string
	}{
		{"negative m", func() { Dgemm(false, false, -1, 2, 2, 1, f, 2, f, 2, 0, f, 2) }, "m=-1"},
		{"lda below k", func() { Dgemm(false, false, 2, 2, 3, 1, f, 2, f, 2, 0, f, 2) }, "leading dimension of A is 2, want >= 3"},
		{"ldb below n transposed", func() { Dgemm(false, true, 2, 2, 3, 1, f, 3, f, 2, 0, f, 2) }, "leading dimension of B is 2, want >= 3"},
		{"short A", func() { Dgemm(false, false, 5, 2, 3, 1, f, 3, f, 2, 0, f, 2) }, "A has 12 elements, want >= 15"},
		{"short C", func() { Dgemm(false, false, 2, 7, 1, 1, f, 1, f, 7, 0, f[:10], 7) }, "C has 10 elements, want >= 14"},
		{"short A float32", func() {
			Sgemm(false, false, 5, 2, 3, 1, make([]float32, 12), 3, make([]float32, 6), 2, 0, make([]float32, 10), 2)
		}, "Sgemm: A has 12 elements"},
		{"zero threads", func() { SetThreads(0) }, "SetThreads(0)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "cblas: ") || !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %v, want a \"cblas: \" message containing %q", r, tc.want)
				}
			}()
			tc.call()
		})
	}
}

// Same inputs, same call: the same bits (one thread, no run-time choice
// between kernels of different summation orders).
func TestGemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a, b := to32(randSlice(rng, 128*60)), to32(randSlice(rng, 128*60))
	c1, c2 := make([]float32, 128*128), make([]float32, 128*128)
	Sgemm(false, true, 128, 128, 60, 1, a, 60, b, 60, 0, c1, 128)
	for range 3 {
		Sgemm(false, true, 128, 128, 60, 1, a, 60, b, 60, 0, c2, 128)
		for i := range c1 {
			if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
				t.Fatalf("C[%d] = %g then %g", i, c1[i], c2[i])
			}
		}
	}
}

func TestName(t *testing.T) {
	name := Name()
	if OpenBLAS && (!strings.HasPrefix(name, "OpenBLAS") || CoreName() == "" || Threads() < 1) {
		t.Errorf("Name() = %q, CoreName() = %q, Threads() = %d", name, CoreName(), Threads())
	}
	if !OpenBLAS && name != "gonum (pure Go)" {
		t.Errorf("Name() = %q without OpenBLAS", name)
	}
	t.Log(name)
}

// BenchmarkGEMM times SGEMM and DGEMM on the peak's 1024 cube and on the
// products of one training step of the named configurations (m rows of the
// batch): forward (rows x in)(in x out), weight gradient (out x rows)(rows x in)
// and input gradient (rows x out)(out x in).
func BenchmarkGEMM(b *testing.B) {
	shapes := []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"peak-1024", false, false, 1024, 1024, 1024},
		{"default-fwd-128x128x60", false, true, 128, 128, 60},
		{"default-fwd-128x128x128", false, true, 128, 128, 128},
		{"default-dw-128x60x128", true, false, 128, 60, 128},
		{"default-dx-128x128x128", false, false, 128, 128, 128},
		{"large-fwd-1024x512x512", false, true, 1024, 512, 512},
		{"large-dw-512x512x1024", true, false, 512, 512, 1024},
	}
	for _, s := range shapes {
		flop := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		b.Run("float32/"+s.name, func(b *testing.B) {
			a, bb, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			for b.Loop() {
				Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run("float64/"+s.name, func(b *testing.B) {
			a, bb, c := make([]float64, s.m*s.k), make([]float64, s.k*s.n), make([]float64, s.m*s.n)
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			for b.Loop() {
				Dgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func Example() {
	// C (2x2) = A (2x3) * B (3x2), row-major.
	a := []float64{1, 2, 3, 4, 5, 6}
	b := []float64{1, 0, 0, 1, 1, 1}
	c := make([]float64, 4)
	Dgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [4 5 10 11]
}
