// Examples for the package documentation.

package plotting_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"mpitrain/plotting"
)

func ExampleLoss() {
	dir, err := os.MkdirTemp("", "plotting-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	h := plotting.History{
		Epoch: []int{1, 2, 3, 4, 5},
		Train: []float64{0.31, 0.052, 0.018, 0.011, 0.0087},
		Val:   []float64{0.12, 0.034, 0.016, 0.013, 0.014},
		Best:  4,
	}
	if err := plotting.Loss(filepath.Join(dir, "loss.png"), h); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ok")
	// Output: ok
}

func ExampleScaling() {
	dir, err := os.MkdirTemp("", "plotting-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// A strong-scaling sweep at global batch 256. The weak run on two
	// ranks has 64 samples per rank, so it forms its own series, and has
	// no np=1 run: Scaling says so.
	rows := []plotting.ScalingRow{
		{Mode: plotting.Strong, NP: 1, Batch: 256, EpochSec: 3.1, StepSec: 0.012},
		{Mode: plotting.Strong, NP: 2, Batch: 256, EpochSec: 1.7, StepSec: 0.0066},
		{Mode: plotting.Strong, NP: 4, Batch: 256, EpochSec: 1.0, StepSec: 0.0039},
	}
	if err := plotting.Scaling(filepath.Join(dir, "scaling.svg"), rows); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ok")

	rows = append(rows, plotting.ScalingRow{Mode: plotting.Weak, NP: 2, Batch: 128, EpochSec: 1.6, StepSec: 0.0051})
	fmt.Println(plotting.Scaling(filepath.Join(dir, "scaling.svg"), rows))
	// Output:
	// ok
	// plotting: scaling: series "weak, batch 64/rank" has no np=1 row to measure speedup against
}
