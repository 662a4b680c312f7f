// Tests of the embedded default series and its provenance file.

package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestEmbeddedChecksum(t *testing.T) {
	for name, b := range map[string][]byte{"embedded": embeddedCSV, "EmbeddedCSV()": EmbeddedCSV()} {
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != EmbeddedSHA256 {
			t.Errorf("%s: sha256 %s, want %s", name, got, EmbeddedSHA256)
		}
	}
	onDisk, err := os.ReadFile(EmbeddedFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(onDisk) != string(embeddedCSV) {
		t.Error("embedded bytes differ from", EmbeddedFile)
	}
	if embeddedCSV[len(embeddedCSV)-1] == '\n' {
		t.Error("the upstream file has no final newline; this copy has one")
	}
}

func TestEmbeddedSource(t *testing.T) {
	b, err := os.ReadFile("sp500-2000.SOURCE.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"vega-datasets", "3.2.1", "BSD-3-Clause", "Yahoo Finance", EmbeddedSHA256} {
		if !strings.Contains(string(b), want) {
			t.Errorf("sp500-2000.SOURCE.txt does not mention %q", want)
		}
	}
}

func TestLoadEmbedded(t *testing.T) {
	for _, column := range []string{"", "close", "adjclose", "Adj Close", "open"} {
		t.Run(column, func(t *testing.T) {
			s, rep, err := LoadEmbeddedReport(column)
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != 5105 || rep.Rows != 5105 || rep.Duplicates != 0 || rep.Nulls != 0 || len(rep.Gaps) != 0 {
				t.Errorf("len %d, report %+v; want 5105 clean rows", s.Len(), rep)
			}
			if got := s.Dates[0].Format(DateLayout); got != "2000-01-03" {
				t.Errorf("first date %s", got)
			}
			if got := s.Dates[s.Len()-1].Format(DateLayout); got != "2020-04-17" {
				t.Errorf("last date %s", got)
			}
			if s.Name != EmbeddedName {
				t.Errorf("name %q", s.Name)
			}
		})
	}
	s, err := LoadEmbedded("close")
	if err != nil {
		t.Fatal(err)
	}
	// First and last closes, straight from the file.
	if s.Values[0] != 1455.219971 || s.Values[s.Len()-1] != 2874.560059 {
		t.Errorf("closes %v .. %v", s.Values[0], s.Values[s.Len()-1])
	}
}

// embeddedFields splits the embedded CSV, header first, without ReadCSV.
func embeddedFields(t *testing.T, b []byte) [][]string {
	t.Helper()
	var rows [][]string
	for _, line := range strings.Split(string(b), "\n") {
		rows = append(rows, strings.Split(line, ","))
	}
	if len(rows) != 5106 || strings.Join(rows[0], ",") != "date,open,high,low,close,adjclose,volume" {
		t.Fatalf("%d lines, header %q: not the embedded layout", len(rows), rows[0])
	}
	return rows
}

// TestLoadEmbeddedColumns reads every price column of the embedded file
// and compares each value and date with the file's own fields. In the
// file adjclose equals close, so the adjclose column is also checked on a
// copy whose adjclose fields are changed: the loader must return them.
func TestLoadEmbeddedColumns(t *testing.T) {
	rows := embeddedFields(t, embeddedCSV)
	for col, name := range rows[0] {
		if name == "date" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			s, err := LoadEmbedded(name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != len(rows)-1 || len(s.Dates) != s.Len() {
				t.Fatalf("%d values, %d dates; want %d", s.Len(), len(s.Dates), len(rows)-1)
			}
			for i, r := range rows[1:] {
				v, err := strconv.ParseFloat(r[col], 64)
				if err != nil {
					t.Fatal(err)
				}
				if s.Values[i] != v || s.Dates[i].Format(DateLayout) != r[0] {
					t.Fatalf("row %d: %s %v, the file has %s %s", i+2, s.Dates[i].Format(DateLayout), s.Values[i], r[0], r[col])
				}
			}
		})
	}

	// The same file with adjclose = close/2 on every row.
	var b bytes.Buffer
	var half, closes []float64
	for i, r := range rows {
		if i > 0 {
			c, err := strconv.ParseFloat(r[4], 64)
			if err != nil {
				t.Fatal(err)
			}
			closes, half = append(closes, c), append(half, c/2)
			r = slices.Clone(r)
			r[5] = strconv.FormatFloat(c/2, 'g', -1, 64)
			b.WriteByte('\n')
		}
		b.WriteString(strings.Join(r, ","))
	}
	edited := b.Bytes()
	if bytes.Equal(edited, embeddedCSV) || !bytes.Equal(EmbeddedCSV(), embeddedCSV) {
		t.Fatal("the edited copy is the embedded file, or EmbeddedCSV() is not")
	}
	for _, tc := range []struct {
		column string
		want   []float64
	}{{"adjclose", half}, {"Adj Close", half}, {"close", closes}} {
		s, _, err := ReadCSV(bytes.NewReader(edited), EmbeddedName, tc.column)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.Values, tc.want) {
			t.Errorf("ReadCSV %s of the edited copy: %v ..., want %v ...", tc.column, s.Values[:3], tc.want[:3])
		}
	}
	// And LoadEmbedded, given those bytes as the embedded file.
	defer func(orig []byte) { embeddedCSV = orig }(embeddedCSV)
	embeddedCSV = edited
	for _, tc := range []struct {
		column string
		want   []float64
	}{{"adjclose", half}, {"close", closes}} {
		s, err := LoadEmbedded(tc.column)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.Values, tc.want) {
			t.Errorf("LoadEmbedded(%q) of the edited file: %v ..., want %v ...", tc.column, s.Values[:3], tc.want[:3])
		}
	}
}
