// The metrics table and the verdict line a run prints.
package eval

import (
	"fmt"
	"io"
)

// Alpha is the significance level of the verdict.
const Alpha = 0.05

// Print writes the metrics table of r and the verdict line.
func Print(out io.Writer, r Report) {
	fmt.Fprintf(out, "%-6s %-12s %10s %10s %8s %12s %11s %8s\n",
		"split", "predictor", "MSE", "MAE", "R2", "RMSE pts", "MAE pts", "dir acc")
	for _, sr := range []struct {
		name string
		r    SplitReport
	}{{"val", r.Val}, {"test", r.Test}} {
		for _, p := range []struct {
			name string
			s    Scores
		}{{"model", sr.r.Model}, {"persistence", sr.r.Persistence}, {"linear", sr.r.Linear}} {
			dir := "     n/a"
			if p.s.DirAcc != nil {
				dir = fmt.Sprintf("%7.1f%%", 100**p.s.DirAcc)
			}
			fmt.Fprintf(out, "%-6s %-12s %10.6f %10.6f %8.4f %12s %11s %s\n",
				sr.name, p.name, p.s.MSE, p.s.MAE, p.s.R2, optional(p.s.RMSEPoints, 12), optional(p.s.MAEPoints, 11), dir)
		}
	}
	if !r.Points {
		fmt.Fprintln(out, "index points: n/a (the data carries no normalizer statistics; figures are on the file's scale)")
	}
	fmt.Fprintln(out, Summary(r.Test))
}

func optional(v *float64, width int) string {
	if v == nil {
		return fmt.Sprintf("%*s", width, "n/a")
	}
	return fmt.Sprintf("%*.2f", width, *v)
}

// Summary is the verdict on the test split: the model beats (or loses to)
// persistence only when the Diebold-Mariano test finds the difference in
// absolute errors significant at Alpha; otherwise the two are not
// distinguishable on this test period.
func Summary(t SplitReport) string {
	m, p, unit := t.Model.MAE, t.Persistence.MAE, "on the file's scale"
	if t.Model.MAEPoints != nil && t.Persistence.MAEPoints != nil {
		m, p, unit = *t.Model.MAEPoints, *t.Persistence.MAEPoints, "index points"
	}
	figures := fmt.Sprintf("MAE %.2f vs %.2f %s (skill %+.1f%%", m, p, unit, 100*t.Skill)
	if unit != "index points" {
		figures = fmt.Sprintf("MAE %.6f vs %.6f %s (skill %+.1f%%", m, p, unit, 100*t.Skill)
	}
	if t.DM == nil {
		return fmt.Sprintf("test: too few windows (%d) to test the model against persistence: %s)", t.N, figures)
	}
	figures += fmt.Sprintf(", Diebold-Mariano p = %.3g)", t.DM.PValue)
	switch {
	case t.DM.Significant(Alpha) && t.DM.MeanDiff < 0:
		return "test: the model beats persistence: " + figures
	case t.DM.Significant(Alpha):
		return "test: the model LOSES TO persistence: " + figures
	}
	return "test: the model and persistence are not distinguishable on this test period: " + figures
}
