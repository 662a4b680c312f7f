// The Diebold-Mariano test of equal predictive accuracy.
package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// DMTest is the result of a Diebold-Mariano test of two forecasts' losses.
type DMTest struct {
	N         int     `json:"n"`         // loss differentials tested
	MeanDiff  float64 `json:"mean_diff"` // mean of loss(model) - loss(persistence); < 0: the model's losses are smaller
	Lag       int     `json:"lag"`       // Newey-West truncation lag of the long-run variance
	Statistic float64 `json:"statistic"` // the statistic with the Harvey-Leybourne-Newbold correction
	PValue    float64 `json:"p_value"`   // two-sided, Student's t with N-1 degrees of freedom
	Loss      string  `json:"loss"`      // the loss compared: "absolute error"
	Scale     string  `json:"scale"`     // "index points" or "file scale"
}

// Significant reports whether the two forecasts differ at level alpha.
func (t DMTest) Significant(alpha float64) bool { return t.PValue < alpha }

// NeweyWestLag is the usual automatic truncation lag floor(4 (n/100)^(2/9)),
// at least h-1 for forecasts h steps ahead (whose errors overlap).
func NeweyWestLag(n, h int) int {
	l := int(math.Floor(4 * math.Pow(float64(n)/100, 2.0/9)))
	return max(l, h-1, 0)
}

// DieboldMariano tests equal expected loss of two forecasts from their
// per-period losses a and b (same length, same periods): d_t = a_t - b_t,
// whose mean is divided by the square root of its long-run variance
// (Newey-West, Bartlett weights, truncation lag) over n. The statistic is
// multiplied by the Harvey, Leybourne and Newbold (1997) small-sample factor
// sqrt((n + 1 - 2h + h(h-1)/n) / n) and compared with Student's t with n-1
// degrees of freedom, two-sided. h is the forecast horizon. When every d_t
// is equal the variance is 0: for identical losses the statistic is 0 and
// the p-value 1; for a constant non-zero difference the p-value is 0 and
// the statistic ±math.MaxFloat64 (JSON has no infinity). It panics if the
// lengths differ, n < 3, h < 1 or lag is negative.
func DieboldMariano(a, b []float64, h, lag int) DMTest {
	n := len(a)
	if len(b) != n || n < 3 || lag < 0 || h < 1 {
		panic(fmt.Sprintf("eval: DieboldMariano of %d and %d losses, h %d, lag %d", len(a), len(b), h, lag))
	}
	d := make([]float64, n)
	mean := 0.0
	for i := range d {
		d[i] = a[i] - b[i]
		mean += d[i]
	}
	mean /= float64(n)
	lag = min(lag, n-1)
	gamma := func(k int) float64 {
		s := 0.0
		for t := k; t < n; t++ {
			s += (d[t] - mean) * (d[t-k] - mean)
		}
		return s / float64(n)
	}
	lrv := gamma(0)
	for k := 1; k <= lag; k++ {
		lrv += 2 * (1 - float64(k)/float64(lag+1)) * gamma(k)
	}
	t := DMTest{N: n, MeanDiff: mean, Lag: lag, Loss: "absolute error"}
	switch {
	case lrv > 0:
		nf, hf := float64(n), float64(h)
		hln := math.Sqrt((nf + 1 - 2*hf + hf*(hf-1)/nf) / nf)
		t.Statistic = hln * mean / math.Sqrt(lrv/nf)
		st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nf - 1}
		t.PValue = 2 * st.CDF(-math.Abs(t.Statistic))
	case mean == 0:
		t.Statistic, t.PValue = 0, 1
	default:
		t.Statistic, t.PValue = math.Copysign(math.MaxFloat64, mean), 0
	}
	return t
}
