// Golden-image tests: each chart on fixed inputs against testdata.

package plotting

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/cmpimg"
)

// regen is the -regen flag: regenerate the golden files. cmpimg already
// registers a flag of that name (cmpimg.GenerateTestData) in every test
// binary that imports it, so a second flag.Bool("regen", ...) would panic
// at start-up; this is the same flag under the package's own name.
var regen = cmpimg.GenerateTestData

// pngDelta is the per-pixel colour tolerance of PNG comparisons (cmpimg's
// normalized YIQ distance): enough for anti-aliasing differences, far too
// little for a moved line or label.
const pngDelta = 0.05

// maxGoldenBytes keeps the goldens small enough to review and commit.
const maxGoldenBytes = 200 << 10

// checkGolden renders a chart with drawTo into a temporary file called
// name and compares it with testdata/<stem>_golden<ext>, or rewrites the
// golden under -regen. On a mismatch the new image is kept in the system
// temporary directory for inspection.
func checkGolden(t *testing.T, name string, drawTo func(path string) error) {
	t.Helper()
	ext := filepath.Ext(name)
	path := filepath.Join(t.TempDir(), name)
	if err := drawTo(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > maxGoldenBytes {
		t.Errorf("%s is %d bytes, want at most %d", name, len(got), maxGoldenBytes)
	}
	golden := filepath.Join("testdata", strings.TrimSuffix(name, ext)+"_golden"+ext)
	if *regen {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./plotting -run %s -regen to create it)", err, t.Name())
	}
	ok, err := cmpimg.EqualApprox(ext[1:], got, want, pngDelta)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		keep := filepath.Join(os.TempDir(), "plotting-got-"+name)
		if err := os.WriteFile(keep, got, 0o644); err != nil {
			t.Log(err)
		}
		t.Errorf("%s differs from %s; the new image is %s (go test ./plotting -regen accepts it)",
			name, golden, keep)
	}
}

func TestLossGolden(t *testing.T) {
	for _, name := range []string{"loss.png", "loss.svg"} {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, name, func(path string) error { return Loss(path, testHistory()) })
		})
	}
}

func TestLossLongGolden(t *testing.T) {
	// 150 epochs, no markers; training loss only, no best epoch.
	var h History
	for e := 1; e <= 150; e++ {
		h.Epoch = append(h.Epoch, e)
		h.Train = append(h.Train, 0.002+0.5/float64(e*e))
	}
	checkGolden(t, "loss_long.png", func(path string) error { return Loss(path, h) })
}

func TestPredictionsGolden(t *testing.T) {
	checkGolden(t, "predictions.png", func(path string) error { return Predictions(path, testForecast()) })
}

func TestScalingGolden(t *testing.T) {
	checkGolden(t, "scaling.png", func(path string) error { return Scaling(path, testRows()) })
}

func TestBreakdownGolden(t *testing.T) {
	checkGolden(t, "breakdown.png", func(path string) error { return Breakdown(path, testRows()) })
}

func TestProjectedScalingGolden(t *testing.T) {
	checkGolden(t, "projected_scaling.png", func(path string) error { return ProjectedScaling(path, testProjection()) })
}

// testStrip is four configurations of five seeds, one without a finished run.
func testStrip() []StripRow {
	return []StripRow{
		{Label: "lr=1e-3_wd=1e-3", Values: []float64{11.8, 11.9, 11.85, 12.0, 11.9}, Selected: true},
		{Label: "lr=1e-3_wd=0", Values: []float64{12.1, 12.4, 11.95, 12.2, 13.0}},
		{Label: "lr=3e-4_wd=1e-3", Values: []float64{12.6, 12.6, 12.7}},
		{Label: "lr=3e-4_wd=0"},
	}
}

func TestStripGolden(t *testing.T) {
	checkGolden(t, "strip.png", func(path string) error {
		return Strip(path, "Validation MAE per configuration (each seed; bar: median)", "validation MAE (index points)", testStrip())
	})
}
