// Tests of the LSTM: gradients against finite differences and against
// PyTorch, float32 against float64, shapes, the float32 math functions.
package mlp

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// modelSSE runs Forward and returns the SUM of squared errors and, when dOut
// is not nil, its gradient 2*(pred-y) w.r.t. the output: the loss the
// training step differentiates.
func modelSSE[T Float](m Model[T], x, y []T, rows int, dOut []T) float64 {
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

// randomize sets every parameter of m, biases included, to a draw from
// U(-a, a): away from Init's zeros and ones, so every term of the gradient
// is exercised.
func randomize[T Float](m Model[T], seed uint64, a float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	for i := range m.Params() {
		m.Params()[i] = T(a * (2*rng.Float64() - 1))
	}
}

// TestLSTMGradientFiniteDifference checks Backward against central finite
// differences for EVERY parameter of tiny LSTMs, and reports the largest
// error of each tensor by name. The largest error measured is about 1e-9
// against gradients of order 1.
func TestLSTMGradientFiniteDifference(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		rows  int
		zeros int // gradients that are exactly 0 by construction
	}{
		{"two-layers", Config{Model: ModelLSTM, In: 10, Features: 2, Hidden: []int{3, 4}, Out: 2}, 3, 0},
		{"three-layers", Config{Model: ModelLSTM, In: 12, Features: 3, Hidden: []int{2, 3, 2}, Out: 1}, 2, 0},
		// One step: h_0 = c_0 = 0, so W_hh (12x3) and the forget gate's
		// rows of W_ih (3x2) and of the bias (3) get no gradient.
		{"one-step", Config{Model: ModelLSTM, In: 2, Features: 2, Hidden: []int{3}, Out: 2}, 3, 36 + 6 + 3},
		{"one-feature", Config{Model: ModelLSTM, In: 7, Hidden: []int{4}, Out: 1}, 4, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewLSTM[float64](tc.cfg, tc.rows+2)
			randomize[float64](m, 1, 0.7)
			d := synth[float64](tc.rows, tc.cfg.In, tc.cfg.Out, 5, false)

			dOut := make([]float64, tc.rows*tc.cfg.Out)
			m.ZeroGrad()
			modelSSE[float64](m, d.X, d.Y, tc.rows, dOut)
			m.Backward(d.X, dOut, tc.rows)
			got := append([]float64(nil), m.Grads()...)

			p0 := append([]float64(nil), m.Params()...)
			f := func(p []float64) float64 {
				copy(m.Params(), p)
				return modelSSE[float64](m, d.X, d.Y, tc.rows, nil)
			}
			want := fd.Gradient(nil, f, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			copy(m.Params(), p0)

			worst, zeros := 0.0, 0
			for _, ts := range tc.cfg.Tensors() {
				maxErr := 0.0
				for i := ts.Off; i < ts.Off+ts.Size(); i++ {
					maxErr = max(maxErr, math.Abs(got[i]-want[i])/(1+math.Abs(want[i])))
					if got[i] == 0 {
						zeros++
					}
				}
				if !(maxErr <= 1e-7) {
					t.Errorf("%s: Backward and finite differences differ by up to %.3g (relative to 1+|g|)", ts.Name, maxErr)
				}
				worst = max(worst, maxErr)
			}
			if zeros != tc.zeros {
				t.Errorf("%d gradients are exactly 0, want %d: the check is weaker than it looks", zeros, tc.zeros)
			}
			t.Logf("largest error %.3g", worst)
		})
	}
}

// lstmFixture is one case of testdata/lstm_torch.json, written by
// scripts/pytorch/fixture_lstm.py.
type lstmFixture struct {
	Name                 string
	Features, Steps, Out int
	Hidden               []int
	Rows                 int
	X, Y, Output         []float64
	Loss                 float64
	Params, Grads        map[string][]float64
}

func loadLSTMFixtures(t *testing.T) []lstmFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/lstm_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []lstmFixture }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) == 0 {
		t.Fatal("no cases in testdata/lstm_torch.json")
	}
	return doc.Cases
}

// load builds the fixture's LSTM at T with its parameters.
func (f *lstmFixture) load(t *testing.T) (*LSTM[float64], Config) {
	t.Helper()
	cfg := Config{Model: ModelLSTM, In: f.Steps * f.Features, Features: f.Features, Hidden: f.Hidden, Out: f.Out}
	m := NewLSTM[float64](cfg, f.Rows)
	for _, ts := range cfg.Tensors() {
		p, ok := f.Params[ts.Name]
		if !ok || len(p) != ts.Size() {
			t.Fatalf("fixture tensor %s: %d values, want %d", ts.Name, len(p), ts.Size())
		}
		copy(m.Params()[ts.Off:], p)
	}
	if len(f.Params) != len(cfg.Tensors()) {
		t.Fatalf("fixture has %d tensors, the model %d", len(f.Params), len(cfg.Tensors()))
	}
	return m, cfg
}

// relErr is |got-want| / max(|want|, floor).
func relErr(got, want, floor float64) float64 {
	return math.Abs(got-want) / math.Max(math.Abs(want), floor)
}

// TestLSTMTorchFixture runs PyTorch's weights and inputs through the LSTM
// at float64 and requires PyTorch's outputs and every parameter gradient
// to 1e-6 relative. Relative errors are taken against max(|want|, 1e-9):
// the values are of order 0.01 to 1, and two float64 implementations that
// sum in different orders differ by about 1e-16 times the sum of the
// magnitudes of the terms (a few hundred terms of order 1 here), so 1e-9
// is far above that rounding and far below any value a wrong term would
// produce. The largest differences measured are about 1e-14.
func TestLSTMTorchFixture(t *testing.T) {
	const tol, floor = 1e-6, 1e-9
	for _, f := range loadLSTMFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			m, cfg := f.load(t)
			out := m.Forward(f.X, f.Rows)
			worstOut := 0.0
			for i := range out {
				worstOut = max(worstOut, relErr(out[i], f.Output[i], floor))
			}
			if worstOut > tol {
				t.Errorf("output: largest relative difference from PyTorch %.3g", worstOut)
			}
			dOut := make([]float64, len(out))
			loss := modelSSE[float64](m, f.X, f.Y, f.Rows, dOut)
			if e := relErr(loss, f.Loss, floor); e > tol {
				t.Errorf("loss %.17g, PyTorch %.17g", loss, f.Loss)
			}
			m.ZeroGrad()
			m.Backward(f.X, dOut, f.Rows)
			worstGrad := 0.0
			for _, ts := range cfg.Tensors() {
				want := f.Grads[ts.Name]
				if len(want) != ts.Size() {
					t.Fatalf("fixture gradient %s: %d values, want %d", ts.Name, len(want), ts.Size())
				}
				w := 0.0
				for i, g := range m.Grads()[ts.Off : ts.Off+ts.Size()] {
					w = max(w, relErr(g, want[i], floor))
				}
				if w > tol {
					t.Errorf("%s: largest relative difference from PyTorch %.3g", ts.Name, w)
				}
				worstGrad = max(worstGrad, w)
			}
			t.Logf("largest relative differences from PyTorch: outputs %.3g, gradients %.3g", worstOut, worstGrad)
		})
	}
}

// TestLSTMFloat32 runs the same weights and inputs at float32 and float64:
// outputs and gradients agree to float32 precision, 1e-4 relative. For
// gradients the relative difference is taken against max(|g|, 1e-2 * the
// tensor's largest |g|): a gradient summed over steps and rows from terms
// of both signs can be tiny, and its float32 error is about 1e-7 times the
// tensor's largest values, not its own (measured: 2e-7 of the largest at a
// gradient 2.5e-4 times the largest).
func TestLSTMFloat32(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		rows int
	}{
		{"bench-shape", Config{Model: ModelLSTM, In: 60, Hidden: []int{64}, Out: 1}, 16},
		{"stacked", Config{Model: ModelLSTM, In: 24, Features: 3, Hidden: []int{13, 8}, Out: 2}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m64 := NewLSTM[float64](tc.cfg, tc.rows)
			m64.Init(3)
			m32 := NewLSTM[float32](tc.cfg, tc.rows)
			for i, p := range m64.Params() {
				m32.Params()[i] = float32(p)
			}
			d := synth[float64](tc.rows, tc.cfg.In, tc.cfg.Out, 8, false)
			d32 := Split[float32]{X: f32s(d.X), Y: f32s(d.Y), N: d.N}
			dOut64 := make([]float64, tc.rows*tc.cfg.Out)
			dOut32 := make([]float32, tc.rows*tc.cfg.Out)
			modelSSE[float64](m64, d.X, d.Y, tc.rows, dOut64)
			out64 := append([]float64(nil), m64.out[:tc.rows*tc.cfg.Out]...)
			modelSSE[float32](m32, d32.X, d32.Y, tc.rows, dOut32)
			for i := range out64 {
				if e := relErr(float64(m32.out[i]), out64[i], 1e-3); !(e <= 1e-5) {
					t.Errorf("output %d: %g at float32, %g at float64", i, m32.out[i], out64[i])
				}
			}
			m64.Backward(d.X, dOut64, tc.rows)
			m32.Backward(d32.X, dOut32, tc.rows)
			for _, ts := range tc.cfg.Tensors() {
				g64, g32 := m64.Grads()[ts.Off:ts.Off+ts.Size()], m32.Grads()[ts.Off:ts.Off+ts.Size()]
				scale := 0.0
				for _, g := range g64 {
					scale = max(scale, math.Abs(g))
				}
				w := 0.0
				for i := range g64 {
					w = max(w, relErr(float64(g32[i]), g64[i], 1e-2*scale))
				}
				if !(w <= 1e-4) {
					t.Errorf("%s: float32 and float64 gradients differ by up to %.3g", ts.Name, w)
				}
			}
		})
	}
}

// TestLSTMChunks: a batch through a model built for more rows, and in
// chunks through Predict, gives the outputs of one Forward of the whole
// batch (the time-major buffers depend on rows).
func TestLSTMChunks(t *testing.T) {
	cfg := Config{Model: ModelLSTM, In: 12, Features: 2, Hidden: []int{5, 3}, Out: 2}
	small, big := NewLSTM[float64](cfg, 3), NewLSTM[float64](cfg, 20)
	small.Init(4)
	big.Init(4)
	d := synth[float64](11, cfg.In, cfg.Out, 9, false)
	got := make([]float64, 11*cfg.Out)
	Predict[float64](small, d.X, 11, got)
	want := big.Forward(d.X, 11)
	for i := range want {
		if !(relErr(got[i], want[i], 1e-12) <= 1e-12) {
			t.Fatalf("Predict in chunks of 3: out[%d] = %g, Forward of 11: %g", i, got[i], want[i])
		}
	}
}

// TestLSTMBackwardAdds: Backward adds into Grads (twice gives twice) and
// leaves dOut alone.
func TestLSTMBackwardAdds(t *testing.T) {
	cfg := Config{Model: ModelLSTM, In: 8, Features: 2, Hidden: []int{3, 3}, Out: 2}
	m := NewLSTM[float64](cfg, 4)
	randomize[float64](m, 2, 0.5)
	d := synth[float64](4, cfg.In, cfg.Out, 2, false)
	dOut := make([]float64, 8)
	modelSSE[float64](m, d.X, d.Y, 4, dOut)
	keep := append([]float64(nil), dOut...)
	m.Backward(d.X, dOut, 4)
	once := append([]float64(nil), m.Grads()...)
	scale := 0.0
	for _, g := range once {
		scale = max(scale, math.Abs(g))
	}
	m.Backward(d.X, dOut, 4)
	for i := range once {
		// Not exactly twice: a GEMM adding into C may add its terms one by one.
		if !(math.Abs(m.Grads()[i]-2*once[i]) <= 1e-14*scale) {
			t.Fatalf("grad %d after two Backward calls is %g, want 2*%g", i, m.Grads()[i], once[i])
		}
	}
	for i := range keep {
		if dOut[i] != keep[i] {
			t.Fatalf("Backward changed dOut[%d]", i)
		}
	}
}

func TestLSTMInit(t *testing.T) {
	cfg := Config{Model: ModelLSTM, In: 60, Hidden: []int{64, 32}, Out: 3}
	a, b, f := NewLSTM[float64](cfg, 1), NewLSTM[float64](cfg, 1), NewLSTM[float32](cfg, 1)
	a.Init(7)
	b.Init(7)
	f.Init(7)
	for i, p := range a.Params() {
		if p != b.Params()[i] || f.Params()[i] != float32(p) {
			t.Fatalf("param %d: Init is not deterministic, or float32 is not float64 rounded", i)
		}
	}
	for _, ts := range cfg.Tensors() {
		v := a.Params()[ts.Off : ts.Off+ts.Size()]
		switch {
		case strings.HasPrefix(ts.Name, "lstm.bias"):
			nH := ts.Size() / 4
			for j, x := range v {
				if want := map[bool]float64{true: 1}[j >= nH && j < 2*nH]; x != want {
					t.Fatalf("%s[%d] = %g, want %g (1 for the forget gate, else 0)", ts.Name, j, x, want)
				}
			}
		default:
			fanIn := cfg.Hidden[0]
			if strings.HasSuffix(ts.Name, "l1") || strings.HasPrefix(ts.Name, "head") {
				fanIn = cfg.Hidden[1]
			}
			k := 1 / math.Sqrt(float64(fanIn))
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, x := range v {
				lo, hi = min(lo, x), max(hi, x)
			}
			if lo < -k || hi > k || (ts.Size() > 100 && (lo > -0.9*k || hi < 0.9*k)) {
				t.Errorf("%s in [%g, %g], want U(-%g, %g)", ts.Name, lo, hi, k, k)
			}
		}
	}
}

func TestLSTMPanics(t *testing.T) {
	cfg := Config{Model: ModelLSTM, In: 6, Features: 2, Hidden: []int{4}, Out: 2}
	m := NewLSTM[float64](cfg, 5)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"rows-above-max", func() { m.Forward(make([]float64, 36), 6) }, "mlp: 6 rows"},
		{"negative-rows", func() { m.Forward(nil, -1) }, "mlp: -1 rows"},
		{"short-x", func() { m.Forward(make([]float64, 17), 3) }, "mlp: x has length 17"},
		{"backward-short-x", func() { m.Backward(make([]float64, 5), make([]float64, 6), 3) }, "mlp: x has length 5"},
		{"long-dOut", func() { m.Backward(make([]float64, 18), make([]float64, 7), 3) }, "mlp: dOut has length 7"},
		{"predict-out", func() { Predict[float64](m, make([]float64, 18), 3, make([]float64, 5)) }, "mlp: Predict"},
		{"grad-buffer", func() { m.useGrads(make([]float64, 3)) }, "mlp: gradient buffer of 3"},
		{"no-layers", func() { NewLSTM[float32](Config{Model: ModelLSTM, In: 6, Out: 1}, 1) }, "mlp: an lstm needs"},
		{"features", func() { NewLSTM[float32](Config{Model: ModelLSTM, In: 7, Features: 2, Hidden: []int{3}, Out: 1}, 1) }, "mlp: 2 features"},
		{"mlp-config", func() { NewLSTM[float32](Config{In: 6, Out: 1}, 1) }, "mlp: NewLSTM of a mlp config"},
		{"bad-batch", func() { NewLSTM[float32](cfg, 0) }, "mlp: maxBatch 0"},
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

func TestLSTMConfig(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		str      string
		params   int
		fwd, bwd int64
	}{
		// 4H(in+H+1) per layer, then Out(H+1); fwd 2*T*4H*in + 2*(T-1)*4H*H + 2*H*Out.
		{"bench", Config{Model: ModelLSTM, In: 60, Hidden: []int{64}, Out: 1}, "lstm 60x1-64-1",
			256*66 + 65, 2*60*256 + 2*59*256*64 + 128, 2*60*256 + 4*59*256*64 + 256},
		{"stacked", Config{Model: ModelLSTM, In: 10, Features: 2, Hidden: []int{3, 4}, Out: 2}, "lstm 5x2-3-4-2",
			12*6 + 16*8 + 2*5, 2*5*12*2 + 2*4*12*3 + 2*5*16*3 + 2*4*16*4 + 2*4*2,
			2*5*12*2 + 4*4*12*3 + 2*2*5*16*3 + 4*4*16*4 + 4*4*2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			if s := tc.cfg.String(); s != tc.str {
				t.Errorf("String() = %q, want %q", s, tc.str)
			}
			if n := tc.cfg.NumParams(); n != tc.params {
				t.Errorf("NumParams = %d, want %d", n, tc.params)
			}
			if f, b := tc.cfg.FLOPsPerSample(); f != tc.fwd || b != tc.bwd {
				t.Errorf("FLOPsPerSample = %d, %d; want %d, %d", f, b, tc.fwd, tc.bwd)
			}
			m, err := NewModel[float32](tc.cfg, 2)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := m.(*LSTM[float32]); !ok || len(m.Params()) != tc.params {
				t.Errorf("NewModel gave %T with %d parameters", m, len(m.Params()))
			}
		})
	}
}

// TestFastMath32 measures exp32, sigmoid32 and tanh32 against package
// math over their whole useful range, and requires a relative error below
// 3e-7 (the measured maxima are printed with -v).
func TestFastMath32(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      func(float32) float32
		want   func(float64) float64
		lo, hi float64
	}{
		{"exp32", exp32, math.Exp, -87, 88},
		{"sigmoid32", sigmoid32, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, -87, 87},
		{"tanh32", tanh32, math.Tanh, -20, 20},
		{"tanh32-small", tanh32, math.Tanh, -1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			worst, at := 0.0, 0.0
			check := func(x32 float32) {
				x := float64(x32)
				want := tc.want(x)
				if got := float64(tc.f(x32)); got != want {
					if e := math.Abs(got-want) / math.Abs(want); e > worst || math.IsNaN(e) {
						worst, at = e, x
					}
				}
			}
			const n = 1 << 20
			for k := 0; k <= n; k++ {
				check(float32(tc.lo + (tc.hi-tc.lo)*float64(k)/n))
			}
			for _, x := range []float32{0, 1e-30, -1e-30, 1e-7, -3e-4, tanhCut, -tanhCut, math.Nextafter32(tanhCut, 0)} {
				check(x)
			}
			if !(worst < 3e-7) {
				t.Errorf("relative error %.3g at x = %.9g", worst, at)
			}
			t.Logf("largest relative error %.3g at x = %.9g", worst, at)
		})
	}
	for _, tc := range []struct {
		name string
		got  float32
		want float32
	}{
		{"exp-overflow", exp32(1000), exp32(88)},
		{"sigmoid-far-left", sigmoid32(-1000), sigmoid32(-88)},
		{"sigmoid-far-right", sigmoid32(1000), 1},
		{"tanh-far", tanh32(-1000), -1},
		{"tanh-negative-zero", tanh32(float32(math.Copysign(0, -1))), float32(math.Copysign(0, -1))},
	} {
		if math.Float32bits(tc.got) != math.Float32bits(tc.want) {
			t.Errorf("%s: %g, want %g", tc.name, tc.got, tc.want)
		}
	}
	if x := exp32(float32(math.NaN())); x == x {
		t.Errorf("exp32(NaN) = %g", x)
	}
}
