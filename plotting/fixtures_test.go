// Fixed small inputs shared by the golden, validation and example tests.

package plotting

import (
	"math"
	"time"
)

// testHistory is 12 epochs whose validation loss bottoms out at epoch 9.
func testHistory() History {
	return History{
		Epoch: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		Train: []float64{0.41, 0.12, 0.051, 0.027, 0.017, 0.012, 0.0091, 0.0074, 0.0063, 0.0056, 0.0051, 0.0047},
		Val:   []float64{0.22, 0.071, 0.034, 0.021, 0.015, 0.0118, 0.0101, 0.0093, 0.0089, 0.0091, 0.0095, 0.0099},
		Best:  9,
	}
}

// testForecast is 120 business days from 2019-09-02 of a smooth made-up
// index, a prediction that lags and wobbles, and the persistence baseline.
func testForecast() Forecast {
	const n = 120
	f := Forecast{Title: "Test split: S&P 500 close, actual vs predicted"}
	d := time.Date(2019, time.September, 2, 0, 0, 0, 0, time.UTC)
	for len(f.Dates) < n {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			f.Dates = append(f.Dates, d)
		}
		d = d.AddDate(0, 0, 1)
	}
	for i := range n {
		x := float64(i)
		f.Actual = append(f.Actual, 2900+1.9*x+45*math.Sin(x/6)+18*math.Sin(x/1.7))
	}
	for i := range n {
		prev := f.Actual[max(0, i-1)]
		f.Persistence = append(f.Persistence, prev)
		f.Predicted = append(f.Predicted, 0.7*prev+0.3*f.Actual[i]+6*math.Cos(float64(i)/2.3))
	}
	return f
}

// testRows is a small sweep: strong scaling at global batch 128 and 512,
// weak scaling at 64 samples per rank, each on 1, 2 and 4 ranks.
func testRows() []ScalingRow {
	row := func(mode string, np, batch int, epoch, step, comp, ar, wait float64) ScalingRow {
		return ScalingRow{Mode: mode, NP: np, Batch: batch, EpochSec: epoch, StepSec: step,
			Compute: comp, Allreduce: ar, Wait: wait}
	}
	return []ScalingRow{
		row("strong", 1, 128, 2.40, 0.0090, 0.0088, 0.0000, 0.0002),
		row("strong", 2, 128, 1.42, 0.0053, 0.0044, 0.0006, 0.0003),
		row("strong", 4, 128, 0.95, 0.0036, 0.0023, 0.0009, 0.0004),
		row("strong", 4, 512, 0.52, 0.0078, 0.0068, 0.0008, 0.0002),
		row("strong", 1, 512, 1.75, 0.0264, 0.0262, 0.0000, 0.0002),
		row("strong", 2, 512, 0.93, 0.0140, 0.0131, 0.0006, 0.0003),
		row("weak", 1, 64, 2.90, 0.0046, 0.0045, 0.0000, 0.0001),
		row("weak", 2, 128, 1.58, 0.0050, 0.0044, 0.0004, 0.0002),
		row("weak", 4, 256, 0.86, 0.0055, 0.0045, 0.0007, 0.0003),
	}
}

// testProjection is a cost model's efficiency for two network sizes on
// 1..64 ranks, with three measured points of the small one.
func testProjection() Projection {
	p := Projection{NP: []int{1, 2, 4, 8, 16, 32, 64}}
	for _, s := range []struct {
		label   string
		compute float64 // seconds per step on one rank
		bytes   float64 // gradient bytes
	}{
		{"MLP 60-64-1 (4k params)", 0.004, 4 * 3969},
		{"MLP 60-512-512-1 (294k params)", 0.09, 4 * 294401},
	} {
		ps := ProjectionSeries{Label: s.label}
		for _, np := range p.NP {
			// Ring allreduce: 2(p-1)/p * bytes / bandwidth + 2(p-1) * latency.
			q := float64(np)
			comm := 2*(q-1)/q*s.bytes/1e9 + 2*(q-1)*20e-6
			ps.Efficiency = append(ps.Efficiency, s.compute/q/(s.compute/q+comm))
		}
		p.Series = append(p.Series, ps)
	}
	p.Measured = []MeasuredPoint{
		{Label: "MLP 60-64-1 (4k params)", NP: 1, Efficiency: 1},
		{Label: "MLP 60-64-1 (4k params)", NP: 2, Efficiency: 0.86},
		{Label: "MLP 60-64-1 (4k params)", NP: 4, Efficiency: 0.61},
	}
	return p
}
