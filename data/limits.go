// Limits on input sizes: far above any real daily price history, so that a
// wrong file, a stream that never ends or a corrupt archive is refused with
// a clear error instead of being read until memory runs out.
package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// The documented limits of the CSV reader. A century of trading days is
// about 25,000 rows and a Yahoo Finance row about 70 bytes.
const (
	MaxCSVBytes    = 64 << 20 // a CSV file or stream
	MaxCSVLine     = 64 << 10 // one line
	MaxCSVRows     = 500_000  // data rows
	MaxCSVField    = 1 << 10  // one field
	MaxNPZValues   = 1 << 27  // values in one NPZ array (1 GiB of float64)
	MaxNPZFileSize = 4 << 30  // an NPZ file
)

// ErrTooLarge is wrapped by every error about an input beyond a limit.
var ErrTooLarge = errors.New("beyond the limit")

// boundedReader passes r through while counting bytes and line lengths,
// and fails once the stream exceeds MaxCSVBytes or a line exceeds
// MaxCSVLine, whichever comes first; csv.Reader buffers a whole line
// before it returns, so the check has to come before it.
type boundedReader struct {
	r       io.Reader
	name    string
	total   int64
	line    int // 1-based line being read
	lineLen int
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	for rest := p[:n]; ; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			b.lineLen += len(rest)
		} else {
			b.lineLen += i
		}
		if b.lineLen > MaxCSVLine {
			return 0, fmt.Errorf("data: %s: line %d is longer than %d bytes (the limit of a CSV line; a daily price row is about 70): %w",
				b.name, b.line+1, MaxCSVLine, ErrTooLarge)
		}
		if i < 0 {
			break
		}
		b.line++
		b.lineLen = 0
		rest = rest[i+1:]
	}
	b.total += int64(n)
	if b.total > MaxCSVBytes {
		return 0, fmt.Errorf("data: %s: more than %d MiB (the limit of a CSV file; a century of daily prices is about 2 MiB): %w",
			b.name, MaxCSVBytes>>20, ErrTooLarge)
	}
	return n, err
}
