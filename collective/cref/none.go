//go:build !cgo || nompi || nocblas

package cref

import "mpitrain/collective"

// Loop is the C reference loop; this build has none.
type Loop struct {
	Update bool
}

// New returns ErrNoC: this build has no C reference loop.
func New(c collective.Comm, widths []int, rows, count int, shm bool) (*Loop, error) {
	return nil, ErrNoC
}

// Buffer is nil.
func (l *Loop) Buffer() []float32 { return nil }

// Run returns ErrNoC.
func (l *Loop) Run(each []float64) error { return ErrNoC }

// Free does nothing.
func (l *Loop) Free() {}
