// The transformer against PyTorch: outputs and every parameter gradient of
// the same weights and batch, from a fixture PyTorch wrote.
package mlp

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// torchFixture is mlp/testdata/transformer_torch.json, written by
// scripts/pytorch/fixture_transformer.py: a float64 nn.Module equal to
// Transformer, its weights, a batch, its outputs and the gradients of the
// batch's summed squared error.
type torchFixture struct {
	Config struct {
		Steps, Features, Heads, Layers, FF, Out, Rows int
		DModel                                        int `json:"d_model"`
	}
	X, Y, Out []float64
	Loss      float64
	Params    map[string][]float64
	Shapes    map[string][]int
	Grads     map[string][]float64
}

// TestTransformerTorchFixture loads PyTorch's weights by their state_dict
// names and requires the outputs and EVERY parameter gradient to equal
// PyTorch's to 1e-6 relative. The absolute floor, 1e-6 of the largest
// magnitude of the tensor's gradient, is for values that are zero in
// exact arithmetic (the key biases' gradients: a softmax is blind to a
// shift of all its scores) and come out of both programs as rounding noise
// of order 1e-16 times the tensor's scale. Measured: outputs within 1e-14
// relative, gradients above the floor within 1e-10, those below it within
// 1e-14 absolute.
func TestTransformerTorchFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/transformer_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var f torchFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	c := f.Config
	cfg := Config{Model: ModelTransformer, In: c.Steps * c.Features, Features: c.Features, Out: c.Out,
		DModel: c.DModel, Heads: c.Heads, Layers: c.Layers, FF: c.FF}
	m := NewTransformer[float64](cfg, c.Rows)
	ts := cfg.Tensors()
	if len(ts) != len(f.Params) || len(ts) != len(f.Grads) {
		t.Fatalf("%d tensors, the fixture has %d parameters and %d gradients", len(ts), len(f.Params), len(f.Grads))
	}
	for _, tn := range ts {
		p, ok := f.Params[tn.Name]
		if !ok || !slices.Equal(f.Shapes[tn.Name], tn.Shape) || len(p) != tn.Size() {
			t.Fatalf("%s %v: the fixture has shape %v with %d values", tn.Name, tn.Shape, f.Shapes[tn.Name], len(p))
		}
		copy(m.Params()[tn.Off:], p)
	}
	rows := c.Rows
	dOut := make([]float64, rows*c.Out)
	loss := sseAndGrad[float64](m, f.X, f.Y, rows, dOut)
	out := m.Forward(f.X, rows)
	worstOut := 0.0
	for i, want := range f.Out {
		d := math.Abs(out[i]-want) / math.Abs(want)
		worstOut = max(worstOut, d)
		if !(d <= 1e-6) {
			t.Errorf("output %d: %.17g, PyTorch %.17g", i, out[i], want)
		}
	}
	if d := math.Abs(loss-f.Loss) / f.Loss; !(d <= 1e-6) {
		t.Errorf("loss %.17g, PyTorch %.17g", loss, f.Loss)
	}
	m.ZeroGrad()
	m.Backward(f.X, dOut, rows)
	worstGrad, worstName, worstFloor := 0.0, "", 0.0
	for _, tn := range ts {
		want := f.Grads[tn.Name]
		got := m.Grads()[tn.Off : tn.Off+tn.Size()]
		scale := 0.0
		for _, g := range want {
			scale = max(scale, math.Abs(g))
		}
		floor := 1e-6 * scale
		for i, w := range want {
			d := math.Abs(got[i]-w) / max(math.Abs(w), floor)
			if !(d <= 1e-6) {
				t.Errorf("%s[%d]: gradient %.17g, PyTorch %.17g", tn.Name, i, got[i], w)
			}
			if math.Abs(w) < floor {
				worstFloor = max(worstFloor, math.Abs(got[i]-w))
			} else if d > worstGrad {
				worstGrad, worstName = d, tn.Name
			}
		}
	}
	t.Logf("largest relative difference: outputs %.2g, gradients %.2g (%s); below the floor, absolute %.2g",
		worstOut, worstGrad, worstName, worstFloor)
}
