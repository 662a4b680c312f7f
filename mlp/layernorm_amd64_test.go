// LayerNorm's AVX2 rows against the Go loops, bit for bit.
package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The AVX2 rows and the Go loops give the same bits, forward and backward,
// for widths that are multiples of 8, rows of alike values (a variance of
// 0, so rstd = 1/sqrt(eps)) and values of very different scales. Without
// AVX2 both sides run the Go loops and agree trivially.
func TestLayernorm32AVX2Bitwise(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	if !avx2 {
		t.Log("no AVX2 on this CPU: both sides run the Go loops")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for _, tc := range []struct {
		name  string
		value func(r, i int) float32
	}{
		{"normal", func(int, int) float32 { return float32(rng.NormFloat64()) }},
		{"offset", func(int, int) float32 { return float32(100 + 0.01*rng.NormFloat64()) }},
		{"constant-rows", func(r, i int) float32 { return float32(r) }},
		{"scales", func(r, i int) float32 { return float32(math.Ldexp(rng.NormFloat64(), i%40-20)) }},
	} {
		for _, n := range []int{8, 16, 64, 72} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, n), func(t *testing.T) {
				const rows = 5
				in, dOut := make([]float32, rows*n), make([]float32, rows*n)
				w, b := make([]float32, n), make([]float32, n)
				for r := 0; r < rows; r++ {
					for i := 0; i < n; i++ {
						in[r*n+i], dOut[r*n+i] = tc.value(r, i), float32(rng.NormFloat64())
					}
				}
				for i := range w {
					w[i], b[i] = float32(1+0.3*rng.NormFloat64()), float32(0.3*rng.NormFloat64())
				}
				type result struct{ out, mean, rstd, dIn, dw, db []float32 }
				run := func(vector bool) result {
					haveAVX2 = vector
					res := result{make([]float32, rows*n), make([]float32, rows), make([]float32, rows),
						make([]float32, rows*n), make([]float32, n), make([]float32, n)}
					for i := range res.dIn {
						res.dIn[i] = 0.5 // Backward adds
					}
					layernormForward(res.out, res.mean, res.rstd, in, w, b, rows, n)
					layernormBackward(res.dIn, res.dw, res.db, dOut, in, res.mean, res.rstd, w, rows, n)
					return res
				}
				fast, slow := run(avx2), run(false)
				for _, c := range []struct {
					name       string
					fast, slow []float32
				}{{"out", fast.out, slow.out}, {"mean", fast.mean, slow.mean}, {"rstd", fast.rstd, slow.rstd},
					{"dIn", fast.dIn, slow.dIn}, {"dw", fast.dw, slow.dw}, {"db", fast.db, slow.db}} {
					for i := range c.fast {
						if math.Float32bits(c.fast[i]) != math.Float32bits(c.slow[i]) {
							t.Fatalf("%s[%d]: %g (AVX2) vs %g (Go)", c.name, i, c.fast[i], c.slow[i])
						}
					}
				}
			})
		}
	}
}
