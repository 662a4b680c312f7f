// Timeline: one epoch's training steps, a row per rank, each phase a
// coloured bar on a common time axis.

package plotting

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TimelineSpan is one phase of one rank: Phase names it ("forward",
// "backward", "allreduce", "wait", "optimizer", "evaluation" or "step"),
// Start and End are in milliseconds on the common clock.
type TimelineSpan struct {
	Rank       int
	Phase      string
	Start, End float64
}

// timelinePhases are the phases drawn, in legend order, with their colours;
// "step" spans are drawn as thin outlines behind them.
var timelinePhases = []struct {
	name  string
	color color.Color
}{
	{"forward", palette[0]},
	{"backward", palette[5]},
	{"allreduce", palette[1]},
	{"wait", color.Gray{Y: 170}},
	{"optimizer", palette[2]},
	{"evaluation", palette[3]},
}

// Timeline draws spans, a row per rank (rank 0 at the top) of ranks rows,
// and writes the chart to path (.png or .svg). Each phase is a bar in its
// colour; each step is outlined. Spans of an unknown phase are an error,
// as are non-finite times and an end before a start.
func Timeline(path, title string, ranks int, spans []TimelineSpan) error {
	const chart = "timeline"
	if ranks < 1 {
		return badInput(chart, "%d ranks", ranks)
	}
	if len(spans) == 0 {
		return badInput(chart, "no spans")
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range spans {
		if err := checkFinite(chart, fmt.Sprintf("span %d", i), []float64{s.Start, s.End}); err != nil {
			return err
		}
		if s.End < s.Start || s.Rank < 0 || s.Rank >= ranks {
			return badInput(chart, "span %d: rank %d, [%g, %g] ms", i, s.Rank, s.Start, s.End)
		}
		if s.Phase != "step" && phaseColor(s.Phase) == nil {
			return badInput(chart, "span %d: unknown phase %q", i, s.Phase)
		}
		lo, hi = min(lo, s.Start), max(hi, s.End)
	}
	p, grid := newPlotGrid(title, "ms from the epoch's first step", "")
	grid.Horizontal.Color = nil
	p.Add(&timelineBars{ranks: ranks, spans: spans})
	var ticks []plot.Tick
	for r := range ranks {
		ticks = append(ticks, plot.Tick{Value: float64(ranks - 1 - r), Label: fmt.Sprintf("rank %d", r)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.6, float64(ranks)-0.4
	pad := 0.01 * (hi - lo)
	if pad == 0 {
		pad = 1
	}
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.X.Tick.Marker = plot.TickerFunc(linearTicks)
	h := vg.Length(math.Max(float64(figH)*0.6, float64(vg.Points(130+45*float64(ranks)))))
	legend := vg.Points(22)
	return render(chart, path, wideFigW, h, func(c draw.Canvas) {
		p.Draw(draw.Crop(c, vg.Points(8), 0, legend, 0))
		// The legend in one row along the bottom edge.
		sty := p.Legend.TextStyle
		x, y := c.Min.X+vg.Points(60), c.Min.Y+vg.Points(6)
		box := vg.Points(10)
		for _, ph := range timelinePhases {
			c.FillPolygon(ph.color, []vg.Point{{X: x, Y: y}, {X: x + box, Y: y}, {X: x + box, Y: y + box}, {X: x, Y: y + box}})
			c.FillText(sty, vg.Point{X: x + box + vg.Points(4), Y: y}, ph.name)
			x += box + vg.Points(16) + sty.Width(ph.name)
		}
	})
}

func phaseColor(name string) color.Color {
	for _, ph := range timelinePhases {
		if ph.name == name {
			return ph.color
		}
	}
	return nil
}

// timelineBars is the plot.Plotter that draws the spans.
type timelineBars struct {
	ranks int
	spans []TimelineSpan
}

func (t *timelineBars) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	rect := func(s TimelineSpan, half float64) []vg.Point {
		y := float64(t.ranks - 1 - s.Rank)
		x0, x1 := tx(s.Start), tx(s.End)
		if x1-x0 < vg.Points(0.4) { // keep very short phases visible
			x1 = x0 + vg.Points(0.4)
		}
		y0, y1 := ty(y-half), ty(y+half)
		return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}}
	}
	for _, s := range t.spans {
		if s.Phase == "step" {
			c.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(0.5)}, c.ClipLinesXY(rect(s, 0.36))...)
		}
	}
	for _, s := range t.spans {
		if col := phaseColor(s.Phase); col != nil {
			c.FillPolygon(col, c.ClipPolygonXY(rect(s, 0.3)))
		}
	}
}
