// trace_test.go: --trace under mpirun at 1 to 4 ranks: the file loads as
// trace-event JSON, every rank has its track, and each step's spans nest
// inside it, back to back, without overlapping the next step.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"mpitrain/mlp/trace"
)

func TestTraceFileUnderMPI(t *testing.T) {
	const epochs = 2
	for _, np := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			out := t.TempDir()
			file := filepath.Join(out, "trace.json")
			mustTrain(t, np, out, "tr", "--epochs", fmt.Sprint(epochs), "--no_plots", "--trace", file)
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tf, err := trace.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			checkTrace(t, tf, np, epochs)
			png := filepath.Join(out, "steps.png")
			if r := runTrainer(t, 0, time.Minute, "plot", "trace", file, "--out", png); r.code != 0 {
				t.Fatalf("trainer plot trace: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if st, err := os.Stat(png); err != nil || st.Size() == 0 {
				t.Errorf("trainer plot trace wrote no chart: %v", err)
			}
		})
	}
}

// checkTrace checks every rank's track: named, with every step of every
// epoch, each step's phases inside it in order, steps apart.
func checkTrace(t *testing.T, f *trace.File, ranks, epochs int) {
	t.Helper()
	const eps = 0.0015 // us: the file's times have three decimals
	names := map[int]string{}
	byRank := map[int][]trace.JSONEvent{}
	for _, e := range f.TraceEvents {
		switch e.Ph {
		case "M":
			if e.Name == "process_name" {
				names[e.Pid], _ = e.Args["name"].(string)
			}
		case "X":
			if e.Dur < 0 || e.Ts < 0 {
				t.Errorf("rank %d: %s at %g for %g us", e.Pid, e.Name, e.Ts, e.Dur)
			}
			byRank[e.Pid] = append(byRank[e.Pid], e)
		default:
			t.Errorf("event of phase %q: want X or M", e.Ph)
		}
	}
	for r := range ranks {
		if names[r] != fmt.Sprintf("rank %d", r) {
			t.Errorf("process %d is named %q", r, names[r])
		}
		ev := byRank[r]
		var steps []trace.JSONEvent
		phases := map[[2]int][]trace.JSONEvent{}
		evals := 0
		for _, e := range ev {
			key := [2]int{argOf(e, "epoch"), argOf(e, "step")}
			switch e.Name {
			case "step":
				steps = append(steps, e)
			case "forward", "backward", "wait", "allreduce", "optimizer":
				phases[key] = append(phases[key], e)
			case "evaluation":
				evals++
			}
		}
		if len(steps) == 0 || evals != epochs {
			t.Fatalf("rank %d: %d steps and %d evaluations, want some and %d", r, len(steps), evals, epochs)
		}
		slices.SortFunc(steps, func(a, b trace.JSONEvent) int { return cmpF(a.Ts, b.Ts) })
		for i, s := range steps {
			if i > 0 && steps[i-1].Ts+steps[i-1].Dur > s.Ts+eps {
				t.Errorf("rank %d: step %d of epoch %d overlaps the one before", r, argOf(s, "step"), argOf(s, "epoch"))
			}
			ph := phases[[2]int{argOf(s, "epoch"), argOf(s, "step")}]
			slices.SortStableFunc(ph, func(a, b trace.JSONEvent) int { return cmpF(a.Ts, b.Ts) })
			var got []string
			at := s.Ts
			for _, p := range ph {
				got = append(got, p.Name)
				if p.Ts < at-eps || p.Ts+p.Dur > s.Ts+s.Dur+eps {
					t.Errorf("rank %d, epoch %d step %d: %s [%g, %g] not inside the step [%g, %g] after the phase before",
						r, argOf(s, "epoch"), argOf(s, "step"), p.Name, p.Ts, p.Ts+p.Dur, s.Ts, s.Ts+s.Dur)
				}
				at = p.Ts + p.Dur
			}
			want := []string{"forward", "backward", "allreduce", "optimizer"}
			if len(got) == 5 {
				want = []string{"forward", "backward", "wait", "allreduce", "optimizer"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("rank %d, epoch %d step %d: phases %v, want %v", r, argOf(s, "epoch"), argOf(s, "step"), got, want)
			}
		}
	}
	if len(byRank) != ranks {
		t.Errorf("%d tracks, want %d", len(byRank), ranks)
	}
}

func argOf(e trace.JSONEvent, key string) int {
	v, _ := e.Args[key].(float64)
	return int(v)
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
