// Adam's AVX2 loop against the Go loop, bit for bit.
package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The AVX2 loop and the Go loop give the same bits, for Adam and AdamW, on
// a length that is not a multiple of 8. (On a CPU without AVX2 both sides
// run the Go loop and agree trivially.)
func TestAdam32AVX2Bitwise(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	if !avx2 {
		t.Log("no AVX2 on this CPU: both sides run the Go loop")
	}
	for _, decoupled := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(1, 1))
		const n = 1003
		p := make([]float32, n)
		for i := range p {
			p[i] = float32(rng.NormFloat64())
		}
		fast, slow := NewAdam[float32](n), NewAdam[float32](n)
		fast.WeightDecay, slow.WeightDecay = 1e-2, 1e-2
		fast.Decoupled, slow.Decoupled = decoupled, decoupled
		pf, ps := append([]float32(nil), p...), append([]float32(nil), p...)
		g := make([]float32, n)
		for step := 0; step < 30; step++ {
			for i := range g {
				g[i] = float32(rng.NormFloat64())
			}
			haveAVX2 = avx2
			fast.Step(pf, g)
			haveAVX2 = false
			slow.Step(ps, g)
		}
		if fast.Steps != 30 || slow.Steps != 30 {
			t.Fatalf("decoupled=%v: %d steps (AVX2) and %d (Go), want 30", decoupled, fast.Steps, slow.Steps)
		}
		for i := range pf {
			if math.Float32bits(pf[i]) != math.Float32bits(ps[i]) || math.Float32bits(fast.M[i]) != math.Float32bits(slow.M[i]) ||
				math.Float32bits(fast.V[i]) != math.Float32bits(slow.V[i]) {
				t.Fatalf("decoupled=%v: element %d: p, m, v %g, %g, %g (AVX2) vs %g, %g, %g (Go)", decoupled, i,
					pf[i], fast.M[i], fast.V[i], ps[i], slow.M[i], slow.V[i])
			}
		}
	}
}
