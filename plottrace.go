// plottrace.go: `trainer plot trace FILE`: one epoch of a --trace file as a
// chart, a row per rank.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"mpitrain/mlp/trace"
	"mpitrain/plotting"
)

// plotTrace draws one epoch's steps of a trace file written by --trace.
func plotTrace(args []string, stdout io.Writer) error {
	fs := newFlagSet("trainer plot trace", "Usage: trainer plot trace FILE [--epoch N] [--out PNG]\n\n"+
		"Draws one epoch of a --trace file: a row per rank, each step's forward, backward,\n"+
		"wait, Allreduce and optimizer as coloured bars, then the evaluation.\n\nFlags:\n", stdout)
	epoch := fs.Int("epoch", 0, "the epoch to draw (1-based; 0: the second, or the first if there is one)")
	out := fs.String("out", "", "the chart to write, .png or .svg (default: FILE with .png for .json)")
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 || file == "" {
		return usagef("plot trace: want one trace file (see trainer plot trace -h)")
	}
	if *out == "" {
		*out = strings.TrimSuffix(file, ".json") + ".png"
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tf, err := trace.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	e := *epoch
	if e == 0 {
		// The second epoch when there is one: the first carries the
		// warm-up (first touch of buffers, MPI connections).
		e = 2
		if _, _, err := trace.EpochSpans(tf, 2); err != nil {
			e = 1
		}
	}
	spans, ranks, err := trace.EpochSpans(tf, e)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	rows := make([]plotting.TimelineSpan, len(spans))
	for i, s := range spans {
		rows[i] = plotting.TimelineSpan{Rank: s.Rank, Phase: s.Kind.String(), Start: s.Start, End: s.End}
	}
	title := fmt.Sprintf("Epoch %d: every step of every rank (%d ranks)", e, ranks)
	if err := plotting.Timeline(*out, title, ranks, rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}
