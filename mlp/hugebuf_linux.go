package mlp

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of an x86-64 transparent huge page.
const hugePage = 2 << 20

// hugeMin is the smallest reduce buffer put on huge pages.
const hugeMin = 1 << 20

// reduceBuffer returns a zeroed slice of n elements for the step's reduce
// buffer. From hugeMin bytes on it lies in whole 2 MiB pages, which the
// kernel is asked to back with transparent huge pages (madvise
// MADV_HUGEPAGE; where THP is off the pages stay 4 KiB). MPI_Allreduce between ranks on one
// host reads a peer's buffer with single-copy CMA, which pins the buffer
// page by page: on 2 MiB pages the large configuration's sum took 456
// against 1087 us on 4 KiB pages (README, "What was done"). The memory is
// part of a Go object, so the garbage collector frees it as any other.
func reduceBuffer[T Float](n int) []T {
	var z T
	es := int(unsafe.Sizeof(z))
	bytes := n * es
	if bytes < hugeMin {
		return make([]T, n)
	}
	span := (bytes + hugePage - 1) / hugePage * hugePage
	b := make([]byte, span+hugePage)
	off := (hugePage - int(uintptr(unsafe.Pointer(unsafe.SliceData(b)))%hugePage)) % hugePage
	mem := b[off : off+span]
	// Advise first, then drop the range's pages: memory the heap reused is
	// already touched (the allocation zeroed it) in 4 KiB pages, and after
	// MADV_DONTNEED the next touch faults the range in again, zero-filled
	// as make promised, now in 2 MiB pages. The range lies inside b, so
	// no other object's memory is dropped. Best effort: without THP the
	// calls fail or do nothing, and the buffer stays as it is.
	if syscall.Madvise(mem, madvHugePage) == nil {
		_ = syscall.Madvise(mem, syscall.MADV_DONTNEED)
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}

// madvHugePage is MADV_HUGEPAGE (linux/mman-common.h).
const madvHugePage = 14
