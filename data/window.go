// Windowing and the chronological train/val/test split of a series.

package data

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Options sets how a series becomes a Dataset.
type Options struct {
	Window  int     // input length in days (60)
	Horizon int     // days predicted after each window (1)
	Train   float64 // share of windows for training, the oldest by target date (0.70)
	Val     float64 // share for validation, the next ones (0.15); test = the rest
	Scale   string  // ScaleMinMax, ScaleZScore or ScaleWindow ("minmax")
}

// DefaultOptions returns window 60, horizon 1, a 70/15/15 split, minmax.
func DefaultOptions() Options {
	return Options{Window: 60, Horizon: 1, Train: 0.70, Val: 0.15, Scale: ScaleMinMax}
}

// Validate reports the first bad setting. Every split must get a share:
// Train > 0, Val > 0 and Train+Val < 1.
func (o Options) Validate() error {
	switch {
	case o.Window < 1:
		return fmt.Errorf("data: %w: window %d, want >= 1", ErrOptions, o.Window)
	case o.Horizon < 1:
		return fmt.Errorf("data: %w: horizon %d, want >= 1", ErrOptions, o.Horizon)
	case !(o.Train > 0 && o.Train < 1):
		return fmt.Errorf("data: %w: train share %v, want in (0, 1)", ErrOptions, o.Train)
	case !(o.Val > 0 && o.Val < 1):
		return fmt.Errorf("data: %w: val share %v, want in (0, 1)", ErrOptions, o.Val)
	case !(o.Train+o.Val < 1):
		return fmt.Errorf("data: %w: train %v + val %v leaves no test share", ErrOptions, o.Train, o.Val)
	case o.Scale != ScaleMinMax && o.Scale != ScaleZScore && o.Scale != ScaleWindow:
		return fmt.Errorf("data: %w: scale %q, want %s, %s or %s", ErrOptions, o.Scale, ScaleMinMax, ScaleZScore, ScaleWindow)
	}
	return nil
}

// splitSizes returns how many of n windows go to train, val and test:
// floor(Train*n), floor(Val*n), the rest.
func (o Options) splitSizes(n int) (train, val, test int) {
	train = int(math.Floor(o.Train * float64(n)))
	val = int(math.Floor(o.Val * float64(n)))
	return train, val, n - train - val
}

// MinRows returns the fewest series rows for which Prepare gives every
// split at least one window. o must be valid.
func (o Options) MinRows() int {
	start := math.Ceil(1/math.Min(o.Train, o.Val)) - 1
	if start > 1<<40 || o.Window > 1<<40 || o.Horizon > 1<<40 {
		return math.MaxInt // more rows than any series has; avoids overflow below
	}
	for n := max(int(start), 1); ; n++ {
		if tr, va, te := o.splitSizes(n); tr > 0 && va > 0 && te > 0 {
			return n + o.Window + o.Horizon - 1
		}
	}
}

// A Split holds the windows of one part of the series, row-major.
type Split struct {
	N      int         // number of windows
	X      []float64   // (N, Window) inputs, normalized
	Y      []float64   // (N, Horizon) targets, normalized
	Last   []float64   // (N) last raw close of each input window (index points)
	Target []float64   // (N, Horizon) raw targets (index points)
	Dates  []time.Time // (N) date of each window's first target
}

// A Dataset is a windowed, split and normalized series.
type Dataset struct {
	Opts             Options
	Train, Val, Test Split
	Norm             Normalizer
	Source           string // Series.Name, or the NPZ path for ReadNPZ
	// Legacy is true for a dataset read from a seed-layout NPZ (only
	// X_train, y_train, X_test, y_test): Val is empty, Norm is the
	// identity, and Last, Target and Dates are nil in every split.
	Legacy bool
}

// Prepare cuts s into windows and splits them chronologically.
//
// Window i takes inputs Values[i : i+Window] and targets
// Values[i+Window : i+Window+Horizon], so there are
// n = len - Window - Horizon + 1 windows, ordered by target date. The
// first floor(Train*n) are train, the next floor(Val*n) val, the rest
// test. The normalizer is fitted on the raw values the training windows
// use, inputs and targets (Values[: train+Window+Horizon-1]), never on
// later values; see Normalizer for what fitting on everything would leak.
//
// Prepare checks o and s (sorted, distinct days, finite positive values)
// and returns an error, naming the rows needed, if a split would be empty.
func Prepare(s *Series, o Options) (*Dataset, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := checkSeries(s); err != nil {
		return nil, err
	}
	rows := len(s.Values)
	if need := o.MinRows(); rows < need {
		return nil, fmt.Errorf("data: %s: %w: need at least %d rows for window %d, horizon %d and a %s/%s/%s split, have %d",
			s.Name, ErrTooFewRows, need, o.Window, o.Horizon, pct(o.Train), pct(o.Val), pct(1-o.Train-o.Val), rows)
	}
	n := rows - o.Window - o.Horizon + 1
	ntr, nva, nte := o.splitSizes(n)
	if ntr < 1 || nva < 1 || nte < 1 {
		// MinRows is the first count that fills every split; the floors of
		// shares that add up to nearly 1 can empty one again at some counts
		// above it.
		return nil, fmt.Errorf("data: %s: %w: %d rows give %d windows, which a %s/%s/%s split rounds down to %d/%d/%d; every split needs one: add or drop a row, or change the shares",
			s.Name, ErrTooFewRows, rows, n, pct(o.Train), pct(o.Val), pct(1-o.Train-o.Val), ntr, nva, nte)
	}

	norm, err := FitNormalizer(o.Scale, s.Values[:ntr+o.Window+o.Horizon-1])
	if err != nil {
		return nil, fmt.Errorf("%w (series %s, training part)", err, s.Name)
	}
	d := &Dataset{Opts: o, Norm: norm, Source: s.Name}
	d.Train = makeSplit(s, o, norm, 0, ntr)
	d.Val = makeSplit(s, o, norm, ntr, ntr+nva)
	d.Test = makeSplit(s, o, norm, ntr+nva, n)
	return d, nil
}

// makeSplit builds windows lo..hi-1.
func makeSplit(s *Series, o Options, norm Normalizer, lo, hi int) Split {
	w, h, n := o.Window, o.Horizon, hi-lo
	sp := Split{
		N:      n,
		X:      make([]float64, n*w),
		Y:      make([]float64, n*h),
		Last:   make([]float64, n),
		Target: make([]float64, n*h),
		Dates:  make([]time.Time, n),
	}
	for r := range n {
		i := lo + r
		last := s.Values[i+w-1]
		for j, v := range s.Values[i : i+w] {
			sp.X[r*w+j] = norm.Forward(v, last)
		}
		for j, v := range s.Values[i+w : i+w+h] {
			sp.Y[r*h+j] = norm.Forward(v, last)
			sp.Target[r*h+j] = v
		}
		sp.Last[r] = last
		sp.Dates[r] = s.Dates[i+w]
	}
	return sp
}

// pct formats a share as a percentage with at most two decimals: 0.7 -> "70".
func pct(share float64) string {
	return strconv.FormatFloat(math.Round(share*1e4)/1e2, 'f', -1, 64)
}
