// Tests of writeAtomic: where the temporary file lives, what a failure
// leaves, and the mode of the result.
package data

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The temporary file is written beside the target (a rename is atomic
// only within one file system), for a bare file name in the working
// folder; it is gone afterwards, and the result is readable by all.
func TestWriteAtomicBesideTheTarget(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(t.TempDir()) // the working folder is not the target's
	for _, tc := range []struct{ name, path, tmpDir string }{
		{"a path", filepath.Join(dir, "out.csv"), dir},
		{"a bare name", "bare.csv", "."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := filepath.Base(tc.path)
			err := writeAtomic(tc.path, func(w io.Writer) error {
				tmp, _ := filepath.Glob(filepath.Join(tc.tmpDir, "."+base+".tmp-*"))
				if len(tmp) != 1 {
					return fmt.Errorf("temporary files %v in %s, want one", tmp, tc.tmpDir)
				}
				_, err := io.WriteString(w, "hello\n")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(tc.path)
			if err != nil || string(b) != "hello\n" {
				t.Fatalf("%q, %v", b, err)
			}
			if fi, _ := os.Stat(tc.path); fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want 0644", fi.Mode().Perm())
			}
			if tmp, _ := filepath.Glob(filepath.Join(tc.tmpDir, ".*.tmp-*")); len(tmp) != 0 {
				t.Errorf("left behind %v", tmp)
			}
		})
	}
}

// A failing writer leaves neither the temporary file nor a changed target,
// and its error comes back wrapped with the path.
func TestWriteAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.csv")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := writeAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "new\n")
		return boom
	})
	if !errors.Is(err, boom) || err.Error() != "data: write "+path+": boom" {
		t.Fatalf("err = %v, want boom wrapped with the path", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Errorf("target now %q", b)
	}
	if got := onlyFiles(t, dir); len(got) != 1 {
		t.Errorf("files %v, want only keep.csv", got)
	}
}
