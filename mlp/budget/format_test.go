// Tests of the byte formatting at each unit's boundary, of which part of an
// estimate weighs most, and of meminfo files the reader must refuse.
package budget

import (
	"strings"
	"testing"
)

func TestBytes(t *testing.T) {
	const k = int64(1024)
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{k - 1, "1023 B"},
		{k, "1 KiB"},
		{3 * k, "3 KiB"},
		{k*k - 1, "1024 KiB"}, // 1023.999 KiB, rounded
		{k * k, "1 MiB"},
		{5 * k * k, "5 MiB"},
		{k*k*k - 1, "1024 MiB"},
		{k * k * k, "1.0 GiB"},
		{3 * k * k * k / 2, "1.5 GiB"},
		{k*k*k*k - 1, "1024.0 GiB"},
		{k * k * k * k, "1.0 TiB"},
		{5 * k * k * k * k / 2, "2.5 TiB"},
	} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// The heaviest part wins; on a tie the model comes first, then the
// activations.
func TestLargest(t *testing.T) {
	const model = "the parameters, their gradients, copies and encodings"
	for _, tc := range []struct {
		name  string
		e     Estimate
		part  string
		bytes int64
		flags string
	}{
		{"model: the sum of its parts", Estimate{Params: 10, Grads: 10, Optimizer: 20, Best: 10, Artifacts: 5, Activations: 54, Data: 54},
			model, 55, "--hidden_dim"},
		{"model tied with both", Estimate{Params: 30, Activations: 30, Data: 30}, model, 30, "--hidden_dim"},
		{"model tied with the activations, data lighter", Estimate{Params: 30, Activations: 30, Data: 29}, model, 30, "--hidden_dim"},
		{"model tied with the data, activations lighter", Estimate{Params: 30, Activations: 29, Data: 30}, model, 30, "--hidden_dim"},
		{"activations", Estimate{Params: 1, Activations: 40, Data: 39}, "the activations of one shard", 40, "--batch_size"},
		{"activations tied with the data", Estimate{Params: 1, Activations: 40, Data: 40}, "the activations of one shard", 40, "--batch_size"},
		{"data", Estimate{Params: 1, Activations: 40, Data: 41}, "the data", 41, "--window"},
		{"data, model heavier than the activations", Estimate{Params: 30, Activations: 10, Data: 41}, "the data", 41, "--window"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			part, b, flags := tc.e.Largest()
			if part != tc.part || b != tc.bytes || !strings.HasPrefix(flags, tc.flags) {
				t.Errorf("Largest = %q, %d, %q; want %q, %d, %s...", part, b, flags, tc.part, tc.bytes, tc.flags)
			}
		})
	}
}

func TestMemAvailableRefused(t *testing.T) {
	for _, tc := range []struct{ name, meminfo, want string }{
		{"no MemAvailable line", "MemTotal:       24000000 kB\n", "has no readable MemAvailable line"},
		{"no unit", "MemAvailable:   20971520\n", "has no readable MemAvailable line"},
		{"another unit", "MemAvailable:   20971520 MB\n", "has no readable MemAvailable line"},
		{"negative", "MemAvailable:   -1 kB\n", "has no readable MemAvailable line"},
		{"not a number", "MemAvailable:   lots kB\n", "has no readable MemAvailable line"},
		// bufio.Scanner's limit is a line of 64 KiB.
		{"a line too long to scan", "MemTotal: " + strings.Repeat("9", 70000) + " kB\nMemAvailable: 1 kB\n", "token too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := fakeRoot(t, map[string]string{"proc/meminfo": tc.meminfo})
			_, err := RankLimit(root, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "meminfo") {
				t.Errorf("err = %v, want one naming meminfo and %q", err, tc.want)
			}
		})
	}
	root := fakeRoot(t, map[string]string{"proc/meminfo": "MemAvailable: 2048 kB\n"})
	if l, err := RankLimit(root, 1); err != nil || l.Bytes != 2048*1024 {
		t.Errorf("2048 kB: %+v, %v; want %d bytes", l, err, 2048*1024)
	}
}

func TestRankLimitOfNoRanks(t *testing.T) {
	root := fakeRoot(t, map[string]string{"proc/meminfo": meminfo})
	if _, err := RankLimit(root, 0); err == nil || !strings.Contains(err.Error(), "0 ranks on this host") {
		t.Errorf("err = %v, want one for 0 ranks", err)
	}
}
