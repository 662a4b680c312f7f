// Tests of the file handling: formats, atomic writes, no file on failure.

package plotting

import (
	"bytes"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg/draw"
)

// failingWriter writes half of its content and then fails, like a full
// disk.
type failingWriter struct{ content []byte }

var errDiskFull = errors.New("disk full")

func (f failingWriter) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(f.content[:len(f.content)/2])
	if err != nil {
		return int64(n), err
	}
	return int64(n), errDiskFull
}

// dirNames returns the names of the entries of dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// onlyFile asserts that dir holds exactly the named file and returns its
// content.
func onlyFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	if names := dirNames(t, dir); len(names) != 1 || names[0] != name {
		t.Fatalf("directory holds %v, want only %s", names, name)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriteAtomicFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "loss.png")
	old := []byte("the previous chart")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeAtomic("loss", path, failingWriter{bytes.Repeat([]byte("x"), 1000)})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("got %v, want an error wrapping %v", err, errDiskFull)
	}
	if want := `plotting: loss: writing "` + path + `"`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if got := onlyFile(t, dir, "loss.png"); !bytes.Equal(got, old) {
		t.Errorf("the old file now holds %q", got)
	}
}

func TestFailedRenderLeavesNoFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		// run makes a failing call writing into dir and returns the
		// names dir must hold afterwards and the call's error.
		run  func(dir string) ([]string, error)
		want string // in the error
	}{
		{"write fails", func(dir string) ([]string, error) {
			return nil, writeAtomic("loss", filepath.Join(dir, "loss.png"), failingWriter{make([]byte, 100)})
		}, `plotting: loss: writing "`},
		{"drawing panics", func(dir string) ([]string, error) {
			return nil, render("loss", filepath.Join(dir, "loss.png"), figW, figH, func(draw.Canvas) { panic("boom") })
		}, "plotting: loss: drawing"},
		{"rename fails", func(dir string) ([]string, error) {
			// The destination is a non-empty directory: the chart renders,
			// the rename fails, and the temporary file must go.
			path := filepath.Join(dir, "loss.png")
			if err := os.MkdirAll(filepath.Join(path, "keep"), 0o755); err != nil {
				t.Fatal(err)
			}
			return []string{"loss.png"}, Loss(path, testHistory())
		}, "renaming the temporary file to"},
		{"missing directory", func(dir string) ([]string, error) {
			return nil, Loss(filepath.Join(dir, "nope", "loss.png"), testHistory())
		}, "creating a temporary file for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			want, err := tc.run(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one containing %q", err, tc.want)
			}
			if got := dirNames(t, dir); !slices.Equal(got, want) {
				t.Errorf("directory holds %v after the failure, want %v", got, want)
			}
		})
	}
}

func TestWriteReplacesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "loss.svg")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Loss(path, testHistory()); err != nil {
		t.Fatal(err)
	}
	got := onlyFile(t, dir, "loss.svg")
	if !bytes.HasPrefix(got, []byte("<?xml")) {
		t.Errorf("loss.svg starts %q, want an SVG document", got[:min(len(got), 20)])
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o644 {
		t.Errorf("loss.svg has mode %v, want 0644", perm)
	}
}

func TestRelativePath(t *testing.T) {
	// A bare file name writes to the working directory.
	t.Chdir(t.TempDir())
	if err := Loss("loss.png", testHistory()); err != nil {
		t.Fatal(err)
	}
	onlyFile(t, ".", "loss.png")
}

func TestPNGSize(t *testing.T) {
	// 8 x 5 inches at 96 DPI; the two-panel chart is 12 inches wide.
	for _, tc := range []struct {
		name   string
		drawTo func(string) error
		w, h   int
	}{
		{"loss.png", func(p string) error { return Loss(p, testHistory()) }, 768, 480},
		{"scaling.png", func(p string) error { return Scaling(p, testRows()) }, 1152, 480},
	} {
		path := filepath.Join(t.TempDir(), tc.name)
		if err := tc.drawTo(path); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Width != tc.w || cfg.Height != tc.h {
			t.Errorf("%s is %dx%d, want %dx%d", tc.name, cfg.Width, cfg.Height, tc.w, tc.h)
		}
	}
}
