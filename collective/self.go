// Self: a world of one rank with no MPI, available in every build.

package collective

import (
	"os"
	"time"
)

// self is the one-rank world. Its collectives are the identities of a
// world of size 1, with the same argument checks and errors as the MPI
// world, so code that passes on Self passes the checks under mpirun too.
type self struct {
	start     time.Time
	finalized bool
}

// NewSelf returns a world of one rank (rank 0 of 1) that uses no MPI:
// Allreduce leaves the buffer as it is, Bcast accepts only root 0,
// Allgather copies send into recv, Barrier returns at once and Abort exits
// the process. Unlike the MPI world it may be used from any goroutine, but
// not from several at once.
func NewSelf() Comm { return &self{start: time.Now()} }

func (s *self) Rank() int { return 0 }
func (s *self) Size() int { return 1 }

// enter reports ErrFinalized once the world is finalized.
func (s *self) enter(call string) error {
	if s.finalized {
		return argError(call, ErrFinalized, "")
	}
	return nil
}

func (s *self) Allreduce64(buf []float64, op Op) error {
	return s.allreduce("Allreduce64", len(buf), op)
}

func (s *self) Allreduce32(buf []float32, op Op) error {
	return s.allreduce("Allreduce32", len(buf), op)
}

func (s *self) allreduce(call string, n int, op Op) error {
	if err := s.enter(call); err != nil {
		return err
	}
	if err := checkBuf(call, n); err != nil {
		return err
	}
	return checkOp(call, op)
}

func (s *self) Bcast64(buf []float64, root int) error { return s.bcast("Bcast64", len(buf), root) }
func (s *self) Bcast32(buf []float32, root int) error { return s.bcast("Bcast32", len(buf), root) }
func (s *self) BcastBytes(buf []byte, root int) error { return s.bcast("BcastBytes", len(buf), root) }

func (s *self) bcast(call string, n, root int) error {
	if err := s.enter(call); err != nil {
		return err
	}
	if err := checkBuf(call, n); err != nil {
		return err
	}
	return checkRoot(call, root, 1)
}

func (s *self) Barrier() error { return s.enter("Barrier") }

func (s *self) Allgather64(send, recv []float64) error {
	const call = "Allgather64"
	if err := s.enter(call); err != nil {
		return err
	}
	if err := checkGather(call, len(send), len(recv), 1); err != nil {
		return err
	}
	copy(recv, send)
	return nil
}

func (s *self) Wtime() float64 { return time.Since(s.start).Seconds() }

func (s *self) ProcessorName() string {
	name, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return name
}

func (s *self) LibraryVersion() string { return "none (collective.NewSelf, no MPI)" }
func (s *self) ThreadLevel() string    { return "none" }

// Abort exits the process with code.
func (s *self) Abort(code int) { os.Exit(code) }

func (s *self) Finalize() error {
	if err := s.enter("Finalize"); err != nil {
		return err
	}
	s.finalized = true
	return nil
}
