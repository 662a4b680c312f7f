// The one place the package calls BLAS: a generic GEMM over float32/float64.
package mlp

import (
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// Tile sizes for gonum's pure-Go GEMM. gonum.Implementation's [SD]gemm
// starts goroutines (and allocates a channel, a WaitGroup and closures) as
// soon as C spans 4 or more 64x64 blocks; a rank here is one single-threaded
// process per core, so those goroutines buy nothing and break the
// allocation-free step. Calling it on tiles of at most 64x192 keeps every
// call on its serial path. Each element of C is still summed over the whole
// k dimension in one pass, so results do not depend on the tiling.
const (
	tileRows = 64
	tileCols = 192
)

// gemm computes C = alpha*op(A)*op(B) + beta*C with row-major storage, where
// op(A) is m x k, op(B) is k x n and C is m x n; transA/transB select
// transposes. It dispatches on the size of T to blas32 or blas64, whichever
// implementation was installed with blas32.Use / blas64.Use (gonum's by
// default). Every matrix product of the package goes through here.
func gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	if is32[T]() {
		impl := blas32.Implementation()
		if _, pure := impl.(gonum.Implementation); !pure {
			impl.Sgemm(tA, tB, m, n, k, float32(alpha), as32(a), lda, as32(b), ldb, float32(beta), as32(c), ldc)
			return
		}
		for i := 0; i < m; i += tileRows {
			mi := min(tileRows, m-i)
			for j := 0; j < n; j += tileCols {
				nj := min(tileCols, n-j)
				ao, bo := tileOffsets(transA, transB, i, j, lda, ldb)
				impl.Sgemm(tA, tB, mi, nj, k, float32(alpha), as32(a[ao:]), lda, as32(b[bo:]), ldb, float32(beta), as32(c[i*ldc+j:]), ldc)
			}
		}
		return
	}
	impl := blas64.Implementation()
	if _, pure := impl.(gonum.Implementation); !pure {
		impl.Dgemm(tA, tB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc)
		return
	}
	for i := 0; i < m; i += tileRows {
		mi := min(tileRows, m-i)
		for j := 0; j < n; j += tileCols {
			nj := min(tileCols, n-j)
			ao, bo := tileOffsets(transA, transB, i, j, lda, ldb)
			impl.Dgemm(tA, tB, mi, nj, k, float64(alpha), as64(a[ao:]), lda, as64(b[bo:]), ldb, float64(beta), as64(c[i*ldc+j:]), ldc)
		}
	}
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
