// The LSTM cell's float32 steps, forward and backward, on AVX2 where the
// CPU has it.
package mlp

import "math"

//go:noescape
func cellBackward32AVX2(dG, dc, dh, gates, cPrev, tc, db, dwx, x *float32, rows, nH, n8 int, k *[23][8]uint32)

//go:noescape
func cellForward32AVX2(gates, c, tc, h, cPrev *float32, rows, nH, n8 int, k *[23][8]uint32)

// lstmConsts32 holds the constants of exp32, sigmoid32 and tanh32 as the
// vector kernel reads them, each 8 times, in the order of the K_ offsets
// of lstm_amd64.s; they are the Go functions' constants rounded the same
// way.
var lstmConsts32 = func() (k [23][8]uint32) {
	b := math.Float32bits
	for i, v := range [23]uint32{
		b(expLo), b(expHi), b(log2e), b(expMagic), b(ln2Hi), b(ln2Lo),
		b(exp0), b(exp1), b(exp2), b(exp3), b(exp4), b(exp5), b(1),
		127 - b(expMagic), // (bits(t) - bits(magic) + 127) << 23 is 2^n
		1 << 31, 1<<31 - 1,
		b(tanhCut), b(tanh0), b(tanh1), b(tanh2), b(tanh3), b(tanh4), b(2),
	} {
		for l := range k[i] {
			k[i][l] = v
		}
	}
	return k
}()

// cellForward32Vec runs cellForward32's step on 8 lanes for the columns
// 0..n8-1 of every gate and state, n8 = nH rounded down to a multiple of 8,
// and returns n8; the caller's Go loop does the other columns. The results
// are bitwise those of the Go loop. Without AVX2 it does nothing and
// returns 0.
func cellForward32Vec(g, c, tc, h, cPrev []float32, rows, nH int) int {
	n8 := nH &^ 7
	if !haveAVX2 || n8 == 0 || rows <= 0 {
		return 0
	}
	n := rows * nH
	_, _, _, _, _ = g[4*n-1], c[n-1], tc[n-1], h[n-1], cPrev[n-1] // bounds, before the assembly reads them
	cellForward32AVX2(&g[0], &c[0], &tc[0], &h[0], &cPrev[0], rows, nH, n8, &lstmConsts32)
	return n8
}

// cellBackward32Vec runs lstmCellBackward's float32 step on 8 lanes for the
// columns 0..n8-1 of every gate and state, n8 = nH rounded down to a
// multiple of 8, and returns n8; the caller's Go loop does the other
// columns. The results are bitwise those of the Go loop. Without AVX2 it
// does nothing and returns 0.
func cellBackward32Vec(dG, dc, dh, gates, cPrev, tc, db, dwx, x []float32, rows, nH int) int {
	n8 := nH &^ 7
	if !haveAVX2 || n8 == 0 || rows <= 0 {
		return 0
	}
	n := rows * nH
	_, _, _, _, _, _, _ = dG[4*n-1], dc[n-1], dh[n-1], gates[4*n-1], cPrev[n-1], tc[n-1], db[4*nH-1] // bounds, before the assembly reads them
	var px, pdwx *float32
	if x != nil {
		_, _ = x[rows-1], dwx[4*nH-1]
		px, pdwx = &x[0], &dwx[0]
	}
	cellBackward32AVX2(&dG[0], &dc[0], &dh[0], &gates[0], &cPrev[0], &tc[0], &db[0], pdwx, px, rows, nH, n8, &lstmConsts32)
	return n8
}
