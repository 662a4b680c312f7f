// The ReLU's vector loops against the Go loops, bit for bit.
package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestReLU32VectorBitwise(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		-1e-45, 1e-45, -3, 3, math.MaxFloat32, -math.MaxFloat32}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 16, 37, 128, 1003} {
		x := make([]float32, n)
		for i := range x {
			if i%3 == 0 {
				x[i] = special[rng.IntN(len(special))]
			} else {
				x[i] = float32(rng.NormFloat64())
			}
		}
		want := make([]float32, n)
		for i, v := range x {
			want[i] = max(v, 0)
		}
		got := append([]float32(nil), x...)
		haveAVX2 = avx2
		k := relu32(got)
		for i := k; i < n; i++ {
			got[i] = max(got[i], 0)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d: max(%g, 0) = %g (bits %#x), want %g (bits %#x)", n, x[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}

func TestReLUBackward32VectorBitwise(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 5, 8, 13, 64, 131} {
		for _, rows := range []int{1, 3, 17} {
			o, d := make([]float32, rows*n), make([]float32, rows*n)
			for i := range o {
				if rng.IntN(2) == 0 {
					o[i] = float32(rng.ExpFloat64())
				}
				if i%11 == 0 {
					o[i] = float32(math.Copysign(0, -1)) // bits set: on
				}
				d[i] = float32(rng.NormFloat64())
			}
			db0 := make([]float32, n)
			for j := range db0 {
				db0[j] = float32(rng.NormFloat64())
			}
			run := func(vec bool) ([]float32, []float32) {
				haveAVX2 = avx2 && vec
				dd, db := append([]float32(nil), d...), append([]float32(nil), db0...)
				reluBackward32(dd, o, db, n)
				return dd, db
			}
			d1, db1 := run(true)
			d2, db2 := run(false)
			for i := range d1 {
				if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
					t.Fatalf("n %d rows %d: d[%d] = %g (vector) vs %g", n, rows, i, d1[i], d2[i])
				}
			}
			for j := range db1 {
				if math.Float32bits(db1[j]) != math.Float32bits(db2[j]) {
					t.Fatalf("n %d rows %d: db[%d] = %g (vector) vs %g", n, rows, j, db1[j], db2[j])
				}
			}
		}
	}
}
