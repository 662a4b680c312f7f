// bounds_test.go: hostile and mistyped sizes, inputs without end, panics
// and run ids: each ends within seconds with one line, under a real mpirun.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mpitrain/collective"
	"mpitrain/collective/mpirun"
)

func TestSizeFlagsOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		np   int
		args []string
		want string
	}{
		{2, []string{"--hidden_dim", "2000000000"}, "--hidden_dim 2000000000: out of range 1..65,536"},
		{2, []string{"--batch_size", "-5"}, "--batch_size -5: out of range 1..1,099,511,627,776"},
		{0, []string{"--window", "0"}, "--window 0: out of range 1..10,000"},
		{0, []string{"--horizon", "5000"}, "--horizon 5000: out of range 1..1,000"},
		{0, []string{"--num_layers", "1000"}, "--num_layers 1000: out of range 1..256"},
		{0, []string{"--epochs", "0"}, "--epochs 0: out of range 1..10,000,000"},
		{0, []string{"--patience", "-1"}, "--patience -1: out of range 0..10,000,000"},
		{0, []string{"--checkpoint_every", "-2"}, "--checkpoint_every -2: out of range"},
		{0, []string{"--keep_checkpoints", "0"}, "--keep_checkpoints 0: out of range 1..10,000"},
		{0, []string{"--layers", "5,100000"}, `--layers "5,100000": "100000" is not a width in 1..65,536`},
		{0, []string{"--layers", strings.Repeat("4,", 300) + "4"}, "--layers: 301 widths, at most 256"},
		{0, []string{"--model", "lstm", "--layers", "8,8"}, "--layers: applies to --model mlp only"},
		{0, []string{"--heads", "3"}, "--heads: applies to --model transformer only"},
	} {
		t.Run(strings.Join(tc.args, " ")[:min(40, len(strings.Join(tc.args, " ")))], func(t *testing.T) {
			out := t.TempDir()
			r := runTrainer(t, tc.np, 30*time.Second, append([]string{"--out", out}, tc.args...)...)
			checkRefused(t, r, exitUsage, tc.want)
			if entries, err := os.ReadDir(out); err != nil || len(entries) != 0 {
				t.Errorf("a refused run left %d entries in --out (%v)", len(entries), err)
			}
		})
	}
}

// A network that cannot fit in memory is refused on every rank before it
// is allocated, with both figures and the flags to change.
func TestRunThatCannotFit(t *testing.T) {
	out := t.TempDir()
	r := runTrainer(t, 2, 30*time.Second, "--out", out, "--layers", "60000,60000,60000")
	checkRefused(t, r, exitUsage, "this run needs about ")
	for _, want := range []string{"may use ", "MemAvailable", "lower --hidden_dim, --num_layers or --layers"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("message lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "out of memory") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("the run allocated before refusing:\n%s", r.stderr)
	}
	if entries, err := os.ReadDir(out); err != nil || len(entries) != 0 {
		t.Errorf("a refused run left %d entries in --out (%v)", len(entries), err)
	}
	t.Logf("refused after %v (mpirun start-up included)", r.took.Round(time.Millisecond))
	if r.took > 10*time.Second {
		t.Errorf("took %v", r.took)
	}
}

// A global batch beyond the training set is one batch per epoch, said
// once, and is not allocated at its nominal size.
func TestBatchBeyondTrainingSet(t *testing.T) {
	out := t.TempDir()
	dir, r := mustTrain(t, 2, out, "huge", "--batch_size", "99999999999", "--epochs", "2", "--no_plots")
	if n := strings.Count(r.stdout, "--batch_size 99999999999 exceeds the 3531 training windows: one batch of all of them per epoch"); n != 1 {
		t.Errorf("the batch note appears %d times, want once:\n%s", n, r.stdout)
	}
	var meta struct {
		Config Config `json:"config"`
	}
	mustReadJSON(t, filepath.Join(dir, "config.json"), &meta)
	if meta.Config.BatchSize != 3531 {
		t.Errorf("config.json batch_size %d, want 3531", meta.Config.BatchSize)
	}
	var tm timingReport
	mustReadJSON(t, filepath.Join(dir, "timing.json"), &tm)
	if tm.StepsPerEpoch != 1 || tm.Epochs != 2 {
		t.Errorf("%d steps per epoch, %d epochs; want 1 and 2", tm.StepsPerEpoch, tm.Epochs)
	}
	for rank, row := range tm.PerRank {
		if len(row) != 5 || row[4] > 400 {
			t.Errorf("rank %d timing %v: want a peak RSS column below 400 MiB", rank, row)
		}
	}
}

func mustReadJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// --csv pointed at a stream that never ends is refused at the CSV limits.
func TestEndlessCSVStream(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "endless.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // one writer; both ranks' readers share the pipe, as a stream would be shared
		defer wg.Done()
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		f.WriteString("Date,Close\n")
		line := []byte(strings.Repeat("2000-01-03,1469.25\n", 512))
		for ctx.Err() == nil {
			if _, err := f.Write(line); err != nil {
				return
			}
		}
	}()
	r := runTrainer(t, 0, time.Minute, "--out", dir, "--csv", fifo)
	cancel()
	// Unblock the writer if the trainer never opened the pipe.
	if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
	wg.Wait()
	checkRefused(t, r, exitFail, "endless.csv: more than 500000 data rows (the limit of a CSV file")
	if r.took > 30*time.Second {
		t.Errorf("took %v", r.took)
	}
}

// A panic on one rank is one line naming the rank and ends the job; the
// trace goes to a file, or to stderr with MPITRAIN_TRACEBACK=1.
func TestPanicIsOneLine(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     string
		traceback bool
		rank      string
	}{
		{"rank 1, trace to the temporary folder", "panic@3/1", false, "rank 1"},
		{"rank 0, trace to the run folder", "panic@3/0", false, "rank 0"},
		{"rank 1, trace on stderr", "panic@3/1", true, "rank 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mpirun.Require(t)
			out, tmp := t.TempDir(), t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd, err := mpirun.Command(ctx, 2, trainerBin, "--out", out, "--run_id", "p", "--epochs", "2", "--quiet", "--no_plots")
			if err != nil {
				t.Fatal(err)
			}
			env := []string{faultEnv + "=" + tc.fault, "TMPDIR=" + tmp}
			pass := []string{"-x", faultEnv, "-x", "TMPDIR"}
			if tc.traceback {
				env = append(env, tracebackEnv+"=1")
				pass = append(pass, "-x", tracebackEnv)
			}
			cmd.Env = append(os.Environ(), env...)
			cmd.Args = append(cmd.Args[:1], append(pass, cmd.Args[1:]...)...)
			var so, se strings.Builder
			cmd.Stdout, cmd.Stderr = &so, &se
			start := time.Now()
			err = cmd.Run()
			took := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("hang:\n%s%s", so.String(), se.String())
			}
			if err == nil {
				t.Fatal("exit 0 after a panic")
			}
			var lines []string
			for _, l := range strings.Split(se.String(), "\n") {
				if strings.HasPrefix(l, "trainer: ") && strings.Contains(l, "internal error") {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 || !strings.Contains(lines[0], "trainer: "+tc.rank+": internal error: MPITRAIN_FAULT: injected panic at step 3") {
				t.Fatalf("want one line naming %s, got:\n%s", tc.rank, se.String())
			}
			traces := strings.Count(se.String()+so.String(), "goroutine ")
			if tc.traceback != (traces > 0) {
				t.Fatalf("traceback %v but %d goroutine dumps on the terminal:\n%s", tc.traceback, traces, se.String())
			}
			if !tc.traceback {
				m := regexp.MustCompile(`stack trace: (\S+);`).FindStringSubmatch(lines[0])
				if m == nil {
					t.Fatalf("the line names no trace file: %s", lines[0])
				}
				want := tmp
				if tc.rank == "rank 0" {
					want = filepath.Join(out, "p")
				}
				if filepath.Dir(m[1]) != want {
					t.Errorf("trace in %s, want in %s", m[1], want)
				}
				b, err := os.ReadFile(m[1])
				if err != nil || !strings.Contains(string(b), "goroutine ") {
					t.Errorf("trace file %s: %v\n%s", m[1], err, b)
				}
			}
			t.Logf("ended after %v", took.Round(time.Millisecond))
		})
	}
}

var defaultID = regexp.MustCompile(`^run-\d{8}-\d{6}\.\d{3}-[0-9a-f]{6}$`)

// Many runs started at once with the default run id each get a folder.
func TestDefaultRunIDsDoNotCollide(t *testing.T) {
	out := t.TempDir()
	const runs = 8
	var wg sync.WaitGroup
	codes := make([]int, runs)
	logs := make([]string, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(trainerBin, "--out", out, "--epochs", "1", "--hidden_dim", "8", "--quiet", "--no_plots")
			b, err := cmd.CombinedOutput()
			logs[i] = string(b)
			if ee, ok := err.(*exec.ExitError); ok {
				codes[i] = ee.ExitCode()
			} else if err != nil {
				codes[i] = -1
			}
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 0 {
			t.Errorf("run %d: exit %d\n%s", i, c, logs[i])
		}
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !defaultID.MatchString(e.Name()) {
			t.Errorf("run folder %q is not run-<date>-<time.ms>-<hex>", e.Name())
		}
		if m := readMetrics(t, filepath.Join(out, e.Name())); m.Test.N != 758 {
			t.Errorf("%s: metrics.json has %d test windows, want 758", e.Name(), m.Test.N)
		}
		names = append(names, e.Name())
	}
	if len(names) != runs {
		t.Fatalf("%d run folders for %d runs: %v", len(names), runs, names)
	}
	a, b := defaultRunID(time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)), defaultRunID(time.Date(2026, 1, 2, 3, 4, 5, 7e6, time.UTC))
	if s := []string{b, a}; !sort.StringsAreSorted([]string{a, b}) || s[1] != a {
		t.Errorf("%s sorts after %s", a, b)
	}
	if !strings.HasPrefix(a, "run-20260102-030405.006-") {
		t.Errorf("default id %s", a)
	}
}

// A run the kernel kills before its first checkpoint leaves its
// config.json and no metrics; --resume=auto starts it over, an explicit id
// that exists is refused without --overwrite or --resume, and a later
// default id does not collide with it.
func TestKilledBeforeFirstCheckpoint(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, trainerBin, "--out", out, "--run_id", "k", "--epochs", "50", "--layers", "512,512,512",
		"--batch_size", "64", "--checkpoint_every", "1000", "--quiet", "--no_plots")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(out, "k")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(run, "config.json")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no config.json after 30 s")
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	entries, err := os.ReadDir(run)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "config.json" {
		t.Fatalf("a run killed before its first checkpoint left %v, want config.json alone", names)
	}
	r := runTrainer(t, 0, time.Minute, "--out", out, "--run_id", "k", "--epochs", "1", "--quiet", "--no_plots")
	checkRefused(t, r, exitUsage, "run folder "+run+" already exists")
	_, r = mustTrain(t, 0, out, "k", "--resume=auto", "--epochs", "1", "--no_plots")
	if strings.Contains(r.stdout, "resume:") {
		t.Errorf("a run with no checkpoint claimed to resume:\n%s", r.stdout)
	}
	if h := historyRows(t, run); len(h) != 1 {
		t.Errorf("the restarted run has %d epochs in history.csv, want 1", len(h))
	}
	if m := readMetrics(t, run); m.Test.N != 758 {
		t.Errorf("the restarted run's metrics.json has %d test windows, want 758", m.Test.N)
	}
	r = runTrainer(t, 0, time.Minute, "--out", out, "--epochs", "1", "--quiet", "--no_plots")
	if r.code != 0 {
		t.Fatalf("a default id next to the killed run: exit %d\n%s", r.code, r.stderr)
	}
	if n, err := os.ReadDir(out); err != nil || len(n) != 2 {
		t.Errorf("%d folders, want the killed run's and a new one (%v)", len(n), err)
	}
}

// The memory estimate printed in the model line and saved in config.json is
// within 25% of each rank's measured peak RSS for the benchmark
// configurations.
func TestMemoryEstimateMatchesRSS(t *testing.T) {
	for _, bc := range benchConfigs {
		for _, np := range []int{0, 1, 2} { // 0: a singleton, without mpirun
			t.Run(fmt.Sprintf("%s/np%d", bc.name, np), func(t *testing.T) {
				args := []string{"--epochs", "3", "--batch_size", fmt.Sprint(bc.batch), "--no_plots"}
				args = append(args, benchArchFlags(bc)...)
				dir, r := mustTrain(t, np, t.TempDir(), "m", args...)
				if !strings.Contains(r.stdout, "memory about ") {
					t.Errorf("the model line has no estimate:\n%s", r.stdout)
				}
				var meta runMeta
				mustReadJSON(t, filepath.Join(dir, "config.json"), &meta)
				var tm timingReport
				mustReadJSON(t, filepath.Join(dir, "timing.json"), &tm)
				if len(tm.PerRank) != max(np, 1) {
					t.Fatalf("%d ranks in timing.json, want %d", len(tm.PerRank), max(np, 1))
				}
				// Two ranks on this host sum through the shared-memory window.
				win := int64(0)
				if np == 2 {
					win = collective.SharedWindowBytes(bc.arch.NumParams()+3, 4)
				}
				if meta.Memory.Rank0.SumWindow != win {
					t.Errorf("rank 0's sum window %d bytes, want %d", meta.Memory.Rank0.SumWindow, win)
				}
				for rank, row := range tm.PerRank {
					est := meta.Memory.OtherRanks
					if rank == 0 {
						est = meta.Memory.Rank0.Total
					}
					rss := row[4] * (1 << 20)
					off := (float64(est) - rss) / rss
					t.Logf("rank %d: estimate %.1f MiB, peak RSS %.1f MiB (%+.0f%%)", rank, float64(est)/(1<<20), row[4], 100*off)
					if off < -0.25 || off > 0.25 {
						t.Errorf("rank %d: estimate %.1f MiB is %+.0f%% off the peak RSS %.1f MiB", rank, float64(est)/(1<<20), 100*off, row[4])
					}
				}
			})
		}
	}
}
