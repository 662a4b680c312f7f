// The SUM Allreduce through an MPI-3 shared-memory window, for a
// communicator whose ranks all run on one host.

//go:build !nompi

package collective

/*
#cgo CFLAGS: -O3
#include "shm.h"
*/
import "C"

import "unsafe"

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

// sumShared reduces n elements of es bytes at buf through the window when
// it can, making the window first if needed, and reports whether it did.
// Every rank reaches the same decision: they call it with the same n.
func (w *world) sumShared(buf unsafe.Pointer, n, es int) (bool, error) {
	st := &w.shm
	if st.off || st.no || w.size < 2 {
		st.lastOK = false
		return false, nil
	}
	bytes := n * es
	if bytes > sharedSumLimit {
		st.lastOK = false
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
			st.lastOK = false
			return false, nil
		}
		st.cap = capacity
	}
	st.lastOK = true
	return true, check("MPI_Barrier", C.shm_sum(st.win, buf, C.long(n), C.int(es)))
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
