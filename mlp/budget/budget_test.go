// Tests of the memory limit a rank reads (cgroup v1 and v2, nested, unset)
// from real files laid out as the kernel lays them out, and of the estimate.
package budget

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mpitrain/mlp"
)

// fakeRoot writes files (path relative to the root -> content) under a
// temporary root.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const meminfo = "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20971520 kB\n" // 20 GiB available

func TestRankLimit(t *testing.T) {
	const gib = int64(1) << 30
	for _, tc := range []struct {
		name  string
		files map[string]string
		ranks int
		want  int64
		src   string
	}{
		{"no cgroup limit: available memory over the ranks", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/user.slice\n",
			"sys/fs/cgroup/cgroup.controllers": "memory", "sys/fs/cgroup/user.slice/memory.max": "max\n",
		}, 4, 5 * gib, "MemAvailable 20.0 GiB / 4 ranks on this host"},
		{"cgroup v2 limit of a pod", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/kubepods/pod1/ctr\n",
			"sys/fs/cgroup/cgroup.controllers": "memory", "sys/fs/cgroup/kubepods/pod1/ctr/memory.max": "2147483648\n",
		}, 2, gib, "cgroup v2 memory.max 2.0 GiB / 2 ranks on this host"},
		{"cgroup v2 limit on an ancestor (a Slurm job above its step)", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/system.slice/slurmstepd.scope/job_7/step_0\n",
			"sys/fs/cgroup/cgroup.controllers":                                    "memory",
			"sys/fs/cgroup/system.slice/slurmstepd.scope/job_7/memory.max":        "4294967296\n",
			"sys/fs/cgroup/system.slice/slurmstepd.scope/job_7/step_0/memory.max": "max\n",
		}, 1, 4 * gib, "cgroup v2 memory.max 4.0 GiB"},
		{"cgroup v1 limit", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "4:memory:/docker/abc\n3:cpu:/docker/abc\n",
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "1073741824\n",
		}, 1, gib, "cgroup v1 memory.limit_in_bytes 1.0 GiB"},
		{"cgroup v1 unlimited, as this machine reports it", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "4:memory:/process_api/x\n",
			"sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes": "9223372036854771712\n",
		}, 2, 10 * gib, "MemAvailable 20.0 GiB / 2 ranks on this host"},
		{"a hybrid mount: v2 under unified", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/a\n",
			"sys/fs/cgroup/unified/cgroup.controllers": "", "sys/fs/cgroup/unified/a/memory.max": "536870912\n",
		}, 1, gib / 2, "cgroup v2 memory.max 512 MiB"},
		{"a limit above the available memory does not count", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/a\n",
			"sys/fs/cgroup/cgroup.controllers": "memory", "sys/fs/cgroup/a/memory.max": "68719476736\n",
		}, 1, 20 * gib, "MemAvailable 20.0 GiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := RankLimit(fakeRoot(t, tc.files), tc.ranks)
			if err != nil {
				t.Fatal(err)
			}
			if l.Bytes != tc.want || l.Source != tc.src {
				t.Errorf("limit %d (%s), want %d (%s)", l.Bytes, l.Source, tc.want, tc.src)
			}
		})
	}
	t.Run("no meminfo", func(t *testing.T) {
		if _, err := RankLimit(t.TempDir(), 1); err == nil || !strings.Contains(err.Error(), "meminfo") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("this machine", func(t *testing.T) {
		l, err := RankLimit("/", 1)
		if err != nil || l.Bytes <= 0 {
			t.Fatalf("%+v, %v", l, err)
		}
		t.Logf("one rank may use %s (%s)", Bytes(l.Bytes), l.Source)
	})
}

// Need adds the parts it names: checked on a small mlp by hand.
func TestNeedByHand(t *testing.T) {
	arch := mlp.Config{In: 4, Hidden: []int{3}, Out: 1} // 4*3+3 + 3+1 = 19 parameters
	r := Run{Arch: arch, ElemSize: 8, MaxBatch: 10, Optimizer: "adam", KeepBest: true,
		Train: 100, Val: 20, Test: 20, Days: 144, Window: 4, Horizon: 1}
	e, err := Need(r)
	if err != nil {
		t.Fatal(err)
	}
	want := Estimate{Params: 19 * 8, Grads: 22 * 8, Optimizer: 2 * 19 * 8, Best: 19 * 8,
		// hidden out and its gradient (10x3 twice), the output (10x1), the
		// step's rows, targets and output gradient (10x(4+2)).
		Activations: (60 + 10 + 60) * 8,
		Data:        144*32 + 140*(8*(4+2+1)+24) + 120*5*8,
		Runtime:     Runtime}
	want.Total = want.Params + want.Grads + want.Optimizer + want.Best + want.Activations + want.Data + want.Runtime
	if e != want {
		t.Errorf("estimate\n %+v, want\n %+v", e, want)
	}
	r.Root, r.Plots, r.Singleton, r.Optimizer, r.KeepBest = true, true, true, "sgd", false
	if e, err = Need(r); err != nil {
		t.Fatal(err)
	}
	if e.Optimizer != 19*8 || e.Best != 0 || e.Artifacts != 19*8+artifactBuffers+plotBuffers || e.Runtime != Runtime+Singleton {
		t.Errorf("rank 0, sgd, no early stopping: %+v", e)
	}
	if part, _, flags := e.Largest(); !strings.Contains(part, "parameters") || !strings.Contains(flags, "--hidden_dim") {
		t.Errorf("largest %q %q", part, flags)
	}
	// The window of the shared-memory sum counts in the total and with
	// the model's part.
	r.SumWindow = 1 << 20
	w, err := Need(r)
	if err != nil {
		t.Fatal(err)
	}
	if w.SumWindow != 1<<20 || w.Total != e.Total+1<<20 {
		t.Errorf("with a 1 MiB sum window: window %d, total %d, want 1 MiB and %d", w.SumWindow, w.Total, e.Total+1<<20)
	}
	if part, bytes, _ := w.Largest(); !strings.Contains(part, "parameters") || bytes != w.Params+w.Grads+w.Optimizer+w.Best+w.Artifacts+1<<20 {
		t.Errorf("largest with the window: %q %d", part, bytes)
	}
	if _, err := Need(Run{Arch: arch, ElemSize: 4, MaxBatch: 1, SumWindow: -1}); err == nil {
		t.Error("a negative sum window: want an error")
	}
	// Rank 0 with two outputs, a horizon of 2 and a shard of one row: every
	// part worked out by hand. 4*3+3 + 3*2+2 = 23 parameters.
	r0 := Run{Arch: mlp.Config{In: 4, Hidden: []int{3}, Out: 2}, ElemSize: 8, MaxBatch: 1, Optimizer: "adam", Root: true,
		Train: 100, Val: 20, Test: 20, Days: 145, Window: 4, Horizon: 2}
	got, err := Need(r0)
	if err != nil {
		t.Fatal(err)
	}
	want0 := Estimate{Params: 23 * 8, Grads: 26 * 8, Optimizer: 2 * 23 * 8,
		// hidden out and its gradient (1x3 twice), the output (1x2), the
		// row's inputs, targets and output gradient (1x(4+2*2)).
		Activations: (6 + 2 + 8) * 8,
		// the series, the windows (X 4, Y 2, targets 2, last close 1, a
		// date), train and val at T, and rank 0's val and test copies
		// with their outputs and targets in float64
		Data:      145*32 + 140*(8*(4+2*2+1)+24) + 120*6*8 + 40*(4*8+2*2*8),
		Artifacts: 23*8 + artifactBuffers,
		Runtime:   Runtime}
	want0.Total = want0.Params + want0.Grads + want0.Optimizer + want0.Activations + want0.Data + want0.Artifacts + want0.Runtime
	if got != want0 {
		t.Errorf("rank 0, two outputs, horizon 2, one row:\n %+v, want\n %+v", got, want0)
	}
	big := Run{Arch: mlp.Config{In: 60, Hidden: []int{8}, Out: 1}, ElemSize: 4, MaxBatch: 1 << 20, Window: 60, Horizon: 1}
	if e, err := Need(big); err != nil || !strings.Contains(func() string { p, _, f := e.Largest(); return p + f }(), "--batch_size") {
		t.Errorf("a huge batch: %+v, %v", e, err)
	}
}
