// Adam's float32 loop and the finite check: no vector versions off amd64.

//go:build !amd64

package mlp

// adam32 does nothing off amd64: the Go loop does every element.
func adam32(params, grads, m, v []float32, c *[9]float32) int { return 0 }

// finite32 checks nothing off amd64: the Go loop does every element.
func finite32(x []float32) (bool, int) { return true, 0 }

// haveAVX2 is false off amd64; tests that compare the vector and Go paths
// switch it.
var haveAVX2 = false

// relu32 does nothing off amd64: the Go loop does every element.
func relu32(o []float32) int { return 0 }

// reluBackward32Vec does nothing off amd64: the Go loop does every column.
func reluBackward32Vec(d, o, db []float32, n int) int { return 0 }
