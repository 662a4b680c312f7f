// Tests of the element-wise kernels against their plain definitions.
package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// reluBackward* select without a branch; the result must be bitwise that of
// the branch `if o <= 0 { d = 0 }` followed by db += d, NaN outputs included.
func TestReluBackwardBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const rows, n = 7, 13
	o := make([]float64, rows*n)
	d := make([]float64, rows*n)
	for i := range o {
		switch i % 5 {
		case 0:
			o[i] = 0
		case 1:
			o[i] = math.NaN()
		default:
			o[i] = max(rng.NormFloat64(), 0)
		}
		d[i] = rng.NormFloat64()
	}
	wantD, wantDB := make([]float64, len(d)), make([]float64, n)
	for i := range d {
		wantD[i] = d[i]
		if o[i] <= 0 {
			wantD[i] = 0
		}
		wantDB[i%n] += wantD[i]
	}
	gotD, gotDB := append([]float64(nil), d...), make([]float64, n)
	reluBackward64(gotD, o, gotDB, n)
	d32, o32 := make([]float32, len(d)), make([]float32, len(o))
	for i := range d {
		d32[i], o32[i] = float32(d[i]), float32(o[i])
	}
	want32, wantDB32 := make([]float32, len(d)), make([]float32, n)
	for i := range d32 {
		want32[i] = d32[i]
		if o32[i] <= 0 {
			want32[i] = 0
		}
		wantDB32[i%n] += want32[i]
	}
	gotDB32 := make([]float32, n)
	reluBackward32(d32, o32, gotDB32, n)
	for i := range d {
		if math.Float64bits(gotD[i]) != math.Float64bits(wantD[i]) || math.Float32bits(d32[i]) != math.Float32bits(want32[i]) {
			t.Fatalf("element %d (o = %g): got %g and %g, want %g and %g", i, o[i], gotD[i], d32[i], wantD[i], want32[i])
		}
	}
	for j := range gotDB {
		if math.Float64bits(gotDB[j]) != math.Float64bits(wantDB[j]) || math.Float32bits(gotDB32[j]) != math.Float32bits(wantDB32[j]) {
			t.Fatalf("db[%d]: got %g and %g, want %g and %g", j, gotDB[j], gotDB32[j], wantDB[j], wantDB32[j])
		}
	}
}
