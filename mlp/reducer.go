// The collective operations training needs, and the one-rank implementation.
package mlp

import (
	"fmt"
	"time"
)

// Reducer is what the training loop needs from the process group: every
// rank calls the same methods in the same order (SPMD). A small adapter over
// collective.Comm satisfies it; NewSelfReducer is the one-rank version.
type Reducer interface {
	Rank() int
	Size() int
	SumFloat32(buf []float32) error // in-place allreduce SUM
	SumFloat64(buf []float64) error
	BcastFloat32(buf []float32, root int) error
	BcastFloat64(buf []float64, root int) error
	AllgatherFloat64(send, recv []float64) error
	Wtime() float64
}

// ShardReducer is a Reducer that can split a sum in two halves, so that
// the training step updates 1/Size of the parameters on each rank
// (Trainer.Step): collective.ReduceShard32 and ShareShard32 over a shared
// window are the implementation.
type ShardReducer interface {
	Reducer
	// ReduceShardFloat32 sums buf over the ranks, but leaves only the last
	// tail values and this rank's slice [lo, hi) of the m = len(buf)-tail
	// before them summed, with lo = m*Rank/Size and hi = m*(Rank+1)/Size;
	// the rest of buf is left as it was. ok false: nothing was done, the
	// same on every rank; the caller then uses SumFloat32.
	ReduceShardFloat32(buf []float32, tail int) (lo, hi int, ok bool, err error)
	ReduceShardFloat64(buf []float64, tail int) (lo, hi int, ok bool, err error)
	// ShareShardFloat32 copies the other ranks' slices of buf (slices as
	// above, of m = len(buf)) into buf, and returns the lowest
	// non-negative bad over the ranks with its val (-1 if none).
	ShareShardFloat32(buf []float32, bad int, val float64) (int, float64, error)
	ShareShardFloat64(buf []float64, bad int, val float64) (int, float64, error)
}

// NewSelfReducer returns a Reducer for a world of one rank: sums and
// broadcasts leave buffers as they are, Allgather copies, Wtime counts
// seconds from the call to NewSelfReducer.
func NewSelfReducer() Reducer { return selfReducer{start: time.Now()} }

type selfReducer struct{ start time.Time }

func (selfReducer) Rank() int                                  { return 0 }
func (selfReducer) Size() int                                  { return 1 }
func (selfReducer) SumFloat32(buf []float32) error             { return nil }
func (selfReducer) SumFloat64(buf []float64) error             { return nil }
func (selfReducer) BcastFloat32(buf []float32, root int) error { return checkRoot(root) }
func (selfReducer) BcastFloat64(buf []float64, root int) error { return checkRoot(root) }
func (s selfReducer) Wtime() float64                           { return time.Since(s.start).Seconds() }

func (selfReducer) AllgatherFloat64(send, recv []float64) error {
	if len(recv) != len(send) {
		panic(fmt.Sprintf("mlp: Allgather of %d into %d, want len(recv) == size*len(send)", len(send), len(recv)))
	}
	copy(recv, send)
	return nil
}

func checkRoot(root int) error {
	if root != 0 {
		return fmt.Errorf("mlp: broadcast root %d in a world of one rank", root)
	}
	return nil
}

// sum is an in-place SUM allreduce of a []T on r.
func sum[T Float](r Reducer, buf []T) error {
	if is32[T]() {
		return r.SumFloat32(as32(buf))
	}
	return r.SumFloat64(as64(buf))
}

// bcast broadcasts a []T from root on r.
func bcast[T Float](r Reducer, buf []T, root int) error {
	if is32[T]() {
		return r.BcastFloat32(as32(buf), root)
	}
	return r.BcastFloat64(as64(buf), root)
}

// reduceShard is an in-place ReduceShard of a []T on r.
func reduceShard[T Float](r ShardReducer, buf []T, tail int) (lo, hi int, ok bool, err error) {
	if is32[T]() {
		return r.ReduceShardFloat32(as32(buf), tail)
	}
	return r.ReduceShardFloat64(as64(buf), tail)
}

// shareShard is ShareShard of a []T on r.
func shareShard[T Float](r ShardReducer, buf []T, bad int, val float64) (int, float64, error) {
	if is32[T]() {
		return r.ShareShardFloat32(as32(buf), bad, val)
	}
	return r.ShareShardFloat64(as64(buf), bad, val)
}
