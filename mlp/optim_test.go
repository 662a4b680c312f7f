// Tests of the optimizers against values worked out by hand.
package mlp

import (
	"math"
	"strings"
	"testing"
)

// TestAdamFirstSteps checks two steps of Adam (lr 0.1, default betas and eps)
// on one parameter with gradients 0.5 then -0.25. By hand, for p0 = 1:
//
//	step 1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25,
//	        p = 1 - 0.1*0.5/(0.5+1e-8) = 0.90000000199999996...
//	step 2: m = 0.9*0.05 + 0.1*(-0.25) = 0.02,
//	        v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225,
//	        m̂ = 0.02/0.19, v̂ = 0.00031225/0.001999,
//	        p = p1 - 0.1*m̂/(sqrt(v̂)+1e-8) = 0.87336629870784616...
//
// With weight decay 0.01 and p0 = 2, Adam adds 0.02 to the first gradient
// (p1 = 2 - 0.1*0.52/(0.52+1e-8)) and AdamW first shrinks p to 1.998
// (p1 = 1.998 - 0.1*0.5/(0.5+1e-8)). Second steps were carried out the same
// way in 40-digit decimal arithmetic. The moments: Adam with L2 sees the
// gradients 0.52 and -0.25+0.01*p1, so m = 0.052 then 0.0237000000019230769
// and v = 0.0002704 then 0.000323490599991115; AdamW sees the plain
// gradients, as without decay.
func TestAdamFirstSteps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		p0, wd    float64
		decoupled bool
		want      [2]float64 // p after each step
		m, v      [2]float64 // the moments after each step
	}{
		{"plain", 1, 0, false, [2]float64{0.90000000199999996, 0.87336629870784616},
			[2]float64{0.05, 0.02}, [2]float64{0.00025, 0.00031225}},
		{"l2", 2, 0.01, false, [2]float64{1.9000000019230769, 1.8689922487277594},
			[2]float64{0.052, 0.0237000000019230769}, [2]float64{0.0002704, 0.000323490599991115385}},
		{"adamw", 2, 0.01, true, [2]float64{1.8980000019999999, 1.8694682987058462},
			[2]float64{0.05, 0.02}, [2]float64{0.00025, 0.00031225}},
	} {
		t.Run(tc.name+"/float64", func(t *testing.T) {
			a := NewAdam[float64](1)
			a.LR, a.WeightDecay, a.Decoupled = 0.1, tc.wd, tc.decoupled
			p := []float64{tc.p0}
			for s, g := range []float64{0.5, -0.25} {
				a.Step(p, []float64{g})
				if !(math.Abs(p[0]-tc.want[s]) <= 1e-15) {
					t.Errorf("step %d: p = %.17g, want %.17g", s+1, p[0], tc.want[s])
				}
				if !(relDiff(a.M[0], tc.m[s]) <= 1e-14) || !(relDiff(a.V[0], tc.v[s]) <= 1e-14) { // 1-Beta2 rounds to 0.0010000000000000009
					t.Errorf("step %d: m = %.17g, v = %.17g; want %.17g and %.17g", s+1, a.M[0], a.V[0], tc.m[s], tc.v[s])
				}
				if a.Steps != s+1 {
					t.Errorf("step %d: Steps = %d", s+1, a.Steps)
				}
			}
		})
		t.Run(tc.name+"/float32", func(t *testing.T) {
			a := NewAdam[float32](1)
			a.LR, a.WeightDecay, a.Decoupled = 0.1, tc.wd, tc.decoupled
			p := []float32{float32(tc.p0)}
			for s, g := range []float32{0.5, -0.25} {
				a.Step(p, []float32{g})
				if !(math.Abs(float64(p[0])-tc.want[s]) <= 1e-6) {
					t.Errorf("step %d: p = %.9g, want %.9g", s+1, p[0], tc.want[s])
				}
				if !(relDiff(float64(a.M[0]), tc.m[s]) <= 1e-6) || !(relDiff(float64(a.V[0]), tc.v[s]) <= 1e-6) {
					t.Errorf("step %d: m = %.9g, v = %.9g; want %.9g and %.9g", s+1, a.M[0], a.V[0], tc.m[s], tc.v[s])
				}
				if a.Steps != s+1 {
					t.Errorf("step %d: Steps = %d", s+1, a.Steps)
				}
			}
		})
	}
}

func TestAdamDefaults(t *testing.T) {
	a := NewAdam[float32](3)
	if a.LR != 1e-3 || a.Beta1 != 0.9 || a.Beta2 != 0.999 || a.Eps != 1e-8 || a.WeightDecay != 0 || a.Decoupled {
		t.Fatalf("defaults %+v, want PyTorch's", *a)
	}
	steps, bufs := a.State()
	if steps != &a.Steps || len(bufs) != 2 || &bufs[0][0] != &a.M[0] || &bufs[1][0] != &a.V[0] {
		t.Fatal("State does not expose Steps, M and V")
	}
}

// TestSGDFirstSteps: lr 0.1, gradient 0.5 at both steps, p0 = 1.
//
//	momentum 0.9: buf = 0.5, p = 0.95; buf = 0.45+0.5 = 0.95, p = 0.855
//	no momentum:  p = 0.95, then 0.9
//	momentum 0.9, weight decay 0.1: g = 0.6, buf = 0.6, p = 0.94;
//	              g = 0.5+0.094 = 0.594, buf = 0.54+0.594 = 1.134, p = 0.8266
func TestSGDFirstSteps(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mu, wd float64
		want   [2]float64 // p after each step
		buf    [2]float64 // the momentum buffer after each step
	}{
		{"momentum", 0.9, 0, [2]float64{0.95, 0.855}, [2]float64{0.5, 0.95}},
		{"plain", 0, 0, [2]float64{0.95, 0.9}, [2]float64{0.5, 0.5}},
		{"weight-decay", 0.9, 0.1, [2]float64{0.94, 0.8266}, [2]float64{0.6, 1.134}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSGD[float64](1, 0.1, tc.mu)
			s.WeightDecay = tc.wd
			p := []float64{1}
			for k := 0; k < 2; k++ {
				s.Step(p, []float64{0.5})
				if !(math.Abs(p[0]-tc.want[k]) <= 1e-15) {
					t.Errorf("step %d: p = %.17g, want %.17g", k+1, p[0], tc.want[k])
				}
				if !(math.Abs(s.Buf[0]-tc.buf[k]) <= 1e-15) || s.Steps != k+1 {
					t.Errorf("step %d: buf = %.17g after %d steps, want %.17g", k+1, s.Buf[0], s.Steps, tc.buf[k])
				}
			}
		})
	}
}

func TestNewOptimizer(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  TrainConfig
		want string
	}{
		{"default", TrainConfig{LR: 0.01}, "adam"},
		{"adamw", TrainConfig{LR: 0.01, Optimizer: "adamw", WeightDecay: 0.1}, "adamw"},
		{"sgd", TrainConfig{LR: 0.01, Optimizer: "sgd", Momentum: 0.5}, "sgd"},
		{"unknown", TrainConfig{LR: 0.01, Optimizer: "lbfgs"}, `mlp: optimizer "lbfgs"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := NewOptimizer[float32](tc.cfg, 4)
			got := ""
			switch o := o.(type) {
			case *Adam[float32]:
				got = "adam"
				if o.Decoupled {
					got = "adamw"
				}
				if o.LR != tc.cfg.LR || o.WeightDecay != tc.cfg.WeightDecay || len(o.M) != 4 {
					t.Errorf("adam %+v from %+v", *o, tc.cfg)
				}
			case *SGD[float32]:
				got = "sgd"
				if o.LR != tc.cfg.LR || o.Momentum != tc.cfg.Momentum || len(o.Buf) != 4 {
					t.Errorf("sgd %+v from %+v", *o, tc.cfg)
				}
			}
			if err != nil {
				got = err.Error()
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOptimizerLengthPanic(t *testing.T) {
	defer func() {
		if r, _ := recover().(string); !strings.HasPrefix(r, "mlp: adam step with 2 params") {
			t.Fatalf("panic %q", r)
		}
	}()
	NewAdam[float64](3).Step(make([]float64, 2), make([]float64, 2))
}
