// Tests of the recorder, the clock offset, the merge and the file format.

package trace

import (
	"bytes"
	"math"
	"testing"
)

func TestRecorderAddsWithoutAllocating(t *testing.T) {
	r := NewRecorder(EventsFor(1, 2))
	allocs := testing.AllocsPerRun(1, func() {
		r.Reset()
		for s := 1; s <= 2; s++ {
			r.Add(Step, 1, s, 0, 1)
			r.Add(Forward, 1, s, 0, 0.5)
			r.Add(Backward, 1, s, 0.5, 0.7)
			r.Add(Allreduce, 1, s, 0.7, 0.9)
			r.Add(Optimizer, 1, s, 0.9, 1)
		}
		r.Add(Eval, 1, 0, 1, 2)
		r.Add(Epoch, 1, 0, 0, 2)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
	if got := len(r.Events()); got != 12 {
		t.Errorf("%d events, want 12", got)
	}
	for i := range 4 { // room for 3
		r.Add(Checkpoint, 1, 0, float64(i), float64(i+1))
	}
	if r.Dropped() != 1 || len(r.Events()) != EventsFor(1, 2) {
		t.Errorf("full recorder: %d events, %d dropped; want %d and 1", len(r.Events()), r.Dropped(), EventsFor(1, 2))
	}
	var nilRec *Recorder
	nilRec.Add(Step, 1, 1, 0, 1) // must not panic
	if nilRec.Events() != nil || nilRec.Dropped() != 0 {
		t.Error("a nil recorder recorded something")
	}
}

func TestEncodeDecode(t *testing.T) {
	ev := []Event{{Start: 1.25, End: 2.5, Epoch: 3, Step: 4, Kind: Backward}, {Start: -1, End: math.MaxFloat64, Epoch: 1, Kind: Eval}}
	got, err := Decode(Encode(ev))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ev) || got[0] != ev[0] || got[1] != ev[1] {
		t.Errorf("round trip gave %+v, want %+v", got, ev)
	}
	if _, err := Decode([]byte{1, 2, 3}); err == nil {
		t.Error("Decode of 3 bytes: no error")
	}
	bad := Encode(ev[:1])
	bad[len(bad)-1] = byte(numKinds)
	if _, err := Decode(bad); err == nil {
		t.Error("Decode of an unknown kind: no error")
	}
}

func TestOffsetKeepsShortestRoundTrip(t *testing.T) {
	// The rank's clock is 10 s behind rank 0's; the second sample has the
	// shortest round trip, and an answer off-centre in the others.
	s := []Sample{{Sent: 0, Root: 10.9, Back: 1}, {Sent: 2, Root: 12.05, Back: 2.1}, {Sent: 3, Root: 13.1, Back: 3.5}}
	off, rtt := Offset(s)
	if math.Abs(off-10) > 1e-9 || math.Abs(rtt-0.1) > 1e-9 {
		t.Errorf("Offset = %g, %g; want 10, 0.1", off, rtt)
	}
	if _, rtt := Offset(nil); !math.IsInf(rtt, 1) {
		t.Errorf("Offset(nil) round trip %g, want +Inf", rtt)
	}
}

func TestMergeSplitsAllreduce(t *testing.T) {
	// Rank 0 enters the Allreduce at 1.0 and leaves at 1.5; rank 1 (clock
	// 100 s behind) enters at 1.4 and leaves at 1.5: 0.1 s is the
	// communication, rank 0 waited 0.4 s.
	ev := [][]Event{
		{{Start: 1.0, End: 1.5, Epoch: 1, Step: 1, Kind: Allreduce}},
		{{Start: -98.6, End: -98.5, Epoch: 1, Step: 1, Kind: Allreduce}},
	}
	spans := Merge(ev, []float64{0, 100})
	want := []Span{
		{0, Event{Start: 1.0, End: 1.4, Epoch: 1, Step: 1, Kind: Wait}},
		{0, Event{Start: 1.4, End: 1.5, Epoch: 1, Step: 1, Kind: Allreduce}},
		{1, Event{Start: 1.4, End: 1.5, Epoch: 1, Step: 1, Kind: Allreduce}},
	}
	if len(spans) != len(want) {
		t.Fatalf("got %+v, want %+v", spans, want)
	}
	for i := range want {
		g, w := spans[i], want[i]
		if g.Rank != w.Rank || g.Kind != w.Kind || math.Abs(g.Start-w.Start) > 1e-9 || math.Abs(g.End-w.End) > 1e-9 {
			t.Errorf("span %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestWriteReadNests(t *testing.T) {
	ev := [][]Event{{
		{Start: 0.1, End: 0.2, Epoch: 1, Step: 1, Kind: Step},
		{Start: 0.1, End: 0.13, Epoch: 1, Step: 1, Kind: Forward},
		{Start: 0.13, End: 0.17, Epoch: 1, Step: 1, Kind: Backward},
		{Start: 0.17, End: 0.19, Epoch: 1, Step: 1, Kind: Allreduce},
		{Start: 0.19, End: 0.2, Epoch: 1, Step: 1, Kind: Optimizer},
		{Start: 0.2, End: 0.3, Epoch: 1, Kind: Eval},
		{Start: 0.1, End: 0.3, Epoch: 1, Kind: Epoch},
	}}
	var b bytes.Buffer
	if err := Write(&b, 1, Merge(ev, []float64{0}), map[string]any{"model": "test"}); err != nil {
		t.Fatal(err)
	}
	f, err := Read(&b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	var step, inner []JSONEvent
	for _, e := range f.TraceEvents {
		switch {
		case e.Ph == "X" && e.Name == "step":
			step = append(step, e)
		case e.Ph == "X" && (e.Name == "forward" || e.Name == "backward" || e.Name == "allreduce" || e.Name == "optimizer"):
			inner = append(inner, e)
		}
	}
	if len(step) != 1 || len(inner) != 4 {
		t.Fatalf("%d steps and %d phases, want 1 and 4", len(step), len(inner))
	}
	if step[0].Ts != 0 || step[0].Dur != 100000 {
		t.Errorf("step at %g us for %g us, want 0 and 100000", step[0].Ts, step[0].Dur)
	}
	end := step[0].Ts
	for _, e := range inner {
		if e.Ts != end || e.Ts+e.Dur > step[0].Ts+step[0].Dur {
			t.Errorf("%s at %g+%g does not follow on at %g inside the step", e.Name, e.Ts, e.Dur, end)
		}
		end = e.Ts + e.Dur
	}
	spans, ranks, err := EpochSpans(f, 1)
	if err != nil || ranks != 1 || len(spans) != 6 {
		t.Errorf("EpochSpans: %d spans of %d ranks, %v; want 6 of 1", len(spans), ranks, err)
	}
	if _, _, err := EpochSpans(f, 2); err == nil {
		t.Error("EpochSpans of a missing epoch: no error")
	}
}
