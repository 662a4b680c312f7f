// Child modes of the test binary, started under mpirun by mpi_test.go.

package collective

import (
	"fmt"
	"os"
	"time"
)

// Values of childEnv. childSuite runs the ordinary tests (TestMain goes on
// as usual); the others are handled by childMain.
const (
	childSuite = "suite"
	childAbort = "abort"
)

// childMain runs a child mode and returns the process's exit code. It never
// runs tests, so a child never starts mpirun again.
func childMain(mode string) int {
	comm, err := Init()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch mode {
	case childAbort:
		// Rank 1 dies after local work only; rank 0 waits in a Barrier that
		// rank 1 never enters. MPI_Abort must end rank 0 too.
		if comm.Size() != 2 {
			fmt.Fprintf(os.Stderr, "child %s: want 2 ranks, have %d\n", mode, comm.Size())
			return 2
		}
		if comm.Rank() == 1 {
			time.Sleep(200 * time.Millisecond)
			fmt.Println("rank 1: aborting with code 3")
			comm.Abort(3)
		}
		fmt.Println("rank 0: entering Barrier")
		err := comm.Barrier()
		fmt.Printf("rank 0: Barrier returned %v\n", err)
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown %s=%q\n", childEnv, mode)
	return 2
}
