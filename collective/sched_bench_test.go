// What the Go runtime does around long cgo calls on the locked main thread:
// the Allreduce loop under each scheduler setting, with the context
// switches of the whole process counted per call.

package collective

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAllreduceSched times Allreduce32 in place at the gradient sizes
// under each combination of GOMAXPROCS (1: the rank's one core, as mpirun's
// binding gives; 2: one idle P beside the main goroutine's), of a yield
// (runtime.Gosched) every 5 ms or none, and of the call's kind: a direct
// call (direct.go, the default) or a cgo call. Besides us/call (the slowest
// rank's time per call) it reports, per call, this process's voluntary and
// involuntary context switches (getrusage: every thread, sysmon's sleeps
// included) and the OS threads the runtime holds at the end. Run it with a
// fixed count under mpirun, as BenchmarkAllreduce:
//
//	mpirun -np 2 ./collective.test -test.run=NONE -test.bench=AllreduceSched -test.benchtime=2000x
func BenchmarkAllreduceSched(b *testing.B) {
	SetSharedSum(comm, false) // MPI_Allreduce, as BenchmarkAllreduce
	defer SetSharedSum(comm, true)
	for _, s := range allreduceSizes[1:] {
		for _, procs := range []int{1, 2} {
			for _, yield := range []bool{true, false} {
				for _, directCalls := range []bool{true, false} {
					name := fmt.Sprintf("%s_%dfloats/procs%d", s.name, s.count, procs)
					if yield {
						name += "_yield"
					} else {
						name += "_noyield"
					}
					if directCalls {
						name += "_direct"
					} else {
						name += "_cgo"
					}
					b.Run(name, func(b *testing.B) {
						buf := make([]float32, s.count)
						prev := runtime.GOMAXPROCS(procs)
						defer runtime.GOMAXPROCS(prev)
						defer SetDirectCalls(SetDirectCalls(directCalls))
						var ru0, ru1 syscall.Rusage
						_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
						benchSched(b, yield, func() error { return comm.Allreduce32(buf, Sum) })
						_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
						n := float64(b.N)
						b.ReportMetric(float64(ru1.Nvcsw-ru0.Nvcsw)/n, "vcsw/call")
						b.ReportMetric(float64(ru1.Nivcsw-ru0.Nivcsw)/n, "ivcsw/call")
						b.SetBytes(int64(4 * s.count))
					})
				}
			}
		}
	}
}

// benchSched is benchOnMain with the yield period given by yield (5 ms or
// never) and the slowest rank's time per call as us/call.
func benchSched(b *testing.B, yield bool, f func() error) {
	var err error
	var n int
	var slowest float64
	onMain(func() {
		counts := []float64{float64(b.N)}
		if err = comm.Allreduce64(counts, Max); err != nil {
			return
		}
		n = int(counts[0])
		for range 20 {
			if err = f(); err != nil {
				return
			}
		}
		if err = comm.Barrier(); err != nil {
			return
		}
		runtime.Gosched()
		b.ResetTimer()
		start := time.Now()
		yielded := start
		for range n {
			if err = f(); err != nil {
				break
			}
			if now := time.Now(); yield && now.Sub(yielded) > 5*time.Millisecond {
				yielded = now
				runtime.Gosched()
			}
		}
		elapsed := []float64{time.Since(start).Seconds()}
		b.StopTimer()
		if err == nil {
			err = comm.Allreduce64(elapsed, Max)
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
}
