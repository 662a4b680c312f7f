// What one rank needs: the memory estimate of a run.
package budget

import (
	"fmt"

	"mpitrain/mlp"
)

// Run describes what a rank will hold; every field is known before the
// model is built.
type Run struct {
	Arch      mlp.Config
	ElemSize  int    // 4 (float32) or 8 (float64)
	MaxBatch  int    // the rows of one rank's shard: ceil(global batch / ranks)
	Optimizer string // "adam", "adamw" or "sgd"
	Momentum  float64
	KeepBest  bool // early stopping keeps a copy of the best parameters
	Root      bool // rank 0 also evaluates and writes checkpoints and model.json
	Plots     bool // rank 0 draws the charts
	// SumWindow is this rank's segment of the shared-memory window the
	// gradient sum goes through, in bytes (collective.SharedWindowBytes),
	// or 0 when the ranks sum with MPI_Allreduce.
	SumWindow int64
	Singleton bool // the process was started without mpirun or srun

	// The data: windows per split, and days in the series (0 for an NPZ).
	Train, Val, Test, Days int
	Window, Horizon        int
}

// Estimate is the memory a rank needs, in bytes, by part.
type Estimate struct {
	Params      int64 `json:"params"`      // the flat parameters
	Grads       int64 `json:"grads"`       // the flat gradients with the step's reduced scalars
	Optimizer   int64 `json:"optimizer"`   // Adam's two moments, SGD's momentum
	Best        int64 `json:"best"`        // the best parameters kept by early stopping
	Activations int64 `json:"activations"` // the model's and the step's buffers for one shard
	Data        int64 `json:"data"`        // the series, its windows and their copies at the element type
	Artifacts   int64 `json:"artifacts"`   // rank 0: a checkpoint's and model.json's encodings while written
	SumWindow   int64 `json:"sum_window"`  // this rank's segment of the shared-memory window of the gradient sum
	Runtime     int64 `json:"runtime"`     // the process before training: Go, MPI, BLAS, the binary
	Total       int64 `json:"total"`
}

// Runtime is the resident memory of a trainer rank started by mpirun (or
// srun) that holds nothing yet: the Go runtime, the MPI library and its
// shared-memory segments, OpenBLAS's buffers and the binary. Measured with
// `mpirun -np 2 /usr/bin/time -f %M ./trainer --hidden_dim 1 --num_layers 1`:
// 32-39 MiB per rank with Open MPI 4.1.4 and OpenBLAS 0.3.21. A singleton
// (the binary run without a launcher) holds a few MiB more: 37-42 MiB.
const (
	Runtime   = 32 << 20
	Singleton = 6 << 20
)

// plotBuffers is what drawing the run's charts (PNG and SVG) holds at once.
const plotBuffers = 6 << 20

// artifactBuffers are the write buffers and encoders of the files rank 0
// writes (checkpoints and model.json stream through them).
const artifactBuffers = 1 << 20

// Need estimates what a rank of r needs. The figure is what the process
// holds at its peak, not what the model alone needs: the parameters,
// gradients and optimizer state, the best-weights copy, the activations of
// one shard, the data (the series, its windows in float64 and the training
// and validation windows at the element type) and, on rank 0, the
// predictions of the validation and test windows and the buffers through
// which checkpoints and model.json stream, plus the Runtime. It is checked against measured peak RSS
// within 25% (see the trainer's tests).
func Need(r Run) (Estimate, error) {
	if err := r.Arch.Validate(); err != nil {
		return Estimate{}, err
	}
	if r.ElemSize != 4 && r.ElemSize != 8 || r.MaxBatch < 1 || r.SumWindow < 0 {
		return Estimate{}, fmt.Errorf("budget: element size %d, batch %d, sum window %d", r.ElemSize, r.MaxBatch, r.SumWindow)
	}
	e := int64(r.ElemSize)
	p := int64(r.Arch.NumParams())
	var est Estimate
	est.Params = p * e
	est.Grads = (p + 3) * e
	states := int64(2) // Adam's m and v
	if r.Optimizer == "sgd" {
		states = 1
	}
	est.Optimizer = states * p * e
	if r.KeepBest {
		est.Best = p * e
	}
	in, out := int64(r.Arch.In), int64(r.Arch.Out)
	b := int64(r.MaxBatch)
	est.Activations = (r.Arch.ActivationValues(r.MaxBatch) + b*(in+2*out)) * e
	windows := int64(r.Train + r.Val + r.Test)
	w, h := int64(r.Window), int64(r.Horizon)
	const timeSize = 24                     // a time.Time
	est.Data = int64(r.Days)*(8+timeSize) + // the series
		windows*(8*(w+2*h+1)+timeSize) + // X, Y, last close, targets, dates
		int64(r.Train+r.Val)*(w+h)*e // the training and validation windows at T
	if r.Root {
		// Predictions of val and test (a copy of their windows at T and
		// the outputs), a checkpoint (parameters, best copy, optimizer
		// state) and model.json, each built in memory then written.
		est.Data += int64(r.Val+r.Test) * (w*e + 2*h*8)
		est.Artifacts = p*8 + artifactBuffers // model.json's float64 copy; checkpoints stream
		if r.Plots {
			est.Artifacts += plotBuffers
		}
	}
	est.SumWindow = r.SumWindow
	est.Runtime = Runtime
	if r.Singleton {
		est.Runtime += Singleton
	}
	est.Total = est.Params + est.Grads + est.Optimizer + est.Best + est.Activations + est.Data + est.Artifacts + est.SumWindow + est.Runtime
	return est, nil
}

// Largest names the part of the estimate that weighs most, its bytes, and
// the flags that change it: what a run that does not fit should change.
func (e Estimate) Largest() (part string, bytes int64, flags string) {
	model := e.Params + e.Grads + e.Optimizer + e.Best + e.Artifacts + e.SumWindow
	switch {
	case model >= e.Activations && model >= e.Data:
		return "the parameters, their gradients, copies and encodings", model, "--hidden_dim, --num_layers or --layers (or --dtype float32)"
	case e.Activations >= e.Data:
		return "the activations of one shard", e.Activations, "--batch_size (or use more ranks)"
	}
	return "the data", e.Data, "--window or use a shorter series"
}
