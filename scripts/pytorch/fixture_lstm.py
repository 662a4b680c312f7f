#!/usr/bin/python3
# fixture_lstm.py: writes mlp/testdata/lstm_torch.json, PyTorch's outputs and
# gradients for the LSTM model, which TestLSTMTorchFixture checks the Go LSTM
# against.
#
# Needs Debian's PyTorch (apt-get install python3-torch), hence /usr/bin/python3.
# `make test` does not run it: the JSON it writes is committed. Regenerate it,
# from the repository root, with
#
#   scripts/pytorch/fixture_lstm.py            # writes mlp/testdata/lstm_torch.json
#   scripts/pytorch/fixture_lstm.py -o FILE    # writes FILE instead
#
# Each case is an LSTM of the trainer's shape in float64: stacked LSTM layers
# (batch_first) over windows of T steps of F features, then nn.Linear on the
# last step's hidden state. "stacked" is one nn.LSTM(num_layers=2); "uneven"
# chains two one-layer nn.LSTMs of different hidden sizes, which is the same
# computation as a stacked LSTM whose layers differ in size (nn.LSTM cannot
# express that); "one-feature" is the trainer's default shape in small (one
# value per step, one layer). Parameters are drawn from a fixed seed, biases included.
#
# PyTorch has two biases per layer, bias_ih and bias_hh, that only ever enter
# the gates as their sum; the Go model keeps one, lstm.bias_l{l}. The fixture
# draws both, writes their sum as lstm.bias_l{l}, and writes the gradient of
# bias_ih's (the two are equal up to summation order, which the script
# checks) as the gradient of the sum.
#
# The loss is the training loss the engine differentiates: the SUM of squared
# errors over samples and outputs (its gradient w.r.t. the output is
# 2*(pred - y)). Parameters and gradients are written flat, row-major, under
# the Go model's tensor names (mlp.Config.Tensors).
import argparse
import json

import torch

CASES = [
    # name, features F, steps T, hidden sizes, out, rows, seed
    ("stacked", 3, 6, [5, 5], 2, 4, 1),
    ("uneven", 2, 5, [3, 4], 2, 3, 2),
    ("one-feature", 1, 7, [6], 1, 3, 3),
]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


def run_case(name, F, T, hidden, out, rows, seed):
    torch.manual_seed(seed)
    if len(set(hidden)) == 1:
        lstms = [torch.nn.LSTM(F, hidden[0], num_layers=len(hidden), batch_first=True)]
    else:
        lstms, n_in = [], F
        for h in hidden:
            lstms.append(torch.nn.LSTM(n_in, h, num_layers=1, batch_first=True))
            n_in = h
    head = torch.nn.Linear(hidden[-1], out)
    modules = [m.double() for m in lstms + [head]]
    with torch.no_grad():
        for m in modules:
            for p in m.parameters():
                p.uniform_(-0.6, 0.6)

    # (module, PyTorch layer index) of each Go layer l
    layer_of = []
    for m in lstms:
        layer_of += [(m, k) for k in range(m.num_layers)]

    x = torch.rand(rows, T, F, dtype=torch.float64) * 2 - 1
    y = torch.rand(rows, out, dtype=torch.float64) * 2 - 1
    seq = x
    for m in lstms:
        seq, _ = m(seq)
    pred = head(seq[:, -1, :])
    loss = ((pred - y) ** 2).sum()
    loss.backward()

    params, grads = {}, {}
    for l, (m, k) in enumerate(layer_of):
        w_ih, w_hh = getattr(m, f"weight_ih_l{k}"), getattr(m, f"weight_hh_l{k}")
        b_ih, b_hh = getattr(m, f"bias_ih_l{k}"), getattr(m, f"bias_hh_l{k}")
        # equal up to summation order
        assert torch.allclose(b_ih.grad, b_hh.grad, rtol=1e-12, atol=1e-15), "bias_ih and bias_hh gradients differ"
        params[f"lstm.weight_ih_l{l}"], grads[f"lstm.weight_ih_l{l}"] = flat(w_ih), flat(w_ih.grad)
        params[f"lstm.weight_hh_l{l}"], grads[f"lstm.weight_hh_l{l}"] = flat(w_hh), flat(w_hh.grad)
        params[f"lstm.bias_l{l}"], grads[f"lstm.bias_l{l}"] = flat(b_ih + b_hh), flat(b_ih.grad)
    params["head.weight"], grads["head.weight"] = flat(head.weight), flat(head.weight.grad)
    params["head.bias"], grads["head.bias"] = flat(head.bias), flat(head.bias.grad)
    return {
        "name": name,
        "features": F,
        "steps": T,
        "hidden": hidden,
        "out": out,
        "rows": rows,
        "x": flat(x),
        "y": flat(y),
        "params": params,
        "output": flat(pred),
        "loss": float(loss),
        "grads": grads,
    }


def main():
    p = argparse.ArgumentParser(description="Write PyTorch's LSTM outputs and gradients for the Go tests.")
    p.add_argument("-o", default="mlp/testdata/lstm_torch.json", help="output file")
    a = p.parse_args()
    doc = {
        "about": "written by scripts/pytorch/fixture_lstm.py with torch " + torch.__version__,
        "cases": [run_case(*c) for c in CASES],
    }
    with open(a.o, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
