// Tests of WriteNPZ and ReadNPZ: round trip, layout, atomicity, bad files, seed layout.

package data

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"codeberg.org/sbinet/npyio/npz"
	"gonum.org/v1/gonum/mat"
)

// smallDataset is a quick dataset: 100 rows, window 60, horizon 1: 28/6/6 windows.
func smallDataset(t *testing.T) *Dataset {
	t.Helper()
	d, err := Prepare(ramp(100), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// writeEntries writes an .npz of the given entries, each named key+suffix.
func writeEntries(t *testing.T, path, suffix string, es []npzEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := npz.NewWriter(f)
	for _, e := range es {
		if err := w.Write(e.key+suffix, e.value); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// sameDataset fails unless a and b hold the same settings and arrays.
func sameDataset(t *testing.T, a, b *Dataset) {
	t.Helper()
	if a.Opts != b.Opts || a.Norm != b.Norm {
		t.Errorf("opts/norm %+v %+v, want %+v %+v", b.Opts, b.Norm, a.Opts, a.Norm)
	}
	for i, pair := range [][2]*Split{{&a.Train, &b.Train}, {&a.Val, &b.Val}, {&a.Test, &b.Test}} {
		x, y := pair[0], pair[1]
		if x.N != y.N || !slices.Equal(x.X, y.X) || !slices.Equal(x.Y, y.Y) || !slices.Equal(x.Last, y.Last) ||
			!slices.Equal(x.Target, y.Target) || !slices.EqualFunc(x.Dates, y.Dates, func(p, q time.Time) bool { return p.Equal(q) }) {
			t.Errorf("split %s differs", splitNames[i])
		}
	}
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("fingerprints differ")
	}
}

func TestNPZRoundTrip(t *testing.T) {
	s, err := LoadEmbedded("close")
	if err != nil {
		t.Fatal(err)
	}
	opts := map[string]Options{
		"default":  DefaultOptions(),
		"zscore":   {Window: 30, Horizon: 5, Train: 0.6, Val: 0.2, Scale: ScaleZScore},
		"window":   {Window: 10, Horizon: 2, Train: 0.7, Val: 0.1, Scale: ScaleWindow},
		"window 1": {Window: 1, Horizon: 1, Train: 0.7, Val: 0.15, Scale: ScaleMinMax},
	}
	for name, o := range opts {
		t.Run(name, func(t *testing.T) {
			d, err := Prepare(s, o)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "d.npz")
			if err := WriteNPZ(path, d); err != nil {
				t.Fatal(err)
			}
			back, err := ReadNPZ(path)
			if err != nil {
				t.Fatal(err)
			}
			sameDataset(t, d, back)
			if back.Source != path || back.Legacy {
				t.Errorf("source %q legacy %v", back.Source, back.Legacy)
			}
			if got := onlyFiles(t, dir); !slices.Equal(got, []string{"d.npz"}) {
				t.Errorf("folder holds %v", got)
			}
		})
	}
}

// A split of a single window is the smallest the layout holds.
func TestNPZRoundTripOneWindow(t *testing.T) {
	d := smallDataset(t)
	w, h := d.Opts.Window, d.Opts.Horizon
	v := &d.Val
	*v = Split{N: 1, X: v.X[:w], Y: v.Y[:h], Last: v.Last[:1], Target: v.Target[:h], Dates: v.Dates[:1]}
	path := filepath.Join(t.TempDir(), "one.npz")
	if err := WriteNPZ(path, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Val.N != 1 {
		t.Fatalf("val split of %d windows, want 1", back.Val.N)
	}
	sameDataset(t, d, back)
}

func TestNPZLayout(t *testing.T) {
	d := smallDataset(t)
	path := filepath.Join(t.TempDir(), "d.npz")
	if err := WriteNPZ(path, d); err != nil {
		t.Fatal(err)
	}
	z, err := npz.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	want := map[string]string{ // key -> dtype and shape as numpy shows them
		"X_train.npy": "'<f8' [28 60]", "y_train.npy": "'<f8' [28 1]", "last_train.npy": "'<f8' [28]",
		"target_train.npy": "'<f8' [28 1]", "dates_train.npy": "'<i8' [28]",
		"X_val.npy": "'<f8' [6 60]", "y_val.npy": "'<f8' [6 1]", "last_val.npy": "'<f8' [6]",
		"target_val.npy": "'<f8' [6 1]", "dates_val.npy": "'<i8' [6]",
		"X_test.npy": "'<f8' [6 60]", "y_test.npy": "'<f8' [6 1]", "last_test.npy": "'<f8' [6]",
		"target_test.npy": "'<f8' [6 1]", "dates_test.npy": "'<i8' [6]",
		"norm.npy": "'<f8' [2]", "norm_kind.npy": "'|u1' [6]", "split.npy": "'<f8' [2]",
		"window.npy": "'<i8' []", "horizon.npy": "'<i8' []", "version.npy": "'<i8' []",
	}
	got := map[string]string{}
	for _, k := range z.Keys() {
		h := z.Header(k)
		got[k] = fmt.Sprintf("%s %v", h.Descr.Type, h.Descr.Shape)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("layout:\n got %v\nwant %v", got, want)
	}
	var days []int64
	if err := z.Read("dates_train.npy", &days); err != nil {
		t.Fatal(err)
	}
	// ramp(100) starts 2020-01-01; the first target is row 60: 2020-03-01, day 18322.
	if days[0] != 18322 {
		t.Errorf("dates_train[0] = %d, want 18322 (2020-03-01)", days[0])
	}
	var kind []uint8
	if err := z.Read("norm_kind.npy", &kind); err != nil || string(kind) != "minmax" {
		t.Errorf("norm_kind %q, %v", kind, err)
	}
}

func TestWriteNPZErrors(t *testing.T) {
	dir := t.TempDir()
	legacy := smallDataset(t)
	legacy.Val = Split{}
	short := smallDataset(t)
	short.Test.Last = short.Test.Last[1:]
	noKind := smallDataset(t)
	noKind.Norm = Normalizer{}
	// window 5, horizon 3: 93 windows, 46/23/24.
	shortTarget, err := Prepare(ramp(100), Options{Window: 5, Horizon: 3, Train: 0.5, Val: 0.25, Scale: ScaleMinMax})
	if err != nil {
		t.Fatal(err)
	}
	shortTarget.Test.Target = shortTarget.Test.Target[1:]
	tests := []struct {
		name string
		path string
		d    *Dataset
		want string
	}{
		{"nil", filepath.Join(dir, "a.npz"), nil, "nil dataset"},
		{"empty val", filepath.Join(dir, "a.npz"), legacy, "split val is empty; the NPZ layout needs windows in train, val and test"},
		{"short array", filepath.Join(dir, "a.npz"), short, "split test: lengths X 360, Y 6, Last 5, Target 6, Dates 6; want 360, 6, 6, 6, 6"},
		{"short target, horizon 3", filepath.Join(dir, "a.npz"), shortTarget,
			"split test: lengths X 120, Y 72, Last 24, Target 71, Dates 24; want 120, 72, 24, 72, 24"},
		{"identity normalizer", filepath.Join(dir, "a.npz"), noKind, `normalizer kind ""`},
		{"missing folder", filepath.Join(dir, "no", "a.npz"), smallDataset(t), "data: write " + filepath.Join(dir, "no", "a.npz")},
		{"path is a folder", dir, smallDataset(t), "data: write " + dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, WriteNPZ(tt.path, tt.d), tt.want)
			if got := onlyFiles(t, dir); len(got) != 0 {
				t.Errorf("left behind %v", got)
			}
		})
	}
}

func TestWriteNPZReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.npz")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := smallDataset(t)
	if err := WriteNPZ(path, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	sameDataset(t, d, back)
}

func TestReadNPZBadFiles(t *testing.T) {
	// edit returns the full layout of smallDataset with key replaced (nil: removed).
	edit := func(t *testing.T, key string, value any) []npzEntry {
		var es []npzEntry
		for _, e := range npzEntries(smallDataset(t)) {
			if e.key == key {
				if value == nil {
					continue
				}
				e.value = value
			}
			es = append(es, e)
		}
		return es
	}
	tests := []struct {
		name  string
		key   string
		value any // nil removes the key
		want  string
	}{
		{"missing X_val", "X_val", nil, "key X_val: missing (file has: X_test, X_train, dates_test,"},
		{"missing dates_test", "dates_test", nil, "key dates_test: missing"},
		{"X_val window", "X_val", mat.NewDense(3, 59, nil), "key X_val: shape (3, 59), want (3, 60)"},
		{"X_val 1-D", "X_val", make([]float64, 6), "key X_val: shape (6,), want (N, 60) with N >= 1"},
		{"y_val rows", "y_val", mat.NewDense(5, 1, nil), "key y_val: shape (5, 1), want (6, 1)"},
		{"target_test horizon", "target_test", mat.NewDense(6, 2, nil), "key target_test: shape (6, 2), want (6, 1)"},
		{"last_train rows", "last_train", make([]float64, 27), "key last_train: shape (27,), want (28,)"},
		{"X_train float32", "X_train", make([]float32, 28*60), "key X_train: dtype <f4, want <f8"},
		{"dates float", "dates_val", make([]float64, 6), "key dates_val: dtype <f8, want <i8"},
		{"norm_kind int", "norm_kind", []int64{1}, "key norm_kind: dtype <i8, want |u1"},
		{"norm_kind unknown", "norm_kind", []uint8("log"), `key norm_kind: unknown normalizer "log"`},
		{"norm shape", "norm", []float64{1, 2, 3}, "key norm: shape (3,), want (2,)"},
		{"window 1-D", "window", []int64{60}, "key window: shape (1,), want ()"},
		{"window zero", "window", int64(0), "key window: window 0, horizon 1: want both >= 1"},
		// A window or horizon of MaxNPZValues passes its own check and
		// fails at the first array it shapes; one more is refused at once.
		{"window at the limit", "window", int64(MaxNPZValues), "key X_train: shape (28, 60), want (28, 134217728)"},
		{"window over the limit", "window", int64(MaxNPZValues + 1), "key window: window 134217729, horizon 1: want both >= 1"},
		{"horizon at the limit", "horizon", int64(MaxNPZValues), "key y_train: shape (28, 1), want (28, 134217728)"},
		{"horizon over the limit", "horizon", int64(MaxNPZValues + 1), "key window: window 60, horizon 134217729: want both >= 1"},
		{"norm_kind of one byte", "norm_kind", []uint8("x"), `key norm_kind: unknown normalizer "x"`},
		{"version", "version", int64(2), "key version: version 2, this program reads 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.npz")
			writeEntries(t, path, ".npy", edit(t, tt.key, tt.value))
			d, err := ReadNPZ(path)
			if d != nil {
				t.Error("got a dataset with an error")
			}
			wantErr(t, err, "data: "+path+": "+tt.want)
			if !errors.Is(err, ErrNPZ) {
				t.Errorf("%v is not ErrNPZ", err)
			}
		})
	}
	t.Run("not a zip", func(t *testing.T) {
		path := writeFile(t, "x.npz", "X_train,y_train\n1,2\n")
		_, err := ReadNPZ(path)
		wantErr(t, err, "data: "+path+": not a zip archive (.npz)")
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := ReadNPZ(filepath.Join(t.TempDir(), "none.npz"))
		wantErr(t, err, "data: open ", "none.npz: no such file")
	})
}

func TestReadNPZLegacy(t *testing.T) {
	x := func(n, w int) []float64 {
		v := make([]float64, n*w)
		for i := range v {
			v[i] = float64(i) / 10
		}
		return v
	}
	nested := func(n, w int) [][][]float64 { // (n, w, 1), as a Keras LSTM input
		out := make([][][]float64, n)
		for i := range out {
			out[i] = make([][]float64, w)
			for j := range out[i] {
				out[i][j] = []float64{float64(i*w+j) / 10}
			}
		}
		return out
	}
	tests := []struct {
		name   string
		suffix string
		es     []npzEntry
		window int
		want   string // error, or "" for success
	}{
		{name: "2-D", suffix: ".npy", window: 6, es: []npzEntry{
			{"X_train", mat.NewDense(8, 6, x(8, 6))}, {"y_train", mat.NewDense(8, 1, x(8, 1))},
			{"X_test", mat.NewDense(3, 6, x(3, 6))}, {"y_test", mat.NewDense(3, 1, x(3, 1))}}},
		{name: "3-D X, 1-D y, bare names", window: 6, es: []npzEntry{
			{"X_train", nested(8, 6)}, {"y_train", x(8, 1)}, {"X_test", nested(3, 6)}, {"y_test", x(3, 1)}}},
		{name: "missing y_test", suffix: ".npy", es: []npzEntry{
			{"X_train", mat.NewDense(8, 6, nil)}, {"y_train", mat.NewDense(8, 1, nil)}, {"X_test", mat.NewDense(3, 6, nil)}},
			want: "key y_test: missing (file has: X_test, X_train, y_train)"},
		{name: "window mismatch", suffix: ".npy", es: []npzEntry{
			{"X_train", mat.NewDense(8, 6, nil)}, {"y_train", mat.NewDense(8, 1, nil)},
			{"X_test", mat.NewDense(3, 7, nil)}, {"y_test", mat.NewDense(3, 1, nil)}},
			want: "key X_test: shape (3, 7), want (N, 6) as X_train"},
		{name: "y rows", suffix: ".npy", es: []npzEntry{
			{"X_train", mat.NewDense(8, 6, nil)}, {"y_train", mat.NewDense(7, 1, nil)}},
			want: "key y_train: shape (7, 1), want (8,) or (8, horizon)"},
		{name: "integer X", suffix: ".npy", es: []npzEntry{{"X_train", make([]int64, 8)}},
			want: "key X_train: dtype <i8 (integer), want float32 (<f4) or float64 (<f8)"},
		{name: "complex y", suffix: ".npy", es: []npzEntry{{"X_train", mat.NewDense(8, 6, nil)}, {"y_train", make([]complex128, 8)}},
			want: "key y_train: dtype <c16 (complex), want float32 (<f4) or float64 (<f8)"},
		{name: "X_val without y_val", suffix: ".npy", es: []npzEntry{
			{"X_train", mat.NewDense(8, 6, nil)}, {"y_train", x(8, 1)}, {"X_test", mat.NewDense(3, 6, nil)}, {"y_test", x(3, 1)},
			{"X_val", mat.NewDense(2, 6, nil)}},
			want: "key y_val: missing, while X_val is there (give both or neither)"},
		{name: "y_val rows", suffix: ".npy", es: []npzEntry{
			{"X_train", mat.NewDense(8, 6, nil)}, {"y_train", x(8, 1)}, {"X_test", mat.NewDense(3, 6, nil)}, {"y_test", x(3, 1)},
			{"X_val", mat.NewDense(2, 6, nil)}, {"y_val", x(3, 1)}},
			want: "key y_val: shape (3, 1), want (2, 1) as y_train"},
		{name: "window norm", suffix: ".npy", es: []npzEntry{
			{"X_train", mat.NewDense(8, 6, nil)}, {"y_train", x(8, 1)}, {"X_test", mat.NewDense(3, 6, nil)}, {"y_test", x(3, 1)},
			{"norm", []float64{0, 0}}, {"norm_kind", []uint8("window")}},
			want: `key norm_kind: "window": a seed-layout file can carry min-max or z-score statistics only`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seed.npz")
			writeEntries(t, path, tt.suffix, tt.es)
			d, err := ReadNPZ(path)
			if tt.want != "" {
				wantErr(t, err, "data: "+path+": "+tt.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !d.Legacy || d.Val.N != 0 || d.Train.N != 8 || d.Test.N != 3 || d.Norm != (Normalizer{}) {
				t.Errorf("dataset %+v", d)
			}
			if want := (Options{Window: tt.window, Horizon: 1, Train: 8.0 / 11}); d.Opts != want {
				t.Errorf("opts %+v, want %+v", d.Opts, want)
			}
			if !slices.Equal(d.Train.X, x(8, 6)) || !slices.Equal(d.Test.Y, x(3, 1)) {
				t.Error("values differ")
			}
			err = WriteNPZ(filepath.Join(t.TempDir(), "again.npz"), d)
			wantErr(t, err, "seed-layout NPZ (no val split, no normalizer) cannot be written")
		})
	}
}

// TestReadNPZSeedLayout reads what the seed project's pipeline writes:
// float32 arrays, y of shape (n,), with or without a validation split and
// normalizer statistics.
func TestReadNPZSeedLayout(t *testing.T) {
	f32 := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = scale * float32(i+1) / 64
		}
		return v
	}
	base := []npzEntry{
		{"X_train", mat32(20, 4, f32(80, 1))}, {"y_train", f32(20, 2)},
		{"X_test", mat32(5, 4, f32(20, 3))}, {"y_test", f32(5, 4)},
	}
	t.Run("float32, train and test only", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "seed.npz")
		writeEntries(t, path, ".npy", base)
		d, err := ReadNPZ(path)
		if err != nil {
			t.Fatal(err)
		}
		if d.Train.N != 20 || d.Test.N != 5 || d.Val.N != 0 || d.Opts.Window != 4 || d.Opts.Horizon != 1 {
			t.Fatalf("dataset %+v", d.Opts)
		}
		for i, v := range f32(80, 1) {
			if d.Train.X[i] != float64(v) {
				t.Fatalf("X_train[%d] = %v, want float32 %v widened exactly", i, d.Train.X[i], v)
			}
		}
		if d.Norm.Kind != "" || d.Test.Last != nil || d.Test.Target != nil {
			t.Errorf("normalizer %+v, last %v: invented without statistics in the file", d.Norm, d.Test.Last)
		}
		k, err := d.CarveValidation(0.15)
		if err != nil || k != 3 || d.Train.N != 17 || d.Val.N != 3 || len(d.Train.X) != 17*4 || len(d.Val.Y) != 3 {
			t.Fatalf("carve: %d, %v; train %d val %d", k, err, d.Train.N, d.Val.N)
		}
		// The validation windows are the last three training windows, in order.
		if d.Val.X[0] != float64(f32(80, 1)[17*4]) || d.Val.Y[2] != float64(f32(20, 2)[19]) {
			t.Errorf("validation split is not the end of the training windows: %v", d.Val.Y)
		}
		if _, err := d.CarveValidation(0.15); err == nil {
			t.Error("a second carve of a dataset with a validation split succeeded")
		}
	})
	t.Run("with validation and min-max statistics", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "seed.npz")
		es := append(append([]npzEntry(nil), base...),
			npzEntry{"X_val", mat32(4, 4, f32(16, 2))}, npzEntry{"y_val", mat32(4, 1, f32(4, 1))},
			npzEntry{"norm", []float64{1000, 3000}}, npzEntry{"norm_kind", []uint8(ScaleMinMax)})
		writeEntries(t, path, "", es)
		d, err := ReadNPZ(path)
		if err != nil {
			t.Fatal(err)
		}
		if d.Val.N != 4 || d.Norm.Kind != ScaleMinMax || d.Opts.Scale != ScaleMinMax {
			t.Fatalf("val %d, normalizer %+v", d.Val.N, d.Norm)
		}
		// Last close of test window 0 = 1000 + 2000 * X_test[0, 3].
		x03 := float64(f32(20, 3)[3])
		if want := 1000 + 2000*x03; math.Abs(d.Test.Last[0]-want) > 1e-9 {
			t.Errorf("last close %v, want %v", d.Test.Last[0], want)
		}
		if want := 1000 + 2000*float64(f32(5, 4)[4]); math.Abs(d.Test.Target[4]-want) > 1e-9 {
			t.Errorf("target %v, want %v", d.Test.Target[4], want)
		}
	})
}

// TestReadNPZSeedLayoutShapes reads seed-layout files at the smallest
// shapes they may have and with a horizon above one, checking every
// derived figure: the shares, and the last closes and raw targets that
// z-score statistics give.
func TestReadNPZSeedLayoutShapes(t *testing.T) {
	tests := []struct {
		name             string
		es               []npzEntry
		window, horizon  int
		train, val, test Split // N, X and Y read; Last and Target derived
		trainShare       float64
		valShare         float64
		norm             Normalizer
	}{
		{name: "one window of one value in each split", window: 1, horizon: 1,
			es: []npzEntry{
				{"X_train", mat.NewDense(1, 1, []float64{0.5})}, {"y_train", []float64{0.75}},
				{"X_test", mat.NewDense(1, 1, []float64{0.25})}, {"y_test", []float64{1}}},
			train:      Split{N: 1, X: []float64{0.5}, Y: []float64{0.75}},
			test:       Split{N: 1, X: []float64{0.25}, Y: []float64{1}},
			trainShare: 0.5},
		{name: "horizon 2, validation and z-score statistics", window: 2, horizon: 2,
			es: []npzEntry{
				{"X_train", mat.NewDense(3, 2, []float64{-1, 0.5, 1, 1.5, 2, 2.5})},
				{"y_train", mat.NewDense(3, 2, []float64{3, 4, 5, 6, 7, 8})},
				{"X_val", mat.NewDense(2, 2, []float64{0, 1, 2, 3})},
				{"y_val", mat.NewDense(2, 2, []float64{-1, -2, -3, -4})},
				{"X_test", mat.NewDense(2, 2, []float64{4, 5, 6, 7})},
				{"y_test", mat.NewDense(2, 2, []float64{9, 10, 11, 12})},
				{"norm", []float64{100, 10}}, {"norm_kind", []uint8(ScaleZScore)}},
			// Last is 100 + 10 * each window's last input, Target 100 + 10 * y.
			train: Split{N: 3, X: []float64{-1, 0.5, 1, 1.5, 2, 2.5}, Y: []float64{3, 4, 5, 6, 7, 8},
				Last: []float64{105, 115, 125}, Target: []float64{130, 140, 150, 160, 170, 180}},
			val: Split{N: 2, X: []float64{0, 1, 2, 3}, Y: []float64{-1, -2, -3, -4},
				Last: []float64{110, 130}, Target: []float64{90, 80, 70, 60}},
			test: Split{N: 2, X: []float64{4, 5, 6, 7}, Y: []float64{9, 10, 11, 12},
				Last: []float64{150, 170}, Target: []float64{190, 200, 210, 220}},
			trainShare: 3.0 / 7, valShare: 2.0 / 7,
			norm: Normalizer{Kind: ScaleZScore, A: 100, B: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seed.npz")
			writeEntries(t, path, ".npy", tt.es)
			d, err := ReadNPZ(path)
			if err != nil {
				t.Fatal(err)
			}
			want := Options{Window: tt.window, Horizon: tt.horizon, Train: tt.trainShare, Val: tt.valShare, Scale: tt.norm.Kind}
			if !d.Legacy || d.Opts != want || d.Norm != tt.norm {
				t.Errorf("opts %+v, normalizer %+v; want %+v, %+v", d.Opts, d.Norm, want, tt.norm)
			}
			for i, pair := range [][2]*Split{{&tt.train, &d.Train}, {&tt.val, &d.Val}, {&tt.test, &d.Test}} {
				w, g := pair[0], pair[1]
				if g.N != w.N || !slices.Equal(g.X, w.X) || !slices.Equal(g.Y, w.Y) ||
					!slices.Equal(g.Last, w.Last) || !slices.Equal(g.Target, w.Target) {
					t.Errorf("split %s: %+v, want %+v", splitNames[i], *g, *w)
				}
			}
		})
	}
}

// mat32 is an (r, c) float32 array for npyio, as numpy writes float32 2-D arrays.
func mat32(r, c int, v []float32) [][]float32 {
	out := make([][]float32, r)
	for i := range out {
		out[i] = v[i*c : (i+1)*c]
	}
	return out
}

// CarveValidation at the limits of its share: one window moved, one window
// kept, none movable; the shares in Opts follow the new counts.
func TestCarveValidationLimits(t *testing.T) {
	seq := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i)
		}
		return v
	}
	dataset := func() *Dataset {
		return &Dataset{
			Source: "five.npz",
			Train:  Split{N: 5, X: seq(10), Y: seq(5)},
			Test:   Split{N: 5, X: seq(10), Y: seq(5)},
		}
	}
	tests := []struct {
		frac       float64
		moved      int
		trainShare float64 // of 10 windows
		err        string
	}{
		{frac: 0.2, moved: 1, trainShare: 0.4},  // int(0.2*5) = 1: the smallest carve
		{frac: 0.9, moved: 4, trainShare: 0.1},  // int(0.9*5) = 4: one training window left
		{frac: 0.99, moved: 4, trainShare: 0.1}, // int(4.95) = 4
		{frac: 0.1, err: "data: five.npz: 5 training windows are too few to set 10% aside for validation"}, // int(0.5) = 0
		{frac: 0, err: "data: validation share 0, want 0 < share < 1"},
		{frac: 1, err: "data: validation share 1, want 0 < share < 1"},
	}
	for _, tt := range tests {
		d := dataset()
		k, err := d.CarveValidation(tt.frac)
		if tt.err != "" {
			wantErr(t, err, tt.err)
			if d.Train.N != 5 || d.Val.N != 0 {
				t.Errorf("frac %v: train %d, val %d after a refused carve", tt.frac, d.Train.N, d.Val.N)
			}
			continue
		}
		if err != nil {
			t.Fatalf("frac %v: %v", tt.frac, err)
		}
		keep := 5 - tt.moved
		if k != tt.moved || d.Val.N != tt.moved || d.Train.N != keep {
			t.Errorf("frac %v: moved %d, train %d, val %d; want %d moved", tt.frac, k, d.Train.N, d.Val.N, tt.moved)
		}
		if !slices.Equal(d.Train.Y, seq(keep)) || !slices.Equal(d.Val.Y, seq(5)[keep:]) || !slices.Equal(d.Val.X, seq(10)[2*keep:]) {
			t.Errorf("frac %v: train y %v, val y %v, val x %v", tt.frac, d.Train.Y, d.Val.Y, d.Val.X)
		}
		if d.Opts.Train != tt.trainShare || d.Opts.Val != float64(tt.moved)/10 {
			t.Errorf("frac %v: shares train %v val %v, want %v and %v", tt.frac, d.Opts.Train, d.Opts.Val, tt.trainShare, float64(tt.moved)/10)
		}
	}
}
