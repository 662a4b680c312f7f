// Network shape: which model, its input, sizes and output, and what follows
// from them (parameter count, tensors, FLOPs).
package mlp

import (
	"errors"
	"fmt"
	"strings"
)

// Float is the element type of a model: float32 (the default, as PyTorch
// trains) or float64 (the exact reference).
type Float interface{ ~float32 | ~float64 }

// Model names accepted in Config.Model.
const (
	ModelMLP         = "mlp"
	ModelLSTM        = "lstm"
	ModelTransformer = "transformer"
)

// Models lists the model names Config.Model accepts, the default first.
var Models = []string{ModelMLP, ModelLSTM, ModelTransformer}

// Config is the shape of a model. Every model reads a sample as In values:
// a window of Steps() time steps of Features() values each, step after step
// ((T, F) row-major), and predicts Out values.
type Config struct {
	Model    string `json:",omitempty"` // "mlp" (also when empty), "lstm" or "transformer"
	In       int    // input values per sample: Steps() * Features() (the window, 60 by default)
	Features int    `json:",omitempty"` // values per time step (F); 0 means 1
	Hidden   []int  // mlp: hidden widths, e.g. {128, 128} (empty: a linear model); lstm: hidden size of each stacked layer
	Out      int    // output width (the horizon, 1 by default)
	Act      string // mlp: hidden activation "relu" (also when empty) or "tanh"; unused by the others

	// The transformer encoder's sizes.
	DModel int `json:",omitempty"` // width of every position's vector
	Heads  int `json:",omitempty"` // attention heads; DModel must be a multiple
	Layers int `json:",omitempty"` // encoder layers
	FF     int `json:",omitempty"` // width of the feed-forward block
}

// DefaultConfig is the network the trainer builds unless told otherwise:
// 60 -> 128 -> 128 -> 1 with ReLU.
func DefaultConfig() Config {
	return Config{In: 60, Hidden: []int{128, 128}, Out: 1, Act: "relu"}
}

// Activation names accepted in Config.Act.
const (
	ActReLU = "relu"
	ActTanh = "tanh"
)

// Kind is the model's name, "mlp" when Model is empty.
func (c Config) Kind() string {
	if c.Model == "" {
		return ModelMLP
	}
	return c.Model
}

// Features is F, the values per time step (1 when the field is 0).
func (c Config) features() int {
	if c.Features == 0 {
		return 1
	}
	return c.Features
}

// Steps is T, the time steps of a sample: In / F.
func (c Config) Steps() int { return c.In / c.features() }

// FeaturesPerStep is F, the values per time step.
func (c Config) FeaturesPerStep() int { return c.features() }

// Validate reports the first problem with the shape, or nil.
func (c Config) Validate() error {
	known := false
	for _, m := range Models {
		known = known || c.Kind() == m
	}
	if !known {
		return fmt.Errorf("mlp: model %q, want one of %s", c.Model, strings.Join(Models, ", "))
	}
	if c.In < 1 {
		return fmt.Errorf("mlp: input width %d, want >= 1", c.In)
	}
	if c.Out < 1 {
		return fmt.Errorf("mlp: output width %d, want >= 1", c.Out)
	}
	if c.Features < 0 || c.In%c.features() != 0 {
		return fmt.Errorf("mlp: %d features per step do not divide the input width %d", c.Features, c.In)
	}
	for i, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("mlp: hidden layer %d has width %d, want >= 1", i+1, h)
		}
	}
	switch c.Act {
	case "", ActReLU, ActTanh:
	default:
		return errors.New(`mlp: activation "` + c.Act + `", want "relu" or "tanh"`)
	}
	switch c.Kind() {
	case ModelLSTM:
		if len(c.Hidden) == 0 {
			return errors.New("mlp: an lstm needs at least one layer")
		}
	case ModelTransformer:
		switch {
		case c.DModel < 1 || c.Heads < 1 || c.Layers < 1 || c.FF < 1:
			return fmt.Errorf("mlp: transformer sizes d_model %d, heads %d, layers %d, ff %d: each must be >= 1", c.DModel, c.Heads, c.Layers, c.FF)
		case c.DModel%c.Heads != 0:
			return fmt.Errorf("mlp: transformer d_model %d is not a multiple of its %d heads", c.DModel, c.Heads)
		}
	}
	return nil
}

// Tensor is one named parameter tensor of a model: its shape and where it
// starts in the flat parameter (and gradient) slice. Names follow PyTorch's
// state_dict names of the equivalent module.
type Tensor struct {
	Name  string
	Shape []int
	Off   int
}

// Size is the number of values of the tensor.
func (t Tensor) Size() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// layout assigns consecutive offsets to tensors given as name, shape pairs.
func layout(ts ...Tensor) []Tensor {
	off := 0
	for i := range ts {
		ts[i].Off = off
		off += ts[i].Size()
	}
	return ts
}

// Tensors lists the model's parameter tensors in the order of the flat
// parameter slice. It panics if c is not valid.
func (c Config) Tensors() []Tensor {
	if err := c.Validate(); err != nil {
		panic(err.Error())
	}
	switch c.Kind() {
	case ModelLSTM:
		return lstmTensors(c)
	case ModelTransformer:
		return transformerTensors(c)
	default:
		return mlpTensors(c)
	}
}

// NumParams is the number of parameters, the length of the flat slice.
func (c Config) NumParams() int {
	ts := c.Tensors()
	last := ts[len(ts)-1]
	return last.Off + last.Size()
}

// FLOPsPerSample counts the floating-point operations of one sample's
// forward and backward pass in the matrix products, a multiply-add counted
// as 2 (see mlpFLOPs, lstmFLOPs and transformerFLOPs). Elementwise work
// (biases, activations, normalization, softmax, the loss) is not counted.
// Benchmarks divide these by time for GFLOP/s.
func (c Config) FLOPsPerSample() (fwd, bwd int64) {
	switch c.Kind() {
	case ModelLSTM:
		return lstmFLOPs(c)
	case ModelTransformer:
		return transformerFLOPs(c)
	default:
		return mlpFLOPs(c)
	}
}

// ActivationValues is the number of values (of the element type) a model
// built for maxBatch rows allocates besides its parameters and gradients:
// the activations and their gradients that Forward and Backward keep.
func (c Config) ActivationValues(maxBatch int) int64 {
	switch c.Kind() {
	case ModelLSTM:
		return lstmActivations(c, maxBatch)
	case ModelTransformer:
		return transformerActivations(c, maxBatch)
	default:
		return mlpActivations(c, maxBatch)
	}
}

// String is the shape as "60-128-128-1 relu" for the mlp, "lstm 60x1-64-1"
// (steps x features, hidden sizes, output) for the lstm and
// "transformer 60x1 d64 h4 l2 ff128 -> 1" (steps x features, d_model,
// heads, layers, feed-forward width, outputs) for the transformer.
func (c Config) String() string {
	switch c.Kind() {
	case ModelLSTM:
		return lstmString(c)
	case ModelTransformer:
		return fmt.Sprintf("transformer %dx%d d%d h%d l%d ff%d -> %d",
			c.Steps(), c.features(), c.DModel, c.Heads, c.Layers, c.FF, c.Out)
	default:
		s := ""
		for i, w := range c.widths() {
			if i > 0 {
				s += "-"
			}
			s += fmt.Sprint(w)
		}
		act := c.Act
		if act == "" {
			act = ActReLU
		}
		return s + " " + act
	}
}
