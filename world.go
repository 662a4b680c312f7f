// world.go: the rank block: the communicator, rank-0-only output, and the
// agreement step that makes every rank fail the same way.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unsafe"

	"mpitrain/collective"
	"mpitrain/mlp"
)

// world wraps the communicator with the rank-0 printing helper every
// subcommand uses. Only rank 0 writes to stdout; errors go to stderr
// prefixed with the rank (invariant 5).
type world struct {
	comm   collective.Comm
	root   bool
	stdout io.Writer
	stderr io.Writer
	// everyStep, if set, is called once per training step on this rank
	// (a sweep's rank 0 answers the other groups' requests there).
	everyStep func()
	// hostRanks, if not 0, is the number of ranks on this rank's host
	// sharing its memory (a sweep's group knows only its own members).
	hostRanks int
}

func newWorld(comm collective.Comm, stdout, stderr io.Writer) *world {
	return &world{comm: comm, root: comm.Rank() == 0, stdout: stdout, stderr: stderr}
}

// printf prints on rank 0 only.
func (w *world) printf(format string, args ...any) {
	if w.root {
		fmt.Fprintf(w.stdout, format, args...)
	}
}

// errorf prints one line to stderr, prefixed with this rank.
func (w *world) errorf(format string, args ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, args...))
	fmt.Fprintf(w.stderr, "trainer: rank %d: %s\n", w.comm.Rank(), msg)
}

// errPeer is what a healthy rank returns when another rank failed; that
// rank printed the reason itself.
type errPeer struct {
	ranks []int
	code  int // the failed ranks' exit code, so every rank exits alike
}

func (e errPeer) Error() string {
	return fmt.Sprintf("rank(s) %v failed; see their message", e.ranks)
}

// agree is a collective: every rank passes its local error and every rank
// gets back an error if ANY rank had one, so no rank goes on into a
// collective that a failed rank will never enter (invariant 3). A rank's
// own error is returned as is; the others get errPeer naming the ranks.
func (w *world) agree(local error) error {
	flags := []float64{0}
	if local != nil {
		flags[0] = exitFail
		if isUsage(local) {
			flags[0] = exitUsage
		}
	}
	all := make([]float64, w.comm.Size())
	if err := w.comm.Allgather64(flags, all); err != nil {
		return fmt.Errorf("agreeing on start-up state: %w", err)
	}
	var failed []int
	code := 0
	for r, f := range all {
		if f != 0 {
			failed = append(failed, r)
			code = max(code, int(f))
		}
	}
	switch {
	case local != nil && len(failed) == len(all) && !w.root:
		return quietError{local} // every rank failed; rank 0 reports for all
	case local != nil:
		return local
	case len(failed) > 0:
		return errPeer{failed, code}
	}
	return nil
}

// quietError is a start-up error every rank had: rank 0 prints it, the
// others exit the same way without repeating it.
type quietError struct{ err error }

func (e quietError) Error() string { return e.err.Error() }
func (e quietError) Unwrap() error { return e.err }

// fatal ends the whole job from one rank: it prints the error naming the
// rank and calls MPI_Abort, which takes every other rank down with it.
func (w *world) fatal(err error) {
	w.errorf("%v", err)
	w.comm.Abort(exitFail)
	os.Exit(exitFail) // Abort does not return; this is a backstop.
}

// isUsage reports whether err is a command-line error (exit code 2).
func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

// reducer adapts collective.Comm to mlp.Reducer.
type reducer struct{ collective.Comm }

func (r reducer) SumFloat32(b []float32) error { return r.Allreduce32(b, collective.Sum) }
func (r reducer) SumFloat64(b []float64) error { return r.Allreduce64(b, collective.Sum) }
func (r reducer) BcastFloat32(b []float32, root int) error {
	return r.Bcast32(b, root)
}
func (r reducer) BcastFloat64(b []float64, root int) error {
	return r.Bcast64(b, root)
}
func (r reducer) AllgatherFloat64(send, recv []float64) error { return r.Allgather64(send, recv) }

// shardReducer is reducer with mlp.ShardReducer's split sum (--allreduce
// shard): the training step then updates 1/N of the parameters per rank.
type shardReducer struct{ reducer }

func (r shardReducer) ReduceShardFloat32(b []float32, tail int) (int, int, bool, error) {
	return collective.ReduceShard32(r.Comm, b, tail)
}
func (r shardReducer) ReduceShardFloat64(b []float64, tail int) (int, int, bool, error) {
	return collective.ReduceShard64(r.Comm, b, tail)
}
func (r shardReducer) ShareShardFloat32(b []float32, bad int, val float64) (int, float64, error) {
	return collective.ShareShard32(r.Comm, b, bad, val)
}
func (r shardReducer) ShareShardFloat64(b []float64, bad int, val float64) (int, float64, error) {
	return collective.ShareShard64(r.Comm, b, bad, val)
}

// autoShardMax is the longest gradient, in bytes, that --allreduce auto
// updates sharded; a longer one takes the window's whole sum. make bench on
// the 2-vCPU machine of the README (2026-11-29): the default MLP's 98 KB
// gradient gains 4-6% per epoch at np 2 sharded, the large one's 2.2 MB
// loses 3-7% (README, "Performance").
const autoShardMax = 1 << 20

// resolveSum is the way --allreduce sum asks for a gradient of n elements
// of es bytes: auto becomes shard up to autoShardMax bytes and shm above;
// the others stay as they are.
func resolveSum(sum string, n, es int) string {
	if sum != "auto" {
		return sum
	}
	if n*es <= autoShardMax {
		return "shard"
	}
	return "shm"
}

// elemSize is the size of a T in bytes.
func elemSize[T mlp.Float]() int { var x T; return int(unsafe.Sizeof(x)) }

// newReducer is the mlp.Reducer of c for the resolved --allreduce sum
// (shm, shard or mpi), which it also sets on c.
func newReducer(c collective.Comm, sum string) mlp.Reducer {
	collective.SetSharedSum(c, sum != "mpi")
	if sum == "shard" {
		return shardReducer{reducer{c}}
	}
	return reducer{c}
}
