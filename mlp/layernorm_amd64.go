// LayerNorm's float32 rows on AVX2 where the CPU has it.
package mlp

//go:noescape
func layernormForward32AVX2(out, mean, rstd, in, w, b *float32, rows, n int, inv float32)

//go:noescape
func layernormBackward32AVX2(dIn, dw, db, dOut, in, mean, rstd, w *float32, rows, n int, inv float32)

// layernormForward32Vector runs layernormForward on AVX2 and reports true
// when the CPU has AVX2 and n is a multiple of 8; otherwise it does
// nothing and reports false. The results are bitwise those of the Go loop.
func layernormForward32Vector(out, mean, rstd, in, w, b []float32, rows, n int) bool {
	if !haveAVX2 || n%8 != 0 || n == 0 || rows <= 0 {
		return false
	}
	_, _, _, _, _, _ = out[rows*n-1], mean[rows-1], rstd[rows-1], in[rows*n-1], w[n-1], b[n-1] // bounds, before the assembly reads them
	layernormForward32AVX2(&out[0], &mean[0], &rstd[0], &in[0], &w[0], &b[0], rows, n, 1/float32(n))
	return true
}

// layernormBackward32Vector is layernormForward32Vector for
// layernormBackward.
func layernormBackward32Vector(dIn, dw, db, dOut, in, mean, rstd, w []float32, rows, n int) bool {
	if !haveAVX2 || n%8 != 0 || n == 0 || rows <= 0 {
		return false
	}
	_, _, _, _, _, _, _, _ = dIn[rows*n-1], dw[n-1], db[n-1], dOut[rows*n-1], in[rows*n-1], mean[rows-1], rstd[rows-1], w[n-1]
	layernormBackward32AVX2(&dIn[0], &dw[0], &db[0], &dOut[0], &in[0], &mean[0], &rstd[0], &w[0], rows, n, 1/float32(n))
	return true
}
