// Table tests: bad inputs give a clear error and write nothing.

package plotting

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkRejected asserts that err wraps want and contains msg, and that dir
// holds no file.
func checkRejected(t *testing.T, err, want error, msg, dir string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", msg)
	}
	if !errors.Is(err, want) {
		t.Errorf("error %q does not wrap %v", err, want)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not contain %q", err, msg)
	}
	for _, name := range dirNames(t, dir) {
		t.Errorf("a rejected call left %s behind", name)
	}
}

func TestLossRejects(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		edit func(h *History)
		msg  string
	}{
		{"no epochs", func(h *History) { *h = History{} }, "plotting: loss: no epochs"},
		{"short epoch", func(h *History) {
			*h = History{Epoch: []int{1, 2, 3, 4}, Train: []float64{5, 4, 3, 2, 1}}
		}, "plotting: loss: train has 5 values, epoch has 4"},
		{"short val", func(h *History) { h.Val = h.Val[:3] }, "val has 3 values, epoch has 12"},
		{"NaN train", func(h *History) { h.Train[2] = nan }, "train[2] is NaN"},
		{"Inf val", func(h *History) { h.Val[4] = inf }, "val[4] is +Inf"},
		{"zero loss", func(h *History) { h.Train[0] = 0 }, "train[0] is 0, but the log scale needs values > 0"},
		{"negative val", func(h *History) { h.Val[1] = -1 }, "val[1] is -1"},
		{"epochs repeat", func(h *History) { h.Epoch[3] = 3 }, "epoch[3] = 3 does not follow epoch[2] = 3"},
		{"best not an epoch", func(h *History) { h.Best = 13 }, "best epoch 13 is not one of the 12 epochs (1..12)"},
		{"best without val", func(h *History) { h.Val = nil }, "best epoch 9 given without val losses"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			h := testHistory()
			tc.edit(&h)
			checkRejected(t, Loss(filepath.Join(dir, "loss.png"), h), ErrInput, tc.msg, dir)
		})
	}
}

func TestPredictionsRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(f *Forecast)
		msg  string
	}{
		{"no dates", func(f *Forecast) { *f = Forecast{} }, "plotting: predictions: no dates"},
		{"short actual", func(f *Forecast) { f.Actual = f.Actual[1:] }, "actual has 119 values, dates has 120"},
		{"long predicted", func(f *Forecast) { f.Predicted = append(f.Predicted, 1) }, "predicted has 121 values, dates has 120"},
		{"short persistence", func(f *Forecast) { f.Persistence = f.Persistence[:5] }, "persistence has 5 values, dates has 120"},
		{"NaN predicted", func(f *Forecast) { f.Predicted[7] = math.NaN() }, "predicted[7] is NaN"},
		{"Inf persistence", func(f *Forecast) { f.Persistence[0] = math.Inf(-1) }, "persistence[0] is -Inf"},
		{"dates out of order", func(f *Forecast) { f.Dates[5], f.Dates[6] = f.Dates[6], f.Dates[5] },
			"dates[6] = 2019-09-09 does not follow dates[5] = 2019-09-10"},
		{"zero date", func(f *Forecast) { f.Dates[0] = time.Time{} }, "dates[0] is the zero time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := testForecast()
			tc.edit(&f)
			checkRejected(t, Predictions(filepath.Join(dir, "p.png"), f), ErrInput, tc.msg, dir)
		})
	}
}

func TestScalingRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(rs []ScalingRow) []ScalingRow
		msg  string
	}{
		{"no rows", func([]ScalingRow) []ScalingRow { return nil }, "plotting: scaling: no rows"},
		{"bad mode", func(rs []ScalingRow) []ScalingRow { rs[1].Mode = "Strong"; return rs },
			`row 1 (Strong, np=2, batch 128): mode "Strong" is neither "strong" nor "weak"`},
		{"np 0", func(rs []ScalingRow) []ScalingRow { rs[0].NP = 0; return rs }, "row 0 (strong, np=0, batch 128): np must be at least 1"},
		{"batch 0", func(rs []ScalingRow) []ScalingRow { rs[2].Batch = 0; return rs }, "batch must be at least 1"},
		{"weak batch not a multiple", func(rs []ScalingRow) []ScalingRow { rs[7].Batch = 129; return rs },
			"row 7 (weak, np=2, batch 129): a weak-scaling batch must be a multiple of np"},
		{"NaN epoch seconds", func(rs []ScalingRow) []ScalingRow { rs[3].EpochSec = math.NaN(); return rs },
			"row 3 (strong, np=4, batch 512): epoch seconds is NaN, want a finite value >= 0"},
		{"negative allreduce", func(rs []ScalingRow) []ScalingRow { rs[4].Allreduce = -0.001; return rs },
			"allreduce is -0.001, want a finite value >= 0"},
		{"duplicate np", func(rs []ScalingRow) []ScalingRow { return append(rs, rs[1]) },
			`row 9 (strong, np=2, batch 128): series "strong, batch 128" already has a row for np=2`},
		{"no np=1 row", func(rs []ScalingRow) []ScalingRow { return rs[1:] },
			`series "strong, batch 128" has no np=1 row to measure speedup against`},
		{"zero epoch seconds", func(rs []ScalingRow) []ScalingRow { rs[2].EpochSec = 0; return rs },
			`series "strong, batch 128", np=4: epoch seconds is 0, want > 0`},
		{"weak zero step seconds", func(rs []ScalingRow) []ScalingRow { rs[8].StepSec = 0; return rs },
			`series "weak, batch 64/rank", np=4: step seconds is 0, want > 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rows := tc.edit(testRows())
			checkRejected(t, Scaling(filepath.Join(dir, "s.png"), rows), ErrInput, tc.msg, dir)
		})
	}
}

func TestBreakdownRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []ScalingRow
		msg  string
	}{
		{"no rows", nil, "plotting: breakdown: no rows"},
		{"NaN wait", []ScalingRow{{Mode: Strong, NP: 2, Batch: 64, Wait: math.NaN()}},
			"row 0 (strong, np=2, batch 64): wait is NaN"},
		{"Inf compute", []ScalingRow{{Mode: Weak, NP: 2, Batch: 64, Compute: math.Inf(1)}},
			"row 0 (weak, np=2, batch 64): compute is +Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			checkRejected(t, Breakdown(filepath.Join(dir, "b.png"), tc.rows), ErrInput, tc.msg, dir)
		})
	}
}

func TestBreakdownNeedsNoBaseline(t *testing.T) {
	// Unlike Scaling, Breakdown draws series without an np=1 run.
	if err := Breakdown(filepath.Join(t.TempDir(), "b.png"), testRows()[1:]); err != nil {
		t.Fatal(err)
	}
}

func TestProjectedScalingRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *Projection)
		msg  string
	}{
		{"no np", func(p *Projection) { p.NP = nil }, "plotting: projected scaling: no rank counts"},
		{"np 0", func(p *Projection) { p.NP[0] = 0 }, "np[0] is 0, want at least 1"},
		{"np not increasing", func(p *Projection) { p.NP[3] = 4 }, "np[3] = 4 does not follow np[2] = 4"},
		{"no series", func(p *Projection) { p.Series = nil }, "no series"},
		{"short efficiency", func(p *Projection) { p.Series[1].Efficiency = p.Series[1].Efficiency[:6] },
			`series 1 ("MLP 60-512-512-1 (294k params)") efficiency has 6 values, np has 7`},
		{"NaN efficiency", func(p *Projection) { p.Series[0].Efficiency[2] = math.NaN() },
			`series 0 ("MLP 60-64-1 (4k params)") efficiency[2] is NaN`},
		{"negative efficiency", func(p *Projection) { p.Series[0].Efficiency[2] = -0.5 }, "efficiency[2] is -0.5, want >= 0"},
		{"measured np 0", func(p *Projection) { p.Measured[1].NP = 0 },
			`measured point 1 ("MLP 60-64-1 (4k params)"): np is 0, want at least 1`},
		{"measured Inf", func(p *Projection) { p.Measured[2].Efficiency = math.Inf(1) },
			`measured point 2 ("MLP 60-64-1 (4k params)") efficiency[0] is +Inf`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := testProjection()
			tc.edit(&p)
			checkRejected(t, ProjectedScaling(filepath.Join(dir, "pr.png"), p), ErrInput, tc.msg, dir)
		})
	}
}

func TestFormatRejects(t *testing.T) {
	draws := map[string]func(path string) error{
		"loss":              func(path string) error { return Loss(path, testHistory()) },
		"predictions":       func(path string) error { return Predictions(path, testForecast()) },
		"scaling":           func(path string) error { return Scaling(path, testRows()) },
		"breakdown":         func(path string) error { return Breakdown(path, testRows()) },
		"projected scaling": func(path string) error { return ProjectedScaling(path, testProjection()) },
	}
	for chart, drawTo := range draws {
		for _, name := range []string{"chart.jpg", "chart.pdf", "chart", "chart.png.tmp"} {
			t.Run(chart+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, name)
				checkRejected(t, drawTo(path), ErrFormat, "plotting: "+chart+": \""+path+"\"", dir)
			})
		}
	}
}

func TestFormatAnyCase(t *testing.T) {
	for _, name := range []string{"loss.PNG", "loss.Svg"} {
		path := filepath.Join(t.TempDir(), name)
		if err := Loss(path, testHistory()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStripRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []StripRow
		msg  string
	}{
		{"no rows", nil, "plotting: strip: no rows"},
		{"no values", []StripRow{{Label: "a"}, {Label: "b"}}, "plotting: strip: no values"},
		{"NaN", []StripRow{{Label: "a", Values: []float64{1, math.NaN()}}}, "a[1] is NaN"},
		{"Inf", []StripRow{{Label: "b", Values: []float64{math.Inf(-1)}}}, "b[0] is -Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			checkRejected(t, Strip(filepath.Join(dir, "s.png"), "t", "x", tc.rows), ErrInput, tc.msg, dir)
		})
	}
}
