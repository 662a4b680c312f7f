// Dataset fingerprint: one sha256 over settings, normalizer and every array.

package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
)

// fingerprintTag starts the hashed stream; change it when the layout below changes.
const fingerprintTag = "mpitrain/data fingerprint v1\n"

// Fingerprint returns the hex sha256 of the dataset's settings (Window,
// Horizon, Train, Val, Scale), its normalizer (Kind, A, B) and all arrays
// of Train, Val and Test in that order (X, Y, Last, Target as
// little-endian float64 bits, Dates as little-endian int64 days since
// 1970-01-01), each preceded by its length. Source and Legacy are not
// hashed: the same windows from another path have the same fingerprint.
// Ranks compare fingerprints to prove they hold the same data.
func (d *Dataset) Fingerprint() string {
	f := fingerprinter{h: sha256.New()}
	f.h.Write([]byte(fingerprintTag))
	f.int(int64(d.Opts.Window))
	f.int(int64(d.Opts.Horizon))
	f.floats([]float64{d.Opts.Train, d.Opts.Val})
	f.str(d.Opts.Scale)
	f.str(d.Norm.Kind)
	f.floats([]float64{d.Norm.A, d.Norm.B})
	for _, sp := range []*Split{&d.Train, &d.Val, &d.Test} {
		f.int(int64(sp.N))
		f.floats(sp.X)
		f.floats(sp.Y)
		f.floats(sp.Last)
		f.floats(sp.Target)
		f.int(int64(len(sp.Dates)))
		for _, t := range sp.Dates {
			f.int(unixDay(t))
		}
	}
	return hex.EncodeToString(f.h.Sum(nil))
}

// fingerprinter feeds values to h through a small buffer.
type fingerprinter struct {
	h   hash.Hash
	buf [8 * 512]byte
}

func (f *fingerprinter) int(v int64) {
	binary.LittleEndian.PutUint64(f.buf[:8], uint64(v))
	f.h.Write(f.buf[:8])
}

func (f *fingerprinter) str(s string) {
	f.int(int64(len(s)))
	f.h.Write([]byte(s))
}

func (f *fingerprinter) floats(vs []float64) {
	f.int(int64(len(vs)))
	for len(vs) > 0 {
		n := min(len(vs), len(f.buf)/8)
		for i, v := range vs[:n] {
			binary.LittleEndian.PutUint64(f.buf[8*i:], math.Float64bits(v))
		}
		f.h.Write(f.buf[:8*n])
		vs = vs[n:]
	}
}
