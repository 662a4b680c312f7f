// datacmd.go: `trainer data fetch|prepare|inspect`, single-process tools
// around the data pipeline.
package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"time"

	"mpitrain/data"
)

const dataUsage = `Usage:
  trainer data fetch   --symbol ^GSPC --from 2000-01-01 [--to 2024-12-31] [--source yahoo|stooq] --out FILE.csv
  trainer data prepare [--csv FILE] [--column close] [--window 60] [--horizon 1] [--scale S] --out FILE.npz
  trainer data inspect FILE.npz|FILE.csv

fetch downloads daily prices (Yahoo Finance chart API or Stooq) into a CSV
that --csv reads; prepare writes the windows, chronological splits and the
train-fitted normalizer to an NPZ that --npz_path reads; inspect summarizes
either file.
`

// dataMain dispatches `trainer data SUB`.
func dataMain(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, dataUsage)
		return usagef("data: missing subcommand: fetch, prepare or inspect")
	}
	switch args[0] {
	case "fetch":
		return dataFetch(args[1:], stdout, stderr)
	case "prepare":
		return dataPrepare(args[1:], stdout)
	case "inspect":
		return dataInspect(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, dataUsage)
		return errHelp
	}
	return usagef("data: unknown subcommand %q: want fetch, prepare or inspect", args[0])
}

func dataFetch(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trainer data fetch", "Usage: trainer data fetch --symbol ^GSPC --from 2000-01-01 [--to DATE] [--source yahoo|stooq] --out FILE.csv\n\nFlags:\n", stdout)
	symbol := fs.String("symbol", "^GSPC", "ticker symbol (Yahoo: ^GSPC; Stooq: ^spx)")
	from := fs.String("from", "2000-01-01", "first date, YYYY-MM-DD")
	to := fs.String("to", "", "last date, YYYY-MM-DD (default: today)")
	source := fs.String("source", "yahoo", "yahoo | stooq")
	out := fs.String("out", "", "CSV file to write (required; never overwritten)")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout per HTTP request")
	retries := fs.Int("retries", 3, "retries on HTTP 429 and 5xx, with exponential backoff")
	base := fs.String("base_url", "", "override the provider's base URL (for mirrors and tests)")
	column := fs.String("column", "close", "price column to save: close or adjclose (Yahoo only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("data fetch: --out is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return usagef("data fetch: --out %s already exists; remove it or choose another name", *out)
	}
	if *source != "yahoo" && *source != "stooq" {
		return usagef("data fetch: --source %q: want yahoo or stooq", *source)
	}
	f, err := time.Parse(time.DateOnly, *from)
	if err != nil {
		return usagef("data fetch: --from %q: want YYYY-MM-DD", *from)
	}
	t := time.Now().UTC()
	if *to != "" {
		if t, err = time.Parse(time.DateOnly, *to); err != nil {
			return usagef("data fetch: --to %q: want YYYY-MM-DD", *to)
		}
	}
	if !t.After(f) {
		return usagef("data fetch: --to %s is not after --from %s", t.Format(time.DateOnly), *from)
	}
	if *retries < 0 || *timeout <= 0 {
		return usagef("data fetch: --retries must be >= 0 and --timeout > 0")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(stderr, "fetching %s from %s, %s to %s\n", *symbol, *source, f.Format(time.DateOnly), t.Format(time.DateOnly))
	n := *retries
	if n == 0 {
		n = -1 // FetchOptions reads 0 as "the default"; the flag's 0 means none
	}
	s, err := data.Fetch(ctx, data.FetchOptions{Source: *source, Symbol: *symbol, Column: *column, From: f, To: t,
		BaseURL: *base, Retries: n, Timeout: *timeout})
	if err != nil {
		return err
	}
	if err := data.WriteCSV(*out, s, *column); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d days, %s .. %s\n", *out, len(s.Values),
		s.Dates[0].Format(time.DateOnly), s.Dates[len(s.Dates)-1].Format(time.DateOnly))
	return nil
}

func dataPrepare(args []string, stdout io.Writer) error {
	fs := newFlagSet("trainer data prepare", "Usage: trainer data prepare [--csv FILE] --out FILE.npz\n\nFlags:\n", stdout)
	d := defaultConfig()
	csv := fs.String("csv", "", "CSV of daily prices; default: the embedded S&P 500 data")
	column := fs.String("column", d.Column, "close | adjclose")
	window := fs.Int("window", d.Window, "past closes per window")
	horizon := fs.Int("horizon", d.Horizon, "future closes per window")
	trainFrac := fs.Float64("train_frac", d.TrainFrac, "chronological training share")
	valFrac := fs.Float64("val_frac", d.ValFrac, "validation share (test gets the rest)")
	scale := fs.String("scale", d.Scale, "minmax | zscore | window")
	out := fs.String("out", "", "NPZ file to write (required; never overwritten)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("data prepare: --out is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return usagef("data prepare: --out %s already exists; remove it or choose another name", *out)
	}
	c := d
	if err := c.resolveModel(nil); err != nil {
		return err
	}
	c.CSV, c.Column, c.Window, c.Horizon, c.TrainFrac, c.ValFrac, c.Scale = *csv, *column, *window, *horizon, *trainFrac, *valFrac, *scale
	if err := c.validate(); err != nil {
		return err
	}
	var s *data.Series
	var err error
	if c.CSV != "" {
		s, err = data.LoadCSV(c.CSV, c.Column)
	} else {
		s, err = data.LoadEmbedded(c.Column)
	}
	if err != nil {
		return err
	}
	ds, err := data.Prepare(s, c.dataOptions())
	if err != nil {
		return err
	}
	if err := data.WriteNPZ(*out, ds); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d windows (train %d, val %d, test %d), window %d, horizon %d, scale %s, fingerprint %s\n",
		*out, ds.Train.N+ds.Val.N+ds.Test.N, ds.Train.N, ds.Val.N, ds.Test.N, ds.Opts.Window, ds.Opts.Horizon, ds.Opts.Scale, ds.Fingerprint()[:12])
	return nil
}

func dataInspect(args []string, stdout io.Writer) error {
	fs := newFlagSet("trainer data inspect", "Usage: trainer data inspect FILE.npz|FILE.csv\n\nFlags:\n", stdout)
	column := fs.String("column", "close", "price column of a CSV")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("data inspect: want one file, got %d arguments", fs.NArg())
	}
	path := fs.Arg(0)
	if len(path) > 4 && path[len(path)-4:] == ".csv" {
		s, rep, err := data.LoadCSVReport(path, *column)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d rows, %s .. %s, %d duplicate date(s) dropped, %d gap(s) over 7 days\n", path, len(s.Values),
			s.Dates[0].Format(time.DateOnly), s.Dates[len(s.Dates)-1].Format(time.DateOnly), rep.Duplicates, len(rep.Gaps))
		printStats(stdout, *column, s.Values)
		return nil
	}
	ds, err := data.ReadNPZ(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d windows, window %d, horizon %d, scale %s, normalizer %s(%g, %g), fingerprint %s\n",
		path, ds.Train.N+ds.Val.N+ds.Test.N, ds.Opts.Window, ds.Opts.Horizon, ds.Opts.Scale, ds.Norm.Kind, ds.Norm.A, ds.Norm.B, ds.Fingerprint()[:12])
	for _, sp := range []struct {
		name string
		s    data.Split
	}{{"train", ds.Train}, {"val", ds.Val}, {"test", ds.Test}} {
		if sp.s.N == 0 {
			fmt.Fprintf(stdout, "  %-5s 0 windows\n", sp.name)
			continue
		}
		fmt.Fprintf(stdout, "  %-5s %5d windows, targets %s .. %s\n", sp.name, sp.s.N,
			sp.s.Dates[0].Format(time.DateOnly), sp.s.Dates[sp.s.N-1].Format(time.DateOnly))
		printStats(stdout, "  "+sp.name+" y (normalized)", sp.s.Y)
		printStats(stdout, "  "+sp.name+" target (points)", sp.s.Target)
	}
	return nil
}

// printStats prints count, min, mean, max and standard deviation.
func printStats(out io.Writer, name string, v []float64) {
	if len(v) == 0 {
		return
	}
	lo, hi, sum := v[0], v[0], 0.0
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
		sum += x
	}
	mean := sum / float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	fmt.Fprintf(out, "%s: min %.6g, mean %.6g, max %.6g, std %.6g\n", name, lo, mean, hi, math.Sqrt(ss/float64(len(v))))
}
