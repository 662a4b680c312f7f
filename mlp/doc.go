// Package mlp is a data-parallel regressor, a multilayer perceptron, an
// LSTM or a Transformer encoder, generic over the element type (float32 or
// float64).
//
// A Net keeps every parameter in one flat slice, Params, and every gradient
// in a second slice, Grads, with the same layout: for each layer l in order,
// its weight matrix W (out, in) row-major followed by its bias b (out). Layers
// hold views into the two slices, so one Allreduce moves every gradient, the
// optimizer is one loop over one slice and a checkpoint writes one buffer.
//
// Forward and Backward are straight-line passes over paired kernels
// (linearForward / linearBackward): the output starts as the bias rows, one
// GEMM adds the product to it, and one loop applies the activation. Activations are allocated once for the largest
// batch; a training step allocates nothing once warm.
//
// The LSTM (NewLSTM, Config.Model "lstm") keeps the same flat layout, with
// PyTorch's tensor names: stacked LSTM layers over the window's steps and a
// linear head on the last hidden state. Its forward pass projects every
// step's input with one GEMM per layer and takes one GEMM per step for the
// recurrence; its backward pass walks the steps in reverse over the gates
// and cell states kept from forward, then forms each weight gradient with
// one GEMM over all steps. At float32 its sigmoid and tanh are the
// package's own (about 1e-7 relative error) and its cell kernels run on
// AVX2 where the CPU has it, giving the same bits as the Go loops.
//
// Transformer, the model "transformer", is a pre-LayerNorm Transformer
// encoder read at the last position (PyTorch's nn.TransformerEncoderLayer
// with norm_first=True), written the same way: one flat parameter slice
// named tensor by tensor (Config.Tensors) and paired kernels
// (layernormForward / layernormBackward with the cached mean and rstd,
// attentionForward / attentionBackward with the cached softmax
// probabilities, matrix products through one GEMM wrapper). Its last layer
// works at the last position only. At float32 its softmax and LayerNorm
// run on AVX2 where the CPU has it, with the bits of their Go loops.
//
// Loss is the mean squared error over samples and outputs, like PyTorch's
// MSELoss(reduction="mean"). In data-parallel training each rank computes the
// SUM of squared errors over its shard and the gradient of that sum; one
// in-place SUM Allreduce combines gradients, SSE and row counts, and every
// rank then divides the gradient by (global rows * Out) and takes the same
// optimizer step. The number of ranks therefore changes only the float
// summation order, never the result (see Train).
//
// The package talks to the outside world through the small Reducer interface;
// NewSelfReducer is the one-rank implementation. It also provides the
// evaluation metrics (MSE, MAE, R2, DirectionalAccuracy) and two baselines
// (Persistence and an OLS linear model).
//
// Misuse panics: shape and length mismatches (a batch larger than the net was
// built for, an x slice whose length is not rows*In, metric inputs of
// different lengths) panic with a message starting "mlp: ". Bad data and bad
// configuration values return errors.
package mlp
