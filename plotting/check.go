// Input checks shared by the charts.

package plotting

import "math"

// checkLen reports a length mismatch in the package's words:
// "train has 5 values, epoch has 4".
func checkLen(chart, name string, got int, refName string, want int) error {
	if got != want {
		return badInput(chart, "%s has %d values, %s has %d", name, got, refName, want)
	}
	return nil
}

// checkFinite reports the first NaN or infinite value of xs.
func checkFinite(chart, name string, xs []float64) error {
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return badInput(chart, "%s[%d] is %v", name, i, x)
		}
	}
	return nil
}

// checkPositive reports the first value of xs that is not a finite
// number greater than zero; why says what needs it ("log scale").
func checkPositive(chart, name string, xs []float64, why string) error {
	if err := checkFinite(chart, name, xs); err != nil {
		return err
	}
	for i, x := range xs {
		if x <= 0 {
			return badInput(chart, "%s[%d] is %v, but the %s needs values > 0", name, i, x, why)
		}
	}
	return nil
}

// minMax returns the smallest and largest values over all of the slices.
func minMax(xss ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, xs := range xss {
		for _, x := range xs {
			lo = math.Min(lo, x)
			hi = math.Max(hi, x)
		}
	}
	return lo, hi
}

// checkNonNegative reports the first value of xs that is not a finite
// number >= 0.
func checkNonNegative(chart, name string, xs []float64) error {
	if err := checkFinite(chart, name, xs); err != nil {
		return err
	}
	for i, x := range xs {
		if x < 0 {
			return badInput(chart, "%s[%d] is %v, want >= 0", name, i, x)
		}
	}
	return nil
}
