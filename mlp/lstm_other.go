// The LSTM cell's float32 steps: no vector version off amd64.

//go:build !amd64

package mlp

// cellForward32Vec does nothing off amd64: the Go loop does every column.
func cellForward32Vec(g, c, tc, h, cPrev []float32, rows, nH int) int { return 0 }

// cellBackward32Vec does nothing off amd64: the Go loop does every column.
func cellBackward32Vec(dG, dc, dh, gates, cPrev, tc, db, dwx, x []float32, rows, nH int) int {
	return 0
}
