// Shared look: fonts, colours, axes, grid and legend placement.

package plotting

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sans is the embedded Liberation Sans; the sizes below keep every text at
// 11pt or more, readable at 100% zoom on a 96 DPI PNG.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

const (
	titleSize  = 14
	labelSize  = 12
	tickSize   = 11
	legendSize = 11
)

// palette is the Okabe-Ito colour-blind-safe set without its yellow, which
// is too light for lines on white.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{0, 0, 0, 255},       // black
}

// colorAt returns the i-th palette colour, cycling.
func colorAt(i int) color.Color { return palette[i%len(palette)] }

// glyphs are the marker shapes given to series in turn, so that series stay
// distinguishable in grey-scale print.
var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{},
	draw.SquareGlyph{},
	draw.TriangleGlyph{},
	draw.PyramidGlyph{},
	draw.RingGlyph{},
	draw.BoxGlyph{},
	draw.CrossGlyph{},
}

// glyphAt returns the i-th marker shape, cycling.
func glyphAt(i int) draw.GlyphDrawer { return glyphs[i%len(glyphs)] }

var (
	gridColor = color.Gray{Y: 225}
	refColor  = color.Gray{Y: 110} // ideal and reference lines
)

// newPlot returns a plot with the package's fonts, a light grid at the
// labelled ticks and the given title and axis labels.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p, _ := newPlotGrid(title, xLabel, yLabel)
	return p
}

// newPlotGrid is newPlot that also returns the grid, for a chart to
// switch off one of its directions.
func newPlotGrid(title, xLabel, yLabel string) (*plot.Plot, *plotter.Grid) {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, titleSize)
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, labelSize)
		a.Tick.Label.Font = font.From(sans, tickSize)
		a.Label.Padding = vg.Points(4)
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = font.From(sans, legendSize)
	p.Legend.ThumbnailWidth = vg.Points(24)
	p.Legend.Padding = vg.Points(2)

	g := plotter.NewGrid()
	g.Vertical.Color = gridColor
	g.Horizontal.Color = gridColor
	g.Vertical.Width = vg.Points(0.5)
	g.Horizontal.Width = vg.Points(0.5)
	p.Add(g)
	return p, g
}

// refLine returns a dashed grey straight line from (x0, y0) to (x1, y1),
// used for ideal speedup and efficiency references.
func refLine(x0, y0, x1, y1 float64) *plotter.Line {
	l, _ := plotter.NewLine(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y1}}) // finite by construction
	l.Color = refColor
	l.Width = vg.Points(1.25)
	l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
	return l
}

// seriesLine returns a line with markers in the i-th colour and shape.
func seriesLine(i int, xys plotter.XYs) (*plotter.Line, *plotter.Scatter, error) {
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return nil, nil, err
	}
	l.Color = colorAt(i)
	l.Width = vg.Points(2)
	s.Color = colorAt(i)
	s.Shape = glyphAt(i)
	s.Radius = vg.Points(3.5)
	return l, s, nil
}

// dataArea estimates the size in points of the data area of a plot drawn
// on a w x h canvas: the canvas less room for the title, tick labels and
// axis labels.
func dataArea(w, h vg.Length) (float64, float64) {
	return float64(w - vg.Inch), float64(h - vg.Inch)
}

// box is a rectangle in normalized data-area coordinates: (0, 0) is the
// bottom left of the data area, (1, 1) the top right.
type box struct{ x0, y0, x1, y1 float64 }

// crowding counts how many sample points of shapes fall inside b: every
// vertex, and 23 points along every segment, so that a line crossing b
// counts even where it has no vertex there. Shapes are polylines in data
// coordinates of p, whose axis ranges must be final.
func crowding(p *plot.Plot, b box, shapes []plotter.XYs) int {
	in := func(x, y float64) bool { return x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1 }
	hits := 0
	for _, s := range shapes {
		for i := range s {
			ax, ay := p.X.Norm(s[i].X), p.Y.Norm(s[i].Y)
			if in(ax, ay) {
				hits++
			}
			if i == 0 {
				continue
			}
			bx, by := p.X.Norm(s[i-1].X), p.Y.Norm(s[i-1].Y)
			const n = 24
			for k := 1; k < n; k++ {
				t := float64(k) / n
				if in(bx+t*(ax-bx), by+t*(ay-by)) {
					hits++
				}
			}
		}
	}
	return hits
}

// legendInset is the gap between the legend and the axes.
const legendInset = 8 // points

// placeLegend puts p's legend, inset a little, in the corner of the data
// area that the given shapes cross least, preferring top right, then top
// left, bottom right, bottom left. When every corner has data in it, it
// raises p.Y.Max until the shapes stay clear of a band at the top as tall
// as the legend, and puts the legend there. Each shape is a polyline in
// data coordinates; a single point counts as a marker. Call it after every
// plotter is added and the axis ranges are final; the y axis must be
// linear in the plotted values (charts plot log10 values for log axes). w
// and h are the size of the plot's canvas.
func placeLegend(p *plot.Plot, w, h vg.Length, shapes ...plotter.XYs) {
	r := p.Legend.Rectangle(draw.Canvas{})
	areaW, areaH := dataArea(w, h)
	bw := math.Min(1, (float64(r.Size().X)+2*legendInset)/areaW)
	bh := math.Min(0.5, (float64(r.Size().Y)+2*legendInset)/areaH)

	type corner struct{ top, left bool }
	best, bestHits := corner{true, false}, math.MaxInt
	for _, c := range []corner{{true, false}, {true, true}, {false, false}, {false, true}} {
		b := box{1 - bw, 1 - bh, 1, 1}
		if c.left {
			b.x0, b.x1 = 0, bw
		}
		if !c.top {
			b.y0, b.y1 = 0, bh
		}
		if hits := crowding(p, b, shapes); hits < bestHits {
			best, bestHits = c, hits
		}
	}
	if bestHits > 0 {
		top := math.Inf(-1)
		for _, s := range shapes {
			for _, pt := range s {
				top = math.Max(top, pt.Y)
			}
		}
		if grown := p.Y.Min + (top-p.Y.Min)/(1-bh); grown > p.Y.Max {
			p.Y.Max = grown
		}
		best = corner{true, false}
	}
	p.Legend.Top, p.Legend.Left = best.top, best.left
	p.Legend.XOffs = -legendInset
	if best.left {
		p.Legend.XOffs = legendInset
	}
	p.Legend.YOffs = legendInset
	if best.top {
		p.Legend.YOffs = -legendInset
	}
}

// placeLabel sets the alignment and offset of the single label in lab, at
// a gap of 10 points from its anchor, to whichever of eight positions around
// the anchor crosses the shapes least and stays inside the data area,
// preferring above right. w and h are the size of the plot's canvas.
func placeLabel(p *plot.Plot, lab *plotter.Labels, w, h vg.Length, shapes []plotter.XYs) {
	const gap = 10 // points
	sty := &lab.TextStyle[0]
	size := sty.Rectangle(lab.Labels[0]).Size()
	areaW, areaH := dataArea(w, h)
	tw, th := float64(size.X)/areaW, float64(size.Y)/areaH
	gx, gy := gap/areaW, gap/areaH
	ax, ay := p.X.Norm(lab.XYs[0].X), p.Y.Norm(lab.XYs[0].Y)

	type spot struct {
		dx, dy int // -1 left/below, 0 centred, +1 right/above
	}
	best, bestHits := spot{1, 1}, math.MaxInt
	for _, s := range []spot{{1, 1}, {-1, 1}, {1, -1}, {-1, -1}, {0, 1}, {0, -1}, {1, 0}, {-1, 0}} {
		b := box{x0: ax + float64(s.dx)*gx - tw/2 + float64(s.dx)*tw/2, y0: ay + float64(s.dy)*gy - th/2 + float64(s.dy)*th/2}
		b.x1, b.y1 = b.x0+tw, b.y0+th
		if b.x0 < 0 || b.x1 > 1 || b.y0 < 0 || b.y1 > 1 {
			continue
		}
		if hits := crowding(p, b, shapes); hits < bestHits {
			best, bestHits = s, hits
		}
	}
	sty.XAlign = draw.XAlignment(float64(best.dx)/2 - 0.5) // -1: right edge at anchor, 0: left edge
	sty.YAlign = draw.YAlignment(float64(best.dy)/2 - 0.5)
	lab.Offset = vg.Point{X: vg.Points(gap * float64(best.dx)), Y: vg.Points(gap * float64(best.dy))}
}

// thickRing is draw.RingGlyph with a line width of its own; gonum's ring
// is drawn at 0.5pt, too thin to find on a busy chart.
type thickRing struct{ width vg.Length }

// DrawGlyph implements draw.GlyphDrawer.
func (g thickRing) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: g.width})
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	c.Stroke(p)
}
