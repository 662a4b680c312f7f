// Tests of the sums as direct calls (direct.go), as every rank of mpirun
// on one host (scripts/mpitest.sh) and alone.

//go:build !nompi

package collective

import (
	"errors"
	"runtime"
	"testing"

	"mpitrain/collective/direct"
)

// directResident is how many pages of the direct calls' stack the process
// has touched, 0 before the stack is mapped.
func directResident(t *testing.T) int {
	t.Helper()
	n, err := direct.StackPagesUsed()
	if err != nil {
		t.Fatalf("mincore: %v", err)
	}
	return n
}

// TestDirectCalls sums the same values on every path the training loop
// takes (the window's whole sum, its two halves, MPI_Allreduce, and a MAX
// through MPI_Allreduce) three ways: as direct calls, as cgo calls, and as
// direct calls that find the stack taken (which then go through cgo). The
// three must give the same bits, and the sums must be the exact ones
// (integer values). The direct calls must run on their stack.
func TestDirectCalls(t *testing.T) {
	if direct.Supported != (runtime.GOOS == "linux" && runtime.GOARCH == "amd64") {
		t.Fatalf("direct.Supported = %v on %s/%s", direct.Supported, runtime.GOOS, runtime.GOARCH)
	}
	if got := DirectCalls(); got != direct.Supported {
		t.Fatalf("DirectCalls() = %v, want %v (direct calls are on by default where supported)", got, direct.Supported)
	}
	rank, size := comm.Rank(), comm.Size()
	const n = 4099 // not a multiple of any rank count: uneven chunks
	values := func(r int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32((r+1)*1000 + i%97)
		}
		return v
	}
	want := make([]float32, n)
	wantMax := values(size - 1)
	for r := range size {
		for i, x := range values(r) {
			want[i] += x
		}
	}
	type way struct {
		name         string
		direct, busy bool
	}
	ways := []way{{"direct", true, false}, {"cgo", false, false}, {"stack taken", true, true}}
	results := map[string][][]float32{}
	for _, w := range ways {
		var got [][]float32
		var err error
		onMain(func() {
			defer SetDirectCalls(SetDirectCalls(w.direct))
			if w.busy {
				if _, ok := direct.Enter(); !ok {
					err = errors.New("the stack is taken before the test took it")
					return
				}
				defer direct.Leave()
			}
			for _, shared := range []bool{true, false} {
				SetSharedSum(comm, shared)
				buf := values(rank)
				if err = comm.Allreduce32(buf, Sum); err != nil {
					return
				}
				got = append(got, buf)
				buf = values(rank)
				if err = comm.Allreduce32(buf, Max); err != nil {
					return
				}
				got = append(got, buf)
			}
			SetSharedSum(comm, true)
			if size > 1 {
				buf := values(rank)
				var ok bool
				if _, _, ok, err = ReduceShard32(comm, buf, 5); err != nil || !ok {
					if err == nil {
						err = errors.New("ReduceShard32: not through the window")
					}
					return
				}
				if _, _, err = ShareShard32(comm, buf[:n-5], -1, 0); err != nil {
					return
				}
				got = append(got, buf)
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		results[w.name] = got
	}
	for _, w := range ways {
		got := results[w.name]
		for k, buf := range got {
			exp := want
			if k == 1 || k == 3 {
				exp = wantMax
			}
			for i := range buf {
				if buf[i] != exp[i] {
					t.Fatalf("%s, sum %d: element %d = %v, want %v", w.name, k, i, buf[i], exp[i])
				}
			}
		}
		if len(got) != len(results["direct"]) {
			t.Fatalf("%s: %d sums, direct %d", w.name, len(got), len(results["direct"]))
		}
	}
	if direct.Supported {
		if p := directResident(t); p < 1 {
			t.Errorf("the direct calls' stack has %d pages touched: the sums did not run on it", p)
		}
	}
}

// TestDirectStackUse bounds what the sums use of the direct calls' 1 MiB
// stack: after sums of every kind, at most 64 KiB of it has been touched
// (the guard page below it turns an overflow into a fault, not a write
// into other memory). GEMMs may have touched it before (package cblas's
// tests bound theirs); here only the sums run.
func TestDirectStackUse(t *testing.T) {
	err := call(func() error {
		for _, shared := range []bool{true, false} {
			SetSharedSum(comm, shared)
			for _, n := range []int{1, 1000, 1 << 18} {
				if err := comm.Allreduce32(make([]float32, n), Sum); err != nil {
					return err
				}
				if err := comm.Allreduce64(make([]float64, n), Sum); err != nil {
					return err
				}
			}
		}
		SetSharedSum(comm, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 16 // pages of 4 KiB
	if !direct.Supported {
		if p := directResident(t); p != 0 || DirectCalls() {
			t.Errorf("no direct calls on %s/%s, yet %d stack pages used and DirectCalls() = %v", runtime.GOOS, runtime.GOARCH, p, DirectCalls())
		}
		return
	}
	if p := directResident(t); p < 1 || p > limit {
		t.Errorf("the sums touched %d pages of the direct calls' stack, want 1 to %d", p, limit)
	}
}

// TestDirectCallsOffMain checks that a sum from a goroutine off the main
// thread, which takes the stack while the main goroutine is not using it,
// is refused (the C function's thread check) and leaves the stack free.
func TestDirectCallsOffMain(t *testing.T) {
	buf := make([]float32, 1000)
	if err := call(func() error { return comm.Allreduce32(buf, Sum) }); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := comm.Allreduce32(buf, Sum); !errors.Is(err, ErrNotMainThread) {
			t.Fatalf("Allreduce32 off the main thread: err = %v, want ErrNotMainThread", err)
		}
		if direct.Busy() {
			t.Fatal("the direct calls' stack stays taken after a refused call")
		}
	}
	if err := call(func() error { return comm.Allreduce32(buf, Sum) }); err != nil {
		t.Fatal(err)
	}
}
