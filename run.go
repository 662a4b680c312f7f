// run.go: the data-parallel training of one element type, and rank 0's
// evaluation, artifacts and plots after it.
package main

import (
	"fmt"

	"mpitrain/data"
	"mpitrain/mlp"
)

// toSplit converts a data split to the training element type.
func toSplit[T mlp.Float](s data.Split) mlp.Split[T] {
	return mlp.Split[T]{X: convert[T](s.X), Y: convert[T](s.Y), N: s.N}
}

func convert[T mlp.Float](v []float64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

// trainTyped trains at element type T on every rank; rank 0 then evaluates
// and writes the artifacts into run.
func trainTyped[T mlp.Float](w *world, cfg Config, ds *data.Dataset, run *runDir, meta runMeta) error {
	arch, err := cfg.arch()
	if err != nil {
		return err
	}
	rank, size := w.comm.Rank(), w.comm.Size()
	net := mlp.NewNet[T](arch, mlp.ShardRows(cfg.BatchSize, size))
	net.Init(cfg.Seed)
	train, val := toSplit[T](ds.Train), toSplit[T](ds.Val)
	shards := func(epoch int) [][]int {
		return data.Shards(train.N, cfg.BatchSize, cfg.Seed, epoch, rank, size)
	}

	w.printf("model: %s, %d parameters, %s, %s lr %g, global batch %d (%d per rank), %d epochs\n",
		describeArch(arch), arch.NumParams(), cfg.DType, cfg.Optimizer, cfg.LR, cfg.BatchSize,
		(cfg.BatchSize+size-1)/size, cfg.Epochs)
	var history []mlp.EpochStats
	onEpoch := func(s mlp.EpochStats) {
		history = append(history, s)
		if cfg.Quiet {
			return
		}
		share := 0.0
		if s.Seconds > 0 {
			share = s.Allreduce / s.Seconds
		}
		mark := ""
		if s.Best {
			mark = " *"
		}
		w.printf("epoch %3d/%d  train %.6f  val %.6f  %6.3fs  %9.0f samples/s  allreduce %4.1f%%%s\n",
			s.Epoch, cfg.Epochs, s.TrainLoss, s.ValLoss, s.Seconds, float64(s.Samples)/s.Seconds, 100*share, mark)
	}
	res, err := mlp.Train(net, train, val, shards, reducer{w.comm}, cfg.trainConfig(), onEpoch)
	if err != nil {
		return err
	}
	samples := 0
	for _, h := range res.History {
		samples += h.Samples
	}
	timing, err := gatherTiming(w, res.Timing, samples)
	if err != nil {
		return err
	}
	if !w.root {
		return nil
	}
	if res.Stopped {
		w.printf("early stop after epoch %d; keeping the best weights, from epoch %d\n", len(history), res.BestEpoch)
	}

	valBase, testBase, err := baselinePredictions(ds)
	if err != nil {
		return err
	}
	valBase.model = predict(net, ds.Val)
	testBase.model = predict(net, ds.Test)
	metrics := metricsReport{Val: report(ds, ds.Val, valBase), Test: report(ds, ds.Test, testBase)}
	printMetrics(w.stdout, metrics)
	w.printf("time: %.2fs total, %.0f samples/s, allreduce %.1f%% of the slowest rank's time (%d ranks)\n",
		timing.Total.Max, timing.SamplesPerSec, 100*timing.AllreduceShare, size)

	a := artifacts{meta: meta, history: history, best: res.BestEpoch, metrics: metrics, timing: timing,
		model: newModelFile(cfg, arch, ds, meta.Fingerprint, net.Params)}
	if err := a.write(run, cfg, ds, testBase); err != nil {
		return err
	}
	w.printf("wrote %s\n", run.path)
	return nil
}

// predict runs the trained net over a split and returns float64 predictions.
func predict[T mlp.Float](net *mlp.Net[T], s data.Split) []float64 {
	out := make([]T, s.N*net.Cfg.Out)
	net.Predict(convert[T](s.X), s.N, out)
	res := make([]float64, len(out))
	for i, v := range out {
		res[i] = float64(v)
	}
	return res
}

func describeArch(c mlp.Config) string {
	s := fmt.Sprint(c.In)
	for _, h := range c.Hidden {
		s += fmt.Sprintf(" -> %d", h)
	}
	return fmt.Sprintf("%s -> %d (%s)", s, c.Out, c.Act)
}
