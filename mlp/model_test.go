// Tests of what the memory estimate relies on: each model allocates, when
// built, its parameters, its gradients and Config.ActivationValues values.
package mlp

import (
	"cmp"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestActivationValuesMatchAllocations(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"mlp", Config{In: 60, Hidden: []int{128, 96}, Out: 2}},
		{"lstm", Config{Model: ModelLSTM, In: 60, Hidden: []int{32, 16}, Out: 1}},
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

// TestActivationValuesExact counts, by walking a model built at float64,
// the distinct float64 values its slices reach (slices that share an array,
// such as views into the parameters, are counted once), and requires
// exactly its parameters, its gradients and Config.ActivationValues.
func TestActivationValuesExact(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		batch int
	}{
		{"mlp", Config{In: 60, Hidden: []int{128, 96}, Out: 2}, 64},
		{"mlp no hidden layer", Config{In: 5, Out: 3}, 7},
		{"lstm", Config{Model: ModelLSTM, In: 60, Hidden: []int{32, 16}, Out: 1}, 64},
		{"lstm one step, wide", Config{Model: ModelLSTM, In: 1, Hidden: []int{40, 8}, Out: 3}, 5},
		{"lstm features", Config{Model: ModelLSTM, In: 12, Features: 3, Hidden: []int{4}, Out: 2}, 9},
		{"transformer", Config{Model: ModelTransformer, In: 60, Out: 1, DModel: 32, Heads: 4, Layers: 2, FF: 48}, 16},
		{"transformer one layer", Config{Model: ModelTransformer, In: 40, Features: 2, Out: 3, DModel: 16, Heads: 2, Layers: 1, FF: 8}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel[float64](tc.cfg, tc.batch)
			if err != nil {
				t.Fatal(err)
			}
			got := distinctFloat64s(reflect.ValueOf(m))
			want := 2*int64(tc.cfg.NumParams()) + tc.cfg.ActivationValues(tc.batch)
			if got != want {
				t.Errorf("the model reaches %d float64 values; parameters, gradients and ActivationValues are %d (%+d)", got, want, got-want)
			}
		})
	}
}

// distinctFloat64s walks v (pointers, interfaces, structs, arrays and
// slices, exported or not) and returns how many distinct float64 array
// elements its []float64 slices reach, counting each to the slice's
// capacity.
func distinctFloat64s(v reflect.Value) int64 {
	type span struct{ lo, hi uintptr }
	var spans []span
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		case reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Slice:
			if v.Cap() == 0 {
				return
			}
			if v.Type().Elem().Kind() == reflect.Float64 {
				p := v.Pointer()
				spans = append(spans, span{p, p + uintptr(v.Cap())*8})
				return
			}
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(v)
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	var n int64
	var end uintptr
	for _, s := range spans {
		lo := max(s.lo, end)
		if s.hi > lo {
			n += int64(s.hi-lo) / 8
			end = s.hi
		}
	}
	return n
}

// TestEmptyBatch: a rank whose shard of a global batch is empty runs every
// model's Forward and Backward on 0 rows: nothing comes out and the
// gradients do not change. More rows than MaxBatch, or a length that does
// not fit the rows, panics with the figures.
func TestEmptyBatch(t *testing.T) {
	for _, cfg := range []Config{
		{In: 6, Hidden: []int{4}, Out: 2},
		{Model: ModelLSTM, In: 6, Hidden: []int{4}, Out: 2},
		{Model: ModelTransformer, In: 6, Out: 2, DModel: 8, Heads: 2, Layers: 1, FF: 8},
	} {
		t.Run(cfg.Kind(), func(t *testing.T) {
			m, err := NewModel[float64](cfg, 3)
			if err != nil {
				t.Fatal(err)
			}
			randomize(m, 1, 0.5)
			for i := range m.Grads() {
				m.Grads()[i] = float64(i)
			}
			if out := m.Forward(nil, 0); len(out) != 0 {
				t.Errorf("Forward of 0 rows gave %d values", len(out))
			}
			m.Backward(nil, nil, 0)
			for i, g := range m.Grads() {
				if g != float64(i) {
					t.Fatalf("Backward of 0 rows changed gradient %d to %g", i, g)
				}
			}
			for _, tc := range []struct {
				name    string
				f       func()
				message string
			}{
				{"too many rows", func() { m.Forward(make([]float64, 4*6), 4) }, "mlp: 4 rows, want 0..3 (the model's maxBatch)"},
				{"negative rows", func() { m.Forward(nil, -1) }, "mlp: -1 rows, want 0..3 (the model's maxBatch)"},
				{"short input", func() { m.Forward(make([]float64, 11), 2) }, "has length 11, want rows*6 = 12"},
			} {
				func() {
					defer func() {
						if r, _ := recover().(string); !strings.HasPrefix(r, "mlp: ") || !strings.Contains(r, tc.message) {
							t.Errorf("%s: panic %q, want one saying %q", tc.name, r, tc.message)
						}
					}()
					tc.f()
				}()
			}
		})
	}
}
