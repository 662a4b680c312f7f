/* allreduce_bench.c: MPI_Allreduce(MPI_IN_PLACE, SUM) of floats timed in C,
 * the reference the Go binding's BenchmarkAllreduce is compared with.
 *
 * Build and run (scripts/bench.sh does both):
 *   mpicc -O2 -o allreduce_bench scripts/allreduce_bench.c
 *   mpirun -np 2 ./allreduce_bench COUNT ITERS [REPS] [float|double] [EVICT_BYTES]
 *
 * Like the Go benchmark it reduces zeros in place, calls 20 times to warm up,
 * meets at a Barrier, then times ITERS calls; it does that REPS times and
 * rank 0 prints one line per repetition with the slowest rank's time per
 * call, and the median over calls of the fastest rank's time in each call
 * (the statistic `trainer bench` reports for the training loop's
 * Allreduce as allreduce_us: the rank that arrived last did not wait):
 *   allreduce count=24451 type=float np=2 iters=2000 us_per_call=15.10 fastest_us_median=13.90
 * With EVICT_BYTES > 0 every rank writes that many bytes of another buffer
 * between calls (outside the timed call), as a training step's products
 * fill the caches between two Allreduces; the line then ends evict=N.
 *
 *   mpirun -np 2 ./allreduce_bench COUNT ITERS REPS float 0 WIDTHS ROWS
 *
 * With WIDTHS (an MLP's layer widths, such as 60,512,512,512,1) and ROWS,
 * every rank does, between calls, the GEMMs of that MLP's training step on
 * a shard of ROWS rows, with OpenBLAS as the trainer calls it: forward
 * (each layer's output from its input), then backward (each layer's weight
 * gradient, written into the reduced buffer at its offset in the trainer's
 * layout, and the gradient w.r.t. its input); the line then ends
 * step=WIDTHSxROWS. It is the work the training loop does between its
 * Allreduces, without the element-wise passes; build with -lopenblas -lm.
 * The step and the sum are collective/cref/cref.h's, which `trainer bench
 * --c_reference` also runs, inside the trainer's own process.
 *
 *   mpirun -np 2 ./allreduce_bench COUNT ITERS REPS float 0 WIDTHS ROWS shm
 *
 * With shm last, the loop sums with the trainer's own SUM through a
 * shared-memory window (collective/shm.h, included here: the same code the
 * Go binding calls) instead of MPI_Allreduce; the line then ends alg=shm.
 * Build with -O3, as the Go package compiles shm.h:
 *   mpicc -O3 -o allreduce_bench scripts/allreduce_bench.c -lopenblas -lm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collective/cref/cref.h"

static int cmp_double(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* mlp_new parses WIDTHS ("60,512,1") into cref_mlp_new; NULL if bad. */
static cref_mlp *mlp_new(const char *widths, int rows) {
	int cap = 1;
	for (const char *c = widths; *c; c++)
		cap += *c == ',';
	int *w = calloc((size_t)cap, sizeof(int)), n = 0;
	if (w == NULL) return NULL;
	for (const char *c = widths; *c;) {
		char *end;
		long v = strtol(c, &end, 10);
		if (end == c || v < 1 || v > 1 << 20 || (*end != ',' && *end != 0)) {
			free(w);
			return NULL;
		}
		w[n++] = (int)v;
		c = *end ? end + 1 : end;
	}
	cref_mlp *m = cref_mlp_new(w, n, rows);
	free(w);
	return m;
}

static void check(int rc, const char *call) {
	if (rc != MPI_SUCCESS) {
		char msg[MPI_MAX_ERROR_STRING];
		int n = 0;
		MPI_Error_string(rc, msg, &n);
		fprintf(stderr, "allreduce_bench: %s: %s\n", call, msg);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
}

int main(int argc, char **argv) {
	MPI_Init(&argc, &argv);
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	int rank, size;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc < 3) {
		if (rank == 0)
			fprintf(stderr, "usage: allreduce_bench COUNT ITERS [REPS] [float|double]\n");
		MPI_Finalize();
		return 2;
	}
	long count = atol(argv[1]);
	long iters = atol(argv[2]);
	long reps = argc > 3 ? atol(argv[3]) : 1;
	int dbl = argc > 4 && strcmp(argv[4], "double") == 0;
	long evict = argc > 5 ? atol(argv[5]) : 0;
	cref_mlp *step = NULL;
	int use_shm = argc > 8 && strcmp(argv[8], "shm") == 0;
	if (argc > 8 && !use_shm && strcmp(argv[8], "mpi") != 0) {
		if (rank == 0)
			fprintf(stderr, "allreduce_bench: ALG %s: want mpi or shm\n", argv[8]);
		MPI_Finalize();
		return 2;
	}
	if (argc > 7) {
		step = mlp_new(argv[6], atoi(argv[7]));
		if (step == NULL || dbl || step->np > count) {
			if (rank == 0)
				fprintf(stderr, "allreduce_bench: WIDTHS %s and ROWS %s: want widths >= 1 separated by commas, rows >= 1, "
						"float, and at most COUNT parameters\n", argv[6], argv[7]);
			MPI_Finalize();
			return 2;
		}
	}
	if (count < 1 || count > 2147483647L || iters < 1 || reps < 1 || evict < 0) {
		if (rank == 0)
			fprintf(stderr, "allreduce_bench: COUNT, ITERS and REPS must be positive\n");
		MPI_Finalize();
		return 2;
	}
	void *buf = cref_buffer((size_t)count * (dbl ? sizeof(double) : sizeof(float)));
	double *each = calloc((size_t)iters, sizeof(double));
	char *other = evict > 0 ? malloc((size_t)evict) : NULL;
	if (buf == NULL || each == NULL || (evict > 0 && other == NULL)) {
		fprintf(stderr, "allreduce_bench: out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	shm *win = NULL;
	if (use_shm) {
		int ok;
		check(shm_new(MPI_COMM_WORLD, (size_t)count * (dbl ? 8 : 4), &win, &ok), "MPI_Win_allocate_shared");
		if (!ok) {
			if (rank == 0)
				fprintf(stderr, "allreduce_bench: shm: the ranks are not all on one host\n");
			MPI_Finalize();
			return 2;
		}
	}
	for (int i = 0; i < 20; i++) /* warm-up: first touch, connections, caches */
		check(cref_sum(win, MPI_COMM_WORLD, buf, count, dbl ? 8 : 4), "MPI_Allreduce");
	for (long r = 0; r < reps; r++) {
		check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
		double t0 = MPI_Wtime();
		for (long i = 0; i < iters; i++) {
			if (evict > 0)
				memset(other, (int)i, (size_t)evict);
			if (step != NULL)
				cref_mlp_step(step, buf);
			double c0 = MPI_Wtime();
			check(cref_sum(win, MPI_COMM_WORLD, buf, count, dbl ? 8 : 4), "MPI_Allreduce");
			each[i] = MPI_Wtime() - c0;
		}
		double t = MPI_Wtime() - t0, slowest = 0;
		check(MPI_Reduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD), "MPI_Reduce");
		check(MPI_Allreduce(MPI_IN_PLACE, each, (int)iters, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
		qsort(each, (size_t)iters, sizeof(double), cmp_double);
		if (rank == 0) {
			printf("allreduce count=%ld type=%s np=%d iters=%ld us_per_call=%.3f fastest_us_median=%.3f",
			       count, dbl ? "double" : "float", size, iters, slowest / (double)iters * 1e6, each[iters / 2] * 1e6);
			if (evict > 0)
				printf(" evict=%ld", evict);
			if (step != NULL) {
				printf(" step=");
				for (int l = 0; l <= step->nl; l++)
					printf(l ? "-%d" : "%d", step->w[l]);
				printf("x%d", step->rows);
			}
			if (use_shm)
				printf(" alg=shm");
			printf("\n");
		}
	}
	if (win != NULL)
		check(shm_free(win), "MPI_Win_free");
	cref_mlp_free(step);
	free(other);
	free(each);
	free(buf);
	MPI_Finalize();
	return 0;
}
