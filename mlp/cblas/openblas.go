// The cgo binding to OpenBLAS: one Go function per CBLAS call.

//go:build cgo && !nompi && !nocblas

package cblas

/*
#cgo pkg-config: openblas
#include <stdlib.h>
#include <cblas.h>

static void sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
		const float *b, int ldb, float beta, float *c, int ldc) {
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
		const double *b, int ldb, double beta, double *c, int ldc) {
	cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// gemm_args are a GEMM's arguments for the direct calls (package
// collective/direct): mpitrain_sgemm and mpitrain_dgemm are sgemm and
// dgemm as functions of type void (*)(void *).
typedef struct {
	int ta, tb, m, n, k, lda, ldb, ldc;
	double alpha, beta;
	const void *a, *b;
	void *c;
} gemm_args;
void mpitrain_sgemm(void *p) {
	const gemm_args *g = p;
	sgemm(g->ta, g->tb, g->m, g->n, g->k, (float)g->alpha, g->a, g->lda, g->b, g->ldb, (float)g->beta, g->c, g->ldc);
}
void mpitrain_dgemm(void *p) {
	const gemm_args *g = p;
	dgemm(g->ta, g->tb, g->m, g->n, g->k, g->alpha, g->a, g->lda, g->b, g->ldb, g->beta, g->c, g->ldc);
}

// threads_from_env reports whether the user chose OpenBLAS's thread count.
static int threads_from_env(void) {
	return getenv("OPENBLAS_NUM_THREADS") != NULL || getenv("GOTO_NUM_THREADS") != NULL ||
		getenv("OMP_NUM_THREADS") != NULL;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	"mpitrain/collective/direct"
)

// OpenBLAS is true when the calls go to OpenBLAS.
const OpenBLAS = true

// One thread per process unless the environment asks for more.
func init() {
	if C.threads_from_env() == 0 {
		C.openblas_set_num_threads(1)
	}
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32
// matrices, op(A) m x k, op(B) k x n, C m x n; transA and transB transpose
// A and B. It panics if a dimension or a slice does not fit.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	check("Sgemm", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// Nothing of A or B is read; OpenBLAS still wants valid pointers.
		a, b = c, c
	}
	if callDirect(C.mpitrain_sgemm, transA, transB, m, n, k, float64(alpha), unsafe.Pointer(&a[0]), lda, unsafe.Pointer(&b[0]), ldb, float64(beta), unsafe.Pointer(&c[0]), ldc) {
		return
	}
	C.sgemm(cbool(transA), cbool(transB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(&a[0]), C.int(lda), (*C.float)(&b[0]), C.int(ldb), C.float(beta), (*C.float)(&c[0]), C.int(ldc))
}

// Dgemm is Sgemm for float64.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	check("Dgemm", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		a, b = c, c
	}
	if callDirect(C.mpitrain_dgemm, transA, transB, m, n, k, alpha, unsafe.Pointer(&a[0]), lda, unsafe.Pointer(&b[0]), ldb, beta, unsafe.Pointer(&c[0]), ldc) {
		return
	}
	C.dgemm(cbool(transA), cbool(transB), C.int(m), C.int(n), C.int(k), C.double(alpha),
		(*C.double)(&a[0]), C.int(lda), (*C.double)(&b[0]), C.int(ldb), C.double(beta), (*C.double)(&c[0]), C.int(ldc))
}

// callDirect makes the GEMM fn (mpitrain_sgemm or mpitrain_dgemm) as a
// direct call (package collective/direct: no cgo call protocol, so the Go
// runtime does not retake the thread's P during a GEMM of milliseconds)
// and reports whether it did; when not (off, not supported here, or the
// stack taken by another goroutine's call), the caller makes a cgo call.
// alpha and beta are converted back to float for sgemm.
func callDirect(fn unsafe.Pointer, transA, transB bool, m, n, k int, alpha float64, a unsafe.Pointer, lda int, b unsafe.Pointer, ldb int, beta float64, c unsafe.Pointer, ldc int) bool {
	g := C.gemm_args{ta: cbool(transA), tb: cbool(transB), m: C.int(m), n: C.int(n), k: C.int(k),
		lda: C.int(lda), ldb: C.int(ldb), ldc: C.int(ldc), alpha: C.double(alpha), beta: C.double(beta), a: a, b: b, c: c}
	return direct.Do(fn, unsafe.Pointer(&g))
}

// SetThreads sets the number of threads OpenBLAS uses for one call (n >= 1).
func SetThreads(n int) {
	if n < 1 {
		panic(fmt.Sprintf("cblas: SetThreads(%d), want >= 1", n))
	}
	C.openblas_set_num_threads(C.int(n))
}

// Threads is the number of threads OpenBLAS uses for one call.
func Threads() int { return int(C.openblas_get_num_threads()) }

// CoreName is the CPU kernel set OpenBLAS chose, such as "Haswell" or
// "SkylakeX" (from the CPU, or from OPENBLAS_CORETYPE).
func CoreName() string { return C.GoString(C.openblas_get_corename()) }

// Name describes the implementation, e.g.
// "OpenBLAS 0.3.21 (Haswell kernels, 1 thread)".
func Name() string {
	cfg := strings.Fields(C.GoString(C.openblas_get_config()))
	v := "OpenBLAS"
	if len(cfg) > 1 {
		v += " " + cfg[1]
	}
	t := Threads()
	return fmt.Sprintf("%s (%s kernels, %d thread%s)", v, CoreName(), t, map[bool]string{true: "s"}[t != 1])
}
