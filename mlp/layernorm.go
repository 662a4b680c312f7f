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
// deviations) keep the variance accurate at float32.
//
//	out (rows, n), mean (rows), rstd (rows), in (rows, n), w (n), b (n)
func layernormForward[T Float](out, mean, rstd, in, w, b []T, rows, n int) {
	w, b = w[:n], b[:n]
	inv := 1 / T(n)
	for r := 0; r < rows; r++ {
		x := in[r*n : (r+1)*n]
		var m T
		for _, v := range x {
			m += v
		}
		m *= inv
		var v T
		for _, xi := range x {
			d := xi - m
			v += d * d
		}
		s := T(1 / math.Sqrt(float64(v*inv)+layerNormEps))
		o := out[r*n : (r+1)*n]
		o = o[:len(x)]
		for i, xi := range x {
			o[i] = (xi-m)*s*w[i] + b[i]
		}
		mean[r], rstd[r] = m, s
	}
}

// layernormBackward is layernormForward's pair. It adds into dIn the
// gradient w.r.t. in, and into dw and db those w.r.t. w and b, given dOut,
// the gradient w.r.t. out; in, mean and rstd are the forward pass's. With
// xhat = (x - mean)*rstd and g = dOut*w, the input gradient of a row is
// rstd*(g - mean(g) - xhat*mean(g*xhat)).
//
//	dIn (rows, n), dw (n), db (n), dOut (rows, n), in (rows, n),
//	mean (rows), rstd (rows), w (n)
func layernormBackward[T Float](dIn, dw, db, dOut, in, mean, rstd, w []T, rows, n int) {
	w, dw, db = w[:n], dw[:n], db[:n]
	inv := 1 / T(n)
	for r := 0; r < rows; r++ {
		x := in[r*n : (r+1)*n]
		d := dOut[r*n : (r+1)*n]
		di := dIn[r*n : (r+1)*n]
		d, di = d[:len(x)], di[:len(x)]
		m, s := mean[r], rstd[r]
		var gm, gxm T
		for i, xi := range x {
			g := d[i] * w[i]
			gm += g
			gxm += g * (xi - m) * s
		}
		gm *= inv
		gxm *= inv
		for i, xi := range x {
			xh := (xi - m) * s
			db[i] += d[i]
			dw[i] += d[i] * xh
			di[i] += (d[i]*w[i] - gm - xh*gxm) * s
		}
	}
}
