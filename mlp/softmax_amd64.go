// The float32 softmax on AVX2 where the CPU has it.
package mlp

//go:noescape
func softmax32AVX2(s *float32, rows, n int)

// softmax32Vector runs softmax32 on AVX2 and reports true, when the CPU
// has AVX2 and rows have at least 8 values; otherwise it does nothing and
// reports false. The results are bitwise those of softmax32Go.
func softmax32Vector(s []float32, n int) bool {
	if !haveAVX2 || n < 8 || len(s) < n {
		return false
	}
	softmax32AVX2(&s[0], len(s)/n, n)
	return true
}
