// The checkpoint codec: one self-checking file holding a run's parameters,
// optimizer and early-stopping state, and where it stands.
package mlp

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
)

// CheckpointMagic opens every checkpoint file.
const CheckpointMagic = "MPITRCKP"

// CheckpointVersion is the format version this package writes and reads.
const CheckpointVersion = 1

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

// Encode returns the checkpoint's bytes: the magic, the version (uint32,
// little-endian), the element size (one byte: 4 or 8), a gob of c, and a
// CRC-32 (IEEE) of everything before it.
func (c *Checkpoint[T]) Encode() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(CheckpointMagic)
	binary.Write(&b, binary.LittleEndian, uint32(CheckpointVersion))
	b.WriteByte(dtypeTag[T]())
	if err := gob.NewEncoder(&b).Encode(c); err != nil {
		return nil, fmt.Errorf("mlp: encoding checkpoint: %w", err)
	}
	binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes(), nil
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
	c := new(Checkpoint[T])
	if err := gob.NewDecoder(bytes.NewReader(b[head+1 : len(b)-4])).Decode(c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
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
