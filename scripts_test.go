// scripts_test.go: every script a README runs by path can be run by path.
package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mpitrain/collective/mpirun"
)

// TestScriptsAreExecutable walks scripts/ and mpi-operator/ and requires the
// run bit on every file that starts with a shebang: on disk (what a clone
// gives) and, when this is a git work tree, in git's index (what a clone of
// a commit gets). Without it a user who follows a README gets "Permission
// denied".
func TestScriptsAreExecutable(t *testing.T) {
	modes := gitModes(t)
	var scripts int
	for _, root := range []string{"scripts", "mpi-operator"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			head := make([]byte, 2)
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			n, _ := f.Read(head)
			f.Close()
			if n < 2 || !bytes.Equal(head, []byte("#!")) {
				return nil
			}
			scripts++
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Mode().Perm()&0o111 == 0 {
				t.Errorf("%s starts with #! but is not executable (chmod +x %s)", path, path)
			}
			if modes != nil {
				if m, tracked := modes[filepath.ToSlash(path)]; tracked && m != "100755" {
					t.Errorf("%s has mode %s in git, want 100755 (git update-index --chmod=+x %s)", path, m, path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if scripts < 5 {
		t.Fatalf("found %d scripts with a shebang under scripts/ and mpi-operator/; the walk is broken", scripts)
	}
}

// gitModes maps tracked paths to their mode in git's index, or returns nil
// when git or the repository is not there (a source tarball).
func gitModes(t *testing.T) map[string]string {
	out, err := exec.Command("git", "ls-files", "-s", "--", "scripts", "mpi-operator").Output()
	if err != nil {
		t.Logf("git ls-files: %v; checking the files' modes on disk only", err)
		return nil
	}
	modes := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// "100755 <sha> 0\tpath"
		meta, path, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		modes[path] = strings.Fields(meta)[0]
	}
	return modes
}

// TestAllreduceBenchBuilds runs every script's mpicc line for
// scripts/allreduce_bench.c as the script would (it needs OpenBLAS since
// the C loop does a training step's GEMMs, and shm.h), then the program
// as a one-rank MPI process in each of its modes.
func TestAllreduceBenchBuilds(t *testing.T) {
	mpirun.Require(t)
	scripts, err := filepath.Glob("scripts/*.sh")
	if err != nil {
		t.Fatal(err)
	}
	var built int
	for _, script := range scripts {
		b, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "mpicc ") || !strings.Contains(line, "scripts/allreduce_bench.c") {
				continue
			}
			built++
			tmp := t.TempDir()
			cmd := exec.Command("bash", "-c", line)
			cmd.Env = append(os.Environ(), "tmp="+tmp)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: %s: %v\n%s", script, line, err, out)
				continue
			}
			for _, args := range [][]string{
				{"1000", "5", "1", "float"},
				{"1000", "5", "1", "float", "0", "60,8,1", "4"},
				{"1000", "5", "1", "float", "0", "60,8,1", "4", "shm"},
			} {
				out, err := exec.Command(filepath.Join(tmp, "allreduce_bench"), args...).CombinedOutput()
				if err != nil || !strings.HasPrefix(string(out), "allreduce count=1000 type=float np=1 ") {
					t.Errorf("%s's build, allreduce_bench %s: %v\n%s", script, strings.Join(args, " "), err, out)
				}
			}
		}
	}
	if built < 2 {
		t.Errorf("%d scripts build scripts/allreduce_bench.c with mpicc, want bench.sh and costmodel.sh", built)
	}
}
