// Examples of the package's public API.
package mlp_test

import (
	"fmt"
	"math"

	"mpitrain/mlp"
)

func ExampleConfig_NumParams() {
	cfg := mlp.DefaultConfig()
	fwd, bwd := cfg.FLOPsPerSample()
	fmt.Println(cfg, cfg.NumParams(), fwd, bwd)
	// Output: 60-128-128-1 relu 24449 48384 81408
}

func ExampleMSE() {
	pred := []float64{1, 2, 4}
	actual := []float64{1, 3, 2}
	fmt.Printf("MSE %.4f MAE %.4f R2 %.4f\n", mlp.MSE(pred, actual), mlp.MAE(pred, actual), mlp.R2(pred, actual))
	// Output: MSE 1.6667 MAE 1.0000 R2 -1.5000
}

func ExampleDirectionalAccuracy() {
	last := []float64{100, 100, 100, 100}
	pred := []float64{101, 99, 102, 100}
	actual := []float64{103, 98, 97, 100}
	fmt.Println(mlp.DirectionalAccuracy(pred, actual, last))
	// Output: 0.75
}

func ExamplePersistence() {
	// Two windows of three inputs, horizon one: the forecast is the last input.
	x := []float64{0.1, 0.2, 0.3, 0.5, 0.4, 0.6}
	fmt.Println(mlp.Persistence(x, 3, 1))
	// Output: [0.3 0.6]
}

func ExampleNet_Forward() {
	// A 2-2-1 ReLU net with hand-set parameters, laid out layer by layer as
	// W (out, in) row-major then b (out).
	net := mlp.NewNet[float64](mlp.Config{In: 2, Hidden: []int{2}, Out: 1}, 4)
	copy(net.Params(), []float64{
		1, 0, // layer 1 W row 0
		0, -1, // layer 1 W row 1
		0, 0.5, // layer 1 b
		2, 3, // layer 2 W
		-1, // layer 2 b
	})
	x := []float64{
		1, 2,
		-1, -2,
	}
	fmt.Println(net.Forward(x, 2))
	// Output: [1 6.5]
}

func ExampleTrain() {
	// y = x0 - x1 on 32 samples, one rank, full-batch SGD with momentum.
	cfg := mlp.Config{In: 2, Out: 1}
	x, y := make([]float64, 64), make([]float64, 32)
	for i := range 32 {
		x[2*i], x[2*i+1] = float64(i%8)/8, float64(i/8)/4
		y[i] = x[2*i] - x[2*i+1]
	}
	data := mlp.Split[float64]{X: x, Y: y, N: 32}
	net := mlp.NewNet[float64](cfg, 32)
	net.Init(1)
	all := make([]int, 32)
	for i := range all {
		all[i] = i
	}
	shards := func(epoch int) [][]int { return [][]int{all} }
	tc := mlp.TrainConfig{Epochs: 200, Batch: 32, LR: 0.5, Optimizer: "sgd", Momentum: 0.9}
	res, err := mlp.Train(net, data, data, shards, mlp.NewSelfReducer(), tc, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	last := res.History[len(res.History)-1]
	fmt.Printf("val loss below 1e-6: %v; weights %.3f %.3f, |bias| < 1e-3: %v\n",
		last.ValLoss < 1e-6, net.Params()[0], net.Params()[1], math.Abs(net.Params()[2]) < 1e-3)
	// Output: val loss below 1e-6: true; weights 1.000 -1.000, |bias| < 1e-3: true
}

// The LSTM's parameter tensors, in the order of the flat slice, with
// PyTorch's names (one bias per layer: bias_ih + bias_hh).
func ExampleConfig_Tensors() {
	cfg := mlp.Config{Model: mlp.ModelLSTM, In: 60, Hidden: []int{64, 32}, Out: 1}
	for _, ts := range cfg.Tensors() {
		fmt.Println(ts.Name, ts.Shape, ts.Off)
	}
	fmt.Println(cfg, cfg.NumParams())
	// Output:
	// lstm.weight_ih_l0 [256 1] 0
	// lstm.weight_hh_l0 [256 64] 256
	// lstm.bias_l0 [256] 16640
	// lstm.weight_ih_l1 [128 64] 16896
	// lstm.weight_hh_l1 [128 32] 25088
	// lstm.bias_l1 [128] 29184
	// head.weight [1 32] 29312
	// head.bias [1] 29344
	// lstm 60x1-64-32-1 29345
}
