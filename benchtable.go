// benchtable.go: `trainer bench table DIR`: the performance targets, each
// with its measured figure and PASS or MISS, from the raw results of one
// scripts/bench.sh run.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The files scripts/bench.sh writes into its results folder.
const (
	benchFileStep   = "mlp.txt"             // go test -bench 'Step' -benchmem output of package mlp
	benchFileARGo   = "allreduce-go.txt"    // rank 0's BenchmarkAllreduce lines under mpirun -np 2
	benchFileARC    = "allreduce-c.txt"     // scripts/allreduce_bench.c lines, same counts and np
	benchFileTrain  = "train.txt"           // `trainer bench` lines
	benchFileSystem = "system.txt"          // key=value lines describing the machine
	benchFilePeak   = "peak-own-choice.txt" // `trainer bench peak` lines run with OPENBLAS_CORETYPE unset (optional)
	benchFileTorch  = "pytorch.txt"         // scripts/pytorch/time_*.py epoch times as `pytorch model=... epoch_s=...` lines (optional)
	benchFileNoTorc = "pytorch-skipped.txt" // present when the python had no torch
	benchFileTrace  = "mlp-trace.txt"       // go test -bench EpochTrace output of package mlp (optional)
)

// kv is one machine-readable line: its first word and its key=value pairs
// (a value may be a Go-quoted string).
type kv struct {
	kind string
	m    map[string]string
}

func (l kv) num(key string) float64 {
	v, err := strconv.ParseFloat(l.m[key], 64)
	if err != nil {
		return 0
	}
	return v
}

// parseKV splits `word key=value key="quoted value" ...`.
func parseKV(line string) (kv, error) {
	line = strings.TrimSpace(line)
	kind, rest, _ := strings.Cut(line, " ")
	l := kv{kind: kind, m: map[string]string{}}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		k, v, ok := strings.Cut(rest, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return l, fmt.Errorf("bad key=value pair at %q", rest)
		}
		rest = v
		if strings.HasPrefix(v, `"`) {
			q, err := strconv.QuotedPrefix(v)
			if err != nil {
				return l, fmt.Errorf("bad quoted value of %s: %w", k, err)
			}
			l.m[k], _ = strconv.Unquote(q)
			rest = v[len(q):]
			continue
		}
		v, rest, _ = strings.Cut(v, " ")
		l.m[k] = v
	}
	return l, nil
}

// readKV returns the lines of file whose first word is kind.
func readKV(file, kind string) ([]kv, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []kv
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), kind+" ") {
			continue
		}
		l, err := parseKV(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// goBench is one result line of `go test -bench`: the name without the
// -GOMAXPROCS suffix and each metric by unit.
type goBench struct {
	name    string
	metrics map[string]float64
	round   string // from a "round=N " prefix scripts/bench.sh adds; "" without
}

// readGoBench returns the benchmark lines of a go test output.
func readGoBench(file string) ([]goBench, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []goBench
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, round := sc.Text(), ""
		if r, rest, ok := strings.Cut(line, " "); ok && strings.HasPrefix(r, "round=") {
			line, round = rest, strings.TrimPrefix(r, "round=")
		}
		if b, ok := parseGoBench(line); ok {
			b.round = round
			out = append(out, b)
		}
	}
	return out, sc.Err()
}

// pairedRatio is the median over rounds of median(a)/median(b) within the
// round: a ratio of figures measured side by side, robust to a round that
// other work on the machine disturbed. Values without a round form one
// round "". It also returns the medians of all values of a and of b.
func pairedRatio(a, b map[string][]float64) (ratio, medA, medB float64, ok bool) {
	var ratios, all1, all2 []float64
	for r, va := range a {
		all1 = append(all1, va...)
		if vb := b[r]; len(vb) > 0 && len(va) > 0 && benchMedian(vb) > 0 {
			ratios = append(ratios, benchMedian(va)/benchMedian(vb))
		}
	}
	for _, vb := range b {
		all2 = append(all2, vb...)
	}
	return benchMedian(ratios), benchMedian(all1), benchMedian(all2), len(ratios) > 0
}

// parseGoBench parses "BenchmarkX/y-2  100  123 ns/op  4.5 GFLOP/s  0 B/op  0 allocs/op".
func parseGoBench(line string) (goBench, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return goBench{}, false
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return goBench{}, false
	}
	name := f[0]
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	b := goBench{name: name, metrics: map[string]float64{}}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return goBench{}, false
		}
		b.metrics[f[i+1]] = v
	}
	return b, true
}

// fastest is a Go Allreduce benchmark's fastest-us (the median over calls
// of the fastest rank's time in the call), or its us/call when it has none.
func fastest(b goBench) float64 {
	if v, ok := b.metrics["fastest-us"]; ok {
		return v
	}
	return b.metrics["us/call"]
}

// target is one row of the table.
type target struct {
	what, goal, measured string
	ratio                string
	pass, known          bool // known: the figure was measured
	info                 bool // a figure for context, not a target
}

// benchTable writes the table of every target from the files in dir.
func benchTable(dir string, w io.Writer) error {
	var rows []target

	// 1. Allocations per training step.
	steps, err := readGoBench(filepath.Join(dir, benchFileStep))
	if err != nil {
		return err
	}
	maxAllocs, n := 0.0, 0
	for _, b := range steps {
		if strings.HasPrefix(b.name, "BenchmarkStep") {
			if a, ok := b.metrics["allocs/op"]; ok {
				maxAllocs, n = max(maxAllocs, a), n+1
			}
		}
	}
	rows = append(rows, target{
		what: "allocations per training step (BenchmarkStep, both configurations, float32 and float64)", goal: "0",
		measured: fmt.Sprintf("%g allocs/op (largest of %d results)", maxAllocs, n), ratio: "-",
		pass: maxAllocs == 0, known: n > 0,
	})

	// Share of the GEMM peak at np 1, PyTorch, Allreduce, strong scaling, RSS.
	train, err := readKV(filepath.Join(dir, benchFileTrain), "bench")
	if err != nil {
		return err
	}
	// The runs that record spans (the default; --spans=false only for the
	// cost of recording).
	// Runs with the training loop's yield off (--yield 0) or at another
	// period are kept apart: they measure what the yield does. yield ""
	// is the trainer's own (the 5ms default, or a line without the field).
	// The runs at np 2 are kept apart by what --allreduce asked
	// (allreduce_flag=): sum "main" selects the trainer's default (auto),
	// "shm", "shard" and "mpi" the runs that asked for those, which measure
	// the window's sum against C's and what each way buys. Lines without
	// the flag come from trainers before it, and are told apart by how
	// they summed (allreduce=): the default is the sharded update where
	// there are such lines, else the window's sum; lines without that
	// field either, or with none (one rank), count as the default.
	mainSum := "shm"
	for _, l := range train {
		if l.m["allreduce"] == "shard" {
			mainSum = "shard"
		}
	}
	// Runs with --c_reference (c_reference=true) time the C loop between
	// their epochs: they count only where asked for (ref), never as the
	// plain runs of their kind.
	isRef := func(l kv) bool { return l.m["c_reference"] == "true" }
	// Runs with --direct_calls=false (direct_calls=false) sum through cgo's
	// call protocol: they count only in their own row, for context. Lines
	// without the field come from trainers before direct calls.
	isCgo := func(l kv) bool { return l.m["direct_calls"] == "false" }
	// loopYield is a line's yield period, "" for the trainer's own (5ms).
	loopYield := func(l kv) string {
		if y := l.m["yield"]; y != "5ms" {
			return y
		}
		return ""
	}
	match := func(l kv, config string, np int, spans bool, yield string, sum string) bool {
		y := loopYield(l)
		a := l.m["allreduce"]
		if f, ok := l.m["allreduce_flag"]; ok {
			a = f
			if f == "auto" {
				a = "main"
			}
		} else if a == "" && (mainSum == "shm" || np == 1) || a == "none" || sum == "main" && a == mainSum {
			a = "main"
		}
		return l.m["config"] == config && l.m["dtype"] == "float32" && int(l.num("np")) == np && (l.m["spans"] != "false") == spans && y == yield &&
			a == sum && !isRef(l) && !isCgo(l)
	}
	// refRuns: the --c_reference runs of a configuration at np 2 with the
	// given yield and --allreduce, with direct calls or through cgo, the
	// training loop's figure and the C loop's from the same run, by round.
	refRuns := func(config, yield, sum string, cgo bool) (goUS, cUS map[string][]float64) {
		goUS, cUS = map[string][]float64{}, map[string][]float64{}
		for _, l := range train {
			if isRef(l) && l.m["config"] == config && l.m["dtype"] == "float32" && int(l.num("np")) == 2 && l.m["spans"] != "false" &&
				loopYield(l) == yield && l.m["allreduce_flag"] == sum && isCgo(l) == cgo {
				goUS[l.m["round"]] = append(goUS[l.m["round"]], l.num("allreduce_us"))
				cUS[l.m["round"]] = append(cUS[l.m["round"]], l.num("c_allreduce_us"))
			}
		}
		return goUS, cUS
	}
	byRoundY := func(config string, np int, spans bool, yield string, sum string, key string) map[string][]float64 {
		v := map[string][]float64{}
		for _, l := range train {
			if match(l, config, np, spans, yield, sum) {
				v[l.m["round"]] = append(v[l.m["round"]], l.num(key))
			}
		}
		return v
	}
	// byRoundMPI and byRoundShm are byRound of the --allreduce mpi and
	// shm runs.
	byRoundMPI := func(config string, np int, key string) map[string][]float64 {
		return byRoundY(config, np, true, "", "mpi", key)
	}
	byRoundShm := func(config string, np int, key string) map[string][]float64 {
		return byRoundY(config, np, true, "", "shm", key)
	}
	byRoundS := func(config string, np int, spans bool, key string) map[string][]float64 {
		return byRoundY(config, np, spans, "", "main", key)
	}
	// noYield: the runs with the yield off, which sum as --allreduce shm
	// (bench.sh), against the C loop of the same sum.
	noYield := func(config string, np int, key string) map[string][]float64 {
		if v := byRoundY(config, np, true, "0s", "shm", key); len(v) > 0 {
			return v
		}
		return byRoundY(config, np, true, "0s", "main", key) // results from before the window
	}
	byRound := func(config string, np int, key string) map[string][]float64 { return byRoundS(config, np, true, key) }
	pick := func(config string, np int, key string) []float64 {
		var v []float64
		for _, l := range train {
			if match(l, config, np, true, "", "main") {
				v = append(v, l.num(key))
			}
		}
		return v
	}
	for _, c := range []struct {
		config string
		goal   float64
	}{{"default", 0.35}, {"large", 0.88}} {
		share, g, peak := pick(c.config, 1, "peak_share"), pick(c.config, 1, "step_gflops"), pick(c.config, 1, "sgemm_peak_gflops")
		s := benchMedian(share)
		rows = append(rows, target{
			what: c.config + " np 1: training-step GFLOP/s / float32 GEMM peak (1024-sized sgemm, same run)", goal: fmt.Sprintf(">= %.0f%%", 100*c.goal),
			measured: fmt.Sprintf("%.1f of %.1f GFLOP/s", benchMedian(g), benchMedian(peak)), ratio: fmt.Sprintf("%.1f%%", 100*s),
			pass: s >= c.goal, known: len(share) > 0,
		})
	}

	// The epoch against PyTorch 1.13's for the same model, one thread, the
	// same OpenBLAS, both on one core.
	torch, _ := readKV(filepath.Join(dir, benchFileTorch), "pytorch")
	_, noTorch := os.Stat(filepath.Join(dir, benchFileNoTorc))
	for _, c := range []struct {
		config string
		goal   float64
		needed bool // a MISS when not measured (the transformer may not exist)
	}{{"large", 0.9, true}, {"lstm", 0.6, true}, {"transformer", 0.6, false}} {
		pt, ptCPU := map[string][]float64{}, map[string][]float64{}
		for _, l := range torch {
			if l.m["model"] == c.config {
				pt[l.m["round"]] = append(pt[l.m["round"]], l.num("epoch_s"))
				ptCPU[l.m["round"]] = append(ptCPU[l.m["round"]], l.num("cpu_epoch_s"))
			}
		}
		// CPU time: both are one thread on one core, and on a shared
		// machine wall time also counts the time the OS ran other work.
		wallRatio, gm, pm, _ := pairedRatio(byRound(c.config, 1, "epoch_s"), pt)
		ratio, gc, pc, ok := pairedRatio(byRound(c.config, 1, "cpu_epoch_s"), ptCPU)
		t := target{
			what:     c.config + " np 1: CPU s/epoch against PyTorch 1.13's (same model, Adam, batch, data; one thread each, the same OpenBLAS, one core)",
			goal:     fmt.Sprintf("<= %.1fx", c.goal),
			measured: fmt.Sprintf("%.4f s vs %.4f s CPU (medians); wall %.4f vs %.4f s, ratio %.2fx", gc, pc, gm, pm, wallRatio),
			ratio:    fmt.Sprintf("%.2fx", ratio), pass: ratio <= c.goal, known: ok,
		}
		if !ok && (noTorch == nil || !c.needed) {
			t.info = true // skipped: no torch, or no such model in this trainer
			if noTorch == nil {
				t.what += " (skipped: no torch; apt-get install python3-torch)"
			}
		}
		rows = append(rows, t)
	}

	// Go Allreduce against C MPI_Allreduce.
	goAR, err := readGoBench(filepath.Join(dir, benchFileARGo))
	if err != nil {
		return err
	}
	cAR, err := readKV(filepath.Join(dir, benchFileARC), "allreduce")
	if err != nil {
		return err
	}
	for _, s := range []struct {
		name  string
		count int
	}{{"8B", 2}, {"default", 24451}, {"large", 557059}} {
		g, ny, c, cf, ce, cs, css := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}, map[string][]float64{}, map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
		for _, b := range goAR {
			switch b.name {
			case fmt.Sprintf("BenchmarkAllreduce/%s_%dfloats", s.name, s.count):
				g[b.round] = append(g[b.round], fastest(b))
			case fmt.Sprintf("BenchmarkAllreduceNoYield/%s_%dfloats", s.name, s.count):
				ny[b.round] = append(ny[b.round], fastest(b))
			}
		}
		for _, l := range cAR {
			if int(l.num("count")) == s.count && l.m["type"] == "float" && l.num("np") == 2 && l.m["step"] != "" && l.m["alg"] == "shm" {
				css[l.m["round"]] = append(css[l.m["round"]], l.num("fastest_us_median"))
			} else if int(l.num("count")) == s.count && l.m["type"] == "float" && l.num("np") == 2 && l.m["step"] != "" {
				cs[l.m["round"]] = append(cs[l.m["round"]], l.num("fastest_us_median"))
			} else if int(l.num("count")) == s.count && l.m["type"] == "float" && l.num("np") == 2 && l.num("evict") > 0 {
				ce[l.m["round"]] = append(ce[l.m["round"]], l.num("fastest_us_median"))
			} else if int(l.num("count")) == s.count && l.m["type"] == "float" && l.num("np") == 2 {
				c[l.m["round"]] = append(c[l.m["round"]], l.num("us_per_call"))
				if _, ok := l.m["fastest_us_median"]; ok {
					cf[l.m["round"]] = append(cf[l.m["round"]], l.num("fastest_us_median"))
				}
			}
		}
		if s.name != "8B" {
			// From the training loop: each step's shortest time in the call
			// over the ranks (the one that did not wait), median over steps.
			// The C loop's figure of the same kind: per call, the fastest
			// rank's time in it, median over calls; with a np 2 training
			// step's GEMMs between the calls (what the training loop's
			// call follows: the reference), with a step's working set
			// written between them, and back to back, for context.
			const stepWhat = "doing a np 2 training step's GEMMs (OpenBLAS, one thread) between calls"
			const perCall = "per call the fastest rank's time in it, the rank that did not wait; medians over calls and rounds"
			// The same comparison inside one process (--c_reference): the
			// training loop's sum and the C loop's after each epoch, on the
			// same cores and window. Where these runs exist they are the
			// targets, and the comparisons across separate mpirun jobs
			// below are context: on a VM two jobs can land on vCPUs of
			// different speed.
			nIn := 0
			for _, v := range []struct {
				yield, sum string
				cgo        bool // --direct_calls=false: for context
				what       string
			}{
				{"", "shm", false, "the training loop's gradient sum through the shared-memory window (trainer bench --allreduce shm)"},
				{"", "mpi", false, "the training loop's gradient sum with MPI_Allreduce (trainer bench --allreduce mpi)"},
				{"0s", "shm", false, "the same as the first with the training loop's periodic yield off (--yield 0 --allreduce shm)"},
				{"", "shm", true, "for context: the same as the first with the sums as cgo calls (--direct_calls=false --allreduce shm)"},
			} {
				g, c := refRuns(s.name, v.yield, v.sum, v.cgo)
				if len(g) == 0 {
					continue
				}
				ratio, gm, cm, ok := pairedRatio(g, c)
				what, goal := "Go in one process: "+v.what, "overhead <= 3%"
				if v.cgo {
					what, goal = v.what, "-"
				} else {
					nIn++
				}
				rows = append(rows, target{
					what: fmt.Sprintf("%s vs the C loop of the same sum in the same processes, after each epoch (--c_reference: "+
						"the step's GEMMs, zeroing, finite check and Adam pass, all C), %d floats (%s gradient), np 2", what, s.count, s.name),
					goal:     goal,
					measured: fmt.Sprintf("%.2f vs %.2f us (%s; ratio: median over rounds of the run's own)", gm, cm, perCall),
					ratio:    fmt.Sprintf("%+.1f%%", 100*(ratio-1)), pass: ratio-1 <= 0.03, known: ok, info: v.cgo,
				})
			}
			crossJobs := len(rows)
			// The trainer's MPI_Allreduce figures: the --allreduce mpi runs,
			// or, from a trainer without the window, its only runs.
			mpiRuns := byRoundMPI(s.name, 2, "allreduce_us")
			// noYieldRow adds the runs with the yield off against ref.
			noYieldRow := func(ref map[string][]float64) {
				if ny := noYield(s.name, 2, "allreduce_us"); len(ny) > 0 {
					r, nm, rm, ok := pairedRatio(ny, ref)
					rows = append(rows, target{
						what:     fmt.Sprintf("the same with the training loop's periodic yield off (trainer bench --yield 0), %s gradient", s.name),
						goal:     "overhead <= 3%",
						measured: fmt.Sprintf("%.2f vs %.2f us", nm, rm),
						ratio:    fmt.Sprintf("%+.1f%%", 100*(r-1)), pass: r-1 <= 0.03, known: ok,
					})
				}
			}
			if len(css) > 0 {
				ratio, gm, cm, ok := pairedRatio(byRoundShm(s.name, 2, "allreduce_us"), css)
				rows = append(rows, target{
					what:     fmt.Sprintf("Go: the training loop's gradient sum through the shared-memory window (trainer bench --allreduce shm) vs a C loop of the same sum (collective/shm.h) %s, %d floats (%s gradient), np 2", stepWhat, s.count, s.name),
					goal:     "overhead <= 3%",
					measured: fmt.Sprintf("%.2f vs %.2f us (%s)", gm, cm, perCall),
					ratio:    fmt.Sprintf("%+.1f%%", 100*(ratio-1)), pass: ratio-1 <= 0.03, known: ok,
				})
				noYieldRow(css)
			} else {
				mpiRuns = byRound(s.name, 2, "allreduce_us")
			}
			ref, refWhat := cs, stepWhat
			if len(cs) == 0 { // results of a bench.sh without the step loop
				ref, refWhat = ce, "writing a step's working set between calls"
			}
			ratio, gm, cm, ok := pairedRatio(mpiRuns, ref)
			t := target{
				what:     fmt.Sprintf("Go Allreduce32 (MPI_Allreduce) in the training loop vs a C loop of MPI_Allreduce %s, in place, %d floats (%s gradient), np 2", refWhat, s.count, s.name),
				goal:     "overhead <= 3%",
				measured: fmt.Sprintf("%.2f vs %.2f us (%s)", gm, cm, perCall),
				ratio:    fmt.Sprintf("%+.1f%%", 100*(ratio-1)), pass: ratio-1 <= 0.03, known: ok,
			}
			if len(css) > 0 {
				t.what = fmt.Sprintf("Go Allreduce32 with MPI_Allreduce (trainer bench --allreduce mpi) in the training loop vs a C loop of MPI_Allreduce %s, %s gradient", refWhat, s.name)
			}
			rows = append(rows, t)
			if len(css) == 0 {
				noYieldRow(ref)
			}
			if len(cs) > 0 {
				if ev, _, em, ok := pairedRatio(mpiRuns, ce); ok {
					rows = append(rows, target{
						what: fmt.Sprintf("for context: the same against the C loop writing a step's working set between calls instead (no GEMMs), %s gradient", s.name), goal: "-",
						measured: fmt.Sprintf("%.2f vs %.2f us", gm, em), ratio: fmt.Sprintf("%+.1f%%", 100*(ev-1)), info: true, known: true,
					})
				}
			}
			if hot, _, hm, ok := pairedRatio(mpiRuns, cf); ok {
				rows = append(rows, target{
					what: fmt.Sprintf("for context: the same against the C loop's calls back to back (hot caches), %s gradient", s.name), goal: "-",
					measured: fmt.Sprintf("%.2f vs %.2f us", gm, hm), ratio: fmt.Sprintf("%+.1f%%", 100*(hot-1)), info: true, known: true,
				})
			}
			if len(css) > 0 {
				if r, sm, mm, ok := pairedRatio(byRoundShm(s.name, 2, "allreduce_us"), byRoundMPI(s.name, 2, "allreduce_us")); ok {
					rows = append(rows, target{
						what: fmt.Sprintf("for context: what the window buys, %s gradient: the training loop's sum through it vs through MPI_Allreduce (same statistic)", s.name), goal: "-",
						measured: fmt.Sprintf("%.2f vs %.2f us", sm, mm), ratio: fmt.Sprintf("%.2fx", r), info: true, known: true,
					})
				}
				if r, sm, mm, ok := pairedRatio(byRoundShm(s.name, 2, "epoch_s"), byRoundMPI(s.name, 2, "epoch_s")); ok {
					rows = append(rows, target{
						what: fmt.Sprintf("for context: the same for the whole epoch, %s np 2: s/epoch with the window / with MPI_Allreduce", s.name), goal: "-",
						measured: fmt.Sprintf("%.4f vs %.4f s", sm, mm), ratio: fmt.Sprintf("%.2fx", r), info: true, known: true,
					})
				}
				{
					for _, k := range []struct{ key, what, unit string }{{"epoch_s", "s/epoch", "s"}, {"step_median_us", "median step", "us"}} {
						if r, hm, sm, ok := pairedRatio(byRoundY(s.name, 2, true, "", "shard", k.key), byRoundShm(s.name, 2, k.key)); ok {
							rows = append(rows, target{
								what: fmt.Sprintf("for context: what the sharded update buys (--allreduce shard: each rank updates 1/N of the parameters and the ranks share them), %s np 2: %s with it / with the window's whole sum (--allreduce shm)", s.name, k.what), goal: "-",
								measured: fmt.Sprintf("%.4g vs %.4g %s (medians)", hm, sm, k.unit), ratio: fmt.Sprintf("%.2fx", r), info: true, known: true,
							})
						}
					}
				}
			}
			if nIn > 0 {
				for i := crossJobs; i < len(rows); i++ {
					if t := &rows[i]; !t.info {
						t.info, t.goal = true, "-"
						t.what = "for context, C in a separate mpirun job: " + t.what
					}
				}
			}
		}
		cLoop := c
		if len(cf) > 0 {
			cLoop = cf
		}
		ratio, gm, cm, ok := pairedRatio(g, cLoop)
		t := target{
			what: fmt.Sprintf("for context: a Go loop of Allreduce32 calls vs the C loop, %d floats, np 2 (yielding every 5 ms as the trainer does; the same statistic)", s.count),
			goal: "-", measured: fmt.Sprintf("%.2f vs %.2f us per call (medians; ratio: median over %d rounds)", gm, cm, len(g)),
			ratio: fmt.Sprintf("%+.1f%%", 100*(ratio-1)), info: true, known: ok,
		}
		if s.name == "8B" {
			t.what = "for context: the same with 2 floats (the fixed cost of a call: cgo, checks)"
			t.measured = fmt.Sprintf("%.2f vs %.2f us per call", gm, cm)
		}
		rows = append(rows, t)
		if r, nm, _, ok := pairedRatio(ny, cLoop); ok && s.name != "8B" {
			rows = append(rows, target{
				what: fmt.Sprintf("for context: the same, %s size, from a Go loop that never yields (the runtime then retakes its P; see mlp/gemm.go)", s.name),
				goal: "-", measured: fmt.Sprintf("%.2f vs %.2f us per call", nm, cm), ratio: fmt.Sprintf("%+.1f%%", 100*(r-1)), info: true, known: true,
			})
		}
	}

	for _, c := range []struct {
		config string
		goal   float64
	}{{"default", 1.6}, {"large", 1.85}} {
		sp, m1, m2, ok := pairedRatio(byRound(c.config, 1, "epoch_s"), byRound(c.config, 2, "epoch_s"))
		ar := benchMedian(pick(c.config, 2, "allreduce_share"))
		rows = append(rows, target{
			what: "strong scaling " + c.config + ": s/epoch np 1 / np 2", goal: fmt.Sprintf(">= %.2fx", c.goal),
			measured: fmt.Sprintf("%.4f s -> %.4f s (medians; Allreduce %.0f%% of the np 2 step; ratio: median over rounds)", m1, m2, 100*ar), ratio: fmt.Sprintf("%.2fx", sp),
			pass: sp >= c.goal, known: ok,
		})
	}

	// The same from the median step, which the OS's other work stretches
	// less than a whole epoch.
	for _, config := range []string{"default", "large"} {
		sp, m1, m2, ok := pairedRatio(byRound(config, 1, "step_median_us"), byRound(config, 2, "step_median_us"))
		rows = append(rows, target{
			what: "for context: strong scaling " + config + " from the median step (the longest rank's, per step; spans): np 1 / np 2", goal: "-",
			measured: fmt.Sprintf("%.1f us -> %.1f us (medians)", m1, m2), ratio: fmt.Sprintf("%.2fx", sp), info: true, known: ok && m2 > 0,
		})
	}

	// What recording the spans costs: epochs alternately with and without
	// in one Go benchmark (CPU time: steady on a busy machine), and the
	// default at np 2 with and without, for context.
	tb, _ := readGoBench(filepath.Join(dir, benchFileTrace))
	var tcpu, twall []float64
	for _, b := range tb {
		if b.name == "BenchmarkEpochTrace" {
			tcpu, twall = append(tcpu, b.metrics["trace-cpu-%"]), append(twall, b.metrics["trace-wall-%"])
		}
	}
	rows = append(rows, target{
		what: "recording every step's spans (what --trace keeps): CPU time per default epoch, one rank, with / without (BenchmarkEpochTrace, epochs alternating)",
		goal: "<= +2%", measured: fmt.Sprintf("median of %d runs; wall time %+.1f%%", len(tcpu), benchMedian(twall)),
		ratio: fmt.Sprintf("%+.1f%%", benchMedian(tcpu)), pass: benchMedian(tcpu) <= 2, known: len(tcpu) > 0,
	})
	r, on, off, ok := pairedRatio(byRound("default", 2, "epoch_s"), byRoundS("default", 2, false, "epoch_s"))
	rows = append(rows, target{
		what: "for context: the same from the trainer, default np 2 s/epoch with / without spans", goal: "-",
		measured: fmt.Sprintf("%.4f s vs %.4f s (medians; ratio: median over rounds)", on, off), ratio: fmt.Sprintf("%+.1f%%", 100*(r-1)),
		info: true, known: ok,
	})

	rss := append(pick("default", 1, "rss_mib"), pick("default", 2, "rss_mib")...)
	maxRSS := 0.0
	for _, v := range rss {
		maxRSS = max(maxRSS, v)
	}
	rows = append(rows, target{
		what: "peak RSS per rank, default (largest rank, np 1 and 2)", goal: "< 64 MiB",
		measured: fmt.Sprintf("%.1f MiB", maxRSS), ratio: fmt.Sprintf("%.0f%%", 100*maxRSS/64),
		pass: maxRSS < 64, known: len(rss) > 0,
	})
	for _, np := range []int{1, 2} {
		if sw := pick("default", np, "switches_per_step"); len(sw) > 0 {
			rows = append(rows, target{
				what: fmt.Sprintf("for context: context switches per training step, default np %d (getrusage, largest rank, every thread of the process)", np),
				goal: "-", measured: fmt.Sprintf("%.2f", benchMedian(sw)), ratio: "-", info: true, known: true,
			})
		}
	}

	// For context: the peak of OpenBLAS's own kernel choice, when the table
	// ran with OPENBLAS_CORETYPE set to something else.
	if own, err := readKV(filepath.Join(dir, benchFilePeak), "peak"); err == nil && len(own) > 0 {
		var pk []float64
		for _, l := range own {
			pk = append(pk, l.num("sgemm_gflops"))
		}
		p := benchMedian(pk)
		for _, config := range []string{"default", "large"} {
			g := benchMedian(pick(config, 1, "step_gflops"))
			rows = append(rows, target{
				what: fmt.Sprintf("for context: %s np 1 against the sgemm peak of OpenBLAS's own kernel choice (OPENBLAS_CORETYPE unset: %s)", config, own[0].m["blas"]),
				goal: "-", measured: fmt.Sprintf("%.1f of %.1f GFLOP/s", g, p), ratio: fmt.Sprintf("%.1f%%", 100*g/p), info: true, known: true,
			})
		}
	}

	fmt.Fprintln(w, "| target | goal | measured | ratio | result |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	missing := 0
	for _, r := range rows {
		res := "MISS"
		switch {
		case !r.known && r.info:
			res, r.measured, r.ratio = "not measured", "-", "-"
		case !r.known:
			res, r.measured, r.ratio, missing = "NOT MEASURED", "-", "-", missing+1
		case r.info:
			res = "info"
		case r.pass:
			res = "PASS"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.what, r.goal, r.measured, r.ratio, res)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| configuration | dtype | np | spans | yield | sum | s/epoch | samples/s | step GFLOP/s | of np x peak | Allreduce share of step | Allreduce us (fastest rank) | C loop us (same processes) | wait share | RSS MiB (largest rank) | runs |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	type key struct {
		config, dtype    string
		np               int
		spans, yield, ar string
	}
	var order []key
	seen := map[key][]kv{}
	for _, l := range train {
		y := l.m["yield"]
		if y == "" {
			y = "5ms"
		}
		ar := l.m["allreduce"]
		if ar == "" {
			ar = "-"
		}
		if l.m["allreduce_flag"] == "auto" && ar != "none" {
			ar = "auto: " + ar // the default's choice, apart from the runs that asked for it
		}
		if isRef(l) {
			ar += " + C loop"
		}
		if isCgo(l) {
			ar += " (cgo calls)"
		}
		k := key{l.m["config"], l.m["dtype"], int(l.num("np")), l.m["spans"], y, ar}
		if seen[k] == nil {
			order = append(order, k)
		}
		seen[k] = append(seen[k], l)
	}
	for _, k := range order {
		med := func(field string) float64 {
			var v []float64
			for _, l := range seen[k] {
				v = append(v, l.num(field))
			}
			return benchMedian(v)
		}
		spans := "on"
		if k.spans == "false" {
			spans = "off"
		}
		cLoop := "-"
		if strings.Contains(k.ar, " + C loop") {
			cLoop = fmt.Sprintf("%.1f", med("c_allreduce_us"))
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %.4f | %.0f | %.1f | %.1f%% | %.1f%% | %.1f | %s | %.1f%% | %.1f | %d |\n", k.config, k.dtype, k.np, spans, k.yield, k.ar,
			med("epoch_s"), med("samples_per_s"), med("step_gflops"), 100*med("peak_share"), 100*med("allreduce_share"),
			med("allreduce_us"), cLoop, 100*med("wait_share"), med("rss_mib"), len(seen[k]))
	}
	if sys, err := os.ReadFile(filepath.Join(dir, benchFileSystem)); err == nil {
		fmt.Fprintf(w, "\n%s", sys)
	}
	if missing > 0 {
		return errors.New("bench table: some targets were not measured; see the table")
	}
	return nil
}
