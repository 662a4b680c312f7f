// Fuzz test of ReadCSV: no panic, and any success is a clean series.

package data

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"",
		"Date,Close\n",
		"Date,Close\n2020-01-02,1.5\n2020-01-01,2\n2020-01-01,3\n",
		"date,open,high,low,close,adjclose,volume\n2000-01-03,1,2,0.5,1.5,1.5,100",
		"Date,Close\n2020-01-02,null\n2020-01-03,0\n",
		"Date,Close\n2020-01-02,NaN\n",
		"Date,Close\n2020-01-02,1e400\n",
		"Date,Close\n\"2020-01-02\",\"1\"\"\"\n",
		"\ufeffDate,Adj Close\r\n2020-01-02,7\r\n",
		"Date,Close\n2020-02-30,1\n",
	} {
		f.Add([]byte(seed), "close")
	}
	for _, name := range []string{"yahoo.csv", "stooq-spx.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "adjclose")
	}
	f.Add(embeddedCSV[:2000], "close")

	f.Fuzz(func(t *testing.T, content []byte, column string) {
		s, rep, err := ReadCSV(bytes.NewReader(content), "fuzz.csv", column)
		if err != nil {
			if s != nil {
				t.Fatal("series with an error")
			}
			return
		}
		if s.Len() == 0 || len(s.Dates) != s.Len() || rep.Rows != s.Len() {
			t.Fatalf("%d dates, %d values, report %+v", len(s.Dates), s.Len(), rep)
		}
		for i, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
				t.Fatalf("value %d is %v", i, v)
			}
			if i > 0 && !s.Dates[i].After(s.Dates[i-1]) {
				t.Fatalf("dates %v then %v", s.Dates[i-1], s.Dates[i])
			}
		}
	})
}
