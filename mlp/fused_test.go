// The fused optimizer pass: the scaled step against scaling then stepping,
// bit for bit, and the finite check at every position.
package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// stepScaled gives the bits of scaling the gradient in a loop of its own
// and then calling Step, on the AVX2 path and the Go one, for Adam, AdamW
// and SGD, and leaves the scaled gradient behind as that loop did.
func TestStepScaledBitwise(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	for _, name := range []string{"adam", "adamw", "sgd"} {
		for _, vec := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(3, 4))
			const n = 1003
			cfg := TrainConfig{Optimizer: name, LR: 1e-2, Momentum: 0.9, WeightDecay: 1e-2}
			fused, _ := NewOptimizer[float32](cfg, n)
			plain, _ := NewOptimizer[float32](cfg, n)
			pf, pp := make([]float32, n), make([]float32, n)
			for i := range pf {
				pf[i] = float32(rng.NormFloat64())
				pp[i] = pf[i]
			}
			gf, gp := make([]float32, n), make([]float32, n)
			scale := float32(1.0 / 128)
			for step := 0; step < 20; step++ {
				for i := range gf {
					gf[i] = float32(rng.NormFloat64() * 100)
					gp[i] = gf[i]
				}
				haveAVX2 = avx2 && vec
				fused.(scaledStepper[float32]).stepScaled(pf, gf, scale)
				haveAVX2 = false
				for i := range gp {
					gp[i] *= scale
				}
				plain.Step(pp, gp)
			}
			for i := range pf {
				if math.Float32bits(pf[i]) != math.Float32bits(pp[i]) || math.Float32bits(gf[i]) != math.Float32bits(gp[i]) {
					t.Fatalf("%s (vector %v): element %d: %g, gradient %g (fused) vs %g, %g", name, vec, i, pf[i], gf[i], pp[i], gp[i])
				}
			}
		}
	}
}

func TestFirstNonFinite(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	for _, vec := range []bool{true, false} {
		haveAVX2 = avx2 && vec
		for _, n := range []int{0, 1, 31, 32, 100, 1003} {
			x := make([]float32, n)
			if got := firstNonFinite(x); got != -1 {
				t.Errorf("vector %v, n %d, all finite: %d, want -1", vec, n, got)
			}
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
				for _, at := range []int{0, n / 2, n - 1} {
					if n == 0 {
						continue
					}
					x[n-1-at/2] = 1e38 // a large but finite value elsewhere
					x[at] = bad
					if got := firstNonFinite(x); got != at {
						t.Errorf("vector %v, n %d, %v at %d: got %d", vec, n, bad, at, got)
					}
					clear(x)
				}
			}
			x64 := make([]float64, n)
			if n > 0 {
				x64[n-1] = math.NaN()
				if got := firstNonFinite(x64); got != n-1 {
					t.Errorf("float64, n %d: got %d, want %d", n, got, n-1)
				}
			}
		}
	}
}
