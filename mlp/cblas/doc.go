// Package cblas is the one BLAS binding of the project: row-major SGEMM and
// DGEMM, C = alpha*op(A)*op(B) + beta*C, the only BLAS calls mlp makes.
//
// Built with cgo (and neither tag nompi nor nocblas) the calls go to
// OpenBLAS's cblas_sgemm and cblas_dgemm, found through pkg-config
// (`openblas`; Debian: apt-get install libopenblas-dev). Otherwise they run
// gonum's pure-Go GEMM, so `go build -tags nompi` and CGO_ENABLED=0 builds
// need no C library. Name reports which one is linked.
//
// OpenBLAS runs on one thread per process unless OPENBLAS_NUM_THREADS (or
// OMP_NUM_THREADS) is set in the environment: a rank is one process per
// core, and one thread makes every product deterministic. Its kernels are
// chosen when the library loads, from the CPU or from OPENBLAS_CORETYPE,
// which therefore has to be in the environment before the process starts
// (scripts/blasenv.sh decides whether it must be set).
//
// Both implementations panic with a "cblas: " message on a bad shape: a
// negative dimension, a leading dimension below the row length, or a slice
// too short for the matrix it holds.
package cblas
