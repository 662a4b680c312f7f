// Examples for the package documentation.

package data_test

import (
	"fmt"
	"log"

	"mpitrain/data"
)

// Each rank takes its contiguous shard of every global batch of one
// epoch's permutation; together the ranks cover the batch exactly.
func ExampleShards() {
	const n, batch, seed, epoch, size = 10, 4, 1, 0, 3
	fmt.Println("permutation:", data.Permutation(n, seed, epoch))
	for rank := range size {
		fmt.Printf("rank %d: %v\n", rank, data.Shards(n, batch, seed, epoch, rank, size))
	}
	// Output:
	// permutation: [7 6 1 3 2 4 8 9 0 5]
	// rank 0: [[7 6] [2 4] [0]]
	// rank 1: [[1] [8] [5]]
	// rank 2: [[3] [9] []]
}

func ExampleMinShardSize() {
	// 3,531 training windows, global batch 64: a short last batch of 11.
	fmt.Println(data.MinShardSize(3531, 64, 4), data.MinShardSize(3531, 64, 16))
	// Output: 2 0
}

func ExampleNormalizer() {
	n := data.Normalizer{Kind: data.ScaleMinMax, A: 1000, B: 2000}
	fmt.Println(n.Forward(1500, 0), n.Forward(2500, 0), n.Inverse(0.25, 0))

	w := data.Normalizer{Kind: data.ScaleWindow} // relative to the window's last close
	fmt.Printf("%.2f %.0f\n", w.Forward(2200, 2000), w.Inverse(-0.05, 2000))
	// Output:
	// 0.5 1.5 1250
	// 0.10 1900
}

// Fitting the scale on the whole series would let the test period set it.
// Prepare fits on the training windows only, so unseen highs map above 1.
func ExampleFitNormalizer() {
	s, err := data.LoadEmbedded("close")
	if err != nil {
		log.Fatal(err)
	}
	d, err := data.Prepare(s, data.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	leaky, _ := data.FitNormalizer(data.ScaleMinMax, s.Values) // wrong: sees the test period
	fmt.Printf("train-only: min %.2f max %.2f\n", d.Norm.A, d.Norm.B)
	fmt.Printf("all data:   min %.2f max %.2f\n", leaky.A, leaky.B)
	last := d.Test.Target[d.Test.N-1]
	fmt.Printf("last test close %.2f -> %.3f train-only, %.3f all data\n",
		last, d.Norm.Forward(last, 0), leaky.Forward(last, 0))
	// Output:
	// train-only: min 676.53 max 1890.90
	// all data:   min 676.53 max 3386.15
	// last test close 2874.56 -> 1.810 train-only, 0.811 all data
}

func ExamplePrepare() {
	s, err := data.LoadEmbedded("close")
	if err != nil {
		log.Fatal(err)
	}
	d, err := data.Prepare(s, data.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Train.N, d.Val.N, d.Test.N, len(d.Train.X)/d.Train.N)
	fmt.Println(d.Val.Dates[0].Format("2006-01-02"), d.Test.Dates[0].Format("2006-01-02"))
	// Output:
	// 3531 756 758 60
	// 2014-04-14 2017-04-13
}
