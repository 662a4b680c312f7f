// Tick markers: integers, log10, powers of two and calendar dates.

package plotting

import (
	"math"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
)

// niceSteps are the label spacings tried, in increasing order, within a
// decade.
var niceSteps = []float64{1, 2, 5}

// intTicks labels integers only (epochs, ranks), at most about ten of them,
// spaced 1, 2, 5, 10, 20, ... apart.
func intTicks(min, max float64) []plot.Tick {
	step := 1.0
	for k := 0; (max-min)/step > 10; k++ {
		step = niceSteps[(k+1)%3] * math.Pow10((k+1)/3)
	}
	var ticks []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	// Minor ticks at the next finer integer spacing.
	minor := step / 5
	if m := step / math.Pow10(int(math.Floor(math.Log10(step)))); m == 2 {
		minor = step / 2
	}
	if minor >= 1 && minor == math.Trunc(minor) {
		for v := math.Ceil(min/minor) * minor; v <= max; v += minor {
			if math.Mod(v, step) != 0 {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// fineLogDecades is the widest range, in decades, whose log axis is
// labelled at 1, 2 and 5 times each power of ten rather than at powers of
// ten only.
const fineLogDecades = 3

// maxLinearLabels is how many labels linearTicks aims for at most.
const maxLinearLabels = 7

// linearTicks labels a linear axis at multiples of 1, 2 or 5 times a power
// of ten, the finest spacing giving at most maxLinearLabels labels, with
// minor ticks between. (gonum's DefaultTicks aims for three labels, too few
// to read values off a price chart.)
func linearTicks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	mag := math.Pow10(int(math.Floor(math.Log10((hi - lo) / maxLinearLabels))))
	var step, minor float64
	for _, m := range []float64{1, 2, 5, 10} {
		step = m * mag
		minor = step / 5
		if m == 2 {
			minor = step / 2
		}
		if (hi-lo)/step <= maxLinearLabels {
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	eps := 1e-9 * step
	for k := math.Ceil(lo/minor - 1e-9); k*minor <= hi+eps; k++ {
		v := k * minor
		if math.Abs(v) < eps {
			v = 0 // not "-0.0"
		}
		t := plot.Tick{Value: v}
		if math.Mod(math.Abs(v)+eps, step) < 2*eps {
			t.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// niceLogRange widens [min, max] (both > 0) outward to the nearest values of
// the form m*10^k, m in {1, 2, 5} (m = 1 past fineLogDecades), so that a log
// axis starts and ends on a labelled tick.
func niceLogRange(min, max float64) (float64, float64) {
	lo := math.Pow10(int(math.Floor(math.Log10(min))))
	if math.Log10(max/min) > fineLogDecades {
		return lo, math.Pow10(int(math.Ceil(math.Log10(max))))
	}
	for _, m := range []float64{5, 2, 1} {
		if m*lo <= min*(1+1e-12) {
			lo *= m
			break
		}
	}
	hi := math.Pow10(int(math.Ceil(math.Log10(max))))
	for _, m := range []float64{0.2, 0.5, 1} {
		if m*hi >= max*(1-1e-12) {
			hi *= m
			break
		}
	}
	return lo, hi
}

// log10Ticks labels an axis whose data are the base-10 logarithms of the
// values shown, so that min and max are exponents. (Charts draw log10 of
// their values on a linear axis instead of using plot.LogScale: gonum
// centres an axis label's glyph box at the arithmetic middle of the range,
// which on a log scale pads the plot with a wide empty band.)
//
// Labels fall at every integer multiple of a power of ten when the range
// spans at most a decade, at 1, 2 and 5 times each power of ten when it
// spans at most fineLogDecades decades, at powers of ten otherwise (every other
// power past seven decades); the other integer multiples are minor ticks.
func log10Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return nil
	}
	decades := max - min
	labelled := func(m float64, k int) bool {
		switch {
		case decades <= 1+1e-9:
			return true
		case decades <= fineLogDecades+1e-9:
			return m == 1 || m == 2 || m == 5
		case decades <= 7:
			return m == 1
		default:
			return m == 1 && k%2 == 0
		}
	}
	var ticks []plot.Tick
	const eps = 1e-9
	for k := int(math.Floor(min)); k <= int(math.Ceil(max)); k++ {
		for m := 1.0; m <= 9; m++ {
			v := math.Log10(m) + float64(k)
			if v < min-eps || v > max+eps {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled(m, k) {
				t.Label = formatLogTick(m, k)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// formatLogTick formats m*10^k plainly ("0.002", "50") when that is short,
// and as "1e-5" otherwise.
func formatLogTick(m float64, k int) string {
	if k >= -4 && k <= 5 {
		return strconv.FormatFloat(m*math.Pow10(k), 'f', max(0, -k), 64)
	}
	s := strconv.FormatFloat(m*math.Pow10(k), 'e', 0, 64) // "1e-05"
	s = strings.Replace(s, "e-0", "e-", 1)
	return strings.Replace(s, "e+0", "e", 1)
}

// pow2Ticks labels an axis whose data are base-2 logarithms (of rank
// counts) at the integers, with the power of two: 1, 2, 4, ... See
// log10Ticks for why the charts take logarithms themselves.
func pow2Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	const eps = 1e-9
	for k := math.Max(0, math.Ceil(min-eps)); k <= max+eps && k < 63; k++ {
		ticks = append(ticks, plot.Tick{Value: k, Label: strconv.Itoa(1 << int(k))})
	}
	return ticks
}

// dateUnit is one candidate spacing of date ticks.
type dateUnit struct {
	years, months, days int
	format              string
	minor               int // index in dateUnits of the minor tick spacing, -1 for none
}

// dateUnits are the date tick spacings tried, finest first. Minor ticks
// divide a label spacing evenly: days within weeks, months within months
// and years, never weeks within months.
var dateUnits = []dateUnit{
	{0, 0, 1, "2006-01-02", -1}, // 0
	{0, 0, 2, "2006-01-02", 0},
	{0, 0, 7, "2006-01-02", 0},
	{0, 0, 14, "2006-01-02", 2},
	{0, 1, 0, "Jan 2006", -1}, // 4
	{0, 2, 0, "Jan 2006", 4},
	{0, 3, 0, "Jan 2006", 4},
	{0, 6, 0, "Jan 2006", 4},
	{1, 0, 0, "2006", 6}, // 8
	{2, 0, 0, "2006", 8},
	{5, 0, 0, "2006", 8},
	{10, 0, 0, "2006", 8},
	{20, 0, 0, "2006", 10},
	{50, 0, 0, "2006", 11},
}

// maxDateLabels is how many date labels fit an 8-inch axis at 11pt.
const maxDateLabels = 7

// dateTicks returns a ticker for an axis of Unix seconds: labels on
// calendar boundaries (days, first of months, first of years) in loc,
// at the finest spacing that gives at most maxDateLabels labels, with
// minor ticks that divide it.
func dateTicks(loc *time.Location) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		lo := time.Unix(int64(math.Floor(min)), 0).In(loc)
		hi := time.Unix(int64(math.Ceil(max)), 0).In(loc)
		pick := len(dateUnits) - 1
		for i, u := range dateUnits {
			if len(dateSteps(lo, hi, u)) <= maxDateLabels {
				pick = i
				break
			}
		}
		u := dateUnits[pick]
		var ticks []plot.Tick
		for _, t := range dateSteps(lo, hi, u) {
			ticks = append(ticks, plot.Tick{Value: float64(t.Unix()), Label: t.Format(u.format)})
		}
		if u.minor >= 0 {
			labelled := make(map[float64]bool, len(ticks))
			for _, tk := range ticks {
				labelled[tk.Value] = true
			}
			for _, t := range dateSteps(lo, hi, dateUnits[u.minor]) {
				if v := float64(t.Unix()); !labelled[v] {
					ticks = append(ticks, plot.Tick{Value: v})
				}
			}
		}
		return ticks
	})
}

// dateSteps lists the calendar boundaries of unit u within [lo, hi]: every
// u.days days counted from the start of lo's day, the first of every
// u.months-th month (January, and months a multiple of u.months after it),
// January 1 of years that are multiples of u.years. It stops early past
// 400 steps, which is more than any useful choice.
func dateSteps(lo, hi time.Time, u dateUnit) []time.Time {
	loc := lo.Location()
	var t time.Time
	switch {
	case u.days > 0:
		t = time.Date(lo.Year(), lo.Month(), lo.Day(), 0, 0, 0, 0, loc)
	case u.months > 0:
		m := (int(lo.Month()) - 1) / u.months * u.months
		t = time.Date(lo.Year(), time.Month(m+1), 1, 0, 0, 0, 0, loc)
	default:
		t = time.Date(lo.Year()/u.years*u.years, time.January, 1, 0, 0, 0, 0, loc)
	}
	var out []time.Time
	for i := 0; !t.After(hi) && i < 400; i++ {
		if !t.Before(lo) {
			out = append(out, t)
		}
		t = t.AddDate(u.years, u.months, u.days)
	}
	return out
}
