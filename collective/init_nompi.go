// Init for builds without MPI (tag nompi): the world is Self.

//go:build nompi

package collective

// Init returns NewSelf(): this build (tag nompi) links no MPI library, so
// every process is a world of one rank.
func Init() (Comm, error) { return NewSelf(), nil }
