// Tests of the checkpoint codec: round trip, and every kind of bad file
// refused with a message saying what is wrong.
package mlp

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"strings"
	"testing"
)

func sampleCheckpoint() *Checkpoint[float32] {
	cfg := Config{In: 3, Hidden: []int{4}, Out: 1, Act: ActReLU}
	net := NewNet[float32](cfg, 2)
	net.Init(5)
	p := NewProgress[float32]()
	p.Epoch, p.Step, p.EpochSSE, p.EpochRows, p.BestEpoch, p.OptSteps = 3, 2, 1.5, 40, 2, 77
	p.Best = append([]float32(nil), net.Params()...)
	p.OptBuffer = [][]float32{make([]float32, len(net.Params())), make([]float32, len(net.Params()))}
	p.OptBuffer[1][3] = 0.25
	p.History = []EpochStats{{Epoch: 1, TrainLoss: 0.5, ValLoss: math.NaN()}}
	return &Checkpoint[float32]{Arch: cfg, Train: TrainConfig{Epochs: 9, Batch: 4, LR: 1e-3, Seed: 5},
		Fingerprint: "abc", Settings: []byte(`{"x":1}`), Params: net.Params(), Progress: *p}
}

func TestCheckpointRoundTrip(t *testing.T) {
	c := sampleCheckpoint()
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if dt, err := CheckpointDType(b); err != nil || dt != "float32" {
		t.Fatalf("CheckpointDType: %q, %v", dt, err)
	}
	got, err := DecodeCheckpoint[float32](b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fingerprint != "abc" || string(got.Settings) != `{"x":1}` || got.Progress.Epoch != 3 || got.Progress.Step != 2 ||
		got.Progress.OptSteps != 77 || got.Progress.OptBuffer[1][3] != 0.25 || !math.IsInf(got.Progress.BestLoss, 1) ||
		!math.IsNaN(got.Progress.History[0].ValLoss) || got.Train.Batch != 4 {
		t.Fatalf("round trip lost something: %+v", got)
	}
	for i := range c.Params {
		if got.Params[i] != c.Params[i] || got.Progress.Best[i] != c.Params[i] {
			t.Fatalf("param %d differs", i)
		}
	}
	b2, _ := got.Encode()
	if string(b2) != string(b) {
		t.Error("encoding is not deterministic")
	}
}

func TestCheckpointRefused(t *testing.T) {
	good, err := sampleCheckpoint().Encode()
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	resum := func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "not a checkpoint"},
		{"foreign", []byte("PK\x03\x04 a zip file, not ours at all"), "not a checkpoint"},
		{"header only", good[:12], "truncated"},
		{"truncated", good[:len(good)/2], "checksum mismatch"},
		{"flipped byte", mutate(func(b []byte) []byte { b[len(b)/2] ^= 1; return b }), "checksum mismatch"},
		{"future version", mutate(func(b []byte) []byte { b[8] = 9; return resum(b) }), "format version 9"},
		{"garbage body", mutate(func(b []byte) []byte {
			for i := 13; i < len(b)-4; i++ {
				b[i] = 0xff
			}
			return resum(b)
		}), "bad checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCheckpoint[float32](tc.b)
			if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrCheckpoint saying %q", err, tc.want)
			}
		})
	}
	if _, err := DecodeCheckpoint[float64](good); err == nil || !strings.Contains(err.Error(), "holds float32 parameters, this run uses float64") {
		t.Errorf("dtype mismatch: %v", err)
	}
}
