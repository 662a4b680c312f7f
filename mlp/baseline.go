// Baselines the network must beat: persistence and ordinary least squares.
package mlp

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Persistence predicts that every future value equals the last input value:
// for each row of x, (rows, in), all out outputs are x's last column. In every
// normalization the project uses (min-max, z-score, relative to the window's
// last close) this is persistence of the last close in the normalized space.
// It returns (rows, out) and panics unless len(x) is a multiple of in.
func Persistence(x []float64, in, out int) []float64 {
	if in < 1 || out < 1 || len(x)%in != 0 {
		panic(fmt.Sprintf("mlp: Persistence of %d values with in=%d, out=%d", len(x), in, out))
	}
	rows := len(x) / in
	p := make([]float64, rows*out)
	for r := 0; r < rows; r++ {
		for j := 0; j < out; j++ {
			p[r*out+j] = x[r*in+in-1]
		}
	}
	return p
}

// Linear is a least-squares linear model y = W x + c.
type Linear struct {
	In, Out int
	W       []float64 // (Out, In), row-major
	C       []float64 // (Out) intercepts
	Rank    int       // numerical rank of the design matrix [x 1] used by the fit
}

// FitOLS fits a Linear model with intercept to x (n, in) and y (n, out) by
// least squares. It solves through the SVD of the design matrix [x 1] and
// drops singular values below max(n, in+1) * eps * the largest, like
// numpy.linalg.lstsq with its default rcond: for collinear inputs (the
// window's closes are nearly so) it returns the minimum-norm solution
// instead of failing. It returns an error for bad shapes or too few rows.
func FitOLS(x, y []float64, in, out int) (*Linear, error) {
	if in < 1 || out < 1 || len(x)%in != 0 || len(y)%out != 0 || len(x)/in != len(y)/out {
		return nil, fmt.Errorf("mlp: OLS on len(x)=%d, len(y)=%d with in=%d, out=%d", len(x), len(y), in, out)
	}
	n := len(x) / in
	if n < 1 {
		return nil, errors.New("mlp: OLS on no samples")
	}
	a := mat.NewDense(n, in+1, nil)
	for r := 0; r < n; r++ {
		row := a.RawRowView(r)
		copy(row, x[r*in:(r+1)*in])
		row[in] = 1
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		return nil, errors.New("mlp: OLS: SVD did not converge")
	}
	const eps = 0x1p-52
	// rank >= 1: the intercept column is never zero.
	rank := svd.Rank(float64(max(n, in+1)) * eps)
	var beta mat.Dense // (in+1, out)
	svd.SolveTo(&beta, mat.NewDense(n, out, append([]float64(nil), y...)), rank)
	l := &Linear{In: in, Out: out, W: make([]float64, out*in), C: make([]float64, out), Rank: rank}
	for j := 0; j < out; j++ {
		for i := 0; i < in; i++ {
			l.W[j*in+i] = beta.At(i, j)
		}
		l.C[j] = beta.At(in, j)
	}
	return l, nil
}

// Predict returns the model's outputs (rows, Out) for x (rows, In). It
// panics unless len(x) is a multiple of In.
func (l *Linear) Predict(x []float64) []float64 {
	if len(x)%l.In != 0 {
		panic(fmt.Sprintf("mlp: Linear.Predict of %d values with In=%d", len(x), l.In))
	}
	rows := len(x) / l.In
	p := make([]float64, rows*l.Out)
	for r := 0; r < rows; r++ {
		xr := x[r*l.In : (r+1)*l.In]
		for j := 0; j < l.Out; j++ {
			s := l.C[j]
			for i, w := range l.W[j*l.In : (j+1)*l.In] {
				s += w * xr[i]
			}
			p[r*l.Out+j] = s
		}
	}
	return p
}
