// Rendering a chart to a .png or .svg file, atomically.

package plotting

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure sizes. PNGs are rendered at vgimg.DefaultDPI (96), so a single
// chart is 768x480 pixels and a two-panel chart 1152x480.
const (
	figW     = 8 * vg.Inch
	figH     = 5 * vg.Inch
	wideFigW = 12 * vg.Inch
)

// imageFormat returns "png" or "svg" from path's extension, in any case.
func imageFormat(chart, path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("plotting: %s: %q: extension %q is not .png or .svg: %w",
			chart, path, filepath.Ext(path), ErrFormat)
	}
}

// render draws fn on a w x h canvas in the format of path's extension and
// writes the result to path with writeAtomic. A panic inside the drawing
// code (gonum/plot panics on, for instance, a non-positive value on a log
// axis) is returned as an error: inputs are validated before render is
// called, so such a panic is a bug here, but it must not kill a training
// run that has finished and only wants its charts.
func render(chart, path string, w, h vg.Length, fn func(draw.Canvas)) (err error) {
	format, err := imageFormat(chart, path)
	if err != nil {
		return err
	}
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	case "svg":
		c = vgsvg.New(w, h)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("plotting: %s: drawing %q: %v", chart, path, r)
			}
		}()
		fn(draw.New(c))
	}()
	if err != nil {
		return err
	}
	return writeAtomic(chart, path, c)
}

// writeAtomic writes wt to a temporary file in path's directory and renames
// it to path. On any error the temporary file is removed, so path is either
// untouched or holds the complete new content.
func writeAtomic(chart, path string, wt io.WriterTo) (err error) {
	fail := func(what string, e error) error {
		return fmt.Errorf("plotting: %s: %s %q: %w", chart, what, path, e)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fail("creating a temporary file for", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // already closed on the rename path; the error is moot
			os.Remove(tmp)
		}
	}()
	if _, err := wt.WriteTo(f); err != nil {
		return fail("writing", err)
	}
	// CreateTemp makes the file 0600; a chart is for everyone to read.
	if err := f.Chmod(0o644); err != nil {
		return fail("setting permissions of", err)
	}
	if err := f.Sync(); err != nil {
		return fail("syncing", err)
	}
	if err := f.Close(); err != nil {
		return fail("closing", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail("renaming the temporary file to", err)
	}
	return nil
}
