// train.go: the training run: start-up checks on every rank, the
// data-parallel loop, then rank 0's evaluation and artifacts.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"mpitrain/collective"
	"mpitrain/data"
)

// trainMain is `trainer [flags]`: it returns the process exit code.
func trainMain(args []string, stdout, stderr io.Writer) int {
	comm, err := collective.Init()
	if err != nil {
		fmt.Fprintf(stderr, "trainer: %v\n", err)
		return exitFail
	}
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
	if err == nil && cfg.BatchSize < w.comm.Size() {
		err = usagef("--batch_size %d is smaller than the %d ranks: every rank needs at least one sample per step",
			cfg.BatchSize, w.comm.Size())
	}
	// Every rank parsed the same command line, so all fail alike; agree
	// anyway so a rank started with other arguments cannot slip through.
	if err = w.agree(err); err != nil {
		if w.root {
			return exitCode(err, w.stderr)
		}
		if _, ok := err.(usageError); ok {
			return exitUsage
		}
		return exitFail
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

	var run *runDir
	if w.root {
		run, err = prepareRunDir(cfg)
	}
	if err = w.agree(err); err != nil {
		return w.startupFailure(err)
	}

	w.printf("data: %s | %d windows of %d -> %d | train %d, val %d, test %d | scale %s | fingerprint %s\n",
		src, ds.Train.N+ds.Val.N+ds.Test.N, cfg.Window, cfg.Horizon, ds.Train.N, ds.Val.N, ds.Test.N, cfg.Scale, fp[:12])

	meta := runMeta{Config: cfg, Ranks: w.comm.Size(), Hosts: hosts, Fingerprint: fp, Source: src,
		MPI: w.comm.LibraryVersion(), Started: time.Now().UTC()}
	if cfg.DType == "float64" {
		err = trainTyped[float64](w, cfg, ds, run, meta)
	} else {
		err = trainTyped[float32](w, cfg, ds, run, meta)
	}
	if err != nil {
		// Training errors past start-up (a non-finite loss is detected
		// identically on every rank) still end the whole job at once.
		w.fatal(err)
	}
	return exitOK
}

// startupFailure prints an agreed start-up error (own errors on the failing
// rank; a peer failure on rank 0 only) and returns the exit code.
func (w *world) startupFailure(err error) int {
	if isPeer(err) {
		if w.root {
			w.errorf("%v", err)
		}
		return exitFail
	}
	w.errorf("%v", err)
	if _, ok := err.(usageError); ok {
		return exitUsage
	}
	return exitFail
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

// loadDataset builds the dataset from --npz_path, --csv or the embedded file.
func loadDataset(cfg Config, w *world) (*data.Dataset, string, error) {
	if cfg.NPZPath != "" {
		ds, err := data.ReadNPZ(cfg.NPZPath)
		if err == nil && ds.Legacy {
			err = fmt.Errorf("--npz_path %s: the seed's layout (no validation split, no normalizer, no dates), so metrics in index points are impossible; re-create it with: trainer data prepare --out FILE.npz", cfg.NPZPath)
		}
		return ds, cfg.NPZPath, err
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
	path string
}

func (r *runDir) file(name string) string { return filepath.Join(r.path, name) }

// prepareRunDir creates outputs/<run-id>/; an existing folder is an error
// unless --overwrite, in which case it is removed first.
func prepareRunDir(cfg Config) (*runDir, error) {
	id := cfg.RunID
	if id == "" {
		id = "run-" + time.Now().UTC().Format("20060102-150405")
	}
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
	return &runDir{path: path}, nil
}
