// Benchmarks of one training step at the named configurations, of its
// parts, and of an LSTM and a transformer epoch.
package mlp

import (
	"testing"
)

// benchConfigs are the named configurations of the performance table
// (`trainer bench` in the main package defines the same mlp ones); "lstm"
// and "transformer" are the models compared with PyTorch
// (scripts/pytorch/time_lstm.py, time_transformer.py).
var benchConfigs = []struct {
	name  string
	cfg   Config
	batch int
}{
	{"default", Config{In: 60, Hidden: []int{128, 128}, Out: 1}, 128},
	{"large", Config{In: 60, Hidden: []int{512, 512, 512}, Out: 1}, 1024},
	{"lstm", Config{Model: ModelLSTM, In: 60, Hidden: []int{64}, Out: 1}, 128},
	{"transformer", Config{Model: ModelTransformer, In: 60, Out: 1, DModel: 64, Heads: 4, Layers: 2, FF: 128}, 128},
}

// benchModel builds and initializes the model cfg names.
func benchModel[T Float](b *testing.B, cfg Config, batch int) Model[T] {
	m, err := NewModel[T](cfg, batch)
	if err != nil {
		b.Fatal(err)
	}
	m.Init(1)
	return m
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
	net := benchModel[T](b, cfg, batch)
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

// BenchmarkPhases splits BenchmarkStep's float32 step: Forward, Backward
// and the Adam update (which does not shrink when the batch is cut over
// more ranks), each with its GFLOP/s where it has products.
func BenchmarkPhases(b *testing.B) {
	for _, bc := range benchConfigs {
		net := benchModel[float32](b, bc.cfg, bc.batch)
		data := synth[float32](bc.batch, bc.cfg.In, bc.cfg.Out, 1, false)
		dOut := make([]float32, bc.batch*bc.cfg.Out)
		for i := range dOut {
			dOut[i] = 1e-3 * float32(i%7-3)
		}
		fwd, bwd := bc.cfg.FLOPsPerSample()
		gflops := func(b *testing.B, flop int64) {
			b.ReportMetric(float64(flop*int64(bc.batch))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(bc.name+"/forward", func(b *testing.B) {
			for b.Loop() {
				net.Forward(data.X, bc.batch)
			}
			gflops(b, fwd)
		})
		b.Run(bc.name+"/backward", func(b *testing.B) {
			net.Forward(data.X, bc.batch)
			for b.Loop() {
				net.Backward(data.X, dOut, bc.batch)
			}
			gflops(b, bwd)
		})
		b.Run(bc.name+"/adam", func(b *testing.B) {
			opt := NewAdam[float32](len(net.Params()))
			for b.Loop() {
				opt.Step(net.Params(), net.Grads())
			}
		})
	}
}

// BenchmarkLSTMEpoch times one epoch of the "lstm" configuration at the
// size scripts/pytorch/time_lstm.py times PyTorch on: 3,531 training
// windows in 28 steps of 128 (Adam), then the loss on 756 validation
// windows, one rank, float32 and float64.
func BenchmarkLSTMEpoch(b *testing.B) {
	b.Run("float32", func(b *testing.B) { benchEpoch[float32](b, benchConfigs[2].cfg, 128, 3531, 756) })
	b.Run("float64", func(b *testing.B) { benchEpoch[float64](b, benchConfigs[2].cfg, 128, 3531, 756) })
}

// BenchmarkTransformerEpoch times one epoch of the "transformer"
// configuration at the size scripts/pytorch/time_transformer.py times
// PyTorch on: 3,531 training windows in 28 steps of 128 (Adam), then the
// loss on 756 validation windows, one rank, float32 and float64.
func BenchmarkTransformerEpoch(b *testing.B) {
	b.Run("float32", func(b *testing.B) { benchEpoch[float32](b, benchConfigs[3].cfg, 128, 3531, 756) })
	b.Run("float64", func(b *testing.B) { benchEpoch[float64](b, benchConfigs[3].cfg, 128, 3531, 756) })
}

func benchEpoch[T Float](b *testing.B, cfg Config, batch, nTrain, nVal int) {
	net := benchModel[T](b, cfg, batch)
	train, val := synth[T](nTrain, cfg.In, cfg.Out, 1, false), synth[T](nVal, cfg.In, cfg.Out, 2, false)
	tr, err := NewTrainer(net, train, val, NewSelfReducer(), TrainConfig{Epochs: 1, Batch: batch, LR: 1e-3, Optimizer: "adam"})
	if err != nil {
		b.Fatal(err)
	}
	steps := testShards(nTrain, batch, 1, 0, 1)(0)
	if _, err := tr.Epoch(0, steps); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for e := 1; b.Loop(); e++ {
		if _, err := tr.Epoch(e, steps); err != nil {
			b.Fatal(err)
		}
	}
}
