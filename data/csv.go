// Reading and writing daily price series as CSV (Yahoo, Stooq, embedded layouts).

package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DateLayout is the only date format accepted in CSV files: ISO 8601 days.
const DateLayout = "2006-01-02"

// DefaultColumn is the column loaded when none is named.
const DefaultColumn = "close"

// nullField is Yahoo Finance's marker for a day without a value; such rows
// are skipped and counted in LoadReport.Nulls.
const nullField = "null"

// LoadCSV loads one column of a CSV file of daily prices: "close" if column
// is empty. It reads the common layouts:
//
//	Yahoo Finance  Date,Open,High,Low,Close,Adj Close,Volume
//	Stooq          Date,Open,High,Low,Close,Volume
//	embedded       date,open,high,low,close,adjclose,volume
//	WriteCSV       Date,Close
//
// Header names match case-insensitively with spaces and underscores
// ignored, so "adjclose" finds "Adj Close", "adj_close" and "adjclose".
// Dates must be YYYY-MM-DD. The series is cleaned as Clean describes. Bad
// fields give a *ParseError with line and column; Series.Name is path.
func LoadCSV(path, column string) (*Series, error) {
	s, _, err := LoadCSVReport(path, column)
	return s, err
}

// LoadCSVReport is LoadCSV that also returns the cleaning report
// (duplicates dropped, null rows skipped, gaps), for the caller to log.
func LoadCSVReport(path, column string) (*Series, LoadReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, LoadReport{}, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadCSV(f, path, column)
}

// ReadCSV is LoadCSVReport reading from r; name is used in errors and as
// Series.Name. It never panics on bad input.
func ReadCSV(r io.Reader, name, column string) (*Series, LoadReport, error) {
	if column == "" {
		column = DefaultColumn
	}
	want := normColumn(column)
	if want == "date" {
		return nil, LoadReport{}, fmt.Errorf("data: %s: column %q holds dates, not prices", name, column)
	}

	cr := csv.NewReader(&boundedReader{r: r, name: name})
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, LoadReport{}, fmt.Errorf("data: %s: %w (want a header such as Date,Close)", name, ErrEmpty)
	}
	if err != nil {
		return nil, LoadReport{}, csvError(name, err)
	}
	if len(header) > MaxCSVField {
		return nil, LoadReport{}, fmt.Errorf("data: %s: a header of %d columns (the limit is %d): %w", name, len(header), MaxCSVField, ErrTooLarge)
	}
	header = copyRecord(header)
	dateCol, valCol := -1, -1
	for i, h := range header {
		switch normColumn(h) {
		case "date":
			if dateCol < 0 {
				dateCol = i
			}
		case want:
			if valCol < 0 {
				valCol = i
			}
		}
	}
	if dateCol < 0 {
		return nil, LoadReport{}, missingColumn(name, "date", header)
	}
	if valCol < 0 {
		return nil, LoadReport{}, missingColumn(name, column, header)
	}

	s := &Series{Name: name}
	var rep LoadReport
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, LoadReport{}, csvError(name, err)
		}
		line, _ := cr.FieldPos(dateCol)
		if len(s.Values)+rep.Nulls >= MaxCSVRows {
			return nil, LoadReport{}, fmt.Errorf("data: %s: more than %d data rows (the limit of a CSV file; a century of daily prices is about 25,000): %w",
				name, MaxCSVRows, ErrTooLarge)
		}
		for i, f := range rec {
			if len(f) > MaxCSVField {
				return nil, LoadReport{}, &ParseError{File: name, Line: line, Column: i + 1,
					Err: fmt.Errorf("a field of %d bytes, longer than %d (the limit of a CSV field): %w", len(f), MaxCSVField, ErrTooLarge)}
			}
		}
		field := strings.TrimSpace(rec[dateCol])
		d, err := time.Parse(DateLayout, field)
		if err != nil {
			return nil, LoadReport{}, &ParseError{File: name, Line: line, Column: dateCol + 1,
				Err: fmt.Errorf("%w %q (want YYYY-MM-DD)", ErrDate, field)}
		}
		field = strings.TrimSpace(rec[valCol])
		if field == nullField {
			rep.Nulls++
			continue
		}
		v, err := parsePrice(want, field)
		if err != nil {
			line, _ := cr.FieldPos(valCol)
			return nil, LoadReport{}, &ParseError{File: name, Line: line, Column: valCol + 1, Err: err}
		}
		s.Dates = append(s.Dates, d)
		s.Values = append(s.Values, v)
	}
	if len(s.Values) == 0 {
		if rep.Nulls > 0 {
			return nil, LoadReport{}, fmt.Errorf("data: %s: %w: all %d rows are %q in column %s", name, ErrNoRows, rep.Nulls, nullField, column)
		}
		return nil, LoadReport{}, fmt.Errorf("data: %s: %w: header only", name, ErrNoRows)
	}
	clean, err := Clean(s)
	if err != nil {
		return nil, LoadReport{}, err // unreachable: values were checked above
	}
	clean.Nulls = rep.Nulls
	return s, clean, nil
}

// parsePrice parses one price field; column names it in the error.
func parsePrice(column, field string) (float64, error) {
	v, err := strconv.ParseFloat(field, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%w %q in column %s", ErrNumber, field, column)
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%w %s %s", ErrNonFinite, column, field)
	case v <= 0:
		return 0, fmt.Errorf("%w %s %s", ErrNonPos, column, field)
	}
	return v, nil
}

// normColumn folds a header name for matching: lower case, no spaces or
// underscores, no byte-order mark.
func normColumn(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// copyRecord copies a reused record so it survives the next Read.
func copyRecord(rec []string) []string { return append([]string(nil), rec...) }

func missingColumn(name, column string, header []string) error {
	return fmt.Errorf("data: %s: %w %q (header has: %s)", name, ErrNoColumn, column, strings.Join(header, ", "))
}

// csvError turns an encoding/csv error into a *ParseError. encoding/csv
// counts columns in bytes; the byte goes into the message so Column keeps
// meaning "field number".
func csvError(name string, err error) error {
	if errors.Is(err, ErrTooLarge) {
		return err // it names the file and the limit
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("data: %s: %w", name, err)
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return &ParseError{File: name, Line: pe.Line, Err: pe.Err}
	}
	return &ParseError{File: name, Line: pe.Line, Err: fmt.Errorf("%w (byte %d)", pe.Err, pe.Column)}
}

// WriteCSV writes s as a two-column CSV, "Date,<Column>" (column "close"
// gives "Date,Close", "adjclose" gives "Date,Adj Close"), which LoadCSV
// reads back exactly: values use the shortest decimal that round-trips.
// The file is written to a temporary name in the same folder, synced and
// renamed into place, so a reader never sees half a file.
func WriteCSV(path string, s *Series, column string) error {
	if column == "" {
		column = DefaultColumn
	}
	if s == nil || len(s.Values) == 0 {
		return fmt.Errorf("data: write %s: empty series", path)
	}
	if len(s.Dates) != len(s.Values) {
		return fmt.Errorf("data: write %s: %d dates for %d values", path, len(s.Dates), len(s.Values))
	}
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"Date", headerName(column)}); err != nil {
			return err
		}
		for i, v := range s.Values {
			rec := []string{s.Dates[i].Format(DateLayout), strconv.FormatFloat(v, 'f', -1, 64)}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// headerName spells a column the way Yahoo's CSV header does.
func headerName(column string) string {
	switch c := normColumn(column); c {
	case "adjclose":
		return "Adj Close"
	case "":
		return "Close"
	default:
		r, n := utf8.DecodeRuneInString(c)
		return string(unicode.ToUpper(r)) + c[n:]
	}
}
