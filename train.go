// train.go: the training run: start-up checks on every rank, the
// data-parallel loop, then rank 0's evaluation and artifacts.
package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"mpitrain/collective"
	"mpitrain/data"
	"mpitrain/mlp"
)

// trainMain is `trainer [flags]`: it returns the process exit code.
func trainMain(args []string, stdout, stderr io.Writer) int {
	comm, err := collective.Init()
	if err != nil {
		fmt.Fprintf(stderr, "trainer: %v\n", err)
		return exitFail
	}
	setLiveComm(comm)
	w := newWorld(comm, stdout, stderr)
	code := w.train(args)
	if code != exitOK {
		// Every rank reached here through the same agreed error, so
		// finalizing is safe; no rank waits in a collective.
		_ = comm.Finalize()
		return code
	}
	if err := comm.Finalize(); err != nil {
		w.errorf("%v", err)
		return exitFail
	}
	return exitOK
}

// train runs the whole job on this rank and returns its exit code.
func (w *world) train(args []string) int {
	helpOut := io.Discard
	if w.root {
		helpOut = w.stdout
	}
	cfg, err := parseTrainFlags(args, helpOut)
	if err == errHelp {
		return exitOK
	}
	// Every rank parsed the same command line, so all fail alike; agree
	// anyway so a rank started with other arguments cannot slip through.
	if err = w.agree(err); err != nil {
		if w.root {
			return exitCode(err, w.stderr)
		}
		var peer errPeer
		if errors.As(err, &peer) {
			return peer.code
		}
		if isUsage(err) {
			return exitUsage
		}
		return exitFail
	}

	stop, unwatch := watchSignals(w)
	err = w.trainRun(cfg, stop)
	unwatch()
	var end runEnd
	if errors.As(err, &end) {
		return end.code
	}
	return exitOK
}

// runEnd is how a training job ended that did not succeed: every rank has
// it alike, with the same exit code, and the rank that knows why (rank 0,
// or the failing rank) has printed the reason to w.stderr.
type runEnd struct {
	code int
	err  error
}

func (e runEnd) Error() string { return e.err.Error() }
func (e runEnd) Unwrap() error { return e.err }

// trainRun trains cfg on w's communicator: every rank of it calls it with
// the same cfg. It returns nil or a runEnd; an error that may be one
// rank's alone ends the whole job (MPI_Abort) instead. stop, once set on
// any rank, stops every rank at a step with a checkpoint.
func (w *world) trainRun(cfg Config, stop *atomic.Bool) error {
	if cfg.BatchSize < w.comm.Size() {
		err := usagef("--batch_size %d is smaller than the %d ranks: every rank needs at least one sample per step",
			cfg.BatchSize, w.comm.Size())
		return w.startupFailure(w.agree(err))
	}
	hosts, err := gatherStrings(w.comm, hostLabel(w.comm))
	if err != nil {
		w.fatal(err)
	}
	w.printf("world: %d rank(s) on %s | %s | %s\n", w.comm.Size(), summarizeHosts(hosts),
		w.comm.LibraryVersion(), w.comm.ThreadLevel())

	ds, src, err := loadDataset(cfg, w)
	if err = w.agree(err); err != nil {
		return w.startupFailure(err)
	}
	cfg.Window, cfg.Horizon, cfg.Scale = ds.Opts.Window, ds.Opts.Horizon, ds.Opts.Scale
	fp := ds.Fingerprint()
	if err = w.agree(w.checkSame("data fingerprint", fp)); err != nil {
		return w.startupFailure(err)
	}

	if cfg.BatchSize > ds.Train.N {
		w.printf("data: --batch_size %d exceeds the %d training windows: one batch of all of them per epoch\n", cfg.BatchSize, ds.Train.N)
		cfg.BatchSize = ds.Train.N
		if cfg.BatchSize < w.comm.Size() {
			err = usagef("--batch_size: the %d training windows are fewer than the %d ranks", ds.Train.N, w.comm.Size())
		}
	}
	var mem memoryReport
	if err == nil {
		here := ranksOnHost(hosts, w.comm.Rank())
		oneHost := here == w.comm.Size()
		if w.hostRanks > 0 {
			here = w.hostRanks
		}
		mem, err = checkMemory(cfg, ds, w.comm.Rank(), w.comm.Size(), here, oneHost)
	}
	if err = w.agree(err); err != nil {
		return w.startupFailure(err)
	}

	var run *runDir
	var ckpt []byte
	if w.root {
		run, ckpt, err = openRun(cfg)
	}
	if err = w.agree(err); err != nil {
		return w.startupFailure(err)
	}
	if w.root {
		setLiveRun(run.path)
	}

	w.printf("data: %s | %d windows of %d -> %d | train %d, val %d, test %d | scale %s | fingerprint %s\n",
		src, ds.Train.N+ds.Val.N+ds.Test.N, cfg.Window, cfg.Horizon, ds.Train.N, ds.Val.N, ds.Test.N, cfg.Scale, fp[:12])

	meta := runMeta{Config: cfg, Ranks: w.comm.Size(), Hosts: hosts, Fingerprint: fp, Source: src,
		MPI: w.comm.LibraryVersion(), Started: time.Now().UTC(), Memory: mem}
	// A new run writes config.json first, so that a run the kernel kills
	// before its first checkpoint leaves a folder saying what it was (and
	// no metrics.json). A resumed run's folder keeps its own until the end.
	if w.root && run.from == "" {
		err = writeJSON(run.file("config.json"), meta.final())
	}
	if err = w.agree(err); err != nil {
		if w.root {
			run.discardIfEmpty()
		}
		return w.startupFailure(err)
	}
	if cfg.DType == "float64" {
		err = trainTyped[float64](w, cfg, ds, run, ckpt, meta, stop)
	} else {
		err = trainTyped[float32](w, cfg, ds, run, ckpt, meta, stop)
	}
	var same sharedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &same):
		// The same error on every rank (a non-finite value, a stop on
		// request, a checkpoint that does not fit): no rank waits in a
		// collective, so all end cleanly; rank 0 reports.
		if w.root {
			run.discardIfEmpty()
			w.errorf("%v", same.err)
		}
		if isUsage(same.err) {
			return runEnd{exitUsage, same.err}
		}
		return runEnd{exitFail, same.err}
	default:
		// Anything else may be one rank's alone: end the whole job now.
		if w.root {
			run.discardIfEmpty()
		}
		w.fatal(err)
		return runEnd{exitFail, err}
	}
}

// sharedError is an error every rank has identically, at the same point.
type sharedError struct{ err error }

func (e sharedError) Error() string { return e.err.Error() }

// watchSignals turns the first SIGINT or SIGTERM into a stop request: the
// ranks agree on it in the next step's Allreduce, finish that step, and
// rank 0 writes a checkpoint. A second SIGINT (Ctrl-C) ends the process at
// once; a second SIGTERM does not: under Slurm with mpirun every rank gets
// one from slurmstepd and one from mpirun passing its own on, and whoever
// sends them follows with SIGKILL after a grace period anyway. Any signal
// after unwatch ends the process at once (training is over; mpirun may
// SIGTERM the ranks of a job one of whose ranks has already exited).
func watchSignals(w *world) (stop *atomic.Bool, unwatch func()) {
	stop = new(atomic.Bool)
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			// SIGTERM stays caught: the next one waits in ch unread, and
			// later ones are dropped.
			signal.Reset(syscall.SIGINT)
			stop.Store(true)
			if w.root {
				fmt.Fprintf(w.stderr, "trainer: rank 0: %v: stopping after the current step and writing a checkpoint\n", s)
			}
		case <-done:
		}
	}()
	return stop, func() {
		signal.Reset(syscall.SIGINT, syscall.SIGTERM)
		close(done)
	}
}

// startupFailure prints an agreed start-up error (own errors on the failing
// rank; a peer failure on rank 0 only) and returns it as a runEnd with its
// exit code; nil stays nil.
func (w *world) startupFailure(err error) error {
	if err == nil {
		return nil
	}
	var peer errPeer
	if errors.As(err, &peer) {
		if w.root {
			w.errorf("%v", err)
		}
		return runEnd{peer.code, err}
	}
	if q, ok := err.(quietError); ok {
		err = q.err
	} else {
		w.errorf("%v", err)
	}
	if isUsage(err) {
		return runEnd{exitUsage, err}
	}
	return runEnd{exitFail, err}
}

// checkSame compares a string across ranks against rank 0's value.
func (w *world) checkSame(what, mine string) error {
	buf := make([]byte, 64)
	copy(buf, mine)
	if err := w.comm.BcastBytes(buf, 0); err != nil {
		return err
	}
	theirs := string(bytes.TrimRight(buf, "\x00"))
	if mine != theirs {
		return fmt.Errorf("%s %.12s differs from rank 0's %.12s: this rank read different data", what, mine, theirs)
	}
	return nil
}

// seedValShare is the share of a seed-layout NPZ's training windows that
// becomes the validation split when the file has none.
const seedValShare = 0.15

// loadDataset builds the dataset from --npz_path, --csv or the embedded file.
func loadDataset(cfg Config, w *world) (*data.Dataset, string, error) {
	if cfg.NPZPath != "" {
		ds, err := data.ReadNPZ(cfg.NPZPath)
		if err != nil || !ds.Legacy {
			return ds, cfg.NPZPath, err
		}
		if ds.Val.N == 0 {
			k, err := ds.CarveValidation(seedValShare)
			if err != nil {
				return nil, "", err
			}
			w.printf("data: %s has no validation split; the last %d of its training windows (%.0f%%, chronologically) are the validation split\n",
				cfg.NPZPath, k, 100*seedValShare)
		}
		if ds.Norm.Kind == "" {
			w.printf("data: %s carries no normalizer statistics: metrics are on the file's scale, index points are n/a\n", cfg.NPZPath)
		}
		return ds, cfg.NPZPath, nil
	}
	var s *data.Series
	var rep data.LoadReport
	var err error
	src := "embedded S&P 500 2000-2020 (" + cfg.Column + ")"
	if cfg.CSV != "" {
		src = cfg.CSV + " (" + cfg.Column + ")"
		s, rep, err = data.LoadCSVReport(cfg.CSV, cfg.Column)
	} else {
		s, rep, err = data.LoadEmbeddedReport(cfg.Column)
	}
	if err != nil {
		return nil, "", err
	}
	logLoadReport(w, rep)
	ds, err := data.Prepare(s, cfg.dataOptions())
	return ds, src, err
}

// logLoadReport prints what cleaning did (rank 0 only).
func logLoadReport(w *world, rep data.LoadReport) {
	if rep.Duplicates > 0 {
		w.printf("data: dropped %d duplicate date(s)\n", rep.Duplicates)
	}
	for _, g := range rep.Gaps {
		w.printf("data: gap of %d days between %s and %s\n", g.Days, g.From.Format(time.DateOnly), g.To.Format(time.DateOnly))
	}
}

// gatherStrings collects one short string from every rank, in rank order.
func gatherStrings(comm collective.Comm, mine string) ([]string, error) {
	const width = 128
	out := make([]string, comm.Size())
	for r := range out {
		buf := make([]byte, width)
		if comm.Rank() == r {
			copy(buf, mine)
		}
		if err := comm.BcastBytes(buf, r); err != nil {
			return nil, err
		}
		out[r] = string(bytes.TrimRight(buf, "\x00"))
	}
	return out, nil
}

// hostLabel names where this rank runs: processor name and, when the host
// name is shared by several network namespaces, the first non-loopback address.
func hostLabel(comm collective.Comm) string {
	name := comm.ProcessorName()
	if a := firstAddress(); a != "" {
		return name + "/" + a
	}
	return name
}

// summarizeHosts renders hosts as "a (2 ranks), b (1 rank)" in rank order.
func summarizeHosts(hosts []string) string {
	count := map[string]int{}
	var order []string
	for _, h := range hosts {
		if count[h] == 0 {
			order = append(order, h)
		}
		count[h]++
	}
	var b bytes.Buffer
	for i, h := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%d rank%s)", h, count[h], plural(count[h]))
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// runDir is the output folder of one run, known to rank 0 only.
type runDir struct {
	path    string
	created bool   // made by this process (not a resumed run's folder)
	from    string // the checkpoint file a resumed run started from
	ckpt    *checkpointer
}

// discardIfEmpty removes a folder this run created when the run failed
// before writing any checkpoint, so bad input leaves nothing behind.
func (r *runDir) discardIfEmpty() {
	if r != nil && r.created && (r.ckpt == nil || !r.ckpt.wrote) {
		os.RemoveAll(r.path)
	}
}

// openRun is rank 0's choice of run folder: a new one, or with --resume the
// folder of the checkpoint, whose bytes it returns.
func openRun(cfg Config) (*runDir, []byte, error) {
	if cfg.Resume == "" {
		r, err := prepareRunDir(cfg)
		return r, nil, err
	}
	path, err := findCheckpoint(cfg)
	if err != nil {
		return nil, nil, err
	}
	if path == "" { // --resume=auto with nothing to resume
		if run := filepath.Join(cfg.Out, cfg.RunID); dirExists(run) && !cfg.Overwrite && diedBeforeCheckpoint(run) {
			// An earlier attempt ended before its first checkpoint (killed,
			// or its node lost): nothing to continue, so start over in it.
			return &runDir{path: run}, nil, nil
		}
		r, err := prepareRunDir(cfg)
		return r, nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--resume: %w", err)
	}
	if _, err := mlp.CheckpointDType(b); err != nil {
		return nil, nil, fmt.Errorf("--resume %s: %w", path, err)
	}
	if dir := resumeRunDir(path); dir != "" {
		return &runDir{path: dir, from: path}, b, nil
	}
	r, err := prepareRunDir(cfg)
	if r != nil {
		r.from = path
	}
	return r, b, err
}

func (r *runDir) file(name string) string { return filepath.Join(r.path, name) }

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// diedBeforeCheckpoint reports whether run is the folder of a run that
// ended before its first checkpoint and before its metrics: empty, or
// holding only what a run writes at its start (config.json).
func diedBeforeCheckpoint(run string) bool {
	entries, err := os.ReadDir(run)
	if err != nil {
		return false
	}
	for _, e := range entries {
		switch {
		case e.Name() == "config.json", strings.HasPrefix(e.Name(), ".config.json.tmp-"):
		case e.Name() == checkpointDir && len(listCheckpoints(run)) == 0:
		default:
			return false
		}
	}
	return true
}

// defaultRunID is run-<UTC date-time to the millisecond>-<6 random hex
// digits>: ids sort by start time, and runs started in the same
// millisecond on one host or many still differ.
func defaultRunID(now time.Time) string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return fmt.Sprintf("run-%s-%x", now.UTC().Format("20060102-150405.000"), b)
}

// prepareRunDir creates outputs/<run-id>/; an existing folder is an error
// unless --overwrite, in which case it is removed first. A default id that
// exists already (a run started in the same millisecond drew the same
// suffix) is drawn again.
func prepareRunDir(cfg Config) (*runDir, error) {
	if cfg.RunID == "" {
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return nil, fmt.Errorf("--out %s: %w", cfg.Out, err)
		}
		for range 100 {
			path := filepath.Join(cfg.Out, defaultRunID(time.Now()))
			err := os.Mkdir(path, 0o755)
			if err == nil {
				return &runDir{path: path, created: true}, nil
			}
			if !errors.Is(err, os.ErrExist) {
				return nil, fmt.Errorf("--out %s: %w", cfg.Out, err)
			}
		}
		return nil, fmt.Errorf("--out %s: no free run id after 100 draws", cfg.Out)
	}
	id := cfg.RunID
	path := filepath.Join(cfg.Out, id)
	if _, err := os.Stat(path); err == nil {
		if !cfg.Overwrite {
			return nil, usagef("--out %s: run folder %s already exists (pick another --run_id or pass --overwrite)", cfg.Out, path)
		}
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("--overwrite: %w", err)
		}
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: %w", cfg.Out, err)
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: %w", cfg.Out, err)
	}
	return &runDir{path: path, created: true}, nil
}
