// Package mpirun finds Open MPI's mpirun and builds command lines that work
// on this kind of machine: as root (--allow-run-as-root, added only when the
// effective user is root) and with more ranks than cores (--oversubscribe,
// added only when np exceeds runtime.NumCPU()). Binding is left at mpirun's
// default. It uses no cgo, so tests of any package can start multi-rank
// children with it:
//
//	path := mpirun.Require(t) // skips, or fails under CI, without mpirun
//	cmd, err := mpirun.Command(ctx, 2, os.Args[0], "-test.run=^TestX$")
package mpirun
