// cli_test.go: the single-process subcommands and the MPI-free build.
package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// `trainer data fetch` against a server speaking Yahoo's chart API: the CSV
// it writes is one `--csv` trains from.
func TestDataFetchCommand(t *testing.T) {
	body, err := os.ReadFile("data/testdata/yahoo-chart-gspc.json")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		if !strings.HasPrefix(r.URL.EscapedPath(), "/v8/finance/chart/") {
			http.NotFound(w, r)
			return
		}
		if strings.Contains(r.URL.EscapedPath(), "NOPE") {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "gspc.csv")
	r := runTrainer(t, 0, 30*time.Second, "data", "fetch", "--base_url", srv.URL, "--symbol", "^GSPC",
		"--from", "2020-01-01", "--to", "2020-01-31", "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "wrote "+out) {
		t.Fatalf("fetch: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if len(paths) != 1 || paths[0] != "/v8/finance/chart/%5EGSPC" {
		t.Errorf("requested %v, want the escaped symbol path", paths)
	}
	ins := runTrainer(t, 0, 30*time.Second, "data", "inspect", out)
	if ins.code != 0 || !strings.Contains(ins.stdout, "rows") {
		t.Errorf("inspect of the fetched CSV: exit %d %s%s", ins.code, ins.stdout, ins.stderr)
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
