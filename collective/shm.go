// The SUM Allreduce through an MPI-3 shared-memory window, for a
// communicator whose ranks all run on one host.

//go:build !nompi

package collective

/*
#cgo CFLAGS: -O3
#include "shm.h"

// SHM_NOT_MAIN is what the _main calls return off MPI's main thread, having
// made no other MPI call (MPI's error codes are not negative).
#define SHM_NOT_MAIN (-1)

// main_check is MPI_SUCCESS on MPI's main thread, else SHM_NOT_MAIN or
// MPI_Is_thread_main's error code.
static int main_check(void) {
	int flag = 0, rc = MPI_Is_thread_main(&flag);
	return rc != MPI_SUCCESS ? rc : flag ? MPI_SUCCESS : SHM_NOT_MAIN;
}

// shm_sum_main, shm_reduce_main and shm_share_main are shm.h's calls after
// the main-thread check, in one cgo call.
static int shm_sum_main(shm *s, void *buf, long n, int es) {
	int rc = main_check();
	return rc != MPI_SUCCESS ? rc : shm_sum(s, buf, n, es);
}
static int shm_reduce_main(shm *s, void *buf, long n, long tail, int es) {
	int rc = main_check();
	return rc != MPI_SUCCESS ? rc : shm_reduce(s, buf, n, tail, es);
}
static int shm_share_main(shm *s, void *buf, long n, int es, int exchange) {
	int rc = main_check();
	return rc != MPI_SUCCESS ? rc : shm_share(s, buf, n, es, exchange);
}

// allreduce_main is MPI_Allreduce in place after the main-thread check.
static int allreduce_main(void *buf, int n, MPI_Datatype type, MPI_Op op, MPI_Comm comm) {
	int rc = main_check();
	return rc != MPI_SUCCESS ? rc : MPI_Allreduce(MPI_IN_PLACE, buf, n, type, op, comm);
}

// The training loop's sums as direct calls (direct.go): each a
// void (*)(void *) whose arguments and result are in a sum_args.
typedef struct {
	shm *s;
	void *buf;
	long n, tail;
	int es, exchange;
	MPI_Datatype type;
	MPI_Op op;
	MPI_Comm comm;
	int rc;
} sum_args;
void mpitrain_shm_sum(void *p) {
	sum_args *a = p;
	a->rc = shm_sum_main(a->s, a->buf, a->n, a->es);
}
void mpitrain_shm_reduce(void *p) {
	sum_args *a = p;
	a->rc = shm_reduce_main(a->s, a->buf, a->n, a->tail, a->es);
}
void mpitrain_shm_share(void *p) {
	sum_args *a = p;
	a->rc = shm_share_main(a->s, a->buf, a->n, a->es, a->exchange);
}
void mpitrain_allreduce(void *p) {
	sum_args *a = p;
	a->rc = allreduce_main(a->buf, (int)a->n, a->type, a->op, a->comm);
}
*/
import "C"

import "unsafe"

// shmStatus (comm.go) is SHM_STATUS: an array length goes negative, and
// the build fails, if they differ.
var (
	_ [shmStatus - C.SHM_STATUS]struct{}
	_ [C.SHM_STATUS - shmStatus]struct{}
)

// shmState is a world's shared-memory sum: off (SetSharedSum), not
// possible here (the ranks span hosts, or the window could not be made), or
// a window of some capacity, made at the first SUM that can use it and
// made again, as large as the sum, when a longer one comes.
type shmState struct {
	off    bool   // SetSharedSum(c, false): MPI_Allreduce for every sum
	no     bool   // tried: the ranks are not on one host, or no window
	win    *C.shm // nil until the first sum
	cap    int    // bytes per rank and kind
	lastOK bool   // the last SUM went through the window
}

// window makes sure the window can take bytes per rank and kind,
// making it (again) if needed, and reports whether it can be used: not
// when it is off, for a world of one rank, past sharedSumLimit, or where
// the ranks span hosts or could not make it. Every rank reaches the same
// decision: they call it with the same bytes.
func (w *world) window(bytes int) (bool, error) {
	st := &w.shm
	if !w.windowPossible(bytes) {
		return false, nil
	}
	if st.win == nil || st.cap < bytes {
		capacity := max(shmMinCap, bytes)
		if err := w.freeShared(); err != nil {
			return false, err
		}
		var ok C.int
		if err := check("MPI_Win_allocate_shared", C.shm_new(w.comm, C.size_t(capacity), &st.win, &ok)); err != nil {
			return false, err
		}
		if ok == 0 {
			st.no = true
			return false, nil
		}
		st.cap = capacity
	}
	return true, nil
}

// windowPossible reports whether a SUM of bytes per rank may go through a
// window: it is not off, nor known impossible, the world has ranks to sum
// over, and the sum is within sharedSumLimit.
func (w *world) windowPossible(bytes int) bool {
	st := &w.shm
	return !st.off && !st.no && w.size >= 2 && bytes <= sharedSumLimit
}

// windowReady reports whether a SUM of bytes per rank goes through the
// window as it stands, without making it: then the sum is one C call.
func (w *world) windowReady(bytes int) bool {
	st := &w.shm
	return !st.off && st.win != nil && st.cap >= bytes && bytes <= sharedSumLimit
}

// mainRC is check for the _main calls: SHM_NOT_MAIN is ErrNotMainThread.
func mainRC(call, mpiCall string, rc C.int) error {
	if rc == C.SHM_NOT_MAIN {
		return notMain(call)
	}
	return check(mpiCall, rc)
}

// sumReady is sumShared where the window is ready, with the main-thread
// check in the same cgo call; done false: nothing was done.
func (w *world) sumReady(call string, buf unsafe.Pointer, n, es int) (done bool, err error) {
	if !w.windowReady(n * es) {
		return false, nil
	}
	a := C.sum_args{s: w.shm.win, buf: buf, n: C.long(n), es: C.int(es)}
	if !callDirect(C.mpitrain_shm_sum, unsafe.Pointer(&a)) {
		a.rc = C.shm_sum_main(a.s, a.buf, a.n, a.es)
	}
	rc := a.rc
	if rc != C.SHM_NOT_MAIN {
		w.shm.lastOK = true
	}
	return true, mainRC(call, "MPI_Barrier", rc)
}

// sumShared reduces n elements of es bytes at buf through the window when
// it can, making the window first if needed, and reports whether it did.
func (w *world) sumShared(buf unsafe.Pointer, n, es int) (bool, error) {
	ok, err := w.window(n * es)
	w.shm.lastOK = ok && err == nil
	if !ok || err != nil {
		return false, err
	}
	return true, check("MPI_Barrier", C.shm_sum(w.shm.win, buf, C.long(n), C.int(es)))
}

// reduceShard is the first half of sumShared (shm_reduce): afterwards
// this rank's chunk of the first n-tail elements, [lo, hi), and the last
// tail hold the sum. ok false: nothing was done. It makes the main-thread
// check, in the same cgo call where the window is ready.
func (w *world) reduceShard(call string, buf unsafe.Pointer, n, tail, es int) (lo, hi int, ok bool, err error) {
	m := n - tail
	lo, hi = m*w.rank/w.size, m*(w.rank+1)/w.size
	if w.windowReady(n * es) {
		a := C.sum_args{s: w.shm.win, buf: buf, n: C.long(n), tail: C.long(tail), es: C.int(es)}
		if !callDirect(C.mpitrain_shm_reduce, unsafe.Pointer(&a)) {
			a.rc = C.shm_reduce_main(a.s, a.buf, a.n, a.tail, a.es)
		}
		rc := a.rc
		if rc == C.SHM_NOT_MAIN {
			return 0, 0, false, notMain(call)
		}
		w.shm.lastOK = true
		return lo, hi, true, check("MPI_Barrier", rc)
	}
	if err := w.onMainThread(call); err != nil {
		return 0, 0, false, err
	}
	ok, err = w.window(n * es)
	w.shm.lastOK = ok && err == nil
	if !ok || err != nil {
		return 0, 0, false, err
	}
	return lo, hi, true, check("MPI_Barrier", C.shm_reduce(w.shm.win, buf, C.long(n), C.long(tail), C.int(es)))
}

// shareShard copies the other ranks' chunks of n elements of es bytes
// into buf and exchanges bad and val (shm_share). It needs the window that
// a reduceShard of at least n elements used. It makes the main-thread
// check, in the same cgo call where the window is ready.
func (w *world) shareShard(call string, buf unsafe.Pointer, n, es, bad int, val float64) (int, float64, error) {
	ready := w.windowReady(n * es)
	if !ready {
		if err := w.onMainThread(call); err != nil {
			return -1, 0, err
		}
		ok, err := w.window(n * es)
		if err != nil {
			return -1, 0, err
		}
		if !ok {
			return -1, 0, argError(call, ErrNoWindow, "")
		}
	}
	st := &w.shm.win.status // C memory: the call allocates nothing
	st.index, st.value = C.longlong(bad), C.double(val)
	if bad < 0 {
		st.index = -1
	}
	a := C.sum_args{s: w.shm.win, buf: buf, n: C.long(n), es: C.int(es), exchange: 1}
	if !callDirect(C.mpitrain_shm_share, unsafe.Pointer(&a)) {
		a.rc = C.shm_share_main(a.s, a.buf, a.n, a.es, a.exchange)
	}
	err := mainRC(call, "MPI_Barrier", a.rc)
	return int(st.index), float64(st.value), err
}

// windowHandle is window's C shm, or nil where a sum of bytes per rank
// does not use the window.
func (w *world) windowHandle(bytes int) (unsafe.Pointer, error) {
	ok, err := w.window(bytes)
	if !ok || err != nil {
		return nil, err
	}
	return unsafe.Pointer(w.shm.win), nil
}

// freeShared frees the window, if there is one; every rank calls it.
func (w *world) freeShared() error {
	if w.shm.win == nil {
		return nil
	}
	win := w.shm.win
	w.shm.win, w.shm.cap = nil, 0
	return check("MPI_Win_free", C.shm_free(win))
}

func (w *world) setSharedSum(on bool) { w.shm.off = !on }

func (w *world) sharedSum() bool { return w.shm.lastOK }

// allreduceMain is MPI_Allreduce in place over w.comm with the main-thread
// check, in one C call (SHM_NOT_MAIN off the main thread).
func (w *world) allreduceMain(buf unsafe.Pointer, n int, typ C.MPI_Datatype, op C.MPI_Op) C.int {
	a := C.sum_args{buf: buf, n: C.long(n), _type: typ, op: op, comm: w.comm}
	if !callDirect(C.mpitrain_allreduce, unsafe.Pointer(&a)) {
		a.rc = C.allreduce_main(a.buf, C.int(a.n), a._type, a.op, a.comm)
	}
	return a.rc
}
