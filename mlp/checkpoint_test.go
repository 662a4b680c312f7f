// Tests of the checkpoint codec: round trip, and every kind of bad file
// refused with a message saying what is wrong.
package mlp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"reflect"
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

// fullCheckpoint is a checkpoint with every field, down to each element of
// every slice, set to a distinct value other than its type's zero: NaN, ±Inf
// and -0 among the floats. A codec that drops or zeroes any field, or swaps
// two, fails the round trip. The architecture is an LSTM so that Features
// counts; the transformer's sizes are carried whatever the model.
func fullCheckpoint[T Float]() *Checkpoint[T] {
	arch := Config{Model: ModelLSTM, In: 6, Features: 2, Hidden: []int{3, 2}, Out: 2, Act: ActTanh,
		DModel: 8, Heads: 2, Layers: 3, FF: 16}
	n := arch.NumParams()
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}
	array := func(k int) []T {
		a := make([]T, n)
		for i := range a {
			a[i] = T(float64(k) + float64(i+1)/64)
		}
		a[k] = T(special[k%len(special)]) // a different special value and place in each array
		return a
	}
	return &Checkpoint[T]{
		Arch: arch,
		Train: TrainConfig{Epochs: 9, Batch: 33, LR: 1.5e-3, Optimizer: "adamw", Momentum: 0.875,
			WeightDecay: 0.0625, Patience: 4, Seed: 1<<63 + 5},
		Fingerprint: "ff54e0c389144f30",
		Settings:    []byte(`{"seed":5}`),
		Params:      array(0),
		Progress: Progress[T]{
			Epoch: 5, Step: 7, EpochSSE: 12.3456789, EpochRows: 224, BestLoss: 0.03125, BestEpoch: 3,
			Best: array(1),
			History: []EpochStats{
				{Epoch: 1, TrainLoss: 0.5, ValLoss: math.NaN(), ValMAE: math.Inf(1), Seconds: 1.25, Compute: 0.75,
					Allreduce: 0.125, Eval: 0.0625, Samples: 3531, Best: true},
				{Epoch: 2, TrainLoss: 0.1, ValLoss: 0.2, ValMAE: 0.3, Seconds: math.Inf(-1), Compute: 0.4,
					Allreduce: 0.5, Eval: 0.6, Samples: 3530, Best: true},
			},
			OptSteps:  77,
			OptBuffer: [][]T{array(2), array(3)},
		},
	}
}

// nonZero fails for every field of v, and every element of a slice in it,
// that holds its type's zero value, or that is empty: so a field added to
// Checkpoint, Progress, EpochStats, TrainConfig or Config later makes the
// round trip fail until fullCheckpoint fills it.
func nonZero(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			nonZero(t, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			t.Errorf("%s is empty: give it values so the round trip checks it", path)
		}
		for i := 0; i < v.Len(); i++ {
			nonZero(t, fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	case reflect.Float32, reflect.Float64: // -0 is not +0: the sign is a value the codec must keep
		if math.Float64bits(v.Float()) == 0 {
			t.Errorf("%s is 0, its zero value: give it another so the round trip checks it", path)
		}
	default:
		if v.IsZero() {
			t.Errorf("%s is %v, its zero value: give it another so the round trip checks it", path, v)
		}
	}
}

// sameBits reports the first place where a and b differ, comparing floats
// by their bits (so NaN equals NaN and -0 differs from 0), or "".
func sameBits(path string, a, b reflect.Value) string {
	switch a.Kind() {
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if d := sameBits(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d elements, want %d", path, b.Len(), a.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := sameBits(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
	case reflect.Float32, reflect.Float64:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			return fmt.Sprintf("%s: %v, want %v", path, b.Float(), a.Float())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.String, reflect.Bool:
		if !a.Equal(b) {
			return fmt.Sprintf("%s: %v, want %v", path, b, a)
		}
	default:
		return fmt.Sprintf("%s: sameBits does not compare a %s", path, a.Kind())
	}
	return ""
}

// TestCheckpointRoundTrip encodes a checkpoint with every field set and
// decodes it: every field comes back with the same bits, and encoding the
// result gives the same bytes.
func TestCheckpointRoundTrip(t *testing.T) {
	t.Run("float32", checkRoundTrip[float32])
	t.Run("float64", checkRoundTrip[float64])
}

// An optimizer without state (SGD without momentum) leaves two arrays, the
// parameters and the best ones: the fewest a checkpoint has. Before the
// first evaluation there are no best parameters either. What is absent
// comes back nil, as it was.
func TestCheckpointWithoutOptimizerState(t *testing.T) {
	for _, best := range []bool{true, false} {
		c := sampleCheckpoint()
		c.Progress.OptBuffer = nil
		if !best {
			c.Progress.Best = nil
		}
		b, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeCheckpoint[float32](b)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameBits("Checkpoint", reflect.ValueOf(*c), reflect.ValueOf(*got)); d != "" {
			t.Errorf("best %v: after Encode and DecodeCheckpoint, %s", best, d)
		}
		if got.Progress.OptBuffer != nil || (!best && got.Progress.Best != nil) {
			t.Errorf("best %v: decoded optimizer state %v and best parameters %v, want nil", best, got.Progress.OptBuffer, got.Progress.Best)
		}
	}
}

func checkRoundTrip[T Float](t *testing.T) {
	c := fullCheckpoint[T]()
	nonZero(t, "Checkpoint", reflect.ValueOf(*c))
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := "float64"
	if is32[T]() {
		want = "float32"
	}
	if dt, err := CheckpointDType(b); err != nil || dt != want {
		t.Fatalf("CheckpointDType: %q, %v; want %q", dt, err, want)
	}
	// b[:len(b):len(b)]: the decoder reads nothing past the end it is given
	got, err := DecodeCheckpoint[T](b[:len(b):len(b)])
	if err != nil {
		t.Fatal(err)
	}
	if d := sameBits("Checkpoint", reflect.ValueOf(*c), reflect.ValueOf(*got)); d != "" {
		t.Errorf("after Encode and DecodeCheckpoint, %s", d)
	}
	var w bytes.Buffer
	if err := got.EncodeTo(&w); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), b) {
		t.Error("encoding the decoded checkpoint gives other bytes")
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
		// magic, version, element size and CRC are 8+4+1+4 = 17 bytes
		{"magic only", good[:8], "truncated at 8 bytes"},
		{"one byte short of a frame", good[:16], "truncated at 16 bytes"},
		{"a frame with nothing in it", resum(append(append([]byte(nil), good[:13]...), 0, 0, 0, 0)), "bad checkpoint: EOF"},
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
