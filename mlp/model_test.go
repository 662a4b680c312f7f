// Tests of what the memory estimate relies on: each model allocates, when
// built, its parameters, its gradients and Config.ActivationValues values.
package mlp

import (
	"runtime"
	"testing"
)

func TestActivationValuesMatchAllocations(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"mlp", Config{In: 60, Hidden: []int{128, 96}, Out: 2}},
		{"lstm", Config{Model: ModelLSTM, In: 60, Hidden: []int{32, 16}, Out: 1}},
		// one hidden unit and a wide head: the inputs and outputs are a
		// large part of the activations
		{"lstm narrow, wide output", Config{Model: ModelLSTM, In: 60, Hidden: []int{1}, Out: 96}},
		{"transformer", Config{Model: ModelTransformer, In: 60, Out: 1, DModel: 32, Heads: 4, Layers: 2, FF: 48}},
		{"transformer one layer", Config{Model: ModelTransformer, In: 40, Features: 2, Out: 3, DModel: 16, Heads: 2, Layers: 1, FF: 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const batch = 64
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			m, err := NewModel[float64](tc.cfg, batch)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			got := int64(after.TotalAlloc - before.TotalAlloc)
			want := 8 * (2*int64(tc.cfg.NumParams()) + tc.cfg.ActivationValues(batch))
			runtime.KeepAlive(m)
			// Besides the float64 buffers a model holds a few small
			// structs and slices of them.
			t.Logf("allocated %d bytes, buffers %d: %d more", got, want, got-want)
			if got < want || got > want+want/50+16<<10 {
				t.Errorf("NewModel allocated %d bytes, the estimate's buffers are %d", got, want)
			}
		})
	}
}
