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

// SHM_STATUS is the room for a shm_status at the end of each segment.
#define SHM_STATUS 64

// shm_status is what shm_share exchanges besides the values: an index
// (-1: none) and a value that goes with it.
typedef struct {
	long long index;
	double value;
} shm_status;

// shm is a shared-memory window over a communicator's ranks, all on one
// host: rank q's segment, at segs[q], holds two areas of cap +
// SHM_STATUS bytes each (shm_area), where it publishes values for the
// others and, after them, its status for shm_share. Each publishing call
// (shm_reduce, shm_share) takes the area the call before it did not use:
// a rank that leaves the barrier of one call and publishes for the next
// must not overwrite what a slower rank is still reading from the last
// one. The barrier of the call in between separates the two uses of an
// area. area is the area the last call used; every rank makes the same
// calls, so they agree on it. status is shm_share's status, in and out
// (C memory, so that Go passes no pointer of its own and allocates
// nothing).
typedef struct {
	MPI_Comm node;
	MPI_Win win;
	char **segs;
	int np, rank;
	size_t cap;
	int area;
	shm_status status;
} shm;

// shm_area is area k of rank q's segment.
static char *shm_area(shm *s, int q, int k) { return s->segs[q] + (size_t)k * (s->cap + SHM_STATUS); }

// shm_next switches to the other area and returns it.
static int shm_next(shm *s) { return s->area = 1 - s->area; }

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
	rc = MPI_Win_allocate_shared((MPI_Aint)(mine ? 2 * (cap + SHM_STATUS) : 0), 1, MPI_INFO_NULL, node, &base, &win);
	mine = mine && rc == MPI_SUCCESS;
	for (int q = 0; mine && q < np; q++) {
		MPI_Aint size;
		int unit;
		mine = MPI_Win_shared_query(win, q, &size, &unit, (void *)&segs[q]) == MPI_SUCCESS && (size_t)size == 2 * (cap + SHM_STATUS);
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
	s->area = 1; // the first call uses area 0
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

// value returns element i of rank q's values: its own buffer b for this
// rank, what it published in area k for the others.
static double value(shm *s, const char *b, int q, int k, long i, int es) {
	const char *p = q == s->rank ? b : shm_area(s, q, k);
	return es == 4 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

// shm_reduce is the first half of an in-place SUM Allreduce of n elements
// of es bytes (4: float, 8: double), n*es <= s->cap. The last tail
// elements are summed by every rank, in rank order; of the first m =
// n-tail, rank r sums chunk r, elements [m*r/np, m*(r+1)/np): each rank
// publishes the values that others sum, then adds the others' values of
// its own chunk to its own, in rank order. Afterwards chunk r and the tail
// of rank r's buf hold the sum; its other elements are as they were. The
// tail, summed in the same order on every rank, has the same bits
// everywhere.
static int shm_reduce(shm *s, void *buf, long n, long tail, int es) {
	int np = s->np, r = s->rank, rc, k = shm_next(s);
	char *b = buf, *mine = shm_area(s, r, k);
	long m = n - tail, lo = m * r / np, hi = m * (r + 1) / np;
	memcpy(mine, b, (size_t)lo * es);
	memcpy(mine + hi * es, b + hi * es, (size_t)(n - hi) * es);
	if ((rc = fence(s)) != MPI_SUCCESS) return rc;
	for (int q = 0; q < np; q++) {
		if (q == r) continue;
		if (es == 4)
			add32((float *)b + lo, (const float *)shm_area(s, q, k) + lo, hi - lo);
		else
			add64((double *)b + lo, (const double *)shm_area(s, q, k) + lo, hi - lo);
	}
	for (long i = m; i < n; i++) {
		if (es == 4) {
			float acc = (float)value(s, b, 0, k, i, es);
			for (int q = 1; q < np; q++) acc += (float)value(s, b, q, k, i, es);
			((float *)b)[i] = acc;
		} else {
			double acc = value(s, b, 0, k, i, es);
			for (int q = 1; q < np; q++) acc += value(s, b, q, k, i, es);
			((double *)b)[i] = acc;
		}
	}
	return MPI_SUCCESS;
}

// shm_share gives every rank every rank's chunk of buf, n elements of es
// bytes (chunk q: [n*q/np, n*(q+1)/np)): each rank publishes its own and
// copies the others'. With exchange set the ranks also exchange s->status:
// on return it is the one with the lowest non-negative index over the
// ranks, this rank's own included (index -1 if none has one).
static int shm_share(shm *s, void *buf, long n, int es, int exchange) {
	int np = s->np, r = s->rank, rc, k = shm_next(s);
	shm_status *st = exchange ? &s->status : NULL;
	char *b = buf, *mine = shm_area(s, r, k);
	long lo = n * r / np, hi = n * (r + 1) / np;
	memcpy(mine + lo * es, b + lo * es, (size_t)(hi - lo) * es);
	if (st) memcpy(mine + s->cap, st, sizeof *st);
	if ((rc = fence(s)) != MPI_SUCCESS) return rc;
	for (int q = 0; q < np; q++) {
		if (q == r) continue;
		long qlo = n * q / np, qhi = n * (q + 1) / np;
		memcpy(b + qlo * es, shm_area(s, q, k) + qlo * es, (size_t)(qhi - qlo) * es);
		if (st) {
			shm_status o;
			memcpy(&o, shm_area(s, q, k) + s->cap, sizeof o);
			if (o.index >= 0 && (st->index < 0 || o.index < st->index)) *st = o;
		}
	}
	return MPI_SUCCESS;
}

// shm_sum is an in-place SUM Allreduce of n elements of es bytes (4:
// float, 8: double), n*es <= s->cap: shm_reduce without a tail, then
// shm_share. Every element is summed by one rank, so every rank ends with
// the same bits.
static int shm_sum(shm *s, void *buf, long n, int es) {
	int rc = shm_reduce(s, buf, n, 0, es);
	return rc != MPI_SUCCESS ? rc : shm_share(s, buf, n, es, 0);
}

#endif
