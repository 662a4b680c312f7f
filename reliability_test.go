// reliability_test.go: a killed rank, a signal, a non-finite value and bad
// input, each under a real mpirun: no hang, a clear message, nothing lost,
// and a resumed run that ends exactly where an uninterrupted one does.
package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mpitrain/collective/mpirun"
	"mpitrain/mlp"
)

// longArgs is a run long enough to be interrupted by a SIGKILL: small net,
// many epochs (a few seconds at np 4).
var longArgs = []string{"--epochs", "400", "--hidden_dim", "32", "--patience", "0", "--no_plots", "--quiet"}

// signalArgs runs several seconds at np 2 with fewer, longer epochs: mpirun
// takes about a second to pass a SIGTERM on to the ranks.
var signalArgs = []string{"--epochs", "160", "--layers", "256,256", "--patience", "0", "--no_plots", "--quiet"}

// startSlowTrainer starts the trainer under mpirun without waiting, every
// rank sleeping ms milliseconds before each gradient Allreduce
// (MPITRAIN_FAULT=slow@MS), so the run is still training when the test
// interrupts it, however fast the machine; the numbers it computes are
// those of a run at full speed.
func startSlowTrainer(t *testing.T, ctx context.Context, np, ms int, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd, out := startTrainerEnv(t, ctx, np, []string{faultEnv + "=slow@" + strconv.Itoa(ms)}, args...)
	return cmd, out
}

// startTrainerEnv starts the trainer under mpirun without waiting, with env
// added to every rank's environment.
func startTrainerEnv(t *testing.T, ctx context.Context, np int, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	mpirun.Require(t)
	cmd, err := mpirun.Command(ctx, np, trainerBin, args...)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), env...)
	var pass []string
	for _, e := range env {
		name, _, _ := strings.Cut(e, "=")
		pass = append(pass, "-x", name)
	}
	cmd.Args = append(cmd.Args[:1], append(pass, cmd.Args[1:]...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// waitForCheckpoint waits until run has a checkpoint after at least epoch
// `epoch`, so an interruption has something to resume from.
func waitForCheckpoint(t *testing.T, run string, epoch int) {
	t.Helper()
	want := checkpointName(epoch, 0)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if c := listCheckpoints(run); len(c) > 0 && filepath.Base(c[len(c)-1]) >= want {
			return
		}
	}
	t.Fatalf("no checkpoint after epoch %d in %s within a minute", epoch, run)
}

// waitExit waits for cmd and returns its exit code and how long it took
// after `since`; it fails the test past limit.
func waitExit(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer, since time.Time, limit time.Duration) (int, time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		took := time.Since(since)
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), took
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, took
	case <-time.After(limit):
		cmd.Process.Kill()
		t.Fatalf("job still running %v after the interruption: it hangs\n%s", limit, out)
	}
	return 0, 0
}

// sameRun fails unless two runs end alike: model.json and metrics.json
// byte for byte, and history.csv's epochs and losses character for
// character. The history holds what the model does not: the train loss of
// an epoch a resume cut in two sums squared errors from both sides of the
// stop.
func sameRun(t *testing.T, a, b string) {
	t.Helper()
	for _, f := range []string{"model.json", "metrics.json"} {
		x, y := mustRead(t, filepath.Join(a, f)), mustRead(t, filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Fatalf("%s/%s differs from %s/%s:\n%.2000s\n%.2000s", a, f, b, f, x, y)
		}
	}
	sameHistory(t, a, b)
}

// A rank SIGKILLed at a random moment of an np 4 run ends the job within
// seconds, with a non-zero exit naming the rank; resuming ends with the
// model an uninterrupted run makes, bit for bit.
func TestKilledRankEndsJobAndResumes(t *testing.T) {
	out := t.TempDir()
	ref, _ := mustTrain(t, 4, out, "ref", longArgs...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd, log := startSlowTrainer(t, ctx, 4, 5, append([]string{"--out", out, "--run_id", "killed"}, longArgs...)...)
	run := filepath.Join(out, "killed")
	waitForCheckpoint(t, run, 2)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
	pids := childPIDs(cmd.Process.Pid)
	if len(pids) != 4 {
		t.Fatalf("ranks of mpirun %d: %v, want 4", cmd.Process.Pid, pids)
	}
	pid := pids[rng.IntN(len(pids))]
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	code, took := waitExit(t, cmd, log, killed, 30*time.Second)
	t.Logf("SIGKILL of pid %d (seed %d): mpirun exited %d after %v", pid, seed, code, took.Round(time.Millisecond))
	if code == 0 {
		t.Fatalf("mpirun exited 0 after a rank was killed:\n%s", log)
	}
	if !strings.Contains(log.String(), "rank") || !strings.Contains(log.String(), "signal 9") {
		t.Errorf("no message naming the killed rank:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(run, "model.json")); err == nil {
		t.Fatal("the run finished before the kill: the test proved nothing")
	}

	r := runTrainer(t, 4, 2*time.Minute, append([]string{"--out", out, "--run_id", "killed", "--resume"}, longArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "resume: from the checkpoint") {
		t.Fatalf("resume: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sameRun(t, ref, run)
}

// SIGTERM (what Kubernetes sends) stops the job at a step, rank 0 writes a
// checkpoint there, every rank exits non-zero; resuming at the same np ends
// bitwise identical to a run never stopped.
func TestSignalCheckpointsAndResumes(t *testing.T) {
	out := t.TempDir()
	ref, _ := mustTrain(t, 2, out, "ref", signalArgs...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd, log := startSlowTrainer(t, ctx, 2, 5, append([]string{"--out", out, "--run_id", "stopped"}, signalArgs...)...)
	run := filepath.Join(out, "stopped")
	waitForCheckpoint(t, run, 2)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(t, cmd, log, sent, 30*time.Second)
	t.Logf("SIGTERM to mpirun: exit %d after %v", code, took.Round(time.Millisecond))
	if code == 0 || !strings.Contains(log.String(), "stopped on a signal") || !strings.Contains(log.String(), "--resume") {
		t.Fatalf("exit %d, want non-zero with a stop message:\n%s", code, log)
	}
	if _, err := os.Stat(filepath.Join(run, "model.json")); err == nil {
		t.Fatal("the run finished before the signal: the test proved nothing")
	}
	// --resume=auto, as a retried Kubernetes job runs it: resumes when there is a checkpoint.
	r := runTrainer(t, 2, 2*time.Minute, append([]string{"--out", out, "--run_id", "stopped", "--resume=auto"}, signalArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "resume: from the checkpoint") {
		t.Fatalf("resume: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The stop is at a step, mid-epoch unless it is an epoch's last: the
	// resumed epoch's train loss then sums errors from both sides of it.
	line, _, _ := strings.Cut(r.stdout[strings.Index(r.stdout, "resume: "):], "\n")
	t.Log(line)
	sameRun(t, ref, run)
}

// Resuming at another rank count gives the same loss history to 1e-9
// (float64): the global batch, not the ranks, fixes the result.
func TestResumeAtOtherRankCount(t *testing.T) {
	out := t.TempDir()
	args := []string{"--dtype", "float64", "--epochs", "5", "--hidden_dim", "32", "--patience", "0", "--no_plots", "--keep_checkpoints", "5"}
	ref, _ := mustTrain(t, 2, out, "np2", args...)
	ckpt := filepath.Join(out, "e2.ckpt") // a checkpoint outside its run: resumed into a new run folder
	b := mustRead(t, filepath.Join(ref, checkpointDir, checkpointName(2, 0)))
	if err := os.WriteFile(ckpt, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dir, r := mustTrain(t, 3, out, "np3", append(args, "--resume="+ckpt)...)
	if !strings.Contains(r.stdout, "resume: from the checkpoint") {
		t.Fatalf("the run did not resume:\n%s", r.stdout)
	}
	if h := historyRows(t, dir); len(h) != 5 {
		t.Fatalf("%d epochs after the resume, want 5", len(h))
	}
	closeHistory(t, ref, dir, 1e-9)
}

// A non-finite gradient on one rank stops every rank at the same step with
// one message naming epoch, step and value; the last good checkpoint stays.
func TestNonFiniteStopsEveryRank(t *testing.T) {
	mpirun.Require(t)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, err := mpirun.Command(ctx, 3, trainerBin, "--out", out, "--run_id", "nan", "--epochs", "8", "--hidden_dim", "32", "--quiet", "--no_plots")
	if err != nil {
		t.Fatal(err)
	}
	// 3531 windows in batches of 128: 28 steps per epoch; step 100 is epoch 4, step 16.
	cmd.Env = append(os.Environ(), faultEnv+"=nan@100/2")
	cmd.Args = append(cmd.Args[:1], append([]string{"-x", faultEnv}, cmd.Args[1:]...)...)
	start := time.Now()
	outb, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("hang:\n%s", outb)
	}
	t.Logf("non-finite gradient: exit after %v", time.Since(start).Round(time.Millisecond))
	if err == nil {
		t.Fatalf("exit 0 after a NaN:\n%s", outb)
	}
	msg := string(outb)
	if n := strings.Count(msg, "trainer:"); n != 1 || !strings.Contains(msg, "non-finite gradient NaN") ||
		!strings.Contains(msg, "epoch 4, step 16") || !strings.Contains(msg, "ckpt-e00003-s000000.ckpt") {
		t.Fatalf("want one message naming the value, epoch 4, step 16 and the last checkpoint:\n%s", msg)
	}
	c := listCheckpoints(filepath.Join(out, "nan"))
	if len(c) == 0 || filepath.Base(c[len(c)-1]) != checkpointName(3, 0) {
		t.Fatalf("checkpoints %v: want the last good one, after epoch 3", c)
	}
	if _, err := mlp.DecodeCheckpoint[float32](mustRead(t, c[len(c)-1])); err != nil {
		t.Fatalf("the last good checkpoint is damaged: %v", err)
	}
}

// --resume=auto on a run with no checkpoint yet (a job's first attempt)
// starts it; without --run_id it is a usage error.
func TestResumeAutoStartsFresh(t *testing.T) {
	out := t.TempDir()
	dir, r := mustTrain(t, 2, out, "first", "--resume=auto", "--epochs", "1", "--no_plots")
	if strings.Contains(r.stdout, "resume:") {
		t.Errorf("a fresh run claimed to resume:\n%s", r.stdout)
	}
	if c := listCheckpoints(dir); len(c) != 1 || filepath.Base(c[0]) != checkpointName(1, 0) {
		t.Errorf("checkpoints %v, want one, after epoch 1", c)
	} else if ck, err := mlp.DecodeCheckpoint[float32](mustRead(t, c[0])); err != nil || ck.Progress.Epoch != 1 || len(ck.Progress.History) != 1 {
		t.Errorf("checkpoint %s: %v, want one epoch done", c[0], err)
	}
	if h := historyRows(t, dir); len(h) != 1 {
		t.Errorf("%d epochs in history.csv, want 1", len(h))
	}
	r = runTrainer(t, 2, time.Minute, "--out", out, "--resume=auto")
	checkRefused(t, r, exitUsage, "--resume=auto: needs --run_id")
}

// childPIDs lists the processes whose parent is ppid, from /proc (mpirun
// starts local ranks as its own children).
func childPIDs(ppid int) []int {
	var kids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) > 1 && fields[1] == strconv.Itoa(ppid) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			kids = append(kids, pid)
		}
	}
	return kids
}
