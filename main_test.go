// main_test.go: end-to-end tests of the trainer binary, single-rank and
// under a real mpirun.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mpitrain/collective/mpirun"
	"mpitrain/data"
	"mpitrain/mlp/eval"
)

// trainerBin is the trainer built once for every test.
var trainerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "trainer-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	trainerBin = filepath.Join(dir, "trainer")
	if out, err := exec.Command("go", "build", "-o", trainerBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building trainer: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one finished trainer process.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// runTrainer runs the trainer as np ranks (np 0: no mpirun, a singleton),
// with a bound of limit on the whole job.
func runTrainer(t *testing.T, np int, limit time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var cmd *exec.Cmd
	if np == 0 {
		cmd = exec.CommandContext(ctx, trainerBin, args...)
	} else {
		mpirun.Require(t)
		var err error
		if cmd, err = mpirun.Command(ctx, np, trainerBin, args...); err != nil {
			t.Fatal(err)
		}
	}
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: so.String(), stderr: se.String(), took: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("trainer %v (np %d) did not finish within %v\nstdout:\n%s\nstderr:\n%s", args, np, limit, r.stdout, r.stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// mustTrain runs a training job that must succeed and returns its run folder.
func mustTrain(t *testing.T, np int, out, id string, args ...string) (string, result) {
	t.Helper()
	args = append([]string{"--out", out, "--run_id", id, "--quiet"}, args...)
	r := runTrainer(t, np, 3*time.Minute, args...)
	if r.code != 0 {
		t.Fatalf("trainer np %d %v: exit %d\nstdout:\n%s\nstderr:\n%s", np, args, r.code, r.stdout, r.stderr)
	}
	return filepath.Join(out, id), r
}

// readRows returns every row of a CSV file, header included.
func readRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// historyHeader is the first line of history.csv.
const historyHeader = "epoch,train_loss,val_loss,epoch_s,compute_s,allreduce_s,eval_s"

// historyRows returns history.csv's rows after the header. It fails the
// test unless the header is historyHeader, there is at least one epoch and
// the epochs count 1, 2, 3, ... (readRows has checked that every row has
// the header's width).
func historyRows(t *testing.T, dir string) [][]string {
	t.Helper()
	path := filepath.Join(dir, "history.csv")
	rows := readRows(t, path)
	if len(rows) < 2 || strings.Join(rows[0], ",") != historyHeader {
		t.Fatalf("%s: %d lines starting %q, want the header %q and an epoch a line", path, len(rows), rows[0], historyHeader)
	}
	for i, r := range rows[1:] {
		if r[0] != strconv.Itoa(i+1) {
			t.Fatalf("%s line %d: epoch %q, want %d", path, i+2, r[0], i+1)
		}
	}
	return rows[1:]
}

// readLosses returns history.csv's train and val loss columns.
func readLosses(t *testing.T, dir string) (train, val []float64) {
	t.Helper()
	for i, r := range historyRows(t, dir) {
		a, err1 := strconv.ParseFloat(r[1], 64)
		b, err2 := strconv.ParseFloat(r[2], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s/history.csv epoch %d: %v, %v", dir, i+1, err1, err2)
		}
		train, val = append(train, a), append(val, b)
	}
	return train, val
}

// sameHistory fails unless the runs in folders a and b have the same
// epoch, train_loss and val_loss columns in history.csv, character for
// character: the losses are written with %.17g, so equal text is equal
// bits. (The other columns are seconds.)
func sameHistory(t *testing.T, a, b string) {
	t.Helper()
	ha, hb := historyRows(t, a), historyRows(t, b)
	if len(ha) != len(hb) {
		t.Fatalf("%s has %d epochs in history.csv, %s has %d", a, len(ha), b, len(hb))
	}
	for i := range ha {
		if x, y := strings.Join(ha[i][:3], ","), strings.Join(hb[i][:3], ","); x != y {
			t.Errorf("history.csv epoch, train_loss, val_loss:\n%s: %s\n%s: %s", a, x, b, y)
		}
	}
}

// closeHistory is sameHistory to tol relative, for runs whose sums were
// taken in another order (another number of ranks).
func closeHistory(t *testing.T, a, b string, tol float64) {
	t.Helper()
	ta, va := readLosses(t, a)
	tb, vb := readLosses(t, b)
	if len(ta) != len(tb) {
		t.Fatalf("%s has %d epochs in history.csv, %s has %d", a, len(ta), b, len(tb))
	}
	for i := range ta {
		if d := max(relDiff(ta[i], tb[i]), relDiff(va[i], vb[i])); !(d <= tol) {
			t.Errorf("epoch %d: train/val loss %.17g/%.17g in %s, %.17g/%.17g in %s (rel %.2g)", i+1, ta[i], va[i], a, tb[i], vb[i], b, d)
		}
	}
}

func relDiff(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

// mustRead returns the contents of path, failing the test if it cannot.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readMetrics(t *testing.T, dir string) eval.Report {
	t.Helper()
	var m eval.Report
	if err := readJSON(filepath.Join(dir, "metrics.json"), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHelp(t *testing.T) {
	r := runTrainer(t, 0, 30*time.Second, "-h")
	if r.code != 0 {
		t.Fatalf("trainer -h: exit %d, stderr %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "Usage:"); n != 1 {
		t.Errorf("trainer -h printed its usage %d times", n)
	}
	for _, sub := range [][]string{{"predict", "-h"}, {"data", "prepare", "-h"}, {"bench", "-h"}} {
		if o := runTrainer(t, 0, 30*time.Second, sub...); o.code != 0 || strings.Count(o.stdout, "Usage:") != 1 {
			t.Errorf("trainer %v: exit %d, usage printed %d times", sub, o.code, strings.Count(o.stdout, "Usage:"))
		}
	}
	for _, flag := range []string{"-npz_path", "-epochs", "-batch_size", "-lr", "-hidden_dim", "-layers", "-dtype",
		"-optimizer", "-seed", "-window", "-scale", "-out", "-patience", "mpirun -np N ./trainer"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("trainer -h does not mention %s", flag)
		}
	}
}

func TestBadFlags(t *testing.T) {
	out := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string // in the one-line error
	}{
		{"unknown flag", []string{"--bogus"}, "-bogus"},
		{"zero epochs", []string{"--epochs", "0"}, "--epochs 0"},
		{"negative batch", []string{"--batch_size", "-4"}, "--batch_size -4"},
		{"zero lr", []string{"--lr", "0"}, "--lr 0"},
		{"bad dtype", []string{"--dtype", "float16"}, "--dtype"},
		{"bad scale", []string{"--scale", "log"}, "--scale"},
		{"bad allreduce", []string{"--allreduce", "ring"}, `--allreduce "ring": must be one of auto, shm, shard, mpi`},
		{"bad layers", []string{"--layers", "128,x"}, "--layers"},
		{"bad split", []string{"--train_frac", "0.9", "--val_frac", "0.2"}, "--train_frac"},
		{"stray argument", []string{"extra"}, "extra"},
		{"two sources", []string{"--csv", "a.csv", "--npz_path", "b.npz"}, "--npz_path and --csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runTrainer(t, 0, 30*time.Second, append([]string{"--out", out}, tc.args...)...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q: want one line naming %q", r.stderr, tc.want)
			}
			if entries, err := os.ReadDir(out); err != nil || len(entries) != 0 {
				t.Errorf("bad input wrote %d entries into --out (%v)", len(entries), err)
			}
		})
	}
}

// A bad flag under mpirun: every rank fails alike, rank 0 alone says so,
// exit 2, and nobody waits.
func TestBadFlagUnderMPI(t *testing.T) {
	r := runTrainer(t, 3, time.Minute, "--epochs", "-1")
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", r.code, exitUsage, r.stderr)
	}
	if n := strings.Count(r.stderr, "trainer:"); n != 1 || !strings.Contains(r.stderr, "--epochs -1") {
		t.Errorf("want one error line naming --epochs from rank 0, got:\n%s", r.stderr)
	}
}

// Invariant 1: for the same seed and global batch, np 1..4 give the same
// loss history (float64: 1e-9 relative) and the same final metrics.
func TestRanksChangeSpeedNotResults(t *testing.T) {
	out := t.TempDir()
	args := []string{"--dtype", "float64", "--epochs", "3", "--batch_size", "50", "--hidden_dim", "32", "--no_plots"}
	ref, _ := mustTrain(t, 1, out, "np1", args...)
	refTrain, refVal := readLosses(t, ref)
	refM := readMetrics(t, ref)
	// np 2 to 4 with the sharded update through the shared-memory window
	// (one host); np 3 also with the window's whole sum and with
	// MPI_Allreduce.
	for _, run := range []struct {
		np  int
		sum string
	}{{2, "shard"}, {3, "shard"}, {4, "shard"}, {3, "shm"}, {3, "mpi"}} {
		np := run.np
		dir, _ := mustTrain(t, np, out, fmt.Sprintf("np%d-%s", np, run.sum), append(args, "--allreduce", run.sum)...)
		tr, va := readLosses(t, dir)
		if len(tr) != len(refTrain) {
			t.Fatalf("np %d: %d epochs, want %d", np, len(tr), len(refTrain))
		}
		for i := range tr {
			if d := relDiff(tr[i], refTrain[i]); !(d <= 1e-9) {
				t.Errorf("np %d epoch %d: train loss %.17g vs %.17g (rel %.2g)", np, i+1, tr[i], refTrain[i], d)
			}
			if d := relDiff(va[i], refVal[i]); !(d <= 1e-9) {
				t.Errorf("np %d epoch %d: val loss %.17g vs %.17g (rel %.2g)", np, i+1, va[i], refVal[i], d)
			}
		}
		m := readMetrics(t, dir)
		if d := relDiff(m.Test.Model.MSE, refM.Test.Model.MSE); !(d <= 1e-9) {
			t.Errorf("np %d: test MSE %.17g vs %.17g", np, m.Test.Model.MSE, refM.Test.Model.MSE)
		}
	}
}

// At float32 only the summation order differs: 1e-4 relative.
func TestRanksChangeSpeedNotResultsFloat32(t *testing.T) {
	out := t.TempDir()
	args := []string{"--epochs", "2", "--batch_size", "64", "--no_plots"}
	ref, _ := mustTrain(t, 1, out, "np1", args...)
	dir, _ := mustTrain(t, 3, out, "np3", args...)
	if a, b := historyRows(t, ref), historyRows(t, dir); len(a) != 2 || len(b) != 2 {
		t.Fatalf("%d and %d epochs in history.csv, want 2", len(a), len(b))
	}
	closeHistory(t, ref, dir, 1e-4)
}

// Invariant 2: same seed, same np: a bitwise-identical model file.
func TestSameSeedSameModel(t *testing.T) {
	out := t.TempDir()
	args := []string{"--epochs", "2", "--no_plots"}
	a, _ := mustTrain(t, 2, out, "a", args...)
	b, _ := mustTrain(t, 2, out, "b", args...)
	ma, mb := mustRead(t, filepath.Join(a, "model.json")), mustRead(t, filepath.Join(b, "model.json"))
	if len(ma) == 0 || !bytes.Equal(ma, mb) {
		t.Fatal("two runs with the same seed and np wrote different model files")
	}
	sameHistory(t, a, b)
	c, _ := mustTrain(t, 2, out, "c", append(args, "--seed", "2")...)
	if mc := mustRead(t, filepath.Join(c, "model.json")); bytes.Equal(ma, mc) {
		t.Fatal("a different seed wrote the same model file")
	}
}

// A full run at np 2 writes every artifact; only rank 0 prints; the summary
// compares with both baselines.
func TestRunArtifacts(t *testing.T) {
	out := t.TempDir()
	dir, r := mustTrain(t, 2, out, "run", "--epochs", "2")
	for _, f := range []string{"config.json", "history.csv", "metrics.json", "timing.json", "model.json",
		"predictions.csv", "loss.png", "predictions.png", "loss.svg", "predictions.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty", f)
		}
	}
	if h := historyRows(t, dir); len(h) != 2 {
		t.Errorf("history.csv has %d epochs, want 2", len(h))
	}
	m := readMetrics(t, dir)
	if m.Val.N != 756 || m.Test.N != 758 || !m.Points {
		t.Errorf("metrics.json: val n %d, test n %d, points %v; want 756, 758, true", m.Val.N, m.Test.N, m.Points)
	}
	checkPredictions(t, dir, m)
	if n := strings.Count(r.stdout, "world: "); n != 1 {
		t.Errorf("world line printed %d times, want once (rank 0 only)", n)
	}
	for _, want := range []string{"persistence", "linear", "test: the model"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	var tm timingReport
	if err := readJSON(filepath.Join(dir, "timing.json"), &tm); err != nil {
		t.Fatal(err)
	}
	if tm.Ranks != 2 || len(tm.PerRank) != 2 || tm.Epochs != 2 || tm.SamplesPerSec <= 0 {
		t.Errorf("timing.json: %+v", tm)
	}
	var meta runMeta
	if err := readJSON(filepath.Join(dir, "config.json"), &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Ranks != 2 || len(meta.Hosts) != 2 || len(meta.Fingerprint) != 64 {
		t.Errorf("config.json: np %d, hosts %v, fingerprint %q", meta.Ranks, meta.Hosts, meta.Fingerprint)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}

	// An existing run folder is never overwritten.
	before := mustRead(t, filepath.Join(dir, "model.json"))
	r2 := runTrainer(t, 2, time.Minute, "--out", out, "--run_id", "run", "--epochs", "1")
	if r2.code != exitUsage || !strings.Contains(r2.stderr, "already exists") {
		t.Errorf("re-using a run folder: exit %d, stderr %q", r2.code, r2.stderr)
	}
	if after := mustRead(t, filepath.Join(dir, "model.json")); !bytes.Equal(before, after) {
		t.Error("the existing run folder was modified")
	}

	// predict reads the model and prints a forecast in index points.
	p := runTrainer(t, 0, 30*time.Second, "predict", "--model", filepath.Join(dir, "model.json"))
	if p.code != 0 || !strings.Contains(p.stdout, "forecast day +1:") || !strings.Contains(p.stdout, "2020-04-17") {
		t.Errorf("predict: exit %d\n%s%s", p.code, p.stdout, p.stderr)
	}
	// plot history redraws the charts from the saved artifacts.
	for _, f := range []string{"loss.png", "predictions.svg"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	p = runTrainer(t, 0, 30*time.Second, "plot", "history", dir)
	_, err1 := os.Stat(filepath.Join(dir, "loss.png"))
	_, err2 := os.Stat(filepath.Join(dir, "predictions.svg"))
	if p.code != 0 || err1 != nil || err2 != nil {
		t.Errorf("plot history: exit %d %s (%v, %v)", p.code, p.stderr, err1, err2)
	}
}

// checkPredictions reads a run's predictions.csv on the embedded data: one
// row per test window, each with its day's close as the actual value and
// the day before's as persistence's, and mean absolute errors that are
// metrics.json's MAEs in index points.
func checkPredictions(t *testing.T, dir string, m eval.Report) {
	t.Helper()
	rows := readRows(t, filepath.Join(dir, "predictions.csv"))
	if len(rows) != m.Test.N+1 || strings.Join(rows[0], ",") != "date,actual,predicted,persistence" {
		t.Fatalf("predictions.csv: %d lines starting %q, want a header and %d test windows", len(rows), rows[0], m.Test.N)
	}
	s, err := data.LoadEmbedded("close")
	if err != nil {
		t.Fatal(err)
	}
	day := map[string]int{}
	for i, d := range s.Dates {
		day[d.Format(time.DateOnly)] = i
	}
	var maeModel, maePersistence float64
	for _, r := range rows[1:] {
		var v [3]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(r[j+1], 64); err != nil {
				t.Fatalf("predictions.csv %v: %v", r, err)
			}
		}
		i, ok := day[r[0]]
		if !ok || i == 0 || !(math.Abs(v[0]-s.Values[i]) <= 5e-7) || !(math.Abs(v[2]-s.Values[i-1]) <= 5e-7) {
			t.Fatalf("predictions.csv %v: want the close of %s and of the day before from the data", r, r[0])
		}
		maeModel += math.Abs(v[0]-v[1]) / float64(m.Test.N)
		maePersistence += math.Abs(v[0]-v[2]) / float64(m.Test.N)
	}
	if first, last := rows[1][0], rows[len(rows)-1][0]; first != "2017-04-13" || last != "2020-04-17" {
		t.Errorf("predictions.csv runs from %s to %s, want the test period 2017-04-13 .. 2020-04-17", first, last)
	}
	if m.Test.Model.MAEPoints == nil || m.Test.Persistence.MAEPoints == nil ||
		!(math.Abs(maeModel-*m.Test.Model.MAEPoints) <= 1e-5) || !(math.Abs(maePersistence-*m.Test.Persistence.MAEPoints) <= 1e-5) {
		t.Errorf("predictions.csv gives MAEs %.6f (model) and %.6f (persistence); metrics.json says %v and %v",
			maeModel, maePersistence, m.Test.Model.MAEPoints, m.Test.Persistence.MAEPoints)
	}
}

// The NPZ path: prepare writes 5,045 windows split 70/15/15, inspect reports
// them, and --npz_path trains from the file.
func TestPrepareInspectTrain(t *testing.T) {
	dir := t.TempDir()
	npz := filepath.Join(dir, "x.npz")
	r := runTrainer(t, 0, 30*time.Second, "data", "prepare", "--out", npz)
	if r.code != 0 || !strings.Contains(r.stdout, "5045 windows (train 3531, val 756, test 758)") {
		t.Fatalf("prepare: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runTrainer(t, 0, 30*time.Second, "data", "inspect", npz)
	if r.code != 0 || !strings.Contains(r.stdout, "5045 windows") || !strings.Contains(r.stdout, "test    758 windows") {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runTrainer(t, 0, 30*time.Second, "data", "prepare", "--out", npz)
	if r.code != exitUsage || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("prepare over an existing file: exit %d %s", r.code, r.stderr)
	}
	mustTrain(t, 2, filepath.Join(dir, "out"), "npz", "--npz_path", npz, "--epochs", "1", "--no_plots")
}

// Bad data files: one line naming the file (and line), exit 1, nothing written.
func TestBadData(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	short := "Date,Close\n2020-01-02,100\n2020-01-03,101\n"
	neg := "Date,Close\n2020-01-02,100\n2020-01-03,-5\n"
	for _, tc := range []struct {
		name, file, want string
		np               int
	}{
		{"missing csv", filepath.Join(dir, "nope.csv"), "nope.csv", 2},
		{"too few rows", write("short.csv", short), "need at least", 2},
		{"negative price", write("neg.csv", neg), "neg.csv:3", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			r := runTrainer(t, tc.np, time.Minute, "--csv", tc.file, "--out", out)
			if r.code != exitFail || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q: want 1 and %q", r.code, r.stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("bad data created the output folder")
			}
		})
	}
}

// Invariant 3: a rank that reads different data stops the job before
// training, naming itself, with no hang.
func TestDivergentDataStopsTheJob(t *testing.T) {
	mpirun.Require(t)
	a, b := t.TempDir(), t.TempDir()
	var body strings.Builder
	body.WriteString("Date,Close\n")
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&body, "%s,%d\n", day.AddDate(0, 0, i).Format(time.DateOnly), 100+i%17)
	}
	other := strings.Replace(body.String(), ",116\n", ",117\n", 1)
	if other == body.String() {
		t.Fatal("the two files do not differ")
	}
	for dir, s := range map[string]string{a: body.String(), b: other} {
		if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// MPMD: rank 0 runs in folder a, rank 1 in folder b, same arguments.
	args := []string{"--csv", "d.csv", "--out", t.TempDir(), "--epochs", "1"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	full := []string{"-np", "1", "-wdir", a, trainerBin}
	full = append(full, args...)
	full = append(full, ":", "-np", "1", "-wdir", b, trainerBin)
	full = append(full, args...)
	var flags []string
	for _, f := range mpirun.Args(2) {
		if f != "-np" && f != "2" {
			flags = append(flags, f)
		}
	}
	cmd := exec.CommandContext(ctx, "mpirun", append(flags, full...)...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("job hung:\n%s", out)
	}
	if err == nil || !strings.Contains(string(out), "rank 1: data fingerprint") {
		t.Fatalf("want a failure naming rank 1's fingerprint, got err %v:\n%s", err, out)
	}
}

// metrics.json's keys, which the README documents (test.model.mae_points
// is what a sweep reads), each hold the figure of their name.
func TestMetricsJSONKeys(t *testing.T) {
	pts := func(v float64) *float64 { return &v }
	r := eval.Report{
		Val: eval.SplitReport{N: 756, Model: eval.Scores{MAE: 0.03}},
		Test: eval.SplitReport{N: 758, Model: eval.Scores{MSE: 0.001, MAE: 0.02, R2: 0.9, MAEPoints: pts(21.5), RMSEPoints: pts(30.25)},
			Persistence: eval.Scores{MAE: 0.025, MAEPoints: pts(20.1)}, Linear: eval.Scores{MAE: 0.0225},
			Skill: -0.0697, SkillScale: "index points"},
		Points: true,
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]any{
		"val.n": 756.0, "val.model.mae": 0.03, "test.n": 758.0, "test.model.mse": 0.001, "test.model.mae": 0.02, "test.model.r2": 0.9,
		"test.model.mae_points": 21.5, "test.model.rmse_points": 30.25, "test.persistence.mae": 0.025,
		"test.persistence.mae_points": 20.1, "test.linear.mae": 0.0225, "test.skill_vs_persistence": -0.0697,
		"test.skill_scale": "index points", "points_available": true,
	} {
		var v any = doc
		for _, k := range strings.Split(path, ".") {
			obj, _ := v.(map[string]any)
			v = obj[k]
		}
		if v != want {
			t.Errorf("metrics.json %s = %v, want %v", path, v, want)
		}
	}
}
