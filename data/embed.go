// The embedded default series: S&P 500 daily values 2000-01-03..2020-04-17.

package data

import (
	"bytes"
	_ "embed"
)

// The embedded file is sp500-2000.csv from the npm package
// vega-datasets@3.2.1 (BSD-3-Clause, Yahoo Finance values); origin and
// license are in sp500-2000.SOURCE.txt beside it. Layout:
// date,open,high,low,close,adjclose,volume, 5,105 rows, no final newline.
//
//go:embed sp500-2000.csv
var embeddedCSV []byte

const (
	// EmbeddedName is the Series.Name of the embedded data.
	EmbeddedName = "embedded"
	// EmbeddedFile is the name of the embedded file in this package.
	EmbeddedFile = "sp500-2000.csv"
	// EmbeddedSHA256 is the hex sha256 of the embedded file.
	EmbeddedSHA256 = "9409e9342d0657c747324e4cfabce8a8c7f663bc485b95a3378f36b0a160f8c8"
)

// EmbeddedCSV returns a copy of the embedded CSV file.
func EmbeddedCSV() []byte { return bytes.Clone(embeddedCSV) }

// LoadEmbedded loads one column of the embedded S&P 500 file, "close" if
// column is empty ("adjclose", "open", ... also work). Series.Name is
// "embedded".
func LoadEmbedded(column string) (*Series, error) {
	s, _, err := LoadEmbeddedReport(column)
	return s, err
}

// LoadEmbeddedReport is LoadEmbedded that also returns the cleaning report.
func LoadEmbeddedReport(column string) (*Series, LoadReport, error) {
	return ReadCSV(bytes.NewReader(embeddedCSV), EmbeddedName, column)
}
