// Tests of Dataset.Fingerprint: equal data, equal hash; any change, another hash.

package data

import (
	"path/filepath"
	"slices"
	"testing"
)

// clone deep-copies d.
func clone(d *Dataset) *Dataset {
	c := *d
	for _, sp := range []*Split{&c.Train, &c.Val, &c.Test} {
		sp.X = slices.Clone(sp.X)
		sp.Y = slices.Clone(sp.Y)
		sp.Last = slices.Clone(sp.Last)
		sp.Target = slices.Clone(sp.Target)
		sp.Dates = slices.Clone(sp.Dates)
	}
	return &c
}

func TestFingerprint(t *testing.T) {
	base := smallDataset(t)
	fp := base.Fingerprint()
	if len(fp) != 64 {
		t.Fatalf("fingerprint %q is not 64 hex digits", fp)
	}
	if again := smallDataset(t).Fingerprint(); again != fp {
		t.Error("the same data gives another fingerprint")
	}
	if c := clone(base); c.Fingerprint() != fp {
		t.Error("a copy gives another fingerprint")
	}
	renamed := clone(base)
	renamed.Source = "elsewhere.csv"
	if renamed.Fingerprint() != fp {
		t.Error("Source changes the fingerprint")
	}

	changes := []struct {
		name string
		f    func(d *Dataset)
	}{
		{"X", func(d *Dataset) { d.Train.X[0] += 1e-12 }},
		{"X sign of zero", func(d *Dataset) { d.Train.X[0] = -d.Train.X[0] }}, // X[0] is 0 under minmax
		{"Y", func(d *Dataset) { d.Test.Y[d.Test.N-1] *= 1.5 }},
		{"Last", func(d *Dataset) { d.Val.Last[2]++ }},
		{"Target", func(d *Dataset) { d.Val.Target[0]++ }},
		{"Dates", func(d *Dataset) { d.Test.Dates[0] = d.Test.Dates[0].AddDate(0, 0, 1) }},
		{"N", func(d *Dataset) { d.Test.N++ }},
		{"window", func(d *Dataset) { d.Opts.Window = 59 }},
		{"horizon", func(d *Dataset) { d.Opts.Horizon = 2 }},
		{"train share", func(d *Dataset) { d.Opts.Train = 0.71 }},
		{"val share", func(d *Dataset) { d.Opts.Val = 0.14 }},
		{"scale", func(d *Dataset) { d.Opts.Scale = ScaleZScore }},
		{"norm kind", func(d *Dataset) { d.Norm.Kind = ScaleZScore }},
		{"norm A", func(d *Dataset) { d.Norm.A++ }},
		{"norm B", func(d *Dataset) { d.Norm.B++ }},
		{"window moved from val to test", func(d *Dataset) {
			w := d.Opts.Window
			d.Test.X = append(slices.Clone(d.Val.X[(d.Val.N-1)*w:]), d.Test.X...)
			d.Val.X = d.Val.X[:(d.Val.N-1)*w]
			d.Val.N--
			d.Test.N++
		}},
	}
	seen := map[string]string{fp: "base"}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			d := clone(base)
			c.f(d)
			got := d.Fingerprint()
			if prev, ok := seen[got]; ok {
				t.Errorf("fingerprint equals that of %s", prev)
			}
			seen[got] = c.name
		})
	}
}

func TestFingerprintSurvivesNPZ(t *testing.T) {
	s, err := LoadEmbedded("close")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Prepare(s, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.npz")
	if err := WriteNPZ(path, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Fingerprint() != d.Fingerprint() {
		t.Error("fingerprint changed through WriteNPZ/ReadNPZ")
	}
}
