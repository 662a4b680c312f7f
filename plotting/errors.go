// Sentinel errors and the error type for rejected inputs.

package plotting

import (
	"errors"
	"fmt"
)

var (
	// ErrInput is wrapped by every error about the data passed to a chart
	// function: mismatched lengths, empty series, non-finite values.
	ErrInput = errors.New("plotting: invalid input")

	// ErrFormat is wrapped when a path's extension is neither .png nor .svg.
	ErrFormat = errors.New("plotting: unsupported image format")
)

// inputError is a rejected input to the chart named by chart.
type inputError struct {
	chart string // "loss", "predictions", ...
	msg   string
}

func (e *inputError) Error() string { return "plotting: " + e.chart + ": " + e.msg }

// Is reports whether target is ErrInput.
func (e *inputError) Is(target error) bool { return target == ErrInput }

// badInput returns an *inputError for chart with a formatted message.
func badInput(chart, format string, args ...any) error {
	return &inputError{chart: chart, msg: fmt.Sprintf(format, args...)}
}
