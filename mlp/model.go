// The model interface the training engine drives, and the constructor that
// picks the model a Config names.
package mlp

import "fmt"

// Model is a network the engine trains: every parameter in one flat slice,
// every gradient in a second slice with the same layout (Tensors says which
// part is which), forward and backward passes on a batch of samples, each
// a window of Steps time steps of Features values ((T, F) row-major).
// Activations are allocated once for MaxBatch rows, so Forward and Backward
// allocate nothing.
//
// Forward returns a view of the output (rows, Out), overwritten by the next
// call. Backward adds into Grads the gradient of a loss whose gradient with
// respect to that output is dOut (rows, Out); it must follow a Forward on
// the same x and rows, whose activations it reads, and leaves dOut as it is.
// Both panic with an "mlp: " message on shape misuse: rows outside
// 0..MaxBatch, or slices whose lengths are not rows times the widths.
//
// The implementations are in this package (Net, the multilayer
// perceptron, and the models of Models); NewModel builds the one a Config
// names.
type Model[T Float] interface {
	Arch() Config  // the shape the model was built with
	Params() []T   // the flat parameters; the layout of Arch().Tensors()
	Grads() []T    // the flat gradients, same layout; Backward adds into it
	MaxBatch() int // the largest rows count Forward and Backward accept
	Init(seed uint64)
	ZeroGrad()
	Forward(x []T, rows int) []T
	Backward(x, dOut []T, rows int)

	// useGrads makes g (len NumParams) the gradient buffer, copying the
	// current gradients into it. The training loop places the gradients
	// at the front of its reduction buffer with it.
	useGrads(g []T)
}

// NewModel builds the model cfg names for batches of up to maxBatch rows,
// with parameters at zero (call Init). It returns an error if cfg is not
// valid and panics if maxBatch < 1.
func NewModel[T Float](cfg Config, maxBatch int) (Model[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.Kind() {
	case ModelLSTM:
		return NewLSTM[T](cfg, maxBatch), nil
	case ModelTransformer:
		return NewTransformer[T](cfg, maxBatch), nil
	default:
		return NewNet[T](cfg, maxBatch), nil
	}
}

// Predict writes m's output for x, (rows, In), into out, (rows, Out), in
// chunks of at most MaxBatch rows, so rows may be any size. It panics if
// the lengths do not match rows.
func Predict[T Float](m Model[T], x []T, rows int, out []T) {
	c := m.Arch()
	if rows < 0 || len(x) != rows*c.In || len(out) != rows*c.Out {
		panic(fmt.Sprintf("mlp: Predict of %d rows with len(x)=%d, len(out)=%d; want %d and %d",
			rows, len(x), len(out), rows*c.In, rows*c.Out))
	}
	mb := m.MaxBatch()
	for r := 0; r < rows; r += mb {
		k := min(mb, rows-r)
		y := m.Forward(x[r*c.In:(r+k)*c.In], k)
		copy(out[r*c.Out:], y)
	}
}

// checkBatch panics unless 0 <= rows <= maxBatch and len(s) == rows*width;
// every model's Forward and Backward start with it.
func checkBatch[T Float](what string, s []T, rows, maxBatch, width int) {
	if rows < 0 || rows > maxBatch {
		panic(fmt.Sprintf("mlp: %d rows, want 0..%d (the model's maxBatch)", rows, maxBatch))
	}
	if len(s) != rows*width {
		panic(fmt.Sprintf("mlp: %s has length %d, want rows*%d = %d", what, len(s), width, rows*width))
	}
}
