// panic.go: a panic that reaches the top of a rank becomes one line naming
// the rank and an MPI_Abort, not a stack trace from every rank; the trace
// goes to a file (or to stderr with MPITRAIN_TRACEBACK=1).
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"

	"mpitrain/collective"
)

// tracebackEnv set to a non-empty value prints a panic's stack trace on
// stderr instead of writing it to a file.
const tracebackEnv = "MPITRAIN_TRACEBACK"

// live is what the panic handler needs to know about the running rank: its
// communicator (to abort the job) and, on rank 0, the run folder.
var live struct {
	comm atomic.Pointer[collective.Comm]
	run  atomic.Pointer[string]
}

func setLiveComm(c collective.Comm) { live.comm.Store(&c) }
func setLiveRun(path string)        { live.run.Store(&path) }

// onPanic, deferred in main, turns a panic into one line on stderr naming
// the rank, writes the stack trace to a file (the run folder when there is
// one, else the temporary folder), and ends the whole job: MPI_Abort when
// the world has more than one rank, else exit 1.
func onPanic(stderr io.Writer) {
	v := recover()
	if v == nil {
		return
	}
	trace := debug.Stack()
	rank := -1
	var comm collective.Comm
	if c := live.comm.Load(); c != nil {
		comm = *c
		rank = comm.Rank()
	}
	where := "rank ?"
	if rank >= 0 {
		where = fmt.Sprintf("rank %d", rank)
	}
	msg := fmt.Sprintf("trainer: %s: internal error: %v", where, v)
	if os.Getenv(tracebackEnv) != "" {
		fmt.Fprintf(stderr, "%s\n%s", msg, trace)
	} else {
		dir := os.TempDir()
		if r := live.run.Load(); r != nil {
			dir = *r
		}
		path := filepath.Join(dir, fmt.Sprintf("panic-rank%d-%d.txt", max(rank, 0), os.Getpid()))
		if err := os.WriteFile(path, fmt.Appendf(nil, "%s\n%s", msg, trace), 0o644); err != nil {
			path = "not written: " + err.Error()
		}
		fmt.Fprintf(stderr, "%s (stack trace: %s; %s=1 prints it here)\n", msg, path, tracebackEnv)
	}
	if comm != nil && comm.Size() > 1 {
		comm.Abort(exitFail)
	}
	os.Exit(exitFail)
}
