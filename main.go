// Command trainer trains an MLP regressor on windowed S&P 500 closes,
// data-parallel over MPI ranks: one process per rank, gradients averaged
// with MPI_Allreduce, rank 0 evaluating and writing the artifacts.
//
//	mpirun -np 4 ./trainer                 train on the embedded data
//	./trainer data prepare --out x.npz     windows, splits and scaler to NPZ
//	./trainer predict --model RUN/model.json
//	./trainer -h                           every flag
//
// Exit codes: 0 success, 1 runtime failure, 2 bad usage.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError marks an error caused by the command line; it exits with 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

func main() {
	defer onPanic(os.Stderr)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and maps its error to an exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "train"
	if len(args) > 0 {
		switch args[0] {
		case "data", "predict", "plot", "version":
			cmd, args = args[0], args[1:]
		case "bench":
			return exitCode(benchMain(args[1:], stdout, stderr), stderr)
		case "sweep":
			return sweepMain(args[1:], stdout, stderr)
		case "help":
			cmd, args = "train", []string{"-h"}
		}
	}
	var err error
	switch cmd {
	case "train":
		return trainMain(args, stdout, stderr)
	case "data":
		err = dataMain(args, stdout, stderr)
	case "predict":
		err = predictMain(args, stdout, stderr)
	case "plot":
		err = plotMain(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionString())
	}
	return exitCode(err, stderr)
}

// exitCode prints err (if any) as one line and returns the exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "trainer: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFail
}
