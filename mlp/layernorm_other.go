// LayerNorm: no vector version off amd64.

//go:build !amd64

package mlp

// layernormForward32Vector does nothing off amd64: the Go loop does every
// row.
func layernormForward32Vector(out, mean, rstd, in, w, b []float32, rows, n int) bool { return false }

// layernormBackward32Vector does nothing off amd64.
func layernormBackward32Vector(dIn, dw, db, dOut, in, mean, rstd, w []float32, rows, n int) bool {
	return false
}
