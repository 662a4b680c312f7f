// The timeline chart: a golden image and its input checks.

package plotting

import (
	"errors"
	"math"
	"path/filepath"
	"testing"
)

// testTimeline is three steps on two ranks and the evaluation after them:
// rank 1 computes a little longer, so rank 0 waits in each Allreduce.
func testTimeline() []TimelineSpan {
	var s []TimelineSpan
	for r := range 2 {
		t := 0.0
		for step := range 3 {
			fwd, bwd := 0.08+0.01*float64(r), 0.12+0.015*float64(r)
			wait := 0.025 * float64(1-r)
			ar, opt := 0.03, 0.02
			start := t
			for _, ph := range []struct {
				name string
				d    float64
			}{{"forward", fwd}, {"backward", bwd}, {"wait", wait}, {"allreduce", ar}, {"optimizer", opt}} {
				if ph.d > 0 {
					s = append(s, TimelineSpan{Rank: r, Phase: ph.name, Start: t, End: t + ph.d})
				}
				t += ph.d
			}
			s = append(s, TimelineSpan{Rank: r, Phase: "step", Start: start, End: t})
			_ = step
		}
		s = append(s, TimelineSpan{Rank: r, Phase: "evaluation", Start: t, End: t + 0.15})
	}
	return s
}

func TestTimelineGolden(t *testing.T) {
	checkGolden(t, "timeline.png", func(path string) error {
		return Timeline(path, "Epoch 1: steps per rank", 2, testTimeline())
	})
}

func TestTimelineBadInput(t *testing.T) {
	good := testTimeline()
	for _, c := range []struct {
		name  string
		ranks int
		spans []TimelineSpan
	}{
		{"no spans", 2, nil},
		{"no ranks", 0, good},
		{"rank out of range", 1, good},
		{"NaN", 2, []TimelineSpan{{Phase: "forward", Start: math.NaN(), End: 1}}},
		{"end before start", 2, []TimelineSpan{{Phase: "forward", Start: 2, End: 1}}},
		{"unknown phase", 2, []TimelineSpan{{Phase: "lunch", Start: 0, End: 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Timeline(filepath.Join(t.TempDir(), "t.png"), "x", c.ranks, c.spans)
			if !errors.Is(err, ErrInput) {
				t.Fatalf("got %v, want an error wrapping ErrInput", err)
			}
		})
	}
}
