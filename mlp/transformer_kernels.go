// The transformer's linear kernels: strided matrix products with bias and
// residual, and the input projection with the positional embedding.
package mlp

// matmulForward computes out = in * wᵀ + b, plus res when res is not nil
// (a residual connection). Rows are strided: row r of out starts at
// r*ldo, of in at r*ldi, of res at r*ldr, so a caller can pick every T-th
// row of a (rows*T, n) matrix with a stride of T*n. As in linearForward,
// out starts as b (plus res) in every row and one GEMM with beta = 1 adds
// the product.
//
//	out (rows, nOut; ldo), in (rows, nIn; ldi), w (nOut, nIn), b (nOut),
//	res (rows, nOut; ldr)
func matmulForward[T Float](out []T, ldo int, in []T, ldi int, w, b, res []T, ldr int, rows, nIn, nOut int) {
	b = b[:nOut]
	for r := 0; r < rows; r++ {
		o := out[r*ldo : r*ldo+nOut]
		if res == nil {
			copy(o, b)
			continue
		}
		x := res[r*ldr : r*ldr+nOut]
		for j, v := range x {
			o[j] = v + b[j]
		}
	}
	gemm(false, true, rows, nOut, nIn, 1, in, ldi, w, nIn, 1, out, ldo)
}

// matmulBackward is matmulForward's pair: it adds the column sums of dOut
// into db (unless db is nil: a caller that already summed them) and
// dOutᵀ * in into dw, and sets dIn = dOut * w, or adds it with accumulate.
// dIn may be nil when the input needs no gradient.
//
//	dIn (rows, nIn; ldi), dw (nOut, nIn), db (nOut), dOut (rows, nOut; ldo),
//	in (rows, nIn; ldin), w (nOut, nIn)
func matmulBackward[T Float](dIn []T, ldi int, dw, db, dOut []T, ldo int, in []T, ldin int, w []T, rows, nIn, nOut int, accumulate bool) {
	if db != nil {
		addColSums(db[:nOut], dOut, ldo, rows)
	}
	gemm(true, false, nOut, nIn, rows, 1, dOut, ldo, in, ldin, 1, dw, nIn)
	if dIn != nil {
		beta := T(0)
		if accumulate {
			beta = 1
		}
		gemm(false, false, rows, nIn, nOut, 1, dOut, ldo, w, nIn, beta, dIn, ldi)
	}
}

// embedForward projects every step of every sample and adds its position:
// out[r, t] = x[r, t] * wᵀ + b + pos[t], a sample's steps read as the rows
// of a (steps, f) matrix.
//
//	out (rows*steps, d), x (rows*steps, f), w (d, f), b (d), pos (steps, d)
func embedForward[T Float](out, x, w, b, pos []T, rows, steps, f, d int) {
	b = b[:d]
	for r := 0; r < rows; r++ {
		for t := 0; t < steps; t++ {
			o := out[(r*steps+t)*d : (r*steps+t+1)*d]
			for j, p := range pos[t*d : (t+1)*d] {
				o[j] = p + b[j]
			}
		}
	}
	gemm(false, true, rows*steps, d, f, 1, x, f, w, f, 1, out, d)
}

// embedBackward is embedForward's pair: it adds into dw, db and dpos the
// gradients of the projection and the positions given dOut; the data need
// no gradient.
//
//	dw (d, f), db (d), dpos (steps, d), dOut (rows*steps, d), x (rows*steps, f)
func embedBackward[T Float](dw, db, dpos, dOut, x []T, rows, steps, f, d int) {
	db = db[:d]
	for r := 0; r < rows; r++ {
		for t := 0; t < steps; t++ {
			dp := dpos[t*d : (t+1)*d]
			for j, v := range dOut[(r*steps+t)*d : (r*steps+t+1)*d] {
				dp[j] += v
				db[j] += v
			}
		}
	}
	gemm(true, false, d, f, rows*steps, 1, dOut, d, x, f, 1, dw, f)
}

// addColSums adds the column sums of d (rows, len(db); row stride ld) into
// db, four rows at a time: db is read and written once per four rows,
// which took a third off the time of a row-by-row loop.
func addColSums[T Float](db, d []T, ld, rows int) {
	n := len(db)
	r := 0
	for ; r+4 <= rows; r += 4 {
		a := d[r*ld : r*ld+n]
		b, c, e := d[(r+1)*ld:][:len(a)], d[(r+2)*ld:][:len(a)], d[(r+3)*ld:][:len(a)]
		db := db[:len(a)]
		for j, v := range a {
			db[j] += (v + b[j]) + (c[j] + e[j])
		}
	}
	for ; r < rows; r++ {
		for j, v := range d[r*ld : r*ld+n] {
			db[j] += v
		}
	}
}
