package mlp

import "testing"

// TestVectorDispatch checks when each AVX2 kernel's wrapper takes the
// vector path and how much of the work it does, at the edges of its
// conditions: an empty or partial vector, no rows, a row length that is
// not a multiple of the lane count. The Go loops do whatever the vector
// path leaves; the bitwise tests of each kernel check the results.
func TestVectorDispatch(t *testing.T) {
	f := func(n int) []float32 { return make([]float32, n) }
	var adamC [9]float32
	for _, tc := range []struct {
		name string
		got  func() int // the work done on the vector path: a count, or 1/0 for a bool
		want int        // with AVX2
	}{
		{"layernorm forward, n 8, 2 rows", func() int { return b2i(layernormForward32Vector(f(16), f(2), f(2), f(16), f(8), f(8), 2, 8)) }, 1},
		{"layernorm forward, n 4", func() int { return b2i(layernormForward32Vector(f(8), f(2), f(2), f(8), f(4), f(4), 2, 4)) }, 0},
		{"layernorm forward, n 12", func() int { return b2i(layernormForward32Vector(f(24), f(2), f(2), f(24), f(12), f(12), 2, 12)) }, 0},
		{"layernorm forward, n 0", func() int { return b2i(layernormForward32Vector(f(0), f(2), f(2), f(0), f(0), f(0), 2, 0)) }, 0},
		{"layernorm forward, no rows", func() int { return b2i(layernormForward32Vector(f(0), f(0), f(0), f(0), f(8), f(8), 0, 8)) }, 0},
		{"layernorm backward, n 8, 2 rows", func() int {
			return b2i(layernormBackward32Vector(f(16), f(8), f(8), f(16), f(16), f(2), f(2), f(8), 2, 8))
		}, 1},
		{"layernorm backward, n 4", func() int {
			return b2i(layernormBackward32Vector(f(8), f(4), f(4), f(8), f(8), f(2), f(2), f(4), 2, 4))
		}, 0},
		{"layernorm backward, n 12", func() int {
			return b2i(layernormBackward32Vector(f(24), f(12), f(12), f(24), f(24), f(2), f(2), f(12), 2, 12))
		}, 0},
		{"layernorm backward, n 0", func() int {
			return b2i(layernormBackward32Vector(f(0), f(0), f(0), f(0), f(0), f(2), f(2), f(0), 2, 0))
		}, 0},
		{"layernorm backward, no rows", func() int {
			return b2i(layernormBackward32Vector(f(0), f(8), f(8), f(0), f(0), f(0), f(0), f(8), 0, 8))
		}, 0},
		{"softmax, rows of 8", func() int { return b2i(softmax32Vector(f(8), 8)) }, 1},
		{"softmax, rows of 7", func() int { return b2i(softmax32Vector(f(14), 7)) }, 0},
		{"softmax, less than a row", func() int { return b2i(softmax32Vector(f(7), 8)) }, 0},
		{"softmax backward, rows of 8", func() int { return b2i(softmaxBackward32Vector(f(8), f(8), 8)) }, 1},
		{"softmax backward, rows of 7", func() int { return b2i(softmaxBackward32Vector(f(14), f(14), 7)) }, 0},
		{"softmax backward, less than a row", func() int { return b2i(softmaxBackward32Vector(f(7), f(7), 8)) }, 0},
		{"adam, 8 values", func() int { return adam32(f(8), f(8), f(8), f(8), &adamC) }, 8},
		{"adam, 7 values", func() int { return adam32(f(7), f(7), f(7), f(7), &adamC) }, 0},
		{"adam, 17 values", func() int { return adam32(f(17), f(17), f(17), f(17), &adamC) }, 16},
		{"finite, 32 values", func() int { ok, n := finite32(f(32)); return b2i(ok) * n }, 32},
		{"finite, 31 values", func() int { ok, n := finite32(f(31)); return b2i(ok) * n }, 0},
		{"relu, 16 values", func() int { return relu32(f(16)) }, 16},
		{"relu, 15 values", func() int { return relu32(f(15)) }, 0},
		{"relu backward, rows of 8", func() int { return reluBackward32Vec(f(16), f(16), f(8), 8) }, 8},
		{"relu backward, rows of 7", func() int { return reluBackward32Vec(f(14), f(14), f(7), 7) }, 0},
		{"relu backward, no rows", func() int { return reluBackward32Vec(f(0), f(0), f(8), 8) }, 0},
		{"lstm cell, 8 hidden", func() int { return cellForward32Vec(f(64), f(16), f(16), f(16), f(16), 2, 8) }, 8},
		{"lstm cell, 7 hidden", func() int { return cellForward32Vec(f(56), f(14), f(14), f(14), f(14), 2, 7) }, 0},
		{"lstm cell, no rows", func() int { return cellForward32Vec(f(0), f(0), f(0), f(0), f(0), 0, 8) }, 0},
		{"lstm cell backward, 8 hidden", func() int {
			return cellBackward32Vec(f(64), f(16), f(16), f(64), f(16), f(16), f(32), nil, nil, 2, 8)
		}, 8},
		{"lstm cell backward, 7 hidden", func() int {
			return cellBackward32Vec(f(56), f(14), f(14), f(56), f(14), f(14), f(28), nil, nil, 2, 7)
		}, 0},
		{"lstm cell backward, no rows", func() int {
			return cellBackward32Vec(f(0), f(0), f(0), f(0), f(0), f(0), f(32), nil, nil, 0, 8)
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if !haveAVX2 {
				want = 0
			}
			if got := tc.got(); got != want {
				t.Errorf("vector path did %d, want %d (AVX2 %v)", got, want, haveAVX2)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
