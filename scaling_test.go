// scaling_test.go: the sweep script end to end under mpirun, and the
// summary arithmetic on hand-made run folders.
package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mpitrain/collective/mpirun"
)

// writeRun makes a sweep run folder with the given tag and timing.
func writeRun(t *testing.T, dir, id, tag string, np, batch int, epochSec float64) {
	t.Helper()
	run := filepath.Join(dir, "runs", id)
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	c := defaultConfig()
	c.Tag, c.BatchSize, c.Epochs = tag, batch, 2
	if err := writeJSON(filepath.Join(run, "config.json"), runMeta{Config: c, Ranks: np, MPI: "test MPI"}); err != nil {
		t.Fatal(err)
	}
	tm := timingReport{Ranks: np, GlobalBatch: batch, Epochs: 2, StepsPerEpoch: 10,
		EpochSecMedian: epochSec, StepSecMedian: epochSec / 10, SamplesPerSec: 1000 / epochSec,
		Compute: stat{Mean: 1.2 * epochSec}, Allreduce: stat{Min: 0.2 * epochSec, Mean: 0.4 * epochSec}, Wait: 0.2 * epochSec,
		Total: stat{Mean: 2 * epochSec, Max: 2 * epochSec}}
	if err := writeJSON(filepath.Join(run, "timing.json"), tm); err != nil {
		t.Fatal(err)
	}
}

func TestSummarizeSweep(t *testing.T) {
	dir := t.TempDir()
	// strong, batch 100: np 1 repeats 1.0 / 3.0 / 2.0 s (median 2.0), np 2: 1.25 s.
	writeRun(t, dir, "s1a", "strong", 1, 100, 1.0)
	writeRun(t, dir, "s1b", "strong", 1, 100, 3.0)
	writeRun(t, dir, "s1c", "strong", 1, 100, 2.0)
	writeRun(t, dir, "s2", "strong", 2, 100, 1.25)
	// weak, 50 per rank: np 1 batch 50 at 2.0 s, np 2 batch 100 at 1.6 s.
	writeRun(t, dir, "w1", "weak", 1, 50, 2.0)
	writeRun(t, dir, "w2", "weak", 2, 100, 1.6)
	runs, err := readSweep(dir)
	if err != nil {
		t.Fatal(err)
	}
	rows := summarizeSweep(runs)
	want := []struct {
		mode                    string
		np, batch, repeats      int
		median, lo, hi, speedup float64
	}{
		{"strong", 1, 100, 3, 2.0, 1.0, 3.0, 1},
		{"strong", 2, 100, 1, 1.25, 1.25, 1.25, 1.6},
		{"weak", 1, 50, 1, 2.0, 2.0, 2.0, 1},
		{"weak", 2, 100, 1, 1.6, 1.6, 1.6, 1.25},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Mode != w.mode || r.NP != w.np || r.Batch != w.batch || r.Repeats != w.repeats ||
			r.EpochMedian != w.median || r.EpochMin != w.lo || r.EpochMax != w.hi || !(math.Abs(r.Speedup-w.speedup) <= 1e-12) {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
		if !(math.Abs(r.Efficiency-w.speedup/float64(w.np)) <= 1e-12) {
			t.Errorf("row %d: efficiency %v", i, r.Efficiency)
		}
		// Per-step split from the median repeat: compute 1.2x, allreduce 0.2x, wait 0.2x the epoch over 20 steps.
		if !(math.Abs(r.Compute-1.2*w.median/20) <= 1e-12) || !(math.Abs(r.Allreduce-0.2*w.median/20) <= 1e-12) || !(math.Abs(r.Wait-0.2*w.median/20) <= 1e-12) {
			t.Errorf("row %d: split %v %v %v", i, r.Compute, r.Allreduce, r.Wait)
		}
	}
	writeRun(t, dir, "bad", "other", 1, 100, 1)
	if _, err := readSweep(dir); err == nil {
		t.Error("a run tagged neither strong nor weak was accepted")
	}
}

// The sweep script on a tiny grid: every run folder's timing.json is the
// source of the summary line it contributes to.
func TestSweepScript(t *testing.T) {
	mpirun.Require(t)
	dir := t.TempDir()
	cmd := exec.Command("bash", "scripts/sweep.sh")
	cmd.Env = append(os.Environ(), "TRAINER="+trainerBin, "NPS=1 2", "BATCHES=64", "MODES=strong weak",
		"REPEATS=1", "EPOCHS=1", "RESULTS="+dir, "SWEEP_ID=s", "COSTMODEL=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sweep.sh: %v\n%s", err, out)
	}
	res := filepath.Join(dir, "s")
	for _, f := range []string{"summary.csv", "scaling.png", "breakdown.png", "report.md", "scaling.svg"} {
		if _, err := os.Stat(filepath.Join(res, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	rows := readRows(t, filepath.Join(res, "summary.csv"))
	if len(rows) != 5 {
		t.Fatalf("summary.csv has %d lines, want header + 4", len(rows))
	}
	for _, r := range rows[1:] {
		np, err1 := strconv.Atoi(r[1])
		got, err2 := strconv.ParseFloat(r[5], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("summary.csv row %v: %v, %v", r, err1, err2)
		}
		var tm timingReport
		if err := readJSON(filepath.Join(res, "runs", fmt.Sprintf("%s-b64-np%d-r1", r[0], np), "timing.json"), &tm); err != nil {
			t.Fatal(err)
		}
		if !(math.Abs(got-tm.EpochSecMedian) <= 1e-6) || tm.Ranks != np {
			t.Errorf("%v: epoch_s_median %v, timing.json says %v (np %d)", r, got, tm.EpochSecMedian, tm.Ranks)
		}
	}

	// Weak scaling of a per-rank batch that, times 2, exceeds the 3,531
	// training windows: the np 2 point is skipped, with a message, and
	// the charts are drawn from the rest.
	cmd = exec.Command("bash", "scripts/sweep.sh")
	cmd.Env = append(os.Environ(), "TRAINER="+trainerBin, "NPS=1 2", "BATCHES=2048", "MODES=weak",
		"REPEATS=1", "EPOCHS=1", "RESULTS="+dir, "SWEEP_ID=w", "COSTMODEL=0")
	if out, err = cmd.CombinedOutput(); err != nil {
		t.Fatalf("sweep.sh, weak batch beyond the data: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "skipped: the global batch 4096 exceeds the 3531 training windows") {
		t.Errorf("no message for the skipped point:\n%s", out)
	}
	if rows := readRows(t, filepath.Join(dir, "w", "summary.csv")); len(rows) != 2 || rows[1][1] != "1" {
		t.Errorf("summary.csv %v, want the header and the np 1 point", rows)
	}
	if _, err := os.Stat(filepath.Join(dir, "w", "runs", "weak-b2048-np2-r1")); !os.IsNotExist(err) {
		t.Errorf("the skipped run's folder: %v, want it removed", err)
	}
}
