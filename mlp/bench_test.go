// Benchmarks of one training step at the named configurations.
package mlp

import (
	"testing"
)

// benchConfigs are the named configurations the scaling scripts refer to.
var benchConfigs = []struct {
	name  string
	cfg   Config
	batch int
}{
	{"default", Config{In: 60, Hidden: []int{128, 128}, Out: 1}, 128},
	{"large", Config{In: 60, Hidden: []int{512, 512, 512}, Out: 1}, 1024},
}

// BenchmarkStep times Trainer.Step (gather, forward, backward, a one-rank
// reduction, Adam) at float32 on a full global batch and reports GFLOP/s of
// the matrix products counted by Config.FLOPsPerSample.
func BenchmarkStep(b *testing.B) {
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) { benchStep[float32](b, bc.cfg, bc.batch) })
	}
}

// BenchmarkStep64 is BenchmarkStep at float64.
func BenchmarkStep64(b *testing.B) {
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) { benchStep[float64](b, bc.cfg, bc.batch) })
	}
}

func benchStep[T Float](b *testing.B, cfg Config, batch int) {
	net := NewNet[T](cfg, batch)
	net.Init(1)
	train := synth[T](4*batch, cfg.In, cfg.Out, 1, false)
	tr, err := NewTrainer(net, train, Split[T]{}, NewSelfReducer(), TrainConfig{Epochs: 1, Batch: batch, LR: 1e-4, Optimizer: "adam"})
	if err != nil {
		b.Fatal(err)
	}
	idx := testShards(train.N, batch, 1, 0, 1)(0)[0]
	if _, err := tr.Step(idx); err != nil {
		b.Fatal(err)
	}
	fwd, bwd := cfg.FLOPsPerSample()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := tr.Step(idx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((fwd+bwd)*int64(batch))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}
