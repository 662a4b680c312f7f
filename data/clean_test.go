// Tests of Clean: sorting, repeated dates, bad values, gaps, misuse.

package data

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name       string
		dates      []string
		values     []float64
		wantValues []float64
		duplicates int
		gaps       []string
	}{
		{name: "clean already", dates: []string{"2020-01-01", "2020-01-02"}, values: []float64{1, 2}, wantValues: []float64{1, 2}},
		{name: "reversed", dates: []string{"2020-01-03", "2020-01-02", "2020-01-01"}, values: []float64{3, 2, 1}, wantValues: []float64{1, 2, 3}},
		{name: "duplicate keeps first", dates: []string{"2020-01-02", "2020-01-01", "2020-01-02"}, values: []float64{5, 1, 6},
			wantValues: []float64{1, 5}, duplicates: 1},
		{name: "week is no gap", dates: []string{"2001-09-10", "2001-09-17"}, values: []float64{1, 2}, wantValues: []float64{1, 2}},
		{name: "eight days is a gap", dates: []string{"2020-01-01", "2020-01-09", "2020-01-10", "2020-03-01"}, values: []float64{1, 2, 3, 4},
			wantValues: []float64{1, 2, 3, 4}, gaps: []string{"2020-01-01 .. 2020-01-09 (8 days)", "2020-01-10 .. 2020-03-01 (51 days)"}},
		{name: "one row", dates: []string{"2020-01-01"}, values: []float64{7}, wantValues: []float64{7}},
		{name: "empty", wantValues: []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Series{Name: "t", Values: tt.values}
			for _, d := range tt.dates {
				s.Dates = append(s.Dates, day(d))
			}
			rep, err := Clean(s)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Values, tt.wantValues) {
				t.Errorf("values %v, want %v", s.Values, tt.wantValues)
			}
			wantDates := slices.Compact(slices.Sorted(slices.Values(tt.dates))) // ISO days sort as text
			if got := days(s); !slices.Equal(got, wantDates) {
				t.Errorf("dates %v, want %v", got, wantDates)
			}
			if rep.Rows != len(tt.wantValues) || rep.Duplicates != tt.duplicates {
				t.Errorf("report %+v", rep)
			}
			var gaps []string
			for _, g := range rep.Gaps {
				gaps = append(gaps, g.String())
			}
			if !slices.Equal(gaps, tt.gaps) {
				t.Errorf("gaps %q, want %q", gaps, tt.gaps)
			}
		})
	}
}

func TestCleanBadValues(t *testing.T) {
	tests := []struct {
		name     string
		v        float64
		sentinel error
		want     string
	}{
		{"zero", 0, ErrNonPos, "data: t: row 2 (2020-01-02): non-positive value 0"},
		{"negative", -3, ErrNonPos, "non-positive value -3"},
		{"NaN", math.NaN(), ErrNonFinite, "non-finite value NaN"},
		{"Inf", math.Inf(1), ErrNonFinite, "non-finite value +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := series(1, tt.v, 3)
			s.Name = "t"
			_, err := Clean(s)
			wantErr(t, err, tt.want)
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("%v is not %v", err, tt.sentinel)
			}
			if s.Len() != 3 {
				t.Error("Clean changed the series despite the error")
			}
		})
	}
}

func TestCleanMisuse(t *testing.T) {
	wantPanic(t, func() { Clean(nil) })
	wantPanic(t, func() { Clean(&Series{Values: []float64{1}}) })
}
