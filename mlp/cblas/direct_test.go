// The GEMMs as direct calls (package collective/direct) against the same
// GEMMs through cgo.

//go:build cgo && !nompi && !nocblas

package cblas

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"mpitrain/collective/direct"
)

// TestDirectGEMM runs every transpose and the MLP's shapes, float32 and
// float64, as direct calls, as cgo calls, and as direct calls that find
// the stack taken (cgo then): the results must have the same bits, and the
// direct calls must have run on the stack, within 64 KiB of it.
func TestDirectGEMM(t *testing.T) {
	if direct.Supported != (runtime.GOOS == "linux" && runtime.GOARCH == "amd64") {
		t.Fatalf("direct.Supported = %v on %s/%s", direct.Supported, runtime.GOOS, runtime.GOARCH)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := []struct{ m, n, k int }{{1, 1, 1}, {64, 128, 60}, {128, 60, 64}, {512, 512, 512}, {1024, 512, 512}, {3, 700, 5}}
	type way struct {
		name      string
		on, taken bool
	}
	ways := []way{{"direct", true, false}, {"cgo", false, false}, {"stack taken", true, true}}
	for _, sh := range shapes {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				lda, ldb := sh.k, sh.n
				if ta {
					lda = sh.m
				}
				if tb {
					ldb = sh.k
				}
				a64, b64, c64 := randSlice(rng, sh.m*sh.k), randSlice(rng, sh.k*sh.n), randSlice(rng, sh.m*sh.n)
				a32, b32, c32 := to32(a64), to32(b64), to32(c64)
				var got64 [][]float64
				var got32 [][]float32
				for _, w := range ways {
					prev := direct.SetOn(w.on)
					if w.taken {
						if _, ok := direct.Enter(); !ok {
							t.Fatal("the stack is taken before the test took it")
						}
					}
					d := append([]float64(nil), c64...)
					Dgemm(ta, tb, sh.m, sh.n, sh.k, 0.5, a64, lda, b64, ldb, 0.25, d, sh.n)
					s := append([]float32(nil), c32...)
					Sgemm(ta, tb, sh.m, sh.n, sh.k, 0.5, a32, lda, b32, ldb, 0.25, s, sh.n)
					if w.taken {
						direct.Leave()
					}
					direct.SetOn(prev)
					got64, got32 = append(got64, d), append(got32, s)
				}
				for i := 1; i < len(ways); i++ {
					for j := range got64[0] {
						if got64[i][j] != got64[0][j] || got32[i][j] != got32[0][j] {
							t.Fatalf("%dx%dx%d ta=%v tb=%v: element %d: %s %v and %v, direct %v and %v",
								sh.m, sh.n, sh.k, ta, tb, j, ways[i].name, got64[i][j], got32[i][j], got64[0][j], got32[0][j])
						}
					}
				}
			}
		}
	}
	p, err := direct.StackPagesUsed()
	if err != nil {
		t.Fatal(err)
	}
	if !direct.Supported {
		if p != 0 {
			t.Errorf("no direct calls on %s/%s, yet %d stack pages used", runtime.GOOS, runtime.GOARCH, p)
		}
		return
	}
	if p < 1 || p > 16 {
		t.Errorf("the GEMMs touched %d pages of the direct calls' stack, want 1 to 16", p)
	}
	t.Logf("stack pages used: %d", p)
}
