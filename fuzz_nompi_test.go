// fuzz_nompi_test.go: the train command's flags, fuzzed on the one-rank
// build without MPI: parsing, checking and, for small enough sizes, a
// whole run must never panic.
//
//	go test -tags nompi -run '^$' -fuzz FuzzTrainFlags -fuzztime 60s .

//go:build nompi

package main

import (
	"io"
	"strings"
	"testing"
)

func FuzzTrainFlags(f *testing.F) {
	for _, seed := range []string{
		"",
		"--epochs 1",
		"--epochs 1 --hidden_dim 8 --num_layers 1",
		"--epochs 1 --layers 4,3,2 --activation tanh --dtype float64",
		"--epochs 2 --batch_size 99999999999 --hidden_dim 4",
		"--epochs 1 --batch_size 1 --window 3 --horizon 2 --hidden_dim 2",
		"--epochs 1 --optimizer sgd --momentum 0.99 --lr 10 --hidden_dim 4",
		"--epochs 1 --lr 1e308 --hidden_dim 4",
		"--epochs 1 --weight_decay 1e300 --hidden_dim 4",
		"--epochs 1 --train_frac 0.98 --val_frac 0.01 --hidden_dim 4",
		"--epochs 1 --patience 1 --checkpoint_every 0 --keep_checkpoints 1 --hidden_dim 4",
		"--epochs 1 --scale minmax --column adjclose --hidden_dim 4",
		"--epochs 1 --scale zscore --seed 18446744073709551615 --hidden_dim 4",
		"--hidden_dim 2000000000",
		"--layers 5,0",
		"--layers ,,,",
		"--model lstm --heads 3",
		"--model transformer --hidden_dim 6 --heads 4",
		"--model nope",
		"--window -1 --horizon 0",
		"--epochs 1 --resume=auto",
		"--epochs 1 --resume --run_id x",
		"--batch_size 1 --epochs 1 --window 9999",
		"-h",
		"--epochs=1 --hidden_dim=3 --num_layers=2 --quiet=false",
		"--lr NaN", "--lr -Inf", "--momentum 1", "--train_frac 0.5 --val_frac 0.5",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		if len(args) > 24 {
			return
		}
		for _, a := range args {
			// Paths are another test's subject (data.FuzzReadCSV); the
			// run folder is set below, never by the input.
			if strings.ContainsAny(a, `/\`) || strings.Contains(a, "..") || strings.HasPrefix(strings.TrimLeft(a, "-"), "out") ||
				strings.HasPrefix(strings.TrimLeft(a, "-"), "csv") || strings.HasPrefix(strings.TrimLeft(a, "-"), "npz_path") {
				return
			}
		}
		cfg, err := parseTrainFlags(args, io.Discard) // must not panic, whatever the input
		if err != nil {
			return
		}
		// Train only what is small enough to take a moment.
		h, _ := cfg.hidden()
		width := cfg.HiddenDim
		for _, x := range h {
			width = max(width, x)
		}
		if cfg.Epochs > 2 || width > 32 || len(h) > 3 || cfg.Window > 120 || cfg.Horizon > 5 ||
			cfg.NumLayers > 3 || cfg.FFDim > 64 || cfg.Heads > 8 {
			return
		}
		args = append(args, "--out", t.TempDir(), "--no_plots", "--quiet")
		run(args, io.Discard, io.Discard) // any exit code, but no panic
	})
}
