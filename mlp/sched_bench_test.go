// What the Go runtime does around the long cgo calls of a training step
// on a locked thread, under each scheduler setting.

package mlp

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStepSched times Trainer.Step at float32 on a goroutine locked
// to its thread, as the trainer's main goroutine is, under GOMAXPROCS 1
// (what a rank bound to one core gets) and 2 (one idle P), with the 5 ms
// yield of yieldSometimes on and off. Besides the wall time it reports per
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
				name := fmt.Sprintf("%s/procs%d_yield%v", bc.name, procs, yield)
				b.Run(name, func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
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
