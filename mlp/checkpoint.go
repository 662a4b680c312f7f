// The checkpoint codec: one self-checking file holding a run's parameters,
// optimizer and early-stopping state, and where it stands.
package mlp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// CheckpointMagic opens every checkpoint file.
const CheckpointMagic = "MPITRCKP"

// CheckpointVersion is the format version this package writes and reads.
// Version 2 stores the large arrays raw after the gob of the rest, so that
// a checkpoint is written as it is produced, never held in memory whole.
const CheckpointVersion = 2

// ErrCheckpoint is wrapped by every error about a checkpoint's bytes.
var ErrCheckpoint = errors.New("mlp: bad checkpoint")

// Checkpoint is everything a run needs to continue bit for bit.
type Checkpoint[T Float] struct {
	Arch        Config
	Train       TrainConfig
	Fingerprint string // the data's fingerprint (data.Dataset.Fingerprint)
	Settings    []byte // the caller's settings, opaque here (the trainer stores its config as JSON)
	Params      []T
	Progress    Progress[T]
}

// checkpointHead is what the gob part of a file holds: the checkpoint
// without its arrays, and the arrays' lengths (Params, Best, then each
// optimizer buffer), which follow it raw.
type checkpointHead[T Float] struct {
	Arch        Config
	Train       TrainConfig
	Fingerprint string
	Settings    []byte
	Progress    Progress[T] // Best and OptBuffer nil
	Lengths     []int
}

// dtypeTag is the element size byte of the header: 4 or 8.
func dtypeTag[T Float]() byte {
	if is32[T]() {
		return 4
	}
	return 8
}

func dtypeName(tag byte) string {
	switch tag {
	case 4:
		return "float32"
	case 8:
		return "float64"
	}
	return fmt.Sprintf("unknown element size %d", tag)
}

// arrays lists the checkpoint's large arrays in file order.
func (c *Checkpoint[T]) arrays() [][]T {
	return append([][]T{c.Params, c.Progress.Best}, c.Progress.OptBuffer...)
}

// Encode returns the checkpoint's bytes (see EncodeTo).
func (c *Checkpoint[T]) Encode() ([]byte, error) {
	var b bytes.Buffer
	if err := c.EncodeTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// EncodeTo writes the checkpoint to w as it produces it: the magic, the
// version (uint32, little-endian), the element size (one byte: 4 or 8), a
// gob of everything but the arrays with their lengths, the arrays (Params,
// the best parameters, the optimizer's buffers) as little-endian values,
// and a CRC-32 (IEEE) of everything before it. Only a small buffer is
// allocated, whatever the model's size.
func (c *Checkpoint[T]) EncodeTo(w io.Writer) error {
	h := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	head := append([]byte(CheckpointMagic), 0, 0, 0, 0, dtypeTag[T]())
	binary.LittleEndian.PutUint32(head[len(CheckpointMagic):], CheckpointVersion)
	bw.Write(head)
	meta := checkpointHead[T]{Arch: c.Arch, Train: c.Train, Fingerprint: c.Fingerprint, Settings: c.Settings, Progress: c.Progress}
	meta.Progress.Best, meta.Progress.OptBuffer = nil, nil
	arrays := c.arrays()
	for _, a := range arrays {
		meta.Lengths = append(meta.Lengths, len(a))
	}
	if err := gob.NewEncoder(bw).Encode(&meta); err != nil {
		return fmt.Errorf("mlp: encoding checkpoint: %w", err)
	}
	var buf [8]byte
	for _, a := range arrays {
		for _, v := range a {
			if is32[T]() {
				binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(float32(v)))
				bw.Write(buf[:4])
			} else {
				binary.LittleEndian.PutUint64(buf[:], math.Float64bits(float64(v)))
				bw.Write(buf[:])
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("mlp: writing checkpoint: %w", err)
	}
	binary.LittleEndian.PutUint32(buf[:4], h.Sum32())
	if _, err := w.Write(buf[:4]); err != nil {
		return fmt.Errorf("mlp: writing checkpoint: %w", err)
	}
	return nil
}

// CheckpointDType reads the element type ("float32" or "float64") from a
// checkpoint's header after checking its magic, version and checksum.
func CheckpointDType(b []byte) (string, error) {
	if err := checkFrame(b); err != nil {
		return "", err
	}
	return dtypeName(b[len(CheckpointMagic)+4]), nil
}

// checkFrame checks everything but the gob: magic, version, length, CRC.
func checkFrame(b []byte) error {
	const head = len(CheckpointMagic) + 4 + 1
	if len(b) < len(CheckpointMagic) || string(b[:len(CheckpointMagic)]) != CheckpointMagic {
		return fmt.Errorf("%w: not a checkpoint (no %q magic at the start)", ErrCheckpoint, CheckpointMagic)
	}
	if len(b) < head+4 {
		return fmt.Errorf("%w: truncated at %d bytes", ErrCheckpoint, len(b))
	}
	if v := binary.LittleEndian.Uint32(b[len(CheckpointMagic):]); v != CheckpointVersion {
		return fmt.Errorf("%w: format version %d, this program reads version %d", ErrCheckpoint, v, CheckpointVersion)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("%w: checksum mismatch: the file is truncated or corrupt", ErrCheckpoint)
	}
	return nil
}

// DecodeCheckpoint parses b. Errors wrap ErrCheckpoint and say what is
// wrong: not a checkpoint, another format version, truncated or corrupt, an
// element type other than T, or contents that do not fit their architecture.
func DecodeCheckpoint[T Float](b []byte) (*Checkpoint[T], error) {
	if err := checkFrame(b); err != nil {
		return nil, err
	}
	head := len(CheckpointMagic) + 4
	if tag := b[head]; tag != dtypeTag[T]() {
		return nil, fmt.Errorf("%w: it holds %s parameters, this run uses %s", ErrCheckpoint, dtypeName(tag), dtypeName(dtypeTag[T]()))
	}
	body := bytes.NewReader(b[head+1 : len(b)-4])
	var meta checkpointHead[T]
	if err := gob.NewDecoder(body).Decode(&meta); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	elem := int64(dtypeTag[T]())
	var total int64
	for _, n := range meta.Lengths {
		if n < 0 {
			return nil, fmt.Errorf("%w: negative array length %d", ErrCheckpoint, n)
		}
		total += int64(n)
	}
	if len(meta.Lengths) < 2 || total*elem != int64(body.Len()) {
		return nil, fmt.Errorf("%w: arrays of %v values do not fill the %d bytes after the header", ErrCheckpoint, meta.Lengths, body.Len())
	}
	raw := b[len(b)-4-body.Len() : len(b)-4]
	arrays := make([][]T, len(meta.Lengths))
	for i, n := range meta.Lengths {
		a := make([]T, n)
		for j := range a {
			if is32[T]() {
				a[j] = T(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:])))
			} else {
				a[j] = T(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*j:])))
			}
		}
		raw = raw[int64(n)*elem:]
		arrays[i] = a
	}
	c := &Checkpoint[T]{Arch: meta.Arch, Train: meta.Train, Fingerprint: meta.Fingerprint, Settings: meta.Settings,
		Params: arrays[0], Progress: meta.Progress}
	if len(arrays[1]) > 0 {
		c.Progress.Best = arrays[1]
	}
	if len(arrays) > 2 {
		c.Progress.OptBuffer = arrays[2:]
	}
	if err := c.Arch.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	if len(c.Params) != c.Arch.NumParams() {
		return nil, fmt.Errorf("%w: %d parameters for an architecture of %d", ErrCheckpoint, len(c.Params), c.Arch.NumParams())
	}
	p := &c.Progress
	if p.Epoch < 0 || p.Step < 0 || (len(p.Best) != 0 && len(p.Best) != len(c.Params)) {
		return nil, fmt.Errorf("%w: inconsistent progress (epoch %d, step %d, %d best parameters)", ErrCheckpoint, p.Epoch, p.Step, len(p.Best))
	}
	return c, nil
}
