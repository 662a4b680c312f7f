#!/usr/bin/python3
# fixture_transformer.py: writes mlp/testdata/transformer_torch.json, the
# PyTorch reference that mlp's TestTransformerTorchFixture checks the Go
# Transformer against (outputs and every parameter gradient, float64).
#
# Needs PyTorch: Debian's python3-torch (1.13) for the system Python,
# /usr/bin/python3 (apt-get install python3-torch). `make test` does not
# run this script; it only reads the JSON committed beside the tests. Run it
# from the repository's root when the model or the fixture changes:
#
#   scripts/pytorch/fixture_transformer.py            # or: /usr/bin/python3 scripts/pytorch/fixture_transformer.py
#
# The module is the one mlp.Transformer documents: nn.Linear(F, D) on every
# step plus a learned positional embedding, nn.TransformerEncoderLayer x
# Layers (norm_first=True, dropout=0, relu, batch_first=True), a final
# nn.LayerNorm(D) and nn.Linear(D, Out) on the last position. It stays in
# training mode so that the layers run their standard (not the fused
# inference) path. Weights are drawn from a fixed seed, larger than a
# fresh initialization so that attention is far from uniform and LayerNorm
# weights and biases are not 1 and 0. The loss is the sum of squared errors,
# the loss whose gradient the Go training step feeds Backward
# (dOut = 2*(pred - y)).
import json
import math
import os
import sys

import torch
from torch import nn

CONFIG = dict(steps=7, features=3, d_model=12, heads=3, layers=2, ff=10, out=2, rows=4)
SEED = 20261129
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "mlp", "testdata", "transformer_torch.json")


class Encoder(nn.Module):
    def __init__(self, steps, features, d_model, heads, layers, ff, out):
        super().__init__()
        self.steps, self.features = steps, features
        self.input = nn.Linear(features, d_model)
        self.pos = nn.Parameter(torch.zeros(steps, d_model))
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.0, activation="relu",
                                       batch_first=True, norm_first=True)
            for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, out)

    def forward(self, x):
        h = self.input(x.view(x.shape[0], self.steps, self.features)) + self.pos
        for layer in self.layers:
            h = layer(h)
        return self.head(self.norm(h[:, -1]))


def main():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    c = CONFIG
    model = Encoder(c["steps"], c["features"], c["d_model"], c["heads"], c["layers"], c["ff"], c["out"])
    model.train()
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.3 * r)
            elif name == "pos":
                p.copy_(0.5 * r)
            elif p.dim() == 2:
                scale = 2.0 if "in_proj" in name else 1.0
                p.copy_(scale * r / math.sqrt(p.shape[1]))
            else:
                p.copy_(0.3 * r)
    rows = c["rows"]
    x = torch.randn(rows, c["steps"] * c["features"], generator=g)
    y = torch.randn(rows, c["out"], generator=g)
    pred = model(x)
    loss = ((pred - y) ** 2).sum()
    loss.backward()

    flat = lambda t: t.detach().reshape(-1).tolist()
    doc = {
        "about": "PyTorch " + torch.__version__ + " reference for mlp.Transformer, written by scripts/pytorch/fixture_transformer.py",
        "config": c,
        "x": flat(x),
        "y": flat(y),
        "params": {n: flat(p) for n, p in model.named_parameters()},
        "shapes": {n: list(p.shape) for n, p in model.named_parameters()},
        "out": flat(pred),
        "loss": loss.item(),
        "grads": {n: flat(p.grad) for n, p in model.named_parameters()},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}: {sum(p.numel() for p in model.parameters())} parameters, loss {loss.item():.6g}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
