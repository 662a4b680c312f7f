// artifacts.go: what rank 0 writes into outputs/<run-id>/, each file
// written to a temporary name and renamed into place.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"time"

	"mpitrain/data"
	"mpitrain/mlp"
	"mpitrain/mlp/eval"
	"mpitrain/plotting"
)

// runMeta is config.json: every setting plus where and on what the run ran.
type runMeta struct {
	Config      Config    `json:"config"`
	Ranks       int       `json:"np"`
	Hosts       []string  `json:"hosts"`
	Fingerprint string    `json:"data_fingerprint"`
	Source      string    `json:"data_source"`
	MPI         string    `json:"mpi_library"`
	Go          string    `json:"go_version"`
	Trainer     string    `json:"trainer_version"`
	Started     time.Time `json:"started"`
	// Memory is the estimate made before training and what a rank may use.
	Memory memoryReport `json:"memory"`
}

// stat is a min/mean/max over ranks.
type stat struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// timingReport is timing.json. Seconds are totals over the whole run per
// rank, summarized over ranks. Allreduce time includes waiting for the
// slowest rank; the fastest rank's allreduce time is the closest measure of
// the communication itself, so Wait = mean - min of the allreduce times.
type timingReport struct {
	Ranks          int         `json:"np"`
	GlobalBatch    int         `json:"global_batch"`
	Epochs         int         `json:"epochs"`
	StepsPerEpoch  int         `json:"steps_per_epoch"`
	EpochSeconds   []float64   `json:"epoch_seconds"`
	EpochSecMedian float64     `json:"epoch_seconds_median"`
	StepSecMedian  float64     `json:"step_seconds_median"`
	Compute        stat        `json:"compute_s"`
	Allreduce      stat        `json:"allreduce_s"`
	Wait           float64     `json:"wait_s"`
	Eval           stat        `json:"eval_s"`
	Total          stat        `json:"total_s"`
	PerRank        [][]float64 `json:"per_rank"` // rows: rank; columns: compute, allreduce, eval, total, peak RSS MiB
	SamplesPerSec  float64     `json:"samples_per_s"`
	AllreduceShare float64     `json:"allreduce_share"` // mean allreduce / mean total
}

// gatherTiming collects every rank's totals with one Allgather (a collective:
// every rank calls it) and summarizes them.
func gatherTiming(w *world, t mlp.Timing, samples int) (timingReport, error) {
	const k = 5
	mine := []float64{t.Compute, t.Allreduce, t.Eval, t.Total, float64(peakRSS()) / (1 << 20)}
	all := make([]float64, k*w.comm.Size())
	if err := w.comm.Allgather64(mine, all); err != nil {
		return timingReport{}, err
	}
	r := timingReport{Ranks: w.comm.Size()}
	cols := make([][]float64, k)
	for rank := 0; rank < w.comm.Size(); rank++ {
		row := all[rank*k : (rank+1)*k]
		r.PerRank = append(r.PerRank, row)
		for c := range cols {
			cols[c] = append(cols[c], row[c])
		}
	}
	r.Compute, r.Allreduce, r.Eval, r.Total = summarize(cols[0]), summarize(cols[1]), summarize(cols[2]), summarize(cols[3])
	r.Wait = r.Allreduce.Mean - r.Allreduce.Min
	if r.Total.Max > 0 {
		r.SamplesPerSec = float64(samples) / r.Total.Max
	}
	if r.Total.Mean > 0 {
		r.AllreduceShare = r.Allreduce.Mean / r.Total.Mean
	}
	return r, nil
}

func summarize(v []float64) stat {
	s := stat{Min: v[0], Max: v[0]}
	for _, x := range v {
		s.Min, s.Max = min(s.Min, x), max(s.Max, x)
		s.Mean += x
	}
	s.Mean /= float64(len(v))
	return s
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// artifacts is everything rank 0 writes at the end of a run.
type artifacts struct {
	meta    runMeta
	history []mlp.EpochStats
	best    int
	metrics eval.Report
	timing  timingReport
	model   modelFile
}

// final fills the fields of config.json the trainer knows of itself.
func (m runMeta) final() runMeta {
	m.Go = runtime.Version()
	m.Trainer = versionString()
	return m
}

func (a artifacts) write(run *runDir, cfg Config, ds *data.Dataset, test eval.Predictions) error {
	a.meta = a.meta.final()
	a.timing.GlobalBatch = cfg.BatchSize
	a.timing.Epochs = len(a.history)
	for _, h := range a.history {
		a.timing.EpochSeconds = append(a.timing.EpochSeconds, h.Seconds)
	}
	a.timing.EpochSecMedian = median(a.timing.EpochSeconds)
	a.timing.StepsPerEpoch = (ds.Train.N + cfg.BatchSize - 1) / cfg.BatchSize
	a.timing.StepSecMedian = a.timing.EpochSecMedian / float64(a.timing.StepsPerEpoch)

	for _, f := range []struct {
		name string
		v    any
	}{{"config.json", a.meta}, {"metrics.json", a.metrics}, {"timing.json", a.timing}} {
		if err := writeJSON(run.file(f.name), f.v); err != nil {
			return err
		}
	}
	if err := writeAtomic(run.file("model.json"), a.model.writeTo); err != nil {
		return err
	}
	fc, haveForecast := forecast(ds, test)
	if err := writeFileAtomic(run.file("history.csv"), historyCSV(a.history)); err != nil {
		return err
	}
	if haveForecast {
		if err := writeFileAtomic(run.file("predictions.csv"), forecastCSV(fc)); err != nil {
			return err
		}
	}
	if cfg.NoPlots {
		return nil
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := plotting.Loss(run.file("loss"+ext), lossHistory(a.history, a.best)); err != nil {
			return err
		}
		if !haveForecast {
			continue
		}
		if err := plotting.Predictions(run.file("predictions"+ext), fc); err != nil {
			return err
		}
	}
	return nil
}

// historyCSV renders history.csv.
func historyCSV(h []mlp.EpochStats) []byte {
	var b bytes.Buffer
	b.WriteString("epoch,train_loss,val_loss,epoch_s,compute_s,allreduce_s,eval_s\n")
	for _, s := range h {
		fmt.Fprintf(&b, "%d,%.17g,%.17g,%.6f,%.6f,%.6f,%.6f\n",
			s.Epoch, s.TrainLoss, s.ValLoss, s.Seconds, s.Compute, s.Allreduce, s.Eval)
	}
	return b.Bytes()
}

func lossHistory(h []mlp.EpochStats, best int) plotting.History {
	var p plotting.History
	for _, s := range h {
		p.Epoch = append(p.Epoch, s.Epoch)
		p.Train = append(p.Train, s.TrainLoss)
		p.Val = append(p.Val, s.ValLoss)
	}
	p.Best = best
	return p
}

// forecast is the test period's first-day predictions in index points;
// ok is false when the data has no dates or normalizer statistics to
// draw them with.
func forecast(ds *data.Dataset, test eval.Predictions) (f plotting.Forecast, ok bool) {
	h, s := ds.Opts.Horizon, ds.Test
	if !eval.HasPoints(ds) || len(s.Dates) != s.N {
		return f, false
	}
	f.Title = "Test period: next-day close, model vs actual"
	for i := 0; i < s.N; i++ {
		f.Dates = append(f.Dates, s.Dates[i])
		f.Actual = append(f.Actual, s.Target[i*h])
		f.Predicted = append(f.Predicted, ds.Norm.Inverse(test.Model[i*h], s.Last[i]))
		f.Persistence = append(f.Persistence, s.Last[i])
	}
	return f, true
}

// writeJSON writes v as indented JSON, atomically.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// writeFileAtomic writes b to a temporary file beside path, syncs it and
// renames it into place, so a reader never sees a half-written file and a
// failure leaves nothing behind.
func writeFileAtomic(path string, b []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// writeAtomic is writeFileAtomic for content produced by write, through a
// buffer, so large files are never held in memory whole.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; results are for everyone to read.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// versionString names the trainer build.
func versionString() string {
	v := "mpitrain trainer (devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	return v + " " + runtime.Version()
}
