// The one place the package calls BLAS: a generic GEMM over float32/float64,
// and the periodic yield that keeps the Go scheduler out of long cgo calls.
package mlp

import (
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"mpitrain/mlp/cblas"
)

// gemm computes C = alpha*op(A)*op(B) + beta*C with row-major storage, where
// op(A) is m x k, op(B) is k x n and C is m x n; transA/transB select
// transposes. It dispatches on the size of T to cblas.Sgemm or cblas.Dgemm:
// OpenBLAS in a cgo build, gonum's pure-Go GEMM otherwise (see package
// cblas). Every matrix product of the package goes through here; after it,
// yieldSometimes.
func gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if is32[T]() {
		cblas.Sgemm(transA, transB, m, n, k, float32(alpha), as32(a), lda, as32(b), ldb, float32(beta), as32(c), ldc)
	} else {
		cblas.Dgemm(transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc)
	}
	yieldSometimes()
}

// yielded is when yieldSometimes last yielded, in nanoseconds since start.
var (
	yielded atomic.Int64
	start   = time.Now()
)

// yieldSometimes calls runtime.Gosched when 5 ms have passed since it last
// did. A training loop otherwise runs on one goroutine, locked to the main
// thread (MPI is called from there), without ever being rescheduled; once
// it has run for 10 ms on one scheduling slice the Go runtime's monitor
// (sysmon) takes its P away during every long cgo call (a GEMM, an
// MPI_Allreduce waiting for the other ranks) and wakes a second thread to
// look for work, as often as every 20-100 us: context switches on the
// rank's core. Measured on the 2-core machine of the README, yielding
// every 5 ms made the default configuration's epoch 8% (np 1) and 10%
// (np 2) faster and the large one's 4%. A yield of the locked thread is
// not free (tens of microseconds on a busy core), hence the 5 ms.
func yieldSometimes() {
	now := int64(time.Since(start))
	if last := yielded.Load(); now-last > int64(5*time.Millisecond) && yielded.CompareAndSwap(last, now) {
		runtime.Gosched()
	}
}

// as32 views a []T of 4-byte elements as []float32 (T's underlying type).
func as32[T Float](s []T) []float32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&s[0])), len(s))
}

// as64 views a []T of 8-byte elements as []float64 (T's underlying type).
func as64[T Float](s []T) []float64 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(&s[0])), len(s))
}

// is32 reports whether T is float32-based.
func is32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}
