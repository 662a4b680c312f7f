// signals_test.go: a rank asked to stop twice still stops at a step.
package main

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"mpitrain/collective"
)

// Under Slurm with mpirun every rank gets two SIGTERMs, one from
// slurmstepd and one from mpirun passing its own on. The second must not
// end the process before rank 0 has written its checkpoint. (If it does,
// this test binary dies of the signal and `go test` reports it.)
func TestRepeatedSIGTERMKeepsTheStop(t *testing.T) {
	w := newWorld(collective.NewSelf(), io.Discard, io.Discard)
	stop, unwatch := watchSignals(w)
	defer unwatch()
	term := func() {
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	term()
	for deadline := time.Now().Add(5 * time.Second); !stop.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no stop request 5 s after a SIGTERM")
		}
	}
	// The first signal has been handled, as slurmstepd's has when mpirun's
	// arrives; two more must leave the process running.
	term()
	term()
	time.Sleep(200 * time.Millisecond)
	if !stop.Load() {
		t.Fatal("the stop request was lost")
	}
}
