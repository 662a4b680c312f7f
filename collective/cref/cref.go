//go:build cgo && !nompi && !nocblas

package cref

/*
#cgo !mpich pkg-config: ompi-c
#cgo mpich pkg-config: mpich
#cgo pkg-config: openblas
#cgo CFLAGS: -O3
#cgo LDFLAGS: -lm
#include "cref.h"

static MPI_Comm world(void) { return MPI_COMM_WORLD; }

// thread_main is MPI_Is_thread_main's flag, or its error code negated.
static int thread_main(void) {
	int flag = 0, rc = MPI_Is_thread_main(&flag);
	return rc != MPI_SUCCESS ? -rc : flag;
}

// error_text is MPI_Error_string's text for rc.
static void error_text(int rc, char *buf, int *n) {
	if (MPI_Error_string(rc, buf, n) != MPI_SUCCESS) *n = 0;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"mpitrain/collective"
)

// Loop is the C reference loop over one buffer of count floats in C
// memory, with an MLP's step between its sums or none.
type Loop struct {
	comm  collective.Comm
	m     *C.cref_mlp // nil: sums only
	buf   *C.float
	count int
	shm   bool
	// Update adds, with an MLP, the training step's passes over the
	// parameters around each sum: the buffer zeroed before the step, and
	// after the sum a check for NaN and Inf and Adam's pass over the
	// parameters and both moments, which leaves the buffer scaled by
	// 1/1024 (Adam's step size is 0, so the parameters and the products
	// keep their values).
	Update bool
}

// New makes the loop on the world c (the communicator collective.Init
// returned: the C code sums over MPI_COMM_WORLD). widths are an MLP's
// layer widths (input first; nil or empty: no step between the sums) and
// rows its shard's rows; count is the number of floats each call sums,
// at least the MLP's parameter count (the gradients lie at the start, in
// the trainer's layout). With shm the sums go through c's shared-memory
// window, as c's own sums of count floats do (an error where c has none:
// one rank, ranks on several hosts, the window switched off); without,
// MPI_Allreduce in place. Free releases it.
func New(c collective.Comm, widths []int, rows, count int, shm bool) (*Loop, error) {
	if c == nil {
		return nil, errors.New("cref: no communicator")
	}
	if count < 1 || count > 1<<31-1 {
		return nil, fmt.Errorf("cref: count %d: want 1 to 2^31-1 floats", count)
	}
	l := &Loop{comm: c, count: count, shm: shm}
	if len(widths) > 0 {
		w := make([]C.int, len(widths))
		params := 0
		for i, v := range widths {
			if v < 1 || v > 1<<20 {
				return nil, fmt.Errorf("cref: width %d: want 1 to 2^20", v)
			}
			w[i] = C.int(v)
			if i > 0 {
				params += widths[i-1]*v + v
			}
		}
		if len(widths) < 2 || rows < 1 {
			return nil, fmt.Errorf("cref: an MLP needs two widths or more and rows >= 1 (widths %v, rows %d)", widths, rows)
		}
		if params > count {
			return nil, fmt.Errorf("cref: the MLP %v has %d parameters, more than the %d floats summed", widths, params, count)
		}
		if l.m = C.cref_mlp_new(&w[0], C.int(len(w)), C.int(rows)); l.m == nil {
			return nil, fmt.Errorf("cref: no memory for the MLP %v on %d rows", widths, rows)
		}
	}
	if l.buf = (*C.float)(C.cref_buffer(C.size_t(count) * 4)); l.buf == nil {
		l.Free()
		return nil, fmt.Errorf("cref: no memory for %d floats", count)
	}
	return l, nil
}

// Buffer is the summed buffer (C memory, valid until Free).
func (l *Loop) Buffer() []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(l.buf)), l.count)
}

// Run makes len(each) calls: the step (if any), then the sum of the
// buffer, and stores each sum's time in seconds in each. Every rank calls
// it with the same length, from the main goroutine (MPI's main thread).
// The whole loop is one cgo call.
func (l *Loop) Run(each []float64) error {
	if len(each) == 0 {
		return nil
	}
	switch main := C.thread_main(); {
	case main < 0:
		return mpiError("MPI_Is_thread_main", -main)
	case main == 0:
		return errors.New("cref: Run must be called from the main goroutine (MPI's main thread)")
	}
	var win *C.shm
	if l.shm {
		// Asked each time: a longer sum through the communicator may
		// have replaced the window.
		p, err := collective.SharedWindow(l.comm, 4*l.count)
		if err != nil {
			return err
		}
		if p == nil {
			return errors.New("cref: no shared-memory window for these ranks (one rank, ranks on several hosts, or the window switched off)")
		}
		win = (*C.shm)(p)
	}
	out := (*C.double)(unsafe.Pointer(&each[0]))
	if rc := C.cref_run(l.m, boolInt(l.Update), win, C.world(), l.buf, C.long(l.count), C.long(len(each)), out); rc != C.MPI_SUCCESS {
		call := "MPI_Allreduce"
		if l.shm {
			call = "MPI_Barrier"
		}
		return mpiError(call, rc)
	}
	return nil
}

// Free releases the loop's C memory; the loop is unusable afterwards.
func (l *Loop) Free() {
	C.cref_mlp_free(l.m)
	C.free(unsafe.Pointer(l.buf))
	l.m, l.buf = nil, nil
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func mpiError(call string, rc C.int) error {
	var buf [C.MPI_MAX_ERROR_STRING]C.char
	var n C.int
	C.error_text(rc, &buf[0], &n)
	return &collective.MPIError{Call: call, Text: C.GoStringN(&buf[0], n)}
}
