// NPZ files: the prepared dataset for numpy, and the seed project's layout.

package data

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"codeberg.org/sbinet/npyio/npz"
	"gonum.org/v1/gonum/mat"
)

// NPZVersion is the value of the "version" key WriteNPZ writes.
const NPZVersion = 1

// maxElems bounds the size an NPZ header may claim, so a corrupt file
// gives an error rather than a huge allocation.
const maxElems = MaxNPZValues

// splitNames are the key suffixes of the three splits, in file order.
var splitNames = [3]string{"train", "val", "test"}

// WriteNPZ writes d as a numpy .npz archive (zip of .npy entries, each
// named KEY.npy, so np.load(path)[KEY] works), atomically: a temporary
// file in the same folder, synced, then renamed over path. The keys, for
// each split S in train, val, test:
//
//	X_S        float64 (N, window)   inputs, normalized
//	y_S        float64 (N, horizon)  targets, normalized
//	last_S     float64 (N,)          last raw close of each window
//	target_S   float64 (N, horizon)  raw targets, index points
//	dates_S    int64   (N,)          first target date, days since 1970-01-01
//	                                 (numpy: dates_S.astype("datetime64[D]"))
//	norm       float64 (2,)          Normalizer [A, B]
//	norm_kind  uint8   (k,)          Normalizer.Kind as ASCII bytes
//	                                 (numpy: bytes(norm_kind).decode())
//	split      float64 (2,)          Options [Train, Val] shares
//	window     int64   ()            Options.Window
//	horizon    int64   ()            Options.Horizon
//	version    int64   ()            NPZVersion
//
// Every split must hold at least one window and Norm must be fitted, so a
// Legacy dataset (no val, no normalizer) cannot be written; WriteNPZ says so.
func WriteNPZ(path string, d *Dataset) error {
	if err := checkDataset(d); err != nil {
		return fmt.Errorf("data: write %s: %w", path, err)
	}
	return writeAtomic(path, func(w io.Writer) error {
		zw := npz.NewWriter(w)
		for _, e := range npzEntries(d) {
			if err := zw.Write(e.key+".npy", e.value); err != nil {
				return err
			}
		}
		return zw.Close()
	})
}

// An npzEntry is one array of the file: its key and a value npyio writes.
type npzEntry struct {
	key   string
	value any
}

// npzEntries lists d's arrays in file order; d must pass checkDataset.
func npzEntries(d *Dataset) []npzEntry {
	o := d.Opts
	var es []npzEntry
	for i, sp := range []*Split{&d.Train, &d.Val, &d.Test} {
		s := splitNames[i]
		days := make([]int64, sp.N)
		for j, t := range sp.Dates {
			days[j] = unixDay(t)
		}
		es = append(es,
			npzEntry{"X_" + s, mat.NewDense(sp.N, o.Window, sp.X)},
			npzEntry{"y_" + s, mat.NewDense(sp.N, o.Horizon, sp.Y)},
			npzEntry{"last_" + s, sp.Last},
			npzEntry{"target_" + s, mat.NewDense(sp.N, o.Horizon, sp.Target)},
			npzEntry{"dates_" + s, days},
		)
	}
	return append(es,
		npzEntry{"norm", []float64{d.Norm.A, d.Norm.B}},
		npzEntry{"norm_kind", []uint8(d.Norm.Kind)},
		npzEntry{"split", []float64{o.Train, o.Val}},
		npzEntry{"window", int64(o.Window)},
		npzEntry{"horizon", int64(o.Horizon)},
		npzEntry{"version", int64(NPZVersion)},
	)
}

// checkDataset verifies the shapes WriteNPZ relies on.
func checkDataset(d *Dataset) error {
	if d == nil {
		return fmt.Errorf("nil dataset")
	}
	if d.Legacy {
		return fmt.Errorf("dataset from a seed-layout NPZ (no val split, no normalizer) cannot be written in the full layout")
	}
	o := d.Opts
	if o.Window < 1 || o.Horizon < 1 {
		return fmt.Errorf("window %d, horizon %d: want both >= 1", o.Window, o.Horizon)
	}
	switch d.Norm.Kind {
	case ScaleMinMax, ScaleZScore, ScaleWindow:
	default:
		return fmt.Errorf("normalizer kind %q: want %s, %s or %s", d.Norm.Kind, ScaleMinMax, ScaleZScore, ScaleWindow)
	}
	for i, sp := range []*Split{&d.Train, &d.Val, &d.Test} {
		n := sp.N
		switch {
		case n < 1:
			return fmt.Errorf("split %s is empty; the NPZ layout needs windows in train, val and test", splitNames[i])
		case len(sp.X) != n*o.Window, len(sp.Y) != n*o.Horizon, len(sp.Last) != n,
			len(sp.Target) != n*o.Horizon, len(sp.Dates) != n:
			return fmt.Errorf("split %s: lengths X %d, Y %d, Last %d, Target %d, Dates %d; want %d, %d, %d, %d, %d",
				splitNames[i], len(sp.X), len(sp.Y), len(sp.Last), len(sp.Target), len(sp.Dates),
				n*o.Window, n*o.Horizon, n, n*o.Horizon, n)
		}
	}
	return nil
}

// ReadNPZ reads a dataset written by WriteNPZ, checking every key's
// presence, dtype and shape; an error names the key:
// "data: x.npz: key X_val: shape (3, 59), want (3, 60)".
//
// A file without a "version" key is taken as the seed project's layout:
// X_train, y_train, X_test, y_test and optionally X_val, y_val, float32
// or float64, with X shaped (N, window) or (N, window, 1) and y shaped
// (N,) or (N, horizon). Its Dataset has Legacy set and nil Dates. Without
// X_val it has an empty Val split (see CarveValidation). Without the keys
// norm and norm_kind (min-max or z-score statistics, as WriteNPZ writes
// them) it has the identity Normalizer (Kind "": the file does not say how
// it was scaled) and nil Last and Target, so nothing can be reported in
// index points; with them, Last and Target are derived. Opts has Window
// and Horizon from the shapes and the splits' shares. Other keys are
// ignored. Source is path.
func ReadNPZ(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, &NPZError{File: path, Msg: "not a regular file (an .npz is a zip archive, read at random offsets)"}
	}
	if fi.Size() > MaxNPZFileSize {
		return nil, &NPZError{File: path, Msg: fmt.Sprintf("%d bytes, more than the %d GiB an NPZ may have: %v", fi.Size(), MaxNPZFileSize>>30, ErrTooLarge)}
	}
	z, err := npz.NewReader(f, fi.Size())
	if err != nil {
		return nil, &NPZError{File: path, Msg: fmt.Sprintf("not a zip archive (.npz): %v", err)}
	}
	r := &npzReader{path: path, z: z, names: map[string]string{}}
	for _, name := range z.Keys() {
		r.names[strings.TrimSuffix(name, ".npy")] = name
	}
	if _, ok := r.names["version"]; !ok {
		return r.legacy()
	}
	return r.full()
}

// full reads the WriteNPZ layout.
func (r *npzReader) full() (*Dataset, error) {
	version, err := r.scalar("version")
	if err != nil {
		return nil, err
	}
	if version != NPZVersion {
		return nil, r.errorf("version", "version %d, this program reads %d", version, NPZVersion)
	}
	window, err := r.scalar("window")
	if err != nil {
		return nil, err
	}
	horizon, err := r.scalar("horizon")
	if err != nil {
		return nil, err
	}
	if window < 1 || horizon < 1 || window > maxElems || horizon > maxElems {
		return nil, r.errorf("window", "window %d, horizon %d: want both >= 1", window, horizon)
	}
	w, h := int(window), int(horizon)
	shares, err := r.floats("split", 2)
	if err != nil {
		return nil, err
	}
	norm, err := r.floats("norm", 2)
	if err != nil {
		return nil, err
	}
	kind, err := r.bytes("norm_kind")
	if err != nil {
		return nil, err
	}
	d := &Dataset{
		Opts:   Options{Window: w, Horizon: h, Train: shares[0], Val: shares[1], Scale: string(kind)},
		Norm:   Normalizer{Kind: string(kind), A: norm[0], B: norm[1]},
		Source: r.path,
	}
	switch d.Norm.Kind {
	case ScaleMinMax, ScaleZScore, ScaleWindow:
	default:
		return nil, r.errorf("norm_kind", "unknown normalizer %q", d.Norm.Kind)
	}
	for i, sp := range []*Split{&d.Train, &d.Val, &d.Test} {
		s := splitNames[i]
		shape, err := r.shape("X_"+s, "<f8")
		if err != nil {
			return nil, err
		}
		if len(shape) != 2 || shape[0] < 1 {
			return nil, r.errorf("X_"+s, "shape %s, want (N, %d) with N >= 1", shapeString(shape), w)
		}
		n := shape[0]
		sp.N = n
		if sp.X, err = r.floats("X_"+s, n, w); err != nil {
			return nil, err
		}
		if sp.Y, err = r.floats("y_"+s, n, h); err != nil {
			return nil, err
		}
		if sp.Last, err = r.floats("last_"+s, n); err != nil {
			return nil, err
		}
		if sp.Target, err = r.floats("target_"+s, n, h); err != nil {
			return nil, err
		}
		days, err := r.ints("dates_"+s, n)
		if err != nil {
			return nil, err
		}
		sp.Dates = make([]time.Time, n)
		for j, v := range days {
			sp.Dates[j] = dayTime(v)
		}
	}
	return d, nil
}

// legacy reads the seed project's layout: X_train, y_train, X_test, y_test
// and, optionally, X_val with y_val and the normalizer (norm, norm_kind, as
// WriteNPZ writes them, min-max or z-score). Arrays may be float32 or
// float64; X is (N, window) or (N, window, 1), y is (N,) or (N, horizon).
func (r *npzReader) legacy() (*Dataset, error) {
	d := &Dataset{Source: r.path, Legacy: true}
	w, h := -1, -1
	splits := []string{"train", "test"}
	_, hasXVal := r.names["X_val"]
	_, hasYVal := r.names["y_val"]
	switch {
	case hasXVal && hasYVal:
		splits = append(splits, "val")
	case hasXVal:
		return nil, r.errorf("y_val", "missing, while X_val is there (give both or neither)")
	case hasYVal:
		return nil, r.errorf("X_val", "missing, while y_val is there (give both or neither)")
	}
	for _, s := range splits {
		xk, yk := "X_"+s, "y_"+s
		xs, err := r.floatShape(xk)
		if err != nil {
			return nil, err
		}
		if len(xs) == 3 && xs[2] == 1 {
			xs = xs[:2]
		}
		if len(xs) != 2 || xs[0] < 1 || xs[1] < 1 || (w > 0 && xs[1] != w) {
			want := "(N, window) or (N, window, 1)"
			if w > 0 {
				want = fmt.Sprintf("(N, %d) as X_train", w)
			}
			return nil, r.errorf(xk, "shape %s, want %s", shapeString(xs), want)
		}
		n := xs[0]
		w = xs[1]
		ys, err := r.floatShape(yk)
		if err != nil {
			return nil, err
		}
		if len(ys) == 1 {
			ys = append(ys, 1)
		}
		if len(ys) != 2 || ys[0] != n || ys[1] < 1 || (h > 0 && ys[1] != h) {
			want := fmt.Sprintf("(%d,) or (%d, horizon)", n, n)
			if h > 0 {
				want = fmt.Sprintf("(%d, %d) as y_train", n, h)
			}
			return nil, r.errorf(yk, "shape %s, want %s", shapeString(ys), want)
		}
		h = ys[1]
		sp := map[string]*Split{"train": &d.Train, "val": &d.Val, "test": &d.Test}[s]
		sp.N = n
		if sp.X, err = r.readFloat(xk, n*w); err != nil {
			return nil, err
		}
		if sp.Y, err = r.readFloat(yk, n*h); err != nil {
			return nil, err
		}
	}
	d.Opts = Options{Window: w, Horizon: h}
	if _, ok := r.names["norm"]; ok {
		if err := r.legacyNorm(d); err != nil {
			return nil, err
		}
	}
	total := float64(d.Train.N + d.Val.N + d.Test.N)
	d.Opts.Train, d.Opts.Val = float64(d.Train.N)/total, float64(d.Val.N)/total
	return d, nil
}

// legacyNorm reads norm and norm_kind into d and derives every split's last
// close and raw targets from them (min-max and z-score are global affine
// maps, so the inverse of a window's last input is its last close).
func (r *npzReader) legacyNorm(d *Dataset) error {
	norm, err := r.floats("norm", 2)
	if err != nil {
		return err
	}
	kind, err := r.bytes("norm_kind")
	if err != nil {
		return err
	}
	n := Normalizer{Kind: string(kind), A: norm[0], B: norm[1]}
	switch n.Kind {
	case ScaleMinMax, ScaleZScore:
	default:
		return r.errorf("norm_kind", "%q: a seed-layout file can carry min-max or z-score statistics only (the window scaling needs each window's close)", n.Kind)
	}
	d.Norm, d.Opts.Scale = n, n.Kind
	w, h := d.Opts.Window, d.Opts.Horizon
	for _, sp := range []*Split{&d.Train, &d.Val, &d.Test} {
		sp.Last, sp.Target = make([]float64, sp.N), make([]float64, sp.N*h)
		for i := 0; i < sp.N; i++ {
			sp.Last[i] = n.Inverse(sp.X[i*w+w-1], 0)
		}
		for i, y := range sp.Y {
			sp.Target[i] = n.Inverse(y, 0)
		}
	}
	return nil
}

// CarveValidation makes the last frac of the training windows (they are in
// chronological order) the validation split, for a dataset that has none,
// and returns how many windows moved. It returns an error if either part
// would be empty or the dataset already has a validation split.
func (d *Dataset) CarveValidation(frac float64) (int, error) {
	if d.Val.N > 0 {
		return 0, fmt.Errorf("data: %s already has a validation split", d.Source)
	}
	if !(frac > 0 && frac < 1) {
		return 0, fmt.Errorf("data: validation share %v, want 0 < share < 1", frac)
	}
	tr := d.Train
	k := int(frac * float64(tr.N))
	if k < 1 || tr.N-k < 1 {
		return 0, fmt.Errorf("data: %s: %d training windows are too few to set %.0f%% aside for validation", d.Source, tr.N, 100*frac)
	}
	keep := tr.N - k
	w, h := len(tr.X)/tr.N, len(tr.Y)/tr.N
	cut := func(s []float64, per int) ([]float64, []float64) {
		if s == nil {
			return nil, nil
		}
		return s[: keep*per : keep*per], s[keep*per:]
	}
	var v Split
	v.N = k
	d.Train.N = keep
	d.Train.X, v.X = cut(tr.X, w)
	d.Train.Y, v.Y = cut(tr.Y, h)
	d.Train.Last, v.Last = cut(tr.Last, 1)
	d.Train.Target, v.Target = cut(tr.Target, h)
	if tr.Dates != nil {
		d.Train.Dates, v.Dates = tr.Dates[:keep:keep], tr.Dates[keep:]
	}
	d.Val = v
	total := float64(d.Train.N + d.Val.N + d.Test.N)
	d.Opts.Train, d.Opts.Val = float64(d.Train.N)/total, float64(d.Val.N)/total
	return k, nil
}

// npzReader checks and reads the entries of one archive.
type npzReader struct {
	path  string
	z     *npz.Reader
	names map[string]string // key -> entry name (key or key.npy)
}

func (r *npzReader) errorf(key, format string, args ...any) error {
	return &NPZError{File: r.path, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// shape returns key's shape after checking that it exists, has dtype,
// is in C order and is not implausibly large.
func (r *npzReader) shape(key, dtype string) ([]int, error) {
	name, ok := r.names[key]
	if !ok {
		have := strings.Join(slices.Sorted(maps.Keys(r.names)), ", ")
		return nil, r.errorf(key, "missing (file has: %s)", have)
	}
	hdr := r.z.Header(name)
	if hdr == nil {
		return nil, r.errorf(key, "not a readable .npy entry")
	}
	if got := strings.Trim(hdr.Descr.Type, "'\""); got != dtype {
		return nil, r.errorf(key, "dtype %s, want %s", got, dtype)
	}
	shape := hdr.Descr.Shape
	if hdr.Descr.Fortran && len(shape) > 1 {
		return nil, r.errorf(key, "Fortran order, want C order")
	}
	elems := 1
	for _, s := range shape {
		if s < 0 || s > maxElems {
			return nil, r.errorf(key, "shape %s out of range", shapeString(shape))
		}
		elems *= s
		if elems > maxElems {
			return nil, r.errorf(key, "shape %s holds more than %d values, the limit of an NPZ array: %v", shapeString(shape), maxElems, ErrTooLarge)
		}
	}
	return shape, nil
}

// floatShape is shape for an array of float32 or float64 values; any
// other dtype (integers, complex, strings, objects) is refused naming it.
func (r *npzReader) floatShape(key string) ([]int, error) {
	name, ok := r.names[key]
	if ok && r.z.Header(name) != nil {
		switch dt := strings.Trim(r.z.Header(name).Descr.Type, "'\""); dt {
		case "<f4", "<f8":
			return r.shape(key, dt)
		default:
			return nil, r.errorf(key, "dtype %s (%s), want float32 (<f4) or float64 (<f8)", dt, dtypeKind(dt))
		}
	}
	return r.shape(key, "<f8")
}

// dtypeKind names a numpy dtype string's kind for an error message.
func dtypeKind(dt string) string {
	if len(dt) < 2 {
		return "unknown"
	}
	switch dt[1] {
	case 'i', 'u':
		return "integer"
	case 'c':
		return "complex"
	case 'b':
		return "boolean"
	case 'f':
		return "floating point, other width or byte order"
	case 'U', 'S':
		return "string"
	case 'O':
		return "object"
	}
	return "unknown"
}

// readFloat reads key, float32 or float64 (checked by floatShape), as n
// float64 values.
func (r *npzReader) readFloat(key string, n int) ([]float64, error) {
	if strings.Trim(r.z.Header(r.names[key]).Descr.Type, "'\"") == "<f8" {
		return r.read(key, n)
	}
	var v []float32
	if err := r.z.Read(r.names[key], &v); err != nil {
		return nil, r.errorf(key, "%v", err)
	}
	if len(v) != n {
		return nil, r.errorf(key, "%d values, want %d", len(v), n)
	}
	out := make([]float64, n)
	for i, x := range v {
		out[i] = float64(x)
	}
	return out, nil
}

// expect checks key's dtype and exact shape.
func (r *npzReader) expect(key, dtype string, want []int) error {
	got, err := r.shape(key, dtype)
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		return r.errorf(key, "shape %s, want %s", shapeString(got), shapeString(want))
	}
	return nil
}

// floats reads a float64 array of exactly the given shape.
func (r *npzReader) floats(key string, shape ...int) ([]float64, error) {
	if err := r.expect(key, "<f8", shape); err != nil {
		return nil, err
	}
	return r.read(key, numElems(shape))
}

// read reads key as n float64 values; its header is already checked.
func (r *npzReader) read(key string, n int) ([]float64, error) {
	var v []float64
	if err := r.z.Read(r.names[key], &v); err != nil {
		return nil, r.errorf(key, "%v", err)
	}
	if len(v) != n {
		return nil, r.errorf(key, "%d values, want %d", len(v), n)
	}
	return v, nil
}

// ints reads an int64 array of exactly the given shape.
func (r *npzReader) ints(key string, shape ...int) ([]int64, error) {
	if err := r.expect(key, "<i8", shape); err != nil {
		return nil, err
	}
	var v []int64
	if err := r.z.Read(r.names[key], &v); err != nil {
		return nil, r.errorf(key, "%v", err)
	}
	if len(v) != numElems(shape) {
		return nil, r.errorf(key, "%d values, want %d", len(v), numElems(shape))
	}
	return v, nil
}

// bytes reads a non-empty 1-D uint8 array.
func (r *npzReader) bytes(key string) ([]byte, error) {
	shape, err := r.shape(key, "|u1")
	if err != nil {
		return nil, err
	}
	if len(shape) != 1 || shape[0] < 1 {
		return nil, r.errorf(key, "shape %s, want (k,) with k >= 1", shapeString(shape))
	}
	var v []uint8
	if err := r.z.Read(r.names[key], &v); err != nil {
		return nil, r.errorf(key, "%v", err)
	}
	if len(v) != shape[0] {
		return nil, r.errorf(key, "%d bytes, want %d", len(v), shape[0])
	}
	return v, nil
}

// scalar reads an int64 0-d array.
func (r *npzReader) scalar(key string) (int64, error) {
	if err := r.expect(key, "<i8", []int{}); err != nil {
		return 0, err
	}
	var v int64
	if err := r.z.Read(r.names[key], &v); err != nil {
		return 0, r.errorf(key, "%v", err)
	}
	return v, nil
}

func numElems(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// shapeString formats a shape as numpy does: (), (3,), (3, 60).
func shapeString(shape []int) string {
	switch len(shape) {
	case 0:
		return "()"
	case 1:
		return "(" + strconv.Itoa(shape[0]) + ",)"
	}
	parts := make([]string, len(shape))
	for i, s := range shape {
		parts[i] = strconv.Itoa(s)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
