package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mpitrain/mlp"
)

// trainer bench says how its gradients were summed: through the window
// with the sharded update (auto's choice for the default configuration) or
// the window's whole sum when the ranks share this host, with
// MPI_Allreduce when asked, nothing on one rank.
func TestBenchSaysHowItSums(t *testing.T) {
	for _, tc := range []struct {
		np   int
		args []string
		want string
	}{
		{2, nil, "allreduce=shard allreduce_flag=auto"}, // the default gradient: 98 KB
		{2, []string{"--allreduce", "shm"}, "allreduce=shm allreduce_flag=shm"},
		{2, []string{"--allreduce", "mpi"}, "allreduce=mpi"},
		{1, nil, "allreduce=none"},
	} {
		args := append([]string{"bench", "--epochs", "1", "--warmup", "0", "--peak_n", "0"}, tc.args...)
		r := runTrainer(t, tc.np, 2*time.Minute, args...)
		if r.code != 0 {
			t.Fatalf("np %d trainer %v: exit %d\n%s%s", tc.np, args, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, " "+tc.want+" ") {
			t.Errorf("np %d trainer %v: no %q in\n%s", tc.np, args, tc.want, r.stdout)
		}
	}
	r := runTrainer(t, 0, time.Minute, "bench", "--allreduce", "nccl")
	if r.code != exitUsage || !strings.Contains(r.stderr, `--allreduce "nccl": want auto, shm, shard or mpi`) {
		t.Errorf("--allreduce nccl: exit %d, stderr %q; want exit %d naming the flag", r.code, r.stderr, exitUsage)
	}
}

// At np 2 the sharded update adds the same two values for every element
// as the window's whole sum does (a+b is b+a), and each parameter's update
// is the same arithmetic: the runs must write the same bits, and the
// same checkpoints after every epoch, whose optimizer state rank 0 holds
// whole only after the ranks shared it.
func TestShardedUpdateSameModel(t *testing.T) {
	out := t.TempDir()
	args := []string{"--epochs", "3", "--no_plots", "--checkpoint_every", "1"}
	whole, _ := mustTrain(t, 2, out, "whole", append(args, "--allreduce", "shm")...)
	shard, _ := mustTrain(t, 2, out, "shard", append(args, "--allreduce", "shard")...)
	mw, ms := mustRead(t, filepath.Join(whole, "model.json")), mustRead(t, filepath.Join(shard, "model.json"))
	if len(mw) == 0 || !bytes.Equal(mw, ms) {
		t.Fatal("--allreduce shm and shard wrote different model files at np 2")
	}
	sameHistory(t, whole, shard)
	cw, cs := listCheckpoints(whole), listCheckpoints(shard)
	if len(cw) == 0 || len(cw) != len(cs) {
		t.Fatalf("%d and %d checkpoints", len(cw), len(cs))
	}
	for i := range cw {
		a, errA := mlp.DecodeCheckpoint[float32](mustRead(t, cw[i]))
		b, errB := mlp.DecodeCheckpoint[float32](mustRead(t, cs[i]))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !slices.Equal(a.Params, b.Params) || a.Progress.OptSteps != b.Progress.OptSteps || len(a.Progress.OptBuffer) != 2 || len(b.Progress.OptBuffer) != 2 {
			t.Fatalf("checkpoint %d: parameters or optimizer steps differ", i)
		}
		for k := range a.Progress.OptBuffer {
			if !slices.Equal(a.Progress.OptBuffer[k], b.Progress.OptBuffer[k]) {
				t.Fatalf("checkpoint %d: optimizer buffer %d differs: the state was not whole on rank 0", i, k)
			}
		}
	}
}

// auto chooses the sharded update up to 1 MiB of gradient and the
// window's whole sum above; the other values are kept.
func TestResolveSum(t *testing.T) {
	for _, tc := range []struct {
		sum   string
		n, es int
		want  string
	}{
		{"auto", 24449, 4, "shard"},   // the default MLP
		{"auto", 557057, 4, "shm"},    // the large one
		{"auto", 1 << 18, 4, "shard"}, // 1 MiB exactly
		{"auto", 1<<18 + 1, 4, "shm"},
		{"auto", 1 << 17, 8, "shard"},
		{"auto", 1<<17 + 1, 8, "shm"},
		{"shm", 10, 4, "shm"},
		{"shard", 1 << 30, 4, "shard"},
		{"mpi", 10, 4, "mpi"},
	} {
		if got := resolveSum(tc.sum, tc.n, tc.es); got != tc.want {
			t.Errorf("resolveSum(%q, %d, %d) = %q, want %q", tc.sum, tc.n, tc.es, got, tc.want)
		}
	}
}

// TestBenchCReference: trainer bench --c_reference times the C loop of the
// same sum in the same processes and reports it beside the training
// loop's figure; where it cannot compare, a clear error.
func TestBenchCReference(t *testing.T) {
	cUS := regexp.MustCompile(` c_reference=true c_allreduce_us=([0-9.]+) `)
	for _, sum := range []string{"shm", "mpi"} {
		args := []string{"bench", "--epochs", "2", "--warmup", "1", "--peak_n", "0", "--allreduce", sum, "--c_reference"}
		r := runTrainer(t, 2, 2*time.Minute, args...)
		if r.code != 0 {
			t.Fatalf("np 2 trainer %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		m := cUS.FindStringSubmatch(r.stdout)
		if m == nil || !strings.Contains(r.stdout, " allreduce="+sum+" ") {
			t.Fatalf("np 2 trainer %v: no c_allreduce_us or allreduce=%s in\n%s", args, sum, r.stdout)
		}
		if v, err := strconv.ParseFloat(m[1], 64); err != nil || !(v > 0 && v < 1e5) {
			t.Errorf("--allreduce %s: c_allreduce_us=%s, want a time in microseconds", sum, m[1])
		}
	}
	r := runTrainer(t, 2, 2*time.Minute, "bench", "--epochs", "1", "--warmup", "0", "--peak_n", "0")
	if r.code != 0 || !strings.Contains(r.stdout, " c_reference=false c_allreduce_us=0.00 ") {
		t.Errorf("without --c_reference: exit %d, want c_reference=false in\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, tc := range []struct {
		np   int
		args []string
		want string
	}{
		{0, []string{"--c_reference"}, "--c_reference compares the whole sum: use it with --allreduce shm or mpi, not auto"},
		{0, []string{"--c_reference", "--allreduce", "shard"}, "not shard"},
		{0, []string{"--c_reference", "--allreduce", "shm", "--config", "lstm"}, "--config lstm is not an MLP"},
		{0, []string{"--c_reference", "--allreduce", "shm", "--dtype", "float64"}, "not --dtype float64"},
		{0, []string{"--c_reference", "--allreduce", "mpi", "--epochs", "1", "--peak_n", "0"}, "--c_reference needs 2 ranks or more"},
	} {
		r := runTrainer(t, tc.np, time.Minute, append([]string{"bench"}, tc.args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("np %d bench %v: exit %d, stderr %q; want one line with %q", tc.np, tc.args, r.code, r.stderr, tc.want)
		}
	}
}
