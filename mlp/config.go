// Network shape: input, hidden and output widths and the activation.
package mlp

import (
	"errors"
	"fmt"
)

// Float is the element type of a Net: float32 (the default, as PyTorch
// trains) or float64 (the exact reference).
type Float interface{ ~float32 | ~float64 }

// Config is the shape of a network.
type Config struct {
	In     int    // input width (the window, 60 by default)
	Hidden []int  // hidden widths, e.g. {128, 128}; empty gives a linear model
	Out    int    // output width (the horizon, 1 by default)
	Act    string // hidden activation: "relu" (also when empty) or "tanh"
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

// Validate reports the first problem with the shape, or nil.
func (c Config) Validate() error {
	if c.In < 1 {
		return fmt.Errorf("mlp: input width %d, want >= 1", c.In)
	}
	if c.Out < 1 {
		return fmt.Errorf("mlp: output width %d, want >= 1", c.Out)
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
	return nil
}

// widths returns In, Hidden..., Out.
func (c Config) widths() []int {
	w := make([]int, 0, len(c.Hidden)+2)
	w = append(w, c.In)
	w = append(w, c.Hidden...)
	return append(w, c.Out)
}

// NumParams is the number of weights and biases, the length of Params.
func (c Config) NumParams() int {
	w := c.widths()
	n := 0
	for l := 0; l+1 < len(w); l++ {
		n += w[l+1]*w[l] + w[l+1]
	}
	return n
}

// FLOPsPerSample counts the floating-point operations of one sample's
// forward and backward pass in the matrix products, a multiply-add counted
// as 2. Forward is 2*in*out per layer; backward is 2*in*out per layer for the
// weight gradient plus 2*in*out per layer except the first for the input
// gradient (the gradient of the data is never computed). Bias, activation and
// loss loops are not counted. Benchmarks divide these by time for GFLOP/s.
func (c Config) FLOPsPerSample() (fwd, bwd int64) {
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

// String is the shape as "60-128-128-1 relu".
func (c Config) String() string {
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
