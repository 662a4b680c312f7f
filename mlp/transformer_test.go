// Tests of the transformer: gradients against finite differences, float32
// against float64, shapes, initialization and the allocation-free step.
package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// tinyTransformer is the shape of the small checks: 5 steps of 2 features,
// d_model 8 in 2 heads, 2 layers, feed-forward 6, 2 outputs.
var tinyTransformer = Config{Model: ModelTransformer, In: 10, Features: 2, Out: 2, DModel: 8, Heads: 2, Layers: 2, FF: 6}

// sseAndGrad runs Forward and returns the SUM of squared errors and, when
// dOut is not nil, its gradient w.r.t. the output, 2*(pred - y): the loss
// the training step differentiates.
func sseAndGrad[T Float](m Model[T], x, y []T, rows int, dOut []T) float64 {
	pred := m.Forward(x, rows)
	s := 0.0
	for i, p := range pred {
		d := p - y[i]
		s += float64(d) * float64(d)
		if dOut != nil {
			dOut[i] = 2 * d
		}
	}
	return s
}

// perturbed builds a transformer from seed with every parameter moved by
// U(-0.2, 0.2) from its Init value, so that the zero biases and unit
// LayerNorm weights of Init do not hide a wrong gradient.
func perturbed[T Float](cfg Config, maxBatch int, seed uint64) *Transformer[T] {
	m := NewTransformer[T](cfg, maxBatch)
	m.Init(seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	for i := range m.Params() {
		m.Params()[i] += T(0.4 * (rng.Float64() - 0.5))
	}
	return m
}

// tensorOf names the tensor holding flat index i.
func tensorOf(ts []Tensor, i int) string {
	for _, t := range ts {
		if i >= t.Off && i < t.Off+t.Size() {
			return fmt.Sprintf("%s[%d]", t.Name, i-t.Off)
		}
	}
	return fmt.Sprint("index ", i)
}

// TestTransformerGradientFiniteDifference checks Backward against central
// finite differences for EVERY parameter. The measured largest error is
// below 1e-8 (relative to 1 + |gradient|); the tolerance is net_test.go's.
func TestTransformerGradientFiniteDifference(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		rows  int
		zeros float64 // the largest share of gradients exactly 0 (units off for every row, structural zeros)
	}{
		{"2-layers", tinyTransformer, 3, 0.1},
		{"1-layer", Config{Model: ModelTransformer, In: 8, Features: 2, Out: 1, DModel: 6, Heads: 3, Layers: 1, FF: 5}, 2, 0.1},
		// One feature makes the positions' vectors alike: some
		// feed-forward units are off for every row.
		{"3-layers-1-feature", Config{Model: ModelTransformer, In: 4, Out: 3, DModel: 6, Heads: 2, Layers: 3, FF: 8}, 4, 0.2},
		// With one position the softmax is 1 whatever the scores: the
		// query and key rows of in_proj get no gradient.
		{"1-step", Config{Model: ModelTransformer, In: 3, Features: 3, Out: 1, DModel: 4, Heads: 2, Layers: 2, FF: 3}, 4, 0.4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, rows := tc.cfg, tc.rows
			m := perturbed[float64](cfg, rows+1, 3)
			d := synth[float64](rows, cfg.In, cfg.Out, 4, false)
			dOut := make([]float64, rows*cfg.Out)
			m.ZeroGrad()
			sseAndGrad[float64](m, d.X, d.Y, rows, dOut)
			m.Backward(d.X, dOut, rows)
			got := append([]float64(nil), m.Grads()...)

			p0 := append([]float64(nil), m.Params()...)
			f := func(p []float64) float64 {
				copy(m.Params(), p)
				return sseAndGrad[float64](m, d.X, d.Y, rows, nil)
			}
			want := fd.Gradient(nil, f, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			copy(m.Params(), p0)

			if len(got) != cfg.NumParams() || len(want) != len(got) {
				t.Fatalf("gradient lengths %d and %d, want %d", len(got), len(want), cfg.NumParams())
			}
			ts := cfg.Tensors()
			worst, zeros := 0.0, 0
			for i := range got {
				if got[i] == 0 {
					zeros++
				}
				e := math.Abs(got[i]-want[i]) / (1 + math.Abs(want[i]))
				worst = max(worst, e)
				if !(e <= 1e-7) {
					t.Errorf("%s: Backward %.10g, finite difference %.10g", tensorOf(ts, i), got[i], want[i])
				}
			}
			if float64(zeros) > tc.zeros*float64(len(got)) {
				t.Errorf("%d of %d gradients are exactly 0: the check is too weak", zeros, len(got))
			}
			t.Logf("largest error %.2g over %d parameters", worst, len(got))
		})
	}
}

// TestTransformerFloat32 runs the same weights and inputs at both
// precisions: outputs and gradients agree to float32 precision (1e-4
// relative to the largest value of each tensor).
func TestTransformerFloat32(t *testing.T) {
	cfg := Config{Model: ModelTransformer, In: 24, Features: 2, Out: 2, DModel: 16, Heads: 4, Layers: 2, FF: 12}
	const rows = 6
	m64 := perturbed[float64](cfg, rows, 8)
	m32 := NewTransformer[float32](cfg, rows)
	for i, p := range m64.Params() {
		m32.Params()[i] = float32(p)
	}
	d64 := synth[float64](rows, cfg.In, cfg.Out, 9, false)
	d32 := Split[float32]{X: f32s(d64.X), Y: f32s(d64.Y), N: rows}
	dOut64, dOut32 := make([]float64, rows*cfg.Out), make([]float32, rows*cfg.Out)
	sseAndGrad[float64](m64, d64.X, d64.Y, rows, dOut64)
	sseAndGrad[float32](m32, d32.X, d32.Y, rows, dOut32)
	out64, out32 := m64.Forward(d64.X, rows), m32.Forward(d32.X, rows)
	for i := range out64 {
		if !(math.Abs(float64(out32[i])-out64[i]) <= 1e-4*(1+math.Abs(out64[i]))) {
			t.Errorf("output %d: float32 %g, float64 %g", i, out32[i], out64[i])
		}
	}
	m64.ZeroGrad()
	m32.ZeroGrad()
	m64.Backward(d64.X, dOut64, rows)
	m32.Backward(d32.X, dOut32, rows)
	for _, ts := range cfg.Tensors() {
		g64 := m64.Grads()[ts.Off : ts.Off+ts.Size()]
		g32 := m32.Grads()[ts.Off : ts.Off+ts.Size()]
		scale := 0.0
		for _, g := range g64 {
			scale = max(scale, math.Abs(g))
		}
		worst := 0.0
		for i := range g64 {
			worst = max(worst, math.Abs(float64(g32[i])-g64[i])/scale)
		}
		if !(worst <= 1e-4) {
			t.Errorf("%s: float32 gradient differs by %.2g of the tensor's largest (%.3g)", ts.Name, worst, scale)
		}
	}
}

// TestTransformerBackwardAdds: two Backward calls give twice the gradient
// (up to the rounding of the second sum: the key biases' gradients are
// zero up to rounding, a softmax being blind to a shift of all scores),
// and dOut is left as it was.
func TestTransformerBackwardAdds(t *testing.T) {
	m := perturbed[float64](tinyTransformer, 4, 1)
	d := synth[float64](4, tinyTransformer.In, tinyTransformer.Out, 2, false)
	dOut := make([]float64, 4*tinyTransformer.Out)
	sseAndGrad[float64](m, d.X, d.Y, 4, dOut)
	keep := append([]float64(nil), dOut...)
	m.Backward(d.X, dOut, 4)
	once := append([]float64(nil), m.Grads()...)
	m.Backward(d.X, dOut, 4)
	for i := range once {
		if !(math.Abs(m.Grads()[i]-2*once[i]) <= 1e-14*(1+math.Abs(once[i]))) {
			t.Fatalf("grad %d after two Backward calls is %g, want 2*%g", i, m.Grads()[i], once[i])
		}
	}
	for i := range keep {
		if dOut[i] != keep[i] {
			t.Fatalf("Backward changed dOut[%d]", i)
		}
	}
}

// TestTransformerBatchRows: a sample's output does not depend on the other
// rows of its batch, nor on the batch capacity (Predict in chunks).
func TestTransformerBatchRows(t *testing.T) {
	big := perturbed[float64](tinyTransformer, 9, 5)
	small := NewTransformer[float64](tinyTransformer, 2)
	copy(small.Params(), big.Params())
	d := synth[float64](9, tinyTransformer.In, tinyTransformer.Out, 6, false)
	want := append([]float64(nil), big.Forward(d.X, 9)...)
	got := make([]float64, len(want))
	Predict[float64](small, d.X, 9, got)
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= 1e-15*(1+math.Abs(want[i]))) {
			t.Fatalf("Predict in chunks of 2: out[%d] = %g, Forward of 9: %g", i, got[i], want[i])
		}
	}
}

func TestTransformerInit(t *testing.T) {
	cfg := Config{Model: ModelTransformer, In: 60, Out: 1, DModel: 64, Heads: 4, Layers: 2, FF: 128}
	a, b := NewTransformer[float64](cfg, 1), NewTransformer[float64](cfg, 1)
	a.Init(7)
	b.Init(7)
	f := NewTransformer[float32](cfg, 1)
	f.Init(7)
	for i := range a.Params() {
		if a.Params()[i] != b.Params()[i] {
			t.Fatal("Init with the same seed differs")
		}
		if f.Params()[i] != float32(a.Params()[i]) {
			t.Fatal("float32 Init is not the float64 one rounded")
		}
	}
	for _, ts := range cfg.Tensors() {
		v := a.Params()[ts.Off : ts.Off+ts.Size()]
		lo, hi, sq := math.Inf(1), math.Inf(-1), 0.0
		for _, x := range v {
			lo, hi, sq = min(lo, x), max(hi, x), sq+x*x
		}
		std := math.Sqrt(sq / float64(len(v)))
		bound := 0.0 // the uniform bound, or 0 for a constant tensor
		switch {
		case ts.Name == "pos":
			if !(math.Abs(std-0.02) <= 0.002) {
				t.Errorf("pos: std %g, want about 0.02", std)
			}
			continue
		case strings.HasSuffix(ts.Name, "in_proj_weight"):
			bound = math.Sqrt(6.0 / (4 * 64))
		case strings.HasSuffix(ts.Name, "in_proj_bias"), strings.HasSuffix(ts.Name, "out_proj.bias"),
			strings.Contains(ts.Name, "norm") && strings.HasSuffix(ts.Name, "bias"):
			if lo != 0 || hi != 0 {
				t.Errorf("%s: in [%g, %g], want 0", ts.Name, lo, hi)
			}
			continue
		case strings.Contains(ts.Name, "norm"):
			if lo != 1 || hi != 1 {
				t.Errorf("%s: in [%g, %g], want 1", ts.Name, lo, hi)
			}
			continue
		case strings.HasPrefix(ts.Name, "input"):
			bound = 1
		case strings.Contains(ts.Name, "linear2"):
			bound = 1 / math.Sqrt(128)
		default: // out_proj.weight, linear1, head: fan_in 64
			bound = 1 / 8.0
		}
		if lo < -bound || hi > bound || (len(v) >= 64 && (hi < 0.8*bound || lo > -0.8*bound)) {
			t.Errorf("%s: in [%g, %g], want U(-%g, %g)", ts.Name, lo, hi, bound, bound)
		}
	}
}

func TestTransformerPanics(t *testing.T) {
	m := NewTransformer[float64](tinyTransformer, 5)
	in, out := tinyTransformer.In, tinyTransformer.Out
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"rows-above-max", func() { m.Forward(make([]float64, 6*in), 6) }, "mlp: 6 rows"},
		{"negative-rows", func() { m.Forward(nil, -1) }, "mlp: -1 rows"},
		{"short-x", func() { m.Forward(make([]float64, 3*in-1), 3) }, "mlp: x has length 29"},
		{"backward-short-x", func() { m.Backward(make([]float64, in), make([]float64, 2*out), 2) }, "mlp: x has length 10"},
		{"long-dOut", func() { m.Backward(make([]float64, 3*in), make([]float64, 7), 3) }, "mlp: dOut has length 7"},
		{"backward-rows-above-max", func() { m.Backward(make([]float64, 6*in), make([]float64, 6*out), 6) }, "mlp: 6 rows"},
		{"predict-out", func() { Predict[float64](m, make([]float64, 3*in), 3, make([]float64, 5)) }, "mlp: Predict"},
		{"grad-buffer", func() { m.useGrads(make([]float64, 3)) }, "mlp: gradient buffer of 3"},
		{"bad-batch", func() { NewTransformer[float32](tinyTransformer, 0) }, "mlp: maxBatch 0"},
		{"mlp-config", func() { NewTransformer[float32](Config{In: 3, Out: 1}, 1) }, "mlp: NewTransformer of a mlp config"},
		{"heads-do-not-divide", func() {
			c := tinyTransformer
			c.Heads = 3
			NewTransformer[float32](c, 1)
		}, "mlp: transformer d_model 8 is not a multiple of its 3 heads"},
		{"no-layers", func() {
			c := tinyTransformer
			c.Layers = 0
			NewTransformer[float32](c, 1)
		}, "mlp: transformer sizes"},
		{"features-do-not-divide", func() {
			c := tinyTransformer
			c.Features = 3
			NewTransformer[float32](c, 1)
		}, "mlp: 3 features per step do not divide the input width 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if !strings.HasPrefix(s, tc.want) {
					t.Fatalf("panic %v, want prefix %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func TestTransformerConfig(t *testing.T) {
	def := Config{Model: ModelTransformer, In: 60, Out: 1, DModel: 64, Heads: 4, Layers: 2, FF: 128}
	// Per layer: in_proj 3*64*64+3*64, out_proj 64*64+64, linear1
	// 128*64+128, linear2 64*128+64, two norms 4*64.
	perLayer := 3*64*64 + 3*64 + 64*64 + 64 + 128*64 + 128 + 64*128 + 64 + 4*64
	for _, tc := range []struct {
		name   string
		cfg    Config
		params int
		str    string
		fwd    int64
	}{
		{"default", def, 64 + 64 + 60*64 + 2*perLayer + 2*64 + 64 + 1, "transformer 60x1 d64 h4 l2 ff128 -> 1",
			2*60*64 + // input
				2*60*64*(3*64+64+2*128) + 2*2*60*60*64 + // layer 1 at every position
				2*64*(4*64+2*128) + 2*2*4*60*64 + // layer 2 at the last position
				2*64},
		{"tiny", tinyTransformer, 16 + 8 + 40 + 2*(3*64+24+64+8+48+6+48+8+32) + 16 + 18, "transformer 5x2 d8 h2 l2 ff6 -> 2", 0},
		// Per layer at d 8, ff 6: 3*8*8+24 + 8*8+8 + 6*8+6 + 8*6+8 + 4*8 = 430.
		// Three layers: two at every one of the 6 positions, the last at
		// the last position only.
		{"three layers", Config{Model: ModelTransformer, In: 6, Out: 1, DModel: 8, Heads: 2, Layers: 3, FF: 6},
			8 + 8 + 48 + 3*430 + 16 + 9, "transformer 6x1 d8 h2 l3 ff6 -> 1",
			2*6*8 + 2*(2*6*8*(24+8+2*6)+2*2*6*6*8) + (2*8*(4*8+2*6) + 2*2*2*6*8) + 2*8},
		// One step: every layer, the last too, at its one position.
		{"one step", Config{Model: ModelTransformer, In: 3, Features: 3, Out: 1, DModel: 8, Heads: 2, Layers: 2, FF: 6},
			24 + 8 + 8 + 2*430 + 16 + 9, "transformer 1x3 d8 h2 l2 ff6 -> 1",
			2*3*8 + 2*(2*8*(24+8+2*6)+2*2*8) + 2*8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tc.cfg.NumParams(); got != tc.params {
				t.Errorf("NumParams = %d, want %d", got, tc.params)
			}
			if got := tc.cfg.String(); got != tc.str {
				t.Errorf("String = %q, want %q", got, tc.str)
			}
			fwd, bwd := tc.cfg.FLOPsPerSample()
			if tc.fwd != 0 && fwd != tc.fwd {
				t.Errorf("forward FLOPs %d, want %d", fwd, tc.fwd)
			}
			if in := int64(2 * tc.cfg.In * tc.cfg.DModel); bwd != 2*fwd-in {
				t.Errorf("backward FLOPs %d, want twice the forward's %d less the input projection's %d", bwd, fwd, in)
			}
			m, err := NewModel[float32](tc.cfg, 2)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := m.(*Transformer[float32]); !ok {
				t.Fatalf("NewModel built a %T", m)
			}
		})
	}
}

// TestTransformerStepAllocs proves the training step and the evaluation
// allocate nothing once warm, at both precisions.
func TestTransformerStepAllocs(t *testing.T) {
	cfg := Config{Model: ModelTransformer, In: 24, Features: 2, Out: 1, DModel: 16, Heads: 4, Layers: 2, FF: 32}
	t.Run("float32", func(t *testing.T) { checkModelAllocs[float32](t, cfg, 16) })
	t.Run("float64", func(t *testing.T) { checkModelAllocs[float64](t, cfg, 16) })
}

// addColSums adds four rows at a time as (r0 + r1) + (r2 + r3), the order
// the bitwise tests of resumed and repeated runs rely on: with db = 1 and
// rows 2^-53, 2^-53, 0, 0 that order gives 1 + 2^-52, row by row 1.
func TestAddColSumsOrder(t *testing.T) {
	e := math.Ldexp(1, -53)
	for _, tc := range []struct {
		name string
		d    []float64
		rows int
		want float64
	}{
		{"four rows", []float64{e, e, 0, 0}, 4, 1 + 2*e},
		{"five rows: four, then one", []float64{e, e, 0, 0, 2 * e}, 5, 1 + 4*e},
		{"three rows, one by one", []float64{e, e, 0}, 3, 1},
	} {
		db := []float64{1}
		addColSums(db, tc.d, 1, tc.rows)
		if db[0] != tc.want {
			t.Errorf("%s: %.17g, want %.17g", tc.name, db[0], tc.want)
		}
	}
}
