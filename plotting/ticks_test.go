// Table tests of the tick markers.

package plotting

import (
	"math"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/plot"
)

// labels returns the labels of the major ticks, in value order.
func labels(ticks []plot.Tick) []string {
	ticks = slices.Clone(ticks)
	slices.SortStableFunc(ticks, func(a, b plot.Tick) int {
		switch {
		case a.Value < b.Value:
			return -1
		case a.Value > b.Value:
			return 1
		}
		return 0
	})
	var out []string
	for _, t := range ticks {
		if !t.IsMinor() {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestTicks(t *testing.T) {
	unix := func(y int, m time.Month, d int) float64 {
		return float64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix())
	}
	dates := dateTicks(time.UTC)
	for _, tc := range []struct {
		name   string
		ticker plot.Ticker
		lo, hi float64
		want   []string
	}{
		{"epochs 1-5", plot.TickerFunc(intTicks), 1, 5, []string{"1", "2", "3", "4", "5"}},
		{"epochs 1-12", plot.TickerFunc(intTicks), 1, 12, []string{"2", "4", "6", "8", "10", "12"}},
		{"epochs 1-150", plot.TickerFunc(intTicks), 1, 150, []string{"20", "40", "60", "80", "100", "120", "140"}},
		{"loss 0.002-0.5", plot.TickerFunc(log10Ticks), math.Log10(0.002), math.Log10(0.5),
			[]string{"0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5"}},
		{"loss 1e-6-1", plot.TickerFunc(log10Ticks), -6, 0,
			[]string{"1e-6", "1e-5", "0.0001", "0.001", "0.01", "0.1", "1"}},
		{"loss 1e-12-10", plot.TickerFunc(log10Ticks), -12, 1,
			[]string{"1e-12", "1e-10", "1e-8", "1e-6", "0.0001", "0.01", "1"}},
		{"loss 0.2-0.5", plot.TickerFunc(log10Ticks), math.Log10(0.2), math.Log10(0.5), []string{"0.2", "0.3", "0.4", "0.5"}},
		{"ranks 1-64", plot.TickerFunc(pow2Ticks), 0, 6, []string{"1", "2", "4", "8", "16", "32", "64"}},
		{"ranks 3-20", plot.TickerFunc(pow2Ticks), math.Log2(3), math.Log2(20), []string{"4", "8", "16"}},
		{"efficiency", plot.TickerFunc(linearTicks), -0.055, 1.1, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{"closes", plot.TickerFunc(linearTicks), 2890, 3190, []string{"2900", "2950", "3000", "3050", "3100", "3150"}},
		{"ms", plot.TickerFunc(linearTicks), 0, 34, []string{"0", "5", "10", "15", "20", "25", "30"}},
		{"two weeks", dates, unix(2019, 9, 2), unix(2019, 9, 13),
			[]string{"2019-09-02", "2019-09-04", "2019-09-06", "2019-09-08", "2019-09-10", "2019-09-12"}},
		{"six months", dates, unix(2019, 9, 2), unix(2020, 2, 14),
			[]string{"Oct 2019", "Nov 2019", "Dec 2019", "Jan 2020", "Feb 2020"}},
		{"three years", dates, unix(2017, 5, 3), unix(2020, 4, 17),
			[]string{"Jul 2017", "Jan 2018", "Jul 2018", "Jan 2019", "Jul 2019", "Jan 2020"}},
		{"twenty years", dates, unix(2000, 1, 3), unix(2020, 4, 17),
			[]string{"2005", "2010", "2015", "2020"}}, // Jan 1 2000 is before the data
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := labels(tc.ticker.Ticks(tc.lo, tc.hi)); !slices.Equal(got, tc.want) {
				t.Errorf("labels %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNiceLogRange(t *testing.T) {
	for _, tc := range []struct{ lo, hi, wantLo, wantHi float64 }{
		{0.0047, 0.41, 0.002, 0.5},
		{0.002, 0.5, 0.002, 0.5},
		{0.011, 0.09, 0.01, 0.1},
		{3e-6, 0.3, 1e-6, 1}, // past three decades: powers of ten
	} {
		lo, hi := niceLogRange(tc.lo, tc.hi)
		if math.Abs(lo/tc.wantLo-1) > 1e-12 || math.Abs(hi/tc.wantHi-1) > 1e-12 {
			t.Errorf("niceLogRange(%v, %v) = %v, %v, want %v, %v", tc.lo, tc.hi, lo, hi, tc.wantLo, tc.wantHi)
		}
	}
}
