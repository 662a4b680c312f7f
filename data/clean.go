// The Series type and its cleaning: sort, drop repeated dates, check values, find gaps.

package data

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// A Series is one column of daily prices, oldest first after Clean.
type Series struct {
	Dates  []time.Time // (n) trading days, midnight UTC when read from CSV
	Values []float64   // (n) prices in index points, finite and > 0
	Name   string      // file name, "embedded", or "yahoo:^GSPC" for a fetch
}

// Len returns the number of rows.
func (s *Series) Len() int { return len(s.Values) }

// MaxGapDays is the longest run of calendar days between two consecutive
// rows that Clean accepts without reporting a Gap. A week covers weekends
// and the longest market closures (2001-09-10 .. 2001-09-17 is 7 days).
const MaxGapDays = 7

// A Gap is a span between two consecutive rows longer than MaxGapDays.
type Gap struct {
	From, To time.Time // the rows on either side
	Days     int       // calendar days from From to To
}

// String formats g as "2001-09-10 .. 2001-09-24 (14 days)".
func (g Gap) String() string {
	return fmt.Sprintf("%s .. %s (%d days)", g.From.Format(DateLayout), g.To.Format(DateLayout), g.Days)
}

// A LoadReport tells what cleaning did, for the caller to log:
// "dropped 2 duplicate dates", one line per gap.
type LoadReport struct {
	Rows       int   // rows kept
	Duplicates int   // rows dropped because their date repeats an earlier row's
	Nulls      int   // CSV rows skipped because the column held "null" (Yahoo's missing day)
	Gaps       []Gap // spans longer than MaxGapDays between consecutive rows, oldest first
}

// Notes returns one line per thing worth logging, e.g. "dropped 2
// duplicate dates", "skipped 1 null row", "gap 2001-09-10 .. 2001-09-24
// (14 days)"; none for a clean file.
func (r LoadReport) Notes() []string {
	var notes []string
	if r.Duplicates > 0 {
		notes = append(notes, fmt.Sprintf("dropped %d duplicate %s", r.Duplicates, plural(r.Duplicates, "date", "dates")))
	}
	if r.Nulls > 0 {
		notes = append(notes, fmt.Sprintf("skipped %d null %s", r.Nulls, plural(r.Nulls, "row", "rows")))
	}
	for _, g := range r.Gaps {
		notes = append(notes, "gap "+g.String())
	}
	return notes
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Clean sorts s by date, drops rows whose calendar day repeats an earlier
// row's (keeping the first in input order; dates compare as days), and
// reports gaps longer than MaxGapDays. It returns an error, changing
// nothing, if a value is NaN, infinite, zero or negative. Clean panics if
// s is nil or its slices differ in length.
func Clean(s *Series) (LoadReport, error) {
	if s == nil {
		panic("data: Clean of a nil Series")
	}
	if len(s.Dates) != len(s.Values) {
		panic(fmt.Sprintf("data: Series %q has %d dates and %d values", s.Name, len(s.Dates), len(s.Values)))
	}
	for i, v := range s.Values {
		if err := checkValue(v); err != nil {
			return LoadReport{}, fmt.Errorf("data: %s: row %d (%s): %w", s.Name, i+1, s.Dates[i].Format(DateLayout), err)
		}
	}

	order := make([]int, len(s.Values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(unixDay(s.Dates[a]), unixDay(s.Dates[b]))
	})
	var rep LoadReport
	dates := make([]time.Time, 0, len(order))
	values := make([]float64, 0, len(order))
	for _, i := range order {
		if n := len(dates); n > 0 && unixDay(dates[n-1]) == unixDay(s.Dates[i]) {
			rep.Duplicates++
			continue
		}
		dates = append(dates, s.Dates[i])
		values = append(values, s.Values[i])
	}
	for i := 1; i < len(dates); i++ {
		if days := int(unixDay(dates[i]) - unixDay(dates[i-1])); days > MaxGapDays {
			rep.Gaps = append(rep.Gaps, Gap{From: dates[i-1], To: dates[i], Days: days})
		}
	}
	s.Dates, s.Values = dates, values
	rep.Rows = len(values)
	return rep, nil
}

// checkValue rejects prices that cannot be scaled or divided by.
func checkValue(v float64) error { return checkPrice("value", v) }

// checkPrice is checkValue naming the column: "non-positive close 0".
func checkPrice(column string, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%w %s %v", ErrNonFinite, column, v)
	case v <= 0:
		return fmt.Errorf("%w %s %v", ErrNonPos, column, v)
	}
	return nil
}

// checkSeries verifies what Prepare relies on: a clean, non-empty series.
func checkSeries(s *Series) error {
	if s == nil {
		return fmt.Errorf("data: nil series")
	}
	if len(s.Dates) != len(s.Values) {
		return fmt.Errorf("data: %s: %d dates and %d values", s.Name, len(s.Dates), len(s.Values))
	}
	for i, v := range s.Values {
		if err := checkValue(v); err != nil {
			return fmt.Errorf("data: %s: row %d (%s): %w", s.Name, i+1, s.Dates[i].Format(DateLayout), err)
		}
		if i > 0 && unixDay(s.Dates[i]) <= unixDay(s.Dates[i-1]) {
			return fmt.Errorf("data: %s: row %d: %w (%s after %s); Clean sorts and dedupes",
				s.Name, i+1, ErrUnsorted, s.Dates[i].Format(DateLayout), s.Dates[i-1].Format(DateLayout))
		}
	}
	return nil
}

// unixDay is the number of days from 1970-01-01 to t's calendar date (in
// t's own location). NPZ files and Fingerprint store dates this way.
func unixDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// dayTime is the inverse of unixDay: midnight UTC of day n.
func dayTime(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }
