// Tests of the grid, the plan and the selection.
package sweep

import (
	"bytes"
	"encoding/csv"
	"math"
	"slices"
	"strings"
	"testing"

	"mpitrain/mlp/eval"
)

func TestParseGrid(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Grid
		err      string
	}{
		{"one line", "lr=1e-3,3e-4 hidden_dim=64,128 scale=window,minmax seed=1..5",
			Grid{{"lr", []string{"1e-3", "3e-4"}}, {"hidden_dim", []string{"64", "128"}}, {"scale", []string{"window", "minmax"}}, {"seed", []string{"1", "2", "3", "4", "5"}}}, ""},
		{"a file with comments and dashes", "# the forecast grid\n--scale=window\n\n  -seed=3..4,9  # tail\n",
			nil, `"#": want KEY=V1,V2`},
		{"a file with comments", "# the forecast grid\n--scale=window\n\n  -seed=3..4,9\n",
			Grid{{"scale", []string{"window"}}, {"seed", []string{"3", "4", "9"}}}, ""},
		{"negative range", "seed=-2..0", Grid{{"seed", []string{"-2", "-1", "0"}}}, ""},
		{"empty", "  # nothing\n", nil, "no KEY=VALUES term"},
		{"no values", "lr=", nil, `"lr=": want KEY=V1,V2`},
		{"no key", "=1,2", nil, `"=1,2": want KEY=V1,V2`},
		{"empty value", "lr=1,,2", nil, "lr: an empty value"},
		{"twice", "lr=1 lr=2", nil, "lr is swept twice"},
		{"duplicate value", "seed=1..3,2", nil, "seed: value 2 given twice"},
		{"backwards range", "seed=5..1", nil, `range "5..1"`},
		{"not integers", "lr=0.1..0.5", nil, `range "0.1..0.5"`},
		{"too many", "a=1..100 b=1..100 c=1..100", nil, "more than 100000 runs"},
		{"a range of one value", "seed=3..3", Grid{{"seed", []string{"3"}}}, ""},
		{"the line of an error", "lr=1\n# c\nseed=1..2 lr=3", nil, "grid line 3: lr is swept twice"},
		{"a range of 10001 values", "seed=1..10001", nil, `range "1..10001": want A..B with integers A <= B, at most 10000 values`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ParseGrid(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(g) != len(tc.want) {
				t.Fatalf("grid %v, want %v", g, tc.want)
			}
			for i := range g {
				if g[i].Key != tc.want[i].Key || !slices.Equal(g[i].Values, tc.want[i].Values) {
					t.Errorf("axis %d: %v, want %v", i, g[i], tc.want[i])
				}
			}
			back, err := ParseGrid(g.String())
			if err != nil || back.String() != g.String() {
				t.Errorf("String does not round-trip: %q -> %v, %v", g.String(), back, err)
			}
		})
	}
}

// mustParseGrid parses a grid the test needs, failing the test if it cannot.
func mustParseGrid(t *testing.T, s string) Grid {
	t.Helper()
	g, err := ParseGrid(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestPlan(t *testing.T) {
	g := mustParseGrid(t, "lr=1e-3,3e-4 scale=window,min/max seed=1..3")
	runs := Plan(g)
	if len(runs) != 12 || g.Runs() != 12 {
		t.Fatalf("%d runs, want 12", len(runs))
	}
	names := map[string]bool{}
	configs := map[string]int{}
	for i, r := range runs {
		if r.Index != i || names[r.Name] {
			t.Errorf("run %d: index %d, name %q repeated %v", i, r.Index, r.Name, names[r.Name])
		}
		names[r.Name] = true
		configs[r.Config]++
	}
	if len(configs) != 4 {
		t.Errorf("%d configurations, want 4: %v", len(configs), configs)
	}
	for c, n := range configs {
		if n != 3 {
			t.Errorf("configuration %s has %d seeds, want 3", c, n)
		}
	}
	// The first axis varies slowest, the last fastest.
	if got := runs[0].Name; got != "lr=1e-3_scale=window_seed=1" {
		t.Errorf("first run %q", got)
	}
	if got := runs[4].Name; got != "lr=1e-3_scale=min-max_seed=2" {
		t.Errorf("run 4 %q (a / in a value must not make a folder)", got)
	}
	if got := runs[4].Config; got != "lr=1e-3_scale=min-max" {
		t.Errorf("config %q", got)
	}
	if a := runs[11].Args(g); !slices.Equal(a, []string{"--lr", "3e-4", "--scale", "min/max", "--seed", "3"}) {
		t.Errorf("args %v", a)
	}
	if v := runs[11].Value(g, "seed"); v != "3" || runs[11].Value(g, "hidden_dim") != "" {
		t.Errorf("value of seed %q", v)
	}
	if !g.Has("lr") || !g.Has("seed") || g.Has("hidden_dim") || g.Has("") {
		t.Errorf("Has: lr %v, seed %v, hidden_dim %v, empty %v; want true, true, false, false", g.Has("lr"), g.Has("seed"), g.Has("hidden_dim"), g.Has(""))
	}
	for i := range runs {
		runs[i].Cost = float64(i % 5)
	}
	order := LongestFirst(runs)
	for i := 1; i < len(order); i++ {
		if order[i].Cost > order[i-1].Cost || order[i].Cost == order[i-1].Cost && order[i].Index < order[i-1].Index {
			t.Fatalf("order %d: cost %v after %v (index %d after %d)", i, order[i].Cost, order[i-1].Cost, order[i].Index, order[i-1].Index)
		}
	}
	noSeed := mustParseGrid(t, "seed=1..2")
	if c := Plan(noSeed)[0].Config; c != "all" {
		t.Errorf("a grid of seeds alone: config %q", c)
	}
}

// report builds a metrics.json with the given validation and test MAE in
// index points.
func report(val, test, pers, p float64) *eval.Report {
	pt := func(v float64) *float64 { return &v }
	r := &eval.Report{Points: true}
	r.Val.Model.MAEPoints, r.Val.Model.RMSEPoints = pt(val), pt(2*val)
	r.Test.Model.MAEPoints, r.Test.Model.RMSEPoints = pt(test), pt(2*test)
	r.Test.Persistence.MAEPoints = pt(pers)
	r.Test.Skill = 1 - test/pers
	r.Test.DM = &eval.DMTest{PValue: p, MeanDiff: test - pers}
	return r
}

// The configuration with the lower median validation MAE is selected even
// when another configuration's test MAE is lower: the test split never
// chooses.
func TestSummarizeSelectsOnValidation(t *testing.T) {
	g := mustParseGrid(t, "hidden_dim=64,128 seed=1..3")
	runs := Plan(g)
	results := []Result{
		// hidden_dim=64: val 10, 12, 30 (median 12); test 25, 26, 27.
		{Run: runs[0], Status: Done, Metrics: report(10, 25, 20, 0.5)},
		{Run: runs[1], Status: Done, Metrics: report(12, 26, 20, 0.01)},
		{Run: runs[2], Status: Done, Metrics: report(30, 27, 20, 0.2)},
		// hidden_dim=128: val 13, 13.5, and a failure; test 15, 16 (better).
		{Run: runs[3], Status: Done, Metrics: report(13, 15, 20, 0.001)},
		{Run: runs[4], Status: Failed, Error: "mlp: non-finite train loss NaN"},
		{Run: runs[5], Status: Done, Metrics: report(13.5, 16, 20, 0.002)},
	}
	s := Summarize(g, results)
	sel := s.Selected()
	if sel == nil || sel.Config != "hidden_dim=64" {
		t.Fatalf("selected %+v, want hidden_dim=64 (median val 12 < 13.25)", sel)
	}
	if sel.ValMAE != 12 || sel.ValMin != 10 || sel.ValMax != 30 || sel.TestMAE != 26 || sel.TestMin != 25 || sel.TestMax != 27 || sel.PersisMAE != 20 {
		t.Errorf("selected figures %+v", sel)
	}
	if second := s.Ranking[1]; second.Config != "hidden_dim=128" || second.ValMAE != 13.25 || second.Missing != 1 || second.Selected {
		t.Errorf("second %+v", second)
	}
	if rep := sel.Representative(true); rep.Run.Name != "hidden_dim=64_seed=2" {
		t.Errorf("representative %s, want the median-validation seed 2", rep.Run.Name)
	}
	rows, err := csv.NewReader(bytes.NewReader(s.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 || strings.Join(rows[0], ",") != "name,hidden_dim,seed,status,epochs,seconds,ranks,unit,val_mae,val_rmse,test_mae,test_rmse,test_skill_vs_persistence,test_dm_p_value,error" {
		t.Fatalf("summary.csv header %v, %d rows", rows[0], len(rows))
	}
	if r := rows[2]; r[0] != "hidden_dim=64_seed=2" || r[3] != "done" || r[8] != "12" || r[10] != "26" || r[13] != "0.01" {
		t.Errorf("row %v", r)
	}
	if r := rows[5]; r[3] != "failed" || r[14] != "mlp: non-finite train loss NaN" || r[8] != "" {
		t.Errorf("failed row %v", r)
	}
	md := string(s.Report("header\n", []string{"val_mae.png"}))
	for _, want := range []string{"| 1 | `hidden_dim=64` **selected** | 3 of 3 | 12 [10, 30] |", "| 2 | `hidden_dim=128` | 2 of 3 | 13.25 [13, 13.5] |",
		"test MAE 26 (median; range 25 to 27)", "p-value per seed: 0.5, 0.01, 0.2; significant at 5% in 1 of 3 seeds, 0 of them in the model's favour",
		"the seeds disagree", "Not used to select", "| `hidden_dim=128_seed=2` | failed | mlp: non-finite train loss NaN |", "![val_mae](val_mae.png)"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
}

func TestSummarizeNothingFinished(t *testing.T) {
	g := mustParseGrid(t, "lr=1,2")
	runs := Plan(g)
	s := Summarize(g, []Result{{Run: runs[0], Status: Failed, Error: "x"}, {Run: runs[1], Status: Pending}})
	if s.Selected() != nil || len(s.Ranking) != 2 || !math.IsInf(s.Ranking[0].ValMAE, 1) {
		t.Fatalf("ranking %+v", s.Ranking)
	}
	if c := s.Counts(); c[Failed] != 1 || c[Pending] != 1 {
		t.Errorf("counts %v", c)
	}
	if md := string(s.Report("", nil)); !strings.Contains(md, "no finished run") {
		t.Errorf("report:\n%s", md)
	}
}

// The largest range and the largest grid are accepted: the limits are
// "at most", not "fewer than".
func TestParseGridAtTheLimits(t *testing.T) {
	g, err := ParseGrid("seed=1..10000")
	if err != nil || len(g) != 1 || len(g[0].Values) != maxRange || g[0].Values[0] != "1" || g[0].Values[maxRange-1] != "10000" {
		t.Fatalf("seed=1..10000: %d values, err %v; want 10000", len(g[0].Values), err)
	}
	g, err = ParseGrid("a=1..100 b=1..100 c=1..10")
	if err != nil || g.Runs() != MaxRuns {
		t.Fatalf("a grid of 100 x 100 x 10 runs: err %v", err)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		v    []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(tc.v); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median of nothing is not NaN")
	}
}
