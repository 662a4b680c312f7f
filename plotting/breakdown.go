// Breakdown: time per step split into compute, Allreduce and wait.

package plotting

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// otherShare is the part of StepSec, beyond compute + Allreduce + wait,
// from which Breakdown shows the remainder as its own "other" segment.
const otherShare = 0.01

// Breakdown draws, for every run, the time per step as a bar stacked from
// compute, Allreduce and wait, in milliseconds, and writes the chart to path
// (.png or .svg). Bars are grouped by series as in Scaling (strong by global
// batch, weak by per-rank batch), ascending in the number of ranks within a
// group, labelled with the rank count and the series under each group.
//
// When a row's StepSec exceeds Compute+Allreduce+Wait by more than 1%, the
// remainder is stacked on top as "other", so the bars never claim a split
// the measurements do not support. Rows need no np=1 run.
func Breakdown(path string, rows []ScalingRow) error {
	const chart = "breakdown"
	series, err := groupScaling(chart, rows)
	if err != nil {
		return err
	}
	other := func(r ScalingRow) float64 {
		rest := r.StepSec - (r.Compute + r.Allreduce + r.Wait)
		if rest > otherShare*r.StepSec {
			return rest
		}
		return 0
	}
	hasOther := false
	for _, r := range rows {
		hasOther = hasOther || other(r) > 0
	}

	p, grid := newPlotGrid("Time per training step: compute vs communication", "MPI ranks, grouped by series", "ms per step")
	grid.Vertical.Color = nil // lines through the bars would only clutter
	parts := []struct {
		name  string
		color color.Color
		value func(ScalingRow) float64
	}{
		{"compute", palette[0], func(r ScalingRow) float64 { return r.Compute }},
		{"Allreduce", palette[1], func(r ScalingRow) float64 { return r.Allreduce }},
		{"wait", color.Gray{Y: 160}, func(r ScalingRow) float64 { return r.Wait }},
		{"other (unaccounted)", palette[3], other},
	}
	if !hasOther {
		parts = parts[:3]
	}

	// One slot per bar, and an empty slot between groups.
	slots := len(rows) + len(series) - 1
	areaW := float64(figW - 1.4*vg.Inch)
	barW := vg.Length(math.Min(48, 0.7*areaW/float64(slots)))

	var ticks plot.ConstantTicks
	var shapes []plotter.XYs
	maxTotal, x0 := 0.0, 0.0
	for gi, s := range series {
		var below *plotter.BarChart
		for pi, part := range parts {
			vals := make(plotter.Values, len(s.rows))
			for k, r := range s.rows {
				vals[k] = 1000 * part.value(r)
			}
			b, err := plotter.NewBarChart(vals, barW)
			if err != nil {
				return fmt.Errorf("plotting: %s: %w", chart, err)
			}
			b.XMin = x0
			b.Color = part.color
			b.LineStyle.Color = color.White
			b.LineStyle.Width = vg.Points(0.5)
			if below != nil {
				b.StackOn(below)
			}
			p.Add(b)
			if gi == 0 {
				p.Legend.Add(parts[pi].name, b)
			}
			below = b
		}
		for k, r := range s.rows {
			total := 1000 * (r.Compute + r.Allreduce + r.Wait + other(r))
			maxTotal = math.Max(maxTotal, total)
			x := x0 + float64(k)
			ticks = append(ticks, plot.Tick{Value: x, Label: strconv.Itoa(r.NP)})
			shapes = append(shapes, plotter.XYs{{X: x, Y: 0}, {X: x, Y: total}})
		}
		// The series name on the second and third lines, under the group.
		ticks = append(ticks, plot.Tick{
			Value: x0 + float64(len(s.rows)-1)/2,
			Label: "\n" + seriesLines(s),
		})
		x0 += float64(len(s.rows) + 1)
	}
	p.X.Tick.Marker = ticks
	p.X.Tick.Length = 0
	p.X.Min, p.X.Max = -0.6, x0-2+0.6
	p.Y.Min = 0
	p.X.Padding = 0 // bars stand on the x axis
	p.Y.Tick.Marker = plot.TickerFunc(linearTicks)
	if maxTotal == 0 {
		maxTotal = 1
	}
	// Head room above the tallest bar for the legend.
	p.Y.Max = maxTotal * 1.3
	placeLegend(p, figW, figH, shapes...)
	return render(chart, path, figW, figH, p.Draw)
}

// seriesLines is a series label on two lines, short enough to sit under a
// group of one bar: "strong\nbatch 128", "weak\nbatch 64/rank".
func seriesLines(s scalingSeries) string {
	if s.mode == Weak {
		return fmt.Sprintf("weak\nbatch %d/rank", s.batch)
	}
	return fmt.Sprintf("strong\nbatch %d", s.batch)
}
