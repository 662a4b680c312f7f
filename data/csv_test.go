// Tests of CSV loading, cleaning on load, bad input and WriteCSV.

package data

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The Yahoo fixtures (yahoo.csv here, yahoo-chart-gspc.json for Fetch) hold
// the S&P 500 of early January 2020 with the Adj Close column edited to
// differ from Close (an index's adjusted close equals its close), so that
// reading one column for the other shows.
var (
	yahooCloses    = []float64{3257.850098, 3234.850098, 3246.280029, 3253.050049}
	yahooAdjCloses = []float64{3201.017578, 3178.419922, 3189.650391, 3196.270020}
)

func TestReadCSVLayouts(t *testing.T) {
	tests := []struct {
		name    string
		file    string // in testdata, or
		content string // inline
		column  string
		want    []float64
		nulls   int
	}{
		{name: "yahoo close", file: "yahoo.csv", column: "close", want: yahooCloses, nulls: 1},
		{name: "yahoo default column", file: "yahoo.csv", want: yahooCloses, nulls: 1},
		{name: "yahoo adjclose", file: "yahoo.csv", column: "adjclose", want: yahooAdjCloses, nulls: 1},
		{name: "yahoo Adj Close", file: "yahoo.csv", column: "Adj Close", want: yahooAdjCloses, nulls: 1},
		{name: "yahoo adj_close", file: "yahoo.csv", column: "adj_close", want: yahooAdjCloses, nulls: 1},
		{name: "yahoo open", file: "yahoo.csv", column: "OPEN",
			want: []float64{3244.669922, 3226.360107, 3217.550049, 3238.590088}, nulls: 1},
		{name: "yahoo volume", file: "yahoo.csv", column: "volume",
			want: []float64{3459930000, 3484700000, 3702460000, 3720890000}, nulls: 1},
		{name: "stooq close", file: "stooq-spx.csv", column: "close",
			want: []float64{3257.85, 3234.85, 3246.28, 3237.18, 3253.05}},
		{name: "stooq low", file: "stooq-spx.csv", column: "low",
			want: []float64{3235.53, 3222.34, 3214.64, 3232.43, 3236.67}},
		{name: "embedded layout close", content: embeddedLayout, column: "close", want: []float64{1455.219971, 1399.420044}},
		{name: "embedded layout adjclose", content: embeddedLayout, column: "adjclose", want: []float64{1400.5, 1350.25}},
		{name: "adj_close header", content: "date,adj_close\n2020-01-02,5\n", column: "adjclose", want: []float64{5}},
		{name: "two columns", content: "Date,Close\n2020-01-02,1.5\n2020-01-03,2.5\n", want: []float64{1.5, 2.5}},
		{name: "byte-order mark", content: "\ufeffDate,Close\n2020-01-02,1.5\n", want: []float64{1.5}},
		{name: "CRLF", content: "Date,Close\r\n2020-01-02,1.5\r\n2020-01-03,2\r\n", want: []float64{1.5, 2}},
		{name: "quoted and spaced", content: "\"Date\", \"Close\"\n\"2020-01-02\", \"1.5\"\n", want: []float64{1.5}},
		{name: "blank lines", content: "Date,Close\n\n2020-01-02,1.5\n\n", want: []float64{1.5}},
		// A name that appears twice: the first column of that name is read.
		{name: "two date columns", content: "Date,Close,Date\n2020-01-02,1.5,not a date\n", want: []float64{1.5}},
		{name: "two close columns", content: "Close,Date,Close\n1.5,2020-01-02,7\n", want: []float64{1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				s   *Series
				rep LoadReport
				err error
			)
			if tt.file != "" {
				s, rep, err = LoadCSVReport(filepath.Join("testdata", tt.file), tt.column)
			} else {
				s, rep, err = ReadCSV(strings.NewReader(tt.content), "inline.csv", tt.column)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Values, tt.want) {
				t.Errorf("values %v, want %v", s.Values, tt.want)
			}
			if rep.Nulls != tt.nulls || rep.Rows != len(tt.want) {
				t.Errorf("report %+v, want %d rows, %d nulls", rep, len(tt.want), tt.nulls)
			}
			if len(s.Dates) != len(s.Values) {
				t.Errorf("%d dates for %d values", len(s.Dates), len(s.Values))
			}
		})
	}
}

// embeddedLayout is two rows in the embedded file's layout, adjclose edited
// to differ from close.
const embeddedLayout = "date,open,high,low,close,adjclose,volume\n" +
	"2000-01-03,1469.25,1478,1438.359985,1455.219971,1400.5,931800000\n" +
	"2000-01-04,1455.219971,1455.219971,1397.430054,1399.420044,1350.25,1009000000"

func TestReadCSVBadInput(t *testing.T) {
	tenRows := "date,open,high,low,close\n"
	for d := 2; d <= 11; d++ {
		tenRows += "2020-01-" + string(rune('0'+d/10)) + string(rune('0'+d%10)) + ",1,1,1,1\n"
	}
	tests := []struct {
		name      string
		content   string
		column    string
		sentinel  error
		line, col int // of the *ParseError; 0, 0: not a ParseError
		want      string
	}{
		{name: "empty file", content: "", sentinel: ErrEmpty,
			want: "data: x.csv: empty file (want a header such as Date,Close)"},
		{name: "blank lines only", content: "\n\n", sentinel: ErrEmpty, want: "empty file"},
		{name: "header only", content: "Date,Close\n", sentinel: ErrNoRows, want: "data: x.csv: no data rows: header only"},
		{name: "header only, no newline", content: "Date,Close", sentinel: ErrNoRows, want: "header only"},
		{name: "all null", content: "Date,Close\n2020-01-02,null\n2020-01-03,null\n", sentinel: ErrNoRows,
			want: `all 2 rows are "null" in column close`},
		{name: "missing column", content: "Date,Open,High\n2020-01-02,1,2\n", sentinel: ErrNoColumn,
			want: `data: x.csv: no such column "close" (header has: Date, Open, High)`},
		{name: "missing adjclose", content: "Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,1,9\n", column: "adjclose",
			sentinel: ErrNoColumn, want: `no such column "adjclose" (header has: Date, Open, High, Low, Close, Volume)`},
		{name: "missing date", content: "Day,Close\n2020-01-02,1\n", sentinel: ErrNoColumn,
			want: `no such column "date" (header has: Day, Close)`},
		{name: "date as column", content: "Date,Close\n2020-01-02,1\n", column: "Date", want: "holds dates"},
		{name: "bad number", content: "Date,Close\n2020-01-02,1\n2020-01-03,abc\n", sentinel: ErrNumber,
			line: 3, col: 2, want: `data: x.csv:3:2: bad number "abc" in column close`},
		{name: "empty number", content: "Date,Close\n2020-01-02,\n", sentinel: ErrNumber,
			line: 2, col: 2, want: `bad number "" in column close`},
		{name: "bad date", content: "Date,Close\n2020-01-02,1\n2020/01/03,2\n", sentinel: ErrDate,
			line: 3, col: 1, want: `data: x.csv:3:1: bad date "2020/01/03" (want YYYY-MM-DD)`},
		{name: "impossible date", content: "Date,Close\n2020-02-30,1\n", sentinel: ErrDate, line: 2, col: 1, want: `bad date "2020-02-30"`},
		{name: "zero close", content: tenRows + "2020-01-12,1,1,1,0\n", sentinel: ErrNonPos,
			line: 12, col: 5, want: "data: x.csv:12:5: non-positive close 0"},
		{name: "negative", content: "Date,Close\n2020-01-02,-1.5\n", sentinel: ErrNonPos, line: 2, col: 2, want: "non-positive close -1.5"},
		{name: "NaN", content: "Date,Close\n2020-01-02,NaN\n", sentinel: ErrNonFinite, line: 2, col: 2, want: "x.csv:2:2: non-finite close NaN"},
		{name: "Inf", content: "Date,Close\n2020-01-02,+Inf\n", sentinel: ErrNonFinite, line: 2, col: 2, want: "non-finite close +Inf"},
		{name: "overflow", content: "Date,Close\n2020-01-02,1e400\n", sentinel: ErrNonFinite, line: 2, col: 2, want: "non-finite close 1e400"},
		{name: "field count", content: "Date,Close\n2020-01-02,1,3\n", line: 2, want: "data: x.csv:2: wrong number of fields"},
		{name: "bare quote", content: "Date,Close\n2020-01-02,1\"2\n", line: 2, want: `x.csv:2: bare " in non-quoted-field (byte 13)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, err := ReadCSV(strings.NewReader(tt.content), "x.csv", tt.column)
			if s != nil {
				t.Errorf("got a series with an error")
			}
			wantErr(t, err, tt.want)
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("error %q is not %v", err, tt.sentinel)
			}
			var pe *ParseError
			if isPE := errors.As(err, &pe); isPE != (tt.line != 0) {
				t.Fatalf("ParseError %v, want %v", isPE, tt.line != 0)
			}
			if pe != nil && (pe.Line != tt.line || pe.Column != tt.col || pe.File != "x.csv") {
				t.Errorf("ParseError at %s:%d:%d, want x.csv:%d:%d", pe.File, pe.Line, pe.Column, tt.line, tt.col)
			}
		})
	}
}

func TestLoadCSVMissingFile(t *testing.T) {
	_, err := LoadCSV(filepath.Join(t.TempDir(), "nope.csv"), "")
	wantErr(t, err, "data: open ", "nope.csv", "no such file")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%v is not os.ErrNotExist", err)
	}
}

func TestReadCSVCleans(t *testing.T) {
	content := "Date,Close\n" +
		"2020-01-03,3\n" +
		"2020-01-01,1\n" +
		"2020-01-02,2\n" +
		"2020-01-02,99\n" + // repeats a date: dropped, the first one kept
		"2020-01-20,4\n" + // 17 days after 2020-01-03: a gap
		"2020-01-03,98\n" // repeats again
	s, rep, err := ReadCSV(strings.NewReader(content), "x.csv", "close")
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{1, 2, 3, 4}; !slices.Equal(s.Values, want) {
		t.Errorf("values %v, want %v", s.Values, want)
	}
	if rep.Rows != 4 || rep.Duplicates != 2 {
		t.Errorf("report %+v, want 4 rows, 2 duplicates", rep)
	}
	if len(rep.Gaps) != 1 || rep.Gaps[0].String() != "2020-01-03 .. 2020-01-20 (17 days)" {
		t.Errorf("gaps %v", rep.Gaps)
	}
	rep.Nulls = 1
	want := []string{"dropped 2 duplicate dates", "skipped 1 null row", "gap 2020-01-03 .. 2020-01-20 (17 days)"}
	if got := rep.Notes(); !slices.Equal(got, want) {
		t.Errorf("notes %q, want %q", got, want)
	}
	if got := (LoadReport{Rows: 5}).Notes(); len(got) != 0 {
		t.Errorf("notes of a clean file: %q", got)
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	for _, column := range []string{"close", "adjclose", ""} {
		t.Run(column, func(t *testing.T) {
			s, err := LoadEmbedded(column)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "out.csv")
			if err := WriteCSV(path, s, column); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			header, _, _ := strings.Cut(string(b), "\n")
			if want := map[string]string{"close": "Date,Close", "adjclose": "Date,Adj Close", "": "Date,Close"}[column]; header != want {
				t.Errorf("header %q, want %q", header, want)
			}
			back, err := LoadCSV(path, column)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(back.Values, s.Values) || !slices.EqualFunc(back.Dates, s.Dates, func(a, b time.Time) bool { return a.Equal(b) }) {
				t.Error("round trip changed the series")
			}
			if got := onlyFiles(t, dir); !slices.Equal(got, []string{"out.csv"}) {
				t.Errorf("folder holds %v", got)
			}
		})
	}
}

func TestWriteCSVErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		s    *Series
		want string
	}{
		{"nil series", filepath.Join(dir, "a.csv"), nil, "empty series"},
		{"no rows", filepath.Join(dir, "a.csv"), &Series{}, "empty series"},
		{"lengths", filepath.Join(dir, "a.csv"), &Series{Values: []float64{1}}, "0 dates for 1 values"},
		{"missing folder", filepath.Join(dir, "no", "a.csv"), series(1), "data: write " + filepath.Join(dir, "no", "a.csv")},
		{"path is a folder", dir, series(1), "data: write " + dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, WriteCSV(tt.path, tt.s, "close"), tt.want)
			if got := onlyFiles(t, dir); len(got) != 0 {
				t.Errorf("left behind %v", got)
			}
		})
	}
}
