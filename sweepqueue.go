// sweepqueue.go: the sweep's work queue on world rank 0. Group leaders ask
// for their next run with a small message and wait for the answer; rank 0
// answers between its own training steps (world.everyStep) and, once its
// own group has no more work, until every other group has been told so.
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"mpitrain/collective"
	"mpitrain/mlp/sweep"
)

// Message tags of the queue.
const (
	tagRequest = 101 // leader -> rank 0: the last run's state (JSON), asking for the next
	tagReply   = 102 // rank 0 -> leader: the next run's index (int64), -1 for none
)

// maxRequest bounds a request message.
const maxRequest = 64 << 10

// queue hands out the runs still to train, longest expected first.
type queue struct {
	w      *world
	o      sweepOptions
	runs   []gridRun
	todo   []int // indices into runs, in the order they are handed out
	stop   *atomic.Bool
	open   int // other groups' leaders not yet told that the queue is empty
	start  time.Time
	buf    []byte
	ranks  int
	groups []int

	planned, finished, failed int     // runs of this invocation
	plannedCost, finishedCost float64 // their expected costs
	busy                      float64 // rank-seconds of the runs finished here
	stopping                  bool
}

// newQueue prepares the sweep's folder and the runs this invocation
// trains: all but those an earlier invocation finished (and, unless
// --retry_failed, those it recorded as failed).
func newQueue(w *world, o sweepOptions, g sweep.Grid, runs []gridRun, groups []int) (*queue, error) {
	for _, d := range []string{o.out, filepath.Join(o.out, "runs"), filepath.Join(o.out, "state"), filepath.Join(o.out, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("sweep: --out: %w", err)
		}
	}
	info := sweepInfo{Grid: g.String(), Base: o.base, Ranks: w.comm.Size(), GroupSize: o.groupSize, Groups: groups,
		Started: time.Now().UTC().Format(time.RFC3339)}
	if err := writeJSON(filepath.Join(o.out, "sweep.json"), info); err != nil {
		return nil, err
	}
	q := &queue{w: w, o: o, runs: runs, open: len(groups) - 1, start: time.Now(), buf: make([]byte, maxRequest),
		ranks: w.comm.Size(), groups: groups}
	var skipDone, skipFailed int
	var order []sweep.Run
	for i, r := range runs {
		st := loadState(o.out, r.Name)
		_, err := os.Stat(filepath.Join(o.out, "runs", r.Name, "metrics.json"))
		switch {
		case st.Status == sweep.Done && err == nil:
			skipDone++
			continue
		case st.Status == sweep.Failed && !o.retryFailed:
			skipFailed++
			continue
		}
		rr := r.Run
		rr.Index = i
		order = append(order, rr)
	}
	for _, r := range sweep.LongestFirst(order) {
		q.todo = append(q.todo, r.Index)
		q.plannedCost += runs[r.Index].Cost
	}
	q.planned = len(q.todo)
	w.printf("sweep: %d runs in the grid; %d finished before, %d failed before%s; %d to train on %d rank(s) in %s\n",
		len(runs), skipDone, skipFailed, retryNote(skipFailed, o.retryFailed), q.planned, w.comm.Size(), describeGroups(groups))
	return q, nil
}

func retryNote(failed int, retry bool) string {
	if failed > 0 && !retry {
		return " (--retry_failed trains those again)"
	}
	return ""
}

// describeGroups says how the ranks were grouped: "2 groups of 1 rank",
// "2 groups of 2 ranks and 1 of 1 (the remainder)".
func describeGroups(groups []int) string {
	s := fmt.Sprintf("%d group(s) of %d rank(s)", countOf(groups, groups[0]), groups[0])
	if last := groups[len(groups)-1]; last != groups[0] {
		s += fmt.Sprintf(" and 1 of %d (the remainder of %d ranks)", last, sum(groups))
	}
	return s
}

func countOf(v []int, x int) int {
	n := 0
	for _, y := range v {
		if y == x {
			n++
		}
	}
	return n
}

func sum(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

// take records the state of the run rank 0's group just finished (nil
// before its first) and returns the next run for it, or -1.
func (q *queue) take(last *runState) int {
	q.record(last)
	return q.next()
}

// next pops the next run, or -1 when none is left or the sweep stops.
func (q *queue) next() int {
	if q.stopping || (q.stop != nil && q.stop.Load()) || len(q.todo) == 0 {
		return -1
	}
	i := q.todo[0]
	q.todo = q.todo[1:]
	return i
}

// record counts a finished run and prints its progress line.
func (q *queue) record(st *runState) {
	if st == nil || st.Name == "" {
		return
	}
	q.finished++
	q.busy += st.Seconds * float64(st.Ranks)
	for _, r := range q.runs {
		if r.Name == st.Name {
			q.finishedCost += r.Cost
		}
	}
	what := fmt.Sprintf("done in %.1f s", st.Seconds)
	switch st.Status {
	case sweep.Failed:
		q.failed++
		what = "FAILED: " + firstLine(st.Error)
	case sweep.Stopped:
		q.stopping = true
		what = "stopped: " + firstLine(st.Error)
	}
	elapsed := time.Since(q.start)
	eta := "ETA unknown"
	if q.finishedCost > 0 && q.finished < q.planned {
		left := time.Duration(float64(elapsed) * (q.plannedCost - q.finishedCost) / q.finishedCost)
		eta = "about " + roundDuration(left) + " left"
	} else if q.finished >= q.planned {
		eta = "none left"
	}
	q.w.printf("sweep: %d/%d runs, %d failed | %s elapsed, %s | %s %s\n",
		q.finished, q.planned, q.failed, roundDuration(elapsed), eta, st.Name, what)
}

// roundDuration rounds to 0.1 s below a minute and to seconds above.
func roundDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// shellJoin writes args as a shell would need them typed: words with
// spaces or quotes are single-quoted.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"$\\*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// poll answers every request waiting from the other groups' leaders. It
// runs on rank 0 between training steps and in drain.
func (q *queue) poll() {
	c := q.w.comm
	for {
		ok, from, n, err := c.Probe(collective.AnySource, tagRequest)
		if err != nil {
			q.w.fatal(fmt.Errorf("sweep: %w", err))
		}
		if !ok {
			return
		}
		if n > len(q.buf) {
			q.w.fatal(fmt.Errorf("sweep: a request of %d bytes from rank %d", n, from))
		}
		m, _, err := c.RecvBytes(q.buf, from, tagRequest)
		if err != nil {
			q.w.fatal(fmt.Errorf("sweep: %w", err))
		}
		var st runState
		if err := json.Unmarshal(q.buf[:m], &st); err != nil {
			q.w.fatal(fmt.Errorf("sweep: request from rank %d: %w", from, err))
		}
		q.record(&st)
		next := q.next()
		if next < 0 {
			q.open--
		}
		var reply [8]byte
		binary.LittleEndian.PutUint64(reply[:], uint64(int64(next)))
		if err := c.SendBytes(reply[:], from, tagReply); err != nil {
			q.w.fatal(fmt.Errorf("sweep: %w", err))
		}
	}
}

// drain serves the other groups until each has been told there is no
// more work.
func (q *queue) drain() {
	for q.open > 0 {
		q.poll()
		if q.open > 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// requestRun is a group leader's request to rank 0: the state of the run
// it finished (nil before the first) in, the next run's index out.
func requestRun(c collective.Comm, last *runState) (int, error) {
	msg := []byte("{}")
	if last != nil {
		st := *last
		if len(st.Error) > 4000 {
			st.Error = st.Error[:4000] + "..."
		}
		var err error
		if msg, err = json.Marshal(st); err != nil {
			return 0, err
		}
	}
	if err := c.SendBytes(msg, 0, tagRequest); err != nil {
		return 0, fmt.Errorf("sweep: asking rank 0 for work: %w", err)
	}
	var reply [8]byte
	n, _, err := c.RecvBytes(reply[:], 0, tagReply)
	if err != nil || n != 8 {
		return 0, fmt.Errorf("sweep: rank 0's answer: %d bytes, %v", n, err)
	}
	return int(int64(binary.LittleEndian.Uint64(reply[:]))), nil
}

// finish writes the sweep's outputs and prints its last lines; it returns
// the exit code (1 when the sweep was stopped).
func (q *queue) finish(stopped bool) int {
	wall := time.Since(q.start).Seconds()
	eff := 0.0
	if wall > 0 {
		eff = q.busy / (float64(q.ranks) * wall)
	}
	packing := fmt.Sprintf("packing efficiency %.1f%% (busy rank-seconds / (%d ranks x wall))", 100*eff, q.ranks)
	if q.finished == 0 {
		packing = "no packing efficiency: this invocation trained nothing"
	}
	header := fmt.Sprintf("Command: `mpirun -np %d %s`\n\nGroups: %s. This invocation: %d run(s) trained in %.1f s; %s.\n",
		q.ranks, shellJoin(os.Args), describeGroups(q.groups), q.finished, wall, packing)
	s, err := writeSweepReport(q.o.out, header)
	if err != nil {
		q.w.errorf("%v", err)
		return exitFail
	}
	c := s.Counts()
	q.w.printf("sweep: %d of %d runs done, %d failed, %d stopped, %d not run | %.1f s | %s\n",
		c[sweep.Done], len(s.Results), c[sweep.Failed], c[sweep.Stopped], c[sweep.Pending], wall, packing)
	if sel := s.Selected(); sel != nil {
		q.w.printf("sweep: selected on validation: %s (median val MAE %.4g over %d seed(s)); its test MAE %.4g (median) vs persistence %.4g\n",
			sel.Config, sel.ValMAE, len(sel.Runs), sel.TestMAE, sel.PersisMAE)
	}
	q.w.printf("wrote %s\n", strings.Join([]string{filepath.Join(q.o.out, "summary.csv"), "report.md", "val_mae.png"}, ", "))
	if stopped || q.stopping {
		q.w.errorf("sweep stopped on a signal; run the same command again to continue")
		return exitFail
	}
	return exitOK
}
