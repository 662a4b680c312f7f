// Package direct calls C functions without cgo's call protocol: on a C
// stack of its own, from the calling goroutine, which keeps its P for the
// call's length.
//
// A cgo call tells the Go runtime that the goroutine has entered a system
// call (entersyscall) and, on return, that it has left it (exitsyscall).
// While it is inside for longer than about 20 us, the runtime's monitor
// (sysmon) may retake the goroutine's P and start another thread to look
// for work, and it then keeps waking every 20 us to look again; on a rank
// with one core and GOMAXPROCS 1 those threads run on the core the rank's
// own call is using. A direct call does none of that: to the runtime the
// goroutine is running Go code the whole time.
// collective.BenchmarkAllreduceSched and the README's "The Go runtime
// around long cgo calls" give the measurements.
//
// The package's users are the two cgo bindings: package collective's sums
// (the training loop's Allreduce, whole or in its two halves) and package
// mlp/cblas's GEMMs. It has no cgo and no MPI of its own; a caller passes
// the address of a C function of type void (*)(void *) and a pointer to
// its arguments.
//
// The price, paid deliberately for those calls:
//   - the C function must not call into Go, and should not run for long:
//     no other goroutine runs on this P, and a garbage collection that
//     needs to stop the world waits, until it returns;
//   - the runtime's preemption signal (SIGURG) may interrupt it, as any
//     signal may interrupt C code; the runtime then sees a C program
//     counter and leaves the goroutine alone until the call returns.
//
// One stack of StackBytes, with a guard page below it, serves the process:
// Enter takes it for one call and Leave gives it back; a goroutine that
// finds it taken (another goroutine's call) makes its call through cgo
// instead. Direct calls exist on linux/amd64 (Supported); elsewhere Enter
// always refuses and the callers use cgo.
package direct
