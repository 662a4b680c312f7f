package direct

import (
	"syscall"
	"unsafe"
)

// Supported reports whether direct calls exist on this platform.
const Supported = true

// Call calls the C function fn, of type void (*)(void *), with arg, on the
// stack whose highest address is stack (what Enter returned; it is aligned
// down to 16 bytes), and returns when fn returns. See the package
// documentation for what fn must guarantee.
//
//go:noescape
func Call(fn, arg, stack unsafe.Pointer)

// mapStack maps the stack with its guard page below it.
func mapStack() error {
	page := syscall.Getpagesize()
	m, err := syscall.Mmap(-1, 0, page+StackBytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return err
	}
	if err := syscall.Mprotect(m[:page], syscall.PROT_NONE); err != nil {
		_ = syscall.Munmap(m)
		return err
	}
	mem = m
	top = unsafe.Add(unsafe.Pointer(unsafe.SliceData(m)), len(m))
	return nil
}

// StackPagesUsed is how many pages of the stack the process has touched
// (mincore: the pages present in memory; the mapping is private and
// anonymous, so a page is present once written), 0 before the first call.
func StackPagesUsed() (int, error) {
	if mem == nil {
		return 0, nil
	}
	page := syscall.Getpagesize()
	stack := mem[page:]
	vec := make([]byte, (len(stack)+page-1)/page)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(stack))), uintptr(len(stack)), uintptr(unsafe.Pointer(unsafe.SliceData(vec)))); e != 0 {
		return 0, e
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n, nil
}
