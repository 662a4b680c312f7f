// Scores of the model and the baselines on a split, and the report of a run.
package eval

import (
	"fmt"
	"math"

	"mpitrain/data"
	"mpitrain/mlp"
)

// Scores are one predictor's metrics on one split.
type Scores struct {
	MSE float64 `json:"mse"` // normalized (the file's) scale
	MAE float64 `json:"mae"` // normalized scale
	R2  float64 `json:"r2"`  // normalized scale
	// RMSEPoints and MAEPoints are in index points; null when the dataset
	// does not carry its normalizer's statistics (Report.Points false).
	RMSEPoints *float64 `json:"rmse_points"`
	MAEPoints  *float64 `json:"mae_points"`
	// DirAcc is the share of first predicted days whose up/down move from
	// the window's last close was called right; nil for persistence, which
	// never calls a move.
	DirAcc *float64 `json:"dir_accuracy,omitempty"`
}

// SplitReport compares the model with the baselines on one split.
type SplitReport struct {
	N           int    `json:"n"`
	Model       Scores `json:"model"`
	Persistence Scores `json:"persistence"` // tomorrow = today
	Linear      Scores `json:"linear"`      // ordinary least squares on the window
	// Skill is 1 - MAE(model)/MAE(persistence): > 0 beats persistence on
	// average. In index points when available, else on the file's scale
	// (SkillScale says which).
	Skill      float64 `json:"skill_vs_persistence"`
	SkillScale string  `json:"skill_scale"`
	// DM tests whether the model's and persistence's absolute errors differ
	// in expectation (Diebold-Mariano); nil for fewer than 3 windows.
	DM *DMTest `json:"dm_test_vs_persistence,omitempty"`
}

// Report is metrics.json.
type Report struct {
	Val  SplitReport `json:"val"`
	Test SplitReport `json:"test"`
	// Points is false when the data has no normalizer statistics (a
	// seed-layout NPZ): every figure in index points is then null.
	Points bool `json:"points_available"`
}

// Predictions are the normalized predictions of each predictor on a split,
// (N, horizon) row-major.
type Predictions struct {
	Model, Persistence, Linear []float64
}

// Baselines computes the persistence and OLS predictions for val and test;
// the linear model is fitted on the training split.
func Baselines(ds *data.Dataset) (val, test Predictions, err error) {
	w, h := ds.Opts.Window, ds.Opts.Horizon
	ols, err := mlp.FitOLS(ds.Train.X, ds.Train.Y, w, h)
	if err != nil {
		return val, test, fmt.Errorf("linear baseline: %w", err)
	}
	for _, p := range []struct {
		s   data.Split
		dst *Predictions
	}{{ds.Val, &val}, {ds.Test, &test}} {
		p.dst.Persistence = mlp.Persistence(p.s.X, w, h)
		p.dst.Linear = ols.Predict(p.s.X)
	}
	return val, test, nil
}

// HasPoints reports whether ds can be scored in index points: a normalizer
// and, per window, the last raw close and the raw targets.
func HasPoints(ds *data.Dataset) bool {
	return ds.Norm.Kind != "" && ds.Test.Last != nil && ds.Test.Target != nil && ds.Val.Last != nil && ds.Val.Target != nil
}

// Evaluate scores the model and the baselines on val and test.
func Evaluate(ds *data.Dataset, val, test Predictions) Report {
	pts := HasPoints(ds)
	return Report{Val: split(ds, ds.Val, val, pts), Test: split(ds, ds.Test, test, pts), Points: pts}
}

// split scores the three predictors on s and tests the model against
// persistence.
func split(ds *data.Dataset, s data.Split, p Predictions, pts bool) SplitReport {
	h := ds.Opts.Horizon
	r := SplitReport{
		N:           s.N,
		Model:       score(ds, s, p.Model, pts, true),
		Persistence: score(ds, s, p.Persistence, pts, false),
		Linear:      score(ds, s, p.Linear, pts, true),
		SkillScale:  "file scale",
	}
	r.Skill = 1 - r.Model.MAE/r.Persistence.MAE
	model, pers, actual := p.Model, p.Persistence, s.Y
	if pts {
		r.Skill = 1 - *r.Model.MAEPoints / *r.Persistence.MAEPoints
		r.SkillScale = "index points"
		model, pers, actual = points(ds, s, p.Model), points(ds, s, p.Persistence), s.Target
	}
	if s.N >= 3 {
		a, b := windowAbsErr(model, actual, h), windowAbsErr(pers, actual, h)
		dm := DieboldMariano(a, b, h, NeweyWestLag(s.N, h))
		dm.Scale = r.SkillScale
		r.DM = &dm
	}
	return r
}

// windowAbsErr is each window's mean absolute error over its h outputs.
func windowAbsErr(pred, actual []float64, h int) []float64 {
	e := make([]float64, len(pred)/h)
	for i, p := range pred {
		e[i/h] += math.Abs(p-actual[i]) / float64(h)
	}
	return e
}

// points denormalizes predictions to index points.
func points(ds *data.Dataset, s data.Split, pred []float64) []float64 {
	h := ds.Opts.Horizon
	out := make([]float64, len(pred))
	for i, v := range pred {
		out[i] = ds.Norm.Inverse(v, s.Last[i/h])
	}
	return out
}

// score computes one predictor's metrics on s from normalized predictions.
// The direction of a move is taken from the window's last close: in points,
// or, without them, from the window's last (normalized) input, which every
// monotone scaling of the closes keeps.
func score(ds *data.Dataset, s data.Split, pred []float64, pts, callsMoves bool) Scores {
	sc := Scores{MSE: mlp.MSE(pred, s.Y), MAE: mlp.MAE(pred, s.Y), R2: mlp.R2(pred, s.Y)}
	h, w := ds.Opts.Horizon, ds.Opts.Window
	first, actual, last := make([]float64, s.N), make([]float64, s.N), make([]float64, s.N)
	for i := 0; i < s.N; i++ {
		first[i], actual[i], last[i] = pred[i*h], s.Y[i*h], s.X[i*w+w-1]
	}
	if pts {
		p := points(ds, s, pred)
		rmse, mae := math.Sqrt(mlp.MSE(p, s.Target)), mlp.MAE(p, s.Target)
		sc.RMSEPoints, sc.MAEPoints = &rmse, &mae
		for i := 0; i < s.N; i++ {
			first[i], actual[i], last[i] = p[i*h], s.Target[i*h], s.Last[i]
		}
	}
	if callsMoves {
		d := mlp.DirectionalAccuracy(first, actual, last)
		sc.DirAcc = &d
	}
	return sc
}
