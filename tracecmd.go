// tracecmd.go: --trace FILE: the ranks' clocks aligned at start, every
// rank's spans gathered on rank 0 after training, one trace-event file.
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"mpitrain/mlp/trace"
)

// Tags of the point-to-point messages of --trace (the sweep's are 101-102).
const (
	tagClock = 201 // ping-pong of the clock alignment
	tagTrace = 202 // a rank's encoded spans, to rank 0
)

// clockRounds is how many ping-pongs each rank makes with rank 0; the one
// with the shortest round trip sets the offset.
const clockRounds = 16

// traceClock is what the alignment measured on this rank: what to add to
// its clock to read rank 0's, and the round trip of the sample used (the
// offset is good to half of it).
type traceClock struct{ offset, rtt float64 }

// alignClocks measures every rank's clock offset to rank 0 with ping-pongs
// over MPI (Cristian's algorithm, the shortest of clockRounds round trips).
// Every rank calls it; rank 0 answers the others in rank order.
func alignClocks(w *world) (traceClock, error) {
	rank, size := w.comm.Rank(), w.comm.Size()
	buf := make([]byte, 8)
	if rank == 0 {
		for r := 1; r < size; r++ {
			for range clockRounds {
				if _, _, err := w.comm.RecvBytes(buf, r, tagClock); err != nil {
					return traceClock{}, err
				}
				binary.LittleEndian.PutUint64(buf, math.Float64bits(w.comm.Wtime()))
				if err := w.comm.SendBytes(buf, r, tagClock); err != nil {
					return traceClock{}, err
				}
			}
		}
		return traceClock{}, nil
	}
	samples := make([]trace.Sample, clockRounds)
	for i := range samples {
		sent := w.comm.Wtime()
		if err := w.comm.SendBytes(buf, 0, tagClock); err != nil {
			return traceClock{}, err
		}
		if _, _, err := w.comm.RecvBytes(buf, 0, tagClock); err != nil {
			return traceClock{}, err
		}
		samples[i] = trace.Sample{Sent: sent, Root: math.Float64frombits(binary.LittleEndian.Uint64(buf)), Back: w.comm.Wtime()}
	}
	off, rtt := trace.Offset(samples)
	return traceClock{off, rtt}, nil
}

// maxTraceEvents bounds a rank's recorder: 2M spans, 64 MiB. A longer run
// keeps its first 2M spans and the file says how many were dropped.
const maxTraceEvents = 2 << 20

// newTraceRecorder sizes a recorder for epochs of steps steps.
func newTraceRecorder(epochs, steps int) *trace.Recorder {
	return trace.NewRecorder(min(trace.EventsFor(epochs, steps), maxTraceEvents))
}

// gatherTrace sends every rank's spans and clock offset to rank 0, which
// returns them merged (trace.Merge); the other ranks return nil. Every
// rank calls it.
func gatherTrace(w *world, rec *trace.Recorder, clock traceClock) ([]trace.Span, []float64, error) {
	size := w.comm.Size()
	mine := trace.Encode(rec.Events())
	info := make([]float64, 3*size)
	if err := w.comm.Allgather64([]float64{float64(len(mine)), clock.offset, float64(rec.Dropped())}, info); err != nil {
		return nil, nil, err
	}
	if !w.root {
		if len(mine) > 0 {
			if err := w.comm.SendBytes(mine, 0, tagTrace); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, nil
	}
	events := make([][]trace.Event, size)
	offsets := make([]float64, size)
	dropped := make([]float64, size)
	for r := range size {
		n := int(info[3*r])
		offsets[r], dropped[r] = info[3*r+1], info[3*r+2]
		b := mine
		if r > 0 {
			b = make([]byte, n)
			if n > 0 {
				got, _, err := w.comm.RecvBytes(b, r, tagTrace)
				if err != nil {
					return nil, nil, err
				}
				if got != n {
					return nil, nil, fmt.Errorf("trace: rank %d sent %d bytes of spans, announced %d", r, got, n)
				}
			}
		}
		ev, err := trace.Decode(b)
		if err != nil {
			return nil, nil, fmt.Errorf("rank %d's spans: %w", r, err)
		}
		events[r] = ev
	}
	return trace.Merge(events, offsets), dropped, nil
}

// writeTrace gathers the spans and, on rank 0, writes them to path (a
// temporary file renamed into place). Every rank calls it.
func writeTrace(w *world, path string, rec *trace.Recorder, clock traceClock, info map[string]any) error {
	spans, dropped, err := gatherTrace(w, rec, clock)
	if err != nil || !w.root {
		return err
	}
	return writeTraceFile(w, path, spans, dropped, info)
}

// writeTraceFile writes gathered spans to path on rank 0.
func writeTraceFile(w *world, path string, spans []trace.Span, dropped []float64, info map[string]any) error {
	lost := 0.0
	for _, d := range dropped {
		lost += d
	}
	if info == nil {
		info = map[string]any{}
	}
	info["ranks"] = w.comm.Size()
	info["dropped_spans"] = lost
	info["clock"] = "MPI_Wtime of each rank, aligned to rank 0's by the shortest of 16 ping-pongs (Cristian's algorithm)"
	err := writeAtomic(path, func(out io.Writer) error { return trace.Write(out, w.comm.Size(), spans, info) })
	if err != nil {
		return fmt.Errorf("--trace: %w", err)
	}
	return nil
}
