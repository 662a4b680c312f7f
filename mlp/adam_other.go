// Adam's float32 loop: no vector version off amd64.

//go:build !amd64

package mlp

// adam32 does nothing off amd64: the Go loop does every element.
func adam32(params, grads, m, v []float32, c *[8]float32) int { return 0 }
