// sweepcmd.go: `trainer sweep`: a grid of runs packed into one MPI job.
// The world splits into groups of ranks; each group trains one run at a
// time, data-parallel on its own communicator with the same engine as
// `trainer`, taking the next run from a queue on world rank 0.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"mpitrain/collective"
	"mpitrain/mlp/sweep"
)

const sweepUsage = `Usage: mpirun -np N ./trainer sweep --grid 'KEY=V1,V2 KEY=A..B ...' --out DIR [--group_size G] [trainer flags]
       mpirun -np N ./trainer sweep --grid_file FILE --out DIR [--group_size G] [trainer flags]

Trains every combination of the grid's values (the cross product), each
as a normal run in DIR/runs/<name>/, <name> being the swept key=value
pairs. The N ranks split into groups of G (a remainder forms one smaller
group); each group trains one run at a time, data-parallel, and takes the
next run when it finishes, the runs expected to take longest first.
Trainer flags outside the grid apply to every run. KEY is any trainer
flag (lr, hidden_dim, model, scale, seed, ...); A..B is every integer
from A to B; a grid file holds the same terms, one key per line, with #
comments.

A run that fails (a bad value, a non-finite loss) is recorded with its
error and the sweep goes on. Running the same command again skips the
finished runs and continues unfinished ones from their checkpoints
(--retry_failed trains the failed ones again). SIGTERM or Ctrl-C stops
every group at a step with a checkpoint.

Rank 0 prints a line per finished run (done, failures, elapsed, ETA) and
at the end writes DIR/summary.csv (one row per run), DIR/report.md (the
configurations ranked by their median validation MAE over seeds; the
selected one's test figures) and DIR/val_mae.png, and prints the packing
efficiency (busy rank-seconds over N x wall seconds). DIR must be on a
file system every rank sees. trainer plot sweep DIR redraws the report.

Flags (-flag and --flag are the same):
`

// sweepOptions are the sweep's own flags; the rest are trainer flags.
type sweepOptions struct {
	grid, gridFile string
	groupSize      int
	out            string
	retryFailed    bool
	listRuns       bool
	base           []string // trainer flags for every run
}

// sweepFlags are the flags `trainer sweep` takes itself; anything else on
// the command line is a trainer flag for every run.
func sweepFlags(o *sweepOptions, out io.Writer) *flag.FlagSet {
	fs := newFlagSet("trainer sweep", sweepUsage, out)
	fs.StringVar(&o.grid, "grid", "", "the grid: 'KEY=V1,V2 KEY=A..B ...'")
	fs.StringVar(&o.gridFile, "grid_file", "", "a file holding the grid, one KEY=VALUES per line (# comments)")
	fs.IntVar(&o.groupSize, "group_size", 1, "ranks per group: each group trains one run at a time")
	fs.StringVar(&o.out, "out", "", "the sweep's folder (required): runs/, logs/, state/, summary.csv, report.md")
	fs.BoolVar(&o.retryFailed, "retry_failed", false, "train again the runs an earlier invocation recorded as failed")
	fs.BoolVar(&o.listRuns, "list_runs", false, "print each run's trainer flags, one run per line, and train nothing (no MPI)")
	return fs
}

// reservedFlags are set by the sweep for every run.
var reservedFlags = []string{"out", "run_id", "resume", "overwrite", "quiet"}

// parseSweepArgs separates the sweep's flags from the trainer flags, reads
// the grid and checks that every swept key is a trainer flag.
func parseSweepArgs(args []string, out io.Writer) (sweepOptions, sweep.Grid, error) {
	var o sweepOptions
	fs := sweepFlags(&o, out)
	var own []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || fs.Lookup(name) == nil && name != "h" && name != "help" {
			o.base = append(o.base, a)
			continue
		}
		own = append(own, a)
		if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) && i+1 < len(args) {
			i++
			own = append(own, args[i])
		}
	}
	if err := parseFlags(fs, own); err != nil {
		return o, nil, err
	}
	switch {
	case o.out == "":
		return o, nil, usagef("sweep: --out DIR is required (see trainer sweep -h)")
	case (o.grid == "") == (o.gridFile == ""):
		return o, nil, usagef("sweep: give the grid with --grid or --grid_file, one of them")
	case o.groupSize < 1 || o.groupSize > 1<<20:
		return o, nil, usagef("sweep: --group_size %d: out of range 1..%s", o.groupSize, groupDigits(1<<20))
	}
	text := o.grid
	if o.gridFile != "" {
		b, err := os.ReadFile(o.gridFile)
		if err != nil {
			return o, nil, usagef("sweep: --grid_file: %v", err)
		}
		if len(b) > 1<<20 {
			return o, nil, usagef("sweep: --grid_file %s: more than 1 MiB", o.gridFile)
		}
		text = string(b)
	}
	g, err := sweep.ParseGrid(text)
	if err != nil {
		return o, nil, usagef("sweep: %v", err)
	}
	var c Config
	known := newTrainFlags(&c, io.Discard)
	for _, a := range g {
		if known.Lookup(a.Key) == nil {
			return o, nil, usagef("sweep: grid key %q is not a trainer flag (see trainer -h)", a.Key)
		}
		if slices.Contains(reservedFlags, a.Key) {
			return o, nil, usagef("sweep: grid key %q: the sweep sets --%s for every run", a.Key, a.Key)
		}
	}
	for _, a := range o.base {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && slices.Contains(reservedFlags, name) {
			return o, nil, usagef("sweep: --%s: the sweep sets it for every run (the sweep's folder is its --out)", name)
		}
		if strings.HasPrefix(a, "-") && g.Has(name) {
			return o, nil, usagef("sweep: --%s is both swept and given for every run", name)
		}
	}
	return o, g, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// gridRun is one planned run: its trainer arguments and checked config.
type gridRun struct {
	sweep.Run
	args []string
	cfg  Config
	err  error // the arguments are refused: the run is recorded as failed, never trained
}

// planSweep builds every run's trainer arguments and checks them; a run
// whose values are refused is kept, with its error, for the summary.
func planSweep(o sweepOptions, g sweep.Grid) []gridRun {
	var runs []gridRun
	for _, r := range sweep.Plan(g) {
		args := slices.Concat(o.base, r.Args(g), []string{"--out", filepath.Join(o.out, "runs"), "--run_id", r.Name, "--resume=auto", "--quiet"})
		cfg, err := parseTrainFlags(args, io.Discard)
		sr := gridRun{Run: r, args: args, cfg: cfg, err: err}
		if err == nil {
			arch, _ := cfg.arch()
			fwd, bwd := arch.FLOPsPerSample()
			// Relative cost: epochs times the work of one sample's step.
			sr.Cost = float64(cfg.Epochs) * float64(fwd+bwd) * float64(cfg.Window)
		}
		runs = append(runs, sr)
	}
	return runs
}

// runState is DIR/state/<name>.json: what became of a run.
type runState struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"`
	Error   string  `json:"error,omitempty"`
	Epochs  int     `json:"epochs"`
	Seconds float64 `json:"seconds"`
	Ranks   int     `json:"ranks"`
}

func statePath(dir, name string) string { return filepath.Join(dir, "state", name+".json") }

// sweepInfo is DIR/sweep.json: what `trainer plot sweep` needs to redraw.
type sweepInfo struct {
	Grid      string   `json:"grid"`
	Base      []string `json:"trainer_flags"`
	Ranks     int      `json:"np"`
	GroupSize int      `json:"group_size"`
	Groups    []int    `json:"groups"` // ranks per group
	Started   string   `json:"started"`
}

// groupsOf splits size ranks into groups of g, a remainder forming one
// smaller group: the ranks of each group.
func groupsOf(size, g int) []int {
	g = min(g, size)
	var out []int
	for left := size; left > 0; left -= g {
		out = append(out, min(g, left))
	}
	return out
}

// sweepMain is `trainer sweep`.
func sweepMain(args []string, stdout, stderr io.Writer) int {
	if slices.ContainsFunc(args, func(a string) bool { return strings.TrimLeft(a, "-") == "list_runs" }) {
		o, g, err := parseSweepArgs(args, stdout)
		if err == nil {
			for _, r := range sweep.Plan(g) {
				fmt.Fprintln(stdout, strings.Join(slices.Concat(o.base, r.Args(g), []string{"--run_id", r.Name}), " "))
			}
		}
		return exitCode(err, stderr)
	}
	comm, err := collective.Init()
	if err != nil {
		fmt.Fprintf(stderr, "trainer: %v\n", err)
		return exitFail
	}
	setLiveComm(comm)
	w := newWorld(comm, stdout, stderr)
	code := w.sweep(args)
	if err := comm.Finalize(); err != nil && code == exitOK {
		w.errorf("%v", err)
		return exitFail
	}
	return code
}

func (w *world) sweep(args []string) int {
	helpOut := io.Discard
	if w.root {
		helpOut = w.stdout
	}
	o, g, err := parseSweepArgs(args, helpOut)
	if err == errHelp {
		return exitOK
	}
	if err = w.agree(err); err != nil {
		return runEndCode(w.startupFailure(err))
	}
	runs := planSweep(o, g)
	size := w.comm.Size()
	groups := groupsOf(size, o.groupSize)
	var q *queue
	if w.root {
		q, err = newQueue(w, o, g, runs, groups)
	}
	if err = w.agree(err); err != nil {
		return runEndCode(w.startupFailure(err))
	}
	hosts, err := gatherStrings(w.comm, hostLabel(w.comm))
	if err != nil {
		w.fatal(err)
	}
	gs := min(o.groupSize, size)
	color := w.comm.Rank() / gs
	gc, err := w.comm.Split(color, w.comm.Rank())
	if err != nil {
		w.fatal(err)
	}
	stop, unwatch := watchSignals(w)
	defer unwatch()
	if q != nil {
		q.stop = stop
	}
	leader := gc.Rank() == 0
	var last *runState
	idx := []float64{0}
	for {
		if leader {
			next := -1
			if w.root {
				next = q.take(last)
			} else {
				next, err = requestRun(w.comm, last)
				if err != nil {
					w.fatal(err)
				}
			}
			idx[0] = float64(next)
		}
		if err := gc.Bcast64(idx, 0); err != nil {
			w.fatal(err)
		}
		if idx[0] < 0 {
			break
		}
		r := runs[int(idx[0])]
		st := w.sweepOne(gc, r, o, stop, q, ranksOnHost(hosts, w.comm.Rank()))
		if leader {
			if err := writeJSON(statePath(o.out, r.Name), st); err != nil {
				w.fatal(err)
			}
			last = &st
		}
	}
	if w.root {
		q.drain()
	}
	if err := w.comm.Barrier(); err != nil {
		w.fatal(err)
	}
	if err := gc.Free(); err != nil {
		w.fatal(err)
	}
	if !w.root {
		if stop.Load() {
			return exitFail
		}
		return exitOK
	}
	return q.finish(stop.Load())
}

// runEndCode is the exit code of a runEnd (0 for nil).
func runEndCode(err error) int {
	if e, ok := err.(runEnd); ok {
		return e.code
	}
	if err != nil {
		return exitFail
	}
	return exitOK
}

// sweepOne trains r on the group gc and returns its state (meaningful on
// the group's leader, whose output goes to DIR/logs/<name>.log).
func (w *world) sweepOne(gc collective.Comm, r gridRun, o sweepOptions, stop *atomic.Bool, q *queue, hostRanks int) runState {
	st := runState{Name: r.Name, Ranks: gc.Size()}
	if r.err != nil {
		st.Status, st.Error = sweep.Failed, r.err.Error()
		return st
	}
	out, errOut := io.Discard, w.stderr
	var log *os.File
	if gc.Rank() == 0 {
		var err error
		if err = os.MkdirAll(filepath.Join(o.out, "logs"), 0o755); err == nil {
			log, err = os.OpenFile(filepath.Join(o.out, "logs", r.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		}
		if err != nil {
			w.fatal(fmt.Errorf("sweep: %w", err))
		}
		defer log.Close()
		fmt.Fprintf(log, "trainer %s\n", strings.Join(r.args, " "))
		out, errOut = log, log
	}
	gw := newWorld(gc, out, errOut)
	gw.hostRanks = hostRanks
	if q != nil {
		gw.everyStep = q.poll
	}
	start := time.Now()
	err := gw.trainRun(r.cfg, stop)
	st.Seconds = time.Since(start).Seconds()
	switch {
	case err == nil:
		st.Status = sweep.Done
		var tm timingReport
		if gc.Rank() == 0 {
			if e := readJSON(filepath.Join(o.out, "runs", r.Name, "timing.json"), &tm); e == nil {
				st.Epochs = tm.Epochs
			}
		}
	case errors.Is(err, errStopped):
		st.Status, st.Error = sweep.Stopped, err.Error()
	default:
		st.Status, st.Error = sweep.Failed, err.Error()
	}
	return st
}

// loadState reads DIR/state/<name>.json, or the zero state.
func loadState(dir, name string) runState {
	var st runState
	if b, err := os.ReadFile(statePath(dir, name)); err == nil {
		json.Unmarshal(b, &st)
	}
	return st
}
