// The network: flat parameter and gradient buffers, layer views, and the
// paired forward/backward kernels.
package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// activation is Config.Act resolved once, so kernels switch on an int.
type activation int

const (
	identity activation = iota // output layer
	relu
	tanh
)

// layer is one fully connected layer: out = act(in * Wᵀ + b). Its slices are
// views into the Net's flat buffers.
type layer[T Float] struct {
	nIn, nOut int
	act       activation
	off       int // offset of w in Params and Grads; b follows w
	w         []T // (nOut, nIn), row-major, view of Params
	b         []T // (nOut), view of Params
	dw        []T // (nOut, nIn), view of Grads
	db        []T // (nOut), view of Grads
	out       []T // (maxBatch, nOut): activations after bias and act
	dOut      []T // (maxBatch, nOut): gradient of the loss w.r.t. out; nil for the last layer
}

// Net is a multilayer perceptron with every parameter in one flat slice.
//
// Methods panic with an "mlp: " message on shape misuse: a rows count below
// 0 or above the maxBatch given to NewNet (Forward, Backward), or a slice
// whose length is not rows times the layer width.
type Net[T Float] struct {
	Cfg    Config
	Params []T // all layers: W (out, in) row-major then b (out), layer after layer
	Grads  []T // same layout as Params; Backward adds into it

	layers   []layer[T]
	maxBatch int
}

// NewNet allocates a network for batches of up to maxBatch rows: parameters,
// gradients and every activation buffer, once. Parameters start at zero; call
// Init. It panics if cfg is invalid or maxBatch < 1.
func NewNet[T Float](cfg Config, maxBatch int) *Net[T] {
	if err := cfg.Validate(); err != nil {
		panic(err.Error())
	}
	if maxBatch < 1 {
		panic(fmt.Sprintf("mlp: maxBatch %d, want >= 1", maxBatch))
	}
	act := relu
	if cfg.Act == ActTanh {
		act = tanh
	}
	w := cfg.widths()
	n := &Net[T]{
		Cfg:      cfg,
		Params:   make([]T, cfg.NumParams()),
		Grads:    make([]T, cfg.NumParams()),
		layers:   make([]layer[T], len(w)-1),
		maxBatch: maxBatch,
	}
	off := 0
	for l := range n.layers {
		L := &n.layers[l]
		L.nIn, L.nOut, L.off, L.act = w[l], w[l+1], off, act
		L.out = make([]T, maxBatch*L.nOut)
		if l == len(n.layers)-1 {
			L.act = identity
		} else {
			L.dOut = make([]T, maxBatch*L.nOut)
		}
		off += L.nOut*L.nIn + L.nOut
	}
	n.bind()
	return n
}

// bind points every layer's w, b, dw, db at Params and Grads.
func (n *Net[T]) bind() {
	for l := range n.layers {
		L := &n.layers[l]
		nw := L.nOut * L.nIn
		L.w = n.Params[L.off : L.off+nw]
		L.b = n.Params[L.off+nw : L.off+nw+L.nOut]
		L.dw = n.Grads[L.off : L.off+nw]
		L.db = n.Grads[L.off+nw : L.off+nw+L.nOut]
	}
}

// useGrads makes g (len NumParams) the gradient buffer, copying the current
// gradients into it. The training loop uses it to place Grads at the front of
// its reduction buffer.
func (n *Net[T]) useGrads(g []T) {
	if len(g) != len(n.Params) {
		panic(fmt.Sprintf("mlp: gradient buffer of %d, want %d", len(g), len(n.Params)))
	}
	copy(g, n.Grads)
	n.Grads = g
	n.bind()
}

// MaxBatch is the largest rows count Forward and Backward accept.
func (n *Net[T]) MaxBatch() int { return n.maxBatch }

// Init sets the parameters deterministically from seed: biases to 0 and
// weights, for every layer including the output one, to Kaiming/He normal
// draws N(0, 2/fan_in) for "relu" or Xavier/Glorot uniform draws
// U(-a, a), a = sqrt(6/(fan_in+fan_out)), for "tanh". Draws are made in
// float64 from a PCG stream and rounded to T, so a float32 and a float64
// net with the same seed start from the same values up to rounding.
func (n *Net[T]) Init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6d6c702d696e6974)) // "mlp-init"
	for l := range n.layers {
		L := &n.layers[l]
		if n.Cfg.Act == ActTanh {
			a := math.Sqrt(6 / float64(L.nIn+L.nOut))
			for i := range L.w {
				L.w[i] = T(a * (2*rng.Float64() - 1))
			}
		} else {
			std := math.Sqrt(2 / float64(L.nIn))
			for i := range L.w {
				L.w[i] = T(std * rng.NormFloat64())
			}
		}
		clear(L.b)
	}
}

// ZeroGrad sets every gradient to zero. Backward only adds.
func (n *Net[T]) ZeroGrad() { clear(n.Grads) }

// checkRows panics unless 0 <= rows <= maxBatch and len(s) == rows*width.
func (n *Net[T]) checkRows(what string, s []T, rows, width int) {
	if rows < 0 || rows > n.maxBatch {
		panic(fmt.Sprintf("mlp: %d rows, want 0..%d (the net's maxBatch)", rows, n.maxBatch))
	}
	if len(s) != rows*width {
		panic(fmt.Sprintf("mlp: %s has length %d, want rows*%d = %d", what, len(s), width, rows*width))
	}
}

// Forward runs x, (rows, In) row-major, through the net and returns a view
// of the output (rows, Out). The view is overwritten by the next Forward.
func (n *Net[T]) Forward(x []T, rows int) []T {
	n.checkRows("x", x, rows, n.Cfg.In)
	in := x
	for l := range n.layers {
		L := &n.layers[l]
		out := L.out[:rows*L.nOut]
		linearForward(out, in, L.w, L.b, rows, L.nIn, L.nOut, L.act)
		in = out
	}
	return in
}

// Backward adds into Grads the gradient of a loss whose gradient w.r.t. the
// output is dOut (rows, Out). It must follow Forward on the same x and rows,
// whose activations it reads. dOut is not modified.
func (n *Net[T]) Backward(x, dOut []T, rows int) {
	n.checkRows("x", x, rows, n.Cfg.In)
	n.checkRows("dOut", dOut, rows, n.Cfg.Out)
	if rows == 0 {
		return
	}
	d := dOut
	for l := len(n.layers) - 1; l >= 0; l-- {
		L := &n.layers[l]
		in := x
		var dIn []T
		if l > 0 {
			P := &n.layers[l-1]
			in = P.out[:rows*L.nIn]
			dIn = P.dOut[:rows*L.nIn]
		}
		linearBackward(dIn, L.dw, L.db, d, in, L.out[:rows*L.nOut], L.w, rows, L.nIn, L.nOut, L.act)
		d = dIn
	}
}

// Predict writes the net's output for x, (rows, In), into out, (rows, Out),
// in chunks of at most maxBatch rows, so rows may be any size.
func (n *Net[T]) Predict(x []T, rows int, out []T) {
	if rows < 0 || len(x) != rows*n.Cfg.In || len(out) != rows*n.Cfg.Out {
		panic(fmt.Sprintf("mlp: Predict of %d rows with len(x)=%d, len(out)=%d; want %d and %d",
			rows, len(x), len(out), rows*n.Cfg.In, rows*n.Cfg.Out))
	}
	for r := 0; r < rows; r += n.maxBatch {
		k := min(n.maxBatch, rows-r)
		y := n.Forward(x[r*n.Cfg.In:(r+k)*n.Cfg.In], k)
		copy(out[r*n.Cfg.Out:], y)
	}
}

// linearForward computes out = act(in * wᵀ + b). The bias is fused into
// the GEMM: out starts as b in every row and the GEMM adds in * wᵀ to it
// (beta = 1), so one loop over out is left, the activation's (none for
// identity). That is faster than a GEMM with beta = 0 followed by a loop
// adding the bias: copying rows is a vectorized memmove, the GEMM's beta = 1
// read of out is nearly free, and the Go loop does one thing less.
//
//	out (rows, nOut), in (rows, nIn), w (nOut, nIn), b (nOut)
func linearForward[T Float](out, in, w, b []T, rows, nIn, nOut int, act activation) {
	b = b[:nOut]
	for r := 0; r < rows; r++ {
		copy(out[r*nOut:(r+1)*nOut], b)
	}
	gemm(false, true, rows, nOut, nIn, 1, in, nIn, w, nIn, 1, out, nOut)
	o := out[:rows*nOut]
	switch act {
	case relu:
		for j, x := range o {
			o[j] = max(x, 0)
		}
	case tanh:
		for j, x := range o {
			o[j] = T(math.Tanh(float64(x)))
		}
	}
}

// linearBackward is linearForward's pair. Given dOut, the gradient w.r.t.
// the layer's activated output out, it turns dOut into the gradient w.r.t.
// the pre-activation (in place; never for identity, so a caller's dOut is
// left alone) while adding its column sums into db, then adds
// dOutᵀ * in into dw and, when dIn is not nil, sets dIn = dOut * w.
//
//	dIn (rows, nIn), dw (nOut, nIn), db (nOut), dOut (rows, nOut),
//	in (rows, nIn), out (rows, nOut), w (nOut, nIn)
func linearBackward[T Float](dIn, dw, db, dOut, in, out, w []T, rows, nIn, nOut int, act activation) {
	db = db[:nOut]
	switch act {
	case identity:
		for r := 0; r < rows; r++ {
			for j, x := range dOut[r*nOut : (r+1)*nOut] {
				db[j] += x
			}
		}
	case relu:
		if is32[T]() {
			reluBackward32(as32(dOut[:rows*nOut]), as32(out[:rows*nOut]), as32(db), nOut)
		} else {
			reluBackward64(as64(dOut[:rows*nOut]), as64(out[:rows*nOut]), as64(db), nOut)
		}
	case tanh:
		for r := 0; r < rows; r++ {
			d := dOut[r*nOut : (r+1)*nOut]
			o := out[r*nOut : (r+1)*nOut]
			o = o[:len(d)]
			for j, x := range d {
				x *= 1 - o[j]*o[j]
				d[j] = x
				db[j] += x
			}
		}
	}
	gemm(true, false, nOut, nIn, rows, 1, dOut, nOut, in, nIn, 1, dw, nIn)
	if dIn != nil {
		gemm(false, false, rows, nIn, nOut, 1, dOut, nOut, w, nIn, 0, dIn, nIn)
	}
}

// reluBackward32 zeroes d where the ReLU output o is +0 (the unit was off)
// and adds the column sums of the result into db; d and o are (rows, n)
// with n = len(db). It selects with a bit mask, not a branch: whether a
// unit is on is data-dependent and close to a coin flip, and mispredicted
// branches made this loop several times slower than the GEMMs around it.
// A ReLU output is +0, positive or NaN, so "on" is "bits non-zero", as
// the test o > 0 || o != o; the result is bitwise that of
// `if o <= 0 { d = 0 }`.
func reluBackward32(d, o, db []float32, n int) {
	o = o[:len(d)]
	for r := 0; r+n <= len(d); r += n {
		dr, or := d[r:r+n], o[r:r+n]
		for j, x := range dr {
			b := math.Float32bits(or[j])
			on := uint32(int32(b|-b) >> 31) // all ones if b != 0
			x = math.Float32frombits(math.Float32bits(x) & on)
			dr[j] = x
			db[j] += x
		}
	}
}

// reluBackward64 is reluBackward32 for float64.
func reluBackward64(d, o, db []float64, n int) {
	o = o[:len(d)]
	for r := 0; r+n <= len(d); r += n {
		dr, or := d[r:r+n], o[r:r+n]
		for j, x := range dr {
			b := math.Float64bits(or[j])
			on := uint64(int64(b|-b) >> 63)
			x = math.Float64frombits(math.Float64bits(x) & on)
			dr[j] = x
			db[j] += x
		}
	}
}
