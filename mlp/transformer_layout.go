// The transformer's parameter layout: its named tensors, their views in a
// flat buffer, and the FLOPs of its matrix products.
package mlp

import "fmt"

// encoderWeights are one encoder layer's tensors: views into a flat
// parameter (or gradient) buffer. D is d_model, FF the feed-forward width.
type encoderWeights[T Float] struct {
	qkvW  []T // (3D, D): self_attn.in_proj_weight, the query rows, then the key rows, then the value rows
	qkvB  []T // (3D): self_attn.in_proj_bias
	projW []T // (D, D): self_attn.out_proj.weight
	projB []T // (D)
	fc1W  []T // (FF, D): linear1.weight
	fc1B  []T // (FF)
	fc2W  []T // (D, FF): linear2.weight
	fc2B  []T // (D)
	ln1W  []T // (D): norm1.weight, before the attention
	ln1B  []T // (D)
	ln2W  []T // (D): norm2.weight, before the feed-forward block
	ln2B  []T // (D)
}

// transformerWeights are every tensor of a Transformer, in the order of
// transformerTensors, as views into one flat buffer.
type transformerWeights[T Float] struct {
	inW    []T // (D, F): input.weight
	inB    []T // (D)
	pos    []T // (T, D): the positional embedding
	layers []encoderWeights[T]
	normW  []T // (D): the final LayerNorm
	normB  []T // (D)
	headW  []T // (Out, D)
	headB  []T // (Out)
}

// pointWeights returns views of buf, laid out as c.Tensors(), field by field
// in the order transformerTensors lists them.
func pointWeights[T Float](c Config, buf []T) transformerWeights[T] {
	ts := c.Tensors()
	i := 0
	next := func() []T {
		t := ts[i]
		i++
		return buf[t.Off : t.Off+t.Size() : t.Off+t.Size()]
	}
	w := transformerWeights[T]{layers: make([]encoderWeights[T], c.Layers)}
	w.inW, w.inB, w.pos = next(), next(), next()
	for l := range w.layers {
		L := &w.layers[l]
		L.qkvW, L.qkvB, L.projW, L.projB = next(), next(), next(), next()
		L.fc1W, L.fc1B, L.fc2W, L.fc2B = next(), next(), next(), next()
		L.ln1W, L.ln1B, L.ln2W, L.ln2B = next(), next(), next(), next()
	}
	w.normW, w.normB, w.headW, w.headB = next(), next(), next(), next()
	return w
}

// transformerTensors is the transformer's layout, with the state_dict names
// of the equivalent PyTorch module: input.weight (D, F), input.bias, pos
// (T, D), then for every layer l the tensors of
// nn.TransformerEncoderLayer as layers.l.*, then norm.* and head.*.
func transformerTensors(c Config) []Tensor {
	D, F, FF := c.DModel, c.features(), c.FF
	ts := []Tensor{
		{Name: "input.weight", Shape: []int{D, F}},
		{Name: "input.bias", Shape: []int{D}},
		{Name: "pos", Shape: []int{c.Steps(), D}},
	}
	for l := 0; l < c.Layers; l++ {
		p := fmt.Sprintf("layers.%d.", l)
		ts = append(ts,
			Tensor{Name: p + "self_attn.in_proj_weight", Shape: []int{3 * D, D}},
			Tensor{Name: p + "self_attn.in_proj_bias", Shape: []int{3 * D}},
			Tensor{Name: p + "self_attn.out_proj.weight", Shape: []int{D, D}},
			Tensor{Name: p + "self_attn.out_proj.bias", Shape: []int{D}},
			Tensor{Name: p + "linear1.weight", Shape: []int{FF, D}},
			Tensor{Name: p + "linear1.bias", Shape: []int{FF}},
			Tensor{Name: p + "linear2.weight", Shape: []int{D, FF}},
			Tensor{Name: p + "linear2.bias", Shape: []int{D}},
			Tensor{Name: p + "norm1.weight", Shape: []int{D}},
			Tensor{Name: p + "norm1.bias", Shape: []int{D}},
			Tensor{Name: p + "norm2.weight", Shape: []int{D}},
			Tensor{Name: p + "norm2.bias", Shape: []int{D}})
	}
	ts = append(ts,
		Tensor{Name: "norm.weight", Shape: []int{D}},
		Tensor{Name: "norm.bias", Shape: []int{D}},
		Tensor{Name: "head.weight", Shape: []int{c.Out, D}},
		Tensor{Name: "head.bias", Shape: []int{c.Out}})
	return layout(ts...)
}

// transformerFLOPs counts the products as Transformer computes them:
// every layer but the last at all T positions (the projections, and
// 2*T*T*D for the scores and as much for the weighted values, over all
// heads); the last one at the last position only, its query, the query
// times the key projection, the weighted inputs times the value projection
// and the output projection (D*D each), the scores and the weighted inputs
// (2*H*T*D each) and the feed-forward block (see queryAttentionForward).
// With one step the last layer is like the others. Backward doubles every
// product (weight and input gradient; four attention products) except the
// input projection, whose input needs no gradient.
func transformerFLOPs(c Config) (fwd, bwd int64) {
	T, F, D, H, FF := int64(c.Steps()), int64(c.features()), int64(c.DModel), int64(c.Heads), int64(c.FF)
	lin := func(rows, in, out int64) int64 { return 2 * rows * in * out }
	fwd, bwd = lin(T, F, D), lin(T, F, D)
	for l := 0; l < c.Layers; l++ {
		mm := lin(T, D, 3*D) + lin(T, D, D) + lin(T, D, FF) + lin(T, FF, D)
		att := 2 * (2 * T * T * D)
		if l == c.Layers-1 && T > 1 {
			mm = 4*lin(1, D, D) + lin(1, D, FF) + lin(1, FF, D)
			att = 2 * (2 * H * T * D)
		}
		fwd += mm + att
		bwd += 2 * (mm + att)
	}
	head := lin(1, D, int64(c.Out))
	return fwd + head, bwd + 2*head
}
