// Lemire's multiply-and-reject draw, checked against the method worked in
// big integers: hi and lo of x*n, redrawing while lo < 2^64 mod n.
package data

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// uniformBig is uniform's specification: x*n as a 128-bit product, the
// draw rejected while its low half is below 2^64 mod n.
func uniformBig(src *rand.PCG, n uint64) (v uint64, draws int) {
	two64 := new(big.Int).Lsh(big.NewInt(1), 64)
	bn := new(big.Int).SetUint64(n)
	thresh := new(big.Int).Mod(two64, bn)
	for {
		draws++
		prod := new(big.Int).Mul(new(big.Int).SetUint64(src.Uint64()), bn)
		lo := new(big.Int).Mod(prod, two64)
		if lo.Cmp(thresh) >= 0 {
			return new(big.Int).Rsh(prod, 64).Uint64(), draws
		}
	}
}

// With n just above 2^63, 2^64 mod n is 2^63 - 1 and about half the draws
// are rejected: the redrawing loop runs, which small n (a rejection chance
// of n/2^64) never reach.
func TestUniformRejects(t *testing.T) {
	rejected := 0
	for _, n := range []uint64{1<<63 + 1, 1<<63 + 12345, 3 << 62, 5} {
		a, b := rand.NewPCG(7, 11), rand.NewPCG(7, 11)
		for i := 0; i < 200; i++ {
			want, draws := uniformBig(b, n)
			if got := uniform(a, n); got != want {
				t.Fatalf("n %d, draw %d: %d, want %d", n, i, got, want)
			}
			if *a != *b {
				t.Fatalf("n %d, draw %d: uniform used another number of draws than %d", n, i, draws)
			}
			rejected += draws - 1
		}
	}
	if rejected < 100 {
		t.Errorf("%d rejections in 800 draws: the test did not exercise the loop", rejected)
	}
}
