// Examples of the one-rank world.

package collective_test

import (
	"errors"
	"fmt"

	"mpitrain/collective"
)

func ExampleNewSelf() {
	comm := collective.NewSelf()
	// A mean over ranks is a sum followed by a scale.
	grad := []float64{2, 4, 6}
	if err := comm.Allreduce64(grad, collective.Sum); err != nil {
		fmt.Println(err)
		return
	}
	for i := range grad {
		grad[i] /= float64(comm.Size())
	}
	fmt.Println("rank", comm.Rank(), "of", comm.Size(), "mean gradient", grad)
	// Output: rank 0 of 1 mean gradient [2 4 6]
}

func ExampleNewSelf_allgather() {
	comm := collective.NewSelf()
	loss := []float64{0.25}
	all := make([]float64, comm.Size()*len(loss))
	if err := comm.Allgather64(loss, all); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(all)
	// Output: [0.25]
}

func ExampleNewSelf_errors() {
	comm := collective.NewSelf()
	err := comm.Bcast64([]float64{1}, 1)
	fmt.Println(err)
	fmt.Println(errors.Is(err, collective.ErrRoot))
	fmt.Println(comm.Allreduce32(nil, collective.Sum))
	// Output:
	// collective: Bcast64: root out of range: 1 not in [0, 1)
	// true
	// collective: Allreduce32: empty buffer
}
