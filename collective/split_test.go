// Tests of Split, Free and the point-to-point calls, alone and as every rank
// of mpirun (scripts/mpitest.sh runs them at np 2, 3 and 4).

package collective

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// TestSplit splits the world in several ways and checks each group's size,
// ranks and collectives against what the scheme says.
func TestSplit(t *testing.T) {
	rank, size := comm.Rank(), comm.Size()
	for _, tc := range []struct {
		name  string
		color func(r int) int
		key   func(r int) int
	}{
		{"groups of 1", func(r int) int { return r }, func(r int) int { return 0 }},
		{"groups of 2", func(r int) int { return r / 2 }, func(r int) int { return r }},
		{"uneven: rank 0 alone, the rest together", func(r int) int { return min(r, 1) }, func(r int) int { return r }},
		{"one group, reversed by key", func(r int) int { return 0 }, func(r int) int { return -r }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The members of this rank's group, in group-rank order.
			var members []int
			for r := 0; r < size; r++ {
				if tc.color(r) == tc.color(rank) {
					members = append(members, r)
				}
			}
			slices.SortStableFunc(members, func(a, b int) int { return tc.key(a) - tc.key(b) })
			var g Comm
			if err := call(func() (err error) { g, err = comm.Split(tc.color(rank), tc.key(rank)); return err }); err != nil {
				t.Fatal(err)
			}
			if g.Size() != len(members) || members[g.Rank()] != rank {
				t.Fatalf("world rank %d: group rank %d of %d, want %d of %v", rank, g.Rank(), g.Size(), slices.Index(members, rank), members)
			}
			// The sum of world ranks+1 over the group, and the first
			// member's world rank broadcast from group rank 0.
			want := 0.0
			for _, m := range members {
				want += float64(m + 1)
			}
			buf := []float64{float64(rank + 1)}
			first := []float64{float64(rank)}
			err := call(func() error {
				if err := g.Allreduce64(buf, Sum); err != nil {
					return err
				}
				return g.Bcast64(first, 0)
			})
			if err != nil {
				t.Fatal(err)
			}
			if buf[0] != want || first[0] != float64(members[0]) {
				t.Errorf("world rank %d: group sum %v, want %v; group root %v, want %v", rank, buf[0], want, first[0], members[0])
			}
			if err := call(g.Free); err != nil {
				t.Fatal(err)
			}
			if err := call(g.Barrier); !errors.Is(err, ErrFinalized) {
				t.Errorf("Barrier after Free: %v, want ErrFinalized", err)
			}
			if err := call(g.Finalize); !errors.Is(err, ErrSplit) {
				t.Errorf("Finalize of a split communicator: %v, want ErrSplit", err)
			}
		})
	}
	t.Run("bad calls", func(t *testing.T) {
		if err := call(func() error { _, err := comm.Split(-1, 0); return err }); !errors.Is(err, ErrColor) {
			t.Errorf("Split(-1): %v, want ErrColor", err)
		}
		if err := call(comm.Free); !errors.Is(err, ErrSplit) {
			t.Errorf("Free of the world: %v, want ErrSplit", err)
		}
	})
}

// TestPointToPoint passes a token around the ring and gathers a message
// from every rank on rank 0 with Probe, as a work queue does.
func TestPointToPoint(t *testing.T) {
	rank, size := comm.Rank(), comm.Size()
	if size > 1 {
		next, prev := (rank+1)%size, (rank+size-1)%size
		got := make([]byte, 16)
		var n, from int
		err := call(func() (err error) {
			// Even ranks send first, odd ranks receive first: no cycle of
			// blocking sends, whatever the library buffers.
			msg := []byte(fmt.Sprintf("token %d", rank))
			if rank%2 == 0 {
				if err = comm.SendBytes(msg, next, 3); err != nil {
					return err
				}
				n, from, err = comm.RecvBytes(got, prev, 3)
				return err
			}
			if n, from, err = comm.RecvBytes(got, prev, 3); err != nil {
				return err
			}
			return comm.SendBytes(msg, next, 3)
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("token %d", prev); string(got[:n]) != want || from != prev {
			t.Errorf("rank %d received %q from %d, want %q from %d", rank, got[:n], from, want, prev)
		}
	}
	err := call(func() error {
		if rank != 0 {
			return comm.SendBytes([]byte(fmt.Sprintf("ready %d", rank)), 0, 4)
		}
		seen := map[int]bool{}
		buf := make([]byte, 32)
		for len(seen) < size-1 {
			ok, from, n, err := comm.Probe(AnySource, 4)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			m, src, err := comm.RecvBytes(buf, from, 4)
			if err != nil {
				return err
			}
			if m != n || src != from || string(buf[:m]) != fmt.Sprintf("ready %d", from) || seen[from] {
				return fmt.Errorf("probe said %d bytes from %d; received %q (%d) from %d", n, from, buf[:m], m, src)
			}
			seen[from] = true
		}
		ok, _, _, err := comm.Probe(AnySource, 4)
		if err == nil && ok {
			err = errors.New("a message left after every rank's was received")
		}
		return err
	})
	if err != nil {
		t.Fatalf("rank %d: %v", rank, err)
	}
	if err := call(comm.Barrier); err != nil {
		t.Fatal(err)
	}
	t.Run("bad calls", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"rank out of range", call(func() error { return comm.SendBytes([]byte{1}, size, 0) })},
			{"negative tag", call(func() error { return comm.SendBytes([]byte{1}, 0, -1) })},
			{"tag above MaxTag", call(func() error { return comm.SendBytes([]byte{1}, 0, MaxTag+1) })},
			{"any source to send", call(func() error { return comm.SendBytes([]byte{1}, AnySource, 0) })},
			{"probe rank", call(func() error { _, _, _, err := comm.Probe(size, 0); return err })},
		} {
			if !errors.Is(tc.err, ErrPeer) {
				t.Errorf("%s: %v, want ErrPeer", tc.name, tc.err)
			}
		}
		if err := call(func() error { return comm.SendBytes(nil, 0, 0) }); !errors.Is(err, ErrEmptyBuffer) {
			t.Errorf("empty send: %v", err)
		}
	})
}
