// seednpz_test.go: an NPZ in the seed project's layout (float32 arrays,
// train and test only, no normalizer) trains end to end under mpirun.
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"codeberg.org/sbinet/npyio/npz"

	"mpitrain/data"
)

// writeSeedNPZ writes the embedded closes as the seed's pipeline does:
// min-max scaled on the training part, windows of 60 as float32 arrays
// X (n, 60, 1) and y (n,), an 80/20 chronological split, nothing else.
func writeSeedNPZ(t *testing.T, path string) (train, test int) {
	t.Helper()
	s, err := data.LoadEmbedded("close")
	if err != nil {
		t.Fatal(err)
	}
	const w = 60
	v := s.Values
	n := len(v) - w
	train = n * 8 / 10
	lo, hi := v[0], v[0]
	for _, x := range v[:train+w] {
		lo, hi = min(lo, x), max(hi, x)
	}
	scale := func(x float64) float32 { return float32((x - lo) / (hi - lo)) }
	windows := func(from, to int) ([][][]float32, []float32) {
		var X [][][]float32
		var y []float32
		for i := from; i < to; i++ {
			win := make([][]float32, w)
			for j := range win {
				win[j] = []float32{scale(v[i+j])}
			}
			X = append(X, win)
			y = append(y, scale(v[i+w]))
		}
		return X, y
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := npz.NewWriter(f)
	Xtr, ytr := windows(0, train)
	Xte, yte := windows(train, n)
	for _, e := range []struct {
		k string
		v any
	}{{"X_train.npy", Xtr}, {"y_train.npy", ytr}, {"X_test.npy", Xte}, {"y_test.npy", yte}} {
		if err := zw.Write(e.k, e.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return train, n - train
}

func TestSeedNPZTrains(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.npz")
	nTrain, nTest := writeSeedNPZ(t, path)
	run, r := mustTrain(t, 2, dir, "seed", "--npz_path", path, "--epochs", "2")
	carved := int(seedValShare * float64(nTrain))
	for _, want := range []string{
		"has no validation split; the last " + strconv.Itoa(carved) + " of its training windows (15%, chronologically) are the validation split",
		"carries no normalizer statistics: metrics are on the file's scale, index points are n/a",
		"train " + strconv.Itoa(nTrain-carved) + ", val " + strconv.Itoa(carved) + ", test " + strconv.Itoa(nTest),
		"on the file's scale",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(run, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	test := m["test"].(map[string]any)
	model := test["model"].(map[string]any)
	if m["points_available"] != false || model["mae_points"] != nil || model["rmse_points"] != nil {
		t.Errorf("metrics.json invents index points: %s", b)
	}
	if mae, ok := model["mae"].(float64); !ok || !(mae > 0) {
		t.Errorf("metrics.json has no model MAE on the file's scale: %s", b)
	}
	if _, err := os.Stat(filepath.Join(run, "loss.png")); err != nil {
		t.Errorf("loss chart: %v", err)
	}
	if _, err := os.Stat(filepath.Join(run, "predictions.png")); err == nil {
		t.Error("predictions.png drawn without dates or index points")
	}
	p := runTrainer(t, 0, 30*time.Second, "predict", "--model", filepath.Join(run, "model.json"))
	if p.code != 1 || !strings.Contains(p.stderr, "without normalizer statistics") {
		t.Errorf("predict with a model trained on the file's scale: exit %d, %s", p.code, p.stderr)
	}
}
