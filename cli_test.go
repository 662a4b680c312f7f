// cli_test.go: the single-process subcommands and the MPI-free build.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mpitrain/data"
)

// `trainer data fetch` against a server speaking Yahoo's chart API: the CSV
// it writes holds the fixture's days and values, close or adjusted close as
// asked, and is one `--csv` trains from.
func TestDataFetchCommand(t *testing.T) {
	fixture, err := os.ReadFile("data/testdata/yahoo-chart-gspc.json")
	if err != nil {
		t.Fatal(err)
	}
	long, longRows := chartOfEmbedded(t, "2019-01-02")
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath())
		mu.Unlock()
		switch r.URL.EscapedPath() {
		case "/v8/finance/chart/%5EGSPC":
			w.Write(fixture)
		case "/v8/finance/chart/LONG":
			w.Write(long)
		case "/v8/finance/chart/NOPE":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	fetch := func(symbol, column, out string) {
		t.Helper()
		r := runTrainer(t, 0, 30*time.Second, "data", "fetch", "--base_url", srv.URL, "--symbol", symbol, "--column", column,
			"--from", "2000-01-01", "--to", "2020-04-30", "--out", out)
		if r.code != 0 || !strings.Contains(r.stdout, "wrote "+out) {
			t.Fatalf("fetch %s %s: exit %d\n%s%s", symbol, column, r.code, r.stdout, r.stderr)
		}
	}

	// The fixture's four days (2020-01-07 is null), close and adjusted
	// close, as the shortest decimals that give back the fixture's float64s.
	for _, tc := range []struct {
		column, header string
		want           []string
	}{
		{"close", "Date,Close", []string{"2020-01-02,3257.85009765625", "2020-01-03,3234.85009765625",
			"2020-01-06,3246.280029296875", "2020-01-08,3253.050048828125"}},
		{"adjclose", "Date,Adj Close", []string{"2020-01-02,3201.017578125", "2020-01-03,3178.419921875",
			"2020-01-06,3189.650390625", "2020-01-08,3196.27001953125"}},
	} {
		out := filepath.Join(dir, "gspc-"+tc.column+".csv")
		fetch("^GSPC", tc.column, out)
		want := append([]string{tc.header}, tc.want...)
		if got := strings.Split(strings.TrimSuffix(string(mustRead(t, out)), "\n"), "\n"); !slices.Equal(got, want) {
			t.Errorf("fetched %s:\n%s\nwant:\n%s", tc.column, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		ins := runTrainer(t, 0, 30*time.Second, "data", "inspect", "--column", tc.column, out)
		if line := out + ": 4 rows, 2020-01-02 .. 2020-01-08, 0 duplicate date(s) dropped, 0 gap(s) over 7 days"; ins.code != 0 || !strings.Contains(ins.stdout, line) {
			t.Errorf("inspect of the fetched CSV: exit %d, want %q:\n%s%s", ins.code, line, ins.stdout, ins.stderr)
		}
	}
	if len(paths) != 2 || paths[0] != "/v8/finance/chart/%5EGSPC" {
		t.Errorf("requested %v, want the escaped symbol path twice", paths)
	}

	// A longer series (the embedded closes from 2019, adjusted closes made
	// up), fetched and compared row by row, then trained from.
	out := filepath.Join(dir, "long.csv")
	fetch("LONG", "adjclose", out)
	rows := readRows(t, out)
	if len(rows) != len(longRows)+1 || strings.Join(rows[0], ",") != "Date,Adj Close" {
		t.Fatalf("fetched %d lines starting %q, want a header and %d days", len(rows), rows[0], len(longRows))
	}
	for i, r := range rows[1:] {
		if v, err := strconv.ParseFloat(r[1], 64); err != nil || r[0] != longRows[i].day || v != longRows[i].adj {
			t.Fatalf("fetched row %d: %v, want %s,%v", i+2, r, longRows[i].day, longRows[i].adj)
		}
	}
	run, r := mustTrain(t, 0, filepath.Join(dir, "runs"), "fetched", "--csv", out, "--column", "adjclose",
		"--window", "10", "--epochs", "2", "--no_plots")
	windows := len(longRows) - 10
	if want := fmt.Sprintf("data: %s (adjclose) | %d windows of 10 -> 1 |", out, windows); !strings.Contains(r.stdout, want) {
		t.Errorf("no data line %q:\n%s", want, r.stdout)
	}
	if h := historyRows(t, run); len(h) != 2 {
		t.Errorf("%d epochs in history.csv, want 2", len(h))
	}

	r = runTrainer(t, 0, 30*time.Second, "data", "fetch", "--base_url", srv.URL, "--symbol", "NOPE", "--out", out+"2")
	if r.code != 1 || !strings.Contains(r.stderr, "NOPE") {
		t.Errorf("unknown symbol: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(out + "2"); err == nil {
		t.Error("a failed fetch wrote its output file")
	}
	srv.Close()
	r = runTrainer(t, 0, 30*time.Second, "data", "fetch", "--base_url", srv.URL, "--symbol", "^GSPC", "--out", out+"3", "--retries", "0")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot reach") {
		t.Errorf("offline: exit %d, stderr %q", r.code, r.stderr)
	}
}

// chartDay is one day of the chart chartOfEmbedded serves.
type chartDay struct {
	day string
	adj float64
}

// chartOfEmbedded builds a Yahoo v8 chart response holding the embedded
// file's days from `from` on: timestamps at the New York open, closes from
// the file and adjusted closes 2% lower, with one day null in both. It
// returns the response and the days a fetch of adjclose must give.
func chartOfEmbedded(t *testing.T, from string) ([]byte, []chartDay) {
	t.Helper()
	s, err := data.LoadEmbedded("close")
	if err != nil {
		t.Fatal(err)
	}
	var ts []int64
	var closes, adj []*float64
	var want []chartDay
	for i, d := range s.Dates {
		day := d.Format(time.DateOnly)
		if day < from {
			continue
		}
		ts = append(ts, d.Add(14*time.Hour+30*time.Minute).Unix())
		if len(ts) == 10 {
			closes, adj = append(closes, nil), append(adj, nil)
			continue
		}
		c, a := s.Values[i], s.Values[i]*0.98
		closes, adj = append(closes, &c), append(adj, &a)
		want = append(want, chartDay{day, a})
	}
	type series map[string][]*float64
	doc := map[string]any{"chart": map[string]any{"error": nil, "result": []any{map[string]any{
		"meta":       map[string]any{"symbol": "LONG", "gmtoffset": -18000},
		"timestamp":  ts,
		"indicators": map[string]any{"quote": []series{{"close": closes}}, "adjclose": []series{{"adjclose": adj}}},
	}}}}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b, want
}

// `go build -tags nompi` with cgo off: a trainer that needs no MPI library
// and trains as one rank.
func TestNoMPIBuild(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "trainer-nompi")
	cmd := exec.Command("go", "build", "-tags", "nompi", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if out, err := exec.Command("go", "version", "-m", bin).Output(); err != nil || !strings.Contains(string(out), "CGO_ENABLED=0") {
		t.Fatalf("the nompi binary is not a cgo-free build:\n%s", out)
	}
	run := exec.Command(bin, "--epochs", "1", "--out", t.TempDir(), "--no_plots")
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "world: 1 rank(s)") || !strings.Contains(string(out), "no MPI") {
		t.Fatalf("nompi trainer: %v\n%s", err, out)
	}
}

func TestUsageErrorsOfSubcommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"data"}, "missing subcommand"},
		{[]string{"data", "bogus"}, `unknown subcommand "bogus"`},
		{[]string{"data", "prepare"}, "--out is required"},
		{[]string{"data", "fetch", "--out", "x.csv", "--from", "2020-13-01"}, "--from"},
		{[]string{"predict"}, "--model is required"},
		{[]string{"plot", "history"}, "want one folder"},
		{[]string{"plot", "nope", "x"}, `unknown subcommand "nope"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runTrainer(t, 0, 30*time.Second, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q: want 2 naming %q", r.code, r.stderr, tc.want)
			}
		})
	}
}
