package main

import (
	"io/fs"
	"path/filepath"
	"testing"
)

// Every file of a run folder, checkpoints included, is readable by others
// (mode 0644): results are shared on clusters, and a temporary file's 0600
// must not survive the rename.
func TestRunFilesAreReadable(t *testing.T) {
	dir, _ := mustTrain(t, 0, t.TempDir(), "r", "--epochs", "1", "--hidden_dim", "8")
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n++
		if info.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want -rw-r--r--", path, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Errorf("%d files in the run folder, want the config, history, metrics, timing, model, predictions, charts and a checkpoint", n)
	}
}
