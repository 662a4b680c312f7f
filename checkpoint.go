// checkpoint.go: where checkpoints live, how rank 0 writes and prunes them,
// and how a run resumes from one (rank 0 reads, every rank gets the bytes).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"mpitrain/mlp"
)

// resumeFlag is --resume (the latest checkpoint), --resume=auto (the latest
// of --run_id if there is one, else a fresh start) or --resume=FILE.
type resumeFlag struct{ v *string }

func (f resumeFlag) String() string {
	if f.v == nil {
		return ""
	}
	return *f.v
}

func (f resumeFlag) Set(s string) error {
	switch s {
	case "true":
		*f.v = "latest"
	case "false":
		*f.v = ""
	default:
		*f.v = s
	}
	return nil
}

func (f resumeFlag) IsBoolFlag() bool { return true }

const checkpointDir = "checkpoints"

// checkpointName orders by name: epochs completed, then steps into the next.
func checkpointName(epoch, step int) string {
	return fmt.Sprintf("ckpt-e%05d-s%06d.ckpt", epoch, step)
}

// listCheckpoints returns the complete checkpoints of a run folder, oldest
// first (temporary files of an interrupted write are not listed).
func listCheckpoints(run string) []string {
	m, _ := filepath.Glob(filepath.Join(run, checkpointDir, "ckpt-e*-s*.ckpt"))
	sort.Strings(m)
	return m
}

// findCheckpoint resolves --resume: a named file, the latest checkpoint of
// --out/--run_id, or the latest of the most recently written run under --out.
// With --resume=auto a run folder without checkpoints is not an error: it
// returns "" and the run starts fresh (what a restarted job wants).
func findCheckpoint(cfg Config) (string, error) {
	if cfg.Resume == "auto" {
		if c := listCheckpoints(filepath.Join(cfg.Out, cfg.RunID)); len(c) > 0 {
			return c[len(c)-1], nil
		}
		return "", nil
	}
	if cfg.Resume != "latest" {
		if _, err := os.Stat(cfg.Resume); err != nil {
			return "", usagef("--resume=%s: %v", cfg.Resume, err)
		}
		return cfg.Resume, nil
	}
	if cfg.RunID != "" {
		run := filepath.Join(cfg.Out, cfg.RunID)
		c := listCheckpoints(run)
		if len(c) == 0 {
			return "", usagef("--resume: no checkpoint in %s", filepath.Join(run, checkpointDir))
		}
		return c[len(c)-1], nil
	}
	runs, _ := filepath.Glob(filepath.Join(cfg.Out, "*", checkpointDir))
	var best string
	var bestTime int64
	for _, d := range runs {
		c := listCheckpoints(filepath.Dir(d))
		if len(c) == 0 {
			continue
		}
		if st, err := os.Stat(c[len(c)-1]); err == nil && st.ModTime().UnixNano() > bestTime {
			best, bestTime = c[len(c)-1], st.ModTime().UnixNano()
		}
	}
	if best == "" {
		return "", usagef("--resume: no checkpoint under %s", filepath.Join(cfg.Out, "*", checkpointDir))
	}
	return best, nil
}

// resumeRunDir is the run folder a checkpoint belongs to, or "" when the
// file is not inside a run's checkpoints folder.
func resumeRunDir(ckpt string) string {
	dir := filepath.Dir(ckpt)
	if filepath.Base(dir) != checkpointDir {
		return ""
	}
	return filepath.Dir(dir)
}

// checkpointer writes rank 0's checkpoints into a run folder.
type checkpointer struct {
	run   *runDir
	every int // write after every this many epochs (0: only at the end)
	keep  int // keep the newest this many
	wrote bool
}

// due reports whether a checkpoint is written after an epoch: every `every`
// epochs, after the last epoch, and after the epoch early stopping ends on.
func (c *checkpointer) due(cfg Config, epochsDone, bestEpoch int) bool {
	last := epochsDone >= cfg.Epochs || (cfg.Patience > 0 && bestEpoch > 0 && epochsDone-bestEpoch >= cfg.Patience)
	return last || (c.every > 0 && epochsDone%c.every == 0)
}

// write saves ck atomically (temporary file, fsync, rename, fsync of the
// folder) and removes all but the newest `keep` checkpoints.
func writeCheckpoint[T mlp.Float](c *checkpointer, ck *mlp.Checkpoint[T]) (string, error) {
	dir := filepath.Join(c.run.path, checkpointDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	path := filepath.Join(dir, checkpointName(ck.Progress.Epoch, ck.Progress.Step))
	if err := writeAtomic(path, ck.EncodeTo); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	c.wrote = true
	all := listCheckpoints(c.run.path)
	for i := 0; i < len(all)-c.keep; i++ {
		os.Remove(all[i])
	}
	return path, nil
}

// resumeSettings are the settings a resumed run must share with its
// checkpoint: everything that changes results. --epochs may change (to
// train longer), and so may the number of ranks.
func resumeSettings(c Config) map[string]any {
	arch, _ := c.arch()
	return map[string]any{
		"--model": arch.Kind(), "--layers/--hidden_dim/--num_layers": arch.Hidden, "--hidden_dim (d_model)": arch.DModel,
		"--heads": arch.Heads, "--num_layers": arch.Layers, "--ff_dim": arch.FF,
		"--activation": arch.Act, "--window": c.Window, "--horizon": c.Horizon,
		"--dtype": c.DType, "--batch_size": c.BatchSize, "--lr": c.LR, "--optimizer": c.Optimizer,
		"--momentum": c.Momentum, "--weight_decay": c.WeightDecay, "--patience": c.Patience, "--seed": c.Seed,
		"--scale": c.Scale, "--column": c.Column,
	}
}

// checkResume compares the checkpoint with this run and names the first
// difference.
func checkResume[T mlp.Float](path string, ck *mlp.Checkpoint[T], cfg Config, fp string) error {
	var old Config
	if err := json.Unmarshal(ck.Settings, &old); err != nil {
		return fmt.Errorf("checkpoint %s: unreadable settings: %v", path, err)
	}
	was, now := resumeSettings(old), resumeSettings(cfg)
	var keys []string
	for k := range now {
		if k != "--model" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	keys = append([]string{"--model"}, keys...) // another model is the first thing to say
	for _, k := range keys {
		if !reflect.DeepEqual(was[k], now[k]) {
			return usagef("checkpoint %s was written with %s %v, this run has %v (resume with the same settings)", path, k, was[k], now[k])
		}
	}
	if ck.Fingerprint != fp {
		return fmt.Errorf("checkpoint %s was written on data with fingerprint %.12s, this run's data has %.12s (another --csv, --npz_path or split?)",
			path, ck.Fingerprint, fp)
	}
	return nil
}

// shareBytes broadcasts rank 0's byte slice to every rank (length first).
func shareBytes(w *world, b []byte) ([]byte, error) {
	n := []float64{float64(len(b))}
	if err := w.comm.Bcast64(n, 0); err != nil {
		return nil, err
	}
	if !w.root {
		b = make([]byte, int(n[0]))
	}
	if len(b) == 0 {
		return b, nil
	}
	return b, w.comm.BcastBytes(b, 0)
}

// checkpointSummary describes a checkpoint position for log lines.
func checkpointSummary(p string, epoch, step int) string {
	s := fmt.Sprintf("after epoch %d", epoch)
	if step > 0 {
		s = fmt.Sprintf("at epoch %d, step %d", epoch+1, step)
	}
	return strings.TrimSpace(s) + " (" + p + ")"
}
