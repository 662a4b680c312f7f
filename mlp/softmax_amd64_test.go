// The AVX2 softmax, forward and backward, against the Go loops, bit for
// bit.
package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmax32Vector: the AVX2 softmax gives the bits of the Go loops,
// for row lengths around multiples of 8 and values that reach every
// branch of the exponential (NaN rows compare as NaN). Without AVX2 both
// sides run the Go loops and agree trivially.
func TestSoftmax32Vector(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	if !avx2 {
		t.Log("no AVX2 on this CPU: both sides run the Go loops")
	}
	rng := rand.New(rand.NewPCG(6, 6))
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, tc := range []struct {
		name  string
		value func(i int) float32
	}{
		{"normal", func(int) float32 { return float32(rng.NormFloat64()) }},
		{"wide", func(int) float32 { return float32(60 * rng.NormFloat64()) }},
		{"underflow", func(i int) float32 { return float32(-10 * (i % 13)) }},
		{"infinities", func(i int) float32 { return []float32{-inf, 1, 2, -inf, 0}[i%5] }},
		{"positive-infinity", func(i int) float32 { return []float32{inf, 1, 2}[i%3] }},
		{"nan", func(i int) float32 { return []float32{1, nan, 3}[i%3] }},
		{"signed-zeros", func(i int) float32 { return []float32{0, float32(math.Copysign(0, -1))}[i%2] }},
	} {
		for _, n := range []int{8, 9, 15, 16, 17, 60, 61, 64} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, n), func(t *testing.T) {
				const rows = 3
				s := make([]float32, rows*n)
				for i := range s {
					s[i] = tc.value(i)
				}
				fast, slow := append([]float32(nil), s...), append([]float32(nil), s...)
				haveAVX2 = avx2
				softmax32(fast, n)
				haveAVX2 = false
				softmax32(slow, n)
				for i := range fast {
					same := math.Float32bits(fast[i]) == math.Float32bits(slow[i]) || (fast[i] != fast[i] && slow[i] != slow[i])
					if !same {
						t.Fatalf("element %d (of rows of %d), score %g: %g (AVX2) vs %g (Go)", i, n, s[i], fast[i], slow[i])
					}
				}
			})
		}
	}
}

// TestSoftmaxBackward32Vector: the AVX2 softmax backward gives the bits of
// the Go loop, for row lengths around multiples of 8.
func TestSoftmaxBackward32Vector(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{8, 9, 15, 16, 17, 60, 61, 64} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			const rows = 4
			p, dp := make([]float32, rows*n), make([]float32, rows*n)
			for i := range dp {
				dp[i] = float32(rng.NormFloat64())
				p[i] = float32(rng.NormFloat64())
			}
			softmax32Go(p, n)
			fast, slow := append([]float32(nil), dp...), append([]float32(nil), dp...)
			haveAVX2 = avx2
			softmaxBackward(fast, p, n)
			haveAVX2 = false
			softmaxBackward(slow, p, n)
			for i := range fast {
				if math.Float32bits(fast[i]) != math.Float32bits(slow[i]) {
					t.Fatalf("element %d (of rows of %d): %g (AVX2) vs %g (Go)", i, n, fast[i], slow[i])
				}
			}
		})
	}
}
