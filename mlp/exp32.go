// A fast, deterministic float32 exponential for the float32 softmax.
package mlp

import "math"

// expShift32 replaces every x[i] by e**(x[i] - m) rounded to float32 and
// returns the sum of the results in float32, added in eight interleaved
// partial sums (l[j] of the values at j mod 8, in order) combined as
// ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)), the order of the AVX2 loop:
// the exponential pass of the float32 softmax. Each result is within 6.5e-8
// relative of the exact value when it is in float32's normal range, so at
// most one unit in the last place from float32(math.Exp); TestExpShift32
// checks it. math.Exp with its two conversions took a quarter of a
// float32 training step; this loop takes about half as long per value.
// The AVX2 softmax (softmax_amd64.s) computes the same values eight at a
// time.
//
// It works in float64, without a branch for arguments in [-104, 89]:
// v = k*ln2 + r with k = round(v/ln2) (rounded by adding and subtracting
// 1.5*2**52) and |r| <= ln2/2; e**r by its Taylor polynomial of degree 7
// (truncation error below 5.3e-9 relative), evaluated in Estrin's scheme
// for a shorter dependency chain; 2**k from exponent bits; one rounding to
// float32. Below -104 the result is 0 (e**-104 is less than half the
// smallest float32), above 89 it is +Inf (the argument is clamped to 89,
// whose exponential overflows float32), and NaN gives NaN. Every product
// is rounded before it is added (the explicit float64 conversions): Go
// may otherwise fuse a multiply and an add (on arm64, and on amd64 with
// GOAMD64=v3), so the results are the same on every platform and equal
// to the AVX2 loop's.
func expShift32(x []float32, m float32) float32 {
	var l [8]float32
	for i, xi := range x {
		v := float64(xi - m)
		if v < -104 {
			x[i] = 0
			continue
		}
		if v > 89 {
			v = 89
		}
		const round = 0x1.8p52
		k := (float64(v*math.Log2E) + round) - round
		r := v - float64(k*math.Ln2)
		r2 := r * r
		p := ((1 + r) + float64(r2*(1.0/2+float64(r*(1.0/6))))) +
			float64((r2*r2)*((1.0/24+float64(r*(1.0/120)))+float64(r2*(1.0/720+float64(r*(1.0/5040))))))
		e := float32(p * math.Float64frombits(uint64(int64(k)+1023)<<52))
		x[i] = e
		l[i&7] += e
	}
	return sum8(&l)
}
