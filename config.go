// config.go: the training Config, its defaults, its flags and its checks.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"mpitrain/data"
	"mpitrain/mlp"
)

// errHelp is returned when -h was asked for; usage was printed, exit 0.
var errHelp = errors.New("help requested")

// Config holds every setting of a training run. Every rank parses the same
// command line into the same Config; rank 0 saves it as config.json.
type Config struct {
	NPZPath     string  `json:"npz_path"`         // train from this NPZ (trainer data prepare); empty = CSV pipeline
	CSV         string  `json:"csv"`              // CSV file of daily closes; empty = embedded S&P 500 2000-2020
	Column      string  `json:"column"`           // price column: close or adjclose
	Window      int     `json:"window"`           // past closes per sample
	Horizon     int     `json:"horizon"`          // future closes predicted per sample
	TrainFrac   float64 `json:"train_frac"`       // chronological share of windows for training
	ValFrac     float64 `json:"val_frac"`         // share for validation; test is the rest
	Scale       string  `json:"scale"`            // minmax | zscore | window
	Model       string  `json:"model"`            // mlp | lstm | transformer
	HiddenDim   int     `json:"hidden_dim"`       // mlp: hidden width; lstm: hidden size; transformer: d_model (0 in flags: the model's default)
	NumLayers   int     `json:"num_layers"`       // mlp: hidden layers; lstm: stacked layers; transformer: encoder layers (0: the model's default)
	Layers      string  `json:"layers"`           // mlp: comma-separated hidden widths, overrides --hidden_dim and --num_layers
	Heads       int     `json:"heads"`            // transformer: attention heads (0: the default, 4)
	FFDim       int     `json:"ff_dim"`           // transformer: feed-forward width (0: the default, 2 x d_model)
	Act         string  `json:"activation"`       // mlp: relu | tanh
	DType       string  `json:"dtype"`            // float32 | float64
	Epochs      int     `json:"epochs"`           // passes over the training windows
	BatchSize   int     `json:"batch_size"`       // GLOBAL batch, split over the ranks
	LR          float64 `json:"lr"`               // learning rate
	Optimizer   string  `json:"optimizer"`        // adam | sgd
	Momentum    float64 `json:"momentum"`         // SGD momentum
	WeightDecay float64 `json:"weight_decay"`     // L2 penalty added to the gradient
	Patience    int     `json:"patience"`         // early-stopping patience in epochs; 0 = off
	Seed        uint64  `json:"seed"`             // initialisation and shuffling seed
	Out         string  `json:"out"`              // parent folder of run folders
	RunID       string  `json:"run_id"`           // run folder name; empty = run-<UTC time>
	Overwrite   bool    `json:"overwrite"`        // replace an existing run folder
	NoPlots     bool    `json:"no_plots"`         // skip loss.png and predictions.png
	Quiet       bool    `json:"quiet"`            // no per-epoch lines
	Tag         string  `json:"tag"`              // free label saved in config.json (sweeps record strong/weak)
	CkptEvery   int     `json:"checkpoint_every"` // checkpoint after every this many epochs; 0 = only at the end
	KeepCkpts   int     `json:"keep_checkpoints"` // newest checkpoints kept per run
	Resume      string  `json:"resume"`           // "" = fresh run, "latest", or a checkpoint file
	Allreduce   string  `json:"allreduce"`        // auto | shm | shard | mpi: the gradient sum on one host
	Trace       string  `json:"trace,omitempty"`  // write the ranks' timeline (Chrome trace-event JSON) to this file; "" = off
}

// defaultConfig is the configuration `trainer` runs with no flags.
func defaultConfig() Config {
	d := data.DefaultOptions()
	return Config{
		Column:    "close",
		Window:    d.Window,
		Horizon:   d.Horizon,
		TrainFrac: d.Train,
		ValFrac:   d.Val,
		Scale:     "window", // measured best of the three; see README "Forecast quality"
		Model:     mlp.ModelMLP,
		HiddenDim: 128,
		NumLayers: 2,
		Act:       "relu",
		DType:     "float32",
		Allreduce: "auto",
		Epochs:    50,
		BatchSize: 128,
		LR:        1e-3,
		Optimizer: "adam",
		Momentum:  0.9,
		// Weight decay and early stopping are part of the default because
		// they are what lets the model match persistence (README).
		WeightDecay: 1e-3,
		Patience:    10,
		Seed:        1,
		Out:         "outputs",
		CkptEvery:   1,
		KeepCkpts:   2,
	}
}

const trainUsage = `Usage: mpirun -np N ./trainer [flags]      (or ./trainer [flags] for one rank)
       ./trainer data fetch|prepare|inspect ...
       ./trainer predict --model RUN/model.json [--csv FILE]
       ./trainer plot history RUN_DIR | plot scaling RESULTS_DIR | plot trace FILE
       mpirun -np N ./trainer bench [--config default|large|lstm]   (make bench: the whole table)
       ./trainer version

Trains an MLP regressor (60 past closes -> next close by default) on the
embedded S&P 500 daily closes 2000-2020, data-parallel: every rank trains a
replica on its shard of each global batch and gradients are averaged with
an Allreduce (on one host through shared memory, each rank then updating
its 1/N of the parameters: --allreduce). Rank 0 prints one line per epoch, the test metrics against
the persistence and linear baselines, and writes outputs/<run-id>/.

Flags (-flag and --flag are the same):
`

// modelHelp describes each model in trainer -h.
var modelHelp = map[string]string{
	mlp.ModelMLP: `window -> hidden layers -> horizon, ReLU or tanh (the default:
               60 -> 128 -> 128 -> 1)`,
	mlp.ModelLSTM: `the window as a sequence of steps through stacked LSTM layers; the
               last hidden state into a linear head (default 1 layer of 64)`,
	mlp.ModelTransformer: `input projection plus a learned positional embedding, pre-LayerNorm
               encoder layers (multi-head self-attention, ReLU feed-forward), a final
               LayerNorm, the last position into a linear head (default d_model 64,
               4 heads, 2 layers, ff 128)`,
}

// memoryHelp says how the memory check works.
const memoryHelp = `
Memory: before allocating anything large, every rank estimates what it needs
(parameters, gradients, optimizer state, the best-weights copy, one shard's
activations, the data, and on rank 0 the predictions and write buffers, plus
about 32 MiB for the Go runtime, MPI and OpenBLAS) and compares it with what
it may use: the memory limit of its cgroup (a pod's or a Slurm job's, cgroup
v1 or v2) or the machine's MemAvailable, whichever is lower, divided by the
ranks on its host. A run that cannot fit stops at once, naming both figures
and the flags to change. The model line prints the estimate; config.json
keeps it ("memory").
`

// trainEpilogue follows the flags in trainer -h.
func trainEpilogue() string {
	var b strings.Builder
	b.WriteString("\nModels (--model; each trains data-parallel the same way, at float32 or float64):\n")
	for _, m := range mlp.Models {
		fmt.Fprintf(&b, "  %-12s %s\n", m, modelHelp[m])
	}
	b.WriteString(memoryHelp)
	return b.String()
}

// newFlagSet is the flag set of every subcommand: errors are returned, not
// printed (parseFlags makes them one line), and -h prints usage, then the
// flags, to out.
func newFlagSet(name, usage string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(out, usage)
		fs.SetOutput(out)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// newTrainFlags binds every Config field to a flag.
func newTrainFlags(c *Config, out io.Writer) *flag.FlagSet {
	fs := newFlagSet("trainer", trainUsage, out)
	flags := fs.Usage
	fs.Usage = func() { flags(); fmt.Fprint(out, trainEpilogue()) }
	fs.StringVar(&c.NPZPath, "npz_path", c.NPZPath, "train from an NPZ written by 'trainer data prepare' instead of a CSV")
	fs.StringVar(&c.CSV, "csv", c.CSV, "CSV of daily prices (Yahoo, Stooq or date,close layouts); default: embedded S&P 500 2000-2020")
	fs.StringVar(&c.Column, "column", c.Column, "price column to model: close or adjclose")
	fs.IntVar(&c.Window, "window", c.Window, "past closes per input window")
	fs.IntVar(&c.Horizon, "horizon", c.Horizon, "future closes predicted per window")
	fs.Float64Var(&c.TrainFrac, "train_frac", c.TrainFrac, "chronological share of windows used for training")
	fs.Float64Var(&c.ValFrac, "val_frac", c.ValFrac, "share used for validation (test gets the rest)")
	fs.StringVar(&c.Scale, "scale", c.Scale, "normalization: minmax | zscore (fitted on train only) | window (relative to each window's last close)")
	fs.StringVar(&c.Model, "model", c.Model, "the network: "+strings.Join(mlp.Models, " | ")+" (see Models below)")
	// The size flags start at 0, "unset": parseTrainFlags fills them with
	// the chosen model's defaults (resolveModel), which the usage states.
	fs.IntVar(&c.HiddenDim, "hidden_dim", 0, "width: mlp hidden layers (default 128), lstm hidden size (default 64), transformer d_model (default 64)")
	fs.IntVar(&c.NumLayers, "num_layers", 0, "depth: mlp hidden layers (default 2), lstm stacked layers (default 1), transformer encoder layers (default 2)")
	fs.StringVar(&c.Layers, "layers", c.Layers, "mlp: comma-separated hidden layer widths, e.g. 512,512,512 (overrides --hidden_dim and --num_layers)")
	fs.IntVar(&c.Heads, "heads", 0, "transformer: attention heads, dividing d_model (default 4)")
	fs.IntVar(&c.FFDim, "ff_dim", 0, "transformer: width of each layer's feed-forward block (default 2 x d_model)")
	fs.StringVar(&c.Act, "activation", c.Act, "mlp: hidden activation: relu | tanh")
	fs.StringVar(&c.DType, "dtype", c.DType, "element type: float32 | float64 (the exact reference)")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "training epochs")
	fs.IntVar(&c.BatchSize, "batch_size", c.BatchSize, "GLOBAL batch size, split over the ranks (ranks change speed, not results); beyond the training windows: one batch of all of them per epoch")
	fs.Float64Var(&c.LR, "lr", c.LR, "learning rate")
	fs.StringVar(&c.Optimizer, "optimizer", c.Optimizer, "optimizer: adam | sgd")
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "SGD momentum")
	fs.Float64Var(&c.WeightDecay, "weight_decay", c.WeightDecay, "L2 weight decay")
	fs.IntVar(&c.Patience, "patience", c.Patience, "stop after this many epochs without a better validation loss and keep the best weights (0 = off)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed for initialisation and shuffling")
	fs.StringVar(&c.Out, "out", c.Out, "folder that receives the run folder")
	fs.StringVar(&c.RunID, "run_id", c.RunID, "run folder name under --out (default run-<UTC date-time to the ms>-<6 random hex digits>, unique)")
	fs.BoolVar(&c.Overwrite, "overwrite", c.Overwrite, "replace an existing run folder of the same name")
	fs.BoolVar(&c.NoPlots, "no_plots", c.NoPlots, "do not draw loss.png and predictions.png")
	fs.BoolVar(&c.Quiet, "quiet", c.Quiet, "print only the summary, not one line per epoch")
	fs.StringVar(&c.Tag, "tag", c.Tag, "free label saved in config.json (scripts/sweep.sh records the scaling mode here)")
	fs.IntVar(&c.CkptEvery, "checkpoint_every", c.CkptEvery, "rank 0 writes a checkpoint after every this many epochs and at the end (0 = only at the end)")
	fs.IntVar(&c.KeepCkpts, "keep_checkpoints", c.KeepCkpts, "how many of the newest checkpoints to keep in RUN/checkpoints/")
	fs.Var(resumeFlag{&c.Resume}, "resume", "continue from the latest checkpoint of --out/--run_id (or of the newest run under --out); --resume=FILE names one; --resume=auto resumes --run_id if it has a checkpoint and starts it otherwise (for job retries)")
	fs.StringVar(&c.Allreduce, "allreduce", c.Allreduce, "how the ranks sum gradients when all run on one host: auto (shard for gradients up to 1 MiB, shm above: what measured faster here) | shm (through a shared-memory window, each rank adding up 1/N of them) | shard (the same window, and each rank updates only its 1/N of the parameters and optimizer state, then the ranks share the parameters) | mpi (MPI_Allreduce); ranks on several hosts always use MPI_Allreduce")
	fs.StringVar(&c.Trace, "trace", c.Trace, "write a timeline of every rank's steps (forward, backward, Allreduce and waiting, optimizer, evaluation, checkpoints) to `FILE` as Chrome trace-event JSON, for ui.perfetto.dev or chrome://tracing; 'trainer plot trace FILE' draws it")
	documentRanges(fs)
	return fs
}

// parseTrainFlags parses args into a validated Config.
func parseTrainFlags(args []string, out io.Writer) (Config, error) {
	c := defaultConfig()
	fs := newTrainFlags(&c, out)
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usagef("unexpected argument %q (see trainer -h)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := c.resolveModel(set); err != nil {
		return c, err
	}
	return c, c.validate()
}

// parseFlags parses with one-line errors; -h prints usage and returns errHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) { // Parse has printed the usage
		return errHelp
	}
	if err != nil {
		return usagef("%v (see %s -h)", err, fs.Name())
	}
	return nil
}

func (c Config) dataOptions() data.Options {
	return data.Options{Window: c.Window, Horizon: c.Horizon, Train: c.TrainFrac, Val: c.ValFrac, Scale: c.Scale}
}

func (c Config) trainConfig() mlp.TrainConfig {
	return mlp.TrainConfig{
		Epochs: c.Epochs, Batch: c.BatchSize, LR: c.LR, Optimizer: c.Optimizer,
		Momentum: c.Momentum, WeightDecay: c.WeightDecay, Patience: c.Patience, Seed: c.Seed,
	}
}

// validate checks every field; errors name the flag.
func (c Config) validate() error {
	if err := c.checkSizes(); err != nil {
		return err
	}
	finitePos := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return usagef("--%s %v: must be a positive number", name, v)
		}
		return nil
	}
	if err := finitePos("lr", c.LR); err != nil {
		return err
	}
	if c.WeightDecay < 0 || math.IsNaN(c.WeightDecay) || math.IsInf(c.WeightDecay, 0) {
		return usagef("--weight_decay %v: must be >= 0", c.WeightDecay)
	}
	if c.Momentum < 0 || c.Momentum >= 1 || math.IsNaN(c.Momentum) {
		return usagef("--momentum %v: must be in [0, 1)", c.Momentum)
	}
	if !(c.TrainFrac > 0 && c.ValFrac > 0 && c.TrainFrac+c.ValFrac < 1) {
		return usagef("--train_frac %v --val_frac %v: need both > 0 and a sum < 1 (test gets the rest)", c.TrainFrac, c.ValFrac)
	}
	oneOf := func(name, v string, allowed ...string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return usagef("--%s %q: must be one of %s", name, v, strings.Join(allowed, ", "))
	}
	for _, e := range []error{
		oneOf("dtype", c.DType, "float32", "float64"),
		oneOf("optimizer", c.Optimizer, "adam", "sgd"),
		oneOf("activation", c.Act, "relu", "tanh"),
		oneOf("scale", c.Scale, "minmax", "zscore", "window"),
		oneOf("column", c.Column, "close", "adjclose"),
		oneOf("allreduce", c.Allreduce, "auto", "shm", "shard", "mpi"),
	} {
		if e != nil {
			return e
		}
	}
	if c.Resume == "auto" && c.RunID == "" {
		return usagef("--resume=auto: needs --run_id (it resumes that run if it has a checkpoint, else starts it)")
	}
	if c.NPZPath != "" && c.CSV != "" {
		return usagef("--npz_path and --csv: give one data source, not both")
	}
	if c.Out == "" {
		return usagef("--out: must not be empty")
	}
	if strings.ContainsAny(c.RunID, `/\`) || c.RunID == "." || c.RunID == ".." {
		return usagef("--run_id %q: must be a plain folder name", c.RunID)
	}
	if _, err := c.arch(); err != nil {
		return err
	}
	return nil
}
