//go:build !linux

package mlp

// reduceBuffer returns a zeroed slice of n elements for the step's reduce
// buffer (on Linux, large ones lie on transparent huge pages).
func reduceBuffer[T Float](n int) []T { return make([]T, n) }
