// The float32 softmax: no vector version off amd64.

//go:build !amd64

package mlp

// softmax32Vector does nothing off amd64: softmax32Go does every row.
func softmax32Vector(s []float32, n int) bool { return false }

// softmaxBackward32Vector does nothing off amd64.
func softmaxBackward32Vector(dp, p []float32, n int) bool { return false }
