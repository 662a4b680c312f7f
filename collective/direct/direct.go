package direct

import (
	"sync/atomic"
	"unsafe"
)

// StackBytes is the size of the C stack the calls run on, above one guard
// page that turns an overflow into a fault instead of a write into other
// memory. The sums use 8 KiB of it and the GEMMs 32 KiB
// (collective.TestDirectStackUse, cblas.TestDirectStackUse).
const StackBytes = 1 << 20

var (
	on     atomic.Bool // SetOn; on unless turned off
	busy   atomic.Bool // a call is on the stack
	mem    []byte      // the stack's mapping, guard page first; nil until first use
	top    unsafe.Pointer
	mapErr error // the mapping failed: Enter refuses
)

func init() { on.Store(true) }

// SetOn turns direct calls on or off for the whole process and returns
// the previous setting. Off, Enter refuses and every call goes through cgo.
func SetOn(v bool) bool { return on.Swap(v) }

// On reports whether direct calls can be made here: Supported, on, and the
// stack mapped (it is mapped here if it was not yet).
func On() bool {
	if _, ok := Enter(); !ok {
		return false
	}
	Leave()
	return true
}

// Enter takes the stack for one call and returns its top, for Call. ok is
// false when direct calls are off or not supported here, the stack could
// not be mapped, or another call holds it: the caller then makes its call
// through cgo. After ok, the caller must call Leave.
func Enter() (stack unsafe.Pointer, ok bool) {
	if !Supported || !on.Load() || !busy.CompareAndSwap(false, true) {
		return nil, false
	}
	if top == nil && mapErr == nil {
		mapErr = mapStack()
	}
	if mapErr != nil {
		busy.Store(false)
		return nil, false
	}
	return top, true
}

// Leave gives the stack back.
func Leave() { busy.Store(false) }

// Do makes fn's call with arg as a direct call (Enter, Call, Leave) and
// reports whether it did; when not, the caller makes the same call
// through cgo.
func Do(fn, arg unsafe.Pointer) bool {
	stack, ok := Enter()
	if !ok {
		return false
	}
	Call(fn, arg, stack)
	Leave()
	return true
}

// Busy reports whether a call holds the stack.
func Busy() bool { return busy.Load() }
