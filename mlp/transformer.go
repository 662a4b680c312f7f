// The Transformer encoder: flat buffers, per-layer activations, and the
// straight-line forward and backward passes over the paired kernels.
package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Transformer is the model "transformer" (see Model): a pre-LayerNorm
// Transformer encoder read at the last position, the equivalent of this
// PyTorch module (D = DModel, every LayerNorm with eps 1e-5):
//
//	h = nn.Linear(F, D)(x.view(B, T, F)) + pos          # pos: (T, D), learned
//	for each of the Layers layers:                      # nn.TransformerEncoderLayer(D, Heads, FF,
//	    h = h + SelfAttention(LayerNorm1(h))            #   dropout=0, activation="relu",
//	    h = h + Linear2(ReLU(Linear1(LayerNorm2(h))))   #   batch_first=True, norm_first=True)
//	out = nn.Linear(D, Out)(nn.LayerNorm(D)(h[:, -1]))
//
// Every position attends to every position (no mask) and there is no
// dropout, so the model is deterministic. Parameters carry the module's
// state_dict names (Config.Tensors).
//
// Only the last position reaches the head, so the last layer works at the
// last position only: its query, attention, projection and feed-forward
// block, with the key and value projections folded into the attention
// (queryAttentionForward), so that no keys or values are formed; earlier
// layers work at every position. The result is that of the full
// computation, at a small part of the last layer's cost.
//
// Methods panic with an "mlp: " message on shape misuse, as Net's do.
type Transformer[T Float] struct {
	cfg                           Config
	steps, feat, d, heads, hd, ff int
	maxBatch                      int
	params                        []T // laid out as cfg.Tensors()
	grads                         []T // same layout; Backward adds into it
	w, g                          transformerWeights[T]

	emb    []T // (B*T, D): input projection plus positions, the first layer's input
	layers []encoderLayer[T]
	lnf    []T // (B, D): the final LayerNorm of the last position
	meanf  []T // (B)
	rstdf  []T // (B)
	out    []T // (B, Out)

	// Backward's scratch, shared by the layers (B rows of T positions).
	dy, dx []T // (B*T, D): gradients w.r.t. a layer's output and input, swapped layer after layer
	dres   []T // (B*T, D): w.r.t. the residual stream after the attention
	dln    []T // (B*T, D): w.r.t. a LayerNorm's output
	datty  []T // (B*T, D): w.r.t. the attention output
	dqkv   []T // (B*T, 3D)
	dfc1   []T // (B*T, FF)
	dp     []T // (T, T) or (H, T): one sample's (and head's) probabilities' gradient
	dq     []T // (B, D): w.r.t. the last layer's queries
	dz     []T // (B, H, D): w.r.t. its weighted inputs
	dqt    []T // (B, H, D): w.r.t. its queries times the key projection
}

// encoderLayer holds one layer's activations for the backward pass. Rows
// of the query positions (tq per sample) come sample after sample.
type encoderLayer[T Float] struct {
	tq    int // query positions: T, or 1 (the last) in the last layer
	ln1   []T // (B*T, D): LayerNorm1 of the input
	mean1 []T // (B*T)
	rstd1 []T // (B*T)
	qkv   []T // (B*T, 3D): queries, keys, values (tq = T)
	q     []T // (B, D): the query of the last position (tq = 1)
	qt    []T // (B, H, D): q times the key projection, head by head (tq = 1)
	z     []T // (B, H, D): LayerNorm1 weighted by the probabilities (tq = 1)
	att   []T // (B, H, tq, T): attention probabilities
	atty  []T // (B*tq, D): attention output, the heads side by side
	res   []T // (B*tq, D): input plus projected attention
	ln2   []T // (B*tq, D): LayerNorm2 of res
	mean2 []T // (B*tq)
	rstd2 []T // (B*tq)
	fc1   []T // (B*tq, FF): after the ReLU
	out   []T // (B*tq, D): res plus the feed-forward block, the layer's output
}

// NewTransformer allocates a transformer for batches of up to maxBatch
// rows: parameters, gradients and every activation buffer, once.
// Parameters start at zero; call Init. It panics if cfg is not a valid
// transformer config or maxBatch < 1.
func NewTransformer[T Float](cfg Config, maxBatch int) *Transformer[T] {
	if err := cfg.Validate(); err != nil {
		panic(err.Error())
	}
	if cfg.Kind() != ModelTransformer {
		panic("mlp: NewTransformer of a " + cfg.Kind() + " config (use NewModel)")
	}
	if maxBatch < 1 {
		panic(fmt.Sprintf("mlp: maxBatch %d, want >= 1", maxBatch))
	}
	m := &Transformer[T]{
		cfg: cfg, steps: cfg.Steps(), feat: cfg.features(), d: cfg.DModel, heads: cfg.Heads,
		hd: cfg.DModel / cfg.Heads, ff: cfg.FF, maxBatch: maxBatch,
		params: make([]T, cfg.NumParams()),
		grads:  make([]T, cfg.NumParams()),
	}
	B, nT, D := maxBatch, m.steps, m.d
	m.w, m.g = pointWeights(cfg, m.params), pointWeights(cfg, m.grads)
	m.emb = make([]T, B*nT*D)
	m.layers = make([]encoderLayer[T], cfg.Layers)
	for l := range m.layers {
		L := &m.layers[l]
		L.tq = nT
		if l == len(m.layers)-1 {
			L.tq = 1
		}
		n, nq := B*nT, B*L.tq
		L.ln1, L.mean1, L.rstd1 = make([]T, n*D), make([]T, n), make([]T, n)
		if L.tq == nT {
			L.qkv = make([]T, n*3*D)
		} else {
			L.q, L.qt, L.z = make([]T, B*D), make([]T, B*m.heads*D), make([]T, B*m.heads*D)
		}
		L.att = make([]T, B*m.heads*L.tq*nT)
		L.atty, L.res = make([]T, nq*D), make([]T, nq*D)
		L.ln2, L.mean2, L.rstd2 = make([]T, nq*D), make([]T, nq), make([]T, nq)
		L.fc1, L.out = make([]T, nq*m.ff), make([]T, nq*D)
	}
	m.lnf, m.meanf, m.rstdf = make([]T, B*D), make([]T, B), make([]T, B)
	m.out = make([]T, B*cfg.Out)
	m.dy, m.dx, m.dres, m.dln, m.datty = make([]T, B*nT*D), make([]T, B*nT*D), make([]T, B*nT*D), make([]T, B*nT*D), make([]T, B*nT*D)
	m.dqkv, m.dfc1, m.dp = make([]T, B*nT*3*D), make([]T, B*nT*m.ff), make([]T, nT*max(nT, m.heads))
	m.dq, m.dz, m.dqt = make([]T, B*D), make([]T, B*m.heads*D), make([]T, B*m.heads*D)
	return m
}

// transformerActivations counts what NewTransformer allocates besides the
// parameters and gradients, buffer for buffer.
func transformerActivations(c Config, maxBatch int) int64 {
	B, nT, D := int64(maxBatch), int64(c.Steps()), int64(c.DModel)
	H, FF := int64(c.Heads), int64(c.FF)
	n := B * nT * D // the embedding
	for l := 0; l < c.Layers; l++ {
		tq := nT
		if l == c.Layers-1 {
			tq = 1
		}
		rows, q := B*nT, B*tq
		n += rows*D + 2*rows // the first LayerNorm, its mean and rstd
		if tq == nT {
			n += rows * 3 * D
		} else {
			n += B*D + 2*B*H*D
		}
		n += B*H*tq*nT + 2*q*D + q*D + 2*q + q*FF + q*D
	}
	n += B*D + 2*B + B*int64(c.Out)
	n += 5*B*nT*D + B*nT*3*D + B*nT*FF + nT*max(nT, H) + B*D + 2*B*H*D
	return n
}

// Arch implements Model.
func (m *Transformer[T]) Arch() Config { return m.cfg }

// Params implements Model: the tensors of Arch().Tensors(), in order.
func (m *Transformer[T]) Params() []T { return m.params }

// Grads implements Model.
func (m *Transformer[T]) Grads() []T { return m.grads }

// MaxBatch is the largest rows count Forward and Backward accept.
func (m *Transformer[T]) MaxBatch() int { return m.maxBatch }

// ZeroGrad sets every gradient to zero. Backward only adds.
func (m *Transformer[T]) ZeroGrad() { clear(m.grads) }

// useGrads implements Model.
func (m *Transformer[T]) useGrads(g []T) {
	if len(g) != len(m.params) {
		panic(fmt.Sprintf("mlp: gradient buffer of %d, want %d", len(g), len(m.params)))
	}
	copy(g, m.grads)
	m.grads = g
	m.g = pointWeights(m.cfg, g)
}

// Init sets the parameters deterministically from seed, as PyTorch
// initializes the module: the linear layers' weights and biases (input,
// linear1, linear2, head; out_proj's weight) U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)); in_proj_weight Xavier uniform U(-a, a),
// a = sqrt(6/(D + 3D)); in_proj_bias and out_proj.bias 0; LayerNorm
// weights 1 and biases 0; the positions N(0, 0.02²). Draws are made in
// float64 from a PCG stream, tensor after tensor in the order of Tensors,
// and rounded to T, so a float32 and a float64 model with the same seed
// start from the same values up to rounding.
func (m *Transformer[T]) Init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x7472662d696e6974)) // "trf-init"
	uniform := func(s []T, fanIn int) {
		a := 1 / math.Sqrt(float64(fanIn))
		for i := range s {
			s[i] = T(a * (2*rng.Float64() - 1))
		}
	}
	fill := func(s []T, v T) {
		for i := range s {
			s[i] = v
		}
	}
	w, D := &m.w, m.d
	uniform(w.inW, m.feat)
	uniform(w.inB, m.feat)
	for i := range w.pos {
		w.pos[i] = T(0.02 * rng.NormFloat64())
	}
	for l := range w.layers {
		L := &w.layers[l]
		a := math.Sqrt(6 / float64(D+3*D))
		for i := range L.qkvW {
			L.qkvW[i] = T(a * (2*rng.Float64() - 1))
		}
		fill(L.qkvB, 0)
		uniform(L.projW, D)
		fill(L.projB, 0)
		uniform(L.fc1W, D)
		uniform(L.fc1B, D)
		uniform(L.fc2W, m.ff)
		uniform(L.fc2B, m.ff)
		fill(L.ln1W, 1)
		fill(L.ln1B, 0)
		fill(L.ln2W, 1)
		fill(L.ln2B, 0)
	}
	fill(w.normW, 1)
	fill(w.normB, 0)
	uniform(w.headW, D)
	uniform(w.headB, D)
}

// Forward runs x, (rows, In) row-major (sample r, step t, feature f at
// x[r*In + t*F + f]), through the model and returns a view of the output
// (rows, Out), overwritten by the next Forward.
func (m *Transformer[T]) Forward(x []T, rows int) []T {
	checkBatch("x", x, rows, m.maxBatch, m.cfg.In)
	if rows == 0 { // an empty shard: the query rows below assume at least one
		return m.out[:0]
	}
	nT, D := m.steps, m.d
	in := m.emb[:rows*nT*D]
	embedForward(in, x, m.w.inW, m.w.inB, m.w.pos, rows, nT, m.feat, D)
	for l := range m.layers {
		L := &m.layers[l]
		m.layerForward(L, &m.w.layers[l], in, rows)
		in = L.out[:rows*L.tq*D]
	}
	// in is now (rows, D): the last layer works at the last position only.
	layernormForward(m.lnf[:rows*D], m.meanf[:rows], m.rstdf[:rows], in, m.w.normW, m.w.normB, rows, D)
	out := m.out[:rows*m.cfg.Out]
	matmulForward(out, m.cfg.Out, m.lnf, D, m.w.headW, m.w.headB, nil, 0, rows, D, m.cfg.Out)
	return out
}

// queryRows returns the offset and stride of the query positions' rows in
// a (rows*T, n) matrix: every row when the layer queries all T positions,
// the last row of each sample when it queries one.
func (m *Transformer[T]) queryRows(L *encoderLayer[T], n int) (off, ld int) {
	if L.tq == m.steps {
		return 0, n
	}
	return (m.steps - 1) * n, m.steps * n
}

// layerForward runs encoder layer L on in, (rows*T, D), into L.out.
func (m *Transformer[T]) layerForward(L *encoderLayer[T], w *encoderWeights[T], in []T, rows int) {
	nT, D, tq := m.steps, m.d, L.tq
	n, nq := rows*nT, rows*tq
	ln1, atty, res := L.ln1[:n*D], L.atty[:nq*D], L.res[:nq*D]
	layernormForward(ln1, L.mean1[:n], L.rstd1[:n], in, w.ln1W, w.ln1B, n, D)
	if tq == nT {
		qkv := L.qkv[:n*3*D]
		matmulForward(qkv, 3*D, ln1, D, w.qkvW, w.qkvB, nil, 0, n, D, 3*D)
		attentionForward(atty, L.att[:rows*m.heads*nT*nT], qkv, rows, nT, m.heads, m.hd)
	} else {
		// The query at the last position, keys and values folded in.
		lo, lld := m.queryRows(L, D)
		q, qt, z := L.q[:rows*D], L.qt[:rows*m.heads*D], L.z[:rows*m.heads*D]
		matmulForward(q, D, ln1[lo:], lld, w.qkvW[:D*D], w.qkvB[:D], nil, 0, rows, D, D)
		queryAttentionForward(atty, L.att[:rows*m.heads*nT], z, qt, q, ln1, w.qkvW[D*D:2*D*D], w.qkvW[2*D*D:], w.qkvB[2*D:], rows, nT, m.heads)
	}
	ro, rld := m.queryRows(L, D)
	matmulForward(res, D, atty, D, w.projW, w.projB, in[ro:], rld, nq, D, D)
	ln2, fc1 := L.ln2[:nq*D], L.fc1[:nq*m.ff]
	layernormForward(ln2, L.mean2[:nq], L.rstd2[:nq], res, w.ln2W, w.ln2B, nq, D)
	matmulForward(fc1, m.ff, ln2, D, w.fc1W, w.fc1B, nil, 0, nq, D, m.ff)
	k := 0
	if is32[T]() { // 16 lanes at a time where the CPU can (relu_amd64.s), bitwise the same
		k = relu32(as32(fc1))
	}
	for i, v := range fc1[k:] {
		fc1[k+i] = max(v, 0)
	}
	matmulForward(L.out[:nq*D], D, fc1, m.ff, w.fc2W, w.fc2B, res, D, nq, m.ff, D)
}

// Backward adds into Grads the gradient of a loss whose gradient w.r.t. the
// output is dOut (rows, Out). It must follow Forward on the same x and
// rows, whose activations it reads. dOut is not modified.
func (m *Transformer[T]) Backward(x, dOut []T, rows int) {
	checkBatch("x", x, rows, m.maxBatch, m.cfg.In)
	checkBatch("dOut", dOut, rows, m.maxBatch, m.cfg.Out)
	if rows == 0 {
		return
	}
	nT, D := m.steps, m.d
	dlnf := m.dln[:rows*D]
	matmulBackward(dlnf, D, m.g.headW, m.g.headB, dOut, m.cfg.Out, m.lnf, D, m.w.headW, rows, D, m.cfg.Out, false)
	last := m.layers[len(m.layers)-1].out[:rows*D]
	dy, dx := m.dy, m.dx // w.r.t. a layer's output, and its input
	clear(dy[:rows*D])
	layernormBackward(dy[:rows*D], m.g.normW, m.g.normB, dlnf, last, m.meanf, m.rstdf, m.w.normW, rows, D)
	for l := len(m.layers) - 1; l >= 0; l-- {
		in := m.emb[:rows*nT*D]
		if l > 0 {
			in = m.layers[l-1].out[:rows*nT*D]
		}
		m.layerBackward(&m.layers[l], &m.w.layers[l], &m.g.layers[l], dx[:rows*nT*D], dy, in, rows)
		dy, dx = dx, dy
	}
	embedBackward(m.g.inW, m.g.inB, m.g.pos, dy[:rows*nT*D], x, rows, nT, m.feat, D)
}

// layerBackward is layerForward's pair: given dy, the gradient w.r.t.
// L.out (its first rows*tq*D values), it adds into g and sets dx, the
// gradient w.r.t. the layer's input in (rows*T, D).
func (m *Transformer[T]) layerBackward(L *encoderLayer[T], w, g *encoderWeights[T], dx, dy, in []T, rows int) {
	nT, D, FF, tq := m.steps, m.d, m.ff, L.tq
	n, nq := rows*nT, rows*tq
	// The feed-forward block: out = res + fc2(relu(fc1(ln2(res)))).
	dy = dy[:nq*D]
	dres, dfc1, dln := m.dres[:nq*D], m.dfc1[:nq*FF], m.dln[:nq*D]
	copy(dres, dy)
	matmulBackward(dfc1, FF, g.fc2W, g.fc2B, dy, D, L.fc1, FF, w.fc2W, nq, FF, D, false)
	if is32[T]() {
		reluBackward32(as32(dfc1), as32(L.fc1[:nq*FF]), as32(g.fc1B), FF)
	} else {
		reluBackward64(as64(dfc1), as64(L.fc1[:nq*FF]), as64(g.fc1B), FF)
	}
	matmulBackward(dln, D, g.fc1W, nil, dfc1, FF, L.ln2, D, w.fc1W, nq, D, FF, false)
	layernormBackward(dres, g.ln2W, g.ln2B, dln, L.res, L.mean2, L.rstd2, w.ln2W, nq, D)
	// The attention block: res = in + proj(attention(qkv(ln1(in)))), in
	// read at the query positions.
	datty := m.datty[:nq*D]
	matmulBackward(datty, D, g.projW, g.projB, dres, D, L.atty, D, w.projW, nq, D, D, false)
	dln = m.dln[:n*D]
	if tq == nT {
		dqkv := m.dqkv[:n*3*D]
		attentionBackward(dqkv, m.dp, datty, L.qkv[:n*3*D], L.att[:rows*m.heads*nT*nT], rows, nT, m.heads, m.hd)
		matmulBackward(dln, D, g.qkvW, g.qkvB, dqkv, 3*D, L.ln1, D, w.qkvW, n, D, 3*D, false)
		copy(dx, dres)
	} else {
		dq := m.dq[:rows*D]
		queryAttentionBackward(dq, dln, g.qkvW[D*D:2*D*D], g.qkvW[2*D*D:], g.qkvB[2*D:], m.dz, m.dqt, m.dp, datty,
			L.att[:rows*m.heads*nT], L.z, L.qt, L.q, L.ln1, w.qkvW[D*D:2*D*D], w.qkvW[2*D*D:], rows, nT, m.heads)
		lo, lld := m.queryRows(L, D)
		matmulBackward(dln[lo:], lld, g.qkvW[:D*D], g.qkvB[:D], dq, D, L.ln1[lo:], lld, w.qkvW[:D*D], rows, D, D, true)
		clear(dx)
		for r := 0; r < rows; r++ {
			copy(dx[lo+r*lld:lo+r*lld+D], dres[r*D:(r+1)*D])
		}
	}
	layernormBackward(dx, g.ln1W, g.ln1B, dln, in, L.mean1, L.rstd1, w.ln1W, n, D)
}
