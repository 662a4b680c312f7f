package mlp

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// thpMode is the kernel's transparent-huge-page setting: always, madvise
// or never (the bracketed word of /sys/kernel/mm/transparent_hugepage/enabled).
func thpMode(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		return "never" // a kernel without THP
	}
	s := string(b)
	i, j := strings.Index(s, "["), strings.Index(s, "]")
	if i < 0 || j < i {
		t.Fatalf("transparent_hugepage/enabled: %q", s)
	}
	return s[i+1 : j]
}

// anonHugeKB is the AnonHugePages of the mapping of /proc/self/smaps that
// holds addr, in KiB.
func anonHugeKB(t *testing.T, addr uintptr) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			var lo, hi uintptr
			if _, err := fmt.Sscanf(fields[0], "%x-%x", &lo, &hi); err == nil {
				in = lo <= addr && addr < hi
			}
			continue
		}
		if in && strings.HasPrefix(line, "AnonHugePages:") {
			kb, err := strconv.Atoi(strings.Fields(line)[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("no mapping of /proc/self/smaps holds %#x", addr)
	return 0
}

// TestReduceBuffer checks where the step's reduce buffer lies: a small
// one is an ordinary slice; one of 1 MiB or more starts on a 2 MiB
// boundary and, once written, is backed by transparent huge pages unless
// the kernel has them off. Both come zeroed and keep their values.
func TestReduceBuffer(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		huge bool
	}{
		{"default gradient", ReduceLen(24449), false},
		{"just below 1 MiB", (1<<20)/4 - 1, false},
		{"large gradient", ReduceLen(557057), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Memory the heap has touched and freed, which the buffer may
			// reuse: it must be zeroed and, if large, on huge pages all
			// the same.
			junk := make([]byte, 16<<20)
			for i := range junk {
				junk[i] = 1
			}
			junk = nil
			runtime.GC()
			b := reduceBuffer[float32](c.n)
			if len(b) != c.n || cap(b) < c.n {
				t.Fatalf("len %d cap %d, want %d", len(b), cap(b), c.n)
			}
			for i, v := range b {
				if v != 0 {
					t.Fatalf("element %d = %v, want 0", i, v)
				}
			}
			for i := range b {
				b[i] = float32(i % 1000)
			}
			addr := uintptr(unsafe.Pointer(&b[0]))
			if !c.huge {
				return
			}
			if addr%hugePage != 0 {
				t.Fatalf("the buffer starts at %#x, not on a 2 MiB boundary", addr)
			}
			kb := anonHugeKB(t, addr)
			if mode := thpMode(t); mode != "never" && kb < 2048 {
				t.Errorf("THP %s, yet the buffer's mapping has %d KiB of huge pages, want at least 2048", mode, kb)
			}
			for i, v := range b {
				if v != float32(i%1000) {
					t.Fatalf("element %d = %v, want %d", i, v, i%1000)
				}
			}
		})
	}
}
