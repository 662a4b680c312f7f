// What the Go runtime does around the long cgo calls of a training step
// on a locked thread, under each scheduler setting.

package mlp

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"mpitrain/collective/direct"
)

// BenchmarkStepSched times Trainer.Step at float32 on a goroutine locked
// to its thread, as the trainer's main goroutine is, under GOMAXPROCS 1
// (what a rank bound to one core gets) and 2 (one idle P), with the 5 ms
// yield of yieldSometimes on and off, and with the GEMMs as direct calls
// (package collective/direct, the default on linux/amd64) or as cgo
// calls. Besides the wall time it reports per
// step the CPU time of the whole process (getrusage: every thread, the
// runtime's included), its voluntary context switches (a thread that
// sleeps or waits: sysmon's naps, an M parked or woken) and involuntary
// ones. Run it on one core, as mpirun binds a rank:
//
//	taskset -c 1 go test -run NONE -bench StepSched ./mlp
func BenchmarkStepSched(b *testing.B) {
	for _, bc := range benchConfigs[:2] {
		for _, procs := range []int{1, 2} {
			for _, yield := range []time.Duration{5 * time.Millisecond, 0} {
				for _, calls := range []string{"direct", "cgo"} {
					name := fmt.Sprintf("%s/procs%d_yield%v_%s", bc.name, procs, yield, calls)
					b.Run(name, func(b *testing.B) {
						defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
						defer direct.SetOn(direct.SetOn(calls == "direct"))
						defer func(p time.Duration) { yieldPeriod = p }(yieldPeriod)
						yieldPeriod = yield
						done := make(chan struct{})
						go func() { // a fresh goroutine, locked like the trainer's main one
							defer close(done)
							runtime.LockOSThread()
							defer runtime.UnlockOSThread()
							var ru0, ru1 syscall.Rusage
							_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
							benchStep[float32](b, bc.cfg, bc.batch)
							_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
							n := float64(b.N)
							cpu := time.Duration(syscall.TimevalToNsec(ru1.Utime) + syscall.TimevalToNsec(ru1.Stime) -
								syscall.TimevalToNsec(ru0.Utime) - syscall.TimevalToNsec(ru0.Stime))
							b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-us/step")
							b.ReportMetric(float64(ru1.Nvcsw-ru0.Nvcsw)/n, "vcsw/step")
							b.ReportMetric(float64(ru1.Nivcsw-ru0.Nivcsw)/n, "ivcsw/step")
						}()
						<-done
					})
				}
			}
		}
	}
}

// BenchmarkSysmonAfterLongCall shows the two states the runtime's monitor
// settles in around a loop of GEMM cgo calls on a locked thread, with the
// loop yielding every 5 ms (yieldSometimes) as the training loop does. Each
// case first runs Go code alone for 100 ms (sysmon finds nothing to retake
// and lengthens its naps to 10 ms, as during the trainer's start-up), then,
// in the "after" cases, makes one GEMM call of about 50 ms, then times b.N
// square GEMMs of size n (256: about 0.3 ms, 512: about 3 ms, the large
// configuration's products). It reports per call the process's context
// switches (getrusage, every thread) and the wall time. At GOMAXPROCS 1
// the one long call is retaken, sysmon drops to its 20 us nap, and from
// then on it retakes the P of every call that spans two naps, which keeps
// it there: several times the switches for good. With an idle P
// (GOMAXPROCS 2) it never retakes a call shorter than 10 ms, and the long
// call leaves nothing behind. The GEMMs run as cgo calls, then as direct
// calls (package collective/direct), which sysmon never retakes: with them
// the long call leaves nothing behind either. Run it on one core, as
// mpirun binds a rank:
//
//	taskset -c 1 go test -run NONE -bench SysmonAfterLongCall ./mlp
func BenchmarkSysmonAfterLongCall(b *testing.B) {
	for _, n := range []int{256, 512} {
		for _, procs := range []int{1, 2} {
			for _, long := range []bool{false, true} {
				for _, calls := range []string{"cgo", "direct"} {
					name := fmt.Sprintf("n%d/procs%d/%s/before", n, procs, calls)
					if long {
						name = fmt.Sprintf("n%d/procs%d/%s/after", n, procs, calls)
					}
					b.Run(name, func(b *testing.B) {
						defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
						defer direct.SetOn(direct.SetOn(calls == "direct"))
						x, y, z := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
						const big = 1400 // about 5.5 GFLOP: 40-80 ms on one core
						var bx, by, bz []float32
						if long {
							bx, by, bz = make([]float32, big*big), make([]float32, big*big), make([]float32, big*big)
						}
						done := make(chan struct{})
						go func() { // locked, as the trainer's main goroutine is
							defer close(done)
							runtime.LockOSThread()
							defer runtime.UnlockOSThread()
							gemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n) // first touch
							for t := time.Now(); time.Since(t) < 100*time.Millisecond; {
							}
							if long {
								gemm(false, false, big, big, big, 1, bx, big, by, big, 0, bz, big)
							}
							var ru0, ru1 syscall.Rusage
							_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
							b.ResetTimer()
							for range b.N {
								gemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n)
							}
							b.StopTimer()
							_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
							b.ReportMetric(float64(ru1.Nvcsw+ru1.Nivcsw-ru0.Nvcsw-ru0.Nivcsw)/float64(b.N), "switches/call")
						}()
						<-done
					})
				}
			}
		}
	}
}
