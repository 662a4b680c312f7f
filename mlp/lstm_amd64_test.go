// The LSTM cell's AVX2 step against the Go loop, bit for bit.
package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCellForward32AVX2Bitwise: the vector step and the Go loop give the
// same bits for gates, cell states and hidden states (NaN for NaN: its
// payload may differ), over pre-activations from tiny to beyond the
// clamps, around tanh32's cut, signed zeros, infinities and NaN, with widths that are and are not multiples of 8. (On a CPU without
// AVX2 both sides run the Go loop and agree trivially.)
func TestCellForward32AVX2Bitwise(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	if !avx2 {
		t.Log("no AVX2 on this CPU: both sides run the Go loop")
	}
	special := []float32{0, float32(math.Copysign(0, -1)), tanhCut, -tanhCut, math.Nextafter32(tanhCut, 0),
		tanhCut / 2, 44, -44, 100, -100, 1e-30, -1e-30, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, tc := range []struct {
		name     string
		rows, nH int
	}{
		{"width-64", 6, 64},
		{"width-21", 5, 21},
		{"width-8", 3, 8},
		{"width-5", 4, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.nH)))
			n := tc.rows * tc.nH
			g, cPrev := make([]float32, 4*n), make([]float32, n)
			for i := range g {
				switch {
				case i%17 == 0:
					g[i] = special[(i/17)%len(special)]
				case i%3 == 0:
					g[i] = float32(20 * rng.NormFloat64())
				default:
					g[i] = float32(2 * rng.NormFloat64())
				}
			}
			for i := range cPrev {
				cPrev[i] = float32(3 * rng.NormFloat64())
			}
			run := func(vec bool) [4][]float32 {
				haveAVX2 = vec && avx2
				gg := append([]float32(nil), g...)
				c, tcs, h := make([]float32, n), make([]float32, n), make([]float32, n)
				cellForward32(gg, c, tcs, h, cPrev, tc.rows, tc.nH)
				return [4][]float32{gg, c, tcs, h}
			}
			want, got := run(false), run(true)
			for k, name := range []string{"gates", "c", "tanh(c)", "h"} {
				for i := range want[k] {
					a, b := got[k][i], want[k][i]
					if math.Float32bits(a) != math.Float32bits(b) && !(a != a && b != b) {
						t.Fatalf("%s[%d]: %g (AVX2) vs %g (Go)", name, i, got[k][i], want[k][i])
					}
				}
			}
		})
	}
}

// TestCellBackward32AVX2Bitwise: the vector backward step and the Go loop
// give the same bits for the gates' gradient, the carried cell gradient and
// the sums into db and dwx, with and without x, on widths that are and are
// not multiples of 8.
func TestCellBackward32AVX2Bitwise(t *testing.T) {
	avx2 := haveAVX2
	defer func() { haveAVX2 = avx2 }()
	for _, tc := range []struct {
		name     string
		rows, nH int
		withX    bool
	}{
		{"width-64-x", 6, 64, true},
		{"width-64", 6, 64, false},
		{"width-21-x", 5, 21, true},
		{"width-8", 1, 8, false},
		{"width-5-x", 4, 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(8, uint64(tc.nH)))
			n := tc.rows * tc.nH
			fill := func(s []float32, f func() float64) []float32 {
				for i := range s {
					s[i] = float32(f())
				}
				return s
			}
			unit := func() float64 { return rng.Float64() }
			normal := func() float64 { return rng.NormFloat64() }
			gates := fill(make([]float32, 4*n), unit)
			for r := 0; r < tc.rows; r++ { // g is tanh's, in (-1, 1)
				for j := 0; j < tc.nH; j++ {
					gates[r*4*tc.nH+2*tc.nH+j] = 2*gates[r*4*tc.nH+2*tc.nH+j] - 1
				}
			}
			cPrev, tcs, dh, dc := fill(make([]float32, n), normal), fill(make([]float32, n), unit), fill(make([]float32, n), normal), fill(make([]float32, n), normal)
			db0, dwx0 := fill(make([]float32, 4*tc.nH), normal), fill(make([]float32, 4*tc.nH), normal)
			var x []float32
			if tc.withX {
				x = fill(make([]float32, tc.rows), normal)
			}
			run := func(vec bool) [4][]float32 {
				haveAVX2 = vec && avx2
				dG, dcc := make([]float32, 4*n), append([]float32(nil), dc...)
				db, dwx := append([]float32(nil), db0...), append([]float32(nil), dwx0...)
				lstmCellBackward(dG, dcc, dh, gates, cPrev, tcs, db, dwx, x, make([]float32, 8*tc.nH), tc.rows, tc.nH)
				return [4][]float32{dG, dcc, db, dwx}
			}
			want, got := run(false), run(true)
			for k, name := range []string{"dG", "dc", "db", "dwx"} {
				for i := range want[k] {
					if math.Float32bits(got[k][i]) != math.Float32bits(want[k][i]) {
						t.Fatalf("%s[%d]: %g (AVX2) vs %g (Go)", name, i, got[k][i], want[k][i])
					}
				}
			}
			if !tc.withX {
				for i := range dwx0 {
					if want[3][i] != dwx0[i] {
						t.Fatalf("dwx[%d] changed without x", i)
					}
				}
			}
		})
	}
}
