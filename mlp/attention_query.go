// The attention of one query position over every position, with the key
// and value projections folded in: the last encoder layer's attention.
package mlp

import "math"

// queryAttentionForward computes the multi-head attention of one query per
// sample, q (rows, D), over the steps positions of the sample's LayerNorm1
// output x (steps, D), without forming keys or values. For head h, with
// Wk_h and Wv_h its rows of the key and value projections (hd, D),
//
//	softmax(q_h (x Wk_hᵀ + bk_h)ᵀ / sqrt(hd)) (x Wv_hᵀ + bv_h)
//	    = softmax(qt_h xᵀ / sqrt(hd)) x Wv_hᵀ + bv_h,   qt_h = q_h Wk_h,
//
// because the key bias adds one value to all of a row's scores, which the
// softmax ignores, and the probabilities p_h sum to 1. So a sample costs
// 2*heads*steps*D multiply-adds for the scores and z_h = p_h x, where keys
// and values at every position would cost 2*steps*D*D. The products are
// GEMMs: qt and the output per head over all samples, the scores and z
// per sample over all heads. It keeps qt, the probabilities att and z for
// queryAttentionBackward.
//
//	atty (rows, D), att (rows, heads, steps), z (rows, heads, D),
//	qt (rows, heads, D), q (rows, D), x (rows*steps, D),
//	wk, wv (D, D): the key and value rows of in_proj_weight; bv (D)
func queryAttentionForward[T Float](atty, att, z, qt, q, x, wk, wv, bv []T, rows, steps, heads int) {
	d := len(bv)
	hd := d / heads
	scale := T(1 / math.Sqrt(float64(hd)))
	for h := 0; h < heads; h++ {
		gemm(false, false, rows, d, hd, 1, q[h*hd:], d, wk[h*hd*d:], d, 0, qt[h*d:], heads*d)
	}
	for r := 0; r < rows; r++ {
		xr := x[r*steps*d : (r+1)*steps*d]
		p := att[r*heads*steps : (r+1)*heads*steps]
		gemm(false, true, heads, steps, d, scale, qt[r*heads*d:], d, xr, d, 0, p, steps)
		softmaxForward(p, steps)
		gemm(false, false, heads, d, steps, 1, p, steps, xr, d, 0, z[r*heads*d:], d)
	}
	for h := 0; h < heads; h++ {
		matmulForward(atty[h*hd:], d, z[h*d:], heads*d, wv[h*hd*d:(h+1)*hd*d], bv[h*hd:(h+1)*hd], nil, 0, rows, d, hd)
	}
}

// queryAttentionBackward is queryAttentionForward's pair. Given datty, the
// gradient w.r.t. atty, it sets dq and dx, the gradients w.r.t. q and x,
// and adds into dwk, dwv and dbv (the key bias has none). dz and dqt
// (rows, heads, D) and dp (heads, steps) are scratch. With s the scaled
// scores: dz_h = dO_h Wv_h, dWv_h += dO_hᵀ z_h, dp = dz xᵀ, dx = pᵀ dz,
// ds = softmax's backward of dp, dqt = ds x / sqrt(hd),
// dx += dsᵀ qt / sqrt(hd), dq_h = dqt_h Wk_hᵀ and dWk_h += q_hᵀ dqt_h.
//
//	dq (rows, D), dx (rows*steps, D), dwk, dwv (D, D), dbv (D),
//	dz, dqt (rows, heads, D), dp (heads*steps), datty (rows, D), then the
//	forward pass's att, z, qt, q, x, wk and wv
func queryAttentionBackward[T Float](dq, dx, dwk, dwv, dbv, dz, dqt, dp, datty, att, z, qt, q, x, wk, wv []T, rows, steps, heads int) {
	d := len(dbv)
	hd := d / heads
	scale := T(1 / math.Sqrt(float64(hd)))
	dp = dp[:heads*steps]
	for h := 0; h < heads; h++ {
		matmulBackward(dz[h*d:], heads*d, dwv[h*hd*d:(h+1)*hd*d], dbv[h*hd:(h+1)*hd], datty[h*hd:], d, z[h*d:], heads*d, wv[h*hd*d:(h+1)*hd*d], rows, d, hd, false)
	}
	for r := 0; r < rows; r++ {
		xr, dxr := x[r*steps*d:(r+1)*steps*d], dx[r*steps*d:(r+1)*steps*d]
		p := att[r*heads*steps : (r+1)*heads*steps]
		dzr := dz[r*heads*d : (r+1)*heads*d]
		gemm(false, true, heads, steps, d, 1, dzr, d, xr, d, 0, dp, steps)
		gemm(true, false, steps, d, heads, 1, p, steps, dzr, d, 0, dxr, d)
		softmaxBackward(dp, p, steps)
		gemm(false, false, heads, d, steps, scale, dp, steps, xr, d, 0, dqt[r*heads*d:], d)
		gemm(true, false, steps, d, heads, scale, dp, steps, qt[r*heads*d:], d, 1, dxr, d)
	}
	for h := 0; h < heads; h++ {
		gemm(false, true, rows, hd, d, 1, dqt[h*d:], heads*d, wk[h*hd*d:], d, 0, dq[h*hd:], d)
		gemm(true, false, hd, d, rows, 1, q[h*hd:], d, dqt[h*d:], heads*d, 1, dwk[h*hd*d:], d)
	}
}
