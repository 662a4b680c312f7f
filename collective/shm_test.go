// Tests of the SUM through a shared-memory window (shm.go), as every rank
// of mpirun on one host (scripts/mpitest.sh) and alone.

package collective

import (
	"fmt"
	"math"
	"testing"
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
		{"a few values: the smallest window", 3, 8, 2 * 64 << 10},
		{"just under the smallest", 16383, 4, 2 * 64 << 10},
		{"just over it", 16385, 4, 2 * 16385 * 4},
		{"the large configuration's gradient", 557059, 4, 2 * 557059 * 4},
		{"the longest sum through the window", MaxSharedSum / 8, 8, 2 * MaxSharedSum},
		{"one element longer: MPI_Allreduce, no window", MaxSharedSum/8 + 1, 8, 0},
	} {
		if got := SharedWindowBytes(tc.n, tc.size); got != tc.want {
			t.Errorf("%s: SharedWindowBytes(%d, %d) = %d, want %d", tc.name, tc.n, tc.size, got, tc.want)
		}
	}
}
