// Tests of the input limits: endless streams and oversized lines, fields
// and arrays are refused quickly, naming the file and the limit, with
// bounded memory.
package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// endless yields the same line forever.
type endless struct {
	line []byte
	off  int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.line[e.off:])
		n += c
		e.off = (e.off + c) % len(e.line)
	}
	return n, nil
}

func TestReadCSVEndlessStreams(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    io.Reader
		want string
	}{
		{"rows without end", io.MultiReader(strings.NewReader("Date,Close\n"), &endless{line: []byte("2000-01-03,1469.25\n")}),
			"more than 500000 data rows (the limit of a CSV file"},
		{"a line without end", io.MultiReader(strings.NewReader("Date,Close\n2000-01-03,"), &endless{line: []byte("9")}),
			"line 2 is longer than 65536 bytes (the limit of a CSV line"},
		{"a header without end", &endless{line: []byte("Date,")}, "line 1 is longer than 65536 bytes"},
		// Rows of a kilobyte, each within every limit and with a blank
		// line after it, reach 64 MiB at about 65,000 rows: long before
		// the row limit, so only the byte count can stop them.
		{"rows of a kilobyte and blank lines", io.MultiReader(strings.NewReader("Date,Close,Note\n"),
			&endless{line: []byte("2000-01-03,1469.25," + strings.Repeat("x", 1000) + "\n\n")}),
			"more than 64 MiB (the limit of a CSV file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, _, err := ReadCSV(tc.r, "stream.csv", "close")
			took := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if err == nil || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "data: stream.csv: ") ||
				!strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrTooLarge naming stream.csv and %q", err, tc.want)
			}
			if took > 20*time.Second {
				t.Errorf("took %v to give up", took)
			}
			// The reader keeps at most the limit's rows (32 bytes each)
			// and one line: far below what an endless read would reach.
			if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<20 {
				t.Errorf("heap grew by %d MiB", grew>>20)
			}
		})
	}
}

func TestReadCSVLongField(t *testing.T) {
	in := "Date,Close,Note\n2000-01-03,1469.25," + strings.Repeat("x", MaxCSVField+1) + "\n"
	_, _, err := ReadCSV(strings.NewReader(in), "notes.csv", "close")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Column != 3 || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want a ParseError at 2:3 wrapping ErrTooLarge", err)
	}
}

// A header of MaxCSVField columns and a field of MaxCSVField bytes are
// within the limits; one more of either is not.
func TestReadCSVAtLimits(t *testing.T) {
	header := "Date,Close" + strings.Repeat(",N", MaxCSVField-2)
	row := "2000-01-03,1469.25," + strings.Repeat("x", MaxCSVField) + strings.Repeat(",", MaxCSVField-3)
	s, _, err := ReadCSV(strings.NewReader(header+"\n"+row+"\n"), "wide.csv", "close")
	if err != nil {
		t.Fatalf("%d columns, a field of %d bytes: %v", MaxCSVField, MaxCSVField, err)
	}
	if s.Len() != 1 || s.Values[0] != 1469.25 {
		t.Errorf("values %v, want [1469.25]", s.Values)
	}
	_, _, err = ReadCSV(strings.NewReader(header+",N\n"+row+",\n"), "wider.csv", "close")
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "a header of 1025 columns (the limit is 1024)") {
		t.Errorf("err = %v, want ErrTooLarge for 1025 columns", err)
	}
}

// MaxCSVRows data rows are read, null rows counted among them; one more
// row is refused.
func TestReadCSVRowLimit(t *testing.T) {
	nulls := strings.Repeat("2000-01-03,null\n", MaxCSVRows-1)
	s, rep, err := ReadCSV(strings.NewReader("Date,Close\n"+nulls+"2000-01-04,1469.25\n"), "full.csv", "close")
	if err != nil {
		t.Fatalf("%d rows: %v", MaxCSVRows, err)
	}
	if s.Len() != 1 || rep.Nulls != MaxCSVRows-1 {
		t.Errorf("%d values, %d nulls; want 1 and %d", s.Len(), rep.Nulls, MaxCSVRows-1)
	}
	_, _, err = ReadCSV(strings.NewReader("Date,Close\n"+nulls+"2000-01-03,null\n2000-01-04,1469.25\n"), "over.csv", "close")
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "data: over.csv: more than 500000 data rows") {
		t.Errorf("err = %v, want ErrTooLarge for %d rows", err, MaxCSVRows+1)
	}
}

func TestReadNPZLimits(t *testing.T) {
	t.Run("not a regular file", func(t *testing.T) {
		_, err := ReadNPZ(t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an array over the limit", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "huge.npz")
		// A header may claim any shape; the reader must refuse before
		// allocating. 2^14 x 2^14 = 2^28 values.
		writeNPYHeaderOnly(t, path, "X_train.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (16384, 16384), }")
		_, err := ReadNPZ(path)
		if err == nil || !strings.Contains(err.Error(), "key X_train: shape (16384, 16384) holds more than 134217728 values, the limit of an NPZ array") {
			t.Fatalf("err = %v, want the array limit", err)
		}
	})
	// A file of MaxNPZFileSize bytes (sparse: it takes no room on disk; every
	// file system the tests run on makes one) is opened as a zip archive,
	// which it is not; one byte more is refused by its size alone.
	for _, tt := range []struct {
		name string
		size int64
		want string
	}{
		{"a file at the size limit", MaxNPZFileSize, "not a zip archive (.npz)"},
		{"a file one byte over", MaxNPZFileSize + 1, "4294967297 bytes, more than the 4 GiB an NPZ may have: beyond the limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "big.npz")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(tt.size); err != nil {
				f.Close()
				t.Fatalf("a sparse file of %d bytes: %v", tt.size, err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = ReadNPZ(path)
			if err == nil || !strings.Contains(err.Error(), "data: "+path+": "+tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// f8 is the little-endian bytes of float64 values, an .npy entry's data.
func f8(v ...float64) []byte {
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

// TestReadNPZHeaders reads seed-layout archives whose .npy headers are
// written by hand: the order, dtype and shapes npyio never writes, each
// dimension and the element count at MaxNPZValues and one past it.
func TestReadNPZHeaders(t *testing.T) {
	header := func(descr, fortran, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }"
	}
	c := func(shape string) string { return header("<f8", "False", shape) }
	tests := []struct {
		name string
		es   []npyEntry
		want string // error, or "" for success
	}{
		{name: "Fortran order, 1-D", es: []npyEntry{
			{"X_train.npy", c("(2, 2)"), f8(1, 2, 3, 4)}, {"y_train.npy", header("<f8", "True", "(2,)"), f8(5, 6)},
			{"X_test.npy", c("(1, 2)"), f8(7, 8)}, {"y_test.npy", c("(1,)"), f8(9)}}},
		{name: "Fortran order, 2-D", es: []npyEntry{{"X_train.npy", header("<f8", "True", "(2, 2)"), f8(1, 2, 3, 4)}},
			want: "key X_train: Fortran order, want C order"},
		{name: "object dtype", es: []npyEntry{{"X_train.npy", header("|O", "False", "(2, 2)"), nil}},
			want: "key X_train: dtype |O (object), want float32 (<f4) or float64 (<f8)"},
		{name: "a dimension of zero", es: []npyEntry{{"X_train.npy", c("(0, 6)"), nil}},
			want: "key X_train: shape (0, 6), want (N, window) or (N, window, 1)"},
		{name: "a negative dimension", es: []npyEntry{{"X_train.npy", c("(-1, 6)"), nil}},
			want: "key X_train: shape (-1, 6) out of range"},
		{name: "a dimension at the limit", es: []npyEntry{{"X_train.npy", c("(134217728,)"), nil}},
			want: "key X_train: shape (134217728,), want (N, window) or (N, window, 1)"},
		{name: "a dimension over the limit", es: []npyEntry{{"X_train.npy", c("(134217729,)"), nil}},
			want: "key X_train: shape (134217729,) out of range"},
		// 2^13 x 2^14 = 2^27 values pass; X_train is not read before y_train is found missing.
		{name: "an array at the limit", es: []npyEntry{{"X_train.npy", c("(8192, 16384)"), nil}},
			want: "key y_train: missing (file has: X_train)"},
		{name: "an array one row over the limit", es: []npyEntry{{"X_train.npy", c("(8193, 16384)"), nil}},
			want: "key X_train: shape (8193, 16384) holds more than 134217728 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seed.npz")
			writeNPYEntries(t, path, tt.es...)
			d, err := ReadNPZ(path)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), "data: "+path+": "+tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Train.N != 2 || d.Opts.Window != 2 || d.Opts.Horizon != 1 || !slices.Equal(d.Train.Y, []float64{5, 6}) {
				t.Errorf("train %+v, opts %+v", d.Train, d.Opts)
			}
		})
	}
}

// writeNPYHeaderOnly writes an archive with one .npy entry that has the
// given header dictionary and no data, as a corrupt or hostile file might.
func writeNPYHeaderOnly(t *testing.T, path, entry, dict string) {
	t.Helper()
	writeNPYEntries(t, path, npyEntry{entry, dict, nil})
}

// An npyEntry is an .npy entry written by hand: its name in the archive,
// its header dictionary and its data.
type npyEntry struct {
	name, dict string
	data       []byte
}

// writeNPYEntries writes an archive of the given .npy entries.
func writeNPYEntries(t *testing.T, path string, es ...npyEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z := zip.NewWriter(f)
	for _, e := range es {
		w, err := z.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		// Magic, version 1.0, header length, the dictionary padded with
		// spaces and ended by a newline so that the total is a multiple of 64.
		pad := 64 - (10+len(e.dict)+1)%64
		hdr := e.dict + strings.Repeat(" ", pad%64) + "\n"
		b := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
		if _, err := w.Write(append(append(b, hdr...), e.data...)); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
}

// chunks yields each of its chunks in a Read of its own.
type chunks [][]byte

func (c *chunks) Read(p []byte) (int, error) {
	if len(*c) == 0 {
		return 0, io.EOF
	}
	n := copy(p, (*c)[0])
	if (*c)[0] = (*c)[0][n:]; len((*c)[0]) == 0 {
		*c = (*c)[1:]
	}
	return n, nil
}

// boundedReader at its limits, whatever the cut between reads: a line of
// MaxCSVLine bytes before its newline and a stream of MaxCSVBytes bytes
// pass; one byte more fails.
func TestBoundedReaderLimits(t *testing.T) {
	line := func(n int) []byte { return []byte(strings.Repeat("x", n)) }
	lines := func(total int) []byte { // total bytes of 1 KiB lines
		return bytes.Repeat(append(line(1023), '\n'), total>>10)
	}
	tests := []struct {
		name string
		in   chunks
		err  string
	}{
		{"a line of MaxCSVLine bytes", chunks{line(MaxCSVLine), []byte("\n")}, ""},
		{"a line of MaxCSVLine bytes in two reads", chunks{line(100), append(line(MaxCSVLine-100), '\n')}, ""},
		{"a line one byte longer", chunks{line(MaxCSVLine + 1)}, "line 1 is longer than 65536 bytes"},
		{"a line one byte longer in two reads", chunks{[]byte("a\n"), line(MaxCSVLine - 1), line(2)}, "line 2 is longer than 65536 bytes"},
		// A read that starts with the newline ends the long line; the
		// bytes after it start the next one.
		{"a long line ended at the start of a read", chunks{line(MaxCSVLine - 10), append([]byte("\n"), append(line(100), '\n')...)}, ""},
		{"a long line ended by a read of its own", chunks{line(MaxCSVLine - 10), []byte("\n"), append(line(100), '\n')}, ""},
		{"MaxCSVBytes", chunks{lines(MaxCSVBytes)}, ""},
		{"one byte more", chunks{lines(MaxCSVBytes), []byte("x")}, "more than 64 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &boundedReader{r: &tt.in, name: "in.csv"}
			_, err := io.Copy(io.Discard, b)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "data: in.csv: "+tt.err) {
				t.Errorf("err = %v, want ErrTooLarge and %q", err, tt.err)
			}
		})
	}
}
