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
	split     bool
	queue     []message // sent to itself, not yet received
}

// message is one point-to-point message a world of one rank sent itself.
type message struct {
	tag  int
	data []byte
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
	if s.split {
		return argError("Finalize", ErrSplit, "Free a split communicator; Finalize the world")
	}
	if err := s.enter("Finalize"); err != nil {
		return err
	}
	s.finalized = true
	return nil
}

// Split of a world of one rank is another world of one rank.
func (s *self) Split(color, key int) (Comm, error) {
	const call = "Split"
	if err := s.enter(call); err != nil {
		return nil, err
	}
	if err := checkColor(call, color); err != nil {
		return nil, err
	}
	return &self{start: s.start, split: true}, nil
}

func (s *self) Free() error {
	if !s.split {
		return argError("Free", ErrSplit, "the world is not freed; Finalize it")
	}
	if err := s.enter("Free"); err != nil {
		return err
	}
	s.finalized = true
	return nil
}

// SendBytes to rank 0, itself, queues a copy of buf.
func (s *self) SendBytes(buf []byte, dest, tag int) error {
	const call = "SendBytes"
	if err := s.checkPeer(call, len(buf), dest, tag, false); err != nil {
		return err
	}
	s.queue = append(s.queue, message{tag: tag, data: append([]byte(nil), buf...)})
	return nil
}

// RecvBytes takes the oldest queued message with tag; with none queued it
// would wait forever, so it is an error instead.
func (s *self) RecvBytes(buf []byte, source, tag int) (int, int, error) {
	const call = "RecvBytes"
	if err := s.checkPeer(call, len(buf), source, tag, true); err != nil {
		return 0, 0, err
	}
	for i, m := range s.queue {
		if m.tag != tag {
			continue
		}
		if len(m.data) > len(buf) {
			return 0, 0, argError(call, ErrBufferLength, "a message of %d bytes into %d", len(m.data), len(buf))
		}
		s.queue = append(s.queue[:i], s.queue[i+1:]...)
		return copy(buf, m.data), 0, nil
	}
	return 0, 0, argError(call, ErrPeer, "no message with tag %d in a world of one rank: it would wait forever", tag)
}

func (s *self) Probe(source, tag int) (bool, int, int, error) {
	if err := s.checkPeer("Probe", 1, source, tag, true); err != nil {
		return false, 0, 0, err
	}
	for _, m := range s.queue {
		if m.tag == tag {
			return true, 0, len(m.data), nil
		}
	}
	return false, 0, 0, nil
}

func (s *self) checkPeer(call string, n, peer, tag int, any bool) error {
	if err := s.enter(call); err != nil {
		return err
	}
	if err := checkBuf(call, n); err != nil {
		return err
	}
	return checkPeerTag(call, peer, tag, 1, any)
}
