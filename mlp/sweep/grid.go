// The grid: trainer flags and the values each takes.
package sweep

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// Axis is one swept flag and its values, as the user wrote them.
type Axis struct {
	Key    string
	Values []string
}

// Grid is the swept flags in the order given.
type Grid []Axis

// MaxRuns bounds the cross product a grid may describe.
const MaxRuns = 100_000

// maxRange bounds one a..b range.
const maxRange = 10_000

// ParseGrid reads a grid: whitespace-separated terms KEY=V1,V2,... where a
// value a..b (integers) stands for every integer from a to b. Lines starting
// with # are comments, so a grid file of one key per line reads the same.
// KEY may be written with or without leading dashes. Errors name the term.
func ParseGrid(text string) (Grid, error) {
	var g Grid
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for _, term := range strings.Fields(l) {
			k, vs, ok := strings.Cut(term, "=")
			k = strings.TrimLeft(k, "-")
			if !ok || k == "" || vs == "" {
				return nil, fmt.Errorf("grid line %d: %q: want KEY=V1,V2,... or KEY=A..B", line, term)
			}
			if seen[k] {
				return nil, fmt.Errorf("grid line %d: %s is swept twice", line, k)
			}
			seen[k] = true
			a := Axis{Key: k}
			for _, v := range strings.Split(vs, ",") {
				if v == "" {
					return nil, fmt.Errorf("grid line %d: %s: an empty value in %q", line, k, vs)
				}
				lo, hi, isRange := strings.Cut(v, "..")
				if !isRange {
					a.Values = append(a.Values, v)
					continue
				}
				from, err1 := strconv.Atoi(lo)
				to, err2 := strconv.Atoi(hi)
				if err1 != nil || err2 != nil || to < from || to-from >= maxRange {
					return nil, fmt.Errorf("grid line %d: %s: range %q: want A..B with integers A <= B, at most %d values", line, k, v, maxRange)
				}
				for i := from; i <= to; i++ {
					a.Values = append(a.Values, strconv.Itoa(i))
				}
			}
			for i, v := range a.Values {
				for _, w := range a.Values[:i] {
					if v == w {
						return nil, fmt.Errorf("grid line %d: %s: value %s given twice", line, k, v)
					}
				}
			}
			g = append(g, a)
		}
	}
	if len(g) == 0 {
		return nil, fmt.Errorf("grid: no KEY=VALUES term")
	}
	n := 1
	for _, a := range g {
		n *= len(a.Values)
		if n > MaxRuns {
			return nil, fmt.Errorf("grid: more than %d runs", MaxRuns)
		}
	}
	return g, nil
}

// Runs is the number of runs the grid describes.
func (g Grid) Runs() int {
	n := 1
	for _, a := range g {
		n *= len(a.Values)
	}
	return n
}

// String writes the grid back in ParseGrid's syntax, one key per line.
func (g Grid) String() string {
	var b strings.Builder
	for _, a := range g {
		fmt.Fprintf(&b, "%s=%s\n", a.Key, strings.Join(a.Values, ","))
	}
	return b.String()
}

// Has reports whether key is swept.
func (g Grid) Has(key string) bool {
	for _, a := range g {
		if a.Key == key {
			return true
		}
	}
	return false
}
