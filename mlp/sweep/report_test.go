// Tests of the summary's scale, the report's readings and sections, and the
// reference table, on figures worked out by hand.
package sweep

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"

	"mpitrain/mlp/eval"
)

// fileReport builds a metrics.json of data without normalizer statistics:
// MAE and MSE on the file's scale only.
func fileReport(val, valMSE, test, testMSE, pers float64) *eval.Report {
	r := &eval.Report{}
	r.Val.Model.MAE, r.Val.Model.MSE = val, valMSE
	r.Test.Model.MAE, r.Test.Model.MSE = test, testMSE
	r.Test.Persistence.MAE = pers
	r.Test.Skill = 1 - test/pers
	return r
}

// One finished run without index points puts the whole summary on the
// file's scale: MAE as it is, RMSE the square root of the MSE.
func TestSummarizeFileScale(t *testing.T) {
	g := mustParseGrid(t, "lr=1,2")
	runs := Plan(g)
	// The second run has index points too, and its file-scale MAE is the
	// one that counts: 0.6, after the first run's 0.5.
	both := report(6, 7, 8, 0.5)
	both.Val.Model.MAE, both.Test.Model.MAE = 0.6, 0.7
	s := Summarize(g, []Result{
		{Run: runs[0], Status: Done, Metrics: fileReport(0.5, 0.36, 0.4, 0.25, 0.5)},
		{Run: runs[1], Status: Done, Metrics: both},
	})
	if s.Points {
		t.Fatal("summary in index points, want the file's scale")
	}
	k := s.Ranking[0]
	if k.Config != "lr=1" || k.Scale != "file scale" || k.ValMAE != 0.5 || k.TestMAE != 0.4 || k.TestRMSE != 0.5 || k.PersisMAE != 0.5 {
		t.Errorf("first %+v, want lr=1 on the file scale: val 0.5, test 0.4, RMSE sqrt(0.25) = 0.5, persistence 0.5", k)
	}
	if k := s.Ranking[1]; k.Config != "lr=2" || k.ValMAE != 0.6 || k.TestMAE != 0.7 {
		t.Errorf("second %+v, want lr=2 with its file-scale figures 0.6 and 0.7", k)
	}
	rows, err := csv.NewReader(bytes.NewReader(s.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// name,lr,status,epochs,seconds,ranks,unit,val_mae,val_rmse,test_mae,test_rmse,...
	if r := rows[1]; r[6] != "file scale" || r[7] != "0.5" || r[8] != "0.6" || r[9] != "0.4" || r[10] != "0.5" {
		t.Errorf("row %v, want file scale, 0.5, sqrt(0.36) = 0.6, 0.4, 0.5", r)
	}
	if md := string(s.Report("", nil)); !strings.Contains(md, "the file's scale (the data has no normalizer statistics)") {
		t.Errorf("report.md does not name the file's scale:\n%s", md)
	}
}

// A run that did not finish does not decide the scale, whatever metrics it
// carries.
func TestSummarizeScaleFromFinishedRunsOnly(t *testing.T) {
	g := mustParseGrid(t, "lr=1,2")
	runs := Plan(g)
	s := Summarize(g, []Result{
		{Run: runs[0], Status: Done, Metrics: report(10, 12, 20, 0.5)},
		{Run: runs[1], Status: Failed, Metrics: fileReport(0.5, 0.36, 0.4, 0.25, 0.5), Error: "x"},
	})
	if !s.Points || s.Ranking[0].Scale != "index points" {
		t.Errorf("points %v, scale %q: a failed run's metrics chose the scale", s.Points, s.Ranking[0].Scale)
	}
	rows, err := csv.NewReader(bytes.NewReader(s.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[1]; r[6] != "index points" || r[7] != "10" || r[8] != "20" || r[9] != "12" || r[10] != "24" {
		t.Errorf("row %v, want index points, MAE 10, RMSE 20, test MAE 12, RMSE 24", r)
	}
}

func TestSummarizeNoResults(t *testing.T) {
	g := mustParseGrid(t, "lr=1")
	s := Summarize(g, nil)
	if s.Selected() != nil || len(s.Ranking) != 0 {
		t.Fatalf("ranking %+v of no results", s.Ranking)
	}
	if md := string(s.Report("", nil)); !strings.Contains(md, "Runs: 0 in all, 0 done, 0 failed, 0 stopped, 0 not run.") {
		t.Errorf("report:\n%s", md)
	}
}

// The reading of the Diebold-Mariano p-values, seed by seed, and the
// sections a report has only when there is something to put in them.
func TestReportReadings(t *testing.T) {
	g := mustParseGrid(t, "seed=1..2")
	runs := Plan(g)
	for _, tc := range []struct {
		name    string
		results []Result
		want    []string
		not     []string
	}{
		{"every seed better and significant", []Result{
			{Run: runs[0], Status: Done, Metrics: report(10, 15, 20, 0.01)},
			{Run: runs[1], Status: Done, Metrics: report(11, 16, 20, 0.049)},
		}, []string{
			// skill 1 - 15/20 = 0.25 and 1 - 16/20 = 0.2: median 0.225.
			"test MAE 15.5 (median; range 15 to 16), RMSE 31, against persistence's MAE 20: skill +22.5% (median)",
			"significant at 5% in 2 of 2 seeds, 2 of them in the model's favour",
			"the model beats persistence on this test period with every seed",
		}, []string{"Every configuration", "Runs that did not finish", "## Charts"}},
		{"p at the level is not significant", []Result{
			{Run: runs[0], Status: Done, Metrics: report(10, 15, 20, eval.Alpha)},
			{Run: runs[1], Status: Done, Metrics: report(11, 25, 20, 0.5)},
		}, []string{"significant at 5% in 0 of 2 seeds, 0 of them", "not distinguishable"}, nil},
		{"a tie is not in the model's favour", []Result{
			{Run: runs[0], Status: Done, Metrics: report(10, 20, 20, 0.01)},
			{Run: runs[1], Status: Stopped, Error: "stopped by SIGTERM"},
		}, []string{"significant at 5% in 1 of 1 seeds, 0 of them in the model's favour", "the seeds disagree",
			"## Runs that did not finish", "| `seed=2` | stopped | stopped by SIGTERM |"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := string(Summarize(g, tc.results).Report("", nil))
			for _, w := range tc.want {
				if !strings.Contains(md, w) {
					t.Errorf("report.md lacks %q:\n%s", w, md)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(md, w) {
					t.Errorf("report.md has %q:\n%s", w, md)
				}
			}
		})
	}
}

// The reference table of the selection test's summary: medians, ranges and
// the ratio to persistence worked out by hand.
func TestTable(t *testing.T) {
	g := mustParseGrid(t, "hidden_dim=64,128,256 seed=1..3")
	runs := Plan(g)
	results := []Result{
		{Run: runs[0], Status: Done, Metrics: report(10, 25, 20, 0.5)},
		{Run: runs[1], Status: Done, Metrics: report(12, 26, 20, 0.01)},
		{Run: runs[2], Status: Done, Metrics: report(30, 27, 20, 0.2)},
		{Run: runs[3], Status: Done, Metrics: report(13, 15, 20, 0.001)},
		{Run: runs[4], Status: Failed, Error: "x"},
		{Run: runs[5], Status: Done, Metrics: report(13.5, 16, 20, 0.002)},
		{Run: runs[6], Status: Failed, Error: "x"},
		{Run: runs[7], Status: Failed, Error: "x"},
		{Run: runs[8], Status: Pending},
	}
	got := string(Summarize(g, results).Table())
	want := "| **`hidden_dim=64`** (selected) | 3 | 12.00 | 26.00 [25.00, 27.00] | 52.00 [50.00, 54.00] | 1.300 |\n" +
		"| `hidden_dim=128` | 2 | 13.25 | 15.50 [15.00, 16.00] | 31.00 [30.00, 32.00] | 0.775 |\n"
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	if tab := Summarize(g, results[6:]).Table(); len(tab) != 0 {
		t.Errorf("a table of configurations without a finished run:\n%s", tab)
	}
	if !math.IsInf(Summarize(g, results[6:]).Ranking[0].ValMAE, 1) {
		t.Error("a configuration without a finished run does not rank last")
	}
}
