// arch.go: the model flags (--model and its sizes), their per-model
// defaults and checks, and the network they describe.
package main

import (
	"fmt"
	"strconv"
	"strings"

	"mpitrain/mlp"
)

// modelDefaults are the sizes a model gets for the size flags left unset.
type modelDefaults struct {
	hiddenDim, numLayers int
}

var defaultsOf = map[string]modelDefaults{
	mlp.ModelMLP:         {hiddenDim: 128, numLayers: 2},
	mlp.ModelLSTM:        {hiddenDim: 64, numLayers: 1},
	mlp.ModelTransformer: {hiddenDim: 64, numLayers: 2},
}

// Transformer defaults beside d_model and the layers.
const (
	defaultHeads    = 4
	defaultFFFactor = 2 // ff_dim = 2 x d_model
)

// resolveModel sets the size flags left unset (set holds the names of the
// flags the command line gave; nil: none) to the model's defaults, and
// refuses a flag that the chosen model does not have. A size flag given as
// 0 or less keeps its value here and is refused by validate.
func (c *Config) resolveModel(set map[string]bool) error {
	d, ok := defaultsOf[c.Model]
	if !ok || !c.modelAvailable() {
		return usagef("--model %q: must be one of %s", c.Model, strings.Join(mlp.Models, ", "))
	}
	only := func(flag, model string) error {
		if set[flag] && c.Model != model {
			return usagef("--%s: applies to --model %s only, this run has --model %s", flag, model, c.Model)
		}
		return nil
	}
	for _, e := range []error{only("layers", mlp.ModelMLP), only("activation", mlp.ModelMLP),
		only("heads", mlp.ModelTransformer), only("ff_dim", mlp.ModelTransformer)} {
		if e != nil {
			return e
		}
	}
	if !set["hidden_dim"] {
		c.HiddenDim = d.hiddenDim
	}
	if !set["num_layers"] {
		c.NumLayers = d.numLayers
	}
	if c.Model == mlp.ModelTransformer {
		if !set["heads"] {
			c.Heads = defaultHeads
		}
		if !set["ff_dim"] {
			c.FFDim = defaultFFFactor * c.HiddenDim
		}
	}
	return nil
}

// modelAvailable reports whether this build has the model --model names.
func (c Config) modelAvailable() bool {
	for _, m := range mlp.Models {
		if m == c.Model {
			return true
		}
	}
	return false
}

// kind is the model name, "mlp" for settings saved before --model existed.
func (c Config) kind() string {
	if c.Model == "" {
		return mlp.ModelMLP
	}
	return c.Model
}

// hidden returns the mlp's hidden widths (or the lstm's per-layer sizes):
// --layers, or --num_layers copies of --hidden_dim.
func (c Config) hidden() ([]int, error) {
	if c.Layers == "" {
		n := c.NumLayers
		if n == 0 { // settings saved before --num_layers existed
			n = defaultsOf[c.kind()].numLayers
		}
		h := make([]int, n)
		for i := range h {
			h[i] = c.HiddenDim
		}
		return h, nil
	}
	fields := strings.Split(c.Layers, ",")
	if len(fields) > maxLayers {
		return nil, usagef("--layers: %d widths, at most %d", len(fields), maxLayers)
	}
	var h []int
	for _, f := range fields {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 || v > maxLayerWidth {
			return nil, usagef("--layers %q: %q is not a width in 1..%s", c.Layers, f, groupDigits(maxLayerWidth))
		}
		h = append(h, v)
	}
	return h, nil
}

// arch is the network the config describes; errors name the flag.
func (c Config) arch() (mlp.Config, error) {
	pos := func(name string, v int) error {
		if v <= 0 {
			return usagef("--%s %d: must be positive", name, v)
		}
		return nil
	}
	a := mlp.Config{Model: c.kind(), In: c.Window, Out: c.Horizon}
	switch a.Model {
	case mlp.ModelTransformer:
		for _, e := range []error{pos("hidden_dim", c.HiddenDim), pos("num_layers", c.NumLayers), pos("heads", c.Heads), pos("ff_dim", c.FFDim)} {
			if e != nil {
				return a, e
			}
		}
		if c.HiddenDim%c.Heads != 0 {
			return a, usagef("--hidden_dim %d: the transformer's d_model must be a multiple of --heads %d", c.HiddenDim, c.Heads)
		}
		a.DModel, a.Heads, a.Layers, a.FF = c.HiddenDim, c.Heads, c.NumLayers, c.FFDim
	default:
		if c.Layers == "" {
			if err := pos("hidden_dim", c.HiddenDim); err != nil {
				return a, err
			}
			if c.NumLayers < 0 || (c.NumLayers == 0 && a.Model == mlp.ModelLSTM) {
				return a, usagef("--num_layers %d: must be positive", c.NumLayers)
			}
		}
		h, err := c.hidden()
		if err != nil {
			return a, err
		}
		a.Hidden = h
		if a.Model == mlp.ModelMLP {
			a.Act = c.Act
		}
	}
	if err := a.Validate(); err != nil {
		return a, usagef("--model %s: %v", a.Model, err)
	}
	return a, nil
}

// describeArch is the model line's shape: "60 -> 128 -> 128 -> 1 (relu)".
func describeArch(c mlp.Config) string {
	switch c.Kind() {
	case mlp.ModelLSTM:
		return fmt.Sprintf("lstm, %d steps x %d feature(s) -> %s hidden -> %d", c.Steps(), c.FeaturesPerStep(), joinInts(c.Hidden, " -> "), c.Out)
	case mlp.ModelTransformer:
		return fmt.Sprintf("transformer, %d steps x %d feature(s) -> d_model %d, %d heads, %d layers, ff %d -> %d",
			c.Steps(), c.FeaturesPerStep(), c.DModel, c.Heads, c.Layers, c.FF, c.Out)
	}
	s := fmt.Sprint(c.In)
	for _, h := range c.Hidden {
		s += fmt.Sprintf(" -> %d", h)
	}
	act := c.Act
	if act == "" {
		act = mlp.ActReLU
	}
	return fmt.Sprintf("%s -> %d (%s)", s, c.Out, act)
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, sep)
}
