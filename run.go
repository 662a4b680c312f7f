// run.go: the data-parallel training of one element type, and rank 0's
// evaluation, artifacts and plots after it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"

	"mpitrain/data"
	"mpitrain/mlp"
	"mpitrain/mlp/eval"
	"mpitrain/mlp/trace"
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

// errStopped is wrapped by the error of a run stopped on a signal.
var errStopped = errors.New("stopped on a signal")

// trainTyped trains at element type T on every rank; rank 0 then evaluates
// and writes the artifacts into run. ckpt holds rank 0's checkpoint bytes
// when resuming. Errors that every rank has alike are sharedError.
func trainTyped[T mlp.Float](w *world, cfg Config, ds *data.Dataset, run *runDir, ckpt []byte, meta runMeta, stop *atomic.Bool) error {
	arch, err := cfg.arch()
	if err != nil {
		return sharedError{err}
	}
	rank, size := w.comm.Rank(), w.comm.Size()
	net, err := mlp.NewModel[T](arch, mlp.ShardRows(cfg.BatchSize, size))
	if err != nil {
		return sharedError{err}
	}
	net.Init(cfg.Seed)
	train, val := toSplit[T](ds.Train), toSplit[T](ds.Val)
	shards := func(epoch int) [][]int {
		return data.Shards(train.N, cfg.BatchSize, cfg.Seed, epoch, rank, size)
	}

	var from *mlp.Progress[T]
	if cfg.Resume != "" {
		if ckpt, err = shareBytes(w, ckpt); err != nil {
			return err
		}
	}
	if len(ckpt) > 0 { // every rank has rank 0's bytes: all decide alike
		name := "the checkpoint" // rank 0 alone knows the file, and alone reports
		if w.root {
			name = run.from
		}
		ck, err := mlp.DecodeCheckpoint[T](ckpt)
		if err != nil {
			err = fmt.Errorf("--resume %s: %w", name, err)
		} else {
			err = checkResume(name, ck, cfg, meta.Fingerprint)
		}
		if err != nil {
			return sharedError{err} // same bytes, same verdict on every rank
		}
		copy(net.Params(), ck.Params)
		from = &ck.Progress
		w.printf("resume: from the checkpoint %s, %d rank(s) now\n", checkpointSummary(name, from.Epoch, from.Step), size)
	}
	if w.root {
		run.ckpt = &checkpointer{run: run, every: cfg.CkptEvery, keep: cfg.KeepCkpts}
	}
	settings, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	save := func(p *mlp.Progress[T]) (string, error) {
		return writeCheckpoint(run.ckpt, &mlp.Checkpoint[T]{Arch: arch, Train: cfg.trainConfig(),
			Fingerprint: meta.Fingerprint, Settings: settings, Params: net.Params(), Progress: *p})
	}

	w.printf("model: %s, %d parameters, %s, %s lr %g, global batch %d (%d per rank), %d epochs, %s\n",
		describeArch(arch), arch.NumParams(), cfg.DType, cfg.Optimizer, cfg.LR, cfg.BatchSize,
		mlp.ShardRows(cfg.BatchSize, size), cfg.Epochs, meta.Memory.line(size))
	hooks := mlp.Hooks[T]{Stop: stop.Load}
	var clock traceClock
	if cfg.Trace != "" {
		if clock, err = alignClocks(w); err != nil {
			return err
		}
		hooks.Trace = newTraceRecorder(cfg.Epochs, len(shards(0)))
	}
	if w.everyStep != nil {
		hooks.Stop = func() bool { w.everyStep(); return stop.Load() }
	}
	hooks.OnEpoch = func(s mlp.EpochStats, _ *mlp.Trainer[T], p *mlp.Progress[T]) {
		if !cfg.Quiet {
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
		if w.root && run.ckpt.due(cfg, p.Epoch, p.BestEpoch) {
			c0 := w.comm.Wtime()
			_, err := save(p)
			hooks.Trace.Add(trace.Checkpoint, p.Epoch, 0, c0, w.comm.Wtime())
			if err != nil {
				// One rank's failure: the others are already in the next
				// step's Allreduce, so end the whole job.
				run.discardIfEmpty()
				w.fatal(err)
			}
		}
	}
	red, err := withFault(newReducer(w.comm, resolveSum(cfg.Allreduce, len(net.Params()), elemSize[T]())))
	if err != nil {
		return sharedError{err}
	}
	res, prog, err := mlp.Run(net, train, val, shards, red, cfg.trainConfig(), from, hooks)
	if cfg.Trace != "" && (err == nil || errors.Is(err, mlp.ErrStopped)) { // every rank is here alike
		info := map[string]any{"model": describeArch(arch), "dtype": cfg.DType, "global_batch": cfg.BatchSize}
		if terr := writeTrace(w, cfg.Trace, hooks.Trace, clock, info); terr != nil {
			w.fatal(terr)
		}
		if err == nil {
			w.printf("trace: %s\n", cfg.Trace)
		}
	}
	switch {
	case errors.Is(err, mlp.ErrStopped):
		msg := fmt.Errorf("%w at epoch %d, step %d", errStopped, prog.Epoch+1, prog.Step)
		if prog.Step == 0 {
			msg = fmt.Errorf("%w after epoch %d", errStopped, prog.Epoch)
		}
		if w.root {
			path, werr := save(prog)
			if werr != nil {
				return sharedError{fmt.Errorf("%w; writing its checkpoint failed: %v", msg, werr)}
			}
			msg = fmt.Errorf("%w; checkpoint %s; continue with --resume --run_id %s", msg, path, filepath.Base(run.path))
		}
		return sharedError{msg}
	case errors.Is(err, mlp.ErrNonFinite):
		if w.root {
			if c := listCheckpoints(run.path); len(c) > 0 {
				err = fmt.Errorf("%w; the last good checkpoint is %s", err, c[len(c)-1])
			}
		}
		return sharedError{err}
	case err != nil:
		return err
	}
	timing, err := gatherTiming(w, res.Timing, samplesTrained(res, from))
	if err != nil {
		return err
	}
	if !w.root {
		return nil
	}
	if res.Stopped {
		w.printf("early stop after epoch %d; keeping the best weights, from epoch %d\n", len(res.History), res.BestEpoch)
	}

	valBase, testBase, err := eval.Baselines(ds)
	if err != nil {
		return err
	}
	valBase.Model = predict(net, ds.Val)
	testBase.Model = predict(net, ds.Test)
	metrics := eval.Evaluate(ds, valBase, testBase)
	eval.Print(w.stdout, metrics)
	w.printf("time: %.2fs total, %.0f samples/s, allreduce %.1f%% of the slowest rank's time (%d ranks)\n",
		timing.Total.Max, timing.SamplesPerSec, 100*timing.AllreduceShare, size)

	a := artifacts{meta: meta, history: res.History, best: res.BestEpoch, metrics: metrics, timing: timing,
		model: newModelFile(cfg, arch, ds, meta.Fingerprint, net.Params())}
	if err := a.write(run, cfg, ds, testBase); err != nil {
		return err
	}
	w.printf("wrote %s\n", run.path)
	return nil
}

// samplesTrained counts the training samples this process's part of the run
// went through (a resumed run's earlier epochs are not timed here).
func samplesTrained[T mlp.Float](res *mlp.Result, from *mlp.Progress[T]) int {
	n, skip := 0, 0
	if from != nil {
		skip = len(from.History)
	}
	for _, h := range res.History[skip:] {
		n += h.Samples
	}
	return n
}

// predict runs the trained net over a split and returns float64 predictions.
func predict[T mlp.Float](net mlp.Model[T], s data.Split) []float64 {
	out := make([]T, s.N*net.Arch().Out)
	mlp.Predict(net, convert[T](s.X), s.N, out)
	res := make([]float64, len(out))
	for i, v := range out {
		res[i] = float64(v)
	}
	return res
}
