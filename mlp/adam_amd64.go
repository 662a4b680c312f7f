// Adam's float32 loop on AVX2 where the CPU has it.
package mlp

import "golang.org/x/sys/cpu"

//go:noescape
func adam32AVX2(p, gr, m, v *float32, n int, c *[8]float32)

var haveAVX2 = cpu.X86.HasAVX2

// adam32 runs Adam's element loop on the longest prefix of params whose
// length is a multiple of 8 and returns that length; the caller's Go loop
// does the rest. The results are bitwise those of the Go loop. It does
// nothing and returns 0 without AVX2. c holds l2, decay, c1, b2, c2, eps,
// stepSize and bc2Sqrt.
func adam32(params, grads, m, v []float32, c *[8]float32) int {
	n := len(params) &^ 7
	if !haveAVX2 || n == 0 {
		return 0
	}
	_, _, _ = grads[n-1], m[n-1], v[n-1] // bounds, before the assembly reads them
	adam32AVX2(&params[0], &grads[0], &m[0], &v[0], n, c)
	return n
}
