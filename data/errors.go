// Error values and the line-numbered ParseError for bad input files.

package data

import (
	"errors"
	"fmt"
)

// Sentinel errors. Functions in this package wrap them with the file,
// symbol or key at fault, so test with errors.Is.
var (
	// Loading CSV.
	ErrEmpty     = errors.New("empty file")
	ErrNoRows    = errors.New("no data rows")
	ErrNoColumn  = errors.New("no such column")
	ErrDate      = errors.New("bad date")
	ErrNumber    = errors.New("bad number")
	ErrNonFinite = errors.New("non-finite")
	ErrNonPos    = errors.New("non-positive")
	ErrUnsorted  = errors.New("dates not increasing")

	// Preparing windows.
	ErrTooFewRows = errors.New("too few rows")
	ErrOptions    = errors.New("bad options")
	ErrConstant   = errors.New("constant training values")

	// Reading NPZ.
	ErrNPZ = errors.New("bad npz")

	// Fetching.
	ErrUnknownSymbol = errors.New("unknown symbol")
	ErrUnreachable   = errors.New("cannot reach")
	ErrTimeout       = errors.New("timed out")
	ErrHTTP          = errors.New("HTTP error")
)

// A ParseError reports a bad field in a CSV file, in the manner of
// encoding/csv's ParseError. Line is 1-based and counts the header. Column
// is the 1-based CSV column (field) number, as a spreadsheet counts it; it
// is 0 when the error is not tied to one field (a malformed record).
type ParseError struct {
	File   string // name of the file, or "embedded"
	Line   int    // 1-based line of the record
	Column int    // 1-based field number; 0 if not known
	Err    error  // what is wrong, e.g. "non-positive close 0"
}

// Error returns "data: file:line:col: msg", dropping col (and line) when
// they are zero: "data: prices.csv:12:5: non-positive close 0".
func (e *ParseError) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("data: %s: %v", e.File, e.Err)
	case e.Column == 0:
		return fmt.Sprintf("data: %s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("data: %s:%d:%d: %v", e.File, e.Line, e.Column, e.Err)
}

// Unwrap returns e.Err, so errors.Is(err, ErrNonPos) works.
func (e *ParseError) Unwrap() error { return e.Err }

// An NPZError reports a file that ReadNPZ cannot use, naming the key at
// fault: "data: x.npz: key X_val: shape (3, 59), want (3, 60)". It
// matches ErrNPZ under errors.Is.
type NPZError struct {
	File string // path of the .npz file
	Key  string // array name without ".npy"; empty for the whole file
	Msg  string // what is wrong
}

func (e *NPZError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("data: %s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("data: %s: key %s: %s", e.File, e.Key, e.Msg)
}

// Is reports whether target is ErrNPZ.
func (e *NPZError) Is(target error) bool { return target == ErrNPZ }
