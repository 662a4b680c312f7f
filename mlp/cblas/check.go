// Argument checks shared by the OpenBLAS and the pure-Go GEMM.

package cblas

import "fmt"

// check panics unless the row-major operands of a GEMM fit their slices:
// op(A) is m x k, op(B) is k x n and C is m x n.
func check(name string, transA, transB bool, m, n, k int, lenA, lda, lenB, ldb, lenC, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("cblas: %s with m=%d, n=%d, k=%d, want each >= 0", name, m, n, k))
	}
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	need := func(what string, length, rows, cols, ld int) {
		if ld < max(1, cols) {
			panic(fmt.Sprintf("cblas: %s: leading dimension of %s is %d, want >= %d", name, what, ld, max(1, cols)))
		}
		if rows > 0 && cols > 0 && length < (rows-1)*ld+cols {
			panic(fmt.Sprintf("cblas: %s: %s has %d elements, want >= %d for %dx%d with stride %d",
				name, what, length, (rows-1)*ld+cols, rows, cols, ld))
		}
	}
	need("A", lenA, rowsA, colsA, lda)
	need("B", lenB, rowsB, colsB, ldb)
	need("C", lenC, m, n, ldc)
}
