// badinput_test.go: every kind of bad input, run under a real mpirun: a
// non-zero exit, one line naming the culprit, no hang, nothing written.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// snapshot lists every file under dir with its modification time, mode and
// size.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		m[p] = fmt.Sprintf("%s/%s/%d", info.ModTime(), info.Mode(), info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mountTmpfs mounts a tmpfs with opts on a new folder (root only) and
// unmounts it at the end of the test.
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("this case needs root to mount a tmpfs, and CI runs as root")
		}
		t.Skip("needs root to mount a tmpfs (CI runs it as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

func TestBadInputRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "outputs")
	// A finished run to take checkpoints from, and a run of another model.
	mustTrain(t, 2, out, "done", "--epochs", "2", "--no_plots")
	mustTrain(t, 2, out, "small", "--epochs", "1", "--hidden_dim", "16", "--no_plots")
	corrupt := filepath.Join(dir, "corrupt.ckpt")
	good := mustRead(t, filepath.Join(out, "done", checkpointDir, checkpointName(2, 0)))
	if err := os.WriteFile(corrupt, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	smallCkpt := filepath.Join(out, "small", checkpointDir, checkpointName(1, 0))
	if _, err := os.Stat(smallCkpt); err != nil {
		t.Fatal(err)
	}
	csvDir := filepath.Join(dir, "a-folder.csv")
	if err := os.Mkdir(csvDir, 0o755); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		np   int
		args []string
		code int
		want string // in the one error line
	}{
		{"unknown flag", 2, []string{"--bogus"}, 2, "-bogus"},
		{"zero epochs", 2, []string{"--epochs", "0"}, 2, "--epochs 0"},
		{"negative batch", 2, []string{"--batch_size", "-1"}, 2, "--batch_size -1"},
		{"zero lr", 2, []string{"--lr", "0"}, 2, "--lr 0"},
		{"batch below ranks", 3, []string{"--batch_size", "2"}, 2, "--batch_size 2 is smaller than the 3 ranks"},
		{"window beyond series", 2, []string{"--window", "6000"}, 1, "need at least"},
		{"missing csv", 2, []string{"--csv", filepath.Join(dir, "nope.csv")}, 1, "nope.csv"},
		{"unreadable csv", 2, []string{"--csv", csvDir}, 1, "a-folder.csv"},
		{"missing npz", 2, []string{"--npz_path", filepath.Join(dir, "nope.npz")}, 1, "nope.npz"},
		{"existing run folder", 2, []string{"--run_id", "done"}, 2, "already exists"},
		{"corrupt checkpoint", 2, []string{"--resume=" + corrupt, "--run_id", "new"}, 1, "checksum mismatch"},
		{"checkpoint of another model", 2, []string{"--resume=" + smallCkpt}, 2, "--layers/--hidden_dim/--num_layers [16 16], this run has [128 128]"},
		{"checkpoint of another dtype", 2, []string{"--resume=" + smallCkpt, "--hidden_dim", "16", "--dtype", "float64"}, 1, "holds float32 parameters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, out)
			if len(before) < 10 {
				t.Fatalf("the output folder holds %d entries, not the two runs", len(before))
			}
			r := runTrainer(t, tc.np, 30*time.Second, append([]string{"--out", out, "--epochs", "2"}, tc.args...)...)
			checkRefused(t, r, tc.code, tc.want)
			after := snapshot(t, out)
			if len(after) != len(before) {
				t.Errorf("the output folder changed: %d entries before, %d after", len(before), len(after))
			}
			for p, v := range before {
				if after[p] != v {
					t.Errorf("%s changed", p)
				}
			}
		})
	}

	t.Run("read-only output folder", func(t *testing.T) {
		ro := mountTmpfs(t, "ro,size=1m")
		r := runTrainer(t, 2, 30*time.Second, "--out", filepath.Join(ro, "outputs"), "--epochs", "1")
		checkRefused(t, r, 1, "read-only file system")
	})
	t.Run("full disk", func(t *testing.T) {
		full := mountTmpfs(t, "size=64k")
		r := runTrainer(t, 2, 30*time.Second, "--out", full, "--run_id", "r", "--epochs", "2")
		checkRefused(t, r, 1, "no space left on device")
		if entries, err := os.ReadDir(full); err != nil || len(entries) != 0 {
			t.Errorf("a full disk left %d entries behind (%v)", len(entries), err)
		}
	})
}

// checkRefused asserts the exit code and exactly one trainer line naming want.
func checkRefused(t *testing.T, r result, code int, want string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "trainer:") {
			lines = append(lines, l)
		}
	}
	t.Logf("exit %d after %v: %s", r.code, r.took.Round(time.Millisecond), strings.Join(lines, " | "))
	if r.code != code {
		t.Errorf("exit %d, want %d\n%s", r.code, code, r.stderr)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Errorf("want one trainer line naming %q, got:\n%s", want, r.stderr)
	}
}
