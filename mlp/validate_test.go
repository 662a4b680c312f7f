// Validation at every limit: the smallest valid value of each setting is
// accepted and the value just past it refused, with the message naming it.
package mlp

import (
	"math"
	"testing"
)

func TestConfigValidateLimits(t *testing.T) {
	tr := Config{Model: ModelTransformer, In: 1, Out: 1, DModel: 1, Heads: 1, Layers: 1, FF: 1}
	with := func(f func(*Config)) Config { c := tr; f(&c); return c }
	for _, tc := range []struct {
		name string
		cfg  Config
		err  string
	}{
		{"mlp of one input and output", Config{In: 1, Out: 1}, ""},
		{"hidden width 1", Config{In: 1, Hidden: []int{1}, Out: 1}, ""},
		{"unknown model", Config{Model: "gru", In: 1, Out: 1}, `mlp: model "gru", want one of mlp, lstm, transformer`},
		{"negative features", Config{In: 4, Features: -1, Out: 1}, "mlp: -1 features per step do not divide the input width 4"},
		{"features not dividing the input", Config{In: 5, Features: 2, Out: 1}, "mlp: 2 features per step do not divide the input width 5"},
		{"features dividing the input", Config{In: 6, Features: 3, Out: 1}, ""},
		{"an lstm without layers", Config{Model: ModelLSTM, In: 2, Out: 1}, "mlp: an lstm needs at least one layer"},
		{"an lstm of one unit", Config{Model: ModelLSTM, In: 2, Hidden: []int{1}, Out: 1}, ""},
		{"transformer of ones", tr, ""},
		{"transformer d_model 0", with(func(c *Config) { c.DModel = 0 }),
			"mlp: transformer sizes d_model 0, heads 1, layers 1, ff 1: each must be >= 1"},
		{"transformer heads 0", with(func(c *Config) { c.Heads = 0 }),
			"mlp: transformer sizes d_model 1, heads 0, layers 1, ff 1: each must be >= 1"},
		{"transformer layers 0", with(func(c *Config) { c.Layers = 0 }),
			"mlp: transformer sizes d_model 1, heads 1, layers 0, ff 1: each must be >= 1"},
		{"transformer ff 0", with(func(c *Config) { c.FF = 0 }),
			"mlp: transformer sizes d_model 1, heads 1, layers 1, ff 0: each must be >= 1"},
		{"d_model not a multiple of the heads", with(func(c *Config) { c.DModel, c.Heads = 6, 4 }),
			"mlp: transformer d_model 6 is not a multiple of its 4 heads"},
		{"d_model a multiple of the heads", with(func(c *Config) { c.DModel, c.Heads = 8, 4 }), ""},
		{"as many heads as d_model", with(func(c *Config) { c.DModel, c.Heads = 4, 4 }), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
				t.Fatalf("Validate() = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestTrainConfigValidateLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*TrainConfig)
		want string
	}{
		{"one epoch", func(c *TrainConfig) { c.Epochs = 1 }, ""},
		{"batch of one", func(c *TrainConfig) { c.Batch = 1 }, ""},
		{"batch 0", func(c *TrainConfig) { c.Batch = 0 }, "mlp: batch 0, want >= 1"},
		{"epochs negative", func(c *TrainConfig) { c.Epochs = -1 }, "mlp: epochs -1, want >= 1"},
		{"the smallest learning rate", func(c *TrainConfig) { c.LR = math.SmallestNonzeroFloat64 }, ""},
		{"negative learning rate", func(c *TrainConfig) { c.LR = -1e-3 }, "mlp: learning rate -0.001, want a finite value > 0"},
		{"infinite learning rate", func(c *TrainConfig) { c.LR = math.Inf(1) }, "mlp: learning rate +Inf, want a finite value > 0"},
		{"no optimizer named", func(c *TrainConfig) { c.Optimizer = "" }, ""},
		{"adamw", func(c *TrainConfig) { c.Optimizer = "adamw" }, ""},
		{"sgd", func(c *TrainConfig) { c.Optimizer = "sgd" }, ""},
		{"Adam is not adam", func(c *TrainConfig) { c.Optimizer = "Adam" }, `mlp: optimizer "Adam", want "adam", "adamw" or "sgd"`},
		{"no momentum", func(c *TrainConfig) { c.Momentum = 0 }, ""},
		{"momentum just below 1", func(c *TrainConfig) { c.Momentum = 0.999 }, ""},
		{"negative momentum", func(c *TrainConfig) { c.Momentum = -0.5 }, "mlp: momentum -0.5, want 0 <= m < 1"},
		{"NaN momentum", func(c *TrainConfig) { c.Momentum = math.NaN() }, "mlp: momentum NaN, want 0 <= m < 1"},
		{"no weight decay", func(c *TrainConfig) { c.WeightDecay = 0 }, ""},
		{"infinite weight decay", func(c *TrainConfig) { c.WeightDecay = math.Inf(1) }, "mlp: weight decay +Inf, want a finite value >= 0"},
		{"NaN weight decay", func(c *TrainConfig) { c.WeightDecay = math.NaN() }, "mlp: weight decay NaN, want a finite value >= 0"},
		{"patience 0", func(c *TrainConfig) { c.Patience = 0 }, ""},
		{"patience -1", func(c *TrainConfig) { c.Patience = -1 }, "mlp: patience -1, want >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultTrainConfig()
			tc.edit(&c)
			err := c.Validate()
			if (err == nil) != (tc.want == "") || err != nil && err.Error() != tc.want {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
