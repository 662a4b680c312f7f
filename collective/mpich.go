// Link MPICH instead of Open MPI (build tag mpich).

//go:build mpich && !nompi

package collective

// #cgo pkg-config: mpich
import "C"
