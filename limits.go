// limits.go: the documented range of every size flag, checked on every rank
// before anything is allocated, and shown in trainer -h.
package main

import (
	"flag"
	"fmt"
	"strings"

	"mpitrain/mlp"
)

// sizeLimit is the accepted range of one integer flag.
type sizeLimit struct {
	flag     string
	min, max int
	applies  func(c Config) bool // nil: every model
	value    func(c Config) int
}

func forModel(m string) func(Config) bool { return func(c Config) bool { return c.kind() == m } }

// sizeLimits bound every size the command line sets. The maxima are far
// above any daily price history (a century of trading days is about
// 25,000) and any network this trainer is meant for; they exist so that a
// mistyped value is a usage error naming the flag, not a failed allocation
// on every rank. A model that still does not fit in memory is refused by
// the memory estimate (memory.go).
var sizeLimits = []sizeLimit{
	{flag: "window", min: 1, max: 10_000, value: func(c Config) int { return c.Window }},
	{flag: "horizon", min: 1, max: 1_000, value: func(c Config) int { return c.Horizon }},
	{flag: "hidden_dim", min: 1, max: 65_536, value: func(c Config) int { return c.HiddenDim },
		applies: func(c Config) bool { return c.Layers == "" }},
	{flag: "num_layers", min: 1, max: 256, value: func(c Config) int { return c.NumLayers },
		applies: func(c Config) bool { return c.Layers == "" }},
	{flag: "heads", min: 1, max: 1_024, value: func(c Config) int { return c.Heads }, applies: forModel(mlp.ModelTransformer)},
	{flag: "ff_dim", min: 1, max: 262_144, value: func(c Config) int { return c.FFDim }, applies: forModel(mlp.ModelTransformer)},
	{flag: "batch_size", min: 1, max: 1 << 40, value: func(c Config) int { return c.BatchSize }},
	{flag: "epochs", min: 1, max: 10_000_000, value: func(c Config) int { return c.Epochs }},
	{flag: "patience", min: 0, max: 10_000_000, value: func(c Config) int { return c.Patience }},
	{flag: "checkpoint_every", min: 0, max: 10_000_000, value: func(c Config) int { return c.CkptEvery }},
	{flag: "keep_checkpoints", min: 1, max: 10_000, value: func(c Config) int { return c.KeepCkpts }},
}

// Bounds of --layers, the mlp's explicit widths.
const (
	maxLayerWidth = 65_536
	maxLayers     = 256
)

// checkSizes returns a usage error naming the first size flag out of its
// range.
func (c Config) checkSizes() error {
	for _, l := range sizeLimits {
		if l.applies != nil && !l.applies(c) {
			continue
		}
		if v := l.value(c); v < l.min || v > l.max {
			return usagef("--%s %d: out of range %s", l.flag, v, l.rangeText())
		}
	}
	return nil
}

func (l sizeLimit) rangeText() string {
	return fmt.Sprintf("%s..%s", groupDigits(l.min), groupDigits(l.max))
}

// groupDigits writes n with thousands separators: 10000000 -> 10,000,000.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// documentRanges appends each size flag's range to its help text.
func documentRanges(fs *flag.FlagSet) {
	for _, l := range sizeLimits {
		if f := fs.Lookup(l.flag); f != nil {
			f.Usage += " [" + l.rangeText() + "]"
		}
	}
	if f := fs.Lookup("layers"); f != nil {
		f.Usage += fmt.Sprintf(" [up to %d widths of 1..%s]", maxLayers, groupDigits(maxLayerWidth))
	}
}
