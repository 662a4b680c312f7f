// Tests of the network: gradients against finite differences, shapes, GEMM.
package mlp

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// sseLoss runs Forward and returns the SUM of squared errors and its
// gradient w.r.t. the output, the loss the training step differentiates.
func sseLoss(n *Net[float64], x, y []float64, rows int, dOut []float64) float64 {
	pred := n.Forward(x, rows)
	s := 0.0
	for i, p := range pred {
		d := p - y[i]
		s += d * d
		if dOut != nil {
			dOut[i] = 2 * d
		}
	}
	return s
}

// TestGradientFiniteDifference checks Backward against central finite
// differences for EVERY parameter of a tiny 5-4-3-2 net. The seeds were
// chosen so that no ReLU pre-activation sits within the stencil of a kink
// (the check would fail if one did).
func TestGradientFiniteDifference(t *testing.T) {
	for _, tc := range []struct {
		name string
		act  string
		seed uint64
	}{
		{"relu", ActReLU, 3},
		{"tanh", ActTanh, 3},
		{"relu-other-seed", ActReLU, 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{In: 5, Hidden: []int{4, 3}, Out: 2, Act: tc.act}
			const rows = 4
			n := NewNet[float64](cfg, rows)
			n.Init(tc.seed)
			// Non-zero biases so their gradients are exercised away from 0.
			for l := range n.layers {
				for j := range n.layers[l].b {
					n.layers[l].b[j] = 0.1 * float64(j+1)
				}
			}
			d := synth[float64](rows, cfg.In, cfg.Out, tc.seed+100, false)

			dOut := make([]float64, rows*cfg.Out)
			n.ZeroGrad()
			sseLoss(n, d.X, d.Y, rows, dOut)
			n.Backward(d.X, dOut, rows)
			got := append([]float64(nil), n.Grads()...)

			p0 := append([]float64(nil), n.Params()...)
			f := func(p []float64) float64 {
				copy(n.Params(), p)
				return sseLoss(n, d.X, d.Y, rows, nil)
			}
			want := fd.Gradient(nil, f, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			copy(n.Params(), p0)

			if len(got) != cfg.NumParams() || len(want) != len(got) {
				t.Fatalf("gradient lengths %d and %d, want %d", len(got), len(want), cfg.NumParams())
			}
			zeros := 0
			for i := range got {
				if got[i] == 0 {
					zeros++
				}
				if !(math.Abs(got[i]-want[i]) <= 1e-7*(1+math.Abs(want[i]))) {
					t.Errorf("param %d: Backward %.10g, finite difference %.10g", i, got[i], want[i])
				}
			}
			if zeros > len(got)/2 {
				t.Errorf("%d of %d gradients are exactly 0: the check is too weak", zeros, len(got))
			}
		})
	}
}

func TestBackwardAdds(t *testing.T) {
	cfg := Config{In: 3, Hidden: []int{5}, Out: 2}
	n := NewNet[float64](cfg, 4)
	n.Init(1)
	d := synth[float64](4, 3, 2, 2, false)
	dOut := make([]float64, 8)
	sseLoss(n, d.X, d.Y, 4, dOut)
	keep := append([]float64(nil), dOut...)
	n.Backward(d.X, dOut, 4)
	once := append([]float64(nil), n.Grads()...)
	n.Backward(d.X, dOut, 4)
	for i := range once {
		if !(math.Abs(n.Grads()[i]-2*once[i]) <= 1e-14*math.Abs(once[i])) {
			t.Fatalf("grad %d after two Backward calls is %g, want 2*%g", i, n.Grads()[i], once[i])
		}
	}
	for i := range keep {
		if dOut[i] != keep[i] {
			t.Fatalf("Backward changed dOut[%d]", i)
		}
	}
	n.ZeroGrad()
	for i, g := range n.Grads() {
		if g != 0 {
			t.Fatalf("grad %d is %g after ZeroGrad", i, g)
		}
	}
}

// TestNetFloat32 runs the same weights and inputs through the net at float32
// and float64: outputs and every parameter's gradient agree to 1e-4
// relative, measured as TestLSTMFloat32 measures gradients: against
// max(|v|, 1e-2 * the largest |v| of its tensor), since a sum of terms of
// both signs can be tiny while its float32 error scales with the terms.
// The float32 path has its own GEMM and ReLU kernels; this ties them to the
// float64 path that TestGradientFiniteDifference checks.
func TestNetFloat32(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		rows int
	}{
		{"default-shape-relu", Config{In: 60, Hidden: []int{128, 128}, Out: 1, Act: ActReLU}, 16},
		{"tanh-horizon", Config{In: 12, Hidden: []int{9, 7}, Out: 3, Act: ActTanh}, 5},
		{"linear", Config{In: 7, Out: 2}, 6},
		{"tiled-relu", Config{In: 70, Hidden: []int{200}, Out: 2, Act: ActReLU}, 65},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m64, m32 := NewNet[float64](tc.cfg, tc.rows), NewNet[float32](tc.cfg, tc.rows)
			randomize[float64](m64, 9, 0.25) // biases away from 0 too
			for i, p := range m64.Params() {
				m32.Params()[i] = float32(p)
			}
			d := synth[float64](tc.rows, tc.cfg.In, tc.cfg.Out, 8, false)
			x32, y32 := f32s(d.X), f32s(d.Y)
			dOut64 := make([]float64, tc.rows*tc.cfg.Out)
			dOut32 := make([]float32, tc.rows*tc.cfg.Out)
			out64 := append([]float64(nil), m64.Forward(d.X, tc.rows)...)
			out32 := m32.Forward(x32, tc.rows)
			if len(out64) != tc.rows*tc.cfg.Out || len(out32) != len(out64) {
				t.Fatalf("outputs of %d and %d values, want %d", len(out32), len(out64), tc.rows*tc.cfg.Out)
			}
			worst, at := relWorst(f64s(out32), out64)
			if !(worst <= 1e-4) {
				t.Errorf("outputs differ by %.3g at %d: %g at float32, %g at float64", worst, at, out32[at], out64[at])
			}
			largest := worst
			modelSSE[float64](m64, d.X, d.Y, tc.rows, dOut64)
			modelSSE[float32](m32, x32, y32, tc.rows, dOut32)
			m64.ZeroGrad()
			m32.ZeroGrad()
			m64.Backward(d.X, dOut64, tc.rows)
			m32.Backward(x32, dOut32, tc.rows)
			zeros := 0
			for _, ts := range tc.cfg.Tensors() {
				g64, g32 := m64.Grads()[ts.Off:ts.Off+ts.Size()], m32.Grads()[ts.Off:ts.Off+ts.Size()]
				for _, g := range g64 {
					if g == 0 {
						zeros++
					}
				}
				worst, at := relWorst(f64s(g32), g64)
				largest = max(largest, worst)
				if !(worst <= 1e-4) {
					t.Errorf("%s: float32 and float64 gradients differ by %.3g at %d: %g vs %g", ts.Name, worst, at, g32[at], g64[at])
				}
			}
			t.Logf("largest relative difference: %.3g", largest)
			if n := tc.cfg.NumParams(); zeros > n/4 {
				t.Errorf("%d of %d float64 gradients are exactly 0: the comparison is too weak", zeros, n)
			}
		})
	}
}

// TestGemm compares every transpose combination, at sizes that cross the
// tile boundaries, with a naive triple loop.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name    string
		m, n, k int
	}{
		{"small", 3, 4, 5},
		{"tile-edges", 65, 193, 7},
		{"large", 130, 400, 70},
	} {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			a := make([]float64, tc.m*tc.k)
			b := make([]float64, tc.k*tc.n)
			c := make([]float64, tc.m*tc.n)
			for _, s := range [][]float64{a, b, c} {
				for i := range s {
					s[i] = rng.Float64() - 0.5
				}
			}
			lda, ldb := tc.k, tc.n
			at := func(i, l int) float64 { return a[i*lda+l] }
			bt := func(l, j int) float64 { return b[l*ldb+j] }
			if tr[0] {
				lda = tc.m
				at = func(i, l int) float64 { return a[l*lda+i] }
			}
			if tr[1] {
				ldb = tc.k
				bt = func(l, j int) float64 { return b[j*ldb+l] }
			}
			want := make([]float64, len(c))
			for i := 0; i < tc.m; i++ {
				for j := 0; j < tc.n; j++ {
					s := 0.0
					for l := 0; l < tc.k; l++ {
						s += at(i, l) * bt(l, j)
					}
					want[i*tc.n+j] = 1.5*s + 0.5*c[i*tc.n+j]
				}
			}
			gemm(tr[0], tr[1], tc.m, tc.n, tc.k, 1.5, a, lda, b, ldb, 0.5, c, tc.n)
			c32 := make([]float32, len(c))
			gemm(tr[0], tr[1], tc.m, tc.n, tc.k, 1, f32s(a), lda, f32s(b), ldb, 0, c32, tc.n)
			for i := range want {
				if !(math.Abs(c[i]-want[i]) <= 1e-12) {
					t.Fatalf("%s %v: c[%d] = %g, want %g", tc.name, tr, i, c[i], want[i])
				}
			}
			// float32 against float64 product (without the beta term).
			for i := 0; i < tc.m; i++ {
				for j := 0; j < tc.n; j++ {
					s := 0.0
					for l := 0; l < tc.k; l++ {
						s += float64(float32(at(i, l))) * float64(float32(bt(l, j)))
					}
					if !(math.Abs(float64(c32[i*tc.n+j])-s) <= 1e-4) {
						t.Fatalf("%s %v float32: c[%d,%d] = %g, want %g", tc.name, tr, i, j, c32[i*tc.n+j], s)
					}
				}
			}
		}
	}
}

// relWorst is the largest relErr of got against want, with the floor 1e-2
// times the largest |want|, and where it is.
func relWorst(got, want []float64) (worst float64, at int) {
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	for i := range want {
		if e := relErr(got[i], want[i], 1e-2*scale); !(e <= worst) {
			worst, at = e, i
		}
	}
	return worst, at
}

func f64s[T Float](s []T) []float64 {
	o := make([]float64, len(s))
	for i, v := range s {
		o[i] = float64(v)
	}
	return o
}

func f32s(s []float64) []float32 {
	o := make([]float32, len(s))
	for i, v := range s {
		o[i] = float32(v)
	}
	return o
}

func TestPredictChunks(t *testing.T) {
	cfg := Config{In: 6, Hidden: []int{8}, Out: 2, Act: ActTanh}
	small := NewNet[float64](cfg, 3)
	big := NewNet[float64](cfg, 20)
	small.Init(5)
	big.Init(5)
	d := synth[float64](17, 6, 2, 9, false)
	got := make([]float64, 17*2)
	Predict[float64](small, d.X, 17, got)
	want := big.Forward(d.X, 17)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Predict in chunks of 3: out[%d] = %g, Forward of 17: %g", i, got[i], want[i])
		}
	}
}

// Predict of no rows writes nothing; lengths that do not fit the rows
// panic with both lengths and what they should be.
func TestPredictShapes(t *testing.T) {
	m := NewNet[float64](Config{In: 3, Hidden: []int{4}, Out: 2}, 5)
	Predict[float64](m, nil, 0, nil)
	for _, tc := range []struct {
		name    string
		rows    int
		x, out  int
		message string
	}{
		{"short x", 2, 5, 4, "mlp: Predict of 2 rows with len(x)=5, len(out)=4; want 6 and 4"},
		{"long out", 2, 6, 5, "mlp: Predict of 2 rows with len(x)=6, len(out)=5; want 6 and 4"},
		{"negative rows", -1, 0, 0, "mlp: Predict of -1 rows with len(x)=0, len(out)=0; want -3 and -2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != tc.message {
					t.Errorf("panic %v, want %q", r, tc.message)
				}
			}()
			Predict[float64](m, make([]float64, tc.x), tc.rows, make([]float64, tc.out))
		})
	}
}

func TestInit(t *testing.T) {
	cfg := Config{In: 200, Hidden: []int{300}, Out: 1}
	a, b := NewNet[float64](cfg, 1), NewNet[float64](cfg, 1)
	a.Init(7)
	b.Init(7)
	for i := range a.Params() {
		if a.Params()[i] != b.Params()[i] {
			t.Fatal("Init with the same seed differs")
		}
	}
	f := NewNet[float32](cfg, 1)
	f.Init(7)
	for i := range a.Params() {
		if f.Params()[i] != float32(a.Params()[i]) {
			t.Fatal("float32 Init is not the float64 one rounded")
		}
	}
	// He: the first layer's weights have variance 2/fan_in; biases are 0.
	w := a.layers[0].w
	v := 0.0
	for _, x := range w {
		v += x * x
	}
	v /= float64(len(w))
	if !(math.Abs(v-2.0/200) <= 0.05*2.0/200) {
		t.Errorf("He variance %g, want about %g", v, 2.0/200)
	}
	for _, x := range a.layers[0].b {
		if x != 0 {
			t.Fatal("bias not 0 after Init")
		}
	}
	tc := cfg
	tc.Act = ActTanh
	g := NewNet[float64](tc, 1)
	g.Init(7)
	lim := math.Sqrt(6.0 / 500)
	for _, x := range g.layers[0].w {
		if !(math.Abs(x) <= lim) {
			t.Fatalf("Glorot weight %g outside ±%g", x, lim)
		}
	}
}

func TestNetPanics(t *testing.T) {
	cfg := Config{In: 3, Hidden: []int{4}, Out: 2}
	n := NewNet[float64](cfg, 5)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"rows-above-max", func() { n.Forward(make([]float64, 18), 6) }, "mlp: 6 rows"},
		{"negative-rows", func() { n.Forward(nil, -1) }, "mlp: -1 rows"},
		{"short-x", func() { n.Forward(make([]float64, 8), 3) }, "mlp: x has length 8"},
		{"long-dOut", func() { n.Backward(make([]float64, 9), make([]float64, 7), 3) }, "mlp: dOut has length 7"},
		{"predict-out", func() { Predict[float64](n, make([]float64, 9), 3, make([]float64, 5)) }, "mlp: Predict"},
		{"bad-config", func() { NewNet[float32](Config{In: 0, Out: 1}, 1) }, "mlp: input width 0"},
		{"bad-batch", func() { NewNet[float32](cfg, 0) }, "mlp: maxBatch 0"},
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

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		err      string
		params   int
		fwd, bwd int64
	}{
		{"default", DefaultConfig(), "", 24449, 2 * (60*128 + 128*128 + 128), 2 * (60*128 + 2*128*128 + 2*128)},
		{"linear", Config{In: 4, Out: 2}, "", 10, 16, 16},
		{"tanh", Config{In: 2, Hidden: []int{3}, Out: 1, Act: "tanh"}, "", 13, 18, 24},
		{"no-input", Config{In: 0, Out: 1}, "mlp: input width 0, want >= 1", 0, 0, 0},
		{"no-output", Config{In: 1, Out: 0}, "mlp: output width 0, want >= 1", 0, 0, 0},
		{"empty-hidden", Config{In: 1, Hidden: []int{3, 0}, Out: 1}, "mlp: hidden layer 2 has width 0, want >= 1", 0, 0, 0},
		{"bad-act", Config{In: 1, Out: 1, Act: "gelu"}, `mlp: activation "gelu", want "relu" or "tanh"`, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("Validate() = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.cfg.NumParams(); got != tc.params {
				t.Errorf("NumParams = %d, want %d", got, tc.params)
			}
			if f, b := tc.cfg.FLOPsPerSample(); f != tc.fwd || b != tc.bwd {
				t.Errorf("FLOPsPerSample = %d, %d; want %d, %d", f, b, tc.fwd, tc.bwd)
			}
		})
	}
}

func TestMLPConfigString(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{In: 60, Hidden: []int{128, 128}, Out: 1, Act: ActReLU}, "60-128-128-1 relu"},
		{Config{In: 5, Hidden: []int{3}, Out: 2, Act: ActTanh}, "5-3-2 tanh"},
		{Config{In: 5, Out: 2}, "5-2 relu"}, // no activation named: the default
	} {
		if got := tc.cfg.String(); got != tc.want {
			t.Errorf("%+v: String() = %q, want %q", tc.cfg, got, tc.want)
		}
	}
}
