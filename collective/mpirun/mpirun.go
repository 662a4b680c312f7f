// Locating mpirun and building its command line.

package mpirun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
)

// ErrNoMPIRun is returned when mpirun is not on PATH.
var ErrNoMPIRun = errors.New("mpirun: mpirun not found on PATH")

// InstallHint tells how to get mpirun.
const InstallHint = "install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev)"

// Args returns the mpirun flags that start np ranks here:
//
//	-np N [--oversubscribe] [--allow-run-as-root]
//
// --oversubscribe is added when np > runtime.NumCPU() (otherwise mpirun
// refuses with "not enough slots"), --allow-run-as-root when the effective
// user is root (otherwise mpirun refuses to start). Args panics if np < 1.
func Args(np int) []string { return args(np, runtime.NumCPU(), os.Geteuid()) }

// args is Args with the core count and effective user id given.
func args(np, numCPU, euid int) []string {
	if np < 1 {
		panic(fmt.Sprintf("mpirun: np = %d, want >= 1", np))
	}
	a := []string{"-np", strconv.Itoa(np)}
	if np > numCPU {
		a = append(a, "--oversubscribe")
	}
	if euid == 0 {
		a = append(a, "--allow-run-as-root")
	}
	return a
}

// Command returns the command `mpirun Args(np)... prog args...`, killed when
// ctx is done. It returns ErrNoMPIRun if mpirun is not on PATH and an
// error if np < 1. The command inherits this process's environment; set
// its Env to change that.
func Command(ctx context.Context, np int, prog string, args ...string) (*exec.Cmd, error) {
	if np < 1 {
		return nil, fmt.Errorf("mpirun: np = %d, want >= 1", np)
	}
	path, err := exec.LookPath("mpirun")
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", ErrNoMPIRun, InstallHint)
	}
	argv := append(Args(np), prog)
	argv = append(argv, args...)
	return exec.CommandContext(ctx, path, argv...), nil
}

// Require returns the path of mpirun for a test that needs it. Without
// mpirun it fails the test when the environment variable CI is non-empty
// and skips it otherwise, saying how to install Open MPI.
func Require(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("mpirun")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%v: CI is set, so multi-rank tests must run; %s", ErrNoMPIRun, InstallHint)
	} else {
		t.Skipf("%v; %s to run this test", ErrNoMPIRun, InstallHint)
	}
	return ""
}
