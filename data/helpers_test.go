// Helpers shared by the package's tests.

package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// day returns midnight UTC of an ISO date; it panics on a bad one.
func day(s string) time.Time {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// series returns a Series of values on consecutive calendar days from 2020-01-01.
func series(values ...float64) *Series {
	s := &Series{Name: "test", Values: values}
	for i := range values {
		s.Dates = append(s.Dates, day("2020-01-01").AddDate(0, 0, i))
	}
	return s
}

// ramp returns a Series of n values 100, 101, 102, ...
func ramp(n int) *Series {
	v := make([]float64, n)
	for i := range v {
		v[i] = 100 + float64(i)
	}
	return series(v...)
}

// writeFile writes content to name in a fresh temporary folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr fails unless err is non-nil and its text contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// wantPanic fails unless f panics with a message starting "data: ".
func wantPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatal("no panic")
		}
		if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "data: ") {
			t.Errorf("panic %v, want a string starting \"data: \"", r)
		}
	}()
	f()
}

// onlyFiles lists the names in dir, to check that nothing is left behind.
func onlyFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
