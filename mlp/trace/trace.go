// The recorder: spans of one rank's training in a buffer allocated once.
package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Kind is what a span measured.
type Kind uint8

// The kinds a rank records. Wait is not recorded: Merge splits each
// rank's Allreduce into Wait and Allreduce.
const (
	Step       Kind = iota // one training step: the next five, back to back
	Forward                // gathering the shard's rows, the forward pass and the loss
	Backward               // the backward pass
	Allreduce              // the gradient Allreduce (a sharded step: the sum of this rank's slice): the fastest rank's time in it, after Merge
	Optimizer              // gradient scaling and the optimizer step (a sharded step: of this rank's slice, then the parameters' share)
	Eval                   // validation after the epoch, its reduction included
	Checkpoint             // writing a checkpoint (rank 0)
	Epoch                  // the epoch's steps and its validation
	Wait                   // time in the Allreduce beyond the fastest rank's (Merge)
	numKinds
)

var kindNames = [numKinds]string{"step", "forward", "backward", "allreduce", "optimizer", "evaluation", "checkpoint", "epoch", "wait"}

// String is the span's name in the trace file: "step", "forward", ...
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// KindOf returns the Kind named s, the inverse of String.
func KindOf(s string) (Kind, bool) {
	for k, n := range kindNames {
		if n == s {
			return Kind(k), true
		}
	}
	return 0, false
}

// Event is one span of one rank: [Start, End] in seconds of that rank's
// clock, in epoch Epoch (1-based) and, for the step's spans, step Step
// (1-based within the epoch; 0 otherwise).
type Event struct {
	Start, End  float64
	Epoch, Step int32
	Kind        Kind
}

// Recorder keeps a rank's events in a buffer sized once: Add never
// allocates. A nil *Recorder records nothing, so code can call Add
// unconditionally; the training loop checks for nil itself so that,
// with tracing off, it does not even read the clock for the extra spans.
type Recorder struct {
	ev      []Event
	dropped int
}

// NewRecorder returns a recorder for up to capacity events. It panics if
// capacity < 0.
func NewRecorder(capacity int) *Recorder {
	if capacity < 0 {
		panic(fmt.Sprintf("trace: capacity %d", capacity))
	}
	return &Recorder{ev: make([]Event, 0, capacity)}
}

// EventsFor is the capacity a run of epochs epochs of stepsPerEpoch steps
// needs: six spans per step, two per epoch and a checkpoint per epoch.
func EventsFor(epochs, stepsPerEpoch int) int {
	return epochs * (6*stepsPerEpoch + 3)
}

// Add records a span. When the buffer is full the span is dropped and
// counted (Dropped).
func (r *Recorder) Add(k Kind, epoch, step int, start, end float64) {
	if r == nil {
		return
	}
	if len(r.ev) == cap(r.ev) {
		r.dropped++
		return
	}
	r.ev = append(r.ev, Event{Start: start, End: end, Epoch: int32(epoch), Step: int32(step), Kind: k})
}

// Events returns the recorded events in the order they were added.
func (r *Recorder) Events() []Event {
	if r == nil {
		return nil
	}
	return r.ev
}

// Dropped is the number of spans that did not fit.
func (r *Recorder) Dropped() int {
	if r == nil {
		return 0
	}
	return r.dropped
}

// Reset forgets every event, keeping the buffer.
func (r *Recorder) Reset() {
	if r != nil {
		r.ev, r.dropped = r.ev[:0], 0
	}
}

// eventBytes is the size of one encoded event.
const eventBytes = 8 + 8 + 4 + 4 + 1

// Encode packs events into bytes (little endian) for sending to rank 0.
func Encode(ev []Event) []byte {
	b := make([]byte, 0, len(ev)*eventBytes)
	for _, e := range ev {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.Start))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.End))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.Epoch))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.Step))
		b = append(b, byte(e.Kind))
	}
	return b
}

// Decode is Encode's inverse.
func Decode(b []byte) ([]Event, error) {
	if len(b)%eventBytes != 0 {
		return nil, fmt.Errorf("trace: %d bytes is not a whole number of %d-byte events", len(b), eventBytes)
	}
	ev := make([]Event, len(b)/eventBytes)
	for i := range ev {
		p := b[i*eventBytes:]
		ev[i] = Event{
			Start: math.Float64frombits(binary.LittleEndian.Uint64(p)),
			End:   math.Float64frombits(binary.LittleEndian.Uint64(p[8:])),
			Epoch: int32(binary.LittleEndian.Uint32(p[16:])),
			Step:  int32(binary.LittleEndian.Uint32(p[20:])),
			Kind:  Kind(p[24]),
		}
		if ev[i].Kind >= numKinds {
			return nil, errors.New("trace: unknown span kind in encoded events")
		}
	}
	return ev, nil
}
