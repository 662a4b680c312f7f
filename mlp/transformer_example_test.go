// Examples of the transformer's configuration.
package mlp_test

import (
	"fmt"

	"mpitrain/mlp"
)

func ExampleConfig_Tensors_transformer() {
	// A one-layer encoder over windows of 4 steps of 2 features.
	cfg := mlp.Config{Model: mlp.ModelTransformer, In: 8, Features: 2, Out: 1, DModel: 8, Heads: 2, Layers: 1, FF: 16}
	fmt.Println(cfg, "with", cfg.NumParams(), "parameters:")
	for _, t := range cfg.Tensors() {
		fmt.Printf("%4d %-34s %v\n", t.Off, t.Name, t.Shape)
	}
	// Output:
	// transformer 4x2 d8 h2 l1 ff16 -> 1 with 681 parameters:
	//    0 input.weight                       [8 2]
	//   16 input.bias                         [8]
	//   24 pos                                [4 8]
	//   56 layers.0.self_attn.in_proj_weight  [24 8]
	//  248 layers.0.self_attn.in_proj_bias    [24]
	//  272 layers.0.self_attn.out_proj.weight [8 8]
	//  336 layers.0.self_attn.out_proj.bias   [8]
	//  344 layers.0.linear1.weight            [16 8]
	//  472 layers.0.linear1.bias              [16]
	//  488 layers.0.linear2.weight            [8 16]
	//  616 layers.0.linear2.bias              [8]
	//  624 layers.0.norm1.weight              [8]
	//  632 layers.0.norm1.bias                [8]
	//  640 layers.0.norm2.weight              [8]
	//  648 layers.0.norm2.bias                [8]
	//  656 norm.weight                        [8]
	//  664 norm.bias                          [8]
	//  672 head.weight                        [1 8]
	//  680 head.bias                          [1]
}
