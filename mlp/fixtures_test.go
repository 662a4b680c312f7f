// Test fixtures: synthetic data, a shard function and an in-process world of
// several ranks.
package mlp

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// synth returns n samples of in inputs and out targets from a fixed smooth
// function of the inputs, drawn from seed. With flip the targets are negated.
func synth[T Float](n, in, out int, seed uint64, flip bool) Split[T] {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := Split[T]{X: make([]T, n*in), Y: make([]T, n*out), N: n}
	for r := 0; r < n; r++ {
		acc := 0.0
		for i := 0; i < in; i++ {
			v := 2*rng.Float64() - 1
			s.X[r*in+i] = T(v)
			acc += v * float64(i%3-1)
		}
		for j := 0; j < out; j++ {
			y := math.Sin(acc+float64(j)) * 0.5
			if flip {
				y = -y
			}
			s.Y[r*out+j] = T(y)
		}
	}
	return s
}

// testShards mimics the project's sharding: one permutation of 0..n-1 from
// (seed, epoch), cut into global batches of batch, each cut into size
// near-equal contiguous shards; it returns rank's shard of every step.
func testShards(n, batch int, seed uint64, rank, size int) func(int) [][]int {
	return func(epoch int) [][]int {
		perm := rand.New(rand.NewPCG(seed, uint64(epoch))).Perm(n)
		var steps [][]int
		for lo := 0; lo < n; lo += batch {
			b := perm[lo:min(lo+batch, n)]
			steps = append(steps, b[rank*len(b)/size:(rank+1)*len(b)/size])
		}
		return steps
	}
}

// world is an in-process group of ranks that meet at a barrier. Collectives
// copy every rank's buffer into a slot, wait, then each rank computes the
// result from the slots (sums in rank order, so every rank gets the same
// bits), and wait again before the slots are reused.
type world struct {
	size  int
	mu    sync.Mutex
	cond  *sync.Cond
	count int
	gen   int
	s32   [][]float32
	s64   [][]float64
	bad   []int     // shardReducer's shared bad index per rank
	val   []float64 // and its value
	start time.Time
}

func newWorld(size int) *world {
	w := &world{size: size, s32: make([][]float32, size), s64: make([][]float64, size),
		bad: make([]int, size), val: make([]float64, size), start: time.Now()}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *world) barrier() {
	w.mu.Lock()
	g := w.gen
	w.count++
	if w.count == w.size {
		w.count, w.gen = 0, w.gen+1
		w.cond.Broadcast()
	} else {
		for g == w.gen {
			w.cond.Wait()
		}
	}
	w.mu.Unlock()
}

// rankReducer is one rank's view of a world.
type rankReducer struct {
	w    *world
	rank int
}

func (r rankReducer) Rank() int      { return r.rank }
func (r rankReducer) Size() int      { return r.w.size }
func (r rankReducer) Wtime() float64 { return time.Since(r.w.start).Seconds() }

func (r rankReducer) SumFloat32(buf []float32) error {
	r.w.s32[r.rank] = append([]float32(nil), buf...)
	r.w.barrier()
	for i := range buf {
		s := r.w.s32[0][i]
		for k := 1; k < r.w.size; k++ {
			s += r.w.s32[k][i]
		}
		buf[i] = s
	}
	r.w.barrier()
	return nil
}

func (r rankReducer) SumFloat64(buf []float64) error {
	r.w.s64[r.rank] = append([]float64(nil), buf...)
	r.w.barrier()
	for i := range buf {
		s := r.w.s64[0][i]
		for k := 1; k < r.w.size; k++ {
			s += r.w.s64[k][i]
		}
		buf[i] = s
	}
	r.w.barrier()
	return nil
}

func (r rankReducer) BcastFloat32(buf []float32, root int) error {
	if r.rank == root {
		r.w.s32[root] = append([]float32(nil), buf...)
	}
	r.w.barrier()
	copy(buf, r.w.s32[root])
	r.w.barrier()
	return nil
}

func (r rankReducer) BcastFloat64(buf []float64, root int) error {
	if r.rank == root {
		r.w.s64[root] = append([]float64(nil), buf...)
	}
	r.w.barrier()
	copy(buf, r.w.s64[root])
	r.w.barrier()
	return nil
}

func (r rankReducer) AllgatherFloat64(send, recv []float64) error {
	r.w.s64[r.rank] = append([]float64(nil), send...)
	r.w.barrier()
	for k := 0; k < r.w.size; k++ {
		copy(recv[k*len(send):], r.w.s64[k])
	}
	r.w.barrier()
	return nil
}

// shardReducer is rankReducer with ShardReducer's two halves. The reduce
// sums like SumFloat32 (rank order from rank 0, so a sharded run gives the
// bits of a whole one) and keeps this rank's slice and the tail; the share
// copies every rank's slice and the lowest bad index. off makes the reduce
// refuse (ok false), as a world whose window cannot be used does.
type shardReducer struct {
	rankReducer
	off    bool
	shards *atomic.Int64 // reduces that split the sum, all ranks together
}

func (r shardReducer) ReduceShardFloat32(buf []float32, tail int) (int, int, bool, error) {
	return reduceHalf(r, buf, tail, r.SumFloat32)
}
func (r shardReducer) ReduceShardFloat64(buf []float64, tail int) (int, int, bool, error) {
	return reduceHalf(r, buf, tail, r.SumFloat64)
}
func (r shardReducer) ShareShardFloat32(buf []float32, bad int, val float64) (int, float64, error) {
	return shareHalf(r, buf, r.w.s32, bad, val)
}
func (r shardReducer) ShareShardFloat64(buf []float64, bad int, val float64) (int, float64, error) {
	return shareHalf(r, buf, r.w.s64, bad, val)
}

func (r shardReducer) slice(m int) (int, int) {
	return m * r.rank / r.w.size, m * (r.rank + 1) / r.w.size
}

func reduceHalf[T Float](r shardReducer, buf []T, tail int, sum func([]T) error) (int, int, bool, error) {
	if r.off {
		return 0, 0, false, nil
	}
	all := append([]T(nil), buf...)
	if err := sum(all); err != nil {
		return 0, 0, false, err
	}
	r.shards.Add(1)
	m := len(buf) - tail
	lo, hi := r.slice(m)
	copy(buf[lo:hi], all[lo:hi])
	copy(buf[m:], all[m:])
	return lo, hi, true, nil
}

func shareHalf[T Float](r shardReducer, buf []T, slots [][]T, bad int, val float64) (int, float64, error) {
	lo, hi := r.slice(len(buf))
	slots[r.rank] = append([]T(nil), buf[lo:hi]...)
	r.w.bad[r.rank], r.w.val[r.rank] = bad, val
	r.w.barrier()
	low, lowVal := -1, 0.0
	for q := range r.w.size {
		qlo := len(buf) * q / r.w.size
		copy(buf[qlo:], slots[q])
		if b := r.w.bad[q]; b >= 0 && (low < 0 || b < low) {
			low, lowVal = b, r.w.val[q]
		}
	}
	r.w.barrier()
	return low, lowVal, nil
}

// runRanks calls f for every rank of a new world of size ranks concurrently
// and waits for all.
func runRanks(size int, f func(r Reducer)) {
	w := newWorld(size)
	var wg sync.WaitGroup
	for k := 0; k < size; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(rankReducer{w: w, rank: k})
		}()
	}
	wg.Wait()
}
