// Tests of the embedded default series and its provenance file.

package data

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
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
