// The runs of a grid: their values, names and order.
package sweep

import (
	"cmp"
	"slices"
	"strings"
)

// SeedKey is the flag whose values repeat a configuration rather than
// define one.
const SeedKey = "seed"

// Run is one point of the grid.
type Run struct {
	Index  int      // position in the cross product, the first axis slowest
	Values []string // one value per axis of the grid, in the grid's order
	Name   string   // key=value pairs joined by "_": the run's folder name
	Config string   // the same without the seed: runs that differ only in seed share it
	Cost   float64  // expected cost, for the order (set by the caller)
}

// Args are the trainer flags that set the run's values.
func (r Run) Args(g Grid) []string {
	var args []string
	for i, a := range g {
		args = append(args, "--"+a.Key, r.Values[i])
	}
	return args
}

// Value is the run's value of key, or "" when key is not swept.
func (r Run) Value(g Grid, key string) string {
	for i, a := range g {
		if a.Key == key {
			return r.Values[i]
		}
	}
	return ""
}

// Plan lists the grid's runs in cross-product order.
func Plan(g Grid) []Run {
	n := g.Runs()
	runs := make([]Run, n)
	for i := range runs {
		r := Run{Index: i, Values: make([]string, len(g))}
		rest := i
		for a := len(g) - 1; a >= 0; a-- {
			k := len(g[a].Values)
			r.Values[a] = g[a].Values[rest%k]
			rest /= k
		}
		var name, conf []string
		for a, ax := range g {
			kv := ax.Key + "=" + safe(r.Values[a])
			name = append(name, kv)
			if ax.Key != SeedKey {
				conf = append(conf, kv)
			}
		}
		r.Name = strings.Join(name, "_")
		r.Config = strings.Join(conf, "_")
		if r.Config == "" {
			r.Config = "all"
		}
		runs[i] = r
	}
	return runs
}

// safe keeps a value usable in a folder name: path separators and spaces
// become "-".
func safe(v string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '/', '\\', ' ', '\t', 0:
			return '-'
		}
		return r
	}, v)
}

// LongestFirst orders runs by expected cost, the most expensive first
// (ties in grid order), so that the last runs handed out are short and
// groups finish together.
func LongestFirst(runs []Run) []Run {
	out := slices.Clone(runs)
	slices.SortStableFunc(out, func(a, b Run) int { return cmp.Compare(b.Cost, a.Cost) })
	return out
}
