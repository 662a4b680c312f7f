// The LSTM cell's elementwise kernels, forward and backward, and the float32
// exp, sigmoid and tanh they use.
package mlp

import "math"

// lstmCellForward applies one step's cell update to rows samples of nH
// units. On entry g (rows, 4nH) holds the pre-activations of the gates i,
// f, g, o (each row: nH values of each gate in that order); on return it
// holds the gates after their activations (σ, σ, tanh, σ). It writes the
// cell state c = f*cPrev + i*g, tc = tanh(c) and the hidden state
// h = o*tc, all (rows, nH); cPrev (rows, nH) is the previous cell state.
func lstmCellForward[T Float](g, c, tc, h, cPrev []T, rows, nH int) {
	if is32[T]() {
		cellForward32(as32(g), as32(c), as32(tc), as32(h), as32(cPrev), rows, nH)
	} else {
		cellForward64(as64(g), as64(c), as64(tc), as64(h), as64(cPrev), rows, nH)
	}
}

// cellForward64 is lstmCellForward at float64, with package math's exp and
// tanh.
func cellForward64(g, c, tc, h, cPrev []float64, rows, nH int) {
	for r := 0; r < rows; r++ {
		gr := g[r*4*nH : (r+1)*4*nH]
		gi, gf, gg, gO := gr[:nH], gr[nH:2*nH], gr[2*nH:3*nH], gr[3*nH:4*nH]
		s := r * nH
		cr, tr, hr, pr := c[s:s+nH], tc[s:s+nH], h[s:s+nH], cPrev[s:s+nH]
		for j := range cr {
			i := 1 / (1 + math.Exp(-gi[j]))
			f := 1 / (1 + math.Exp(-gf[j]))
			v := math.Tanh(gg[j])
			o := 1 / (1 + math.Exp(-gO[j]))
			gi[j], gf[j], gg[j], gO[j] = i, f, v, o
			cv := f*pr[j] + i*v
			t := math.Tanh(cv)
			cr[j], tr[j], hr[j] = cv, t, o*t
		}
	}
}

// cellForward32 is lstmCellForward at float32, with sigmoid32 and tanh32:
// 8 columns at a time where the CPU can (cellForward32Vec, bitwise the
// same), the rest in Go.
func cellForward32(g, c, tc, h, cPrev []float32, rows, nH int) {
	j0 := cellForward32Vec(g, c, tc, h, cPrev, rows, nH)
	if j0 == nH {
		return
	}
	for r := 0; r < rows; r++ {
		gr := g[r*4*nH : (r+1)*4*nH]
		gi, gf, gg, gO := gr[:nH], gr[nH:2*nH], gr[2*nH:3*nH], gr[3*nH:4*nH]
		s := r * nH
		cr, tr, hr, pr := c[s:s+nH], tc[s:s+nH], h[s:s+nH], cPrev[s:s+nH]
		for j := j0; j < nH; j++ {
			i := sigmoid32(gi[j])
			f := sigmoid32(gf[j])
			v := tanh32(gg[j])
			o := sigmoid32(gO[j])
			gi[j], gf[j], gg[j], gO[j] = i, f, v, o
			cv := float32(f*pr[j]) + float32(i*v)
			t := tanh32(cv)
			cr[j], tr[j], hr[j] = cv, t, o*t
		}
	}
}

// lstmCellBackward is lstmCellForward's pair. Given dh (rows, nH), the
// gradient w.r.t. the step's hidden state, and dc (rows, nH), the gradient
// w.r.t. its cell state arriving from the next step, it writes dG (rows,
// 4nH), the gradient w.r.t. the gates' pre-activations, and replaces dc by
// the gradient w.r.t. the previous cell state. gates (rows, 4nH), cPrev
// and tc (rows, nH) are what the forward step kept.
//
//	dc_t = dc + dh*o*(1-tc²)      dc ← dc_t*f
//	dG_i = dc_t*g*i*(1-i)   dG_f = dc_t*cPrev*f*(1-f)
//	dG_g = dc_t*i*(1-g²)    dG_o = dh*tc*o*(1-o)
//
// It also adds the column sums of dG into db (4nH) and, when x is not nil,
// the column sums of dG weighted by x (rows) into dwx (4nH): the gradient
// of a one-feature input's weights, which as a GEMM with one column costs
// more than the whole rest of this loop. Each sum over the rows is formed
// in acc (8nH scratch) and then added, the order the vector kernel uses.
// Every product is rounded before the sum it feeds (explicit conversions),
// so the results do not depend on fused multiply-adds, and at float32 the
// vector kernel (cellBackward32Vec) gives the same bits.
func lstmCellBackward[T Float](dG, dc, dh, gates, cPrev, tc, db, dwx, x, acc []T, rows, nH int) {
	j0 := 0
	if is32[T]() {
		j0 = cellBackward32Vec(as32(dG), as32(dc), as32(dh), as32(gates), as32(cPrev), as32(tc), as32(db), as32(dwx), as32(x), rows, nH)
	}
	if j0 == nH {
		return
	}
	sum, sumX := acc[:4*nH], acc[4*nH:8*nH]
	clear(sum)
	clear(sumX)
	for r := 0; r < rows; r++ {
		gr, dr := gates[r*4*nH:(r+1)*4*nH], dG[r*4*nH:(r+1)*4*nH]
		s := r * nH
		dcr, dhr, pr, tr := dc[s:s+nH], dh[s:s+nH], cPrev[s:s+nH], tc[s:s+nH]
		for j := j0; j < nH; j++ {
			i, f, g, o := gr[j], gr[nH+j], gr[2*nH+j], gr[3*nH+j]
			t, d := tr[j], dhr[j]
			dct := dcr[j] + T(T(d*o)*(1-T(t*t)))
			vo := T(T(T(d*t)*o) * (1 - o))
			vi := T(T(T(dct*g)*i) * (1 - i))
			vg := T(T(dct*i) * (1 - T(g*g)))
			vf := T(T(T(dct*pr[j])*f) * (1 - f))
			dr[j], dr[nH+j], dr[2*nH+j], dr[3*nH+j] = vi, vf, vg, vo
			sum[j] += vi
			sum[nH+j] += vf
			sum[2*nH+j] += vg
			sum[3*nH+j] += vo
			dcr[j] = dct * f
		}
		if x != nil {
			xr := x[r]
			for j := j0; j < nH; j++ {
				for k := j; k < 4*nH; k += nH {
					sumX[k] += T(dr[k] * xr)
				}
			}
		}
	}
	for k := 0; k < 4; k++ {
		for j := k*nH + j0; j < (k+1)*nH; j++ {
			db[j] += sum[j]
			if x != nil {
				dwx[j] += sumX[j]
			}
		}
	}
}

// The constants of exp32 and tanh32: Cephes' expf and tanhf (S. L. Moshier).
const (
	expHi    = 88  // exp32 clamps its argument to [expLo, expHi]: the results stay normal
	expLo    = -87 //
	log2e    = 1.44269504088896341
	expMagic = 12582912    // 1.5 * 2^23: adding it rounds a float32 below 2^22 to an integer
	ln2Hi    = 0.693359375 // ln 2 = ln2Hi + ln2Lo, ln2Hi with few bits so n*ln2Hi is exact
	ln2Lo    = -2.12194440e-4
	exp0     = 1.9875691500e-4 // e^r ≈ 1 + r + r²·P(r) on |r| <= ln2/2, P of degree 5
	exp1     = 1.3981999507e-3
	exp2     = 8.3334519073e-3
	exp3     = 4.1665795894e-2
	exp4     = 1.6666665459e-1
	exp5     = 5.0000001201e-1
	tanhCut  = 0.625 // below, tanh x ≈ x + x³·Q(x²); above, from exp
	tanh0    = -5.70498872745e-3
	tanh1    = 2.06390887954e-2
	tanh2    = -5.37397155531e-2
	tanh3    = 1.33314422036e-1
	tanh4    = -3.33332819422e-1
)

// exp32 is e^x in float32 arithmetic, Cephes' expf: x = n ln2 + r with n an
// integer and |r| <= ln2/2, e^r from a degree-7 polynomial, and 2^n put
// into the exponent. Its relative error is about 1e-7 (a unit or two in the
// last place, TestFastMath32). x is clamped to [-87, 88], so the result is
// always a normal float32; NaN stays NaN. Every product is rounded before
// the sum it feeds (the explicit float32 conversions forbid fused
// multiply-adds), so the result is the same on every platform, and it is
// the vector kernel's bit for bit.
func exp32(x float32) float32 {
	x = min(max(x, expLo), expHi)
	t := float32(x*log2e) + expMagic // n + 1.5*2^23: n in the low bits
	n := t - expMagic
	r := x - float32(n*ln2Hi)
	r -= float32(n * ln2Lo)
	z := float32(r * r)
	p := float32(exp0*r) + exp1
	p = float32(p*r) + exp2
	p = float32(p*r) + exp3
	p = float32(p*r) + exp4
	p = float32(p*r) + exp5
	p = float32(p*z) + r
	p++
	scale := math.Float32frombits((math.Float32bits(t) - math.Float32bits(expMagic) + 127) << 23) // 2^n
	return p * scale
}

// sigmoid32 is 1/(1+e^-x) with exp32: relative error about 1e-7 for x in
// [-87, 87]; below -88 it is σ(-88) ≈ 6.1e-39 (subnormal).
func sigmoid32(x float32) float32 {
	return 1 / (1 + exp32(-x))
}

// tanh32 is tanh x in float32, Cephes' tanhf: x + x³·Q(x²) for |x| < 0.625,
// otherwise 1 - 2/(e^{2|x|}+1) with exp32; either way with the sign bit of
// x (so tanh32(-0) = -0). Its relative error is about 1e-7.
func tanh32(x float32) float32 {
	sign := math.Float32bits(x) & (1 << 31)
	a := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	var y float32
	if a < tanhCut {
		z := float32(x * x)
		p := float32(tanh0*z) + tanh1
		p = float32(p*z) + tanh2
		p = float32(p*z) + tanh3
		p = float32(p*z) + tanh4
		y = float32(float32(p*z)*x) + x
	} else {
		e := exp32(a + a)
		y = 1 - 2/(e+1)
	}
	return math.Float32frombits(math.Float32bits(y) | sign)
}
