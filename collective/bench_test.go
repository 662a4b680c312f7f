// Benchmarks of the in-place Allreduce at the trainer's gradient sizes, run
// alone or as every rank of mpirun.

package collective

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
)

// allreduceSizes are the float32 counts one training step reduces: the
// gradient of a named configuration plus the shard's SSE and row count.
// scripts/allreduce_bench.c times MPI_Allreduce in C on the same counts.
var allreduceSizes = []struct {
	name  string
	count int
}{
	{"8B", 2},              // latency: two floats
	{"default", 24449 + 2}, // 60 -> 128 -> 128 -> 1
	{"large", 557057 + 2},  // 60 -> 512 -> 512 -> 512 -> 1
}

// BenchmarkAllreduce times Allreduce32(buf, Sum) through MPI_Allreduce
// (SetSharedSum off: it measures the binding against the C loop of the
// same call; BenchmarkAllreduceShared times the window) in place on zeros (sums of
// zeros stay finite however often they repeat), yielding the processor
// (runtime.Gosched) whenever 5 ms have passed since the last yield, as the
// trainer's GEMMs do (mlp/gemm.go explains why: a goroutine that is never
// rescheduled makes the Go runtime interfere with every long cgo call after
// 10 ms). BenchmarkAllreduceNoYield is the same loop without the yields.
// Under mpirun every rank must run the same number of calls, so run it
// with a fixed count:
//
//	mpirun -np 2 ./collective.test -test.run=NONE -test.bench=Allreduce -test.benchtime=2000x
//
// With a time-based -test.benchtime ranks may choose different counts; the
// benchmark then runs the largest on every rank (so none waits forever)
// and fails. Besides ns/op it reports us/call, the slowest rank's time per
// call (the figure scripts/allreduce_bench.c prints), fastest-us, the
// median over calls of the fastest rank's time in each (its
// fastest_us_median), and GB/s of gradient per call.
func BenchmarkAllreduce(b *testing.B) {
	SetSharedSum(comm, false)
	defer SetSharedSum(comm, true)
	for _, s := range allreduceSizes {
		b.Run(fmt.Sprintf("%s_%dfloats", s.name, s.count), func(b *testing.B) {
			buf := make([]float32, s.count)
			benchOnMain(b, true, func() error { return comm.Allreduce32(buf, Sum) })
			b.SetBytes(int64(4 * s.count))
		})
	}
}

// BenchmarkAllreduceNoYield is BenchmarkAllreduce without the yields.
func BenchmarkAllreduceNoYield(b *testing.B) {
	SetSharedSum(comm, false)
	defer SetSharedSum(comm, true)
	for _, s := range allreduceSizes {
		b.Run(fmt.Sprintf("%s_%dfloats", s.name, s.count), func(b *testing.B) {
			buf := make([]float32, s.count)
			benchOnMain(b, false, func() error { return comm.Allreduce32(buf, Sum) })
			b.SetBytes(int64(4 * s.count))
		})
	}
}

// BenchmarkAllreduceShared is BenchmarkAllreduce through the shared-memory
// window (the default for ranks on one host; MPI_Allreduce elsewhere).
func BenchmarkAllreduceShared(b *testing.B) {
	for _, s := range allreduceSizes {
		b.Run(fmt.Sprintf("%s_%dfloats", s.name, s.count), func(b *testing.B) {
			buf := make([]float32, s.count)
			benchOnMain(b, true, func() error { return comm.Allreduce32(buf, Sum) })
			b.SetBytes(int64(4 * s.count))
		})
	}
}

// BenchmarkAllreduce64 is BenchmarkAllreduce on float64 buffers.
func BenchmarkAllreduce64(b *testing.B) {
	SetSharedSum(comm, false)
	defer SetSharedSum(comm, true)
	for _, s := range allreduceSizes {
		b.Run(fmt.Sprintf("%s_%dfloats", s.name, s.count), func(b *testing.B) {
			buf := make([]float64, s.count)
			benchOnMain(b, true, func() error { return comm.Allreduce64(buf, Sum) })
			b.SetBytes(int64(8 * s.count))
		})
	}
}

// BenchmarkWtime is the cost of one Wtime call, as a direct call and as a
// cgo call; a training step makes three.
func BenchmarkWtime(b *testing.B) {
	for _, on := range []bool{true, false} {
		name := "direct"
		if !on {
			name = "cgo"
		}
		b.Run(name, func(b *testing.B) {
			sink := 0.0
			onMain(func() {
				defer SetDirectCalls(SetDirectCalls(on))
				for b.Loop() {
					sink += comm.Wtime()
				}
			})
			if sink < 0 {
				b.Fatal("negative time")
			}
		})
	}
}

// benchOnMain runs f b.N times on the main goroutine, where MPI must be
// called, in one hand-over so the channel costs nothing per call, yielding
// every 5 ms if yield is set. Ranks first agree on the count (the largest
// b.N) and meet at a Barrier.
func benchOnMain(b *testing.B, yield bool, f func() error) {
	var err error
	var n int
	var slowest float64
	var each []float64 // every call's time on this rank, then the fastest rank's
	onMain(func() {
		counts := []float64{float64(b.N)}
		if err = comm.Allreduce64(counts, Max); err != nil {
			return
		}
		n = int(counts[0])
		each = make([]float64, n)
		for range 20 { // warm-up: first touch, connections, caches
			if err = f(); err != nil {
				return
			}
		}
		if err = comm.Barrier(); err != nil {
			return
		}
		if yield {
			runtime.Gosched() // start with a fresh scheduling slice
		}
		b.ResetTimer()
		start := time.Now()
		yielded := start
		for i := range n {
			c0 := time.Now()
			if err = f(); err != nil {
				break
			}
			now := time.Now()
			each[i] = now.Sub(c0).Seconds()
			if yield && now.Sub(yielded) > 5*time.Millisecond {
				yielded = now
				runtime.Gosched()
			}
		}
		elapsed := []float64{time.Since(start).Seconds()}
		b.StopTimer()
		if err == nil {
			err = comm.Allreduce64(elapsed, Max)
		}
		if err == nil {
			err = comm.Allreduce64(each, Min)
		}
		slowest = elapsed[0]
	})
	if err != nil {
		b.Fatal(err)
	}
	if n != b.N {
		b.Fatalf("ranks chose different b.N (this one %d, the largest %d): run with -test.benchtime=NUMx", b.N, n)
	}
	b.ReportMetric(slowest/float64(n)*1e6, "us/call")
	slices.Sort(each)
	b.ReportMetric(each[n/2]*1e6, "fastest-us")
}
