/* shm.h: the SUM Allreduce through an MPI-3 shared-memory window, for a
 * communicator whose ranks all run on one host. The Go binding (shm.go)
 * and the C reference loop of `make bench` (scripts/allreduce_bench.c)
 * both include it, so both time the same code; build with -O3 (shm.go's
 * CFLAGS) so that the adding loops are vectorized. */
#ifndef MPITRAIN_SHM_H
#define MPITRAIN_SHM_H

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

// shm is a shared-memory window over a communicator's ranks, all on one
// host: rank q's segment, at segs[q], holds 2*cap bytes, the values it
// publishes for the others (the first cap bytes) and the chunk of the sum
// it reduced (the last cap bytes).
typedef struct {
	MPI_Comm node;
	MPI_Win win;
	char **segs;
	int np, rank;
	size_t cap;
} shm;

// shm_new makes the window over comm with cap bytes of each kind per rank.
// *ok is 0, with nothing allocated, when comm's ranks are not all on one
// host (every rank reaches the same verdict) or when a rank could not make
// or map the window (the ranks agree on that with an Allreduce over the
// host).
static int shm_new(MPI_Comm comm, size_t cap, shm **out, int *ok) {
	*out = NULL;
	*ok = 0;
	int np, nodesize, rank, rc;
	if ((rc = MPI_Comm_size(comm, &np)) != MPI_SUCCESS) return rc;
	if ((rc = MPI_Comm_rank(comm, &rank)) != MPI_SUCCESS) return rc;
	MPI_Comm node;
	if ((rc = MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node)) != MPI_SUCCESS) return rc;
	if ((rc = MPI_Comm_size(node, &nodesize)) != MPI_SUCCESS) return rc;
	if (nodesize != np) return MPI_Comm_free(&node);
	shm *s = calloc(1, sizeof *s);
	char **segs = s ? calloc((size_t)np, sizeof *segs) : NULL;
	char *base = NULL;
	int mine = s != NULL && segs != NULL;
	MPI_Win win = MPI_WIN_NULL;
	// Every rank must enter the window's creation, also one short of memory.
	rc = MPI_Win_allocate_shared((MPI_Aint)(mine ? 2 * cap : 0), 1, MPI_INFO_NULL, node, &base, &win);
	mine = mine && rc == MPI_SUCCESS;
	for (int q = 0; mine && q < np; q++) {
		MPI_Aint size;
		int unit;
		mine = MPI_Win_shared_query(win, q, &size, &unit, (void *)&segs[q]) == MPI_SUCCESS && (size_t)size == 2 * cap;
	}
	// A window that some rank could not make is no error: every rank
	// learns it here and sums with MPI_Allreduce instead.
	int all = mine;
	int arc = MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_MIN, node);
	if (arc != MPI_SUCCESS || !all) {
		if (win != MPI_WIN_NULL) MPI_Win_free(&win);
		MPI_Comm_free(&node);
		free(segs);
		free(s);
		return arc;
	}
	if ((rc = MPI_Win_lock_all(MPI_MODE_NOCHECK, win)) != MPI_SUCCESS) return rc;
	s->node = node;
	s->win = win;
	s->segs = segs;
	s->np = np;
	s->rank = rank;
	s->cap = cap;
	*out = s;
	*ok = 1;
	return MPI_SUCCESS;
}

// shm_free frees the window and the host communicator; every rank calls it.
static int shm_free(shm *s) {
	int rc = MPI_Win_unlock_all(s->win);
	int rc2 = MPI_Win_free(&s->win);
	int rc3 = MPI_Comm_free(&s->node);
	free(s->segs);
	free(s);
	return rc != MPI_SUCCESS ? rc : rc2 != MPI_SUCCESS ? rc2 : rc3;
}

// fence makes this rank's stores to the window visible to the others and
// theirs to it: a memory barrier, the ranks' barrier, a memory barrier
// (the separate-model idiom MPI-3 gives for shared windows).
static int fence(shm *s) {
	MPI_Win_sync(s->win);
	int rc = MPI_Barrier(s->node);
	MPI_Win_sync(s->win);
	return rc;
}

static void add32(float *restrict a, const float *restrict b, long n) {
	for (long i = 0; i < n; i++) a[i] += b[i];
}
static void add64(double *restrict a, const double *restrict b, long n) {
	for (long i = 0; i < n; i++) a[i] += b[i];
}

// shm_sum is an in-place SUM Allreduce of n elements of es bytes (4:
// float, 8: double), n*es <= s->cap. Rank r reduces chunk r, elements
// [n*r/np, n*(r+1)/np): each rank publishes the chunks the others reduce,
// every rank adds the others' values of its own chunk to its own in rank
// order, publishes the result, and copies the other chunks' results. Every
// element is summed by one rank, so every rank ends with the same bits.
static int shm_sum(shm *s, void *buf, long n, int es) {
	int np = s->np, r = s->rank, rc;
	char *b = buf, *mine = s->segs[r];
	long lo = n * r / np, hi = n * (r + 1) / np;
	memcpy(mine, b, (size_t)lo * es);
	memcpy(mine + hi * es, b + hi * es, (size_t)(n - hi) * es);
	if ((rc = fence(s)) != MPI_SUCCESS) return rc;
	for (int q = 0; q < np; q++) {
		if (q == r) continue;
		if (es == 4)
			add32((float *)b + lo, (const float *)s->segs[q] + lo, hi - lo);
		else
			add64((double *)b + lo, (const double *)s->segs[q] + lo, hi - lo);
	}
	memcpy(mine + s->cap + lo * es, b + lo * es, (size_t)(hi - lo) * es);
	if ((rc = fence(s)) != MPI_SUCCESS) return rc;
	for (int q = 0; q < np; q++) {
		if (q == r) continue;
		long qlo = n * q / np, qhi = n * (q + 1) / np;
		memcpy(b + qlo * es, s->segs[q] + s->cap + qlo * es, (size_t)(qhi - qlo) * es);
	}
	return MPI_SUCCESS;
}

#endif
