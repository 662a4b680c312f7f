// Tests of Options, Prepare's windows and its chronological split.

package data

import (
	"errors"
	"math"
	"testing"
)

func TestPrepareEmbeddedCounts(t *testing.T) {
	s, err := LoadEmbedded("close")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Prepare(s, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// n = 5105 - 60 - 1 + 1 = 5045; floor(0.70 n) = 3531; floor(0.15 n) = 756; rest 758.
	if n := d.Train.N + d.Val.N + d.Test.N; n != 5045 || d.Train.N != 3531 || d.Val.N != 756 || d.Test.N != 758 {
		t.Errorf("windows %d = %d + %d + %d, want 5045 = 3531 + 756 + 758", n, d.Train.N, d.Val.N, d.Test.N)
	}
	dates := []struct {
		name string
		sp   *Split
		i    int
		want string
	}{
		{"first train target", &d.Train, 0, "2000-03-29"},
		{"first val target", &d.Val, 0, "2014-04-14"},
		{"first test target", &d.Test, 0, "2017-04-13"},
		{"last test target", &d.Test, d.Test.N - 1, "2020-04-17"},
	}
	for _, tt := range dates {
		if got := tt.sp.Dates[tt.i].Format(DateLayout); got != tt.want {
			t.Errorf("%s %s, want %s", tt.name, got, tt.want)
		}
	}
	if d.Source != EmbeddedName {
		t.Errorf("source %q", d.Source)
	}
	// Pinned: a change means the data, the windows or the fingerprint layout changed.
	if got, want := d.Fingerprint(), "ff54e0c389144f3013d766c2291eaa211e92cb533560376f603c05d7c6d90242"; got != want {
		t.Errorf("fingerprint %s, want %s", got, want)
	}
}

func TestPrepareWindows(t *testing.T) {
	for _, scale := range []string{ScaleMinMax, ScaleZScore, ScaleWindow} {
		t.Run(scale, func(t *testing.T) {
			s := ramp(40)
			o := Options{Window: 5, Horizon: 3, Train: 0.5, Val: 0.25, Scale: scale}
			d, err := Prepare(s, o)
			if err != nil {
				t.Fatal(err)
			}
			n := 40 - 5 - 3 + 1 // 33: 16 train, 8 val, 9 test
			if d.Train.N != 16 || d.Val.N != 8 || d.Test.N != 9 {
				t.Fatalf("splits %d/%d/%d of %d", d.Train.N, d.Val.N, d.Test.N, n)
			}
			i := 0 // window index over the whole series
			for _, sp := range []*Split{&d.Train, &d.Val, &d.Test} {
				if len(sp.X) != sp.N*5 || len(sp.Y) != sp.N*3 || len(sp.Target) != sp.N*3 || len(sp.Last) != sp.N || len(sp.Dates) != sp.N {
					t.Fatal("array lengths do not match N")
				}
				for r := range sp.N {
					last := s.Values[i+4]
					if sp.Last[r] != last {
						t.Errorf("window %d: last %v, want %v", i, sp.Last[r], last)
					}
					for j := range 5 {
						if got := d.Norm.Inverse(sp.X[r*5+j], last); math.Abs(got-s.Values[i+j]) > 1e-9 {
							t.Errorf("window %d: x[%d] = %v raw, want %v", i, j, got, s.Values[i+j])
						}
					}
					for j := range 3 {
						if sp.Target[r*3+j] != s.Values[i+5+j] {
							t.Errorf("window %d: target[%d] = %v, want %v", i, j, sp.Target[r*3+j], s.Values[i+5+j])
						}
						if want := d.Norm.Forward(s.Values[i+5+j], last); sp.Y[r*3+j] != want {
							t.Errorf("window %d: y[%d] = %v, want %v", i, j, sp.Y[r*3+j], want)
						}
					}
					if !sp.Dates[r].Equal(s.Dates[i+5]) {
						t.Errorf("window %d: date %v, want %v", i, sp.Dates[r], s.Dates[i+5])
					}
					i++
				}
			}
		})
	}
	// minmax over training inputs and targets: values[0 : 16+5+3-1] = 100..122.
	d, err := Prepare(ramp(40), Options{Window: 5, Horizon: 3, Train: 0.5, Val: 0.25, Scale: ScaleMinMax})
	if err != nil {
		t.Fatal(err)
	}
	if d.Norm.A != 100 || d.Norm.B != 122 {
		t.Errorf("minmax fit %+v, want [100, 122]", d.Norm)
	}
}

func TestPrepareTooFewRows(t *testing.T) {
	tests := []struct {
		name string
		rows int
		o    Options
		want string
	}{
		{"default", 66, DefaultOptions(),
			"data: test: too few rows: need at least 67 rows for window 60, horizon 1 and a 70/15/15 split, have 66"},
		{"one row", 1, DefaultOptions(), "need at least 67 rows"},
		{"huge window", 100, Options{Window: math.MaxInt - 5, Horizon: 10, Train: 0.7, Val: 0.15, Scale: ScaleMinMax},
			"need at least 9223372036854775807 rows"},
		{"tiny val share", 100, Options{Window: 5, Horizon: 1, Train: 0.7, Val: 1e-300, Scale: ScaleMinMax},
			"need at least 9223372036854775807 rows"},
		{"horizon 5, 80/10/10", 20, Options{Window: 10, Horizon: 5, Train: 0.8, Val: 0.1, Scale: ScaleMinMax},
			"need at least 24 rows for window 10, horizon 5 and a 80/10/10 split, have 20"},
		// MinRows is 13 (11 windows: 9/1/1), but 20 windows floor to 18/2/0.
		{"shares that empty a split above the minimum", 21, Options{Window: 1, Horizon: 1, Train: math.Nextafter(0.9, 0), Val: 0.1, Scale: ScaleMinMax},
			"data: test: too few rows: 21 rows give 20 windows, which a 90/10/0 split rounds down to 18/2/0; every split needs one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(ramp(tt.rows), tt.o)
			wantErr(t, err, tt.want)
			if !errors.Is(err, ErrTooFewRows) {
				t.Errorf("%v is not ErrTooFewRows", err)
			}
		})
	}
	// The minimum is enough.
	// (34/34/32 of 3 windows is one window each.)
	for _, o := range []Options{DefaultOptions(), {Window: 10, Horizon: 5, Train: 0.8, Val: 0.1, Scale: ScaleWindow},
		{Window: 1, Horizon: 1, Train: 0.34, Val: 0.34, Scale: ScaleMinMax}} {
		d, err := Prepare(ramp(o.MinRows()), o)
		if err != nil {
			t.Fatal(err)
		}
		if d.Train.N < 1 || d.Val.N < 1 || d.Test.N < 1 {
			t.Errorf("MinRows %d gives %d/%d/%d", o.MinRows(), d.Train.N, d.Val.N, d.Test.N)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	mod := func(f func(*Options)) Options { o := DefaultOptions(); f(&o); return o }
	tests := []struct {
		name string
		o    Options
		want string // "" for valid
	}{
		{"default", DefaultOptions(), ""},
		{"window scale", mod(func(o *Options) { o.Scale = ScaleWindow }), ""},
		{"zero window", mod(func(o *Options) { o.Window = 0 }), "window 0, want >= 1"},
		{"zero horizon", mod(func(o *Options) { o.Horizon = 0 }), "horizon 0, want >= 1"},
		{"no train", mod(func(o *Options) { o.Train = 0 }), "train share 0, want in (0, 1)"},
		{"NaN train", mod(func(o *Options) { o.Train = math.NaN() }), "train share NaN"},
		{"no val", mod(func(o *Options) { o.Val = 0 }), "val share 0, want in (0, 1)"},
		{"no test", mod(func(o *Options) { o.Train, o.Val = 0.8, 0.2 }), "train 0.8 + val 0.2 leaves no test share"},
		{"bad scale", mod(func(o *Options) { o.Scale = "log" }), `scale "log", want minmax, zscore or window`},
		{"empty scale", mod(func(o *Options) { o.Scale = "" }), `scale ""`},
		{"zscore", mod(func(o *Options) { o.Scale = ScaleZScore }), ""},
		{"window 1", mod(func(o *Options) { o.Window = 1 }), ""},
		{"all to train", mod(func(o *Options) { o.Train = 1 }), "train share 1, want in (0, 1)"},
		{"all to val", mod(func(o *Options) { o.Val = 1 }), "val share 1, want in (0, 1)"},
		{"a small test share", mod(func(o *Options) { o.Train, o.Val = 0.5, 0.49 }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, "data: bad options: "+tt.want)
			if _, perr := Prepare(ramp(100), tt.o); perr == nil || perr.Error() != err.Error() {
				t.Errorf("Prepare error %v, want %v", perr, err)
			}
		})
	}
}

func TestPrepareBadSeries(t *testing.T) {
	unsorted := series(1, 2, 3)
	unsorted.Dates[1], unsorted.Dates[2] = unsorted.Dates[2], unsorted.Dates[1]
	dup := series(1, 2, 3)
	dup.Dates[2] = dup.Dates[1]
	bad := series(1, 0, 3)
	tests := []struct {
		name string
		s    *Series
		want string
	}{
		{"nil", nil, "data: nil series"},
		{"lengths", &Series{Name: "t", Values: []float64{1}}, "0 dates and 1 values"},
		{"unsorted", unsorted, "row 3: dates not increasing (2020-01-02 after 2020-01-03); Clean sorts"},
		{"repeated day", dup, "row 3: dates not increasing"},
		{"zero", bad, "row 2 (2020-01-02): non-positive value 0"},
	}
	o := Options{Window: 1, Horizon: 1, Train: 0.4, Val: 0.3, Scale: ScaleWindow}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(tt.s, o)
			wantErr(t, err, tt.want)
		})
	}
	_, err := Prepare(series(5, 5, 5, 5, 5, 5, 5, 5, 5, 5), Options{Window: 2, Horizon: 1, Train: 0.5, Val: 0.2, Scale: ScaleMinMax})
	wantErr(t, err, "constant training values", "series test")
}

// MinRows at the edges of its search: the train share below the val
// share, shares whose floors fill every window, and window, horizon and
// val share at the guard against overflow (1<<40) and just past it.
func TestMinRows(t *testing.T) {
	o := func(window, horizon int, train, val float64) Options {
		return Options{Window: window, Horizon: horizon, Train: train, Val: val, Scale: ScaleMinMax}
	}
	tests := []struct {
		name string
		o    Options
		want int
	}{
		// 7 windows: 4/1/2 (6 give no val window).
		{"default", DefaultOptions(), 7 + 60 + 1 - 1},
		// The search starts at ceil(1/0.2)-1 = 4 windows: 0/1/3 has no train
		// window; 5 give 1/1/3.
		{"train share below val", o(1, 1, 0.2, 0.3), 5 + 1 + 1 - 1},
		// Train just below 0.9 (0.9 + 0.1 is 1): 10 windows floor to 9/1/0
		// in floating point and leave none to test; 11 give 9/1/1.
		{"shares that fill every window", o(1, 1, math.Nextafter(0.9, 0), 0.1), 11 + 1 + 1 - 1},
		{"window at the guard", o(1<<40, 1, 0.7, 0.15), 7 + 1<<40 + 1 - 1},
		{"window past the guard", o(1<<40+1, 1, 0.7, 0.15), math.MaxInt},
		{"horizon at the guard", o(1, 1<<40, 0.7, 0.15), 7 + 1 + 1<<40 - 1},
		{"horizon past the guard", o(1, 1<<40+1, 0.7, 0.15), math.MaxInt},
		// ceil(1/val)-1 = 1<<40 windows have no val window; one more has.
		{"val share at the guard", o(1, 1, 0.7, 1/(1<<40+0.5)), 1<<40 + 1 + 1 + 1 - 1},
		{"val share past the guard", o(1, 1, 0.7, 1/(1<<40+1.5)), math.MaxInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tt.o.MinRows(); got != tt.want {
				t.Errorf("MinRows = %d, want %d", got, tt.want)
			}
		})
	}
}

// splitSizes gives floor(Train*n), floor(Val*n) and the rest.
func TestSplitSizes(t *testing.T) {
	tests := []struct {
		name                string
		o                   Options
		n                   int
		train, val, testLen int
	}{
		{"embedded series", DefaultOptions(), 5045, 3531, 756, 758},
		{"a 50/25/25 split", Options{Train: 0.5, Val: 0.25}, 33, 16, 8, 9},
		{"train below val", Options{Train: 0.2, Val: 0.3}, 4, 0, 1, 3},
		{"floors that fill every window", Options{Train: math.Nextafter(0.9, 0), Val: 0.1}, 10, 9, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, va, te := tt.o.splitSizes(tt.n)
			if tr != tt.train || va != tt.val || te != tt.testLen {
				t.Errorf("splitSizes(%d) = %d/%d/%d, want %d/%d/%d", tt.n, tr, va, te, tt.train, tt.val, tt.testLen)
			}
		})
	}
}
