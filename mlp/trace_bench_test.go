// What recording spans costs: training epochs alternately with and
// without a recorder, side by side in one loop.
package mlp

import (
	"slices"
	"syscall"
	"testing"
	"time"

	"mpitrain/mlp/trace"
)

// BenchmarkEpochTrace runs epochs of the "default" configuration (float32,
// global batch 128, 3,531 training windows, one rank) alternately with a
// span recorder (what --trace keeps) and without, and reports the median
// wall and CPU time (getrusage, the whole process) of each kind of epoch
// and their ratios minus one as trace-wall-% and trace-cpu-%: the cost of
// recording. Alternating epoch by epoch puts a disturbance from other
// work on both kinds alike.
func BenchmarkEpochTrace(b *testing.B) {
	bc := benchConfigs[0]
	net := benchModel[float32](b, bc.cfg, bc.batch)
	train, val := synth[float32](3531, bc.cfg.In, bc.cfg.Out, 1, false), synth[float32](756, bc.cfg.In, bc.cfg.Out, 2, false)
	tr, err := NewTrainer(net, train, val, NewSelfReducer(), TrainConfig{Epochs: 1, Batch: bc.batch, LR: 1e-4, Optimizer: "adam"})
	if err != nil {
		b.Fatal(err)
	}
	steps := testShards(train.N, bc.batch, 1, 0, 1)(0)
	rec := trace.NewRecorder(trace.EventsFor(2, len(steps)))
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	}
	var wall, cpus [2][]float64 // [0] without, [1] with the recorder
	b.ReportAllocs()
	b.ResetTimer()
	for e := 0; b.Loop(); e++ {
		on := e % 2
		tr.Trace = nil
		if on == 1 {
			rec.Reset()
			tr.Trace = rec
		}
		t0, c0 := time.Now(), cpu()
		if _, err := tr.Epoch(e, steps); err != nil {
			b.Fatal(err)
		}
		wall[on] = append(wall[on], time.Since(t0).Seconds())
		cpus[on] = append(cpus[on], (cpu() - c0).Seconds())
	}
	med := func(v []float64) float64 {
		if len(v) == 0 {
			return 0
		}
		s := slices.Clone(v)
		slices.Sort(s)
		return s[len(s)/2]
	}
	if len(wall[1]) > 0 && med(wall[0]) > 0 && med(cpus[0]) > 0 {
		b.ReportMetric(med(wall[0])*1e3, "ms-off")
		b.ReportMetric(med(wall[1])*1e3, "ms-on")
		b.ReportMetric(100*(med(wall[1])/med(wall[0])-1), "trace-wall-%")
		b.ReportMetric(100*(med(cpus[1])/med(cpus[0])-1), "trace-cpu-%")
	}
}
