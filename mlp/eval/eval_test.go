// Tests of the evaluation: every figure of a small hand-built split worked
// out by hand, the Diebold-Mariano test against independently computed
// values, and the verdict line.
package eval

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"mpitrain/data"
)

// handSplit is four test windows of two closes, scaled relative to each
// window's last close (v/last - 1), with one target each:
//
//	last   target   y       model pred   model in points
//	100    101      0.01    0.01         101
//	200    198     -0.01   -0.02         196
//	100    103      0.03    0.02         102
//	 50     50      0       0.02          51
func handSplit() data.Split {
	return data.Split{
		N:      4,
		X:      []float64{-0.01, 0, 0.02, 0, 0, 0, 0.1, 0},
		Y:      []float64{0.01, -0.01, 0.03, 0},
		Last:   []float64{100, 200, 100, 50},
		Target: []float64{101, 198, 103, 50},
	}
}

var handModel = []float64{0.01, -0.02, 0.02, 0.02}

func handDataset(points bool) *data.Dataset {
	ds := &data.Dataset{Opts: data.Options{Window: 2, Horizon: 1}, Val: handSplit(), Test: handSplit()}
	if points {
		ds.Norm = data.Normalizer{Kind: data.ScaleWindow}
	} else {
		for _, s := range []*data.Split{&ds.Val, &ds.Test} {
			s.Last, s.Target = nil, nil
		}
	}
	return ds
}

func handPredictions() Predictions {
	return Predictions{
		Model:       handModel,
		Persistence: []float64{0, 0, 0, 0},
		Linear:      []float64{0.01, 0.01, 0.01, 0.01},
	}
}

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}

func TestEvaluateByHand(t *testing.T) {
	r := Evaluate(handDataset(true), handPredictions(), handPredictions())
	if !r.Points {
		t.Fatal("points_available false for a dataset with a normalizer, closes and targets")
	}
	for name, s := range map[string]SplitReport{"val": r.Val, "test": r.Test} {
		t.Run(name, func(t *testing.T) {
			if s.N != 4 {
				t.Errorf("N = %d, want 4", s.N)
			}
			m, p, l := s.Model, s.Persistence, s.Linear
			// Normalized errors of the model: 0, -0.01, -0.01, 0.02.
			near(t, "model MSE", m.MSE, (0+1e-4+1e-4+4e-4)/4)
			near(t, "model MAE", m.MAE, 0.01)
			// R2 = 1 - SSE/SST; y mean 0.0075, SST = 0.000475 + ... worked out:
			// deviations 0.0025, -0.0175, 0.0225, -0.0075 -> SST 8.75e-4.
			near(t, "model R2", m.R2, 1-6e-4/8.75e-4)
			// In points the model's errors are 0, 2, 1, 1.
			near(t, "model MAE pts", *m.MAEPoints, 1)
			near(t, "model RMSE pts", *m.RMSEPoints, math.Sqrt(1.5))
			// Moves called: up, down, up, up; actual: up, down, up, flat.
			near(t, "model dir acc", *m.DirAcc, 0.75)
			// Persistence: errors 1, 2, 3, 0 points; 0.01, 0.01, 0.03, 0 normalized.
			near(t, "persistence MAE pts", *p.MAEPoints, 1.5)
			near(t, "persistence RMSE pts", *p.RMSEPoints, math.Sqrt(14.0/4))
			near(t, "persistence MAE", p.MAE, 0.0125)
			if p.DirAcc != nil {
				t.Errorf("persistence has a directional accuracy %v; it calls no move", *p.DirAcc)
			}
			// Linear predicts +1%: 101, 202, 101, 50.5 -> errors 0, 4, 2, 0.5.
			near(t, "linear MAE pts", *l.MAEPoints, 6.5/4)
			near(t, "linear dir acc", *l.DirAcc, 0.5)
			near(t, "skill", s.Skill, 1-1/1.5)
			if s.SkillScale != "index points" {
				t.Errorf("skill scale %q, want index points", s.SkillScale)
			}
			if s.DM == nil || s.DM.N != 4 || s.DM.Scale != "index points" {
				t.Fatalf("DM test %+v, want one over 4 windows in index points", s.DM)
			}
			// Window absolute errors: model 0, 2, 1, 1; persistence 1, 2, 3, 0.
			near(t, "DM mean difference", s.DM.MeanDiff, (-1+0-2+1)/4.0)
		})
	}
}

func TestEvaluateWithoutPoints(t *testing.T) {
	r := Evaluate(handDataset(false), handPredictions(), handPredictions())
	if r.Points {
		t.Fatal("points_available true for a dataset without normalizer statistics")
	}
	s := r.Test
	if s.Model.MAEPoints != nil || s.Model.RMSEPoints != nil || s.Persistence.MAEPoints != nil {
		t.Fatalf("index points invented: %+v", s.Model)
	}
	near(t, "skill on the file's scale", s.Skill, 1-0.01/0.0125)
	if s.SkillScale != "file scale" || s.DM == nil || s.DM.Scale != "file scale" {
		t.Errorf("skill scale %q, DM %+v; want both on the file scale", s.SkillScale, s.DM)
	}
	// Moves from the window's last input (0): up, down, up, up vs up, down, up, flat.
	near(t, "dir acc on the file's scale", *s.Model.DirAcc, 0.75)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"mae_points":null`, `"rmse_points":null`, `"points_available":false`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("metrics.json lacks %s: %s", k, b)
		}
	}
}

// The Diebold-Mariano statistic at lag 0 and h = 1 is the one-sample t
// statistic of the loss differentials (the HLN factor turns the population
// variance into the sample variance), and at lag 1 it follows the
// Newey-West formula. The expected values were computed separately with
// plain arithmetic and a Simpson integration of Student's t density.
func TestDieboldMariano(t *testing.T) {
	for _, tc := range []struct {
		name     string
		a, b     []float64
		h, lag   int
		mean     float64
		stat, p  float64
		pTolRel  float64
		wantFlat bool
	}{
		{"lag 0 is the paired t test", []float64{1, 2, 3, 4, -1}, []float64{0, 0, 0, 0, 0}, 1, 0,
			1.8, 2.092457497388747, 0.1045399997896239, 1e-6, false},
		{"lag 1 Newey-West", []float64{1.5, 0.8, 1.9, 1.3, 2.1, 0.6}, []float64{1, 1, 1, 1, 1, 1}, 1, 1,
			0.3666666666666667, 2.3523470376128297, 0.06536926889288895, 1e-6, false},
		{"sign: b worse than a", []float64{0, 0, 0, 0, 0}, []float64{1, 2, 3, 4, -1}, 1, 0,
			-1.8, -2.092457497388747, 0.1045399997896239, 1e-6, false},
		{"identical losses", []float64{1, 2, 3}, []float64{1, 2, 3}, 1, 1, 0, 0, 1, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := DieboldMariano(tc.a, tc.b, tc.h, tc.lag)
			near(t, "mean", r.MeanDiff, tc.mean)
			near(t, "statistic", r.Statistic, tc.stat)
			if math.Abs(r.PValue-tc.p) > tc.pTolRel*tc.p+1e-15 {
				t.Errorf("p = %.12g, want %.12g", r.PValue, tc.p)
			}
			if r.N != len(tc.a) || r.Lag != tc.lag {
				t.Errorf("n %d lag %d, want %d and %d", r.N, r.Lag, len(tc.a), tc.lag)
			}
		})
	}
	if r := DieboldMariano([]float64{2, 2, 2}, []float64{1, 1, 1}, 1, 0); r.PValue != 0 || r.Statistic != math.MaxFloat64 {
		t.Errorf("constant difference: %+v, want p 0 and the largest statistic", r)
	}
}

// Forecasts h steps ahead: the same differentials as "lag 1 Newey-West"
// above, whose statistic the HLN factor sqrt((n+1-2h+h(h-1)/n)/n) scales
// by h; and a lag beyond n-1 is cut to n-1. The expected values were
// computed apart: the formula in plain arithmetic, the two-sided p-value
// from the regularized incomplete beta function I_{nu/(nu+t^2)}(nu/2, 1/2).
func TestDieboldMarianoHorizonAndLag(t *testing.T) {
	a, b := []float64{1.5, 0.8, 1.9, 1.3, 2.1, 0.6}, []float64{1, 1, 1, 1, 1, 1}
	for _, tc := range []struct {
		name         string
		a, b         []float64
		h, lag, want int
		stat, p      float64
	}{
		{"h 2", a, b, 2, 1, 1, 1.9206833133663401, 0.11282977617181723},
		{"h 3, lag 2", a, b, 3, 2, 2, 1.4619813944249602, 0.20359785557998647},
		{"lag 50 of 5 differentials is lag 4", []float64{1, 2, 3, 4, -1}, []float64{0, 0, 0, 0, 0}, 1, 50, 4,
			4.196271637081413, 0.01373696054049612},
		{"lag 4 of 5 differentials", []float64{1, 2, 3, 4, -1}, []float64{0, 0, 0, 0, 0}, 1, 4, 4,
			4.196271637081413, 0.01373696054049612},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := DieboldMariano(tc.a, tc.b, tc.h, tc.lag)
			if r.Lag != tc.want {
				t.Errorf("lag %d, want %d", r.Lag, tc.want)
			}
			near(t, "statistic", r.Statistic, tc.stat)
			if math.Abs(r.PValue-tc.p) > 1e-9 {
				t.Errorf("p = %.12g, want %.12g", r.PValue, tc.p)
			}
		})
	}
}

func TestNeweyWestLag(t *testing.T) {
	for _, tc := range []struct{ n, h, want int }{{100, 1, 4}, {758, 1, 6}, {4, 1, 1}, {758, 10, 9}, {1, 1, 1}} {
		if got := NeweyWestLag(tc.n, tc.h); got != tc.want {
			t.Errorf("NeweyWestLag(%d, %d) = %d, want %d", tc.n, tc.h, got, tc.want)
		}
	}
}

func TestSummary(t *testing.T) {
	pts := func(v float64) *float64 { return &v }
	base := func(model float64, p float64, diff float64) SplitReport {
		return SplitReport{N: 758, Model: Scores{MAEPoints: pts(model)}, Persistence: Scores{MAEPoints: pts(20.10)},
			Skill: 1 - model/20.10, DM: &DMTest{PValue: p, MeanDiff: diff}}
	}
	for _, tc := range []struct {
		name string
		r    SplitReport
		want string
	}{
		{"significant win", base(19.00, 0.01, -1.1), "test: the model beats persistence: MAE 19.00 vs 20.10 index points (skill +5.5%, Diebold-Mariano p = 0.01)"},
		{"significant loss", base(23.00, 1e-6, 2.9), "test: the model LOSES TO persistence: MAE 23.00 vs 20.10 index points (skill -14.4%, Diebold-Mariano p = 1e-06)"},
		{"lower MAE, not significant", base(19.94, 0.2, -0.16), "test: the model and persistence are not distinguishable on this test period: MAE 19.94 vs 20.10 index points (skill +0.8%, Diebold-Mariano p = 0.2)"},
		{"higher MAE, not significant", base(20.5, 0.3, 0.4), "test: the model and persistence are not distinguishable on this test period"},
		{"at the level is not significant", base(19.0, Alpha, -1), "not distinguishable"},
		{"too few windows", SplitReport{N: 2, Model: Scores{MAE: 0.5}, Persistence: Scores{MAE: 1}, Skill: 0.5}, "test: too few windows (2) to test the model against persistence: MAE 0.500000 vs 1.000000 on the file's scale (skill +50.0%)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Summary(tc.r); !strings.Contains(got, tc.want) {
				t.Errorf("Summary:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// The linear baseline of windows whose next value is exactly 2 x1 - x2 + 1
// is that plane; persistence repeats each window's last input.
func TestBaselines(t *testing.T) {
	ds := handDataset(true)
	ds.Train = data.Split{N: 4, X: []float64{1, 2, 2, 3, 3, 5, 5, 4}, Y: []float64{1, 2, 2, 7}}
	val, test, err := Baselines(ds)
	if err != nil {
		t.Fatal(err)
	}
	// handSplit's windows: (-0.01, 0), (0.02, 0), (0, 0), (0.1, 0).
	wantLinear := []float64{0.98, 1.04, 1, 1.2}
	for _, p := range []Predictions{val, test} {
		for i, v := range p.Linear {
			if math.Abs(v-wantLinear[i]) > 1e-9 {
				t.Errorf("linear[%d] = %v, want %v", i, v, wantLinear[i])
			}
		}
		for i, v := range p.Persistence {
			if v != ds.Val.X[2*i+1] {
				t.Errorf("persistence[%d] = %v, want the window's last input %v", i, v, ds.Val.X[2*i+1])
			}
		}
	}
	ds.Train = data.Split{}
	if _, _, err := Baselines(ds); err == nil || !strings.Contains(err.Error(), "linear baseline: mlp: OLS on no samples") {
		t.Errorf("no training windows: err = %v", err)
	}
}

// Each window's error is the mean over its h outputs.
func TestWindowAbsErr(t *testing.T) {
	got := windowAbsErr([]float64{1, -2, 3, 4, 0, 6}, []float64{0, 0, 0, 0, 0, 0}, 2)
	want := []float64{1.5, 3.5, 3}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("window %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// Three windows are the fewest the Diebold-Mariano test takes.
func TestEvaluateFewWindows(t *testing.T) {
	for _, n := range []int{2, 3} {
		ds := handDataset(true)
		for _, s := range []*data.Split{&ds.Val, &ds.Test} {
			s.N, s.X, s.Y, s.Last, s.Target = n, s.X[:2*n], s.Y[:n], s.Last[:n], s.Target[:n]
		}
		p := handPredictions()
		p.Model, p.Persistence, p.Linear = p.Model[:n], p.Persistence[:n], p.Linear[:n]
		r := Evaluate(ds, p, p)
		if (r.Test.DM != nil) != (n == 3) || (r.Val.DM != nil) != (n == 3) {
			t.Errorf("%d windows: test DM %+v, val DM %+v", n, r.Test.DM, r.Val.DM)
		}
		if n == 3 && r.Test.DM.N != 3 {
			t.Errorf("3 windows: DM of %d", r.Test.DM.N)
		}
		if sum := Summary(r.Test); (n == 2) != strings.Contains(sum, "too few windows (2)") {
			t.Errorf("%d windows: %s", n, sum)
		}
	}
}

// Three windows of two closes forecast two steps ahead, scaled by the
// window's last close (100, 200, 50). In points the model's outputs are
// 102, 80 | 220, 196 | 51.5, 51.5 against targets 80, 80 | 220, 160 |
// 51, 49: errors 22, 0, 0, 36, 0.5, 2.5, so MAE 61/6 and RMSE
// sqrt(1786.5/6). The direction of each window's first step: down (model
// up), up (up), up (up): 2 of 3. Persistence (the last close) errs by 20,
// 20 | 20, 40 | 1, 1; the window errors 11, 18, 1.5 against 20, 30, 1
// give the Diebold-Mariano differentials -9, -12, 0.5, tested with h = 2
// and lag 1 (worked apart in plain arithmetic and the incomplete beta).
func TestEvaluateHorizonTwo(t *testing.T) {
	split := data.Split{
		N:      3,
		X:      []float64{-0.01, 0, 0.05, 0, -0.2, 0},
		Y:      []float64{-0.2, -0.2, 0.1, -0.2, 0.02, -0.02},
		Last:   []float64{100, 200, 50},
		Target: []float64{80, 80, 220, 160, 51, 49},
	}
	model := []float64{0.02, -0.2, 0.1, -0.02, 0.03, 0.03}
	p := Predictions{Model: model, Persistence: make([]float64, 6), Linear: model}
	for _, pts := range []bool{true, false} {
		ds := &data.Dataset{Opts: data.Options{Window: 2, Horizon: 2}, Val: split, Test: split}
		if pts {
			ds.Norm = data.Normalizer{Kind: data.ScaleWindow}
		} else {
			for _, s := range []*data.Split{&ds.Val, &ds.Test} {
				s.Last, s.Target = nil, nil
			}
		}
		r := Evaluate(ds, p, p)
		if d := r.Test.Model.DirAcc; d == nil || math.Abs(*d-2.0/3) > 1e-12 {
			t.Errorf("points %v: direction %v, want 2/3", pts, d)
		}
		near(t, "MAE", r.Test.Model.MAE, 0.46/6)
		if !pts {
			continue
		}
		if r.Test.Model.MAEPoints == nil || math.Abs(*r.Test.Model.MAEPoints-61.0/6) > 1e-9 ||
			math.Abs(*r.Test.Model.RMSEPoints-17.255433926737396) > 1e-9 {
			t.Errorf("points: MAE %v RMSE %v, want 61/6 and sqrt(1786.5/6)", *r.Test.Model.MAEPoints, *r.Test.Model.RMSEPoints)
		}
		dm := r.Test.DM
		if dm == nil || dm.N != 3 || dm.Lag != 1 {
			t.Fatalf("DM %+v, want 3 differentials at lag 1", dm)
		}
		near(t, "mean differential", dm.MeanDiff, -20.5/3)
		if math.Abs(dm.Statistic+1.2637838595683455) > 1e-9 || math.Abs(dm.PValue-0.33366357889115517) > 1e-9 {
			t.Errorf("DM statistic %v p %v, want -1.26378385957 and 0.333663578891", dm.Statistic, dm.PValue)
		}
	}
}

// Print's table, checked against rows of a run's output in the README
// (val split, model and persistence), and without index points.
func TestPrint(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sr := SplitReport{N: 756,
		Model:       Scores{MSE: 0.000067, MAE: 0.005803, R2: 0.0034, RMSEPoints: f(16.51), MAEPoints: f(11.86), DirAcc: f(0.505)},
		Persistence: Scores{MSE: 0.000067, MAE: 0.005788, R2: -0.0021, RMSEPoints: f(16.53), MAEPoints: f(11.81)},
		Linear:      Scores{MSE: 0.000069, MAE: 0.005900, R2: -0.0375, RMSEPoints: f(16.82), MAEPoints: f(12.04), DirAcc: f(0.533)},
		Skill:       1 - 11.86/11.81,
	}
	var b strings.Builder
	Print(&b, Report{Val: sr, Test: sr, Points: true})
	lines := strings.Split(b.String(), "\n")
	for i, want := range []string{
		"split  predictor           MSE        MAE       R2     RMSE pts     MAE pts  dir acc",
		"val    model          0.000067   0.005803   0.0034        16.51       11.86    50.5%",
		"val    persistence    0.000067   0.005788  -0.0021        16.53       11.81      n/a",
		"val    linear         0.000069   0.005900  -0.0375        16.82       12.04    53.3%",
	} {
		if lines[i] != want {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], want)
		}
	}
	if len(lines) != 9 || !strings.HasPrefix(lines[7], "test: too few windows (756)") || strings.Contains(b.String(), "index points: n/a") {
		t.Errorf("output:\n%s", b.String())
	}
	b.Reset()
	sr.Model.RMSEPoints, sr.Model.MAEPoints = nil, nil
	Print(&b, Report{Val: sr, Test: sr})
	out := b.String()
	if !strings.Contains(out, "val    model          0.000067   0.005803   0.0034          n/a         n/a    50.5%\n") ||
		!strings.Contains(out, "\nindex points: n/a (the data carries no normalizer statistics; figures are on the file's scale)\n") {
		t.Errorf("output without points:\n%s", out)
	}
}

// Directions are called in points when there are points: an output of
// 1e-17 above the last close (scaled by it) is 100 points exactly, no move,
// as the target is; on the scaled values alone it would be a rise.
func TestDirectionInPoints(t *testing.T) {
	s := data.Split{N: 1, X: []float64{-0.01, 0}, Y: []float64{0}, Last: []float64{100}, Target: []float64{100}}
	ds := &data.Dataset{Opts: data.Options{Window: 2, Horizon: 1}, Norm: data.Normalizer{Kind: data.ScaleWindow}, Val: s, Test: s}
	p := Predictions{Model: []float64{1e-17}, Persistence: []float64{0}, Linear: []float64{1e-17}}
	if d := Evaluate(ds, p, p).Test.Model.DirAcc; d == nil || *d != 1 {
		t.Errorf("direction %v, want 1 (no move called no move)", d)
	}
}
