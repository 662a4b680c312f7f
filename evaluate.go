// evaluate.go: rank 0's metrics for the model and the two baselines, on
// the normalized scale and in index points.
package main

import (
	"fmt"
	"io"
	"math"

	"mpitrain/data"
	"mpitrain/mlp"
)

// scores are one predictor's metrics on one split.
type scores struct {
	MSE        float64 `json:"mse"`         // normalized scale
	MAE        float64 `json:"mae"`         // normalized scale
	R2         float64 `json:"r2"`          // normalized scale
	RMSEPoints float64 `json:"rmse_points"` // index points
	MAEPoints  float64 `json:"mae_points"`  // index points
	// DirAcc is the share of days whose up/down move was called right; nil
	// for persistence, which never calls a move.
	DirAcc *float64 `json:"dir_accuracy,omitempty"`
}

// splitReport compares the model with the baselines on one split.
type splitReport struct {
	N           int    `json:"n"`
	Model       scores `json:"model"`
	Persistence scores `json:"persistence"` // tomorrow = today
	Linear      scores `json:"linear"`      // ordinary least squares on the window
	// Skill is 1 - MAE(model)/MAE(persistence) in points: > 0 beats persistence.
	Skill float64 `json:"skill_vs_persistence"`
}

// metricsReport is metrics.json.
type metricsReport struct {
	Val  splitReport `json:"val"`
	Test splitReport `json:"test"`
}

// predictions holds the normalized predictions of each predictor on a split.
type predictions struct {
	model, persistence, linear []float64
}

// baselinePredictions computes persistence and OLS predictions for val and test.
func baselinePredictions(ds *data.Dataset) (val, test predictions, err error) {
	w, h := ds.Opts.Window, ds.Opts.Horizon
	ols, err := mlp.FitOLS(ds.Train.X, ds.Train.Y, w, h)
	if err != nil {
		return val, test, fmt.Errorf("linear baseline: %w", err)
	}
	for _, p := range []struct {
		s   data.Split
		dst *predictions
	}{{ds.Val, &val}, {ds.Test, &test}} {
		p.dst.persistence = mlp.Persistence(p.s.X, w, h)
		p.dst.linear = ols.Predict(p.s.X)
	}
	return val, test, nil
}

// score computes one predictor's metrics on split s from normalized predictions.
func score(ds *data.Dataset, s data.Split, pred []float64, callsMoves bool) scores {
	h := ds.Opts.Horizon
	pts := make([]float64, len(pred))
	for i := range pred {
		pts[i] = ds.Norm.Inverse(pred[i], s.Last[i/h])
	}
	// Direction of the first predicted day against the last known close.
	first := make([]float64, s.N)
	actual := make([]float64, s.N)
	for i := 0; i < s.N; i++ {
		first[i] = pts[i*h]
		actual[i] = s.Target[i*h]
	}
	sc := scores{
		MSE:        mlp.MSE(pred, s.Y),
		MAE:        mlp.MAE(pred, s.Y),
		R2:         mlp.R2(pred, s.Y),
		RMSEPoints: math.Sqrt(mlp.MSE(pts, s.Target)),
		MAEPoints:  mlp.MAE(pts, s.Target),
	}
	if callsMoves {
		d := mlp.DirectionalAccuracy(first, actual, s.Last)
		sc.DirAcc = &d
	}
	return sc
}

func report(ds *data.Dataset, s data.Split, p predictions) splitReport {
	r := splitReport{
		N:           s.N,
		Model:       score(ds, s, p.model, true),
		Persistence: score(ds, s, p.persistence, false),
		Linear:      score(ds, s, p.linear, true),
	}
	r.Skill = 1 - r.Model.MAEPoints/r.Persistence.MAEPoints
	return r
}

// printMetrics writes the summary table; a model that loses to persistence says so.
func printMetrics(out io.Writer, m metricsReport) {
	fmt.Fprintf(out, "%-6s %-12s %10s %10s %8s %12s %11s %8s\n",
		"split", "predictor", "MSE", "MAE", "R2", "RMSE pts", "MAE pts", "dir acc")
	for _, sr := range []struct {
		name string
		r    splitReport
	}{{"val", m.Val}, {"test", m.Test}} {
		for _, p := range []struct {
			name string
			s    scores
		}{{"model", sr.r.Model}, {"persistence", sr.r.Persistence}, {"linear", sr.r.Linear}} {
			dir := "     n/a"
			if p.s.DirAcc != nil {
				dir = fmt.Sprintf("%7.1f%%", 100**p.s.DirAcc)
			}
			fmt.Fprintf(out, "%-6s %-12s %10.6f %10.6f %8.4f %12.2f %11.2f %s\n",
				sr.name, p.name, p.s.MSE, p.s.MAE, p.s.R2, p.s.RMSEPoints, p.s.MAEPoints, dir)
		}
	}
	t := m.Test
	verdict := "beats"
	if t.Model.MAEPoints > t.Persistence.MAEPoints {
		verdict = "LOSES TO"
	}
	fmt.Fprintf(out, "test: the model %s persistence: MAE %.2f vs %.2f index points (skill %+.1f%%)\n",
		verdict, t.Model.MAEPoints, t.Persistence.MAEPoints, 100*t.Skill)
}
