// Tests of the normalizers: fitting, round trips, errors, train-only fitting.

package data

import (
	"errors"
	"math"
	"testing"
)

func TestFitNormalizer(t *testing.T) {
	values := []float64{2, 4, 4, 4, 5, 5, 7, 9} // mean 5, population std 2
	tests := []struct {
		kind string
		want Normalizer
	}{
		{ScaleMinMax, Normalizer{ScaleMinMax, 2, 9}},
		{ScaleZScore, Normalizer{ScaleZScore, 5, 2}},
		{ScaleWindow, Normalizer{Kind: ScaleWindow}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			n, err := FitNormalizer(tt.kind, values)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Errorf("got %+v, want %+v", n, tt.want)
			}
		})
	}
}

func TestFitNormalizerErrors(t *testing.T) {
	tests := []struct {
		name     string
		kind     string
		values   []float64
		sentinel error
		want     string
	}{
		{"unknown kind", "robust", []float64{1, 2}, ErrOptions, `unknown scale "robust"`},
		{"no values", ScaleMinMax, nil, nil, "fit minmax: no values"},
		{"constant minmax", ScaleMinMax, []float64{3, 3}, ErrConstant, "constant training values (all 3)"},
		{"constant zscore", ScaleZScore, []float64{3, 3}, ErrConstant, "fit zscore: constant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitNormalizer(tt.kind, tt.values)
			wantErr(t, err, tt.want)
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("%v is not %v", err, tt.sentinel)
			}
		})
	}
}

func TestNormalizerRoundTrip(t *testing.T) {
	for _, n := range []Normalizer{
		{ScaleMinMax, 676.53, 1890.9},
		{ScaleZScore, 1200, 250},
		{Kind: ScaleWindow},
		{},
	} {
		t.Run(n.Kind, func(t *testing.T) {
			for _, v := range []float64{500, 1455.22, 3386.15} {
				last := 1400.0
				got := n.Inverse(n.Forward(v, last), last)
				if math.Abs(got-v) > 1e-9*v {
					t.Errorf("Inverse(Forward(%v)) = %v", v, got)
				}
			}
		})
	}
	if got := (Normalizer{Kind: ScaleWindow}).Forward(110, 100); math.Abs(got-0.1) > 1e-15 {
		t.Errorf("window Forward(110, last 100) = %v, want 0.1", got)
	}
}

func TestNormalizerUnknownKindPanics(t *testing.T) {
	wantPanic(t, func() { Normalizer{Kind: "log"}.Forward(1, 1) })
	wantPanic(t, func() { Normalizer{Kind: "log"}.Inverse(1, 1) })
}

// TestNormalizerFitOnTrainOnly shows what fitting on the whole series
// would leak: the test period's maximum would set the scale.
func TestNormalizerFitOnTrainOnly(t *testing.T) {
	s, err := LoadEmbedded("close")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Prepare(s, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	testMax := math.Inf(-1)
	for _, v := range d.Test.Target {
		testMax = math.Max(testMax, v)
	}
	leaky, err := FitNormalizer(ScaleMinMax, s.Values)
	if err != nil {
		t.Fatal(err)
	}
	if leaky.B != testMax {
		t.Fatalf("whole-series max %v is not the test-period max %v", leaky.B, testMax)
	}
	if d.Norm.B >= testMax || d.Norm.A != 676.530029 || d.Norm.B != 1890.900024 {
		t.Errorf("train-only fit %+v, want min 676.530029, max 1890.900024 < test max %v", d.Norm, testMax)
	}
	// With the train-only fit, test targets leave [0, 1], as unseen highs must.
	maxY := math.Inf(-1)
	for _, y := range d.Test.Y {
		maxY = math.Max(maxY, y)
	}
	if maxY <= 1 {
		t.Errorf("max normalized test target %v, want > 1", maxY)
	}
	// The fit uses training inputs and targets, nothing later.
	used := s.Values[:d.Train.N+d.Opts.Window+d.Opts.Horizon-1]
	if fit, err := FitNormalizer(ScaleMinMax, used); err != nil || fit != d.Norm {
		t.Errorf("fit on training windows %+v (%v), Prepare has %+v", fit, err, d.Norm)
	}
	for _, kind := range []string{ScaleMinMax, ScaleZScore} {
		o := DefaultOptions()
		o.Scale = kind
		d, err := Prepare(s, o)
		if err != nil {
			t.Fatal(err)
		}
		lastTrainDay := d.Train.Dates[d.Train.N-1]
		// Moving a value after the training part must not move the scale.
		s2 := &Series{Name: s.Name, Dates: s.Dates, Values: append([]float64(nil), s.Values...)}
		for i, dt := range s2.Dates {
			if dt.After(lastTrainDay) {
				s2.Values[i] *= 10
			}
		}
		d2, err := Prepare(s2, o)
		if err != nil {
			t.Fatal(err)
		}
		if d2.Norm != d.Norm {
			t.Errorf("%s: later values changed the fit: %+v vs %+v", kind, d2.Norm, d.Norm)
		}
	}
}

// A z-score fit of values with a large mean and a small spread, checked
// against the mean and population std of the offsets from a round base,
// worked in small numbers: the sum of squares must be of the deviations
// from the mean, which no longer cancel when a factor is v + mean.
func TestFitZScoreLargeMean(t *testing.T) {
	tests := []struct {
		name    string
		base    float64
		offsets []float64
	}{
		{"a thousand, spread one", 1e3, []float64{0, 1, 1}},
		{"a million, spread one", 1e6, []float64{0, 1, 1}},
		{"a hundred million, spread one", 1e8, []float64{0, 1, 1}},
		{"an index level, spread of quarters", 3386, []float64{0.25, 0.5, 0.5, 0.75, 1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := make([]float64, len(tt.offsets))
			var sum float64
			for i, d := range tt.offsets {
				values[i] = tt.base + d
				sum += d
			}
			mean := sum / float64(len(tt.offsets))
			var ss float64
			for _, d := range tt.offsets {
				ss += (d - mean) * (d - mean)
			}
			std := math.Sqrt(ss / float64(len(tt.offsets)))
			n, err := FitNormalizer(ScaleZScore, values)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(n.A-(tt.base+mean)) > 1e-15*tt.base || math.Abs(n.B-std) > 1e-12*std {
				t.Errorf("fit mean %v, std %v; want %v and %v", n.A, n.B, tt.base+mean, std)
			}
		})
	}
}
