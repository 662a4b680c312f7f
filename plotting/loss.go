// Loss: training and validation loss per epoch on a log axis.

package plotting

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// History is a run's per-epoch losses, as in history.csv.
type History struct {
	Epoch []int     // epoch numbers, strictly increasing (1-based in the trainer)
	Train []float64 // training MSE on the normalized scale, one per epoch
	Val   []float64 // validation MSE, one per epoch, or empty when the run had none
	Best  int       // epoch number of the best validation loss, 0 if none
}

// maxMarkedEpochs is the longest history drawn with a marker at every
// epoch; longer ones are plain lines.
const maxMarkedEpochs = 40

// Loss draws the training and validation loss per epoch on a log y axis,
// marks the best epoch with a ring and a label, and writes the chart to
// path (.png or .svg). Without validation losses the title is "Training
// loss" and there is no best epoch.
//
// Epoch must be non-empty and strictly increasing; Train, and Val unless
// it is empty, must have one finite value > 0 per epoch; Best, when not 0,
// must be one of the epochs and needs Val.
func Loss(path string, h History) error {
	const chart = "loss"
	if err := h.check(chart); err != nil {
		return err
	}
	title := "Training and validation loss"
	if len(h.Val) == 0 {
		title = "Training loss"
	}
	p := newPlot(title, "epoch", "MSE (normalized, log scale)")
	p.X.Tick.Marker = plot.TickerFunc(intTicks)
	// The y data are log10 of the losses; see log10Ticks.
	p.Y.Tick.Marker = plot.TickerFunc(log10Ticks)

	var shapes []plotter.XYs
	add := func(i int, name string, ys []float64) error {
		xys := make(plotter.XYs, len(ys))
		for k := range ys {
			xys[k] = plotter.XY{X: float64(h.Epoch[k]), Y: math.Log10(ys[k])}
		}
		l, s, err := seriesLine(i, xys)
		if err != nil {
			return err
		}
		if len(xys) > maxMarkedEpochs {
			p.Add(l)
			p.Legend.Add(name, l)
		} else {
			p.Add(l, s)
			p.Legend.Add(name, l, s)
		}
		shapes = append(shapes, xys)
		return nil
	}
	if err := add(0, "train", h.Train); err != nil {
		return fmt.Errorf("plotting: %s: %w", chart, err)
	}
	if len(h.Val) > 0 {
		if err := add(1, "validation", h.Val); err != nil {
			return fmt.Errorf("plotting: %s: %w", chart, err)
		}
	}

	lo, hi := niceLogRange(minMax(h.Train, h.Val))
	p.Y.Min, p.Y.Max = math.Log10(lo), math.Log10(hi)
	p.X.Min, p.X.Max = float64(h.Epoch[0]), float64(h.Epoch[len(h.Epoch)-1])
	if p.X.Min == p.X.Max {
		p.X.Min, p.X.Max = p.X.Min-1, p.X.Max+1
	}

	if h.Best != 0 {
		if err := markBest(p, h, shapes); err != nil {
			return fmt.Errorf("plotting: %s: %w", chart, err)
		}
	}
	placeLegend(p, figW, figH, shapes...)
	return render(chart, path, figW, figH, p.Draw)
}

// markBest adds a ring at the best validation epoch, a legend entry and a
// label beside the ring, on the side where it crosses the lines least.
func markBest(p *plot.Plot, h History, shapes []plotter.XYs) error {
	i := 0
	for h.Epoch[i] != h.Best {
		i++
	}
	pt := plotter.XYs{{X: float64(h.Best), Y: math.Log10(h.Val[i])}}
	s, err := plotter.NewScatter(pt)
	if err != nil {
		return err
	}
	s.Shape = thickRing{width: vg.Points(2)}
	s.Radius = vg.Points(7)
	s.Color = color.Black
	p.Add(s)
	p.Legend.Add("best validation", s)

	lab, err := plotter.NewLabels(plotter.XYLabels{
		XYs:    pt,
		Labels: []string{"epoch " + strconv.Itoa(h.Best) + ", val MSE " + strconv.FormatFloat(h.Val[i], 'g', 3, 64)},
	})
	if err != nil {
		return err
	}
	lab.TextStyle[0].Font = font.From(sans, legendSize)
	placeLabel(p, lab, figW, figH, shapes)
	p.Add(lab)
	return nil
}

// check validates h for the chart named chart.
func (h History) check(chart string) error {
	if len(h.Epoch) == 0 {
		return badInput(chart, "no epochs")
	}
	for i := 1; i < len(h.Epoch); i++ {
		if h.Epoch[i] <= h.Epoch[i-1] {
			return badInput(chart, "epoch[%d] = %d does not follow epoch[%d] = %d: epochs must increase",
				i, h.Epoch[i], i-1, h.Epoch[i-1])
		}
	}
	if err := checkLen(chart, "train", len(h.Train), "epoch", len(h.Epoch)); err != nil {
		return err
	}
	if err := checkPositive(chart, "train", h.Train, "log scale"); err != nil {
		return err
	}
	if len(h.Val) > 0 {
		if err := checkLen(chart, "val", len(h.Val), "epoch", len(h.Epoch)); err != nil {
			return err
		}
		if err := checkPositive(chart, "val", h.Val, "log scale"); err != nil {
			return err
		}
	}
	if h.Best == 0 {
		return nil
	}
	if len(h.Val) == 0 {
		return badInput(chart, "best epoch %d given without val losses", h.Best)
	}
	for _, e := range h.Epoch {
		if e == h.Best {
			return nil
		}
	}
	return badInput(chart, "best epoch %d is not one of the %d epochs (%d..%d)",
		h.Best, len(h.Epoch), h.Epoch[0], h.Epoch[len(h.Epoch)-1])
}
