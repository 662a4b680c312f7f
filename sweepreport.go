// sweepreport.go: a sweep's summary.csv, report.md and charts, written by
// rank 0 at the end of `trainer sweep` and by `trainer plot sweep DIR`.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mpitrain/mlp/eval"
	"mpitrain/mlp/sweep"
	"mpitrain/plotting"
)

// readGridSweep reads a sweep's folder: its grid and every run's result (the
// state file, and metrics.json of a finished run).
func readGridSweep(dir string) (sweepInfo, sweep.Summary, error) {
	var info sweepInfo
	if err := readJSON(filepath.Join(dir, "sweep.json"), &info); err != nil {
		return info, sweep.Summary{}, fmt.Errorf("%s is not a sweep's folder: %w", dir, err)
	}
	g, err := sweep.ParseGrid(info.Grid)
	if err != nil {
		return info, sweep.Summary{}, fmt.Errorf("%s/sweep.json: %w", dir, err)
	}
	var results []sweep.Result
	for _, r := range sweep.Plan(g) {
		st := loadState(dir, r.Name)
		res := sweep.Result{Run: r, Status: st.Status, Error: st.Error, Epochs: st.Epochs, Seconds: st.Seconds, Ranks: st.Ranks}
		if res.Status == "" {
			res.Status = sweep.Pending
		}
		if res.Status == sweep.Done {
			var m eval.Report
			b, err := os.ReadFile(filepath.Join(dir, "runs", r.Name, "metrics.json"))
			if err == nil {
				err = json.Unmarshal(b, &m)
			}
			if err != nil {
				res.Status, res.Error = sweep.Failed, "metrics.json: "+err.Error()
			} else {
				res.Metrics = &m
			}
		}
		results = append(results, res)
	}
	return info, sweep.Summarize(g, results), nil
}

// writeSweepReport writes DIR/summary.csv, DIR/report.md and the charts:
// val_mae.png (every seed's validation MAE per configuration) and the
// selected configuration's representative run's learning curves and
// predictions (selected_loss.png, selected_predictions.png).
func writeSweepReport(dir, header string) (sweep.Summary, error) {
	info, s, err := readGridSweep(dir)
	if err != nil {
		return s, err
	}
	if header == "" {
		header = fmt.Sprintf("Grid:\n\n```\n%s```\n\nRanks: %d in %s.\n", info.Grid, info.Ranks, describeGroups(info.Groups))
	} else {
		header += fmt.Sprintf("\nGrid:\n\n```\n%s```\n", info.Grid)
	}
	if len(info.Base) > 0 {
		header += fmt.Sprintf("\nTrainer flags for every run: `%s`\n", strings.Join(info.Base, " "))
	}
	if err := writeFileAtomic(filepath.Join(dir, "summary.csv"), s.CSV()); err != nil {
		return s, err
	}
	var charts []string
	var rows []plotting.StripRow
	for _, k := range s.Ranking {
		r := plotting.StripRow{Label: k.Config, Selected: k.Selected}
		for _, run := range k.Runs {
			v := run.Metrics.Val.Model.MAE
			if s.Points && run.Metrics.Val.Model.MAEPoints != nil {
				v = *run.Metrics.Val.Model.MAEPoints
			}
			r.Values = append(r.Values, v)
		}
		rows = append(rows, r)
	}
	unit := "index points"
	if !s.Points {
		unit = "file scale"
	}
	if sel := s.Selected(); sel != nil {
		if err := plotting.Strip(filepath.Join(dir, "val_mae.png"), "Validation MAE per configuration (each seed; bar: median)",
			"validation MAE ("+unit+")", rows); err != nil {
			return s, err
		}
		charts = append(charts, "val_mae.png")
		rep := sel.Representative(s.Points)
		run := filepath.Join(dir, "runs", rep.Run.Name)
		if h, err := readHistory(filepath.Join(run, "history.csv")); err == nil {
			if err := plotting.Loss(filepath.Join(dir, "selected_loss.png"), h); err != nil {
				return s, err
			}
			charts = append(charts, "selected_loss.png")
		}
		if f, err := readForecast(filepath.Join(run, "predictions.csv")); err == nil {
			f.Title = "Selected configuration, test period (" + rep.Run.Value(s.Grid, sweep.SeedKey) + ")"
			if rep.Run.Value(s.Grid, sweep.SeedKey) == "" {
				f.Title = "Selected configuration, test period"
			}
			if err := plotting.Predictions(filepath.Join(dir, "selected_predictions.png"), f); err != nil {
				return s, err
			}
			charts = append(charts, "selected_predictions.png")
		}
		header += fmt.Sprintf("\nThe charts of the selected configuration are those of its run with the median validation MAE, `%s`.\n", rep.Run.Name)
	}
	return s, writeFileAtomic(filepath.Join(dir, "report.md"), s.Report(header, charts))
}
