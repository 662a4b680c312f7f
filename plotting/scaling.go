// Scaling: speedup and parallel efficiency against the number of ranks.

package plotting

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScalingRow is one run of a scaling sweep, as in summary.csv.
type ScalingRow struct {
	Mode      string  // "strong" (fixed global batch) or "weak" (fixed per-rank batch)
	NP        int     // number of MPI ranks
	Batch     int     // global batch of the run; for weak runs a multiple of NP
	EpochSec  float64 // median seconds per epoch over the run's epochs
	StepSec   float64 // seconds per step (of the median run)
	Compute   float64 // seconds per step in forward/backward/optimizer
	Allreduce float64 // seconds per step inside MPI_Allreduce
	Wait      float64 // seconds per step waiting (load imbalance, eval barriers)
}

// Scaling modes.
const (
	Strong = "strong"
	Weak   = "weak"
)

// scalingSeries is the rows of one (mode, batch) series, sorted by NP.
type scalingSeries struct {
	mode  string
	batch int // global batch for strong, per-rank batch for weak
	label string
	rows  []ScalingRow
}

// Scaling draws two panels side by side and writes them to path (.png or
// .svg): on the left the speedup T(1)/T(p) against the number of ranks p
// for each series, with the ideal line speedup = p; on the right the
// parallel efficiency, with a reference line at 1. The series legend is
// in the left panel; the panels share its colours and markers.
//
// Rows are grouped into series: strong rows by (Mode, Batch), labelled
// "strong, batch 128"; weak rows by the per-rank batch Batch/NP, labelled
// "weak, batch 64/rank", so that a weak series holds the runs that give
// every rank the same work. Every series needs a row with NP == 1, its
// baseline, and at most one row per NP.
//
// T is the median time per epoch (EpochSec), so the speedup is how much
// sooner a pass over the training set ends; for a weak series, whose global
// batch grows with p, that is the scaled speedup. Efficiency is speedup/p
// for strong series and StepSec(1)/StepSec(p) for weak ones: with the same
// work per rank per step, an ideal step takes as long on p ranks as on one.
func Scaling(path string, rows []ScalingRow) error {
	const chart = "scaling"
	series, err := groupScaling(chart, rows)
	if err != nil {
		return err
	}
	for _, s := range series {
		if s.rows[0].NP != 1 {
			return badInput(chart, "series %q has no np=1 row to measure speedup against", s.label)
		}
		for _, r := range s.rows {
			if r.EpochSec <= 0 {
				return badInput(chart, "series %q, np=%d: epoch seconds is %v, want > 0", s.label, r.NP, r.EpochSec)
			}
			if s.mode == Weak && r.StepSec <= 0 {
				return badInput(chart, "series %q, np=%d: step seconds is %v, want > 0", s.label, r.NP, r.StepSec)
			}
		}
	}

	nps := rankValues(rows)
	maxNP := float64(nps[len(nps)-1])
	left := newPlot("Speedup over one rank", "MPI ranks (p)", "speedup  T(1) / T(p), time per epoch")
	right := newPlot("Parallel efficiency", "MPI ranks (p)", "efficiency  (strong: speedup / p; weak: step time ratio)")
	idealSpeed, idealEff := refLine(1, 1, maxNP, maxNP), refLine(1, 1, maxNP, 1)
	left.Add(idealSpeed)
	left.Legend.Add("ideal (speedup = p)", idealSpeed)
	right.Add(idealEff)
	right.Legend.Add("ideal (efficiency = 1)", idealEff)

	var speedShapes, effShapes []plotter.XYs
	maxSpeed, maxEff := maxNP, 1.0
	for i, s := range series {
		base := s.rows[0]
		speed := make(plotter.XYs, len(s.rows))
		eff := make(plotter.XYs, len(s.rows))
		for k, r := range s.rows {
			sp := base.EpochSec / r.EpochSec
			e := sp / float64(r.NP)
			if s.mode == Weak {
				e = base.StepSec / r.StepSec
			}
			speed[k] = plotter.XY{X: float64(r.NP), Y: sp}
			eff[k] = plotter.XY{X: float64(r.NP), Y: e}
			maxSpeed = math.Max(maxSpeed, sp)
			maxEff = math.Max(maxEff, e)
		}
		ls, gs, err := seriesLine(i, speed)
		if err != nil {
			return fmt.Errorf("plotting: %s: %w", chart, err)
		}
		le, ge, err := seriesLine(i, eff)
		if err != nil {
			return fmt.Errorf("plotting: %s: %w", chart, err)
		}
		left.Add(ls, gs)
		right.Add(le, ge)
		// One legend for both panels: same colours, same markers.
		left.Legend.Add(s.label, ls, gs)
		speedShapes = append(speedShapes, speed)
		effShapes = append(effShapes, eff)
	}

	for _, p := range []*plot.Plot{left, right} {
		p.X.Min, p.X.Max = 1, math.Max(maxNP, 2)
		p.X.Tick.Marker = rankTicks(nps)
		p.Y.Min = 0
		p.Y.Tick.Marker = plot.TickerFunc(linearTicks)
	}
	left.Y.Max = maxSpeed * 1.05
	right.Y.Max = math.Max(1.1, maxEff*1.05)
	speedShapes = append(speedShapes, idealSpeed.XYs)
	effShapes = append(effShapes, idealEff.XYs)
	placeLegend(left, wideFigW/2, figH, speedShapes...)
	placeLegend(right, wideFigW/2, figH, effShapes...)

	return render(chart, path, wideFigW, figH, func(c draw.Canvas) {
		drawSideBySide(c, left, right)
	})
}

// drawSideBySide draws plots in one row of equal tiles with aligned axes.
func drawSideBySide(c draw.Canvas, plots ...*plot.Plot) {
	t := draw.Tiles{
		Rows: 1, Cols: len(plots),
		PadX:   vg.Points(24),
		PadTop: vg.Points(6), PadBottom: vg.Points(6),
		PadLeft: vg.Points(6), PadRight: vg.Points(12),
	}
	canvases := plot.Align([][]*plot.Plot{plots}, t, c)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
}

// rankTicks labels the measured rank counts when there are few, and evenly
// spaced integers otherwise.
func rankTicks(nps []int) plot.Ticker {
	if len(nps) > 12 {
		return plot.TickerFunc(intTicks)
	}
	ticks := make(plot.ConstantTicks, len(nps))
	for i, np := range nps {
		ticks[i] = plot.Tick{Value: float64(np), Label: strconv.Itoa(np)}
	}
	return ticks
}

// rankValues returns the distinct NP values of rows, ascending.
func rankValues(rows []ScalingRow) []int {
	var nps []int
	for _, r := range rows {
		nps = append(nps, r.NP)
	}
	slices.Sort(nps)
	return slices.Compact(nps)
}

// groupScaling checks rows and groups them into series, strong before
// weak, each by ascending batch, rows by ascending NP.
func groupScaling(chart string, rows []ScalingRow) ([]scalingSeries, error) {
	if len(rows) == 0 {
		return nil, badInput(chart, "no rows")
	}
	type key struct {
		mode  string
		batch int
	}
	byKey := map[key]*scalingSeries{}
	for i, r := range rows {
		what := fmt.Sprintf("row %d (%s, np=%d, batch %d)", i, r.Mode, r.NP, r.Batch)
		if r.Mode != Strong && r.Mode != Weak {
			return nil, badInput(chart, "%s: mode %q is neither %q nor %q", what, r.Mode, Strong, Weak)
		}
		if r.NP < 1 {
			return nil, badInput(chart, "%s: np must be at least 1", what)
		}
		if r.Batch < 1 {
			return nil, badInput(chart, "%s: batch must be at least 1", what)
		}
		if r.Mode == Weak && r.Batch%r.NP != 0 {
			return nil, badInput(chart, "%s: a weak-scaling batch must be a multiple of np", what)
		}
		for _, f := range []struct {
			name string
			v    float64
		}{
			{"epoch seconds", r.EpochSec}, {"step seconds", r.StepSec},
			{"compute", r.Compute}, {"allreduce", r.Allreduce}, {"wait", r.Wait},
		} {
			if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
				return nil, badInput(chart, "%s: %s is %v, want a finite value >= 0", what, f.name, f.v)
			}
		}
		k := key{r.Mode, r.Batch}
		label := fmt.Sprintf("strong, batch %d", r.Batch)
		if r.Mode == Weak {
			k.batch = r.Batch / r.NP
			label = fmt.Sprintf("weak, batch %d/rank", k.batch)
		}
		s := byKey[k]
		if s == nil {
			s = &scalingSeries{mode: k.mode, batch: k.batch, label: label}
			byKey[k] = s
		}
		for _, o := range s.rows {
			if o.NP == r.NP {
				return nil, badInput(chart, "%s: series %q already has a row for np=%d", what, label, r.NP)
			}
		}
		s.rows = append(s.rows, r)
	}
	series := make([]scalingSeries, 0, len(byKey))
	for _, s := range byKey {
		slices.SortFunc(s.rows, func(a, b ScalingRow) int { return cmp.Compare(a.NP, b.NP) })
		series = append(series, *s)
	}
	slices.SortFunc(series, func(a, b scalingSeries) int {
		// "strong" < "weak" alphabetically, which is the order wanted.
		return cmp.Or(cmp.Compare(a.mode, b.mode), cmp.Compare(a.batch, b.batch))
	})
	return series, nil
}
