//go:build cgo && !nompi && !nocblas

package cref

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"mpitrain/collective"
)

// comm is the world; mainQueue runs functions on the main goroutine (MPI's
// main thread), as package collective's tests do.
var (
	comm      collective.Comm
	mainQueue = make(chan func())
)

func TestMain(m *testing.M) {
	c, err := collective.Init()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	comm = c
	done := make(chan int)
	go func() { done <- m.Run() }()
	code := -1
	for code < 0 {
		select {
		case f := <-mainQueue:
			f()
		case code = <-done:
		}
	}
	// Every rank's exit code says whether any rank failed.
	failed := []float64{float64(code)}
	if err := comm.Allreduce64(failed, collective.Max); err != nil || failed[0] != 0 {
		code = 1
	}
	if err := comm.Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// onMain runs f on the main goroutine and waits for it.
func onMain(f func()) {
	done := make(chan struct{})
	mainQueue <- func() { defer close(done); f() }
	<-done
}

// TestSums: without a step, each call sums the buffer over the ranks, with
// MPI_Allreduce and through the window, and times every call.
func TestSums(t *testing.T) {
	size, rank := comm.Size(), comm.Rank()
	for _, shm := range []bool{false, true} {
		t.Run(fmt.Sprintf("shm=%v", shm), func(t *testing.T) {
			var err error
			var got []float32
			each := make([]float64, 3)
			onMain(func() {
				var l *Loop
				if l, err = New(comm, nil, 0, 1000, shm); err != nil {
					return
				}
				defer l.Free()
				for i := range l.Buffer() {
					l.Buffer()[i] = float32(rank + 1)
				}
				err = l.Run(each[:1])
				got = append(got, l.Buffer()...)
				if err == nil {
					err = l.Run(each[1:])
				}
			})
			if shm && size == 1 {
				if err == nil || !strings.Contains(err.Error(), "no shared-memory window") {
					t.Fatalf("shm at one rank: err %v, want no window", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := float32(size * (size + 1) / 2)
			for i, v := range got {
				if v != want {
					t.Fatalf("element %d = %v after one sum, want %v", i, v, want)
				}
			}
			for i, s := range each {
				if !(s > 0 && s < 10) {
					t.Errorf("call %d took %g s", i, s)
				}
			}
		})
	}
}

// TestStepGradient: with an MLP's step between the sums, each weight
// gradient is written at the trainer's offset and summed; the biases and
// the tail after the parameters are not written. With widths that are
// powers of two every value is exact: activations 1, d[nl] = 1, d[l] =
// d[l+1]*w[l+1]/w[l], so layer l's weight gradient is rows*d[l+1] on each
// rank. With Update the buffer is zeroed before each step and scaled by
// 1/1024 after each sum (Adam's pass), and the parameters do not change.
func TestStepGradient(t *testing.T) {
	size := comm.Size()
	widths, rows := []int{4, 8, 8, 2}, 3
	params := 0
	for l := 0; l+1 < len(widths); l++ {
		params += widths[l]*widths[l+1] + widths[l+1]
	}
	count := params + 3
	for _, c := range []struct {
		shm, update bool
	}{{false, false}, {true, false}, {false, true}, {true, true}} {
		if c.shm && size == 1 {
			continue // TestSums checks the error
		}
		t.Run(fmt.Sprintf("shm=%v/update=%v", c.shm, c.update), func(t *testing.T) {
			var err error
			var got []float32
			onMain(func() {
				var l *Loop
				if l, err = New(comm, widths, rows, count, c.shm); err != nil {
					return
				}
				defer l.Free()
				l.Update = c.update
				if err = l.Run(make([]float64, 4)); err == nil {
					got = append(got, l.Buffer()...)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			scale := 1.0
			if c.update {
				scale = 1.0 / 1024
			}
			d := make([]float64, len(widths))
			d[len(widths)-1] = 1
			for l := len(widths) - 2; l >= 0; l-- {
				d[l] = d[l+1] * float64(widths[l+1]) / float64(widths[l])
			}
			off := 0
			for l := 0; l+1 < len(widths); l++ {
				nw := widths[l] * widths[l+1]
				want := float32(float64(size*rows) * d[l+1] * scale)
				for i := off; i < off+nw; i++ {
					if got[i] != want {
						t.Fatalf("layer %d weight gradient [%d] = %v, want %v", l, i-off, got[i], want)
					}
				}
				for i := off + nw; i < off+nw+widths[l+1]; i++ {
					if got[i] != 0 {
						t.Fatalf("layer %d bias gradient [%d] = %v, want 0 (not written)", l, i-off-nw, got[i])
					}
				}
				off += nw + widths[l+1]
			}
			for i := params; i < count; i++ {
				if got[i] != 0 {
					t.Fatalf("tail [%d] = %v, want 0", i-params, got[i])
				}
			}
		})
	}
}

// TestSharesTheWindow: C sums through the window between the binding's own
// sums of the same size, as trainer bench --c_reference alternates them;
// both keep giving the right sums (the window's alternating areas are the
// binding's state, which the C calls advance too).
func TestSharesTheWindow(t *testing.T) {
	size, rank := comm.Size(), comm.Rank()
	if size == 1 {
		return // no window at one rank (TestSums)
	}
	const n = 5000
	var err error
	var bad string
	onMain(func() {
		var l *Loop
		if l, err = New(comm, nil, 0, n, true); err != nil {
			return
		}
		defer l.Free()
		goBuf := make([]float32, n)
		for round := range 20 {
			for i := range goBuf {
				goBuf[i] = float32(rank + round + i%7)
			}
			if err = comm.Allreduce32(goBuf, collective.Sum); err != nil {
				return
			}
			if !collective.SharedSum(comm) {
				err = errors.New("the binding's sum did not go through the window")
				return
			}
			for i, v := range goBuf {
				if want := float32(size*(round+i%7) + size*(size-1)/2); v != want {
					bad = fmt.Sprintf("round %d: Go sum [%d] = %v, want %v", round, i, v, want)
					return
				}
			}
			c := l.Buffer()
			for i := range c {
				c[i] = float32(2*rank + round)
			}
			if err = l.Run(make([]float64, 1+round%2)); err != nil {
				return
			}
			want := float32(size*(size-1) + size*round)
			if round%2 == 1 { // a second call summed the sum again
				want *= float32(size)
			}
			for i, v := range c {
				if v != want {
					bad = fmt.Sprintf("round %d: C sum [%d] = %v, want %v", round, i, v, want)
					return
				}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if bad != "" {
		t.Fatal(bad)
	}
}

// TestBadArguments: each bad argument is an error naming it, and Run off
// MPI's main thread is refused.
func TestBadArguments(t *testing.T) {
	for _, c := range []struct {
		name   string
		widths []int
		rows   int
		count  int
		want   string
	}{
		{"count zero", nil, 0, 0, "count 0"},
		{"one width", []int{4}, 2, 100, "two widths"},
		{"zero rows", []int{4, 2}, 0, 100, "rows 0"},
		{"zero width", []int{4, 0, 2}, 2, 100, "width 0"},
		{"count below the parameters", []int{4, 8, 2}, 2, 57, "58 parameters, more than the 57"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			onMain(func() {
				var l *Loop
				if l, err = New(comm, c.widths, c.rows, c.count, false); err == nil {
					l.Free()
				}
			})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one containing %q", err, c.want)
			}
		})
	}
	t.Run("off the main thread", func(t *testing.T) {
		var l *Loop
		var err error
		onMain(func() { l, err = New(comm, nil, 0, 10, false) })
		if err != nil {
			t.Fatal(err)
		}
		defer l.Free()
		if err := l.Run(make([]float64, 1)); err == nil || !strings.Contains(err.Error(), "main goroutine") {
			t.Fatalf("Run off the main thread: err %v, want a refusal", err)
		}
	})
}

// TestBufferPlacement: the C loop's buffer lies as the trainer's reduce
// buffer does (mlp.reduceBuffer): from 1 MiB on, from a 2 MiB boundary;
// zeroed either way.
func TestBufferPlacement(t *testing.T) {
	for _, c := range []struct {
		count   int
		aligned bool
	}{{1000, false}, {557060, true}} {
		var err error
		var addr uintptr
		var nonzero int
		onMain(func() {
			var l *Loop
			if l, err = New(comm, nil, 0, c.count, false); err != nil {
				return
			}
			defer l.Free()
			b := l.Buffer()
			if len(b) != c.count {
				err = fmt.Errorf("buffer of %d floats, want %d", len(b), c.count)
				return
			}
			addr = uintptr(unsafe.Pointer(&b[0]))
			for _, v := range b {
				if v != 0 {
					nonzero++
				}
			}
		})
		if err != nil {
			t.Fatalf("%d floats: %v", c.count, err)
		}
		if nonzero > 0 {
			t.Errorf("%d floats: %d elements not zero", c.count, nonzero)
		}
		if c.aligned && addr%(2<<20) != 0 {
			t.Errorf("%d floats: the buffer starts at %#x, not on a 2 MiB boundary", c.count, addr)
		}
	}
}
