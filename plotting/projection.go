// ProjectedScaling: a cost model's efficiency against ranks, with
// measured points.

package plotting

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Projection is a cost model's parallel efficiency for several networks on
// a range of rank counts, and the efficiencies actually measured.
type Projection struct {
	NP       []int              // rank counts, at least 1, strictly increasing
	Series   []ProjectionSeries // one per network; at least one
	Measured []MeasuredPoint    // may be empty
}

// ProjectionSeries is one network's projected efficiency, one value per
// Projection.NP.
type ProjectionSeries struct {
	Label      string // e.g. "MLP 60-64-1 (4k params)"
	Efficiency []float64
}

// MeasuredPoint is an efficiency measured on NP ranks. A point whose Label
// equals a series' Label is drawn in that series' colour.
type MeasuredPoint struct {
	Label      string
	NP         int
	Efficiency float64
}

// ProjectedScaling draws the projected parallel efficiency against the
// number of ranks on a log2 axis (ticks at powers of two), one line per
// series, the measured points as large hollow markers and a reference
// line at 1, and writes the chart to path (.png or .svg).
//
// Every series needs one finite efficiency >= 0 per NP; measured points
// need NP >= 1 and a finite efficiency >= 0.
func ProjectedScaling(path string, pr Projection) error {
	const chart = "projected scaling"
	if err := pr.check(chart); err != nil {
		return err
	}
	p := newPlot("Projected parallel efficiency (cost model)", "MPI ranks (p, log2 scale)", "parallel efficiency")
	// The x data are log2 of the rank counts; see pow2Ticks.
	p.X.Tick.Marker = plot.TickerFunc(pow2Ticks)

	lo, hi := math.Log2(float64(pr.NP[0])), math.Log2(float64(pr.NP[len(pr.NP)-1]))
	maxEff := 1.0
	for _, m := range pr.Measured {
		lo, hi = math.Min(lo, math.Log2(float64(m.NP))), math.Max(hi, math.Log2(float64(m.NP)))
		maxEff = math.Max(maxEff, m.Efficiency)
	}
	if lo == hi {
		lo, hi = math.Max(0, lo-1), hi+1
	}
	ref := refLine(lo, 1, hi, 1)
	p.Add(ref)
	p.Legend.Add("ideal (efficiency = 1)", ref)

	var shapes []plotter.XYs
	index := map[string]int{}
	for i, s := range pr.Series {
		xys := make(plotter.XYs, len(pr.NP))
		for k, np := range pr.NP {
			xys[k] = plotter.XY{X: math.Log2(float64(np)), Y: s.Efficiency[k]}
			maxEff = math.Max(maxEff, s.Efficiency[k])
		}
		l, g, err := seriesLine(i, xys)
		if err != nil {
			return fmt.Errorf("plotting: %s: %w", chart, err)
		}
		g.Radius = vg.Points(2.5)
		p.Add(l, g)
		p.Legend.Add(s.Label, l, g)
		shapes = append(shapes, xys)
		if _, ok := index[s.Label]; !ok {
			index[s.Label] = i
		}
	}

	// Measured points, grouped by label in order of first appearance.
	var labels []string
	byLabel := map[string]plotter.XYs{}
	for _, m := range pr.Measured {
		if _, ok := byLabel[m.Label]; !ok {
			labels = append(labels, m.Label)
		}
		byLabel[m.Label] = append(byLabel[m.Label], plotter.XY{X: math.Log2(float64(m.NP)), Y: m.Efficiency})
	}
	next := len(pr.Series)
	for _, label := range labels {
		xys := byLabel[label]
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("plotting: %s: %w", chart, err)
		}
		ci, ok := index[label]
		if !ok {
			ci = next
			next++
		}
		s.Color = colorAt(ci)
		s.Shape = thickRing{width: vg.Points(2)}
		s.Radius = vg.Points(6)
		p.Add(s)
		name := "measured"
		if label != "" {
			name = label + " (measured)"
		}
		p.Legend.Add(name, s)
		for _, xy := range xys {
			shapes = append(shapes, plotter.XYs{xy})
		}
	}

	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = 0, math.Max(1.1, maxEff*1.05)
	p.Y.Tick.Marker = plot.TickerFunc(linearTicks)
	shapes = append(shapes, ref.XYs)
	placeLegend(p, figW, figH, shapes...)
	return render(chart, path, figW, figH, func(c draw.Canvas) { p.Draw(c) })
}

// check validates pr for the chart named chart.
func (pr Projection) check(chart string) error {
	if len(pr.NP) == 0 {
		return badInput(chart, "no rank counts")
	}
	for i, np := range pr.NP {
		if np < 1 {
			return badInput(chart, "np[%d] is %d, want at least 1", i, np)
		}
		if i > 0 && np <= pr.NP[i-1] {
			return badInput(chart, "np[%d] = %d does not follow np[%d] = %d: rank counts must increase",
				i, np, i-1, pr.NP[i-1])
		}
	}
	if len(pr.Series) == 0 {
		return badInput(chart, "no series")
	}
	for i, s := range pr.Series {
		name := fmt.Sprintf("series %d (%q) efficiency", i, s.Label)
		if err := checkLen(chart, name, len(s.Efficiency), "np", len(pr.NP)); err != nil {
			return err
		}
		if err := checkNonNegative(chart, name, s.Efficiency); err != nil {
			return err
		}
	}
	for i, m := range pr.Measured {
		if m.NP < 1 {
			return badInput(chart, "measured point %d (%q): np is %d, want at least 1", i, m.Label, m.NP)
		}
		name := fmt.Sprintf("measured point %d (%q) efficiency", i, m.Label)
		if err := checkNonNegative(chart, name, []float64{m.Efficiency}); err != nil {
			return err
		}
	}
	return nil
}
