// Optimizers over the flat parameter slice: Adam/AdamW and SGD with momentum.
package mlp

import (
	"fmt"
	"math"
)

// Optimizer updates params in place from grads, both with the flat layout of
// Net.Params. Every rank holds the same state and takes the same step.
type Optimizer[T Float] interface {
	// Step applies one update. It panics if the lengths of params, grads
	// and the optimizer's state differ.
	Step(params, grads []T)
	// State returns the step counter and the state buffers (in a fixed
	// order) so a checkpoint can save and restore them in place.
	State() (steps *int, buffers [][]T)
}

// Adam is torch.optim.Adam (and, with Decoupled, torch.optim.AdamW) without
// amsgrad: with g the gradient and t the step count after increment,
//
//	g = g + WeightDecay*p             (Adam: L2 added to the gradient)
//	p = p * (1 - LR*WeightDecay)      (AdamW: decoupled decay instead)
//	m = m + (1-Beta1)*(g - m)         (torch's lerp)
//	v = Beta2*v + (1-Beta2)*g*g
//	p = p - LR/(1-Beta1^t) * m / (sqrt(v)/sqrt(1-Beta2^t) + Eps)
//
// Element arithmetic is in T, scalars are computed in float64 and rounded,
// as PyTorch does for float32 tensors.
type Adam[T Float] struct {
	LR, Beta1, Beta2, Eps float64
	WeightDecay           float64
	Decoupled             bool // AdamW: decay the weights instead of adding L2 to the gradient

	M, V  []T // first and second moment, len NumParams
	Steps int // updates taken so far
}

// NewAdam returns Adam for n parameters with PyTorch's defaults: LR 1e-3,
// betas 0.9 and 0.999, Eps 1e-8, no weight decay.
func NewAdam[T Float](n int) *Adam[T] {
	return &Adam[T]{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, M: make([]T, n), V: make([]T, n)}
}

// Step implements Optimizer.
func (a *Adam[T]) Step(params, grads []T) { a.stepScaled(params, grads, 1) }

// stepScaled is Step on the gradient grads*scale, which it stores back into
// grads in the same pass (one pass over the parameters instead of two).
func (a *Adam[T]) stepScaled(params, grads []T, scale T) {
	a.stepRange(params, grads, 0, len(params), scale)
}

// stepRange is stepScaled on the parameters [lo, hi) only, with the state
// of the same slice: the other elements of params, grads and the state are
// left as they are. Each element gets the bits stepScaled gives it.
func (a *Adam[T]) stepRange(params, grads []T, lo, hi int, scale T) {
	checkState("adam", params, grads, a.M, a.V)
	a.Steps++
	t := float64(a.Steps)
	l2, decay := T(a.WeightDecay), T(1)
	if a.Decoupled {
		l2, decay = 0, T(1-a.LR*a.WeightDecay)
	}
	c1, b2, c2, eps := T(1-a.Beta1), T(a.Beta2), T(1-a.Beta2), T(a.Eps)
	stepSize := T(a.LR / (1 - math.Pow(a.Beta1, t)))
	bc2Sqrt := T(math.Sqrt(1 - math.Pow(a.Beta2, t)))
	params, grads, m, v := params[lo:hi], grads[lo:hi], a.M[lo:hi], a.V[lo:hi]
	if is32[T]() { // 8 lanes at a time where the CPU can (adam_amd64.s), bitwise the same
		c := [9]float32{float32(l2), float32(decay), float32(c1), float32(b2), float32(c2), float32(eps), float32(stepSize), float32(bc2Sqrt), float32(scale)}
		k := adam32(as32(params), as32(grads), as32(m), as32(v), &c)
		params, grads, m, v = params[k:], grads[k:], m[k:], v[k:]
	}
	for i, p := range params {
		gs := grads[i] * scale
		grads[i] = gs
		g := gs + l2*p
		m[i] += c1 * (g - m[i])
		v[i] = b2*v[i] + c2*g*g
		denom := T(math.Sqrt(float64(v[i])))/bc2Sqrt + eps
		params[i] = p*decay - stepSize*m[i]/denom
	}
}

// State implements Optimizer: buffers are M then V.
func (a *Adam[T]) State() (*int, [][]T) { return &a.Steps, [][]T{a.M, a.V} }

// SGD is torch.optim.SGD with momentum and without dampening or Nesterov:
//
//	g = g + WeightDecay*p
//	buf = Momentum*buf + g            (buf starts at 0, so step 1 gives buf = g)
//	p = p - LR*buf
//
// With Momentum 0 this is plain SGD.
type SGD[T Float] struct {
	LR, Momentum, WeightDecay float64

	Buf   []T // momentum buffer, len NumParams
	Steps int // updates taken so far
}

// NewSGD returns SGD for n parameters with the given rate and momentum.
func NewSGD[T Float](n int, lr, momentum float64) *SGD[T] {
	return &SGD[T]{LR: lr, Momentum: momentum, Buf: make([]T, n)}
}

// Step implements Optimizer.
func (s *SGD[T]) Step(params, grads []T) { s.stepScaled(params, grads, 1) }

// stepScaled is Step on the gradient grads*scale, stored back into grads
// in the same pass.
func (s *SGD[T]) stepScaled(params, grads []T, scale T) {
	s.stepRange(params, grads, 0, len(params), scale)
}

// stepRange is stepScaled on the parameters [lo, hi) only (see Adam's).
func (s *SGD[T]) stepRange(params, grads []T, lo, hi int, scale T) {
	checkState("sgd", params, grads, s.Buf, s.Buf)
	s.Steps++
	lr, mu, wd := T(s.LR), T(s.Momentum), T(s.WeightDecay)
	params, grads, buf := params[lo:hi], grads[lo:hi], s.Buf[lo:hi]
	for i, p := range params {
		g := grads[i] * scale
		grads[i] = g
		b := mu*buf[i] + g + wd*p
		buf[i] = b
		params[i] = p - lr*b
	}
}

// State implements Optimizer: the one buffer is Buf.
func (s *SGD[T]) State() (*int, [][]T) { return &s.Steps, [][]T{s.Buf} }

// scaledStepper is an optimizer that scales the gradient in its own pass
// (the package's Adam and SGD): the training step's division by the
// global batch then costs no pass of its own. stepRange updates one
// slice of the parameters: the sharded step (Trainer.Step).
type scaledStepper[T Float] interface {
	stepScaled(params, grads []T, scale T)
	stepRange(params, grads []T, lo, hi int, scale T)
}

// firstNonFinite returns the index of the first NaN or infinite value of
// x, or -1. Float32 slices are checked 32 lanes at a time where the CPU
// can (finite32); the index is then found by the Go loop.
func firstNonFinite[T Float](x []T) int {
	start := 0
	if is32[T]() {
		ok, n := finite32(as32(x))
		if ok {
			start = n
		}
	}
	for i := start; i < len(x); i++ {
		if x[i]-x[i] != 0 { // NaN or ±Inf
			return i
		}
	}
	return -1
}

func checkState[T Float](name string, params, grads, s1, s2 []T) {
	if len(grads) != len(params) || len(s1) != len(params) || len(s2) != len(params) {
		panic(fmt.Sprintf("mlp: %s step with %d params, %d grads, state of %d and %d",
			name, len(params), len(grads), len(s1), len(s2)))
	}
}
