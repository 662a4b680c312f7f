// The ReLU's float32 loops on AVX2 where the CPU has it.
package mlp

//go:noescape
func relu32AVX2(o *float32, n int)

//go:noescape
func reluBackward32AVX2(d, o, db *float32, rows, n, n8 int)

// relu32 sets o[j] = max(o[j], 0) on the longest prefix of o whose length
// is a multiple of 16 and returns that length (0 without AVX2); bitwise
// the Go loop's results.
func relu32(o []float32) int {
	n := len(o) &^ 15
	if !haveAVX2 || n == 0 {
		return 0
	}
	relu32AVX2(&o[0], n)
	return n
}

// reluBackward32Vec does reluBackward32's work on the columns [0, n&^7)
// of every row and returns n&^7 (0 without AVX2), bitwise the Go loop's.
func reluBackward32Vec(d, o, db []float32, n int) int {
	n8 := n &^ 7
	rows := len(d) / n
	if !haveAVX2 || n8 == 0 || rows == 0 {
		return 0
	}
	_, _ = o[rows*n-1], db[n8-1] // bounds, before the assembly reads them
	reluBackward32AVX2(&d[0], &o[0], &db[0], rows, n, n8)
	return n8
}
