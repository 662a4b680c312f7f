// Adam's float32 loop and the finite check on AVX2 where the CPU has it.
package mlp

import "golang.org/x/sys/cpu"

//go:noescape
func adam32AVX2(p, gr, m, v *float32, n int, c *[9]float32)

//go:noescape
func finite32AVX2(x *float32, n int) bool

var haveAVX2 = cpu.X86.HasAVX2

// adam32 runs Adam's element loop, the gradient scaled by c[8] first, on
// the longest prefix of params whose length is a multiple of 8 and returns
// that length; the caller's Go loop does the rest. The results are bitwise
// those of the Go loop. It does nothing and returns 0 without AVX2. c
// holds l2, decay, c1, b2, c2, eps, stepSize, bc2Sqrt and scale.
func adam32(params, grads, m, v []float32, c *[9]float32) int {
	n := len(params) &^ 7
	if !haveAVX2 || n == 0 {
		return 0
	}
	_, _, _ = grads[n-1], m[n-1], v[n-1] // bounds, before the assembly reads them
	adam32AVX2(&params[0], &grads[0], &m[0], &v[0], n, c)
	return n
}

// finite32 reports whether the longest prefix of x whose length is a
// multiple of 32 holds only finite values, and that length (0, and true,
// without AVX2).
func finite32(x []float32) (bool, int) {
	n := len(x) &^ 31
	if !haveAVX2 || n == 0 {
		return true, 0
	}
	return finite32AVX2(&x[0], n), n
}
