// Examples of building mpirun command lines.

package mpirun_test

import (
	"fmt"

	"mpitrain/collective/mpirun"
)

func ExampleArgs() {
	a := mpirun.Args(2)
	// a[2:] holds --oversubscribe on a one-core machine and
	// --allow-run-as-root when run as root.
	fmt.Println(a[0], a[1])
	// Output: -np 2
}
