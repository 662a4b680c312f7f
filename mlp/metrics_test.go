// Tests of the metrics and baselines.
package mlp

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name                 string
		pred, actual, last   []float64
		mse, mae, r2, dirAcc float64
	}{
		{"perfect", []float64{1, 2, 3}, []float64{1, 2, 3}, []float64{0, 0, 0}, 0, 0, 1, 1},
		{"mean", []float64{2, 2, 2}, []float64{1, 2, 3}, []float64{2, 2, 2}, 2.0 / 3, 2.0 / 3, 0, 1.0 / 3},
		{"off-by-one", []float64{2, 3, 4, 5}, []float64{1, 2, 3, 4}, []float64{1.5, 2.5, 3.5, 4.5}, 1, 1, 1 - 4.0/5, 0},
		{"signs", []float64{1, -1, 0.5, 2}, []float64{-1, -1, 0.5, 3}, []float64{0, 0, 1, 2}, 1.25, 0.75, 1 - 5.0/10.6875, 0.5},
		{"constant-actual", []float64{1, 3}, []float64{2, 2}, []float64{2, 2}, 1, 1, nan, 0},
		{"empty", nil, nil, nil, nan, nan, nan, nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range []struct {
				name      string
				got, want float64
			}{
				{"MSE", MSE(tc.pred, tc.actual), tc.mse},
				{"MAE", MAE(tc.pred, tc.actual), tc.mae},
				{"R2", R2(tc.pred, tc.actual), tc.r2},
				{"DirectionalAccuracy", DirectionalAccuracy(tc.pred, tc.actual, tc.last), tc.dirAcc},
			} {
				if math.IsNaN(m.want) != math.IsNaN(m.got) || math.Abs(m.got-m.want) > 1e-15 {
					t.Errorf("%s = %v, want %v", m.name, m.got, m.want)
				}
			}
		})
	}
}

func TestDirectionalAccuracyHorizon(t *testing.T) {
	// Two samples, horizon 2: the last value of each sample serves both outputs.
	pred := []float64{11, 9, 4, 6}
	actual := []float64{12, 12, 3, 3}
	if got := DirectionalAccuracy(pred, actual, []float64{10, 5}); got != 0.5 {
		t.Fatalf("DirectionalAccuracy = %v, want 0.5", got)
	}
}

func TestMetricPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"MSE", func() { MSE([]float64{1}, nil) }},
		{"MAE", func() { MAE(nil, []float64{1}) }},
		{"R2", func() { R2([]float64{1, 2}, []float64{1}) }},
		{"DirectionalAccuracy", func() { DirectionalAccuracy([]float64{1, 2, 3}, []float64{1, 2, 3}, []float64{1, 2}) }},
		{"Persistence", func() { Persistence([]float64{1, 2, 3}, 2, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "mlp: "+tc.name) {
					t.Fatalf("panic %q, want prefix %q", r, "mlp: "+tc.name)
				}
			}()
			tc.f()
		})
	}
}

func TestPersistence(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6}
	for _, tc := range []struct {
		name    string
		in, out int
		want    []float64
	}{
		{"horizon1", 3, 1, []float64{3, 6}},
		{"horizon2", 3, 2, []float64{3, 3, 6, 6}},
		{"window2", 2, 1, []float64{2, 4, 6}},
		{"window1", 1, 2, []float64{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Persistence(x, tc.in, tc.out)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestOLS fits exact linear relations, including one with collinear inputs
// (a duplicated column and a constant one, like nearly equal closes), and
// requires predictions to match to rounding.
func TestOLS(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name     string
		n, in    int
		collin   bool
		wantRank int
	}{
		{"full-rank", 50, 4, false, 5},
		{"collinear", 50, 4, true, 3},
		{"window60", 400, 60, false, 61},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := [2][]float64{make([]float64, tc.in), make([]float64, tc.in)}
			for j := range w {
				for i := range w[j] {
					w[j][i] = rng.Float64()*2 - 1
				}
			}
			x := make([]float64, tc.n*tc.in)
			y := make([]float64, tc.n*2)
			for r := 0; r < tc.n; r++ {
				row := x[r*tc.in : (r+1)*tc.in]
				for i := range row {
					row[i] = rng.NormFloat64()
				}
				if tc.collin {
					row[1] = row[0] // duplicated input
					row[2] = 3      // constant input, collinear with the intercept
				}
				for j := 0; j < 2; j++ {
					s := 0.5 - float64(j)
					for i, v := range row {
						s += w[j][i] * v
					}
					y[r*2+j] = s
				}
			}
			l, err := FitOLS(x, y, tc.in, 2)
			if err != nil {
				t.Fatal(err)
			}
			if l.Rank != tc.wantRank {
				t.Errorf("rank %d, want %d", l.Rank, tc.wantRank)
			}
			p := l.Predict(x)
			if e := MSE(p, y); !(e <= 1e-20) {
				t.Errorf("MSE %g on an exact linear relation", e)
			}
			if !tc.collin {
				for j := 0; j < 2; j++ {
					if !(math.Abs(l.C[j]-(0.5-float64(j))) <= 1e-10) || !(math.Abs(l.W[j*tc.in]-w[j][0]) <= 1e-10) {
						t.Errorf("output %d: intercept %g, w0 %g; want %g, %g", j, l.C[j], l.W[j*tc.in], 0.5-float64(j), w[j][0])
					}
				}
			}
		})
	}
}

// TestOLSFewSamples: one sample, and two samples nearly alike with more
// inputs than samples, where the rank's cutoff decides. With one sample
// [2 | 1] and target 3 the minimum-norm solution is 3 [2 1] / 5. With rows
// (1, 0, 0 | 1) and (1, d, 0 | 1) the second singular value is about
// d / sqrt(2) against a largest of 2; at d = 6 sqrt(2) eps it is 6 eps,
// below numpy's cutoff max(n, in+1) eps times the largest (8 eps), so the
// rank is 1, and above the cutoff a smaller count of columns would give.
func TestOLSFewSamples(t *testing.T) {
	l, err := FitOLS([]float64{2}, []float64{3}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Rank != 1 || !(math.Abs(l.W[0]-1.2) <= 1e-15) || !(math.Abs(l.C[0]-0.6) <= 1e-15) {
		t.Errorf("one sample: rank %d, w %v, c %v; want 1, [1.2], [0.6]", l.Rank, l.W, l.C)
	}
	d := 6 * math.Sqrt2 * 0x1p-52
	l, err = FitOLS([]float64{1, 0, 0, 1, d, 0}, []float64{1, 2}, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Rank != 1 {
		t.Errorf("two nearly equal samples of 3 inputs: rank %d, want 1 (numpy's cutoff)", l.Rank)
	}
}

func TestOLSErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		x, y    []float64
		in, out int
		want    string
	}{
		{"ragged", []float64{1, 2, 3}, []float64{1}, 2, 1, "mlp: OLS on len(x)=3"},
		{"count", []float64{1, 2, 3, 4}, []float64{1}, 2, 1, "mlp: OLS on len(x)=4, len(y)=1"},
		{"empty", nil, nil, 2, 1, "mlp: OLS on no samples"},
		{"constant-input", []float64{0, 0}, []float64{1, 1}, 1, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FitOLS(tc.x, tc.y, tc.in, tc.out)
			if (err == nil) != (tc.want == "") || err != nil && !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("FitOLS: %v, want %q", err, tc.want)
			}
		})
	}
}
