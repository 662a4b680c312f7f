// The MPI world: a thin cgo binding, one Go function per MPI call.

//go:build !nompi

package collective

/*
#cgo !mpich pkg-config: ompi-c
#include <mpi.h>

// MPI's handles and MPI_IN_PLACE are macros (pointers to library globals in
// Open MPI, integers in MPICH); these functions hand them to Go.
static MPI_Comm world(void) { return MPI_COMM_WORLD; }
static MPI_Datatype type_double(void) { return MPI_DOUBLE; }
static MPI_Datatype type_float(void) { return MPI_FLOAT; }
static MPI_Datatype type_byte(void) { return MPI_BYTE; }
static MPI_Op op_sum(void) { return MPI_SUM; }
static MPI_Op op_max(void) { return MPI_MAX; }
static MPI_Op op_min(void) { return MPI_MIN; }
static MPI_Errhandler errors_return(void) { return MPI_ERRORS_RETURN; }

static int init_thread(int required, int *provided) {
	return MPI_Init_thread(NULL, NULL, required, provided);
}

static int any_source(void) { return MPI_ANY_SOURCE; }
// thread_main is MPI_Is_thread_main's flag (0 or 1), or its error code
// negated: the flag lives in C, so the check before every collective
// allocates nothing in Go.
static int thread_main(void) {
	int flag = 0, rc = MPI_Is_thread_main(&flag);
	return rc != MPI_SUCCESS ? -rc : flag;
}
static MPI_Comm comm_null(void) { return MPI_COMM_NULL; }

// mpitrain_wtime is MPI_Wtime as a direct call (direct.go): the time in
// *(double *)p.
void mpitrain_wtime(void *p) { *(double *)p = MPI_Wtime(); }

// probe_bytes is MPI_Iprobe with the matched message's source and size
// in bytes, or *flag == 0 when none is waiting.
static int probe_bytes(int source, int tag, MPI_Comm comm, int *flag, int *from, int *count) {
	MPI_Status st;
	int rc = MPI_Iprobe(source, tag, comm, flag, &st);
	if (rc != MPI_SUCCESS || !*flag) return rc;
	*from = st.MPI_SOURCE;
	return MPI_Get_count(&st, MPI_BYTE, count);
}

// recv_bytes is MPI_Recv of bytes with the source and count received.
static int recv_bytes(void *buf, int n, int source, int tag, MPI_Comm comm, int *from, int *count) {
	MPI_Status st;
	int rc = MPI_Recv(buf, n, MPI_BYTE, source, tag, comm, &st);
	if (rc != MPI_SUCCESS) return rc;
	*from = st.MPI_SOURCE;
	return MPI_Get_count(&st, MPI_BYTE, count);
}
*/
import "C"

import (
	"os"
	"runtime"
	"strings"
	"unsafe"
)

// All MPI calls come from the main OS thread: Init asks for
// MPI_THREAD_FUNNELED, and locking here, in an init function, keeps the
// main goroutine on the main thread for the life of the program.
func init() { runtime.LockOSThread() }

// MPI's predefined handles, read once: each read is a cgo call (they are
// macros), which the collectives would otherwise make on every call. They
// are link-time constants in both Open MPI (addresses of library globals)
// and MPICH (integers), valid before MPI_Init.
var (
	mpiFloat, mpiDouble, mpiByte = C.type_float(), C.type_double(), C.type_byte()
	mpiSum, mpiMax, mpiMin       = C.op_sum(), C.op_max(), C.op_min()
)

// world is MPI_COMM_WORLD, or a communicator split from it (Split). Rank,
// size, host name and library version are read once, by Init or Split.
type world struct {
	comm       C.MPI_Comm
	split      bool // made by Split: Free it, never Finalize
	rank, size int
	thread     string
	processor  string
	version    string
	finalized  bool // Finalize or Free was called
	shm        shmState
}

// Init initializes MPI with MPI_Init_thread(MPI_THREAD_FUNNELED), makes
// MPI_COMM_WORLD return error codes instead of aborting (MPI_ERRORS_RETURN),
// and returns the world. Call it once, from the main goroutine; a second
// call returns ErrInitialized. Started without mpirun, the process is a
// singleton world of size 1.
func Init() (Comm, error) {
	var initialized, finalized C.int
	if err := check("MPI_Initialized", C.MPI_Initialized(&initialized)); err != nil {
		return nil, err
	}
	if err := check("MPI_Finalized", C.MPI_Finalized(&finalized)); err != nil {
		return nil, err
	}
	if initialized != 0 || finalized != 0 {
		return nil, argError("Init", ErrInitialized, "")
	}
	var provided C.int
	if err := check("MPI_Init_thread", C.init_thread(C.MPI_THREAD_FUNNELED, &provided)); err != nil {
		return nil, err
	}
	if err := check("MPI_Comm_set_errhandler", C.MPI_Comm_set_errhandler(C.world(), C.errors_return())); err != nil {
		return nil, err
	}
	w := &world{comm: C.world(), thread: threadLevelName(provided)}
	if err := w.readRankSize(); err != nil {
		return nil, err
	}
	var err error
	if w.processor, err = processorName(); err != nil {
		return nil, err
	}
	if w.version, err = libraryVersion(); err != nil {
		return nil, err
	}
	return w, nil
}

// readRankSize reads this process's rank and the size of w.comm.
func (w *world) readRankSize() error {
	var rank, size C.int
	if err := check("MPI_Comm_rank", C.MPI_Comm_rank(w.comm, &rank)); err != nil {
		return err
	}
	if err := check("MPI_Comm_size", C.MPI_Comm_size(w.comm, &size)); err != nil {
		return err
	}
	w.rank, w.size = int(rank), int(size)
	return nil
}

// check turns an MPI return code into nil or an error that names the call
// and carries MPI_Error_string's text, e.g.
// "collective: MPI_Allreduce: MPI_ERR_COUNT: invalid count argument".
func check(call string, rc C.int) error {
	if rc == C.MPI_SUCCESS {
		return nil
	}
	var buf [C.MPI_MAX_ERROR_STRING]C.char
	var n C.int
	if C.MPI_Error_string(rc, &buf[0], &n) != C.MPI_SUCCESS || n <= 0 {
		return &MPIError{Call: call, Code: int(rc), Text: "unknown MPI error"}
	}
	return &MPIError{Call: call, Code: int(rc), Text: C.GoStringN(&buf[0], n)}
}

// threadLevelName names a granted MPI thread level.
func threadLevelName(level C.int) string {
	switch level {
	case C.MPI_THREAD_SINGLE:
		return "MPI_THREAD_SINGLE"
	case C.MPI_THREAD_FUNNELED:
		return "MPI_THREAD_FUNNELED"
	case C.MPI_THREAD_SERIALIZED:
		return "MPI_THREAD_SERIALIZED"
	case C.MPI_THREAD_MULTIPLE:
		return "MPI_THREAD_MULTIPLE"
	}
	return "unknown"
}

func processorName() (string, error) {
	var buf [C.MPI_MAX_PROCESSOR_NAME]C.char
	var n C.int
	if err := check("MPI_Get_processor_name", C.MPI_Get_processor_name(&buf[0], &n)); err != nil {
		return "", err
	}
	return C.GoStringN(&buf[0], n), nil
}

func libraryVersion() (string, error) {
	var buf [C.MPI_MAX_LIBRARY_VERSION_STRING]C.char
	var n C.int
	if err := check("MPI_Get_library_version", C.MPI_Get_library_version(&buf[0], &n)); err != nil {
		return "", err
	}
	v := C.GoStringN(&buf[0], n)
	v = strings.TrimRight(v, "\x00")
	if i := strings.IndexByte(v, '\n'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v), nil
}

// enter guards every call that communicates: the world must not be
// finalized and the caller must be on the thread that called Init.
func (w *world) enter(call string) error {
	if err := w.live(call); err != nil {
		return err
	}
	return w.onMainThread(call)
}

// live is enter's first half: the world is not finalized (no cgo call).
func (w *world) live(call string) error {
	if w.finalized {
		return argError(call, ErrFinalized, "")
	}
	return nil
}

// onMainThread is enter's second half: the caller is on the thread that
// called Init (a cgo call, MPI_Is_thread_main). The sums through a window
// that is ready make that check in the C call itself (shm.go).
func (w *world) onMainThread(call string) error {
	main := C.thread_main()
	if main < 0 {
		return check("MPI_Is_thread_main", -main)
	}
	if main == 0 {
		return notMain(call)
	}
	return nil
}

// notMain is the error of a call made off the main thread.
func notMain(call string) error {
	return argError(call, ErrNotMainThread, "call Comm methods from the main goroutine")
}

func (w *world) Rank() int { return w.rank }
func (w *world) Size() int { return w.size }

// mpiOp maps an Op to its MPI handle; the caller has checked op.
func mpiOp(op Op) C.MPI_Op {
	switch op {
	case Max:
		return mpiMax
	case Min:
		return mpiMin
	}
	return mpiSum
}

func (w *world) Allreduce64(buf []float64, op Op) error {
	if err := w.checkAllreduce("Allreduce64", len(buf), op); err != nil {
		return err
	}
	return w.allreduce("Allreduce64", unsafe.Pointer(&buf[0]), len(buf), mpiDouble, 8, op)
}

func (w *world) Allreduce32(buf []float32, op Op) error {
	if err := w.checkAllreduce("Allreduce32", len(buf), op); err != nil {
		return err
	}
	return w.allreduce("Allreduce32", unsafe.Pointer(&buf[0]), len(buf), mpiFloat, 4, op)
}

func (w *world) checkAllreduce(call string, n int, op Op) error {
	if err := w.live(call); err != nil {
		return err
	}
	if err := checkBuf(call, n); err != nil {
		return err
	}
	return checkOp(call, op)
}

// allreduce is MPI_Allreduce(MPI_IN_PLACE, buf, n, typ, op, w.comm), or,
// for a SUM over ranks that share a host, the sum through the shared
// window (shm.go) unless SetSharedSum turned it off. es is the size of
// typ in bytes. It makes the main-thread check (checkAllreduce does not)
// in the same C call as the sum, except on the first sum that may use a
// window, which checks before making it. The sum's C call is a direct
// call where it can be (direct.go).
func (w *world) allreduce(call string, buf unsafe.Pointer, n int, typ C.MPI_Datatype, es int, op Op) error {
	if op == Sum {
		if done, err := w.sumReady(call, buf, n, es); done {
			return err
		}
		if w.windowPossible(n * es) {
			if err := w.onMainThread(call); err != nil {
				return err
			}
			if ok, err := w.sumShared(buf, n, es); ok || err != nil {
				return err
			}
		}
	}
	w.shm.lastOK = false
	return mainRC(call, "MPI_Allreduce", w.allreduceMain(buf, n, typ, mpiOp(op)))
}

func (w *world) Bcast64(buf []float64, root int) error {
	if err := w.checkBcast("Bcast64", len(buf), root); err != nil {
		return err
	}
	return w.bcast(unsafe.Pointer(&buf[0]), len(buf), mpiDouble, root)
}

func (w *world) Bcast32(buf []float32, root int) error {
	if err := w.checkBcast("Bcast32", len(buf), root); err != nil {
		return err
	}
	return w.bcast(unsafe.Pointer(&buf[0]), len(buf), mpiFloat, root)
}

func (w *world) BcastBytes(buf []byte, root int) error {
	if err := w.checkBcast("BcastBytes", len(buf), root); err != nil {
		return err
	}
	return w.bcast(unsafe.Pointer(&buf[0]), len(buf), mpiByte, root)
}

func (w *world) checkBcast(call string, n, root int) error {
	if err := w.enter(call); err != nil {
		return err
	}
	if err := checkBuf(call, n); err != nil {
		return err
	}
	return checkRoot(call, root, w.size)
}

// bcast is MPI_Bcast(buf, n, typ, root, w.comm).
func (w *world) bcast(buf unsafe.Pointer, n int, typ C.MPI_Datatype, root int) error {
	return check("MPI_Bcast", C.MPI_Bcast(buf, C.int(n), typ, C.int(root), w.comm))
}

func (w *world) Barrier() error {
	if err := w.enter("Barrier"); err != nil {
		return err
	}
	return check("MPI_Barrier", C.MPI_Barrier(w.comm))
}

func (w *world) Allgather64(send, recv []float64) error {
	const call = "Allgather64"
	if err := w.enter(call); err != nil {
		return err
	}
	if err := checkGather(call, len(send), len(recv), w.size); err != nil {
		return err
	}
	n := C.int(len(send))
	return check("MPI_Allgather", C.MPI_Allgather(
		unsafe.Pointer(&send[0]), n, mpiDouble,
		unsafe.Pointer(&recv[0]), n, mpiDouble, w.comm))
}

// Wtime is MPI_Wtime, as a direct call where it can be (the training
// loop reads the clock around every sum).
func (w *world) Wtime() float64 {
	var t C.double
	if callDirect(C.mpitrain_wtime, unsafe.Pointer(&t)) {
		return float64(t)
	}
	return float64(C.MPI_Wtime())
}

func (w *world) ProcessorName() string  { return w.processor }
func (w *world) LibraryVersion() string { return w.version }
func (w *world) ThreadLevel() string    { return w.thread }

// Abort calls MPI_Abort on MPI_COMM_WORLD, which ends every rank of the
// job (also from a split communicator: the job fails as a whole), and
// exits the process with code should MPI_Abort return.
func (w *world) Abort(code int) {
	var finalized C.int
	if C.MPI_Finalized(&finalized) == C.MPI_SUCCESS && finalized == 0 {
		C.MPI_Abort(C.world(), C.int(code))
	}
	os.Exit(code)
}

func (w *world) Finalize() error {
	if w.split {
		return argError("Finalize", ErrSplit, "Free a split communicator; Finalize the world")
	}
	if err := w.enter("Finalize"); err != nil {
		return err
	}
	if err := w.freeShared(); err != nil {
		return err
	}
	w.finalized = true
	return check("MPI_Finalize", C.MPI_Finalize())
}

// Split is MPI_Comm_split: the ranks that pass the same color form a new
// communicator, ordered by key (ties by rank here). Every rank of w must
// call it. The new communicator returns error codes, as the world does.
func (w *world) Split(color, key int) (Comm, error) {
	const call = "Split"
	if err := w.enter(call); err != nil {
		return nil, err
	}
	if err := checkColor(call, color); err != nil {
		return nil, err
	}
	n := &world{split: true, thread: w.thread, processor: w.processor, version: w.version}
	if err := check("MPI_Comm_split", C.MPI_Comm_split(w.comm, C.int(color), C.int(key), &n.comm)); err != nil {
		return nil, err
	}
	if err := check("MPI_Comm_set_errhandler", C.MPI_Comm_set_errhandler(n.comm, C.errors_return())); err != nil {
		return nil, err
	}
	if err := n.readRankSize(); err != nil {
		return nil, err
	}
	return n, nil
}

// Free is MPI_Comm_free of a communicator made by Split; every rank of it
// must call it. The world itself is not freed (Finalize ends it).
func (w *world) Free() error {
	if !w.split {
		return argError("Free", ErrSplit, "the world is not freed; Finalize it")
	}
	if err := w.enter("Free"); err != nil {
		return err
	}
	if err := w.freeShared(); err != nil {
		return err
	}
	w.finalized = true
	return check("MPI_Comm_free", C.MPI_Comm_free(&w.comm))
}

// SendBytes is MPI_Send of buf to rank dest with tag.
func (w *world) SendBytes(buf []byte, dest, tag int) error {
	const call = "SendBytes"
	if err := w.checkPeer(call, len(buf), dest, tag, false); err != nil {
		return err
	}
	return check("MPI_Send", C.MPI_Send(unsafe.Pointer(&buf[0]), C.int(len(buf)), mpiByte, C.int(dest), C.int(tag), w.comm))
}

// RecvBytes is MPI_Recv into buf of a message from source (or AnySource)
// with tag; it returns the bytes received and the sender's rank.
func (w *world) RecvBytes(buf []byte, source, tag int) (n, from int, err error) {
	const call = "RecvBytes"
	if err := w.checkPeer(call, len(buf), source, tag, true); err != nil {
		return 0, 0, err
	}
	var cfrom, count C.int
	if err := check("MPI_Recv", C.recv_bytes(unsafe.Pointer(&buf[0]), C.int(len(buf)), w.source(source), C.int(tag), w.comm, &cfrom, &count)); err != nil {
		return 0, 0, err
	}
	return int(count), int(cfrom), nil
}

// Probe is MPI_Iprobe: whether a message from source (or AnySource) with
// tag waits to be received, its sender and its size in bytes. It does not
// block.
func (w *world) Probe(source, tag int) (ok bool, from, n int, err error) {
	const call = "Probe"
	if err := w.checkPeer(call, 1, source, tag, true); err != nil {
		return false, 0, 0, err
	}
	var flag, cfrom, count C.int
	if err := check("MPI_Iprobe", C.probe_bytes(w.source(source), C.int(tag), w.comm, &flag, &cfrom, &count)); err != nil {
		return false, 0, 0, err
	}
	return flag != 0, int(cfrom), int(count), nil
}

func (w *world) source(s int) C.int {
	if s == AnySource {
		return C.any_source()
	}
	return C.int(s)
}

func (w *world) checkPeer(call string, n, peer, tag int, any bool) error {
	if err := w.enter(call); err != nil {
		return err
	}
	if err := checkBuf(call, n); err != nil {
		return err
	}
	return checkPeerTag(call, peer, tag, w.size, any)
}

// mpiErrCount is MPI_ERR_COUNT, for tests of check.
const mpiErrCount = C.MPI_ERR_COUNT
