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

// Net is a multilayer perceptron with every parameter in one flat slice,
// the model "mlp" (see Model).
//
// Methods panic with an "mlp: " message on shape misuse: a rows count below
// 0 or above the maxBatch given to NewNet (Forward, Backward), or a slice
// whose length is not rows times the layer width.
type Net[T Float] struct {
	cfg    Config
	params []T // all layers: W (out, in) row-major then b (out), layer after layer
	grads  []T // same layout as params; Backward adds into it

	layers   []layer[T]
	maxBatch int
}

// Arch implements Model.
func (n *Net[T]) Arch() Config { return n.cfg }

// Params implements Model: every layer's W (out, in) row-major then b
// (out), layer after layer.
func (n *Net[T]) Params() []T { return n.params }

// Grads implements Model.
func (n *Net[T]) Grads() []T { return n.grads }

// NewNet allocates a network for batches of up to maxBatch rows: parameters,
// gradients and every activation buffer, once. Parameters start at zero; call
// Init. It panics if cfg is invalid or maxBatch < 1.
func NewNet[T Float](cfg Config, maxBatch int) *Net[T] {
	if err := cfg.Validate(); err != nil {
		panic(err.Error())
	}
	if cfg.Kind() != ModelMLP {
		panic("mlp: NewNet of a " + cfg.Kind() + " config (use NewModel)")
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
		cfg:      cfg,
		params:   make([]T, cfg.NumParams()),
		grads:    make([]T, cfg.NumParams()),
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
		L.w = n.params[L.off : L.off+nw]
		L.b = n.params[L.off+nw : L.off+nw+L.nOut]
		L.dw = n.grads[L.off : L.off+nw]
		L.db = n.grads[L.off+nw : L.off+nw+L.nOut]
	}
}

// useGrads makes g (len NumParams) the gradient buffer, copying the current
// gradients into it. The training loop uses it to place Grads at the front of
// its reduction buffer.
func (n *Net[T]) useGrads(g []T) {
	if len(g) != len(n.params) {
		panic(fmt.Sprintf("mlp: gradient buffer of %d, want %d", len(g), len(n.params)))
	}
	copy(g, n.grads)
	n.grads = g
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
		if n.cfg.Act == ActTanh {
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
func (n *Net[T]) ZeroGrad() { clear(n.grads) }

// Forward runs x, (rows, In) row-major, through the net and returns a view
// of the output (rows, Out). The view is overwritten by the next Forward.
func (n *Net[T]) Forward(x []T, rows int) []T {
	checkBatch("x", x, rows, n.maxBatch, n.cfg.In)
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
	checkBatch("x", x, rows, n.maxBatch, n.cfg.In)
	checkBatch("dOut", dOut, rows, n.maxBatch, n.cfg.Out)
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
		k := 0
		if is32[T]() { // 16 lanes at a time where the CPU can (relu_amd64.s), bitwise the same
			k = relu32(as32(o))
		}
		for j, x := range o[k:] {
			o[k+j] = max(x, 0)
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
	k := reluBackward32Vec(d, o, db, n) // columns [0, k) of every row on AVX2, bitwise the same
	if k == n {
		return
	}
	for r := 0; r+n <= len(d); r += n {
		dr, or := d[r+k:r+n], o[r+k:r+n]
		db := db[k:]
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

// widths returns In, Hidden..., Out of an mlp.
func (c Config) widths() []int {
	w := make([]int, 0, len(c.Hidden)+2)
	w = append(w, c.In)
	w = append(w, c.Hidden...)
	return append(w, c.Out)
}

// mlpTensors is the mlp's layout: layers.L.weight (out, in) then
// layers.L.bias (out), layer after layer.
func mlpTensors(c Config) []Tensor {
	w := c.widths()
	var ts []Tensor
	for l := 0; l+1 < len(w); l++ {
		ts = append(ts,
			Tensor{Name: fmt.Sprintf("layers.%d.weight", l), Shape: []int{w[l+1], w[l]}},
			Tensor{Name: fmt.Sprintf("layers.%d.bias", l), Shape: []int{w[l+1]}})
	}
	return layout(ts...)
}

// mlpFLOPs: forward is 2*in*out per layer; backward is 2*in*out per layer
// for the weight gradient plus 2*in*out per layer except the first for the
// input gradient (the gradient of the data is never computed).
func mlpFLOPs(c Config) (fwd, bwd int64) {
	w := c.widths()
	for l := 0; l+1 < len(w); l++ {
		mm := 2 * int64(w[l]) * int64(w[l+1])
		fwd += mm
		bwd += mm
		if l > 0 {
			bwd += mm
		}
	}
	return fwd, bwd
}

// mlpActivations: every layer keeps its output (maxBatch, out) and, but the
// last, the gradient of it.
func mlpActivations(c Config, maxBatch int) int64 {
	w := c.widths()
	var n int64
	for l := 1; l < len(w); l++ {
		k := int64(2)
		if l == len(w)-1 {
			k = 1
		}
		n += k * int64(maxBatch) * int64(w[l])
	}
	return n
}
