// Merging the ranks' events on one clock and writing the trace-event file.
package trace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Sample is one ping-pong of a rank with rank 0: the rank's clock when it
// sent (Sent) and when the answer came back (Back), and rank 0's clock
// when it answered (Root).
type Sample struct{ Sent, Root, Back float64 }

// Offset estimates, from ping-pong samples, what to add to the rank's
// clock to read rank 0's (Cristian's algorithm): of the samples, the one
// with the shortest round trip counts, and rank 0 is taken to have
// answered half-way through it. It returns the offset and that round trip;
// the offset's error is at most half the round trip. Without samples it
// returns 0 and +Inf.
func Offset(s []Sample) (offset, rtt float64) {
	rtt = math.Inf(1)
	for _, x := range s {
		if d := x.Back - x.Sent; d < rtt {
			rtt, offset = d, x.Root-(x.Sent+x.Back)/2
		}
	}
	return offset, rtt
}

// Span is one event on the merged time line: seconds of rank 0's clock.
type Span struct {
	Rank int
	Event
}

// Merge puts every rank's events (events[r], rank r's clock) on rank 0's
// clock (adding offsets[r]) and splits each step's Allreduce: the shortest
// time any rank spent in that step's call stays Allreduce (the
// communication itself, which the last rank to arrive did not wait
// through), at the end of each rank's call, and the rest of the rank's
// time in the call becomes Wait, at its start. Spans come out by rank,
// then in each rank's recorded order.
func Merge(events [][]Event, offsets []float64) []Span {
	if len(offsets) != len(events) {
		panic(fmt.Sprintf("trace: %d ranks of events and %d offsets", len(events), len(offsets)))
	}
	type key struct{ epoch, step int32 }
	fastest := map[key]float64{}
	for _, ev := range events {
		for _, e := range ev {
			if e.Kind != Allreduce {
				continue
			}
			k, d := key{e.Epoch, e.Step}, e.End-e.Start
			if m, ok := fastest[k]; !ok || d < m {
				fastest[k] = d
			}
		}
	}
	var out []Span
	for r, ev := range events {
		for _, e := range ev {
			e.Start += offsets[r]
			e.End += offsets[r]
			if e.Kind == Allreduce {
				if split := e.End - fastest[key{e.Epoch, e.Step}]; split > e.Start {
					w := e
					w.Kind, w.End = Wait, split
					out = append(out, Span{r, w})
					e.Start = split
				}
			}
			out = append(out, Span{r, e})
		}
	}
	return out
}

// File is a trace-event file as Perfetto and chrome://tracing read it
// (the JSON object form).
type File struct {
	TraceEvents     []JSONEvent    `json:"traceEvents"`
	DisplayTimeUnit string         `json:"displayTimeUnit,omitempty"`
	OtherData       map[string]any `json:"otherData,omitempty"`
}

// JSONEvent is one trace event: a complete event ("ph": "X") with a start
// and a duration in microseconds, or a metadata event ("M") naming a
// process or thread.
type JSONEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`
	Dur  float64        `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	Args map[string]any `json:"args,omitempty"`
}

// Write writes spans as a trace-event file: a process per rank ("rank N",
// pid N, one thread "training"), a complete event per span with its epoch
// and step in args, times in microseconds from the earliest span. Times
// are rounded to whole nanoseconds before durations are taken, so a span
// recorded inside another stays inside it in the file. info goes into
// otherData.
func Write(w io.Writer, ranks int, spans []Span, info map[string]any) error {
	origin := math.Inf(1)
	for _, s := range spans {
		origin = min(origin, s.Start)
	}
	ns := func(t float64) int64 { return int64(math.Round((t - origin) * 1e9)) }
	us := func(b []byte, n int64) []byte { // n ns as microseconds with 3 decimals
		b = strconv.AppendInt(b, n/1000, 10)
		b = append(b, '.')
		f := n % 1000
		return append(b, byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
	}
	bw := bufio.NewWriter(w)
	other := []byte("{}")
	if len(info) > 0 {
		var err error
		if other, err = json.Marshal(info); err != nil {
			return fmt.Errorf("trace: otherData: %w", err)
		}
	}
	fmt.Fprintf(bw, "{\"displayTimeUnit\":\"ms\",\"otherData\":%s,\"traceEvents\":[\n", other)
	for r := range ranks {
		sep := ","
		if r == 0 {
			sep = ""
		}
		fmt.Fprintf(bw, "%s{\"name\":\"process_name\",\"ph\":\"M\",\"ts\":0,\"pid\":%d,\"tid\":0,\"args\":{\"name\":\"rank %d\"}},\n", sep, r, r)
		fmt.Fprintf(bw, "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":%d,\"tid\":0,\"args\":{\"sort_index\":%d}},\n", r, r)
		fmt.Fprintf(bw, "{\"name\":\"thread_name\",\"ph\":\"M\",\"ts\":0,\"pid\":%d,\"tid\":0,\"args\":{\"name\":\"training\"}}\n", r)
	}
	var b []byte
	for _, s := range spans {
		start, end := ns(s.Start), ns(s.End)
		b = append(b[:0], ",{\"name\":\""...)
		b = append(b, s.Kind.String()...)
		b = append(b, "\",\"cat\":\"train\",\"ph\":\"X\",\"ts\":"...)
		b = us(b, start)
		b = append(b, ",\"dur\":"...)
		b = us(b, max(end-start, 0))
		b = append(b, ",\"pid\":"...)
		b = strconv.AppendInt(b, int64(s.Rank), 10)
		b = append(b, ",\"tid\":0,\"args\":{\"epoch\":"...)
		b = strconv.AppendInt(b, int64(s.Epoch), 10)
		if s.Step > 0 {
			b = append(b, ",\"step\":"...)
			b = strconv.AppendInt(b, int64(s.Step), 10)
		}
		b = append(b, "}}\n"...)
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// Read parses a trace-event file in the object form Write produces.
func Read(r io.Reader) (*File, error) {
	var f File
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	return &f, nil
}

// StepSpan is one span of a step as the chart draws it: microseconds from
// the start of the epoch's first step on any rank.
type StepSpan struct {
	Rank       int
	Kind       Kind
	Start, End float64
}

// EpochSpans returns, from a file Write produced, the spans inside the
// steps of epoch (1-based; the step spans themselves and the epoch's
// evaluation included), times in milliseconds from the epoch's first
// step, and the number of ranks (processes) in the file.
func EpochSpans(f *File, epoch int) (spans []StepSpan, ranks int, err error) {
	origin := math.Inf(1)
	for _, e := range f.TraceEvents {
		if e.Ph == "M" && e.Name == "process_name" {
			ranks = max(ranks, e.Pid+1)
		}
		if e.Ph == "X" && e.Name == "step" && argInt(e.Args, "epoch") == epoch {
			origin = min(origin, e.Ts)
		}
	}
	if math.IsInf(origin, 1) {
		return nil, ranks, fmt.Errorf("trace: no step of epoch %d in the file", epoch)
	}
	for _, e := range f.TraceEvents {
		k, ok := KindOf(e.Name)
		if e.Ph != "X" || !ok || k == Epoch || k == Checkpoint || argInt(e.Args, "epoch") != epoch {
			continue
		}
		spans = append(spans, StepSpan{Rank: e.Pid, Kind: k, Start: (e.Ts - origin) / 1e3, End: (e.Ts + e.Dur - origin) / 1e3})
	}
	slices.SortStableFunc(spans, func(a, b StepSpan) int {
		if a.Rank != b.Rank {
			return a.Rank - b.Rank
		}
		switch {
		case a.Start < b.Start:
			return -1
		case a.Start > b.Start:
			return 1
		}
		return 0
	})
	return spans, ranks, nil
}

// argInt reads an integer argument of an event (JSON numbers decode as
// float64); -1 when absent.
func argInt(args map[string]any, key string) int {
	if v, ok := args[key].(float64); ok {
		return int(v)
	}
	return -1
}
