// Per-rank sampling: one permutation per epoch, global batches, contiguous rank shards.

package data

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// Permutation returns a permutation of 0..n-1 that depends only on
// (seed, epoch): every rank computes the same one, so the number of ranks
// never changes which samples form a global batch.
//
// The algorithm is fixed, so another language can reproduce it: a
// math/rand/v2 PCG (128-bit LCG, DXSM output) seeded with
// (seed, uint64(epoch)); p = 0..n-1; for i from n-1 down to 1, draw
// j uniform in [0, i] from the PCG's Uint64 by Lemire's multiply-and-reject
// method (hi of x*(i+1), redrawing while lo < 2^64 mod (i+1)), then swap
// p[i] and p[j] (Fisher-Yates). It panics if n <= 0.
func Permutation(n int, seed uint64, epoch int) []int {
	if n <= 0 {
		panic(fmt.Sprintf("data: Permutation of n=%d, want n > 0", n))
	}
	p := make([]int, n)
	PermutationInto(p, seed, epoch)
	return p
}

// PermutationInto is Permutation writing into p (n = len(p)); it does not
// allocate. It panics if p is empty.
func PermutationInto(p []int, seed uint64, epoch int) {
	if len(p) == 0 {
		panic("data: PermutationInto of an empty slice")
	}
	for i := range p {
		p[i] = i
	}
	src := rand.NewPCG(seed, uint64(epoch))
	for i := len(p) - 1; i > 0; i-- {
		j := uniform(src, uint64(i)+1)
		p[i], p[j] = p[j], p[i]
	}
}

// uniform returns a uniform value in [0, n) from src (Lemire 2019).
func uniform(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// Steps returns the number of global batches in an epoch of n samples:
// ceil(n/batch). It panics if n <= 0 or batch <= 0.
func Steps(n, batch int) int {
	if n <= 0 || batch <= 0 {
		panic(fmt.Sprintf("data: Steps(n=%d, batch=%d), want both > 0", n, batch))
	}
	return (n + batch - 1) / batch
}

// Shards returns rank's share of every global batch of one epoch: the
// permutation of 0..n-1 for (seed, epoch) is cut into global batches of
// batch samples (the last one shorter if batch does not divide n), and
// each batch into size contiguous shards whose lengths differ by at most
// one, the first len%size shards taking the extra sample. Shard r of a
// batch of length L starts at r*(L/size) + min(r, L%size).
//
// The result has Steps(n, batch) entries on every rank; concatenating the
// ranks' shards of a step in rank order gives that step's global batch.
// A shard is empty when the batch is shorter than size: the rank then has
// nothing to compute but must still join the step's collectives.
// MinShardSize tells in advance whether that happens. All shards are
// sub-slices of one permutation. Shards panics if n, batch or size is not
// positive or rank is not in [0, size).
func Shards(n, batch int, seed uint64, epoch, rank, size int) [][]int {
	checkShardArgs(n, batch, rank, size)
	return ShardsInto(make([][]int, 0, Steps(n, batch)), make([]int, n), batch, seed, epoch, rank, size)
}

// ShardsInto is Shards reusing buffers: it fills perm (n = len(perm))
// with the permutation and returns dst[:0] with the shards appended, so
// it allocates nothing once dst has capacity Steps(n, batch).
func ShardsInto(dst [][]int, perm []int, batch int, seed uint64, epoch, rank, size int) [][]int {
	checkShardArgs(len(perm), batch, rank, size)
	PermutationInto(perm, seed, epoch)
	dst = dst[:0]
	for step := range Steps(len(perm), batch) {
		dst = append(dst, Shard(perm, batch, step, rank, size))
	}
	return dst
}

// Shard returns rank's shard of global batch step of perm, as Shards cuts
// it, without allocating. It panics on arguments out of range.
func Shard(perm []int, batch, step, rank, size int) []int {
	checkShardArgs(len(perm), batch, rank, size)
	if step < 0 || step >= Steps(len(perm), batch) {
		panic(fmt.Sprintf("data: step %d out of range [0, %d)", step, Steps(len(perm), batch)))
	}
	b := perm[step*batch : min((step+1)*batch, len(perm))]
	lo, hi := shardBounds(len(b), rank, size)
	return b[lo:hi:hi]
}

// shardBounds returns the bounds of shard rank of a batch of length l.
func shardBounds(l, rank, size int) (lo, hi int) {
	base, extra := l/size, l%size
	lo = rank*base + min(rank, extra)
	hi = lo + base
	if rank < extra {
		hi++
	}
	return lo, hi
}

// MinShardSize returns the smallest shard any rank gets in an epoch of n
// samples with global batch batch over size ranks. Zero means some rank
// has an empty shard in some step (batch < size, or a short last batch);
// callers should say so rather than let ranks idle silently.
func MinShardSize(n, batch, size int) int {
	checkShardArgs(n, batch, 0, size)
	last := n - (Steps(n, batch)-1)*batch
	return last / size
}

func checkShardArgs(n, batch, rank, size int) {
	switch {
	case n <= 0:
		panic(fmt.Sprintf("data: shard of n=%d samples, want n > 0", n))
	case batch <= 0:
		panic(fmt.Sprintf("data: batch %d, want > 0", batch))
	case size <= 0:
		panic(fmt.Sprintf("data: size %d ranks, want > 0", size))
	case rank < 0 || rank >= size:
		panic(fmt.Sprintf("data: rank %d out of range [0, %d)", rank, size))
	}
}
