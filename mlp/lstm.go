// The LSTM: stacked recurrent layers over the window's time steps and a
// linear head on the last step's hidden state, with backpropagation through
// time over activations kept from the forward pass.
package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// lstmLayer is one stacked LSTM layer of nH units reading nIn values per
// step. Its parameter slices are views into the LSTM's flat buffers; its
// activations are time-major, (steps, rows, width), so that every step's
// block is contiguous: step t of a buffer of width w is buf[t*rows*w :
// (t+1)*rows*w] for the rows of the current batch.
type lstmLayer[T Float] struct {
	nIn, nH int
	off     int // offset of wih in Params and Grads; whh and b follow
	wih     []T // (4nH, nIn), row-major, gates i, f, g, o; view of Params
	whh     []T // (4nH, nH)
	b       []T // (4nH)
	dwih    []T // (4nH, nIn), view of Grads
	dwhh    []T // (4nH, nH)
	db      []T // (4nH)

	gates []T // (steps, maxBatch, 4nH): pre-activations, then the gates i, f, g, o after the activations
	c     []T // (steps, maxBatch, nH): cell states
	tc    []T // (steps, maxBatch, nH): tanh of the cell states
	h     []T // (steps, maxBatch, nH): hidden states, the layer's output sequence
	dG    []T // (steps, maxBatch, 4nH): gradient w.r.t. the gates' pre-activations
	dh    []T // (steps, maxBatch, nH): gradient w.r.t. h
}

// LSTM is the model "lstm": stacked LSTM layers of Config.Hidden units
// (layer 0 reads the Features values of each step, layer l > 0 the hidden
// states of layer l-1) over the Steps of a window, and a linear head from
// the last layer's hidden state at the last step to Out values. It is
// PyTorch's nn.LSTM(Features, H, num_layers, batch_first=True) followed by
// nn.Linear(H, Out) on out[:, -1, :], with the gates in PyTorch's order
// i, f, g, o:
//
//	i = σ(W_ii x + W_hi h + b_i)   f = σ(W_if x + W_hf h + b_f)
//	g = tanh(W_ig x + W_hg h + b_g)   o = σ(W_io x + W_ho h + b_o)
//	c' = f*c + i*g   h' = o*tanh(c')   from h = c = 0
//
// Each layer has ONE bias (4H), where PyTorch has two, bias_ih and bias_hh,
// that only ever appear summed: lstm.bias_l{l} equals PyTorch's
// bias_ih_l{l} + bias_hh_l{l}. The parameters are, layer after layer,
// lstm.weight_ih_l{l} (4H, in), lstm.weight_hh_l{l} (4H, H) and
// lstm.bias_l{l} (4H), then head.weight (Out, H) and head.bias (Out); see
// Config.Tensors.
//
// Forward projects the inputs of all steps of a layer with one GEMM, then
// for each step adds h_{t-1} W_hhᵀ with one GEMM and applies the cell's
// elementwise update (lstmCellForward), keeping the gates, the cell states
// and their tanh of every step. Backward walks t = T-1 .. 0 with one GEMM
// per step for the gradient of h_{t-1}, and forms the weight gradients
// after the walk with one GEMM each over all steps (one GEMM per step for
// dW_hh, with dG[t] still in cache, measured 15% slower); a layer reading
// one value per step gets dW_ih from the cell kernel instead. Activations
// are time-major, every step's block contiguous for its GEMM and kernel;
// strided views of batch-major buffers made the step GEMMs 4-12% cheaper
// in isolation but need strided kernels and a shifted dW_hh product, for
// about 3% of a step. They are allocated once for MaxBatch rows; Forward
// and Backward allocate nothing. At float32 the sigmoid and tanh are the
// package's own float32 functions (sigmoid32, tanh32: a few units in the
// last place) and the cell runs 8 units at a time on AVX2 where the CPU
// has it, with the Go loop's bits; at float64 they come from package math.
//
// Methods panic with an "mlp: " message on shape misuse, as Net's do.
type LSTM[T Float] struct {
	cfg      Config
	params   []T // every layer's wih, whh, b, then the head's w, b
	grads    []T // same layout; Backward adds into it
	layers   []lstmLayer[T]
	steps    int
	maxBatch int

	headOff int
	hw, hb  []T // (Out, H_last), (Out): the head, views of Params
	dhw     []T // (Out, H_last), view of Grads
	dhb     []T // (Out)
	out     []T // (maxBatch, Out)

	xt    []T // (steps, maxBatch, F): the input, time-major
	dc    []T // (maxBatch, max H): gradient w.r.t. the cell state carried back through the steps
	zeros []T // (maxBatch, max H): h_0 = c_0 = 0
	acc   []T // (8 max H): lstmCellBackward's sums over rows
}

// NewLSTM allocates an LSTM for batches of up to maxBatch rows: parameters,
// gradients and every activation buffer, once. Parameters start at zero;
// call Init. It panics if cfg is not a valid "lstm" config or maxBatch < 1.
func NewLSTM[T Float](cfg Config, maxBatch int) *LSTM[T] {
	if err := cfg.Validate(); err != nil {
		panic(err.Error())
	}
	if cfg.Kind() != ModelLSTM {
		panic("mlp: NewLSTM of a " + cfg.Kind() + " config")
	}
	if maxBatch < 1 {
		panic(fmt.Sprintf("mlp: maxBatch %d, want >= 1", maxBatch))
	}
	steps, nIn := cfg.Steps(), cfg.FeaturesPerStep()
	m := &LSTM[T]{
		cfg:      cfg,
		params:   make([]T, cfg.NumParams()),
		grads:    make([]T, cfg.NumParams()),
		layers:   make([]lstmLayer[T], len(cfg.Hidden)),
		steps:    steps,
		maxBatch: maxBatch,
		out:      make([]T, maxBatch*cfg.Out),
		xt:       make([]T, steps*maxBatch*nIn),
	}
	off, maxH := 0, 0
	for l, nH := range cfg.Hidden {
		L := &m.layers[l]
		L.nIn, L.nH, L.off = nIn, nH, off
		n := steps * maxBatch
		L.gates, L.dG = make([]T, n*4*nH), make([]T, n*4*nH)
		L.c, L.tc, L.h, L.dh = make([]T, n*nH), make([]T, n*nH), make([]T, n*nH), make([]T, n*nH)
		off += 4*nH*nIn + 4*nH*nH + 4*nH
		nIn, maxH = nH, max(maxH, nH)
	}
	m.headOff = off
	m.dc, m.zeros, m.acc = make([]T, maxBatch*maxH), make([]T, maxBatch*maxH), make([]T, 8*maxH)
	m.bind()
	return m
}

// lstmActivations counts what NewLSTM allocates besides the parameters and
// gradients: the output and the time-major inputs, per layer every step's
// gates and their gradients (4H each) and the cell, its tanh, the hidden
// state and its gradient (H each), and the backward pass's scratch rows.
func lstmActivations(c Config, maxBatch int) int64 {
	b, steps := int64(maxBatch), int64(c.Steps())
	n := b*int64(c.Out) + steps*b*int64(c.FeaturesPerStep())
	maxH := 0
	for _, h := range c.Hidden {
		n += steps * b * int64(h) * (8 + 4)
		maxH = max(maxH, h)
	}
	return n + 2*b*int64(maxH) + 8*int64(maxH)
}

// bind points every layer's and the head's views at Params and Grads.
func (m *LSTM[T]) bind() {
	for l := range m.layers {
		L := &m.layers[l]
		nG := 4 * L.nH
		o1, o2, o3 := L.off+nG*L.nIn, L.off+nG*L.nIn+nG*L.nH, L.off+nG*L.nIn+nG*L.nH+nG
		L.wih, L.whh, L.b = m.params[L.off:o1], m.params[o1:o2], m.params[o2:o3]
		L.dwih, L.dwhh, L.db = m.grads[L.off:o1], m.grads[o1:o2], m.grads[o2:o3]
	}
	nH, out := m.cfg.Hidden[len(m.cfg.Hidden)-1], m.cfg.Out
	o := m.headOff + out*nH
	m.hw, m.hb = m.params[m.headOff:o], m.params[o:o+out]
	m.dhw, m.dhb = m.grads[m.headOff:o], m.grads[o:o+out]
}

// Arch implements Model.
func (m *LSTM[T]) Arch() Config { return m.cfg }

// Params implements Model: the layout of Config.Tensors.
func (m *LSTM[T]) Params() []T { return m.params }

// Grads implements Model.
func (m *LSTM[T]) Grads() []T { return m.grads }

// MaxBatch implements Model.
func (m *LSTM[T]) MaxBatch() int { return m.maxBatch }

// ZeroGrad sets every gradient to zero. Backward only adds.
func (m *LSTM[T]) ZeroGrad() { clear(m.grads) }

// useGrads implements Model.
func (m *LSTM[T]) useGrads(g []T) {
	if len(g) != len(m.params) {
		panic(fmt.Sprintf("mlp: gradient buffer of %d, want %d", len(g), len(m.params)))
	}
	copy(g, m.grads)
	m.grads = g
	m.bind()
}

// Init sets the parameters deterministically from seed, as PyTorch
// initializes nn.LSTM and nn.Linear, except for the LSTM's biases: every
// LSTM weight is drawn from U(-k, k), k = 1/sqrt(H) of its layer; the LSTM
// biases are 0 but for the forget gate's, 1 (a common choice that lets a
// new cell keep its state); the head's weight and bias are drawn from
// U(-k, k), k = 1/sqrt(H_last). Draws are made in float64 from a PCG stream,
// tensor after tensor in layout order, and rounded to T, so a float32 and a
// float64 LSTM with the same seed start from the same values up to rounding.
func (m *LSTM[T]) Init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6c73746d2d696e69)) // "lstm-ini"
	uniform := func(s []T, k float64) {
		for i := range s {
			s[i] = T(k * (2*rng.Float64() - 1))
		}
	}
	for l := range m.layers {
		L := &m.layers[l]
		k := 1 / math.Sqrt(float64(L.nH))
		uniform(L.wih, k)
		uniform(L.whh, k)
		clear(L.b)
		for j := L.nH; j < 2*L.nH; j++ {
			L.b[j] = 1
		}
	}
	k := 1 / math.Sqrt(float64(m.cfg.Hidden[len(m.cfg.Hidden)-1]))
	uniform(m.hw, k)
	uniform(m.hb, k)
}

// Forward runs x, (rows, Steps*Features) row-major (sample r, step t,
// feature f at x[r*Steps*Features + t*Features + f]), through the LSTM and
// returns a view of the output (rows, Out), overwritten by the next Forward.
func (m *LSTM[T]) Forward(x []T, rows int) []T {
	checkBatch("x", x, rows, m.maxBatch, m.cfg.In)
	steps, nF := m.steps, m.cfg.FeaturesPerStep()
	xt := m.xt[:steps*rows*nF]
	for r := 0; r < rows; r++ {
		for t := 0; t < steps; t++ {
			copy(xt[(t*rows+r)*nF:(t*rows+r+1)*nF], x[(r*steps+t)*nF:])
		}
	}
	in := xt
	for l := range m.layers {
		L := &m.layers[l]
		lstmLayerForward(L, in, m.zeros, steps, rows)
		in = L.h[:steps*rows*L.nH]
	}
	nH, out := m.layers[len(m.layers)-1].nH, m.out[:rows*m.cfg.Out]
	linearForward(out, in[(steps-1)*rows*nH:], m.hw, m.hb, rows, nH, m.cfg.Out, identity)
	return out
}

// Backward adds into Grads the gradient of a loss whose gradient w.r.t. the
// output is dOut (rows, Out). It must follow Forward on the same x and rows,
// whose activations (and time-major copy of x) it reads. dOut is not
// modified.
func (m *LSTM[T]) Backward(x, dOut []T, rows int) {
	checkBatch("x", x, rows, m.maxBatch, m.cfg.In)
	checkBatch("dOut", dOut, rows, m.maxBatch, m.cfg.Out)
	if rows == 0 {
		return
	}
	steps, top := m.steps, len(m.layers)-1
	Lt := &m.layers[top]
	last := (steps - 1) * rows * Lt.nH
	// The head: its gradients, and dh of the top layer's last step.
	linearBackward(Lt.dh[last:last+rows*Lt.nH], m.dhw, m.dhb, dOut, Lt.h[last:], m.out, m.hw, rows, Lt.nH, m.cfg.Out, identity)
	for l := top; l >= 0; l-- {
		L := &m.layers[l]
		var in, dIn []T
		if l == 0 {
			in = m.xt[:steps*rows*L.nIn]
		} else {
			in, dIn = m.layers[l-1].h[:steps*rows*L.nIn], m.layers[l-1].dh[:steps*rows*L.nIn]
		}
		lstmLayerBackward(L, dIn, in, m.dc, m.zeros, m.acc, steps, rows, l == top)
	}
}

// lstmLayerForward runs layer L over the steps of in, (steps, rows, nIn)
// time-major, into L.gates, L.c, L.tc and L.h. zeros holds at least rows*nH
// zeros (h_0 and c_0).
func lstmLayerForward[T Float](L *lstmLayer[T], in, zeros []T, steps, rows int) {
	nH, nG := L.nH, 4*L.nH
	n := steps * rows
	G := L.gates[:n*nG]
	// Every step's pre-activations start as the bias plus the input
	// projection: one GEMM over all steps.
	for k := 0; k < n; k++ {
		copy(G[k*nG:(k+1)*nG], L.b)
	}
	gemm(false, true, n, nG, L.nIn, 1, in, L.nIn, L.wih, L.nIn, 1, G, nG)
	hPrev, cPrev := zeros[:rows*nH], zeros[:rows*nH]
	for t := 0; t < steps; t++ {
		g := G[t*rows*nG : (t+1)*rows*nG]
		if t > 0 {
			gemm(false, true, rows, nG, nH, 1, hPrev, nH, L.whh, nH, 1, g, nG)
		}
		s := t * rows * nH
		c, tc, h := L.c[s:s+rows*nH], L.tc[s:s+rows*nH], L.h[s:s+rows*nH]
		lstmCellForward(g, c, tc, h, cPrev, rows, nH)
		hPrev, cPrev = h, c
	}
}

// lstmLayerBackward is lstmLayerForward's pair. On entry L.dh holds the
// gradient w.r.t. the layer's outputs from above: at the last step only for
// the top layer (top; its other steps are not read), at every step for the
// others. It walks t = steps-1 .. 0, turning dh[t] and the cell gradient dc
// carried from step t+1 into the gates' gradient dG[t] and adding
// dG[t] W_hh into dh[t-1]; then it adds into the layer's weight and bias
// gradients (one GEMM each over all steps) and, when dIn is not nil, sets
// dIn (steps, rows, nIn) to the gradient w.r.t. the layer's input in.
// A layer with one input per step gets dW_ih from the cell kernel instead
// of a GEMM (see lstmCellBackward). acc is the kernel's scratch.
func lstmLayerBackward[T Float](L *lstmLayer[T], dIn, in, dc, zeros, acc []T, steps, rows int, top bool) {
	nH, nG := L.nH, 4*L.nH
	n := steps * rows
	dG := L.dG[:n*nG]
	dc = dc[:rows*nH]
	clear(dc)
	for t := steps - 1; t >= 0; t-- {
		s := t * rows * nH
		cPrev := zeros[:rows*nH]
		if t > 0 {
			cPrev = L.c[s-rows*nH : s]
		}
		var x []T
		if L.nIn == 1 {
			x = in[t*rows : (t+1)*rows]
		}
		d := dG[t*rows*nG : (t+1)*rows*nG]
		lstmCellBackward(d, dc, L.dh[s:s+rows*nH], L.gates[t*rows*nG:(t+1)*rows*nG], cPrev, L.tc[s:s+rows*nH], L.db, L.dwih, x, acc, rows, nH)
		if t > 0 {
			beta := T(1)
			if top {
				beta = 0 // the top layer's h feeds nothing above but the head, at the last step
			}
			gemm(false, false, rows, nH, nG, 1, d, nG, L.whh, nH, beta, L.dh[s-rows*nH:s], nH)
		}
	}
	if L.nIn > 1 {
		gemm(true, false, nG, L.nIn, n, 1, dG, nG, in, L.nIn, 1, L.dwih, L.nIn)
	}
	if steps > 1 {
		gemm(true, false, nG, nH, n-rows, 1, dG[rows*nG:], nG, L.h, nH, 1, L.dwhh, nH)
	}
	if dIn != nil {
		gemm(false, false, n, L.nIn, nG, 1, dG, nG, L.wih, L.nIn, 0, dIn, L.nIn)
	}
}

// lstmTensors is the lstm's layout: per layer lstm.weight_ih_l{l} (4H, in),
// lstm.weight_hh_l{l} (4H, H), lstm.bias_l{l} (4H); then head.weight (Out,
// H_last) and head.bias (Out).
func lstmTensors(c Config) []Tensor {
	var ts []Tensor
	nIn := c.FeaturesPerStep()
	for l, nH := range c.Hidden {
		ts = append(ts,
			Tensor{Name: fmt.Sprintf("lstm.weight_ih_l%d", l), Shape: []int{4 * nH, nIn}},
			Tensor{Name: fmt.Sprintf("lstm.weight_hh_l%d", l), Shape: []int{4 * nH, nH}},
			Tensor{Name: fmt.Sprintf("lstm.bias_l%d", l), Shape: []int{4 * nH}})
		nIn = nH
	}
	ts = append(ts,
		Tensor{Name: "head.weight", Shape: []int{c.Out, nIn}},
		Tensor{Name: "head.bias", Shape: []int{c.Out}})
	return layout(ts...)
}

// lstmFLOPs counts the products Forward and Backward compute, per sample:
// forward, per layer, the input projection 2*T*4H*in and the recurrent one
// 2*(T-1)*4H*H (none at the first step, where h is 0), then the head
// 2*H*Out; backward, per layer, the weight gradients (the same counts), the
// recurrent gradient of h 2*(T-1)*4H*H, the gradient of the input 2*T*4H*in
// for layers above the first, and the head's two products.
func lstmFLOPs(c Config) (fwd, bwd int64) {
	steps, nIn := int64(c.Steps()), int64(c.FeaturesPerStep())
	for l, h := range c.Hidden {
		nH := int64(h)
		proj, rec := 2*steps*4*nH*nIn, 2*(steps-1)*4*nH*nH
		fwd += proj + rec
		bwd += proj + 2*rec
		if l > 0 {
			bwd += proj
		}
		nIn = nH
	}
	head := 2 * nIn * int64(c.Out)
	return fwd + head, bwd + 2*head
}

// lstmString is the lstm's shape as "lstm 60x1-64-64-1": steps x features,
// the hidden sizes, the output width.
func lstmString(c Config) string {
	s := fmt.Sprintf("lstm %dx%d", c.Steps(), c.FeaturesPerStep())
	for _, h := range c.Hidden {
		s += fmt.Sprintf("-%d", h)
	}
	return s + fmt.Sprintf("-%d", c.Out)
}
