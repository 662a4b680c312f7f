// Package collective is the message-passing layer of mpitrain: a small Comm
// interface over the MPI collectives the trainer uses (in-place Allreduce,
// Bcast, Allgather, Barrier), communicators split from the world (Split,
// Free: a sweep trains a run on each group of ranks), and the small
// point-to-point messages a work queue needs (SendBytes, RecvBytes and the
// non-blocking Probe), with a one-rank world, NewSelf, that needs no MPI at
// all.
//
// It is the module's binding to MPI through cgo (the only other cgo is the
// BLAS binding, mlp/cblas). The binding maps one
// Go function onto one MPI call and checks every return code in one place:
// a failed call returns an *MPIError whose text is MPI_Error_string's, such
// as "collective: MPI_Allreduce: MPI_ERR_TRUNCATE: message truncated".
// Init sets MPI_ERRORS_RETURN on MPI_COMM_WORLD so that codes come back to
// Go instead of aborting inside the library.
//
// # Sums on one host
//
// When every rank of a communicator runs on one host, Allreduce32 and
// Allreduce64 with Sum go through an MPI-3 shared-memory window
// (MPI_Comm_split_type, MPI_Win_allocate_shared; the C code is shm.h):
// each rank copies into its segment the parts of its buffer that the
// others add up, every rank adds the others' values to its own chunk
// (1/Size of the buffer), in rank order, and publishes it, and every rank
// copies the other chunks back, with a barrier after each phase. Every
// element is summed by one rank, so every rank gets the same bits, and the
// same inputs always give the same sum. The window is made at the first
// SUM and made again, as large as the sum, when a longer one comes (each
// rank's segment holds two areas of the longest sum and a status word: SharedWindowBytes); Finalize
// and Free release it. Ranks on several hosts, sums longer than
// MaxSharedSum bytes, Max and Min, and a communicator after
// SetSharedSum(c, false) use MPI_Allreduce; SharedSum reports which way
// the last Allreduce went.
//
// ReduceShard32 and ShareShard32 (and their float64 twins) are the two
// phases of that sum as separate calls, for a caller that works on its own
// part of the sum in between: the training step updates 1/Size of the
// parameters on each rank and shares the result (mlp.Trainer.Step).
//
// # Direct calls
//
// On linux/amd64 the sums (Allreduce32 and Allreduce64 in place, either
// way, and both halves of the split sum) call their C code directly
// (package collective/internal/direct): on a C stack of 1 MiB of their
// own, without cgo's system-call protocol. A cgo call longer than about
// 20 us lets the Go runtime's monitor retake the main thread's P and start
// a thread to look for work, on the cores the ranks' MPI calls are using;
// a direct call keeps the P, and the runtime sees a goroutine running. The
// cost: no other goroutine runs on that P, and a stop-the-world of the
// garbage collector waits, until the sum returns; the training loop
// allocates nothing. SetDirectCalls(false) makes them cgo calls like every
// other MPI call (trainer bench --direct_calls=false measures the
// difference); elsewhere they are cgo calls.
//
// # Builds
//
// The default build links Open MPI through pkg-config (ompi-c; on Debian:
// apt-get install openmpi-bin libopenmpi-dev). Other builds:
//
//	go build -tags mpich ./...   # link MPICH (pkg-config name mpich)
//	go build -tags nompi ./...   # no MPI, no cgo: Init returns NewSelf()
//
// # Threads
//
// Init asks for MPI_THREAD_FUNNELED: only the thread that called Init may
// call MPI. Importing this package locks the main goroutine to the main OS
// thread (runtime.LockOSThread in an init function), so call Init and every
// Comm method from the main goroutine, that is from main or from functions
// it calls directly, never from another goroutine. A call from another
// thread returns ErrNotMainThread. Go's test functions run on their own
// goroutines; this package's tests pass their MPI calls to the main
// goroutine, which TestMain keeps for that purpose.
//
// # Arguments
//
// Every method validates its arguments before it communicates and returns
// an error wrapping one of the sentinels: a nil or zero-length buffer is
// ErrEmptyBuffer (never a silent no-op), a length that does not fit the
// call is ErrBufferLength, a root outside [0, Size()) is ErrRoot. Because
// the checks are local, ranks that pass the same arguments fail the same
// way and none of them is left waiting in a collective. NewSelf makes the
// same checks, so code tested on one rank fails under mpirun only on what
// really differs.
//
// # Running
//
// A program built on this package runs alone (a singleton world of size 1)
// or as every rank of mpirun:
//
//	mpirun -np 4 ./trainer
//
// Package mpirun builds such command lines with the flags this machine
// needs; scripts/mpitest.sh runs this package's tests on 2, 3 and 4 ranks.
package collective
