// sweep_test.go: `trainer sweep` under a real mpirun: a grid to the end
// with failing runs recorded, a rerun that skips what is finished, uneven
// groups training with the same engine as trainer, and a stop by signal
// that a rerun continues bit for bit.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"mpitrain/collective/mpirun"
	"mpitrain/mlp/sweep"
)

func readSummary(t *testing.T, dir string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSweepRunsAGrid(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sw")
	args := []string{"sweep", "--grid", "hidden_dim=8,16 lr=1e-3,1e300 seed=1..2", "--out", out, "--epochs", "2", "--no_plots"}
	r := runTrainer(t, 2, 3*time.Minute, args...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	progress := regexp.MustCompile(`(?m)^sweep: (\d)/8 runs, (\d) failed \| .* elapsed, .* \| \S+ (done in|FAILED: mlp: non-finite)`)
	if n := len(progress.FindAllString(r.stdout, -1)); n != 8 {
		t.Errorf("%d progress lines, want one per run:\n%s", n, r.stdout)
	}
	for _, want := range []string{"sweep: 8 runs in the grid; 0 finished before, 0 failed before; 8 to train on 2 rank(s) in 2 group(s) of 1 rank(s)",
		"sweep: 4 of 8 runs done, 4 failed, 0 stopped, 0 not run", "packing efficiency", "sweep: selected on validation: "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	rows := readSummary(t, out)
	if len(rows) != 9 {
		t.Fatalf("summary.csv has %d rows, want a header and 8", len(rows))
	}
	for _, row := range rows[1:] {
		name, lr, status := row[0], row[2], row[4]
		wantStatus := sweep.Done
		if lr == "1e300" {
			wantStatus = sweep.Failed
		}
		if status != wantStatus {
			t.Errorf("%s: status %s, want %s (%v)", name, status, wantStatus, row)
		}
		_, err := os.Stat(filepath.Join(out, "runs", name, "metrics.json"))
		if (status == sweep.Done) != (err == nil) {
			t.Errorf("%s: status %s but metrics.json: %v", name, status, err)
		}
		if status == sweep.Done && (row[9] == "" || row[15] != "") || status == sweep.Failed && !strings.Contains(row[15], "non-finite") {
			t.Errorf("%s: row %v", name, row)
		}
		if status == sweep.Done {
			if h := historyRows(t, filepath.Join(out, "runs", name)); len(h) != 2 {
				t.Errorf("%s: %d epochs in history.csv, want 2", name, len(h))
			}
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !bytes.Contains(md, []byte("**selected**")) || !bytes.Contains(md, []byte("lr=1e-3")) {
		t.Errorf("report.md: %v\n%s", err, md)
	}
	for _, f := range []string{"val_mae.png", "selected_loss.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty (%v)", f, err)
		}
	}
	var info sweepInfo
	if err := readJSON(filepath.Join(out, "sweep.json"), &info); err != nil {
		t.Fatal(err)
	}
	if info.Ranks != 2 || info.GroupSize != 1 || !slices.Equal(info.Groups, []int{1, 1}) ||
		!slices.Contains(info.Base, "--epochs") || !strings.Contains(info.Grid, "hidden_dim") {
		t.Errorf("sweep.json: %+v", info)
	}
	// Again: nothing is trained twice.
	r = runTrainer(t, 2, 3*time.Minute, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "8 runs in the grid; 4 finished before, 4 failed before (--retry_failed trains those again); 0 to train") ||
		!strings.Contains(r.stdout, "no packing efficiency: this invocation trained nothing") {
		t.Errorf("rerun: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// And the report redraws from the folder alone.
	if err := os.Remove(filepath.Join(out, "report.md")); err != nil {
		t.Fatal(err)
	}
	p := runTrainer(t, 0, time.Minute, "plot", "sweep", out)
	if p.code != 0 {
		t.Fatalf("plot sweep: %d %s", p.code, p.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "report.md")); err != nil {
		t.Error(err)
	}
}

// Three ranks in groups of two: one group of two and one of one. Every
// run, whichever group trained it, is the run `trainer` makes with the
// same flags: its history equals a plain run's to 1e-9 (float64).
func TestSweepUnevenGroupsSameEngine(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sw")
	flags := []string{"--epochs", "2", "--dtype", "float64", "--no_plots", "--batch_size", "64"}
	r := runTrainer(t, 3, 3*time.Minute, append([]string{"sweep", "--grid", "hidden_dim=8,12 seed=1..2", "--group_size", "2", "--out", out}, flags...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "1 group(s) of 2 rank(s) and 1 of 1 (the remainder of 3 ranks)") {
		t.Errorf("the remainder is not said:\n%s", r.stdout)
	}
	ranks := map[string]bool{}
	rows := readSummary(t, out)
	if len(rows) != 5 {
		t.Fatalf("summary.csv has %d rows, want a header and 4", len(rows))
	}
	for _, row := range rows[1:] {
		name, hd, seed := row[0], row[1], row[2]
		ranks[row[6]] = true
		ref, _ := mustTrain(t, 1, dir, "ref-"+name, append([]string{"--hidden_dim", hd, "--seed", seed}, flags...)...)
		if h := historyRows(t, ref); len(h) != 2 {
			t.Fatalf("%s: %d epochs, want 2", name, len(h))
		}
		closeHistory(t, ref, filepath.Join(out, "runs", name), 1e-9)
	}
	if !ranks["1"] || !ranks["2"] {
		t.Errorf("runs trained by groups of %v ranks; want both sizes used", ranks)
	}
}

// SIGTERM stops every group at a step with a checkpoint; the same command
// continues, and every stopped run ends bit for bit where a run never
// stopped ends: model, metrics and the history of losses.
func TestSweepStopsAndContinues(t *testing.T) {
	mpirun.Require(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "sw")
	// Runs of several seconds: mpirun takes a second or two to pass the
	// signal on, and runs that end before it stop nothing.
	flags := []string{"--epochs", "120", "--patience", "0", "--no_plots", "--hidden_dim", "64"}
	args := append([]string{"sweep", "--grid", "seed=1..4", "--out", out}, flags...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd, err := mpirun.Command(ctx, 2, trainerBin, args...)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Stop once every group has written a checkpoint of its first run.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		c1 := listCheckpoints(filepath.Join(out, "runs", "seed=1"))
		c2 := listCheckpoints(filepath.Join(out, "runs", "seed=2"))
		if len(c1) > 0 && len(c2) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoints after a minute:\n%s", log.String())
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	start := time.Now()
	err = cmd.Wait()
	t.Logf("stopped %v after the signal", time.Since(start).Round(time.Millisecond))
	if ctx.Err() != nil || err == nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "sweep stopped on a signal; run the same command again to continue") {
		t.Errorf("no stop message:\n%s", log.String())
	}
	var stopped []string // the seeds of the runs stopped
	for _, row := range readSummary(t, out)[1:] {
		if row[2] == sweep.Stopped {
			stopped = append(stopped, row[1])
		}
	}
	if len(stopped) == 0 {
		t.Fatalf("no run recorded as stopped (they ended before the signal): nothing to continue\n%s", log.String())
	}
	r := runTrainer(t, 2, 3*time.Minute, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "sweep: 4 of 4 runs done") {
		t.Fatalf("rerun: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, seed := range stopped {
		ref, _ := mustTrain(t, 1, dir, "ref"+seed, append([]string{"--seed", seed}, flags...)...)
		if h := historyRows(t, ref); len(h) != 120 {
			t.Fatalf("%d epochs in the reference run, want 120", len(h))
		}
		sameRun(t, ref, filepath.Join(out, "runs", "seed="+seed))
	}
}

func TestSweepBadUsage(t *testing.T) {
	out := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--grid", "lr=1"}, "--out DIR is required"},
		{[]string{"--out", out}, "give the grid with --grid or --grid_file"},
		{[]string{"--out", out, "--grid", "learning=1,2"}, `grid key "learning" is not a trainer flag`},
		{[]string{"--out", out, "--grid", "run_id=a,b"}, `grid key "run_id": the sweep sets --run_id`},
		{[]string{"--out", out, "--grid", "lr=1,2", "--lr", "3"}, "--lr is both swept and given"},
		{[]string{"--out", out, "--grid", "lr=1,2", "--run_id", "x"}, "--run_id: the sweep sets it"},
		{[]string{"--out", out, "--grid", "seed=3..1"}, `range "3..1"`},
		{[]string{"--out", out, "--grid_file", filepath.Join(out, "none")}, "--grid_file"},
		{[]string{"--out", out, "--grid", "lr=1", "--group_size", "0"}, "--group_size 0: out of range"},
	} {
		r := runTrainer(t, 0, time.Minute, append([]string{"sweep"}, tc.args...)...)
		checkRefused(t, r, exitUsage, tc.want)
	}
}
