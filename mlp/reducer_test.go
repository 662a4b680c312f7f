// Tests of the one-rank reducer, the in-process world and the typed dispatch.
package mlp

import (
	"testing"
)

func TestSelfReducer(t *testing.T) {
	r := NewSelfReducer()
	if r.Rank() != 0 || r.Size() != 1 {
		t.Fatalf("rank %d of %d, want 0 of 1", r.Rank(), r.Size())
	}
	b32, b64 := []float32{1, 2}, []float64{3, 4}
	if err := r.SumFloat32(b32); err != nil || b32[1] != 2 {
		t.Fatalf("SumFloat32: %v %v", b32, err)
	}
	if err := r.SumFloat64(b64); err != nil || b64[1] != 4 {
		t.Fatalf("SumFloat64: %v %v", b64, err)
	}
	if r.BcastFloat64(b64, 0) != nil || r.BcastFloat32(b32, 1) == nil {
		t.Fatal("Bcast from root 0 must succeed and from root 1 fail")
	}
	recv := make([]float64, 2)
	if err := r.AllgatherFloat64(b64, recv); err != nil || recv[0] != 3 || recv[1] != 4 {
		t.Fatalf("Allgather: %v %v", recv, err)
	}
	if a, b := r.Wtime(), r.Wtime(); !(b >= a && a >= 0) {
		t.Fatalf("Wtime %g then %g", a, b)
	}
}

// TestWorld checks the in-process world the multi-rank tests rely on, the
// way Horovod's tests do: allreduce(x) == x*size, broadcast copies root's
// buffer, allgather concatenates in rank order.
func TestWorld(t *testing.T) {
	for size := 1; size <= 4; size++ {
		runRanks(size, func(r Reducer) {
			k := float64(r.Rank())
			b64 := []float64{1, k}
			b32 := []float32{2, float32(k)}
			if err := sum(r, b64); err != nil || b64[0] != float64(size) || b64[1] != float64(size*(size-1)/2) {
				t.Errorf("size %d rank %v: sum %v", size, k, b64)
			}
			if err := sum(r, b32); err != nil || b32[0] != float32(2*size) {
				t.Errorf("size %d rank %v: sum %v", size, k, b32)
			}
			bc := []float32{float32(k), 7}
			if err := bcast(r, bc, size-1); err != nil || bc[0] != float32(size-1) {
				t.Errorf("size %d rank %v: bcast %v", size, k, bc)
			}
			recv := make([]float64, 2*size)
			if err := r.AllgatherFloat64([]float64{k, -k}, recv); err != nil || recv[2*size-2] != float64(size-1) {
				t.Errorf("size %d rank %v: allgather %v", size, k, recv)
			}
		})
	}
}

// myFloat has float32 underneath: the GEMM and the reducer view it as such.
type myFloat float32

func TestNamedElementType(t *testing.T) {
	cfg := Config{In: 3, Hidden: []int{70}, Out: 2}
	a, b := NewNet[myFloat](cfg, 70), NewNet[float32](cfg, 70)
	a.Init(4)
	b.Init(4)
	xa, xb := synth[myFloat](70, 3, 2, 1, false), synth[float32](70, 3, 2, 1, false)
	ya, yb := a.Forward(xa.X, 70), b.Forward(xb.X, 70)
	for i := range yb {
		if float32(ya[i]) != yb[i] {
			t.Fatalf("out[%d] = %g with a named float32, %g with float32", i, ya[i], yb[i])
		}
	}
	tr, err := NewTrainer(a, xa, xa, NewSelfReducer(), TrainConfig{Epochs: 1, Batch: 70, LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SyncParams(); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step([]int{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
}
