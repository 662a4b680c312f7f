// The one place the package calls BLAS: a generic GEMM over float32/float64,
// and the periodic yield that reschedules the training goroutine.
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

// yieldPeriod is how often yieldSometimes yields; 0 never.
var yieldPeriod = 5 * time.Millisecond

// SetYieldPeriod sets how often the training goroutine yields to the Go
// scheduler (every GEMM checks; see yieldSometimes), 0 never, and returns
// the period it replaces. The default is 5 ms; `trainer bench --yield`
// sets it to measure what the yield does. Call it before training, not
// during.
func SetYieldPeriod(d time.Duration) time.Duration {
	old := yieldPeriod
	yieldPeriod = d
	return old
}

// yielded is when yieldSometimes last yielded, in nanoseconds since start.
var (
	yielded atomic.Int64
	start   = time.Now()
)

// yieldSometimes calls runtime.Gosched when yieldPeriod has passed since
// it last did. A training loop runs on one goroutine, locked to the main
// thread (MPI is called from there), and is otherwise never rescheduled.
//
// Where the GEMMs and the sums are cgo calls (direct calls off, or not on
// linux/amd64), the Go runtime's monitor (sysmon, Go 1.26 proc.go retake)
// takes the P of a goroutine in a cgo call when the call spans two of its
// observations and either no other P is idle (GOMAXPROCS 1, as on a rank
// bound to one core) or the goroutine has run 10 ms on one scheduling
// slice; then it hands the P off (waking another thread to look for work),
// sends the thread a preemption signal, and drops its own nap from up to
// 10 ms to 20 us, so it keeps finding calls to retake. Counted with
// uprobes on runtime functions (mlp's BenchmarkStepSched, on one core; the
// README has the figures): without the yield the default step made 10
// times as many sysmon naps, about 3 times the hand-offs and 30-50 times
// the preemption signals, and took 15-30% more CPU. A yield of the locked
// thread starts a new slice at the cost of two thread switches, hence at
// most every 5 ms. It does not shorten sysmon's nap: at GOMAXPROCS 1 one
// cgo call longer than 10 ms puts sysmon back on 20 us naps, and it then
// retakes every GEMM of the loop for good (BenchmarkSysmonAfterLongCall).
//
// As direct calls (package collective/direct, the default on
// linux/amd64) the GEMMs and sums are never retaken: the goroutine is
// running as far as the runtime knows. What is left is the 10 ms rule:
// without a yield sysmon preempts the loop every 10 ms, with a signal into
// whatever GEMM runs and the same two thread switches. The yield makes
// that reschedule itself, signal-free; with it off the sums stay within
// a few percent of C's (trainer bench --yield 0; the README has the
// figures), so nothing depends on it.
func yieldSometimes() {
	if yieldPeriod == 0 {
		return
	}
	now := int64(time.Since(start))
	if last := yielded.Load(); now-last > int64(yieldPeriod) && yielded.CompareAndSwap(last, now) {
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
