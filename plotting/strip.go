// Strip: every seed's value of each configuration of a sweep, one row per
// configuration, with the configurations' medians.

package plotting

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// StripRow is one configuration: its label and one value per seed.
type StripRow struct {
	Label    string
	Values   []float64
	Selected bool // drawn in the highlight colour
}

// Strip draws one row per configuration (the first at the top) with a dot
// per value and a bar at their median, and writes the chart to path (.png
// or .svg). A row may have no values (nothing finished); every value must
// be finite. The chart grows with the rows.
func Strip(path, title, xLabel string, rows []StripRow) error {
	const chart = "strip"
	if len(rows) == 0 {
		return badInput(chart, "no rows")
	}
	var all []float64
	for _, r := range rows {
		if err := checkFinite(chart, r.Label, r.Values); err != nil {
			return err
		}
		all = append(all, r.Values...)
	}
	if len(all) == 0 {
		return badInput(chart, "no values")
	}
	p, grid := newPlotGrid(title, xLabel, "")
	grid.Horizontal.Color = color.Transparent
	n := len(rows)
	var ticks []plot.Tick
	for i, r := range rows {
		y := float64(n - 1 - i)
		ticks = append(ticks, plot.Tick{Value: y, Label: r.Label})
		if len(r.Values) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(r.Values))
		for k, v := range r.Values {
			// Seeds spread slightly in y so that equal values stay visible.
			pts[k] = plotter.XY{X: v, Y: y + 0.18*(float64(k)/math.Max(1, float64(len(r.Values)-1))-0.5)}
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("plotting: %s: %w", chart, err)
		}
		c := colorAt(0)
		if r.Selected {
			c = colorAt(1)
		}
		s.Color, s.Shape, s.Radius = c, draw.CircleGlyph{}, vg.Points(3.5)
		med := median(r.Values)
		bar := refLine(med, y-0.3, med, y+0.3)
		bar.Dashes, bar.Color, bar.Width = nil, c, vg.Points(2.5)
		p.Add(s, bar)
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	lo, hi := slices.Min(all), slices.Max(all)
	pad := 0.05 * (hi - lo)
	if pad == 0 {
		pad = 0.05 * math.Max(math.Abs(lo), 1)
	}
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.X.Tick.Marker = plot.TickerFunc(linearTicks)
	h := vg.Length(math.Max(float64(figH), float64(vg.Points(60+22*float64(n)))))
	// A little room on the left: gonum measures the tick labels' width,
	// but the first glyph of a long label touched the edge.
	return render(chart, path, figW+vg.Inch, h, func(c draw.Canvas) { p.Draw(draw.Crop(c, vg.Points(8), 0, 0, 0)) })
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
