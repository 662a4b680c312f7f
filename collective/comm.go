// Comm, the reduction operators and the argument checks shared by every world.

package collective

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unsafe"
)

// Comm is a world of ranks that run the same program (SPMD). Every rank must
// call the same collectives, in the same order, with the same lengths, root
// and operator; the argument checks below are local, so when every rank
// passes the same arguments every rank gets the same error and none of them
// enters a collective that another will not.
//
// Methods of the MPI world must be called from the main goroutine (see the
// package documentation). A zero-length buffer is an error (ErrEmptyBuffer),
// never a silent no-op. After Finalize every method that communicates
// returns ErrFinalized.
type Comm interface {
	// Rank is this process's index in [0, Size()).
	Rank() int
	// Size is the number of ranks in the world.
	Size() int

	// Allreduce64 combines buf element-wise over all ranks with op and
	// leaves the result in buf on every rank (MPI_IN_PLACE).
	Allreduce64(buf []float64, op Op) error
	// Allreduce32 is Allreduce64 for float32.
	Allreduce32(buf []float32, op Op) error

	// Bcast64 copies root's buf into buf on every other rank.
	Bcast64(buf []float64, root int) error
	// Bcast32 is Bcast64 for float32.
	Bcast32(buf []float32, root int) error
	// BcastBytes is Bcast64 for bytes.
	BcastBytes(buf []byte, root int) error

	// Barrier returns once every rank has entered it.
	Barrier() error

	// Allgather64 gathers every rank's send into recv on every rank, in rank
	// order: recv[i*len(send):(i+1)*len(send)] is rank i's send.
	// len(recv) must be Size()*len(send); send and recv must not overlap.
	Allgather64(send, recv []float64) error

	// Wtime is wall-clock seconds since an arbitrary origin fixed per process.
	Wtime() float64
	// ProcessorName names the host this rank runs on.
	ProcessorName() string
	// LibraryVersion is the first line of the MPI library's version string.
	LibraryVersion() string
	// ThreadLevel is the thread support the library granted, such as
	// "MPI_THREAD_FUNNELED", or "none" for a world without MPI.
	ThreadLevel() string

	// Split divides the ranks into communicators, one per color (>= 0):
	// every rank calls it, and gets the communicator of the ranks that
	// passed its color, ordered by key, then by rank (MPI_Comm_split).
	Split(color, key int) (Comm, error)
	// Free releases a communicator made by Split; every rank of it calls
	// it, after its last operation. The world is not freed, it is
	// finalized.
	Free() error

	// SendBytes sends buf to rank dest with tag (>= 0), blocking until the
	// buffer may be reused (MPI_Send).
	SendBytes(buf []byte, dest, tag int) error
	// RecvBytes receives a message from source (or AnySource) with tag
	// into buf and returns its length and its sender (MPI_Recv). A message
	// longer than buf is an error.
	RecvBytes(buf []byte, source, tag int) (n, from int, err error)
	// Probe reports, without blocking, whether a message from source (or
	// AnySource) with tag is waiting, with its sender and length
	// (MPI_Iprobe).
	Probe(source, tag int) (ok bool, from, n int, err error)

	// Abort ends every rank of the job with the exit code code (use a
	// non-zero one), also when called on a split communicator. It never
	// returns.
	Abort(code int)
	// Finalize shuts the world down. Call it once, on every rank, after the
	// last collective.
	Finalize() error
}

// AnySource matches a message from any rank in RecvBytes and Probe.
const AnySource = -1

// MaxTag is the largest tag every MPI library accepts (the standard's
// lower bound for MPI_TAG_UB).
const MaxTag = 32767

// Op is a reduction operator for Allreduce.
type Op int

// The reduction operators.
const (
	Sum Op = iota // element-wise sum
	Max           // element-wise maximum
	Min           // element-wise minimum
)

// String returns "sum", "max" or "min".
func (op Op) String() string {
	switch op {
	case Sum:
		return "sum"
	case Max:
		return "max"
	case Min:
		return "min"
	}
	return fmt.Sprintf("Op(%d)", int(op))
}

// Errors returned before any communication starts. Each is wrapped with the
// offending values; test with errors.Is.
var (
	// ErrEmptyBuffer: a nil or zero-length buffer was passed.
	ErrEmptyBuffer = errors.New("collective: empty buffer")
	// ErrBufferLength: a buffer has the wrong length for the call, or more
	// elements than an MPI count (int32) can describe.
	ErrBufferLength = errors.New("collective: wrong buffer length")
	// ErrRoot: the root rank is outside [0, Size()).
	ErrRoot = errors.New("collective: root out of range")
	// ErrOp: the operator is not Sum, Max or Min.
	ErrOp = errors.New("collective: unknown reduction operator")
	// ErrFinalized: the world was already finalized.
	ErrFinalized = errors.New("collective: world already finalized")
	// ErrInitialized: Init was called a second time in this process.
	ErrInitialized = errors.New("collective: MPI already initialized")
	// ErrNotMainThread: an MPI method was called from another OS thread
	// than the one that called Init.
	ErrNotMainThread = errors.New("collective: MPI called off the main thread")
	// ErrSplit: Free of the world, or Finalize of a split communicator.
	ErrSplit = errors.New("collective: world and split communicators end differently")
	// ErrColor: a Split color below 0.
	ErrColor = errors.New("collective: split color out of range")
	// ErrPeer: a point-to-point rank or tag out of range.
	ErrPeer = errors.New("collective: peer or tag out of range")
	// ErrNoWindow: ShareShard without the shared-memory window that a
	// ReduceShard made.
	ErrNoWindow = errors.New("collective: no shared-memory window")
)

// MPIError is a failed MPI call: the function's name, its return code and
// the library's text for it (MPI_Error_string). Its text reads
// "collective: MPI_Allreduce: MPI_ERR_TRUNCATE: message truncated".
type MPIError struct {
	Call string // MPI function, such as "MPI_Allreduce"
	Code int    // return code
	Text string // MPI_Error_string(Code)
}

func (e *MPIError) Error() string { return "collective: " + e.Call + ": " + e.Text }

// maxCount is the largest element count an MPI call takes (a C int).
const maxCount = math.MaxInt32

// callError names the call an argument check failed in; it unwraps to the
// sentinel. Its text reads "collective: Bcast64: root out of range: 5 not in [0, 2)".
type callError struct {
	call   string
	err    error
	detail string
}

func (e *callError) Error() string {
	s := "collective: " + e.call + ": " + strings.TrimPrefix(e.err.Error(), "collective: ")
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

func (e *callError) Unwrap() error { return e.err }

// argError wraps sentinel err for call with a formatted detail.
func argError(call string, err error, format string, args ...any) error {
	return &callError{call: call, err: err, detail: fmt.Sprintf(format, args...)}
}

// checkBuf validates a buffer length for the named call.
func checkBuf(call string, n int) error {
	if n == 0 {
		return argError(call, ErrEmptyBuffer, "")
	}
	if n > maxCount {
		return argError(call, ErrBufferLength, "%d elements exceed %d", n, maxCount)
	}
	return nil
}

// checkRoot validates a broadcast root against the world size.
func checkRoot(call string, root, size int) error {
	if root < 0 || root >= size {
		return argError(call, ErrRoot, "%d not in [0, %d)", root, size)
	}
	return nil
}

// checkOp validates a reduction operator.
func checkOp(call string, op Op) error {
	if op < Sum || op > Min {
		return argError(call, ErrOp, "%v", op)
	}
	return nil
}

// checkGather validates Allgather64's lengths: nsend elements from each of
// size ranks must fill exactly nrecv.
func checkGather(call string, nsend, nrecv, size int) error {
	if err := checkBuf(call, nsend); err != nil {
		return err
	}
	if nrecv != size*nsend {
		return argError(call, ErrBufferLength, "len(recv) = %d, want Size()*len(send) = %d*%d = %d",
			nrecv, size, nsend, size*nsend)
	}
	if nrecv > maxCount {
		return argError(call, ErrBufferLength, "%d elements exceed %d", nrecv, maxCount)
	}
	return nil
}

// checkColor validates a Split color: MPI_UNDEFINED (a rank in no group)
// is not offered, so every rank gets a communicator.
func checkColor(call string, color int) error {
	if color < 0 || color > math.MaxInt32 {
		return argError(call, ErrColor, "%d, want >= 0", color)
	}
	return nil
}

// checkPeerTag validates a point-to-point peer (AnySource only where any
// is true) and tag.
func checkPeerTag(call string, peer, tag, size int, any bool) error {
	if (peer < 0 || peer >= size) && !(any && peer == AnySource) {
		return argError(call, ErrPeer, "rank %d not in [0, %d)", peer, size)
	}
	if tag < 0 || tag > MaxTag {
		return argError(call, ErrPeer, "tag %d not in [0, %d]", tag, MaxTag)
	}
	return nil
}

// shmMinCap is the smallest window made, in bytes per rank and kind: sums
// of a few values do not each get a window of their own size.
const shmMinCap = 64 << 10

// MaxSharedSum is the longest SUM, in bytes, that goes through the window;
// longer ones use MPI_Allreduce (a window of twice that per rank would
// weigh on the host's shared memory, and at such sizes both are bound by
// memory bandwidth).
const MaxSharedSum = 256 << 20

// sharedSumLimit is MaxSharedSum, lowered by tests.
var sharedSumLimit = MaxSharedSum

// SharedWindowBytes is the shared memory, in bytes, that one rank's window
// holds after a SUM of n elements of elemSize bytes (its own segment; the
// host holds one per rank), or 0 when such a sum does not use the window.
func SharedWindowBytes(n, elemSize int) int64 {
	b := int64(n) * int64(elemSize)
	if b > MaxSharedSum {
		return 0
	}
	return 2 * (max(shmMinCap, b) + shmStatus)
}

// shmStatus is the room each segment keeps for ShareShard's status
// (SHM_STATUS in shm.h).
const shmStatus = 64

// SetSharedSum chooses how c's SUM Allreduces run when all of c's ranks
// are on one host: on (the default), through a shared-memory window
// (MPI_Win_allocate_shared), where each rank adds up 1/Size of the values
// and copies the rest of the sum from the others; off, with
// MPI_Allreduce. Ranks on several hosts, Max, Min and a world without MPI
// are not affected. Every rank of c must make the same choice, between the
// same collectives.
func SetSharedSum(c Comm, on bool) {
	if s, ok := c.(interface{ setSharedSum(bool) }); ok {
		s.setSharedSum(on)
	}
}

// SharedSum reports whether c's last Allreduce was a SUM through the
// shared-memory window (see SetSharedSum).
func SharedSum(c Comm) bool {
	s, ok := c.(interface{ sharedSum() bool })
	return ok && s.sharedSum()
}

// SharedWindow returns the shared-memory window through which c sums
// bytes per rank (a C pointer to shm.h's shm), making it if needed, or nil
// where such a SUM goes through MPI_Allreduce (see SetSharedSum; a world
// without MPI has none). It is for C code in the same binary that must
// sum exactly as the binding does: package cref's reference loop. Every
// rank calls it with the same bytes, from the main goroutine. The window
// stays c's: a longer sum through c may replace it, and Free or Finalize
// releases it.
func SharedWindow(c Comm, bytes int) (unsafe.Pointer, error) {
	s, ok := c.(interface {
		enter(call string) error
		windowHandle(bytes int) (unsafe.Pointer, error)
	})
	if !ok {
		return nil, nil
	}
	if err := s.enter("SharedWindow"); err != nil {
		return nil, err
	}
	if bytes < 1 {
		return nil, argError("SharedWindow", ErrBufferLength, "%d bytes", bytes)
	}
	return s.windowHandle(bytes)
}

// shardComm is a Comm whose SUM can be split in two halves through the
// shared-memory window (shm.go).
type shardComm interface {
	live(call string) error // not finalized; the halves check the thread
	reduceShard(call string, buf unsafe.Pointer, n, tail, es int) (lo, hi int, ok bool, err error)
	shareShard(call string, buf unsafe.Pointer, n, es, bad int, val float64) (int, float64, error)
}

// ReduceShard32 is the first half of a SUM Allreduce of buf through the
// shared-memory window (see SetSharedSum), for a caller that needs only
// part of the sum on each rank: the last tail values are summed on every
// rank, and of the m = len(buf)-tail before them each rank sums its own
// slice, [lo, hi) = [m*Rank/Size, m*(Rank+1)/Size). The rest of buf is
// left as it was. An element of the slice is this rank's value plus the
// others' in rank order, and the tail is summed in rank order from rank
// 0, so every rank holds the same tail and the same inputs always give
// the same bits. ok is false, with nothing done, where the window
// cannot be used (SetSharedSum off, one rank, ranks on several hosts, a
// sum longer than MaxSharedSum, no window), the same on every rank: sum
// with Allreduce32 then. Every rank calls it with the same len(buf) and
// tail.
func ReduceShard32(c Comm, buf []float32, tail int) (lo, hi int, ok bool, err error) {
	if len(buf) == 0 {
		return 0, 0, false, argError("ReduceShard32", ErrEmptyBuffer, "")
	}
	return reduceShard(c, "ReduceShard32", unsafe.Pointer(&buf[0]), len(buf), tail, 4)
}

// ReduceShard64 is ReduceShard32 for float64 values.
func ReduceShard64(c Comm, buf []float64, tail int) (lo, hi int, ok bool, err error) {
	if len(buf) == 0 {
		return 0, 0, false, argError("ReduceShard64", ErrEmptyBuffer, "")
	}
	return reduceShard(c, "ReduceShard64", unsafe.Pointer(&buf[0]), len(buf), tail, 8)
}

func reduceShard(c Comm, call string, buf unsafe.Pointer, n, tail, es int) (int, int, bool, error) {
	s, ok := c.(shardComm)
	if !ok {
		return 0, 0, false, nil
	}
	if err := s.live(call); err != nil {
		return 0, 0, false, err
	}
	if err := checkBuf(call, n); err != nil {
		return 0, 0, false, err
	}
	if tail < 0 || tail > n {
		return 0, 0, false, argError(call, ErrBufferLength, "tail of %d values in a buffer of %d", tail, n)
	}
	return s.reduceShard(call, buf, n, tail, es)
}

// ShareShard32 is the second half: every rank publishes its slice of buf,
// [n*Rank/Size, n*(Rank+1)/Size) with n = len(buf), and copies the other
// ranks' slices. With ReduceShard32 of a buffer of len(buf)+tail values,
// that makes what each rank computed from its slice of the sum whole on
// every rank. The ranks also exchange bad, an index (negative: none), and
// val: each gets the lowest non-negative bad of all ranks with its val, or
// -1. It needs the window a ReduceShard of at least as many bytes made
// (ErrNoWindow otherwise). Every rank calls it with the same len(buf).
func ShareShard32(c Comm, buf []float32, bad int, val float64) (int, float64, error) {
	if len(buf) == 0 {
		return -1, 0, argError("ShareShard32", ErrEmptyBuffer, "")
	}
	return shareShard(c, "ShareShard32", unsafe.Pointer(&buf[0]), len(buf), 4, bad, val)
}

// ShareShard64 is ShareShard32 for float64 values.
func ShareShard64(c Comm, buf []float64, bad int, val float64) (int, float64, error) {
	if len(buf) == 0 {
		return -1, 0, argError("ShareShard64", ErrEmptyBuffer, "")
	}
	return shareShard(c, "ShareShard64", unsafe.Pointer(&buf[0]), len(buf), 8, bad, val)
}

func shareShard(c Comm, call string, buf unsafe.Pointer, n, es, bad int, val float64) (int, float64, error) {
	s, ok := c.(shardComm)
	if !ok {
		return -1, 0, argError(call, ErrNoWindow, "")
	}
	if err := s.live(call); err != nil {
		return -1, 0, err
	}
	if err := checkBuf(call, n); err != nil {
		return -1, 0, err
	}
	return s.shareShard(call, buf, n, es, bad, val)
}
