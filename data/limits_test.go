// Tests of the input limits: endless streams and oversized lines, fields
// and arrays are refused quickly, naming the file and the limit, with
// bounded memory.
package data

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
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
}

// writeNPYHeaderOnly writes an archive with one .npy entry that has the
// given header dictionary and no data, as a corrupt or hostile file might.
func writeNPYHeaderOnly(t *testing.T, path, entry, dict string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z := zip.NewWriter(f)
	w, err := z.Create(entry)
	if err != nil {
		t.Fatal(err)
	}
	// Magic, version 1.0, header length, the dictionary padded with
	// spaces and ended by a newline so that the total is a multiple of 64.
	pad := 64 - (10+len(dict)+1)%64
	hdr := dict + strings.Repeat(" ", pad%64) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	if _, err := w.Write(append(b, hdr...)); err != nil {
		t.Fatal(err)
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
