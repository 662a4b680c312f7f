package mlp

import (
	"testing"
	"time"
)

// TestYieldSometimes: yieldSometimes yields (and notes when) only once
// yieldPeriod has passed since it last did, and never with a period of 0.
func TestYieldSometimes(t *testing.T) {
	period, last := yieldPeriod, yielded.Load()
	defer func() { yieldPeriod = period; yielded.Store(last) }()
	if period != 5*time.Millisecond {
		t.Errorf("the default yield period is %v, want the 5ms the README and trainer bench -h give", period)
	}
	now := func() int64 { return int64(time.Since(start)) }

	yieldPeriod = time.Hour
	t0 := now()
	yielded.Store(t0)
	yieldSometimes()
	if got := yielded.Load(); got != t0 {
		t.Errorf("yielded again %v after the last yield, with a period of an hour", time.Duration(got-t0))
	}
	t0 = now() - int64(2*time.Hour)
	yielded.Store(t0)
	yieldSometimes()
	if got := yielded.Load(); got <= t0+int64(time.Hour) || got > now() {
		t.Errorf("two periods after the last yield: last yield noted at %d, want now (%d)", got, now())
	}
	yieldPeriod = 0
	yielded.Store(t0)
	yieldSometimes()
	if got := yielded.Load(); got != t0 {
		t.Error("yielded with a period of 0")
	}
}
