// plotcmd.go: `trainer plot history RUN_DIR` redraws a run's charts from
// its saved artifacts.
package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mpitrain/mlp/sweep"
	"mpitrain/plotting"
)

const plotUsage = `Usage:
  trainer plot history RUN_DIR       redraw RUN_DIR/loss.png and predictions.png (and .svg)
  trainer plot scaling RESULTS_DIR   summarize a scaling sweep: summary.csv, scaling.png, breakdown.png, report.md
  trainer plot sweep SWEEP_DIR       redraw a trainer sweep's summary.csv, report.md and charts
  trainer plot sweep SWEEP_DIR --table   print its configurations as a markdown table
  trainer plot trace FILE [--epoch N] [--out PNG]
                                     one epoch's steps of a --trace file, a row per rank
                                     (default: the second epoch, or the only one; FILE.png)
`

func plotMain(args []string, stdout, _ io.Writer) error {
	if len(args) == 0 {
		return usagef("plot: missing subcommand: history, scaling, sweep or trace (see trainer plot -h)")
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, plotUsage)
		return errHelp
	case "trace":
		return plotTrace(args[1:], stdout)
	case "history", "scaling", "sweep":
	default:
		return usagef("plot: unknown subcommand %q: want history, scaling, sweep or trace", args[0])
	}
	table := false
	if args[0] == "sweep" && len(args) == 3 && strings.TrimLeft(args[2], "-") == "table" {
		table, args = true, args[:2]
	}
	if len(args) != 2 {
		return usagef("plot %s: want one folder argument", args[0])
	}
	dir := args[1]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("plot %s: %s is not a folder", args[0], dir)
	}
	switch args[0] {
	case "scaling":
		return plotScaling(dir, stdout)
	case "sweep":
		if table {
			_, s, err := readGridSweep(dir)
			if err != nil {
				return err
			}
			fmt.Fprint(stdout, sweep.TableHeader)
			stdout.Write(s.Table())
			return nil
		}
		s, err := writeSweepReport(dir, "")
		if err != nil {
			return err
		}
		c := s.Counts()
		fmt.Fprintf(stdout, "wrote %s/{summary.csv,report.md} and the charts: %d runs, %d done, %d failed\n", dir, len(s.Results), c["done"], c["failed"])
		return nil
	}
	return plotHistory(dir, stdout)
}

// plotHistory redraws loss and predictions charts from history.csv and
// predictions.csv, as PNG and SVG.
func plotHistory(dir string, stdout io.Writer) error {
	h, err := readHistory(filepath.Join(dir, "history.csv"))
	if err != nil {
		return err
	}
	f, err := readForecast(filepath.Join(dir, "predictions.csv"))
	if err != nil {
		return err
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := plotting.Loss(filepath.Join(dir, "loss"+ext), h); err != nil {
			return err
		}
		if err := plotting.Predictions(filepath.Join(dir, "predictions"+ext), f); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s/{loss,predictions}.{png,svg}\n", dir)
	return nil
}

// readCSV reads a CSV with a header whose first columns are want.
func readCSV(path string, want ...string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	for i, w := range want {
		if i >= len(rows[0]) || rows[0][i] != w {
			return nil, fmt.Errorf("%s:1: column %d is not %q", path, i+1, w)
		}
	}
	return rows[1:], nil
}

func readHistory(path string) (plotting.History, error) {
	var h plotting.History
	rows, err := readCSV(path, "epoch", "train_loss", "val_loss")
	if err != nil {
		return h, err
	}
	best := -1
	for i, r := range rows {
		e, err1 := strconv.Atoi(r[0])
		tr, err2 := strconv.ParseFloat(r[1], 64)
		va, err3 := strconv.ParseFloat(r[2], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return h, fmt.Errorf("%s:%d: not a history row", path, i+2)
		}
		h.Epoch, h.Train, h.Val = append(h.Epoch, e), append(h.Train, tr), append(h.Val, va)
		if best < 0 || va < h.Val[best] {
			best = i
		}
	}
	h.Best = h.Epoch[best]
	return h, nil
}

func readForecast(path string) (plotting.Forecast, error) {
	f := plotting.Forecast{Title: "Test period: next-day close, model vs actual"}
	rows, err := readCSV(path, "date", "actual", "predicted", "persistence")
	if err != nil {
		return f, err
	}
	for i, r := range rows {
		d, err := time.Parse(time.DateOnly, r[0])
		if err != nil {
			return f, fmt.Errorf("%s:%d: date %q", path, i+2, r[0])
		}
		var v [3]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(r[j+1], 64); err != nil {
				return f, fmt.Errorf("%s:%d:%d: %q is not a number", path, i+2, j+2, r[j+1])
			}
		}
		f.Dates = append(f.Dates, d)
		f.Actual, f.Predicted, f.Persistence = append(f.Actual, v[0]), append(f.Predicted, v[1]), append(f.Persistence, v[2])
	}
	return f, nil
}

// forecastCSV renders predictions.csv, the data behind predictions.png.
func forecastCSV(f plotting.Forecast) []byte {
	b := []byte("date,actual,predicted,persistence\n")
	for i := range f.Dates {
		b = fmt.Appendf(b, "%s,%.6f,%.6f,%.6f\n", f.Dates[i].Format(time.DateOnly), f.Actual[i], f.Predicted[i], f.Persistence[i])
	}
	return b
}
