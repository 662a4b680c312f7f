//go:build !nompi

package collective

import (
	"unsafe"

	"mpitrain/collective/direct"
)

// The training loop's sums (Allreduce32 and Allreduce64 in place, and the
// sharded step's two halves) call their C code directly (package
// collective/direct) where the platform allows: on a C stack of their own,
// without cgo's system-call protocol, so that the Go runtime neither
// retakes the main thread's P during the sum nor starts a thread to run on
// the cores the ranks' MPI calls are using. A call that finds the stack
// taken (another goroutine's, which the main-thread check in the C
// function then refuses) goes through cgo.

// SetDirectCalls turns direct calls on or off for the whole process, the
// sums' and the GEMMs' of mlp/cblas, and returns the previous setting.
// Off, they are cgo calls like every other. Call it between calls, before
// training.
func SetDirectCalls(on bool) bool { return direct.SetOn(on) }

// DirectCalls reports whether the sums are made as direct calls: the
// platform has them (linux/amd64), they are on, and their stack could be
// mapped.
func DirectCalls() bool { return direct.On() }

// callDirect is direct.Do: fn, a void (*)(void *), called with a as a
// direct call, or false and the caller makes the same call through cgo.
func callDirect(fn, a unsafe.Pointer) bool { return direct.Do(fn, a) }
