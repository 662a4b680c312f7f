// LayerNorm's paired kernels over rows, with the per-row mean and
// reciprocal standard deviation cached for the backward pass.
package mlp

import "math"

// layerNormEps is added to the variance, as PyTorch's nn.LayerNorm does
// by default.
const layerNormEps = 1e-5

// layernormForward normalizes every row of in to zero mean and unit
// variance, then scales by w and shifts by b, like nn.LayerNorm(n): the
// variance is the biased one (divided by n) and eps is added to it. It
// keeps each row's mean and rstd = 1/sqrt(var + eps) for
// layernormBackward. Two passes over the row (mean, then the squared
// deviations) keep the variance accurate at float32; each sums into four
// interleaved partial sums, since one running sum made the loops wait on
// the latency of every addition.
//
//	out (rows, n), mean (rows), rstd (rows), in (rows, n), w (n), b (n)
func layernormForward[T Float](out, mean, rstd, in, w, b []T, rows, n int) {
	w, b = w[:n], b[:n]
	inv := 1 / T(n)
	for r := 0; r < rows; r++ {
		x := in[r*n : (r+1)*n]
		m := sum4(x) * inv
		var v0, v1, v2, v3 T
		i := 0
		for ; i+4 <= len(x); i += 4 {
			d0, d1, d2, d3 := x[i]-m, x[i+1]-m, x[i+2]-m, x[i+3]-m
			v0, v1, v2, v3 = v0+d0*d0, v1+d1*d1, v2+d2*d2, v3+d3*d3
		}
		for ; i < len(x); i++ {
			d := x[i] - m
			v0 += d * d
		}
		v := (v0 + v1) + (v2 + v3)
		s := T(1 / math.Sqrt(float64(v*inv)+layerNormEps))
		o := out[r*n : (r+1)*n]
		o = o[:len(x)]
		for i, xi := range x {
			o[i] = (xi-m)*s*w[i] + b[i]
		}
		mean[r], rstd[r] = m, s
	}
}

// sum4 is the sum of x in four interleaved partial sums.
func sum4[T Float](x []T) T {
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0, s1, s2, s3 = s0+x[i], s1+x[i+1], s2+x[i+2], s3+x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// layernormBackward is layernormForward's pair. It adds into dIn the
// gradient w.r.t. in, and into dw and db those w.r.t. w and b, given dOut,
// the gradient w.r.t. out; in, mean and rstd are the forward pass's. With
// xhat = (x - mean)*rstd and g = dOut*w, the input gradient of a row is
// rstd*(g - mean(g) - xhat*mean(g*xhat)). The two means are sums in
// interleaved partial sums, as in layernormForward; rows go in pairs, so
// that dw and db are read and written once for two rows.
//
//	dIn (rows, n), dw (n), db (n), dOut (rows, n), in (rows, n),
//	mean (rows), rstd (rows), w (n)
func layernormBackward[T Float](dIn, dw, db, dOut, in, mean, rstd, w []T, rows, n int) {
	w, dw, db = w[:n], dw[:n], db[:n]
	r := 0
	for ; r+2 <= rows; r += 2 {
		x0, x1 := in[r*n:(r+1)*n], in[(r+1)*n:(r+2)*n]
		d0, d1 := dOut[r*n:(r+1)*n], dOut[(r+1)*n:(r+2)*n]
		i0, i1 := dIn[r*n:(r+1)*n], dIn[(r+1)*n:(r+2)*n]
		m0, s0, m1, s1 := mean[r], rstd[r], mean[r+1], rstd[r+1]
		gm0, gxm0 := layernormRowStats(x0, d0, w, m0, s0)
		gm1, gxm1 := layernormRowStats(x1, d1, w, m1, s1)
		x1, d0, d1, i0, i1 = x1[:len(x0)], d0[:len(x0)], d1[:len(x0)], i0[:len(x0)], i1[:len(x0)]
		for i, xa := range x0 {
			xh0, xh1 := (xa-m0)*s0, (x1[i]-m1)*s1
			da, dc := d0[i], d1[i]
			db[i] += da + dc
			dw[i] += da*xh0 + dc*xh1
			i0[i] += (da*w[i] - gm0 - xh0*gxm0) * s0
			i1[i] += (dc*w[i] - gm1 - xh1*gxm1) * s1
		}
	}
	for ; r < rows; r++ {
		x, d, di := in[r*n:(r+1)*n], dOut[r*n:(r+1)*n], dIn[r*n:(r+1)*n]
		m, s := mean[r], rstd[r]
		gm, gxm := layernormRowStats(x, d, w, m, s)
		d, di = d[:len(x)], di[:len(x)]
		for i, xi := range x {
			xh := (xi - m) * s
			db[i] += d[i]
			dw[i] += d[i] * xh
			di[i] += (d[i]*w[i] - gm - xh*gxm) * s
		}
	}
}

// layernormRowStats returns the means of g and g*xhat over a row that
// layernormBackward needs, g = d*w and xhat = (x - m)*s, each summed in two
// interleaved partial sums.
func layernormRowStats[T Float](x, d, w []T, m, s T) (gm, gxm T) {
	d, w = d[:len(x)], w[:len(x)]
	var g0, g1, gx0, gx1 T
	i := 0
	for ; i+2 <= len(x); i += 2 {
		ga, gb := d[i]*w[i], d[i+1]*w[i+1]
		g0, g1 = g0+ga, g1+gb
		gx0, gx1 = gx0+ga*(x[i]-m), gx1+gb*(x[i+1]-m)
	}
	for ; i < len(x); i++ {
		g := d[i] * w[i]
		g0, gx0 = g0+g, gx0+g*(x[i]-m)
	}
	inv := 1 / T(len(x))
	return (g0 + g1) * inv, (gx0 + gx1) * s * inv
}
