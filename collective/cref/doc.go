// Package cref runs the C reference of the training loop's gradient sum
// inside the calling process: an MLP's forward and backward GEMMs on a
// shard (OpenBLAS), then the SUM of the gradient buffer, through the same
// shared-memory window the Go binding uses (collective.SharedWindow) or
// with MPI_Allreduce, every sum timed, with no Go code between the calls.
// The C code, cref.h, is also what scripts/allreduce_bench.c runs in a
// process of its own.
//
// `trainer bench --c_reference` alternates the two in one process: after
// each epoch of the training loop, as many calls of this loop as the epoch
// had steps. Both sides then run on the same cores, with the same
// placement of the ranks, the same window and the same MPI state, so their
// ratio is the Go side's own cost and not the difference between two
// mpirun jobs.
//
// It needs cgo, MPI and OpenBLAS; in other builds New returns ErrNoC.
package cref

import "errors"

// ErrNoC: this build has no C reference loop (no cgo, -tags nompi or
// -tags nocblas).
var ErrNoC = errors.New("cref: the C reference loop needs a build with cgo, MPI and OpenBLAS")
