// Package plotting draws the charts of a training run and of a scaling
// sweep: loss per epoch, predictions against actual closes, speedup and
// parallel efficiency against the number of MPI ranks, the per-step split
// into compute, Allreduce and wait, and a cost-model projection.
//
// Every function takes plain values (slices, ints, times) and writes one
// image. The package imports neither mlp nor collective nor data, so the
// trainer, the sweep scripts and `trainer plot` all draw from the same
// numbers they store in history.csv and summary.csv.
//
// # Files
//
// The format follows the path's extension: ".png" (96 DPI) or ".svg", in
// any letter case; any other extension is an error that names the path and
// wraps ErrFormat. Each image is rendered to a temporary file in the
// destination directory and renamed into place, so a reader never sees a
// half-written chart and a failed call leaves no file behind (an existing
// file at path is replaced only by a complete new one). Whether an existing
// output may be replaced at all is the caller's decision.
//
// # Errors
//
// Inputs are checked before anything is drawn. Mismatched lengths, empty
// series, NaN or infinite values, and values that a chart cannot show (a
// non-positive loss on the log axis, a scaling series without an np=1 run)
// return an error that wraps ErrInput and reads like
//
//	plotting: loss: train has 5 values, epoch has 4
//
// No function panics on bad data.
//
// # Determinism
//
// Charts use only the Liberation fonts embedded in gonum.org/v1/plot and
// no clock, so the same input gives the same bytes; the package tests
// compare against golden images in testdata (go test ./plotting -regen
// rewrites them).
package plotting
