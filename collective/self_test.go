// Tests of NewSelf, the one-rank world without MPI.

package collective

import (
	"errors"
	"slices"
	"testing"
)

func TestSelfIdentity(t *testing.T) {
	c := NewSelf()
	if c.Rank() != 0 || c.Size() != 1 {
		t.Fatalf("rank %d of %d, want 0 of 1", c.Rank(), c.Size())
	}
	f64 := []float64{1.5, -2, 3}
	f32 := []float32{1.5, -2, 3}
	bytes := []byte("abc")
	tests := []struct {
		name  string
		do    func() error
		check func() bool // the buffers after the call
	}{
		{"Allreduce64 sum", func() error { return c.Allreduce64(f64, Sum) }, func() bool { return slices.Equal(f64, []float64{1.5, -2, 3}) }},
		{"Allreduce64 max", func() error { return c.Allreduce64(f64, Max) }, func() bool { return slices.Equal(f64, []float64{1.5, -2, 3}) }},
		{"Allreduce32 min", func() error { return c.Allreduce32(f32, Min) }, func() bool { return slices.Equal(f32, []float32{1.5, -2, 3}) }},
		{"Bcast64 root 0", func() error { return c.Bcast64(f64, 0) }, func() bool { return slices.Equal(f64, []float64{1.5, -2, 3}) }},
		{"Bcast32 root 0", func() error { return c.Bcast32(f32, 0) }, func() bool { return slices.Equal(f32, []float32{1.5, -2, 3}) }},
		{"BcastBytes root 0", func() error { return c.BcastBytes(bytes, 0) }, func() bool { return string(bytes) == "abc" }},
		{"Barrier", c.Barrier, func() bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err != nil {
				t.Fatal(err)
			}
			if !tt.check() {
				t.Errorf("buffers changed: %v %v %q", f64, f32, bytes)
			}
		})
	}
}

func TestSelfAllgather(t *testing.T) {
	c := NewSelf()
	send := []float64{4, 5, 6}
	recv := make([]float64, 3)
	if err := c.Allgather64(send, recv); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recv, send) {
		t.Errorf("recv = %v, want %v", recv, send)
	}
}

func TestSelfErrors(t *testing.T) {
	c := NewSelf()
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"Allreduce64 nil", func() error { return c.Allreduce64(nil, Sum) }, ErrEmptyBuffer},
		{"Allreduce32 empty", func() error { return c.Allreduce32([]float32{}, Max) }, ErrEmptyBuffer},
		{"Allreduce64 bad op", func() error { return c.Allreduce64([]float64{1}, Op(3)) }, ErrOp},
		{"Allreduce32 bad op", func() error { return c.Allreduce32([]float32{1}, Op(-1)) }, ErrOp},
		{"Bcast64 root 1", func() error { return c.Bcast64([]float64{1}, 1) }, ErrRoot},
		{"Bcast32 root -1", func() error { return c.Bcast32([]float32{1}, -1) }, ErrRoot},
		{"BcastBytes root 2", func() error { return c.BcastBytes([]byte{1}, 2) }, ErrRoot},
		{"BcastBytes nil", func() error { return c.BcastBytes(nil, 0) }, ErrEmptyBuffer},
		{"Allgather64 empty send", func() error { return c.Allgather64(nil, []float64{1}) }, ErrEmptyBuffer},
		{"Allgather64 short recv", func() error { return c.Allgather64([]float64{1, 2}, []float64{1}) }, ErrBufferLength},
		{"Allgather64 long recv", func() error { return c.Allgather64([]float64{1}, []float64{1, 2}) }, ErrBufferLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSelfFinalize(t *testing.T) {
	c := NewSelf()
	if err := c.Finalize(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
	}{
		{"Finalize again", c.Finalize},
		{"Barrier", c.Barrier},
		{"Allreduce64", func() error { return c.Allreduce64([]float64{1}, Sum) }},
		{"Bcast32", func() error { return c.Bcast32([]float32{1}, 0) }},
		{"Allgather64", func() error { return c.Allgather64([]float64{1}, []float64{1}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, ErrFinalized) {
				t.Errorf("err = %v, want ErrFinalized", err)
			}
		})
	}
}

func TestSelfInfo(t *testing.T) {
	c := NewSelf()
	if c.ProcessorName() == "" || c.LibraryVersion() == "" || c.ThreadLevel() != "none" {
		t.Errorf("ProcessorName %q, LibraryVersion %q, ThreadLevel %q", c.ProcessorName(), c.LibraryVersion(), c.ThreadLevel())
	}
	if t0, t1 := c.Wtime(), c.Wtime(); t0 < 0 || t1 < t0 {
		t.Errorf("Wtime went from %v to %v", t0, t1)
	}
}

func TestOpString(t *testing.T) {
	tests := []struct {
		op   Op
		want string
	}{{Sum, "sum"}, {Max, "max"}, {Min, "min"}, {Op(9), "Op(9)"}}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.op.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
