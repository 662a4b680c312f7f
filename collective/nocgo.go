// A clear build error when MPI is wanted but cgo is off.

//go:build !cgo && !nompi

package collective

// The MPI world needs cgo. Build with CGO_ENABLED=1 and an MPI library, or
// with -tags nompi for a one-rank build without MPI.
var _ = collective_needs_cgo_for_MPI_or_the_nompi_build_tag
