// What a sweep found: the selection on the validation split, and the
// summary and report that say so.
package sweep

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"mpitrain/mlp/eval"
)

// Statuses of a run.
const (
	Done    = "done"
	Failed  = "failed"
	Stopped = "stopped"
	Pending = "pending"
)

// Result is what became of one run.
type Result struct {
	Run     Run
	Status  string       // Done, Failed, Stopped or Pending
	Error   string       // why it failed or stopped
	Epochs  int          // epochs trained
	Seconds float64      // wall seconds of the run's last attempt
	Ranks   int          // the ranks of the group that trained it
	Metrics *eval.Report // metrics.json of a finished run
}

// mae returns the split's model MAE in index points when the run has them,
// else on the file's scale.
func mae(s eval.SplitReport, pts bool) float64 {
	if pts && s.Model.MAEPoints != nil {
		return *s.Model.MAEPoints
	}
	return s.Model.MAE
}

func rmse(s eval.SplitReport, pts bool) float64 {
	if pts && s.Model.RMSEPoints != nil {
		return *s.Model.RMSEPoints
	}
	return math.Sqrt(s.Model.MSE)
}

// Ranked is one configuration's standing: its finished runs and the
// median of their validation MAEs, the only figure selection looks at.
type Ranked struct {
	Config    string
	Runs      []Result // finished runs of the configuration, by seed order
	ValMAE    float64  // median validation MAE over the runs
	ValMin    float64
	ValMax    float64
	Missing   int // runs of the configuration that did not finish
	Scale     string
	Selected  bool
	TestMAE   float64 // median test MAE over the runs: reported, never used to choose
	TestRMSE  float64
	TestMin   float64
	TestMax   float64
	RMSEMin   float64
	RMSEMax   float64
	Skill     float64 // median skill against persistence on the test split
	PValues   []float64
	PersisMAE float64 // persistence's test MAE (the same for every run of the data)
}

// Summary is the whole sweep: every run's result and the configurations
// ranked by their median validation MAE, the first one selected.
type Summary struct {
	Grid    Grid
	Results []Result // in grid order
	Ranking []Ranked // best first; configurations without a finished run last
	Points  bool     // MAE in index points (else on the file's scale)
}

// Summarize ranks the configurations of results (one per run of g) by the
// median validation MAE of their finished runs. Test figures are computed
// for every configuration but play no part in the ranking.
func Summarize(g Grid, results []Result) Summary {
	s := Summary{Grid: g, Results: results, Points: true}
	for _, r := range results {
		if r.Status == Done && r.Metrics != nil && !r.Metrics.Points {
			s.Points = false
		}
	}
	scale := "index points"
	if !s.Points {
		scale = "file scale"
	}
	byConf := map[string]*Ranked{}
	var order []string
	for _, r := range results {
		k, ok := byConf[r.Run.Config]
		if !ok {
			k = &Ranked{Config: r.Run.Config, Scale: scale}
			byConf[r.Run.Config] = k
			order = append(order, r.Run.Config)
		}
		if r.Status != Done || r.Metrics == nil {
			k.Missing++
			continue
		}
		k.Runs = append(k.Runs, r)
	}
	for _, c := range order {
		k := byConf[c]
		if len(k.Runs) == 0 {
			k.ValMAE, k.TestMAE = math.Inf(1), math.NaN()
			s.Ranking = append(s.Ranking, *k)
			continue
		}
		var val, test, trmse, skill []float64
		for _, r := range k.Runs {
			val = append(val, mae(r.Metrics.Val, s.Points))
			test = append(test, mae(r.Metrics.Test, s.Points))
			trmse = append(trmse, rmse(r.Metrics.Test, s.Points))
			skill = append(skill, r.Metrics.Test.Skill)
			p := math.NaN()
			if r.Metrics.Test.DM != nil {
				p = r.Metrics.Test.DM.PValue
			}
			k.PValues = append(k.PValues, p)
			if s.Points && r.Metrics.Test.Persistence.MAEPoints != nil {
				k.PersisMAE = *r.Metrics.Test.Persistence.MAEPoints
			} else if !s.Points {
				k.PersisMAE = r.Metrics.Test.Persistence.MAE
			}
		}
		k.ValMAE, k.ValMin, k.ValMax = Median(val), slices.Min(val), slices.Max(val)
		k.TestMAE, k.TestMin, k.TestMax = Median(test), slices.Min(test), slices.Max(test)
		k.TestRMSE, k.RMSEMin, k.RMSEMax, k.Skill = Median(trmse), slices.Min(trmse), slices.Max(trmse), Median(skill)
		s.Ranking = append(s.Ranking, *k)
	}
	slices.SortStableFunc(s.Ranking, func(a, b Ranked) int { return cmp.Compare(a.ValMAE, b.ValMAE) })
	if len(s.Ranking) > 0 && len(s.Ranking[0].Runs) > 0 {
		s.Ranking[0].Selected = true
	}
	return s
}

// Selected is the selected configuration, or nil when no run finished.
func (s Summary) Selected() *Ranked {
	if len(s.Ranking) > 0 && s.Ranking[0].Selected {
		return &s.Ranking[0]
	}
	return nil
}

// Representative is the selected configuration's run whose validation MAE
// is the median one (the lower of the two middle ones): the run whose
// charts the report shows.
func (k Ranked) Representative(points bool) Result {
	runs := slices.Clone(k.Runs)
	slices.SortStableFunc(runs, func(a, b Result) int {
		return cmp.Compare(mae(a.Metrics.Val, points), mae(b.Metrics.Val, points))
	})
	return runs[(len(runs)-1)/2]
}

// Median of v (the mean of the two middle values for an even count); NaN
// when v is empty.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// CSV is summary.csv: one row per run in grid order: its name, every swept
// value, status, epochs, seconds, ranks, validation and test MAE and RMSE
// (index points, or the file's scale: the unit column says which), the
// test skill against persistence, the Diebold-Mariano p-value, and the
// error of a run that did not finish.
func (s Summary) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"name"}
	for _, a := range s.Grid {
		head = append(head, a.Key)
	}
	head = append(head, "status", "epochs", "seconds", "ranks", "unit", "val_mae", "val_rmse", "test_mae", "test_rmse",
		"test_skill_vs_persistence", "test_dm_p_value", "error")
	w.Write(head)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
	for _, r := range s.Results {
		row := append([]string{r.Run.Name}, r.Run.Values...)
		row = append(row, r.Status, strconv.Itoa(r.Epochs), strconv.FormatFloat(r.Seconds, 'f', 2, 64), strconv.Itoa(r.Ranks))
		if m := r.Metrics; r.Status == Done && m != nil {
			unit := "index points"
			if !s.Points {
				unit = "file scale"
			}
			p := ""
			if m.Test.DM != nil {
				p = f(m.Test.DM.PValue)
			}
			row = append(row, unit, f(mae(m.Val, s.Points)), f(rmse(m.Val, s.Points)), f(mae(m.Test, s.Points)), f(rmse(m.Test, s.Points)),
				f(m.Test.Skill), p, "")
		} else {
			row = append(row, "", "", "", "", "", "", "", r.Error)
		}
		w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

// Counts are the runs by status.
func (s Summary) Counts() map[string]int {
	c := map[string]int{}
	for _, r := range s.Results {
		c[r.Status]++
	}
	return c
}

// Report is report.md: how the sweep ran (header, from the caller), the
// configurations ranked on validation, the selected one's test figures,
// the failures, and the charts.
func (s Summary) Report(header string, charts []string) []byte {
	var b bytes.Buffer
	b.WriteString("# Sweep report\n\n")
	b.WriteString(header)
	c := s.Counts()
	fmt.Fprintf(&b, "\nRuns: %d in all, %d done, %d failed, %d stopped, %d not run.\n\n", len(s.Results), c[Done], c[Failed], c[Stopped], c[Pending])
	unit := "index points"
	if !s.Points {
		unit = "the file's scale (the data has no normalizer statistics)"
	}
	fmt.Fprintf(&b, "## Selection, on the validation split only\n\n")
	fmt.Fprintf(&b, "Configurations ranked by the median validation MAE over their seeds (%s); the first is selected. "+
		"Test figures are not looked at to choose.\n\n", unit)
	b.WriteString("| rank | configuration | runs | validation MAE, median [range] |\n|---|---|---|---|\n")
	for i, k := range s.Ranking {
		if len(k.Runs) == 0 {
			fmt.Fprintf(&b, "| - | %s | 0 of %d | no finished run |\n", k.Config, k.Missing)
			continue
		}
		mark := ""
		if k.Selected {
			mark = " **selected**"
		}
		fmt.Fprintf(&b, "| %d | `%s`%s | %d of %d | %.4g [%.4g, %.4g] |\n", i+1, k.Config, mark, len(k.Runs), len(k.Runs)+k.Missing, k.ValMAE, k.ValMin, k.ValMax)
	}
	if sel := s.Selected(); sel != nil {
		fmt.Fprintf(&b, "\n## The selected configuration on the test split\n\n`%s`, %d seed(s):\n\n", sel.Config, len(sel.Runs))
		fmt.Fprintf(&b, "- test MAE %.4g (median; range %.4g to %.4g), RMSE %.4g, against persistence's MAE %.4g: skill %+.1f%% (median)\n",
			sel.TestMAE, sel.TestMin, sel.TestMax, sel.TestRMSE, sel.PersisMAE, 100*sel.Skill)
		sig, better := 0, 0
		var ps []string
		for i, p := range sel.PValues {
			ps = append(ps, fmt.Sprintf("%.3g", p))
			if p < eval.Alpha {
				sig++
				if sel.Runs[i].Metrics.Test.DM.MeanDiff < 0 {
					better++
				}
			}
		}
		fmt.Fprintf(&b, "- Diebold-Mariano test against persistence (absolute errors), p-value per seed: %s; significant at 5%% in %d of %d seeds, %d of them in the model's favour\n",
			strings.Join(ps, ", "), sig, len(sel.PValues), better)
		switch {
		case better == len(sel.PValues):
			b.WriteString("- reading: the model beats persistence on this test period with every seed\n")
		case sig == 0:
			b.WriteString("- reading: the model and persistence are not distinguishable on this test period\n")
		default:
			b.WriteString("- reading: the seeds disagree; no claim either way\n")
		}
	}
	if len(s.Ranking) > 1 {
		b.WriteString("\n## Every configuration on the test split, for reference\n\n")
		b.WriteString("Not used to select: choosing by these figures would fit the test period.\n\n")
		b.WriteString(TableHeader)
		b.Write(s.Table())
	}
	var failed []Result
	for _, r := range s.Results {
		if r.Status == Failed || r.Status == Stopped {
			failed = append(failed, r)
		}
	}
	if len(failed) > 0 {
		b.WriteString("\n## Runs that did not finish\n\n| run | status | error |\n|---|---|---|\n")
		for _, r := range failed {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Run.Name, r.Status, strings.ReplaceAll(r.Error, "|", "\\|"))
		}
	}
	if len(charts) > 0 {
		b.WriteString("\n## Charts\n\n")
		for _, c := range charts {
			fmt.Fprintf(&b, "![%s](%s)\n\n", strings.TrimSuffix(c, ".png"), c)
		}
	}
	return b.Bytes()
}

// TableHeader heads Table's rows.
const TableHeader = "| configuration | seeds | validation MAE, median | test MAE, median [range] | test RMSE, median [range] | test MAE / persistence |\n|---|---|---|---|---|---|\n"

// Table is a markdown row per configuration with a finished run, in the
// ranking's order, the selected one in bold: the validation figure that
// ranks them and the test figures, for reference.
func (s Summary) Table() []byte {
	var b bytes.Buffer
	for _, k := range s.Ranking {
		if len(k.Runs) == 0 {
			continue
		}
		conf := "`" + k.Config + "`"
		if k.Selected {
			conf = "**" + conf + "** (selected)"
		}
		fmt.Fprintf(&b, "| %s | %d | %.2f | %.2f [%.2f, %.2f] | %.2f [%.2f, %.2f] | %.3f |\n", conf, len(k.Runs), k.ValMAE,
			k.TestMAE, k.TestMin, k.TestMax, k.TestRMSE, k.RMSEMin, k.RMSEMax, k.TestMAE/k.PersisMAE)
	}
	return b.Bytes()
}
