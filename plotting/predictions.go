// Predictions: actual and predicted closes against dates.

package plotting

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Forecast is a model's one-step-ahead predictions over a date range, in
// index points (denormalized).
type Forecast struct {
	Dates       []time.Time // trading days, strictly increasing
	Actual      []float64   // actual close per date
	Predicted   []float64   // the model's prediction per date
	Persistence []float64   // the persistence baseline (previous close) per date; may be empty
	Title       string      // chart title; a default is used when empty
}

// maxMarkedDates is the longest forecast drawn with a dot at every date.
const maxMarkedDates = 40

// defaultForecastTitle is the title of a Forecast without one.
const defaultForecastTitle = "S&P 500 close: actual vs predicted"

// Predictions draws actual and predicted closes against dates, with the
// persistence baseline as a faint thin line beneath them, and writes the
// chart to path (.png or .svg).
//
// Dates must be non-empty and strictly increasing; Actual, Predicted and
// (unless empty) Persistence must have one finite value per date. Tick
// labels fall on calendar boundaries (days, months or years, whichever
// gives at most seven labels) in the location of Dates[0].
func Predictions(path string, f Forecast) error {
	const chart = "predictions"
	if err := f.check(chart); err != nil {
		return err
	}
	title := f.Title
	if title == "" {
		title = defaultForecastTitle
	}
	p := newPlot(title, "date", "S&P 500 close (index points)")
	p.X.Tick.Marker = dateTicks(f.Dates[0].Location())
	p.Y.Tick.Marker = plot.TickerFunc(linearTicks)

	xys := func(ys []float64) plotter.XYs {
		out := make(plotter.XYs, len(ys))
		for i, y := range ys {
			out[i] = plotter.XY{X: float64(f.Dates[i].Unix()), Y: y}
		}
		return out
	}
	var shapes []plotter.XYs
	add := func(name string, ys []float64, c color.Color, width vg.Length) error {
		l, s, err := plotter.NewLinePoints(xys(ys))
		if err != nil {
			return fmt.Errorf("plotting: %s: %w", chart, err)
		}
		l.Color = c
		l.Width = width
		p.Add(l)
		p.Legend.Add(name, l)
		if len(ys) <= maxMarkedDates {
			// A short forecast gets a dot per day: one day has no line.
			s.Color = c
			s.Shape = draw.CircleGlyph{}
			s.Radius = width * 1.5
			p.Add(s)
		}
		shapes = append(shapes, l.XYs)
		return nil
	}
	if len(f.Persistence) > 0 {
		if err := add("persistence (previous close)", f.Persistence, color.Gray{Y: 175}, vg.Points(0.8)); err != nil {
			return err
		}
	}
	if err := add("actual", f.Actual, color.Gray{Y: 40}, vg.Points(1.5)); err != nil {
		return err
	}
	if err := add("predicted", f.Predicted, palette[1], vg.Points(1.5)); err != nil {
		return err
	}
	// A little room above and below the lines.
	lo, hi := minMax(f.Actual, f.Predicted, f.Persistence)
	pad := 0.04 * (hi - lo)
	if pad == 0 {
		pad = 0.01*math.Abs(hi) + 1
	}
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	if len(f.Dates) == 1 {
		d := float64(f.Dates[0].Unix())
		p.X.Min, p.X.Max = d-86400, d+86400
	}
	placeLegend(p, figW, figH, shapes...)
	return render(chart, path, figW, figH, p.Draw)
}

// check validates f for the chart named chart.
func (f Forecast) check(chart string) error {
	if len(f.Dates) == 0 {
		return badInput(chart, "no dates")
	}
	for i, d := range f.Dates {
		if d.IsZero() {
			return badInput(chart, "dates[%d] is the zero time", i)
		}
		if i > 0 && !d.After(f.Dates[i-1]) {
			return badInput(chart, "dates[%d] = %s does not follow dates[%d] = %s: dates must increase",
				i, d.Format(time.DateOnly), i-1, f.Dates[i-1].Format(time.DateOnly))
		}
	}
	n := len(f.Dates)
	for _, s := range []struct {
		name     string
		ys       []float64
		optional bool
	}{
		{"actual", f.Actual, false},
		{"predicted", f.Predicted, false},
		{"persistence", f.Persistence, true},
	} {
		if s.optional && len(s.ys) == 0 {
			continue
		}
		if err := checkLen(chart, s.name, len(s.ys), "dates", n); err != nil {
			return err
		}
		if err := checkFinite(chart, s.name, s.ys); err != nil {
			return err
		}
	}
	return nil
}
