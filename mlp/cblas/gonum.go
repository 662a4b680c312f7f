// The pure-Go fallback: gonum's GEMM, for builds without cgo or OpenBLAS.

//go:build !cgo || nompi || nocblas

package cblas

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// OpenBLAS is false: the calls run gonum's pure-Go GEMM.
const OpenBLAS = false

// Tile sizes for gonum's GEMM. gonum.Implementation's [SD]gemm starts
// goroutines (and allocates a channel, a WaitGroup and closures) as soon as
// C spans 4 or more 64x64 blocks; a rank here is one single-threaded
// process per core, so those goroutines buy nothing and break the
// allocation-free training step. Calling it on tiles of at most 64x192
// keeps every call on its serial path. Each element of C is still summed
// over the whole k dimension in one pass, so results do not depend on the
// tiling.
const (
	tileRows = 64
	tileCols = 192
)

var impl gonum.Implementation

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// tileOffsets returns where rows i.. of op(A) and columns j.. of op(B) start.
func tileOffsets(transA, transB bool, i, j, lda, ldb int) (ao, bo int) {
	ao, bo = i*lda, j
	if transA {
		ao = i
	}
	if transB {
		bo = j * ldb
	}
	return ao, bo
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32
// matrices, op(A) m x k, op(B) k x n, C m x n; transA and transB transpose
// A and B. It panics if a dimension or a slice does not fit.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	check("Sgemm", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	tA, tB := trans(transA), trans(transB)
	for i := 0; i < m; i += tileRows {
		mi := min(tileRows, m-i)
		for j := 0; j < n; j += tileCols {
			nj := min(tileCols, n-j)
			ao, bo := tileOffsets(transA, transB, i, j, lda, ldb)
			impl.Sgemm(tA, tB, mi, nj, k, alpha, a[ao:], lda, b[bo:], ldb, beta, c[i*ldc+j:], ldc)
		}
	}
}

// Dgemm is Sgemm for float64.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	check("Dgemm", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	tA, tB := trans(transA), trans(transB)
	for i := 0; i < m; i += tileRows {
		mi := min(tileRows, m-i)
		for j := 0; j < n; j += tileCols {
			nj := min(tileCols, n-j)
			ao, bo := tileOffsets(transA, transB, i, j, lda, ldb)
			impl.Dgemm(tA, tB, mi, nj, k, alpha, a[ao:], lda, b[bo:], ldb, beta, c[i*ldc+j:], ldc)
		}
	}
}

// SetThreads does nothing but check n: the pure-Go GEMM here is always
// serial.
func SetThreads(n int) {
	if n < 1 {
		panic(fmt.Sprintf("cblas: SetThreads(%d), want >= 1", n))
	}
}

// Threads is 1.
func Threads() int { return 1 }

// CoreName is "" without OpenBLAS.
func CoreName() string { return "" }

// Name describes the implementation.
func Name() string { return "gonum (pure Go)" }
