// Tests of the flag logic, Command and Require.

package mpirun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	tests := []struct {
		name         string
		np, cpu, uid int
		want         []string
	}{
		{"one rank, user", 1, 2, 1000, []string{"-np", "1"}},
		{"np equals cores, user", 2, 2, 1000, []string{"-np", "2"}},
		{"np over cores, user", 3, 2, 1000, []string{"-np", "3", "--oversubscribe"}},
		{"one rank, root", 1, 2, 0, []string{"-np", "1", "--allow-run-as-root"}},
		{"np equals cores, root", 2, 2, 0, []string{"-np", "2", "--allow-run-as-root"}},
		{"np over cores, root", 4, 2, 0, []string{"-np", "4", "--oversubscribe", "--allow-run-as-root"}},
		{"bound to one core", 2, 1, 1000, []string{"-np", "2", "--oversubscribe"}},
		{"many cores", 4, 64, 1000, []string{"-np", "4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := args(tt.np, tt.cpu, tt.uid); !slices.Equal(got, tt.want) {
				t.Errorf("args(%d, %d, %d) = %q, want %q", tt.np, tt.cpu, tt.uid, got, tt.want)
			}
		})
	}
}

func TestArgsPanicsOnBadNP(t *testing.T) {
	for _, np := range []int{0, -1} {
		t.Run(fmt.Sprint(np), func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("args(%d, ...) did not panic", np)
				}
			}()
			args(np, 2, 0)
		})
	}
}

// fakeMPIRun puts an executable named mpirun alone on PATH.
func fakeMPIRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "mpirun")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return path
}

func TestCommand(t *testing.T) {
	path := fakeMPIRun(t)
	cmd, err := Command(context.Background(), 2, "./prog", "-x", "y")
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{path}, Args(2)...)
	want = append(want, "./prog", "-x", "y")
	if cmd.Path != path || !slices.Equal(cmd.Args, want) {
		t.Errorf("Command: path %q args %q, want %q %q", cmd.Path, cmd.Args, path, want)
	}
}

func TestCommandErrors(t *testing.T) {
	t.Run("no mpirun", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		if _, err := Command(context.Background(), 2, "prog"); !errors.Is(err, ErrNoMPIRun) {
			t.Errorf("err = %v, want ErrNoMPIRun", err)
		}
	})
	t.Run("np 0", func(t *testing.T) {
		fakeMPIRun(t)
		if _, err := Command(context.Background(), 0, "prog"); err == nil {
			t.Error("np 0: no error")
		}
	})
}

// recorder is a testing.TB that records Fatal and Skip instead of stopping.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.skip = fmt.Sprintf(format, args...) }

func TestRequire(t *testing.T) {
	tests := []struct {
		name      string
		have, ci  bool
		wantFatal bool
		wantSkip  bool
	}{
		{"present", true, false, false, false},
		{"present under CI", true, true, false, false},
		{"missing", false, false, false, true},
		{"missing under CI", false, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := ""
			if tt.have {
				want = fakeMPIRun(t)
			} else {
				t.Setenv("PATH", t.TempDir())
			}
			ci := ""
			if tt.ci {
				ci = "true"
			}
			t.Setenv("CI", ci)
			r := &recorder{TB: t}
			if got := Require(r); got != want {
				t.Errorf("Require = %q, want %q", got, want)
			}
			if (r.fatal != "") != tt.wantFatal || (r.skip != "") != tt.wantSkip {
				t.Errorf("fatal %q, skip %q; want fatal %v, skip %v", r.fatal, r.skip, tt.wantFatal, tt.wantSkip)
			}
			for _, msg := range []string{r.fatal, r.skip} {
				if msg != "" && !strings.Contains(msg, "apt-get install openmpi-bin") {
					t.Errorf("message %q does not say how to install Open MPI", msg)
				}
			}
		})
	}
}
