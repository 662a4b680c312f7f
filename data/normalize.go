// Normalizers: min-max, z-score and per-window scaling, fitted on the training part only.

package data

import (
	"fmt"
	"math"
)

// Scale kinds, the values of Options.Scale and Normalizer.Kind.
const (
	ScaleMinMax = "minmax" // (v-min)/(max-min); A=min, B=max
	ScaleZScore = "zscore" // (v-mean)/std; A=mean, B=std (population, ddof 0)
	ScaleWindow = "window" // v/last-1, relative to the window's last close; A, B unused
)

// A Normalizer maps raw prices (index points) to the scale the model sees
// and back. Prepare fits it on the training windows only.
//
// Why only there: on the embedded data the training windows end in April
// 2014 and span 676.53..1890.90, so the test period (up to 3,386.15 in
// February 2020) maps to values up to 2.23, above anything seen in
// training, as it must when the future is unknown. Fitted on the whole
// series instead, minmax would take its max from the test period: every
// training value would be divided by a range that already knows how high
// the index will go, and test values would stay inside [0, 1]. zscore
// leaks the same way through the mean and std. ScaleWindow fits nothing
// and cannot leak. TestNormalizerFitOnTrainOnly shows the numbers.
//
// The zero Normalizer (Kind "") is the identity; datasets read from a
// seed-layout NPZ have it, since such a file does not record its scale.
type Normalizer struct {
	Kind string  // ScaleMinMax, ScaleZScore, ScaleWindow, or "" (identity)
	A, B float64 // minmax: A=min, B=max; zscore: A=mean, B=std; window: unused
}

// Forward maps raw v to the normalized scale. last is the last raw close
// of v's input window; only ScaleWindow uses it. Forward panics on an
// unknown Kind.
func (n Normalizer) Forward(v, last float64) float64 {
	switch n.Kind {
	case ScaleMinMax:
		return (v - n.A) / (n.B - n.A)
	case ScaleZScore:
		return (v - n.A) / n.B
	case ScaleWindow:
		return v/last - 1
	case "":
		return v
	}
	panic(fmt.Sprintf("data: unknown normalizer kind %q", n.Kind))
}

// Inverse maps normalized v back to index points; Inverse(Forward(v, l), l)
// == v up to rounding. It panics on an unknown Kind.
func (n Normalizer) Inverse(v, last float64) float64 {
	switch n.Kind {
	case ScaleMinMax:
		return v*(n.B-n.A) + n.A
	case ScaleZScore:
		return v*n.B + n.A
	case ScaleWindow:
		return (v + 1) * last
	case "":
		return v
	}
	panic(fmt.Sprintf("data: unknown normalizer kind %q", n.Kind))
}

// FitNormalizer fits a normalizer of the given kind on values: min and max
// for ScaleMinMax, mean and population std for ScaleZScore, nothing for
// ScaleWindow. It returns an error for an unknown kind, for no values, and
// for constant values (minmax and zscore would divide by zero).
func FitNormalizer(kind string, values []float64) (Normalizer, error) {
	n := Normalizer{Kind: kind}
	if kind == ScaleWindow {
		return n, nil
	}
	if kind != ScaleMinMax && kind != ScaleZScore {
		return Normalizer{}, fmt.Errorf("data: %w: unknown scale %q (want %s, %s or %s)", ErrOptions, kind, ScaleMinMax, ScaleZScore, ScaleWindow)
	}
	if len(values) == 0 {
		return Normalizer{}, fmt.Errorf("data: fit %s: no values", kind)
	}
	switch kind {
	case ScaleMinMax:
		n.A, n.B = values[0], values[0]
		for _, v := range values {
			n.A = math.Min(n.A, v)
			n.B = math.Max(n.B, v)
		}
		if !(n.B > n.A) {
			return Normalizer{}, fmt.Errorf("data: fit %s: %w (all %v)", kind, ErrConstant, n.A)
		}
	case ScaleZScore:
		var sum float64
		for _, v := range values {
			sum += v
		}
		n.A = sum / float64(len(values))
		var ss float64
		for _, v := range values {
			ss += (v - n.A) * (v - n.A)
		}
		n.B = math.Sqrt(ss / float64(len(values)))
		if !(n.B > 0) {
			return Normalizer{}, fmt.Errorf("data: fit %s: %w (all %v)", kind, ErrConstant, n.A)
		}
	}
	return n, nil
}
