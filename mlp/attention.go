// Multi-head self-attention's paired kernels, with the softmax
// probabilities cached for the backward pass.
package mlp

import "math"

// attentionForward computes, for every sample and head, the attention of
// each of the steps positions over all of them: softmax(q kᵀ / sqrt(hd)) v,
// with no mask, the heads' outputs side by side in atty. q, k and v are
// read from qkv, whose row for a position holds the queries, then the
// keys, then the values, head h at columns h*hd of each part (the layout
// of nn.MultiheadAttention's in_proj). att keeps the probabilities for
// attentionBackward. The products of a (sample, head) are GEMMs on
// strided views of qkv, atty and att.
//
//	atty (rows*steps, heads*hd), att (rows, heads, steps, steps),
//	qkv (rows*steps, 3*heads*hd)
func attentionForward[T Float](atty, att, qkv []T, rows, steps, heads, hd int) {
	d := heads * hd
	c := 3 * d
	scale := T(1 / math.Sqrt(float64(hd)))
	for r := 0; r < rows; r++ {
		base := r * steps * c // the sample's first position
		for h := 0; h < heads; h++ {
			p := att[(r*heads+h)*steps*steps : (r*heads+h+1)*steps*steps]
			gemm(false, true, steps, steps, hd, scale, qkv[base+h*hd:], c, qkv[base+d+h*hd:], c, 0, p, steps)
			softmaxForward(p, steps)
			gemm(false, false, steps, hd, steps, 1, p, steps, qkv[base+2*d+h*hd:], c, 0, atty[r*steps*d+h*hd:], d)
		}
	}
}

// attentionBackward is attentionForward's pair. Given datty, the gradient
// w.r.t. atty, it sets the gradients w.r.t. the queries, keys and values
// in dqkv. dp (steps, steps) is scratch for one (sample, head). With s the
// scaled scores and p = softmax(s): dp = dO vᵀ, dv = pᵀ dO, ds = softmax's
// backward of dp, dq = ds k / sqrt(hd) and dk = dsᵀ q / sqrt(hd).
//
//	dqkv (rows*steps, 3*heads*hd), dp (steps*steps),
//	datty (rows*steps, heads*hd), qkv (rows*steps, 3*heads*hd),
//	att (rows, heads, steps, steps)
func attentionBackward[T Float](dqkv, dp, datty, qkv, att []T, rows, steps, heads, hd int) {
	d := heads * hd
	c := 3 * d
	scale := T(1 / math.Sqrt(float64(hd)))
	dp = dp[:steps*steps]
	for r := 0; r < rows; r++ {
		base := r * steps * c
		for h := 0; h < heads; h++ {
			p := att[(r*heads+h)*steps*steps : (r*heads+h+1)*steps*steps]
			dO := datty[r*steps*d+h*hd:]
			gemm(false, true, steps, steps, hd, 1, dO, d, qkv[base+2*d+h*hd:], c, 0, dp, steps)
			gemm(true, false, steps, hd, steps, 1, p, steps, dO, d, 0, dqkv[base+2*d+h*hd:], c)
			softmaxBackward(dp, p, steps)
			gemm(false, false, steps, hd, steps, scale, dp, steps, qkv[base+d+h*hd:], c, 0, dqkv[base+h*hd:], c)
			gemm(true, false, steps, hd, steps, scale, dp, steps, qkv[base+h*hd:], c, 0, dqkv[base+d+h*hd:], c)
		}
	}
}

// softmaxForward replaces every row of s (rows of n) by its softmax,
// exp(s - max) / sum(exp(s - max)): with math.Exp at float64, expShift32
// at float32.
func softmaxForward[T Float](s []T, n int) {
	if is32[T]() {
		softmax32(as32(s), n)
		return
	}
	s64 := as64(s)
	for r := 0; r+n <= len(s64); r += n {
		x := s64[r : r+n]
		m := rowMax(x)
		sum := 0.0
		for i, v := range x {
			e := math.Exp(v - m)
			x[i] = e
			sum += e
		}
		inv := 1 / sum
		for i := range x {
			x[i] *= inv
		}
	}
}

// softmax32 is softmaxForward at float32: on AVX2 where the CPU has it,
// otherwise softmax32Go, with the same results.
func softmax32(s []float32, n int) {
	if !softmax32Vector(s, n) {
		softmax32Go(s, n)
	}
}

// softmax32Go is softmax32 in Go: the row's maximum, expShift32, and a
// multiplication by the reciprocal of the sum.
func softmax32Go(s []float32, n int) {
	for r := 0; r+n <= len(s); r += n {
		x := s[r : r+n]
		inv := 1 / expShift32(x, rowMax(x))
		for i := range x {
			x[i] *= inv
		}
	}
}

// rowMax is the largest value of x (len(x) >= 1), by comparisons: the
// builtin max, which orders NaNs and signed zeros, compiled to a sequence
// several times slower here. A NaN in x makes its softmax NaN anyway.
func rowMax[T Float](x []T) T {
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	return m
}

// softmaxBackward turns dp, the gradient w.r.t. the probabilities p (rows
// of n), into the gradient w.r.t. the scores, in place:
// ds = p * (dp - sum(p*dp)) row by row, the sum in eight interleaved
// partial sums (sum8) of products rounded before they are added. Float32
// rows of at least 8 values run on AVX2 where the CPU has it, with the
// same results.
func softmaxBackward[T Float](dp, p []T, n int) {
	if is32[T]() && softmaxBackward32Vector(as32(dp), as32(p), n) {
		return
	}
	p = p[:len(dp)]
	for r := 0; r+n <= len(dp); r += n {
		d, q := dp[r:r+n], p[r:r+n]
		var l [8]T
		for i, v := range d {
			l[i&7] += T(v * q[i])
		}
		s := sum8(&l)
		for i, v := range d {
			d[i] = q[i] * (v - s)
		}
	}
}
