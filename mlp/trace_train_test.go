// The training step with spans recorded: no allocation, and the spans of
// each step back to back inside it.
package mlp

import (
	"testing"

	"mpitrain/mlp/trace"
)

func TestStepWithTraceAllocatesNothing(t *testing.T) {
	cfg := Config{In: 8, Hidden: []int{16}, Out: 1}
	net, err := NewModel[float32](cfg, 32)
	if err != nil {
		t.Fatal(err)
	}
	net.Init(1)
	train, val := synth[float32](64, cfg.In, cfg.Out, 1, false), synth[float32](20, cfg.In, cfg.Out, 2, false)
	tr, err := NewTrainer(net, train, val, NewSelfReducer(), TrainConfig{Epochs: 1, Batch: 32, LR: 1e-3, Optimizer: "adam"})
	if err != nil {
		t.Fatal(err)
	}
	steps := testShards(train.N, 32, 1, 0, 1)(0)
	tr.Trace = trace.NewRecorder(trace.EventsFor(20, len(steps)))
	if a := testing.AllocsPerRun(5, func() { tr.Step(steps[0]) }); a != 0 {
		t.Errorf("Step with a recorder: %v allocations, want 0", a)
	}
	tr.Trace.Reset()
	if _, err := tr.Epoch(0, steps); err != nil {
		t.Fatal(err)
	}
	ev := tr.Trace.Events()
	if want := 5*len(steps) + 2; len(ev) != want {
		t.Fatalf("%d spans after one epoch of %d steps, want %d", len(ev), len(steps), want)
	}
	for s := range steps {
		step := ev[5*s]
		if step.Kind != trace.Step || int(step.Step) != s+1 || step.Epoch != 1 {
			t.Fatalf("span %d is %+v, want step %d of epoch 1", 5*s, step, s+1)
		}
		at := step.Start
		for k, want := range []trace.Kind{trace.Forward, trace.Backward, trace.Allreduce, trace.Optimizer} {
			e := ev[5*s+1+k]
			if e.Kind != want || e.Start != at || e.End < e.Start || e.End > step.End {
				t.Errorf("step %d: span %+v, want %v from %g inside [%g, %g]", s+1, e, want, at, step.Start, step.End)
			}
			at = e.End
		}
		if at != step.End {
			t.Errorf("step %d: phases end at %g, the step at %g", s+1, at, step.End)
		}
	}
	if e := ev[len(ev)-2]; e.Kind != trace.Eval {
		t.Errorf("span %+v, want the evaluation", e)
	}
	if e := ev[len(ev)-1]; e.Kind != trace.Epoch || e.Start > ev[0].Start {
		t.Errorf("span %+v, want the epoch around the steps", e)
	}
}

// An empty shard (a rank with no rows in this global batch) still records
// its step's spans back to back: its forward and backward are empty, not
// negative. Two ranks in process; rank 1's shard is empty.
func TestStepWithTraceEmptyShard(t *testing.T) {
	cfg := Config{In: 8, Hidden: []int{16}, Out: 1}
	train, val := synth[float32](64, cfg.In, cfg.Out, 1, false), synth[float32](20, cfg.In, cfg.Out, 2, false)
	var events [2][]trace.Event
	runRanks(2, func(r Reducer) {
		net, err := NewModel[float32](cfg, 32)
		if err != nil {
			t.Error(err)
			return
		}
		net.Init(1)
		tr, err := NewTrainer(net, train, val, r, TrainConfig{Epochs: 1, Batch: 32, LR: 1e-3})
		if err != nil {
			t.Error(err)
			return
		}
		tr.Trace = trace.NewRecorder(trace.EventsFor(1, 1))
		shard := []int{0, 1, 2}
		if r.Rank() == 1 {
			shard = nil
		}
		if _, err := tr.Step(shard); err != nil {
			t.Error(err)
		}
		events[r.Rank()] = tr.Trace.Events()
	})
	for rank, ev := range events {
		if len(ev) != 5 || ev[0].Kind != trace.Step {
			t.Fatalf("rank %d: spans %+v, want a step and its 4 phases", rank, ev)
		}
		at := ev[0].Start
		for _, e := range ev[1:] {
			if e.Start != at || !(e.End >= e.Start) || e.End > ev[0].End {
				t.Errorf("rank %d: span %+v, want it from %g inside the step [%g, %g]", rank, e, at, ev[0].Start, ev[0].End)
			}
			at = e.End
		}
	}
}
