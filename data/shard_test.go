// Tests of Permutation and Shards: uneven cuts, rank-count invariance, misuse.

package data

import (
	"slices"
	"strings"
	"testing"
)

func TestPermutationIsDeterministicPermutation(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 1000} {
		for epoch := range 3 {
			p := Permutation(n, 42, epoch)
			if len(p) != n {
				t.Fatalf("n=%d epoch=%d: %d values", n, epoch, len(p))
			}
			sorted := slices.Sorted(slices.Values(p))
			for i, v := range sorted {
				if v != i {
					t.Fatalf("n=%d epoch=%d: not a permutation: %v", n, epoch, p)
				}
			}
			if !slices.Equal(p, Permutation(n, 42, epoch)) {
				t.Fatalf("n=%d epoch=%d: not deterministic", n, epoch)
			}
		}
	}
	if slices.Equal(Permutation(100, 42, 0), Permutation(100, 42, 1)) {
		t.Error("epochs 0 and 1 give the same permutation")
	}
	if slices.Equal(Permutation(100, 42, 0), Permutation(100, 43, 0)) {
		t.Error("seeds 42 and 43 give the same permutation")
	}
}

// TestPermutationGolden pins the algorithm: a change here changes every
// training run's batches. The expected values were also produced by a
// separate Python port of the algorithm as Permutation documents it.
func TestPermutationGolden(t *testing.T) {
	got := Permutation(10, 1, 0)
	want := []int{7, 6, 1, 3, 2, 4, 8, 9, 0, 5}
	if !slices.Equal(got, want) {
		t.Errorf("Permutation(10, 1, 0) = %#v, want %#v", got, want)
	}
}

func TestShardCuts(t *testing.T) {
	identity := func(n int) []int {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		return p
	}
	tests := []struct {
		name        string
		n, batch    int
		size        int
		want        [][][]int // [step][rank] -> indices of the identity permutation
		minShardLen int
	}{
		{name: "even", n: 8, batch: 4, size: 2,
			want:        [][][]int{{{0, 1}, {2, 3}}, {{4, 5}, {6, 7}}},
			minShardLen: 2},
		{name: "batch not divisible by size", n: 10, batch: 5, size: 3,
			want:        [][][]int{{{0, 1}, {2, 3}, {4}}, {{5, 6}, {7, 8}, {9}}},
			minShardLen: 1},
		{name: "n not divisible by batch", n: 10, batch: 4, size: 2,
			want:        [][][]int{{{0, 1}, {2, 3}}, {{4, 5}, {6, 7}}, {{8}, {9}}},
			minShardLen: 1},
		{name: "short last batch leaves a rank empty", n: 9, batch: 4, size: 2,
			want:        [][][]int{{{0, 1}, {2, 3}}, {{4, 5}, {6, 7}}, {{8}, {}}},
			minShardLen: 0},
		{name: "batch smaller than size", n: 4, batch: 2, size: 3,
			want:        [][][]int{{{0}, {1}, {}}, {{2}, {3}, {}}},
			minShardLen: 0},
		{name: "one rank", n: 5, batch: 2, size: 1,
			want:        [][][]int{{{0, 1}}, {{2, 3}}, {{4}}},
			minShardLen: 1},
		{name: "batch larger than n", n: 3, batch: 100, size: 2,
			want:        [][][]int{{{0, 1}, {2}}},
			minShardLen: 1},
		{name: "seven over four", n: 7, batch: 7, size: 4,
			want:        [][][]int{{{0, 1}, {2, 3}, {4, 5}, {6}}},
			minShardLen: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			perm := identity(tt.n)
			if got := Steps(tt.n, tt.batch); got != len(tt.want) {
				t.Fatalf("Steps = %d, want %d", got, len(tt.want))
			}
			for step, ranks := range tt.want {
				for rank, want := range ranks {
					got := Shard(perm, tt.batch, step, rank, tt.size)
					if !slices.Equal(got, want) {
						t.Errorf("step %d rank %d: %v, want %v", step, rank, got, want)
					}
				}
			}
			if got := MinShardSize(tt.n, tt.batch, tt.size); got != tt.minShardLen {
				t.Errorf("MinShardSize = %d, want %d", got, tt.minShardLen)
			}
		})
	}
}

// TestShardsRankInvariance checks for np 1..8 that every rank takes the
// same number of steps and that the ranks' shards of each step, in rank
// order, are exactly that step's slice of the epoch's permutation.
func TestShardsRankInvariance(t *testing.T) {
	const seed = 7
	for _, n := range []int{1, 5, 17, 64, 101} {
		for _, batch := range []int{1, 3, 8, 16, 200} {
			for size := 1; size <= 8; size++ {
				for epoch := range 2 {
					perm := Permutation(n, seed, epoch)
					var union []int
					steps := -1
					all := make([][][]int, size)
					for rank := range size {
						all[rank] = Shards(n, batch, seed, epoch, rank, size)
						if steps >= 0 && len(all[rank]) != steps {
							t.Fatalf("n=%d batch=%d size=%d: rank %d has %d steps, rank 0 %d", n, batch, size, rank, len(all[rank]), steps)
						}
						steps = len(all[rank])
					}
					if steps != Steps(n, batch) {
						t.Fatalf("n=%d batch=%d: %d steps, want %d", n, batch, steps, Steps(n, batch))
					}
					for step := range steps {
						var global []int
						for rank := range size {
							global = append(global, all[rank][step]...)
						}
						lo := step * batch
						if want := perm[lo:min(lo+batch, n)]; !slices.Equal(global, want) {
							t.Fatalf("n=%d batch=%d size=%d step %d: ranks give %v, want %v", n, batch, size, step, global, want)
						}
						// Near-equal: shard lengths differ by at most one, longer first.
						for rank := 1; rank < size; rank++ {
							if a, b := len(all[rank-1][step]), len(all[rank][step]); a < b || a-b > 1 {
								t.Fatalf("n=%d batch=%d size=%d step %d: shard lengths %d then %d", n, batch, size, step, a, b)
							}
						}
						union = append(union, global...)
					}
					if !slices.Equal(union, perm) {
						t.Fatalf("n=%d batch=%d size=%d: union over ranks is not the permutation", n, batch, size)
					}
				}
			}
		}
	}
}

func TestShardsIntoAllocatesNothing(t *testing.T) {
	n, batch := 5045, 64
	perm := make([]int, n)
	dst := make([][]int, 0, Steps(n, batch))
	epoch := 0
	allocs := testing.AllocsPerRun(10, func() {
		dst = ShardsInto(dst, perm, batch, 1, epoch, 1, 4)
		epoch++
	})
	if allocs != 0 {
		t.Errorf("ShardsInto allocates %v times per call", allocs)
	}
	if want := Shards(n, batch, 1, epoch-1, 1, 4); !slices.EqualFunc(dst, want, slices.Equal) {
		t.Error("ShardsInto differs from Shards")
	}
}

func TestShardsMisuse(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string // in the panic's message, which names the bad argument
	}{
		{"n zero", func() { Shards(0, 4, 1, 0, 0, 1) }, "data: shard of n=0 samples, want n > 0"},
		{"n negative", func() { Shards(-1, 4, 1, 0, 0, 1) }, "data: shard of n=-1 samples"},
		{"batch zero", func() { Shards(10, 0, 1, 0, 0, 1) }, "data: batch 0, want > 0"},
		{"size zero", func() { Shards(10, 4, 1, 0, 0, 0) }, "data: size 0 ranks, want > 0"},
		{"rank negative", func() { Shards(10, 4, 1, 0, -1, 2) }, "data: rank -1 out of range [0, 2)"},
		{"rank too big", func() { Shards(10, 4, 1, 0, 2, 2) }, "data: rank 2 out of range [0, 2)"},
		{"min shard of nothing", func() { MinShardSize(0, 4, 1) }, "data: shard of n=0 samples"},
		{"permutation of nothing", func() { Permutation(0, 1, 0) }, "data: Permutation of n=0, want n > 0"},
		{"permutation of a negative n", func() { Permutation(-1, 1, 0) }, "data: Permutation of n=-1, want n > 0"},
		{"empty buffer", func() { PermutationInto(nil, 1, 0) }, "data: PermutationInto of an empty slice"},
		{"step out of range", func() { Shard(make([]int, 10), 4, 3, 0, 1) }, "data: step 3 out of range [0, 3)"},
		{"negative step", func() { Shard(make([]int, 10), 4, -1, 0, 1) }, "data: step -1 out of range [0, 3)"},
		{"steps of nothing", func() { Steps(0, 1) }, "data: Steps(n=0, batch=1), want both > 0"},
		{"steps of batch zero", func() { Steps(1, 0) }, "data: Steps(n=1, batch=0), want both > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, tt.want) {
					t.Errorf("panic %q, want one containing %q", msg, tt.want)
				}
			}()
			tt.f()
		})
	}
}

func BenchmarkPermutationInto(b *testing.B) {
	p := make([]int, 5045)
	for i := range b.N {
		PermutationInto(p, 1, i)
	}
}
