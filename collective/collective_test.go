// Tests of the world returned by Init, run alone or as every rank of mpirun.

package collective

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// comm is the world of this test process: a singleton under `go test`, one
// rank of many under mpirun (scripts/mpitest.sh), Self with tag nompi.
var comm Comm

// mainQueue carries MPI calls to the main goroutine, which TestMain keeps
// serving while the tests run on their own goroutines.
var mainQueue = make(chan func())

// childEnv selects a child mode of the test binary (see mpi_test.go).
const childEnv = "COLLECTIVE_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" && mode != childSuite {
		os.Exit(childMain(mode))
	}
	c, err := Init()
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
	// Every rank learns whether any rank failed, so every rank's exit code,
	// and so mpirun's, says so.
	failed := []float64{float64(code)}
	if err := comm.Allreduce64(failed, Max); err != nil {
		fmt.Fprintf(os.Stderr, "rank %d: %v\n", comm.Rank(), err)
		code = 1
	} else if failed[0] != 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "rank %d: tests failed on another rank\n", comm.Rank())
		code = 1
	}
	if err := comm.Finalize(); err != nil {
		fmt.Fprintf(os.Stderr, "rank %d: %v\n", comm.Rank(), err)
		code = 1
	}
	os.Exit(code)
}

// onMain runs f on the main goroutine and waits for it. f must not call
// t.Fatal or t.FailNow (they would end the main goroutine).
func onMain(f func()) {
	done := make(chan struct{})
	mainQueue <- func() { defer close(done); f() }
	<-done
}

// call runs an MPI call on the main goroutine and returns its error.
func call(f func() error) (err error) {
	onMain(func() { err = f() })
	return err
}

// roots are the broadcast roots worth testing: the first and the last rank.
func roots() []int {
	if comm.Size() == 1 {
		return []int{0}
	}
	return []int{0, comm.Size() - 1}
}

func TestWorld(t *testing.T) {
	rank, size := comm.Rank(), comm.Size()
	if size < 1 || rank < 0 || rank >= size {
		t.Fatalf("rank %d of %d", rank, size)
	}
	if s := os.Getenv("OMPI_COMM_WORLD_SIZE"); s != "" && s != fmt.Sprint(size) {
		t.Errorf("Size() = %d, mpirun started %s ranks", size, s)
	}
	if comm.ProcessorName() == "" {
		t.Error("ProcessorName() is empty")
	}
	if v := comm.LibraryVersion(); v == "" || strings.ContainsAny(v, "\n\x00") {
		t.Errorf("LibraryVersion() = %q, want one non-empty line", v)
	}
	var t0, t1 float64
	onMain(func() { t0 = comm.Wtime(); time.Sleep(2 * time.Millisecond); t1 = comm.Wtime() })
	if d := t1 - t0; d < 0.001 || d > 5 {
		t.Errorf("Wtime advanced %g s over a 2 ms sleep", d)
	}
	t.Logf("rank %d of %d on %s, %s, %s", rank, size, comm.ProcessorName(), comm.ThreadLevel(), comm.LibraryVersion())
}

// exactCases are reductions of small integers, exact in float32 and float64.
var exactCases = []struct {
	name string
	op   Op
	n    int
	val  func(rank, i int) float64
}{
	{"sum of ranks", Sum, 5, func(r, i int) float64 { return float64(r) }},
	{"sum of rank and index", Sum, 17, func(r, i int) float64 { return float64((r+1)*(i+1) - 3*i) }},
	{"max of rank and index", Max, 33, func(r, i int) float64 { return float64((r*7+i)%11 - 5) }},
	{"min of rank and index", Min, 33, func(r, i int) float64 { return float64((r*5+i*3)%13 - 6) }},
	{"max of negatives", Max, 3, func(r, i int) float64 { return float64(-100 - r - i) }},
	{"min single element", Min, 1, func(r, i int) float64 { return float64(10 - r) }},
	{"sum large buffer", Sum, 1 << 17, func(r, i int) float64 { return float64(i%1000 - r) }},
}

// reduce computes the reduction of val over size ranks on this rank alone.
func reduce(op Op, size, n int, val func(rank, i int) float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		acc := val(0, i)
		for r := 1; r < size; r++ {
			v := val(r, i)
			switch op {
			case Sum:
				acc += v
			case Max:
				acc = math.Max(acc, v)
			case Min:
				acc = math.Min(acc, v)
			}
		}
		out[i] = acc
	}
	return out
}

func TestAllreduceExact(t *testing.T) {
	rank, size := comm.Rank(), comm.Size()
	for _, tc := range exactCases {
		want := reduce(tc.op, size, tc.n, tc.val)
		t.Run(tc.name+"/float64", func(t *testing.T) {
			buf := make([]float64, tc.n)
			for i := range buf {
				buf[i] = tc.val(rank, i)
			}
			if err := call(func() error { return comm.Allreduce64(buf, tc.op) }); err != nil {
				t.Fatal(err)
			}
			if i := firstDiff(buf, want); i >= 0 {
				t.Errorf("rank %d: buf[%d] = %v, want %v", rank, i, buf[i], want[i])
			}
		})
		t.Run(tc.name+"/float32", func(t *testing.T) {
			buf := make([]float32, tc.n)
			for i := range buf {
				buf[i] = float32(tc.val(rank, i))
			}
			if err := call(func() error { return comm.Allreduce32(buf, tc.op) }); err != nil {
				t.Fatal(err)
			}
			for i := range buf {
				if float64(buf[i]) != want[i] {
					t.Errorf("rank %d: buf[%d] = %v, want %v", rank, i, buf[i], want[i])
					break
				}
			}
		})
	}
}

// firstDiff is the first index where a and b differ, or -1.
func firstDiff[T comparable](a, b []T) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// randomValues is rank's input: every rank can draw every rank's values.
func randomValues(seed uint64, rank, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, uint64(rank)))
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10))
	}
	return v
}

func TestAllreduceRandom(t *testing.T) {
	rank, size := comm.Rank(), comm.Size()
	const seed = 20240611
	for _, n := range []int{1, 7, 1000, 65537} {
		all := make([][]float64, size)
		for r := range all {
			all[r] = randomValues(seed+uint64(n), r, n)
		}
		val := func(r, i int) float64 { return all[r][i] }
		// Sums may be added in any order: bound the error by the sum of
		// magnitudes.
		abs := reduce(Sum, size, n, func(r, i int) float64 { return math.Abs(all[r][i]) })
		for _, op := range []Op{Sum, Max, Min} {
			want := reduce(op, size, n, val)
			t.Run(fmt.Sprintf("%v/n=%d/float64", op, n), func(t *testing.T) {
				buf := slices.Clone(all[rank])
				if err := call(func() error { return comm.Allreduce64(buf, op) }); err != nil {
					t.Fatal(err)
				}
				for i := range buf {
					tol := 0.0
					if op == Sum {
						tol = float64(size) * 0x1p-52 * abs[i]
					}
					if math.Abs(buf[i]-want[i]) > tol {
						t.Fatalf("rank %d: buf[%d] = %v, want %v (tolerance %g)", rank, i, buf[i], want[i], tol)
					}
				}
			})
			t.Run(fmt.Sprintf("%v/n=%d/float32", op, n), func(t *testing.T) {
				buf := make([]float32, n)
				for i := range buf {
					buf[i] = float32(all[rank][i])
				}
				want32 := reduce(op, size, n, func(r, i int) float64 { return float64(float32(all[r][i])) })
				if err := call(func() error { return comm.Allreduce32(buf, op) }); err != nil {
					t.Fatal(err)
				}
				for i := range buf {
					tol := 0.0
					if op == Sum {
						tol = float64(size) * 0x1p-23 * abs[i]
					}
					if math.Abs(float64(buf[i])-want32[i]) > tol {
						t.Fatalf("rank %d: buf[%d] = %v, want %v (tolerance %g)", rank, i, buf[i], want32[i], tol)
					}
				}
			})
		}
	}
}

func TestAllreduceInPlace(t *testing.T) {
	rank, size := comm.Rank(), comm.Size()
	// Reduce the middle of a larger slice: the window holds the result and
	// the elements around it are untouched.
	const n = 10
	whole := make([]float64, n+2)
	whole[0], whole[n+1] = -7, -9
	for i := 1; i <= n; i++ {
		whole[i] = float64(rank + i)
	}
	window := whole[1 : n+1]
	if err := call(func() error { return comm.Allreduce64(window, Sum) }); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if want := float64(size*i + size*(size-1)/2); whole[i] != want {
			t.Errorf("rank %d: whole[%d] = %v, want %v", rank, i, whole[i], want)
		}
	}
	if whole[0] != -7 || whole[n+1] != -9 {
		t.Errorf("rank %d: elements outside the window changed: %v, %v", rank, whole[0], whole[n+1])
	}

	buf32 := []float32{float32(rank), 1}
	if err := call(func() error { return comm.Allreduce32(buf32, Max) }); err != nil {
		t.Fatal(err)
	}
	if buf32[0] != float32(size-1) || buf32[1] != 1 {
		t.Errorf("rank %d: Allreduce32 max in place = %v, want [%d 1]", rank, buf32, size-1)
	}
}

func TestBcast(t *testing.T) {
	rank := comm.Rank()
	const n = 1000
	pattern := func(root, i int) int { return (root+3)*(i+1)%251 - 100 }
	for _, root := range roots() {
		t.Run(fmt.Sprintf("float64/root=%d", root), func(t *testing.T) {
			buf := make([]float64, n)
			for i := range buf {
				buf[i] = -1
				if rank == root {
					buf[i] = float64(pattern(root, i)) + 0.25
				}
			}
			if err := call(func() error { return comm.Bcast64(buf, root) }); err != nil {
				t.Fatal(err)
			}
			for i := range buf {
				if want := float64(pattern(root, i)) + 0.25; buf[i] != want {
					t.Fatalf("rank %d: buf[%d] = %v, want %v", rank, i, buf[i], want)
				}
			}
		})
		t.Run(fmt.Sprintf("float32/root=%d", root), func(t *testing.T) {
			buf := make([]float32, n)
			for i := range buf {
				buf[i] = -1
				if rank == root {
					buf[i] = float32(pattern(root, i)) + 0.5
				}
			}
			if err := call(func() error { return comm.Bcast32(buf, root) }); err != nil {
				t.Fatal(err)
			}
			for i := range buf {
				if want := float32(pattern(root, i)) + 0.5; buf[i] != want {
					t.Fatalf("rank %d: buf[%d] = %v, want %v", rank, i, buf[i], want)
				}
			}
		})
		t.Run(fmt.Sprintf("bytes/root=%d", root), func(t *testing.T) {
			want := []byte(fmt.Sprintf("config from rank %d: \x00\xff end", root))
			buf := make([]byte, len(want))
			if rank == root {
				copy(buf, want)
			}
			if err := call(func() error { return comm.BcastBytes(buf, root) }); err != nil {
				t.Fatal(err)
			}
			if string(buf) != string(want) {
				t.Errorf("rank %d: got %q, want %q", rank, buf, want)
			}
		})
	}
}

func TestAllgather(t *testing.T) {
	rank, size := comm.Rank(), comm.Size()
	for _, k := range []int{1, 3, 1000} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			send := make([]float64, k)
			for j := range send {
				send[j] = float64(rank*10000 + j)
			}
			orig := slices.Clone(send)
			recv := make([]float64, size*k)
			if err := call(func() error { return comm.Allgather64(send, recv) }); err != nil {
				t.Fatal(err)
			}
			for i := range size {
				for j := range k {
					if got, want := recv[i*k+j], float64(i*10000+j); got != want {
						t.Fatalf("rank %d: recv[%d*%d+%d] = %v, want rank %d's %v", rank, i, k, j, got, i, want)
					}
				}
			}
			if i := firstDiff(send, orig); i >= 0 {
				t.Errorf("rank %d: send[%d] changed", rank, i)
			}
		})
	}
}

func TestBarrier(t *testing.T) {
	rank, size := comm.Rank(), comm.Size()
	// Ranks enter at staggered times; nobody may leave before the last one
	// entered. All ranks share one host and so one clock.
	var enter, leave float64
	err := call(func() error {
		time.Sleep(time.Duration(rank) * 15 * time.Millisecond)
		enter = float64(time.Now().UnixMicro())
		if err := comm.Barrier(); err != nil {
			return err
		}
		leave = float64(time.Now().UnixMicro())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	enters := make([]float64, size)
	if err := call(func() error { return comm.Allgather64([]float64{enter}, enters) }); err != nil {
		t.Fatal(err)
	}
	if last := slices.Max(enters); leave < last {
		t.Errorf("rank %d left the barrier at %v us, before the last rank entered at %v us", rank, leave, last)
	}
	for range 3 {
		if err := call(comm.Barrier); err != nil {
			t.Fatal(err)
		}
	}
}

func TestArgumentErrors(t *testing.T) {
	size := comm.Size()
	f64 := []float64{1, 2}
	tests := []struct {
		name string
		do   func() error
		want error
		text string
	}{
		{"Allreduce64 nil", func() error { return comm.Allreduce64(nil, Sum) }, ErrEmptyBuffer, "collective: Allreduce64: empty buffer"},
		{"Allreduce32 empty", func() error { return comm.Allreduce32([]float32{}, Sum) }, ErrEmptyBuffer, "collective: Allreduce32: empty buffer"},
		{"Allreduce64 bad op", func() error { return comm.Allreduce64(f64, Op(7)) }, ErrOp, "collective: Allreduce64: unknown reduction operator: Op(7)"},
		{"Allreduce32 negative op", func() error { return comm.Allreduce32([]float32{1}, Op(-1)) }, ErrOp, "Op(-1)"},
		{"Bcast64 root -1", func() error { return comm.Bcast64(f64, -1) }, ErrRoot, fmt.Sprintf("collective: Bcast64: root out of range: -1 not in [0, %d)", size)},
		{"Bcast32 root size", func() error { return comm.Bcast32([]float32{1}, size) }, ErrRoot, "Bcast32: root out of range"},
		{"BcastBytes root far", func() error { return comm.BcastBytes([]byte("x"), 1<<20) }, ErrRoot, "BcastBytes"},
		{"Bcast64 empty", func() error { return comm.Bcast64(nil, 0) }, ErrEmptyBuffer, "Bcast64: empty buffer"},
		{"BcastBytes empty", func() error { return comm.BcastBytes([]byte{}, 0) }, ErrEmptyBuffer, "BcastBytes: empty buffer"},
		{"Allgather64 short recv", func() error { return comm.Allgather64(f64, make([]float64, 2*size-1)) }, ErrBufferLength,
			fmt.Sprintf("collective: Allgather64: wrong buffer length: len(recv) = %d, want Size()*len(send) = %d*2 = %d", 2*size-1, size, 2*size)},
		{"Allgather64 long recv", func() error { return comm.Allgather64(f64, make([]float64, 2*size+1)) }, ErrBufferLength, "Allgather64: wrong buffer length"},
		{"Allgather64 empty send", func() error { return comm.Allgather64(nil, nil) }, ErrEmptyBuffer, "Allgather64: empty buffer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := call(tt.do)
			if !errors.Is(err, tt.want) {
				t.Fatalf("rank %d: err = %v, want %v", comm.Rank(), err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("rank %d: err = %q, want it to contain %q", comm.Rank(), err, tt.text)
			}
		})
	}
	// Every rank got the same errors without communicating, so every rank
	// reaches this collective: nobody was left waiting in the calls above.
	one := []float64{1}
	if err := call(func() error { return comm.Allreduce64(one, Sum) }); err != nil {
		t.Fatal(err)
	}
	if one[0] != float64(size) {
		t.Errorf("after the errors, Allreduce64 sum of ones = %v, want %d", one[0], size)
	}
}
