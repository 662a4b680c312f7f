// Evaluation metrics on float64 predictions: MSE, MAE, R², directional accuracy.
package mlp

import (
	"fmt"
	"math"
)

// MSE is the mean squared error of pred against actual; NaN when empty.
// It panics if the lengths differ.
func MSE(pred, actual []float64) float64 {
	checkLen("MSE", pred, actual)
	s := 0.0
	for i, p := range pred {
		d := p - actual[i]
		s += d * d
	}
	return s / float64(len(pred))
}

// MAE is the mean absolute error of pred against actual; NaN when empty.
// It panics if the lengths differ.
func MAE(pred, actual []float64) float64 {
	checkLen("MAE", pred, actual)
	s := 0.0
	for i, p := range pred {
		s += math.Abs(p - actual[i])
	}
	return s / float64(len(pred))
}

// R2 is the coefficient of determination 1 - SSE/SST, with SST the sum of
// squares of actual around its mean. It is 1 for a perfect fit, 0 for
// predicting the mean and negative for worse. It is NaN when actual is empty
// or constant (SST = 0). It panics if the lengths differ.
func R2(pred, actual []float64) float64 {
	checkLen("R2", pred, actual)
	mean := 0.0
	for _, a := range actual {
		mean += a
	}
	mean /= float64(len(actual))
	sse, sst := 0.0, 0.0
	for i, a := range actual {
		d, c := pred[i]-a, a-mean
		sse += d * d
		sst += c * c
	}
	if sst == 0 {
		return math.NaN()
	}
	return 1 - sse/sst
}

// DirectionalAccuracy is the share of predictions that move the same way as
// the actual value from the last known value: sign(pred-last) ==
// sign(actual-last), with sign in {-1, 0, +1}. With a horizon of H outputs
// per sample, pred and actual hold N*H values and last holds N (one per
// sample, used for its H outputs). NaN when empty. It panics unless
// len(pred) == len(actual) and len(pred) is a multiple of len(last).
func DirectionalAccuracy(pred, actual, last []float64) float64 {
	checkLen("DirectionalAccuracy", pred, actual)
	if len(last) == 0 || len(pred)%len(last) != 0 {
		if len(pred) == 0 && len(last) == 0 {
			return math.NaN()
		}
		panic(fmt.Sprintf("mlp: DirectionalAccuracy of %d predictions with %d last values", len(pred), len(last)))
	}
	h := len(pred) / len(last)
	hit := 0
	for i, p := range pred {
		l := last[i/h]
		if sign(p-l) == sign(actual[i]-l) {
			hit++
		}
	}
	return float64(hit) / float64(len(pred))
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func checkLen(name string, pred, actual []float64) {
	if len(pred) != len(actual) {
		panic(fmt.Sprintf("mlp: %s of %d predictions against %d values", name, len(pred), len(actual)))
	}
}
