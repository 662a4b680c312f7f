// The float32 softmax on AVX2 where the CPU has it.
package mlp

//go:noescape
func softmax32AVX2(s *float32, rows, n int)

//go:noescape
func softmaxBackward32AVX2(dp, p *float32, rows, n int)

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

// softmaxBackward32Vector runs softmaxBackward's float32 rows on AVX2 and
// reports true, when the CPU has AVX2 and rows have at least 8 values;
// otherwise it does nothing and reports false. The results are bitwise
// those of the Go loop.
func softmaxBackward32Vector(dp, p []float32, n int) bool {
	if !haveAVX2 || n < 8 || len(dp) < n {
		return false
	}
	rows := len(dp) / n
	_ = p[rows*n-1] // bounds, before the assembly reads them
	softmaxBackward32AVX2(&dp[0], &p[0], rows, n)
	return true
}
