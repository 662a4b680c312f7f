// costmodel.go: `trainer bench model`: a cost model of the data-parallel
// step, fitted on this machine, projecting step time and parallel
// efficiency to p = 1..64 ranks on 10, 25 and 100 Gb/s networks.
//
// The model, for a global batch B (strong scaling: B fixed) on p ranks:
//
//	T_step(p)  = T_comp(ceil(B/p)) + T_ar(p, n)
//	T_ar(p, n) = 2(p-1)·alpha + 2(p-1)/p · n · beta          (ring Allreduce)
//	E(p)       = T_step(1) / (p · T_step(p))
//
// T_comp(m) is one rank's step on a shard of m rows (gather, forward,
// backward, gradient scaling and Adam, which every rank repeats on the whole
// model), measured here in this process for every m the projection needs,
// so the lower GEMM efficiency of thin shards is measured, not assumed. n
// is the bytes reduced per step (4 per float32 gradient element plus the
// shard's loss, row count and stop flag). alpha and beta are fitted, by
// least squares on relative error, to MPI_Allreduce times at np 2 (where
// T_ar = 2·alpha + n·beta) measured by scripts/allreduce_bench.c: over shared
// memory, and over TCP between two network namespaces (scripts/costmodel.sh).
// The fitted beta includes the reduction's arithmetic and every copy, so
// there is no separate reduction term. For a network of bandwidth BW bits/s:
//
//	alpha_net = alpha_tcp,   beta_net = 8/BW + beta_tcp
//
// the wire time of a byte plus the per-byte software cost measured on TCP
// over veth, where the wire costs next to nothing.
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"mpitrain/data"
	"mpitrain/mlp"
	"mpitrain/plotting"
)

// ringAllreduce is T_ar(p, n) in seconds for n bytes.
func ringAllreduce(p int, n, alpha, beta float64) float64 {
	if p <= 1 {
		return 0
	}
	q := float64(p)
	return 2*(q-1)*alpha + 2*(q-1)/q*n*beta
}

// arPoint is one measured Allreduce: bytes per rank and seconds per call.
type arPoint struct{ bytes, sec float64 }

// fitRing fits alpha and beta of ringAllreduce to points measured on p
// ranks, minimizing the sum of squared RELATIVE errors, so that the small
// messages fix alpha and the large ones beta. It needs two distinct sizes.
func fitRing(p int, pts []arPoint) (alpha, beta float64, err error) {
	if p < 2 {
		return 0, 0, fmt.Errorf("cost model: fit on %d ranks, want >= 2", p)
	}
	// T = a·x + b·y with x = 2(p-1), y = 2(p-1)/p·n; weights 1/T².
	var sxx, sxy, syy, sxt, syt float64
	sizes := map[float64]bool{}
	for _, q := range pts {
		if !(q.sec > 0) || q.bytes < 0 {
			return 0, 0, fmt.Errorf("cost model: bad point %g bytes in %g s", q.bytes, q.sec)
		}
		sizes[q.bytes] = true
		x, y, w := 2*float64(p-1), 2*float64(p-1)/float64(p)*q.bytes, 1/(q.sec*q.sec)
		sxx, sxy, syy = sxx+w*x*x, sxy+w*x*y, syy+w*y*y
		sxt, syt = sxt+w*x*q.sec, syt+w*y*q.sec
	}
	if len(sizes) < 2 {
		return 0, 0, errors.New("cost model: the fit needs Allreduce times at two sizes or more")
	}
	det := sxx*syy - sxy*sxy
	alpha = (sxt*syy - syt*sxy) / det
	beta = (sxx*syt - sxy*sxt) / det
	return alpha, beta, nil
}

// efficiency is E(p) = T(1) / (p·T(p)).
func efficiency(t1, tp float64, p int) float64 { return t1 / (float64(p) * tp) }

// shardRows is the largest shard of a global batch over p ranks.
func shardRows(batch, p int) int { return (batch + p - 1) / p }

// reducedBytes is n: the float32 gradient and the three trailing values of
// the step's reduce buffer.
func reducedBytes(c mlp.Config) float64 { return 4 * float64(c.NumParams()+3) }

// network is a projected interconnect.
type network struct {
	name string
	bps  float64 // bits per second
}

var networks = []network{{"10 Gb/s", 10e9}, {"25 Gb/s", 25e9}, {"100 Gb/s", 100e9}}

// costModel holds the fitted constants and the measured compute times.
type costModel struct {
	alphaSHM, betaSHM float64
	alphaTCP, betaTCP float64
	comp              map[string]map[int]float64 // configuration -> shard rows -> seconds per step
}

// step is T_step(p) for configuration c with the given Allreduce constants.
func (m *costModel) step(c benchConfig, p int, alpha, beta float64) float64 {
	return m.comp[c.name][shardRows(c.batch, p)] + ringAllreduce(p, reducedBytes(c.arch), alpha, beta)
}

// epochBatches is the global batch of each step of an epoch of n samples:
// full batches, then the remainder.
func epochBatches(n, batch int) []int {
	var b []int
	for ; n > 0; n -= batch {
		b = append(b, min(n, batch))
	}
	return b
}

// epochStep is the model's step time summed over one epoch of n samples on
// p ranks, the figure `trainer bench` measures as step_s: every step's
// largest shard, ceil(b/p) rows, sets its compute. slow scales the compute
// (p/cores when p ranks share fewer cores).
func (m *costModel) epochStep(c benchConfig, n, p int, alpha, beta, slow float64) float64 {
	t := 0.0
	for _, b := range epochBatches(n, c.batch) {
		t += slow*m.comp[c.name][shardRows(b, p)] + ringAllreduce(p, reducedBytes(c.arch), alpha, beta)
	}
	return t
}

// net returns alpha and beta of a network of bps bits/s.
func (m *costModel) net(bps float64) (alpha, beta float64) { return m.alphaTCP, 8/bps + m.betaTCP }

// readAllreduce reads scripts/allreduce_bench.c lines of np 2 (float) and
// returns the median time per size.
func readAllreduce(file string) ([]arPoint, error) {
	lines, err := readKV(file, "allreduce")
	if err != nil {
		return nil, err
	}
	by := map[float64][]float64{}
	for _, l := range lines {
		if l.num("np") != 2 || l.m["type"] != "float" {
			continue
		}
		n := 4 * l.num("count")
		by[n] = append(by[n], l.num("us_per_call")*1e-6)
	}
	var pts []arPoint
	for n, v := range by {
		pts = append(pts, arPoint{n, benchMedian(v)})
	}
	slices.SortFunc(pts, func(a, b arPoint) int { return int(math.Copysign(1, a.bytes-b.bytes)) })
	if len(pts) < 2 {
		return nil, fmt.Errorf("%s: want np=2 float Allreduce times at two sizes or more, found %d", file, len(pts))
	}
	return pts, nil
}

// modelledConfigs are the benchmark configurations the cost model
// projects: the MLPs (default and large). The sequence models' steps are
// measured by trainer bench, not modelled.
func modelledConfigs() []benchConfig {
	var cs []benchConfig
	for _, c := range benchConfigs {
		if c.arch.Kind() == mlp.ModelMLP {
			cs = append(cs, c)
		}
	}
	return cs
}

// measureCompute times Trainer.Step on one rank (a one-rank reducer, so
// no communication) on shards of m rows of the embedded training data:
// the median over blocks of steps lasting about dur in all.
func measureCompute(c benchConfig, m int, train mlp.Split[float32], dur time.Duration) (float64, error) {
	net := mlp.NewNet[float32](c.arch, m)
	net.Init(1)
	t, err := mlp.NewTrainer(net, train, mlp.Split[float32]{}, mlp.NewSelfReducer(),
		mlp.TrainConfig{Epochs: 1, Batch: m, LR: 1e-4, Optimizer: "adam"})
	if err != nil {
		return 0, err
	}
	idx := make([]int, m)
	for i := range idx {
		idx[i] = (i * 7919) % train.N
	}
	for range 3 {
		if _, err := t.Step(idx); err != nil {
			return 0, err
		}
	}
	const block = 5
	var per []float64
	for start := time.Now(); time.Since(start) < dur || len(per) < 5; {
		t0 := time.Now()
		for range block {
			if _, err := t.Step(idx); err != nil {
				return 0, err
			}
		}
		per = append(per, time.Since(t0).Seconds()/block)
	}
	return benchMedian(per), nil
}

// costModelMain is `trainer bench model`.
func costModelMain(args []string, stdout io.Writer) error {
	fs := newFlagSet("trainer bench model", "Usage: ./trainer bench model --shm FILE --tcp FILE [--measured FILE] [--out DIR]\n\n"+
		"Fits the ring-Allreduce cost model (see costmodel.go), measures one rank's step time\n"+
		"per shard size, and projects efficiency to 10, 25 and 100 Gb/s networks.\n\nFlags:\n", stdout)
	shm := fs.String("shm", "", "scripts/allreduce_bench.c output at np 2 over shared memory, several sizes (required)")
	tcp := fs.String("tcp", "", "the same over TCP between two hosts or network namespaces (required)")
	measured := fs.String("measured", "", "lines of 'trainer bench' at np 1, 2, 4... to check the model against (optional)")
	out := fs.String("out", ".", "folder for projected-scaling.png and costmodel.txt")
	maxNP := fs.Int("max_np", 64, "largest rank count projected (powers of two from 1)")
	dur := fs.Duration("compute_time", 300*time.Millisecond, "measuring time per shard size")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *shm == "" || *tcp == "" || fs.NArg() > 0 {
		return usagef("bench model: --shm and --tcp are required, and nothing else (see trainer bench model -h)")
	}
	if *maxNP < 2 || *maxNP > 4096 {
		return usagef("--max_np %d: want 2..4096", *maxNP)
	}
	m := &costModel{comp: map[string]map[int]float64{}}
	var err error
	shmPts, err := readAllreduce(*shm)
	if err != nil {
		return err
	}
	tcpPts, err := readAllreduce(*tcp)
	if err != nil {
		return err
	}
	if m.alphaSHM, m.betaSHM, err = fitRing(2, shmPts); err != nil {
		return err
	}
	if m.alphaTCP, m.betaTCP, err = fitRing(2, tcpPts); err != nil {
		return err
	}
	var nps []int
	for p := 1; p <= *maxNP; p *= 2 {
		nps = append(nps, p)
	}

	// One rank's compute per shard size, for every configuration.
	s, err := data.LoadEmbedded(defaultConfig().Column)
	if err != nil {
		return err
	}
	ds, err := data.Prepare(s, defaultConfig().dataOptions())
	if err != nil {
		return err
	}
	train := toSplit[float32](ds.Train)
	var meas []kv
	if *measured != "" {
		if meas, err = readKV(*measured, "bench"); err != nil {
			return err
		}
	}
	need := func(c benchConfig, rows int) error {
		if _, ok := m.comp[c.name][rows]; ok {
			return nil
		}
		sec, err := measureCompute(c, rows, train, *dur)
		m.comp[c.name][rows] = sec
		return err
	}
	for _, c := range modelledConfigs() {
		m.comp[c.name] = map[int]float64{}
		for _, p := range nps {
			if err := need(c, shardRows(c.batch, p)); err != nil {
				return err
			}
		}
		for _, l := range meas {
			if l.m["config"] != c.name || l.m["dtype"] != "float32" {
				continue
			}
			for _, b := range epochBatches(int(l.num("samples")), c.batch) {
				if err := need(c, shardRows(b, int(l.num("np")))); err != nil {
					return err
				}
			}
		}
	}

	var b strings.Builder
	m.report(&b, shmPts, tcpPts, nps, meas)
	fmt.Fprint(stdout, b.String())
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(*out, "costmodel.txt"), []byte(b.String())); err != nil {
		return err
	}
	return plotting.ProjectedScaling(filepath.Join(*out, "projected-scaling.png"), m.projection(nps, meas))
}

// measuredEpoch is the median over the float32 `trainer bench` lines of a
// configuration at np p of step_s (step seconds per epoch), the samples of
// an epoch, and how many lines there were. tcp selects the lines
// scripts/costmodel.sh marked as run over TCP (net=...) instead of the
// others.
func measuredEpoch(meas []kv, config string, p int, tcp bool) (sec float64, samples, k int) {
	var v []float64
	for _, l := range meas {
		if l.m["config"] != config || l.m["dtype"] != "float32" || int(l.num("np")) != p || (l.m["net"] != "") != tcp {
			continue
		}
		v, samples = append(v, l.num("step_s")), int(l.num("samples"))
	}
	return benchMedian(v), samples, len(v)
}

// report writes the formula, the constants, the projection table and the
// check against measured points.
func (m *costModel) report(w io.Writer, shmPts, tcpPts []arPoint, nps []int, meas []kv) {
	fmt.Fprintln(w, "cost model: T_step(p) = T_comp(ceil(B/p)) + 2(p-1)*alpha + 2(p-1)/p * n * beta;  E(p) = T_step(1) / (p * T_step(p))")
	fmt.Fprintln(w, "  fitted on MPI_Allreduce(MPI_IN_PLACE, float, SUM) at np 2 (T = 2*alpha + n*beta), least squares on relative error:")
	for _, f := range []struct {
		name        string
		pts         []arPoint
		alpha, beta float64
	}{{"shared memory", shmPts, m.alphaSHM, m.betaSHM}, {"TCP (network namespaces, veth)", tcpPts, m.alphaTCP, m.betaTCP}} {
		fmt.Fprintf(w, "  %-31s alpha = %.2f us, beta = %.4f ns/B (%.2f GB/s)\n", f.name+":", f.alpha*1e6, f.beta*1e9, 1/f.beta/1e9)
		for _, q := range f.pts {
			fit := ringAllreduce(2, q.bytes, f.alpha, f.beta)
			fmt.Fprintf(w, "      %9.0f B: measured %9.2f us, fit %9.2f us (%+.0f%%)\n", q.bytes, q.sec*1e6, fit*1e6, 100*(fit/q.sec-1))
		}
	}
	fmt.Fprintln(w, "  networks: alpha = alpha_tcp, beta = 8/bandwidth + beta_tcp:")
	for _, nw := range networks {
		a, b := m.net(nw.bps)
		fmt.Fprintf(w, "    %-9s alpha = %.2f us, beta = %.4f ns/B\n", nw.name, a*1e6, b*1e9)
	}
	for _, c := range modelledConfigs() {
		n := reducedBytes(c.arch)
		fmt.Fprintf(w, "\n%s (%s, global batch %d, n = %.0f B reduced per step): one rank's step T_comp(m):", c.name, c.arch, c.batch, n)
		for _, p := range nps {
			r := shardRows(c.batch, p)
			fmt.Fprintf(w, " m=%d %.1f us;", r, m.comp[c.name][r]*1e6)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  %-9s", "p")
		for _, p := range nps {
			fmt.Fprintf(w, " %9d", p)
		}
		fmt.Fprintln(w)
		t1 := m.step(c, 1, 0, 0)
		for _, nw := range networks {
			a, b := m.net(nw.bps)
			fmt.Fprintf(w, "  %-9s", nw.name)
			for _, p := range nps {
				fmt.Fprintf(w, " %8.0f%%", 100*efficiency(t1, m.step(c, p, a, b), p))
			}
			fmt.Fprintln(w, "   efficiency")
			fmt.Fprintf(w, "  %-9s", "")
			for _, p := range nps {
				fmt.Fprintf(w, " %7.0fus", m.step(c, p, a, b)*1e6)
			}
			fmt.Fprintln(w, "   step time")
		}
		// The check against measured epochs (step time summed over an
		// epoch, the last step's batch is smaller): shared memory at np 1,
		// 2 and 4, and TCP between namespaces at np 2.
		t1m, n1, k1 := measuredEpoch(meas, c.name, 1, false)
		for _, p := range []int{1, 2, 4} {
			tm, n, k := measuredEpoch(meas, c.name, p, false)
			if k == 0 {
				continue
			}
			pred := m.epochStep(c, n, p, m.alphaSHM, m.betaSHM, 1)
			fmt.Fprintf(w, "  check np %d, shared memory: step time per epoch measured %.2f ms (median of %d runs), model %.2f ms (%+.0f%%)",
				p, tm*1e3, k, pred*1e3, 100*(pred/tm-1))
			if k1 > 0 && p > 1 {
				fmt.Fprintf(w, "; efficiency measured %.0f%%, model %.0f%%", 100*efficiency(t1m, tm, p),
					100*efficiency(m.epochStep(c, n1, 1, 0, 0, 1), pred, p))
			}
			if cores := runtime.NumCPU(); p > cores {
				// Oversubscribed: p ranks share the cores, so each rank's
				// compute takes p/cores times longer.
				over := m.epochStep(c, n, p, m.alphaSHM, m.betaSHM, float64(p)/float64(cores))
				fmt.Fprintf(w, "; oversubscribed (%d ranks on %d cores): the model with compute x %d/%d gives %.2f ms (%+.0f%%)",
					p, cores, p, cores, over*1e3, 100*(over/tm-1))
			}
			fmt.Fprintln(w)
		}
		if tm, n, k := measuredEpoch(meas, c.name, 2, true); k > 0 {
			pred := m.epochStep(c, n, 2, m.alphaTCP, m.betaTCP, 1)
			fmt.Fprintf(w, "  check np 2, TCP between namespaces: step time per epoch measured %.2f ms (median of %d runs), model %.2f ms (%+.0f%%)\n",
				tm*1e3, k, pred*1e3, 100*(pred/tm-1))
		}
	}
}

// projection is the chart's data: one series per configuration and
// network, and the measured shared-memory efficiencies as markers.
func (m *costModel) projection(nps []int, meas []kv) plotting.Projection {
	pr := plotting.Projection{NP: nps}
	for _, c := range modelledConfigs() {
		t1 := m.step(c, 1, 0, 0)
		for _, nw := range networks {
			a, b := m.net(nw.bps)
			s := plotting.ProjectionSeries{Label: fmt.Sprintf("%s, %s", c.name, nw.name)}
			for _, p := range nps {
				s.Efficiency = append(s.Efficiency, efficiency(t1, m.step(c, p, a, b), p))
			}
			pr.Series = append(pr.Series, s)
		}
		t1m, _, k1 := measuredEpoch(meas, c.name, 1, false)
		if k1 == 0 {
			continue
		}
		for _, p := range []int{2, 4} {
			if tm, _, k := measuredEpoch(meas, c.name, p, false); k > 0 {
				pr.Measured = append(pr.Measured, plotting.MeasuredPoint{
					Label: c.name + ", shared memory, 2 cores", NP: p, Efficiency: efficiency(t1m, tm, p)})
			}
		}
	}
	return pr
}
