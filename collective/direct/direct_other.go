//go:build !(linux && amd64)

package direct

import (
	"errors"
	"unsafe"
)

// Supported reports whether direct calls exist on this platform.
const Supported = false

// Call panics: direct calls exist only on linux/amd64, and Enter never
// hands out a stack here.
func Call(fn, arg, stack unsafe.Pointer) {
	panic("direct: no direct calls on this platform")
}

func mapStack() error { return errors.New("direct: no direct calls on this platform") }

// StackPagesUsed is 0: there is no stack here.
func StackPagesUsed() (int, error) { return 0, nil }
