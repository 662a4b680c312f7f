// scaling.go: `trainer plot scaling RESULTS_DIR` turns a sweep's run
// folders into summary.csv, scaling.png, breakdown.png and report.md.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"mpitrain/plotting"
)

// sweepRun is what one run folder of a sweep contributes.
type sweepRun struct {
	dir    string
	meta   runMeta
	timing timingReport
}

// summaryRow is one line of summary.csv: one (mode, np, batch) point, the
// median over its repeats.
type summaryRow struct {
	Mode                            string
	NP, Batch, Repeats              int
	EpochMedian, EpochMin, EpochMax float64 // seconds per epoch over repeats (each repeat: its median epoch)
	SamplesPerSec                   float64 // training samples per second, median repeat
	StepSec                         float64 // seconds per step, median repeat
	Compute, Allreduce, Wait        float64 // seconds per step, median repeat (mean over ranks)
	Speedup, Efficiency             float64
	MPI                             string
	StepsPerEpoch                   int
}

// readSweep loads every RESULTS_DIR/runs/*/ that has config.json and timing.json.
func readSweep(dir string) ([]sweepRun, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "runs", "*", "timing.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no runs/*/timing.json (run scripts/sweep.sh first)", dir)
	}
	var runs []sweepRun
	for _, p := range paths {
		r := sweepRun{dir: filepath.Dir(p)}
		if err := readJSON(p, &r.timing); err != nil {
			return nil, err
		}
		if err := readJSON(filepath.Join(r.dir, "config.json"), &r.meta); err != nil {
			return nil, err
		}
		if r.meta.Config.Tag != "strong" && r.meta.Config.Tag != "weak" {
			return nil, fmt.Errorf("%s: tag %q, want strong or weak (runs of a sweep are tagged by scripts/sweep.sh)", r.dir, r.meta.Config.Tag)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// summarizeSweep groups runs by (mode, np, batch) and keeps the median repeat.
func summarizeSweep(runs []sweepRun) []summaryRow {
	type key struct {
		mode      string
		np, batch int
	}
	groups := map[key][]sweepRun{}
	for _, r := range runs {
		k := key{r.meta.Config.Tag, r.timing.Ranks, r.timing.GlobalBatch}
		groups[k] = append(groups[k], r)
	}
	var rows []summaryRow
	for k, g := range groups {
		sort.Slice(g, func(i, j int) bool { return g[i].timing.EpochSecMedian < g[j].timing.EpochSecMedian })
		m := g[(len(g)-1)/2] // the median repeat (lower median for even counts)
		t := m.timing
		steps := float64(t.Epochs * t.StepsPerEpoch)
		rows = append(rows, summaryRow{
			Mode: k.mode, NP: k.np, Batch: k.batch, Repeats: len(g),
			EpochMedian: t.EpochSecMedian, EpochMin: g[0].timing.EpochSecMedian, EpochMax: g[len(g)-1].timing.EpochSecMedian,
			SamplesPerSec: t.SamplesPerSec, StepSec: t.StepSecMedian,
			Compute: t.Compute.Mean / steps, Allreduce: (t.Allreduce.Mean - t.Wait) / steps, Wait: t.Wait / steps,
			MPI: m.meta.MPI, StepsPerEpoch: t.StepsPerEpoch,
		})
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Mode != b.Mode {
			return a.Mode < b.Mode
		}
		if a.Mode == "weak" && a.Batch/a.NP != b.Batch/b.NP {
			return a.Batch/a.NP < b.Batch/b.NP
		}
		if a.Mode == "strong" && a.Batch != b.Batch {
			return a.Batch < b.Batch
		}
		return a.NP < b.NP
	})
	// Speedup against the np=1 row of the same series (same global batch for
	// strong, same per-rank batch for weak): the ratio of epoch times, i.e.
	// of throughputs, since every epoch covers the same training windows.
	for i := range rows {
		r := &rows[i]
		for _, b := range rows {
			same := b.Mode == r.Mode && b.NP == 1 &&
				((r.Mode == "strong" && b.Batch == r.Batch) || (r.Mode == "weak" && b.Batch == r.Batch/r.NP))
			if same {
				r.Speedup = b.EpochMedian / r.EpochMedian
				r.Efficiency = r.Speedup / float64(r.NP)
			}
		}
	}
	return rows
}

func summaryCSV(rows []summaryRow) []byte {
	b := []byte("mode,np,batch,per_rank_batch,repeats,epoch_s_median,epoch_s_min,epoch_s_max,samples_per_s,step_s,compute_s_per_step,allreduce_s_per_step,wait_s_per_step,speedup,efficiency\n")
	for _, r := range rows {
		b = fmt.Appendf(b, "%s,%d,%d,%d,%d,%.6f,%.6f,%.6f,%.1f,%.9f,%.9f,%.9f,%.9f,%.4f,%.4f\n",
			r.Mode, r.NP, r.Batch, r.Batch/r.NP, r.Repeats, r.EpochMedian, r.EpochMin, r.EpochMax, r.SamplesPerSec,
			r.StepSec, r.Compute, r.Allreduce, r.Wait, r.Speedup, r.Efficiency)
	}
	return b
}

func plotRows(rows []summaryRow) []plotting.ScalingRow {
	var out []plotting.ScalingRow
	for _, r := range rows {
		out = append(out, plotting.ScalingRow{Mode: r.Mode, NP: r.NP, Batch: r.Batch, EpochSec: r.EpochMedian,
			StepSec: r.StepSec, Compute: r.Compute, Allreduce: r.Allreduce, Wait: r.Wait})
	}
	return out
}

// plotScaling writes summary.csv, scaling.png/.svg, breakdown.png/.svg and report.md into dir.
func plotScaling(dir string, stdout io.Writer) error {
	runs, err := readSweep(dir)
	if err != nil {
		return err
	}
	rows := summarizeSweep(runs)
	if err := writeFileAtomic(filepath.Join(dir, "summary.csv"), summaryCSV(rows)); err != nil {
		return err
	}
	pr := plotRows(rows)
	for _, ext := range []string{".png", ".svg"} {
		if err := plotting.Scaling(filepath.Join(dir, "scaling"+ext), pr); err != nil {
			return err
		}
		if err := plotting.Breakdown(filepath.Join(dir, "breakdown"+ext), pr); err != nil {
			return err
		}
	}
	report := sweepReport(rows, runs)
	if cm, err := os.ReadFile(filepath.Join(dir, "costmodel", "costmodel.txt")); err == nil {
		report = append(report, projectionSection(cm)...)
	}
	if err := writeFileAtomic(filepath.Join(dir, "report.md"), report); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/{summary.csv,scaling.png,breakdown.png,report.md} from %d runs\n", dir, len(runs))
	return nil
}

// cpuModel reads the CPU model name from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// sweepReport renders report.md: machine, table, charts and a reading.
func sweepReport(rows []summaryRow, runs []sweepRun) []byte {
	var b strings.Builder
	c := runs[0].meta.Config
	fmt.Fprintf(&b, "# Scaling sweep\n\nMade %s by `trainer plot scaling` from %d runs.\n\n", time.Now().UTC().Format(time.DateOnly), len(runs))
	fmt.Fprintf(&b, "Machine: %s, %d logical cores; MPI: %s.\n", cpuModel(), runtime.NumCPU(), runs[0].meta.MPI)
	arch, _ := c.arch()
	fmt.Fprintf(&b, "Model: %s, %s, %d epochs per run.\n\n", describeArch(arch), c.DType, c.Epochs)
	b.WriteString("| mode | np | global batch | per-rank batch | repeats | epoch s (median) | min | max | samples/s | compute ms/step | allreduce ms/step | wait ms/step | speedup | efficiency |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %.4f | %.4f | %.4f | %.0f | %.3f | %.3f | %.3f | %.2f | %.0f%% |\n",
			r.Mode, r.NP, r.Batch, r.Batch/r.NP, r.Repeats, r.EpochMedian, r.EpochMin, r.EpochMax, r.SamplesPerSec,
			1e3*r.Compute, 1e3*r.Allreduce, 1e3*r.Wait, r.Speedup, 100*r.Efficiency)
	}
	b.WriteString("\n![speedup and efficiency](scaling.png)\n\n![time per step](breakdown.png)\n\n## Reading\n\n")
	for _, r := range rows {
		if r.NP == 1 {
			continue
		}
		total := r.Compute + r.Allreduce + r.Wait
		if total <= 0 {
			continue
		}
		fmt.Fprintf(&b, "- %s, batch %d, np %d: speedup %.2f (efficiency %.0f%%); of the time per step, compute %.0f%%, allreduce %.0f%%, waiting %.0f%%.",
			r.Mode, r.Batch, r.NP, r.Speedup, 100*r.Efficiency, 100*r.Compute/total, 100*r.Allreduce/total, 100*r.Wait/total)
		if r.StepsPerEpoch == 1 {
			b.WriteString(" The global batch covers every training window: one step per epoch, so the ranks' shards are smaller than the nominal batch and the epoch has fewer optimizer steps than at np 1; compare with care.")
		}
		if r.NP > runtime.NumCPU() {
			fmt.Fprintf(&b, " More ranks than the %d cores: ranks share cores, so this point measures oversubscription, not the network.", runtime.NumCPU())
		}
		b.WriteString("\n")
	}
	b.WriteString("\nCompute is forward, backward and the optimizer step; allreduce is the fastest rank's time in the gradient sum (the communication itself: through a shared-memory window when the ranks share a host, else MPI_Allreduce; see config.json's allreduce); waiting is the mean extra time ranks spend in it beyond that, i.e. for slower ranks.\n")
	return []byte(b.String())
}

// projectionSection is report.md's part on the cost model, when the sweep
// folder holds the output of scripts/costmodel.sh in costmodel/.
func projectionSection(costmodel []byte) []byte {
	var b strings.Builder
	b.WriteString("\n## Projection to a cluster\n\n")
	b.WriteString("`scripts/costmodel.sh` fitted a latency-bandwidth model of MPI_Allreduce over shared memory and over TCP between network namespaces, measured one rank's step time for every shard size, and projects strong scaling to 64 ranks on 10, 25 and 100 Gb/s networks; the markers are the measured points.\n\n")
	b.WriteString("![projected efficiency](costmodel/projected-scaling.png)\n\n```\n")
	b.Write(costmodel)
	b.WriteString("```\n")
	return []byte(b.String())
}
