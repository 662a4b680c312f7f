#!/usr/bin/python3
# time_mlp.py: PyTorch's epoch time for the trainer's MLP configurations, the
# reference `make bench` compares the Go epoch with.
#
# Needs Debian's PyTorch (apt-get install python3-torch), hence /usr/bin/python3;
# `make test` does not need it. Run from the repository root:
#
#   scripts/pytorch/time_mlp.py [--config default|large] [--csv data/sp500-2000.csv]
#                               [--epochs 6] [--warmup 2] [--threads 1] [--dtype float32]
#
# The models are `trainer bench`'s: "default" is 60 -> 128 -> 128 -> 1 with
# ReLU at global batch 128, "large" 60 -> 512 -> 512 -> 512 -> 1 at 1024;
# nn.Linear layers, Adam (lr 1e-3), MSE loss. The data is the trainer's
# default split (3,531 train and 756 validation windows of 60 closes). An
# epoch is one shuffled pass over the train windows and the validation loss
# under no_grad, as the trainer's epoch. It prints the median epoch seconds
# over --epochs epochs after --warmup epochs (wall time, and the process's
# CPU time), with torch.set_num_threads(--threads) and, unless the
# environment already sets it, OPENBLAS_NUM_THREADS=--threads: Debian's
# PyTorch calls the system OpenBLAS (the one the trainer links), whose own
# thread pool set_num_threads does not govern.
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from time_lstm import windows  # noqa: E402  the same data as the LSTM's timing

CONFIGS = {"default": ([128, 128], 128), "large": ([512, 512, 512], 1024)}


def main():
    p = argparse.ArgumentParser(description="Time PyTorch's epoch of the trainer's MLP.")
    p.add_argument("--config", choices=sorted(CONFIGS), default="large")
    p.add_argument("--csv", default="data/sp500-2000.csv")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    a = p.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
    import torch  # after OPENBLAS_NUM_THREADS: OpenBLAS reads it when it loads

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dtype = getattr(torch, a.dtype)
    hidden, batch = CONFIGS[a.config]
    (xt, yt), (xv, yv) = windows(torch, a.csv)
    xt, yt, xv, yv = (t.to(dtype) for t in (xt, yt, xv, yv))
    layers, width = [], 60
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, 1)).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    times, cpu = [], []
    for epoch in range(a.warmup + a.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        model.train()
        perm = torch.randperm(len(xt))
        for lo in range(0, len(xt), batch):
            idx = perm[lo : lo + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val = sum(loss_fn(model(xv[i : i + batch]), yv[i : i + batch]).item() * len(xv[i : i + batch])
                      for i in range(0, len(xv), batch)) / len(xv)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if epoch >= a.warmup:
            times.append(dt)
            cpu.append(dc)
        print(f"epoch {epoch + 1}{' (warm-up)' if epoch < a.warmup else ''}: {dt:.3f} s ({dc:.3f} s CPU), val loss {val:.3g}",
              flush=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, {a.dtype}, "
          f"{len(xt)} train / {len(xv)} val windows, config {a.config}, batch {batch}: "
          f"median epoch {statistics.median(times):.4f} s ({statistics.median(cpu):.4f} s CPU) over {len(times)} epochs")


if __name__ == "__main__":
    main()
