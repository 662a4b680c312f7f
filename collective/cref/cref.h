/* cref.h: the C reference of the training loop's step around its gradient
 * sum: an MLP's forward and backward GEMMs on a shard (OpenBLAS, as the
 * trainer calls them), the SUM of the reduce buffer (the trainer's
 * shared-memory sum, collective/shm.h, or MPI_Allreduce in place), each
 * sum timed, and, when asked, the passes the training loop makes over the
 * parameters around it (zeroing the buffer, the finite check, Adam).
 * Package cref runs it inside the trainer's own process (`trainer bench
 * --c_reference`), scripts/allreduce_bench.c in a process of its own; both
 * include this file. Build with -O3 (shm.h's adding loops), link MPI and
 * OpenBLAS. */
#ifndef MPITRAIN_CREF_H
#define MPITRAIN_CREF_H

#include <cblas.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../shm.h"

/* cref_buffer is a zeroed buffer of bytes, placed as the trainer places
 * its reduce buffer (mlp.reduceBuffer): from 1 MiB on, in whole 2 MiB
 * pages advised for transparent huge pages before the first touch, so that
 * a sum that pins the pages (MPI's single-copy CMA) finds the same pages
 * in Go's buffer and in C's; below, calloc. free() frees it; NULL when
 * memory is short. */
static void *cref_buffer(size_t bytes) {
	if (bytes < ((size_t)1 << 20)) return calloc(bytes, 1);
	size_t huge = (size_t)2 << 20, span = (bytes + huge - 1) / huge * huge;
	void *p = aligned_alloc(huge, span);
	if (p == NULL) return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, span, MADV_HUGEPAGE); /* best effort: no THP is no error */
#endif
	memset(p, 0, span);
	return p;
}

/* cref_mlp is an MLP's GEMMs on a shard: widths w[0..nl], activations
 * a[l] (rows x w[l]) and their gradients d[l], weights W[l] (w[l+1] x
 * w[l]), which lie in params in the trainer's layout (weights, then bias,
 * layer by layer), beside Adam's moments m and v. The values are fixed
 * (a[0] = 1, W[l] = 1/w[l], d[nl] = 1), so every product is finite and,
 * for widths that are powers of two, exact: package cref's test checks
 * the gradient the loop sums. The Adam pass runs with a step size of 0,
 * so the parameters, and with them every product, stay as they are. */
typedef struct {
	int nl, rows, *w;
	float **a, **d, **W;
	float *params, *m, *v;
	long np;
	volatile float lr; /* 0; volatile: the pass is not optimized away */
} cref_mlp;

/* cref_params is the parameter count of the widths w[0..n-1]. */
static long cref_params(const int *w, int n) {
	long p = 0;
	for (int l = 0; l + 1 < n; l++)
		p += (long)w[l + 1] * w[l] + w[l + 1];
	return p;
}

/* cref_mlp_free frees m and what it holds (NULL is ignored). */
static void cref_mlp_free(cref_mlp *m) {
	if (m == NULL) return;
	for (int l = 0; l <= m->nl; l++) {
		if (m->a) free(m->a[l]);
		if (m->d) free(m->d[l]);
	}
	free(m->a);
	free(m->d);
	free(m->W);
	free(m->params);
	free(m->m);
	free(m->v);
	free(m->w);
	free(m);
}

/* cref_mlp_new makes the MLP of the n widths w (n >= 2, each 1 to 2^20) on
 * a shard of rows >= 1 rows; NULL when the arguments are bad or memory is
 * short. */
static cref_mlp *cref_mlp_new(const int *w, int n, int rows) {
	if (n < 2 || rows < 1) return NULL;
	for (int l = 0; l < n; l++)
		if (w[l] < 1 || w[l] > 1 << 20) return NULL;
	cref_mlp *m = calloc(1, sizeof *m);
	if (m == NULL) return NULL;
	m->nl = n - 1;
	m->rows = rows;
	m->np = cref_params(w, n);
	m->w = calloc((size_t)n, sizeof(int));
	m->a = calloc((size_t)n, sizeof(float *));
	m->d = calloc((size_t)n, sizeof(float *));
	m->W = calloc((size_t)n, sizeof(float *));
	m->params = calloc((size_t)m->np, sizeof(float));
	m->m = calloc((size_t)m->np, sizeof(float));
	m->v = calloc((size_t)m->np, sizeof(float));
	if (m->w == NULL || m->a == NULL || m->d == NULL || m->W == NULL || m->params == NULL || m->m == NULL || m->v == NULL) {
		cref_mlp_free(m);
		return NULL;
	}
	long off = 0;
	for (int l = 0; l < n; l++) {
		m->w[l] = w[l];
		size_t len = (size_t)rows * (size_t)w[l];
		m->a[l] = calloc(len, sizeof(float));
		m->d[l] = calloc(len, sizeof(float));
		if (m->a[l] == NULL || m->d[l] == NULL) {
			cref_mlp_free(m);
			return NULL;
		}
		if (l == 0)
			for (size_t i = 0; i < len; i++) m->a[l][i] = 1;
		if (l == n - 1)
			for (size_t i = 0; i < len; i++) m->d[l][i] = 1;
		if (l < n - 1) {
			long wl = (long)w[l + 1] * w[l];
			m->W[l] = m->params + off;
			for (long i = 0; i < wl; i++) m->W[l][i] = 1.0f / (float)w[l];
			off += wl + w[l + 1];
		}
	}
	return m;
}

/* cref_mlp_step runs the forward and backward GEMMs, writing each layer's
 * weight gradient into grad at the trainer's offsets (the biases are not
 * written). */
static void cref_mlp_step(const cref_mlp *m, float *grad) {
	int r = m->rows;
	for (int l = 0; l < m->nl; l++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, m->w[l + 1], m->w[l], 1, m->a[l], m->w[l],
			    m->W[l], m->w[l], 0, m->a[l + 1], m->w[l + 1]);
	long off = m->np;
	for (int l = m->nl - 1; l >= 0; l--) {
		off -= (long)m->w[l + 1] * m->w[l] + m->w[l + 1];
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m->w[l + 1], m->w[l], r, 1, m->d[l + 1], m->w[l + 1],
			    m->a[l], m->w[l], 0, grad + off, m->w[l]);
		if (l > 0)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, m->w[l], m->w[l + 1], 1, m->d[l + 1], m->w[l + 1],
				    m->W[l], m->w[l], 0, m->d[l], m->w[l]);
	}
}

/* cref_mlp_update is the training loop's pass after the sum: it checks
 * the summed gradient for NaN and Inf (returns the count found) and takes
 * Adam's step (lr 0: the parameters keep their values) with the gradient
 * scaled by scale, written back as the trainer's fused pass does. */
static long cref_mlp_update(cref_mlp *m, float *grad, float scale) {
	long bad = 0, n = m->np;
	for (long i = 0; i < n; i++) bad += !isfinite(grad[i]);
	if (bad) return bad;
	const float c1 = 0.1f, b2 = 0.999f, c2 = 0.001f, eps = 1e-8f, bc = 0.5f, lr = m->lr;
	float *p = m->params, *mm = m->m, *v = m->v;
	for (long i = 0; i < n; i++) {
		float g = grad[i] * scale;
		grad[i] = g;
		mm[i] += c1 * (g - mm[i]);
		v[i] = b2 * v[i] + c2 * g * g;
		p[i] = p[i] - lr * mm[i] / (sqrtf(v[i]) / bc + eps);
	}
	return 0;
}

/* cref_sum is the SUM of count elements of es bytes (4: float, 8:
 * double) of buf over comm: through the window when there is one, else
 * MPI_Allreduce in place. */
static int cref_sum(shm *win, MPI_Comm comm, void *buf, long count, int es) {
	if (win != NULL) return shm_sum(win, buf, count, es);
	return MPI_Allreduce(MPI_IN_PLACE, buf, (int)count, es == 8 ? MPI_DOUBLE : MPI_FLOAT, MPI_SUM, comm);
}

/* cref_run makes iters calls of the training loop's shape and stores each
 * sum's time in seconds (MPI_Wtime) in each[i]: with m, m's step writing
 * its gradient into buf before the sum; with m and update also, as the
 * training step does, buf zeroed before the step and m's update pass
 * after the sum; then the SUM of count floats of buf. It stops at the
 * first failed sum and returns its code. */
static inline int cref_run(cref_mlp *m, int update, shm *win, MPI_Comm comm, float *buf, long count, long iters, double *each) {
	for (long i = 0; i < iters; i++) {
		if (m != NULL && update) memset(buf, 0, (size_t)count * sizeof(float));
		if (m != NULL) cref_mlp_step(m, buf);
		double t0 = MPI_Wtime();
		int rc = cref_sum(win, comm, buf, count, 4);
		each[i] = MPI_Wtime() - t0;
		if (rc != MPI_SUCCESS) return rc;
		if (m != NULL && update) cref_mlp_update(m, buf, 1.0f / 1024);
	}
	return MPI_SUCCESS;
}

#endif
