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
// deviations) keep the variance accurate at float32; each sums in eight
// interleaved partial sums (sum8), since one running sum made the loops
// wait on the latency of every addition. At float32, rows whose length is
// a multiple of 8 run on AVX2 where the CPU has it, with the same results:
// every product is rounded before it is added (the explicit conversions),
// so Go does not fuse the two.
//
//	out (rows, n), mean (rows), rstd (rows), in (rows, n), w (n), b (n)
func layernormForward[T Float](out, mean, rstd, in, w, b []T, rows, n int) {
	if is32[T]() && layernormForward32Vector(as32(out), as32(mean), as32(rstd), as32(in), as32(w), as32(b), rows, n) {
		return
	}
	w, b = w[:n], b[:n]
	inv := 1 / T(n)
	for r := 0; r < rows; r++ {
		x := in[r*n : (r+1)*n]
		var l [8]T
		for i, v := range x {
			l[i&7] += v
		}
		m := sum8(&l) * inv
		l = [8]T{}
		for i, v := range x {
			d := v - m
			l[i&7] += T(d * d)
		}
		s := T(1 / math.Sqrt(float64(sum8(&l)*inv)+layerNormEps))
		o := out[r*n : (r+1)*n]
		o = o[:len(x)]
		for i, xi := range x {
			o[i] = T((xi-m)*s*w[i]) + b[i]
		}
		mean[r], rstd[r] = m, s
	}
}

// sum8 adds eight interleaved partial sums, l[j] holding the values at
// j mod 8, as ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)): the order of the
// package's AVX2 loops.
func sum8[T Float](l *[8]T) T {
	return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

// layernormBackward is layernormForward's pair. It adds into dIn the
// gradient w.r.t. in, and into dw and db those w.r.t. w and b, given dOut,
// the gradient w.r.t. out; in, mean and rstd are the forward pass's. With
// xhat = (x - mean)*rstd and g = dOut*w, the input gradient of a row is
// rstd*(g - mean(g) - xhat*mean(g*xhat)). The two means are sums in
// eight interleaved partial sums, and float32 rows of a multiple of 8
// values run on AVX2, as in layernormForward.
//
//	dIn (rows, n), dw (n), db (n), dOut (rows, n), in (rows, n),
//	mean (rows), rstd (rows), w (n)
func layernormBackward[T Float](dIn, dw, db, dOut, in, mean, rstd, w []T, rows, n int) {
	if is32[T]() && layernormBackward32Vector(as32(dIn), as32(dw), as32(db), as32(dOut), as32(in), as32(mean), as32(rstd), as32(w), rows, n) {
		return
	}
	w, dw, db = w[:n], dw[:n], db[:n]
	inv := 1 / T(n)
	for r := 0; r < rows; r++ {
		x, d, di := in[r*n:(r+1)*n], dOut[r*n:(r+1)*n], dIn[r*n:(r+1)*n]
		d, di = d[:len(x)], di[:len(x)]
		m, s := mean[r], rstd[r]
		var lg, lgx [8]T
		for i, xi := range x {
			g := T(d[i] * w[i])
			lg[i&7] += g
			lgx[i&7] += T(g * (xi - m))
		}
		gm, gxm := sum8(&lg)*inv, sum8(&lgx)*s*inv
		for i, xi := range x {
			xh := (xi - m) * s
			db[i] += d[i]
			dw[i] += T(d[i] * xh)
			di[i] += T((T(d[i]*w[i]) - gm - T(xh*gxm)) * s)
		}
	}
}
