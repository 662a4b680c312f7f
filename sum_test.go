package main

import (
	"strings"
	"testing"
	"time"
)

// trainer bench says how its gradients were summed: through the window
// when the ranks share this host, with MPI_Allreduce when asked, nothing
// on one rank.
func TestBenchSaysHowItSums(t *testing.T) {
	for _, tc := range []struct {
		np   int
		args []string
		want string
	}{
		{2, nil, "allreduce=shm"},
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
	if r.code != exitUsage || !strings.Contains(r.stderr, `--allreduce "nccl": want shm or mpi`) {
		t.Errorf("--allreduce nccl: exit %d, stderr %q; want exit %d naming the flag", r.code, r.stderr, exitUsage)
	}
}
