// Direct calls in builds without MPI (tag nompi): there are no sums to make.

//go:build nompi

package collective

// SetDirectCalls does nothing in this build, which makes no MPI calls; it
// returns false.
func SetDirectCalls(on bool) bool { return false }

// DirectCalls reports false: this build makes no MPI calls.
func DirectCalls() bool { return false }
