// Tests of the SUM through a shared-memory window (shm.go), as every rank
// of mpirun on one host (scripts/mpitest.sh) and alone.

package collective

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"unsafe"
)

// sharedWant is the window's sum of every rank's values, bit for bit: the
// rank that owns element i's chunk, [n*q/size, n*(q+1)/size), starts from
// its own value and adds the others' in rank order.
func sharedWant[T float32 | float64](all [][]T) []T {
	size, n := len(all), len(all[0])
	out := make([]T, n)
	for q := range size {
		for i := n * q / size; i < n*(q+1)/size; i++ {
			acc := all[q][i]
			for r := range size {
				if r != q {
					acc += all[r][i]
				}
			}
			out[i] = acc
		}
	}
	return out
}

// rankValues is every rank's input for a sum of n elements, as float32
// and as float64 (drawn so that the order of the additions shows).
func rankValues(size, n int) ([][]float32, [][]float64) {
	all32 := make([][]float32, size)
	all64 := make([][]float64, size)
	for r := range size {
		all64[r] = randomValues(7919+uint64(n), r, n)
		all32[r] = make([]float32, n)
		for i, v := range all64[r] {
			all32[r][i] = float32(v)
		}
	}
	return all32, all64
}

// withMPI reports whether comm is an MPI world (not the nompi build's Self).
func withMPI() bool { return comm.ThreadLevel() != "none" }

// sumBoth sums this rank's row of all32 and all64 on c and checks each
// result bit for bit against want32 and want64 (nil: sharedWant of the
// rows) and that the window was used exactly when shared says.
func sumBoth(t *testing.T, c Comm, all32 [][]float32, all64 [][]float64, shared bool) {
	t.Helper()
	rank := c.Rank()
	b32 := append([]float32(nil), all32[rank]...)
	b64 := append([]float64(nil), all64[rank]...)
	var used32, used64 bool
	err := call(func() error {
		if err := c.Allreduce32(b32, Sum); err != nil {
			return err
		}
		used32 = SharedSum(c)
		if err := c.Allreduce64(b64, Sum); err != nil {
			return err
		}
		used64 = SharedSum(c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if used32 != shared || used64 != shared {
		t.Errorf("rank %d of %d: SharedSum after the float32 sum %v, after the float64 sum %v, want %v", rank, c.Size(), used32, used64, shared)
	}
	if !shared {
		return
	}
	if i := firstDiff(b32, sharedWant(all32)); i >= 0 {
		t.Errorf("rank %d of %d: float32 sum[%d] = %v, want %v", rank, c.Size(), i, b32[i], sharedWant(all32)[i])
	}
	if i := firstDiff(b64, sharedWant(all64)); i >= 0 {
		t.Errorf("rank %d of %d: float64 sum[%d] = %v, want %v", rank, c.Size(), i, b64[i], sharedWant(all64)[i])
	}
}

func TestSharedSum(t *testing.T) {
	size := comm.Size()
	shared := withMPI() && size > 1
	// Lengths in the order the window meets them: fewer elements than
	// ranks (empty chunks), odd chunk bounds, one past the first window
	// (64 KiB of float64s), a window made again for a longer sum, then
	// short sums in the large window again.
	for _, n := range []int{1, 3, 1001, 8193, 40000, 5, 65537} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			all32, all64 := rankValues(size, n)
			sumBoth(t, comm, all32, all64, shared)
		})
	}
	t.Run("Max and Min use MPI_Allreduce", func(t *testing.T) {
		buf := []float64{float64(comm.Rank())}
		var used bool
		if err := call(func() error { err := comm.Allreduce64(buf, Max); used = SharedSum(comm); return err }); err != nil {
			t.Fatal(err)
		}
		if used || buf[0] != float64(size-1) {
			t.Errorf("Max: %v with SharedSum %v, want %d without", buf[0], used, size-1)
		}
	})
	t.Run("off: MPI_Allreduce", func(t *testing.T) {
		SetSharedSum(comm, false)
		defer SetSharedSum(comm, true)
		all32, all64 := rankValues(size, 1001)
		sumBoth(t, comm, all32, all64, false)
		// MPI's own order: the sum of magnitudes bounds the difference.
		b := append([]float64(nil), all64[comm.Rank()]...)
		if err := call(func() error { return comm.Allreduce64(b, Sum) }); err != nil {
			t.Fatal(err)
		}
		want := sharedWant(all64)
		for i := range b {
			abs := 0.0
			for r := range size {
				abs += math.Abs(all64[r][i])
			}
			if !(math.Abs(b[i]-want[i]) <= float64(size)*0x1p-52*abs) {
				t.Fatalf("rank %d: MPI sum[%d] = %v, window's %v", comm.Rank(), i, b[i], want[i])
			}
		}
	})
	t.Run("longer than the limit: MPI_Allreduce", func(t *testing.T) {
		if withMPI() {
			defer func(l int) { sharedSumLimit = l }(sharedSumLimit)
			sharedSumLimit = 4000 // bytes: 1000 float32, 500 float64
		}
		all32, all64 := rankValues(size, 1001)
		sumBoth(t, comm, all32, all64, false)
		_, all64 = rankValues(size, 499)
		var used bool
		b := append([]float64(nil), all64[comm.Rank()]...)
		if err := call(func() error { err := comm.Allreduce64(b, Sum); used = SharedSum(comm); return err }); err != nil {
			t.Fatal(err)
		}
		if used != shared {
			t.Errorf("499 float64s under a 4000-byte limit: SharedSum %v, want %v", used, shared)
		}
	})
	t.Run("on again", func(t *testing.T) {
		all32, all64 := rankValues(size, 777)
		sumBoth(t, comm, all32, all64, shared)
	})
	t.Run("split groups", func(t *testing.T) {
		rank := comm.Rank()
		var g Comm
		if err := call(func() (err error) { g, err = comm.Split(rank%2, rank); return err }); err != nil {
			t.Fatal(err)
		}
		n := 1500
		all32, all64 := rankValues(g.Size(), n)
		sumBoth(t, g, all32, all64, withMPI() && g.Size() > 1)
		if err := call(g.Free); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSharedWindowBytes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, size int
		want    int64
	}{
		{"a few values: the smallest window", 3, 8, 2 * (64<<10 + 64)},
		{"just under the smallest", 16383, 4, 2 * (64<<10 + 64)},
		{"just over it", 16385, 4, 2 * (16385*4 + 64)},
		{"the large configuration's gradient", 557059, 4, 2 * (557059*4 + 64)},
		{"the longest sum through the window", MaxSharedSum / 8, 8, 2 * (MaxSharedSum + 64)},
		{"one element longer: MPI_Allreduce, no window", MaxSharedSum/8 + 1, 8, 0},
	} {
		if got := SharedWindowBytes(tc.n, tc.size); got != tc.want {
			t.Errorf("%s: SharedWindowBytes(%d, %d) = %d, want %d", tc.name, tc.n, tc.size, got, tc.want)
		}
	}
}

// shardWant is ReduceShard's sum of every rank's values, bit for bit:
// the first len-tail elements as sharedWant sums them over chunks of that
// length, the last tail in rank order from rank 0.
func shardWant[T float32 | float64](all [][]T, tail int) []T {
	n := len(all[0])
	head := make([][]T, len(all))
	for r := range all {
		head[r] = all[r][:n-tail]
	}
	out := sharedWant(head)
	for i := n - tail; i < n; i++ {
		acc := all[0][i]
		for r := 1; r < len(all); r++ {
			acc += all[r][i]
		}
		out = append(out, acc)
	}
	return out
}

// TestShardedSum runs the sum's two halves as separate calls, as the
// training step does: after ReduceShard this rank's slice and the tail
// hold the sum and the rest of the buffer is untouched; after ShareShard
// of the head every rank holds every slice, and the lowest bad index of
// all ranks with its value.
func TestShardedSum(t *testing.T) {
	size, rank := comm.Size(), comm.Rank()
	shared := withMPI() && size > 1
	for _, tc := range []struct {
		n, tail int
		bad     bool
	}{
		{1, 0, false}, {4, 3, true}, {1003, 3, true}, {1003, 0, false}, {40000, 3, true}, {7, 6, false},
	} {
		t.Run(fmt.Sprintf("n=%d,tail=%d", tc.n, tc.tail), func(t *testing.T) {
			all32, all64 := rankValues(size, tc.n)
			b32 := append([]float32(nil), all32[rank]...)
			b64 := append([]float64(nil), all64[rank]...)
			m := tc.n - tc.tail
			var lo32, hi32, lo64, hi64 int
			var ok32, ok64 bool
			after32, after64 := []float32(nil), []float64(nil)
			// Rank r reports index 10*(size-r)+1, value r: the lowest is
			// the last rank's.
			bad, val := -1, 0.0
			if tc.bad {
				bad, val = 10*(size-rank)+1, float64(rank)
			}
			var gotBad32, gotBad64 int
			var gotVal32, gotVal64 float64
			err := call(func() (err error) {
				if lo32, hi32, ok32, err = ReduceShard32(comm, b32, tc.tail); err != nil || !ok32 {
					return err
				}
				after32 = append(after32, b32...)
				if gotBad32, gotVal32, err = ShareShard32(comm, b32[:m], bad, val); err != nil {
					return err
				}
				if lo64, hi64, ok64, err = ReduceShard64(comm, b64, tc.tail); err != nil {
					return err
				}
				after64 = append(after64, b64...)
				gotBad64, gotVal64, err = ShareShard64(comm, b64[:m], bad, val)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if ok32 != shared || ok64 != shared {
				t.Fatalf("rank %d of %d: ok %v and %v, want %v", rank, size, ok32, ok64, shared)
			}
			if !shared {
				if i := firstDiff(b32, all32[rank]); i >= 0 {
					t.Errorf("no window, but buf[%d] changed", i)
				}
				return
			}
			lo, hi := m*rank/size, m*(rank+1)/size
			if lo32 != lo || hi32 != hi || lo64 != lo || hi64 != hi {
				t.Fatalf("rank %d of %d: slices [%d, %d) and [%d, %d), want [%d, %d)", rank, size, lo32, hi32, lo64, hi64, lo, hi)
			}
			want32, want64 := shardWant(all32, tc.tail), shardWant(all64, tc.tail)
			for i := range tc.n {
				mineOrTail := (i >= lo && i < hi) || i >= m
				w32, w64 := all32[rank][i], all64[rank][i]
				if mineOrTail {
					w32, w64 = want32[i], want64[i]
				}
				if after32[i] != w32 || after64[i] != w64 {
					t.Fatalf("rank %d after ReduceShard: [%d] = %v and %v, want %v and %v (own slice or tail: %v)", rank, i, after32[i], after64[i], w32, w64, mineOrTail)
				}
			}
			if i := firstDiff(b32, want32); i >= 0 {
				t.Errorf("rank %d after ShareShard32: [%d] = %v, want %v", rank, i, b32[i], want32[i])
			}
			if i := firstDiff(b64, want64); i >= 0 {
				t.Errorf("rank %d after ShareShard64: [%d] = %v, want %v", rank, i, b64[i], want64[i])
			}
			wantBad, wantVal := -1, 0.0
			if tc.bad {
				wantBad, wantVal = 11, float64(size-1)
			}
			if gotBad32 != wantBad || gotBad64 != wantBad || (wantBad >= 0 && (gotVal32 != wantVal || gotVal64 != wantVal)) {
				t.Errorf("rank %d: bad %d (%v) and %d (%v), want %d (%v)", rank, gotBad32, gotVal32, gotBad64, gotVal64, wantBad, wantVal)
			}
		})
	}
	t.Run("bad arguments", func(t *testing.T) {
		var errTail, errEmpty, errShare error
		_ = call(func() error {
			_, _, _, errTail = ReduceShard32(comm, make([]float32, 3), 4)
			_, _, _, errEmpty = ReduceShard64(comm, nil, 0)
			_, _, errShare = ShareShard32(comm, nil, -1, 0)
			return nil
		})
		if withMPI() && !errors.Is(errTail, ErrBufferLength) {
			t.Errorf("tail 4 of 3: %v, want ErrBufferLength", errTail)
		}
		if !errors.Is(errEmpty, ErrEmptyBuffer) {
			t.Errorf("empty: %v, want ErrEmptyBuffer", errEmpty)
		}
		if !errors.Is(errShare, ErrEmptyBuffer) {
			t.Errorf("empty share: %v, want ErrEmptyBuffer", errShare)
		}
	})
	t.Run("off: nothing done", func(t *testing.T) {
		SetSharedSum(comm, false)
		defer SetSharedSum(comm, true)
		b := []float32{1, 2, 3}
		var ok bool
		var shareErr error
		err := call(func() (err error) {
			_, _, ok, err = ReduceShard32(comm, b, 1)
			_, _, shareErr = ShareShard32(comm, b, -1, 0)
			return err
		})
		if err != nil || ok || b[0] != 1 || b[2] != 3 {
			t.Errorf("ReduceShard32 with the window off: ok %v, err %v, buf %v", ok, err, b)
		}
		if !errors.Is(shareErr, ErrNoWindow) {
			t.Errorf("ShareShard32 with the window off: %v, want ErrNoWindow", shareErr)
		}
	})
}

// TestShareShardBackToBack shares several buffers one after the other, as
// the trainer does after an epoch (the parameters, then each optimizer
// buffer), many times: a share must not overwrite what another rank is
// still copying out of the previous one.
func TestShareShardBackToBack(t *testing.T) {
	size, rank := comm.Size(), comm.Rank()
	if !withMPI() || size < 2 {
		return // the window needs MPI and two ranks; TestShardedSum covers the rest
	}
	const n, rounds = 20000, 200
	want := func(buf, round, q, i int) float32 { return float32(buf*1000003 + round*7919 + q*31 + i) }
	bufs := [3][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
	grad := make([]float32, n+3)
	err := call(func() error {
		for round := range rounds {
			if _, _, _, err := ReduceShard32(comm, grad, 3); err != nil {
				return err
			}
			for b := range bufs {
				for i := n * rank / size; i < n*(rank+1)/size; i++ {
					bufs[b][i] = want(b, round, rank, i)
				}
				if _, _, err := ShareShard32(comm, bufs[b], -1, 0); err != nil {
					return err
				}
			}
			for b := range bufs {
				for q := range size {
					for i := n * q / size; i < n*(q+1)/size; i++ {
						if bufs[b][i] != want(b, round, q, i) {
							return fmt.Errorf("round %d, buffer %d, [%d] = %v, want %v (rank %d's slice)", round, b, i, bufs[b][i], want(b, round, q, i), q)
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("rank %d of %d: %v", rank, size, err)
	}
}

// TestShardedSumAllocs: the sums the training step calls on every step,
// the window's whole sum and its two halves, allocate nothing once the
// window is made.
func TestShardedSumAllocs(t *testing.T) {
	if !withMPI() || comm.Size() < 2 {
		return // no window: TestShardedSum covers the refusal
	}
	grad, params := make([]float32, 1003), make([]float32, 1000)
	var allocs float64
	err := call(func() (err error) {
		keep := func(e error) {
			if err == nil {
				err = e
			}
		}
		allocs = testing.AllocsPerRun(50, func() {
			keep(comm.Allreduce32(grad, Sum))
			_, _, _, e := ReduceShard32(comm, grad, 3)
			keep(e)
			_, _, e = ShareShard32(comm, params, -1, 0)
			keep(e)
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("rank %d: %v allocations per Allreduce32, ReduceShard32 and ShareShard32, want 0", comm.Rank(), allocs)
	}
}

// TestSharedWindowHandle: SharedWindow hands out the window the binding's
// own sums of that size use: none at one rank or with the window off, the
// same one for every size it holds, a larger one after a longer sum, and
// an error for a size that is no size.
func TestSharedWindowHandle(t *testing.T) {
	shared := withMPI() && comm.Size() > 1
	var small, again, large, off unsafe.Pointer
	var errSmall, errAgain, errLarge, errOff, errBad error
	onMain(func() {
		small, errSmall = SharedWindow(comm, 4000)
		again, errAgain = SharedWindow(comm, 40)
		large, errLarge = SharedWindow(comm, 4*shmMinCap)
		SetSharedSum(comm, false)
		off, errOff = SharedWindow(comm, 4000)
		SetSharedSum(comm, true)
		_, errBad = SharedWindow(comm, 0)
	})
	for _, err := range []error{errSmall, errAgain, errLarge, errOff} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if off != nil {
		t.Error("SetSharedSum off: SharedWindow gave a window")
	}
	if !shared {
		if small != nil || large != nil {
			t.Errorf("no window to share here (one rank or no MPI), got %p and %p", small, large)
		}
		return
	}
	if small == nil || again != small || large == nil {
		t.Errorf("windows %p, %p (want the same, non-nil) and %p (want non-nil)", small, again, large)
	}
	if !errors.Is(errBad, ErrBufferLength) {
		t.Errorf("SharedWindow of 0 bytes: err %v, want ErrBufferLength", errBad)
	}
	var err error
	onMain(func() { err = comm.Allreduce32(make([]float32, 1000), Sum) })
	if err != nil || !SharedSum(comm) {
		t.Errorf("a sum after the handle was taken: err %v, through the window %v", err, SharedSum(comm))
	}
}
