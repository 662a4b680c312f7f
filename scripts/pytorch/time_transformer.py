#!/usr/bin/python3
# time_transformer.py: seconds per training epoch of PyTorch on the
# transformer mlp.Transformer implements, at the trainer's default sizes:
# the reference the Go transformer's epoch time is compared with.
#
# Needs PyTorch: Debian's python3-torch (1.13) for the system Python,
# /usr/bin/python3 (apt-get install python3-torch); `make test` does not run
# it. From the repository's root:
#
#   scripts/pytorch/time_transformer.py [--epochs 6] [--threads 1] [--batch 128]
#   OPENBLAS_NUM_THREADS=2 scripts/pytorch/time_transformer.py   # OpenBLAS on 2 threads
#
# The data are the embedded S&P 500 closes (data/sp500-2000.csv): windows of
# 60 closes predicting the next one, cut chronologically 70/15/15 (3,531
# training and 756 validation windows), z-scored with the training part's
# mean and standard deviation (the values do not change the timing; the
# trainer scales each window instead). An epoch is what the trainer's is: one
# shuffled pass of Adam (lr 1e-3) steps on global batches of 128 under
# MSELoss, then the validation loss in batches of 128 (eval mode, no
# gradients). The model is float32, d_model 64, 4 heads, 2 layers,
# feed-forward 128, the module of scripts/pytorch/fixture_transformer.py.
# One thread (torch.set_num_threads(1), and OPENBLAS_NUM_THREADS=1 unless
# the environment sets it: torch's setting does not reach OpenBLAS's own
# pool, which otherwise takes every core for the larger products) matches
# one trainer rank per core. The first epoch is a warm-up; the script
# prints every epoch and the medians of the others (whole epoch, its
# training steps, its validation, and the process's CPU time, which a busy
# machine inflates less than wall time).
import argparse
import csv
import os
import statistics
import sys
import time

ap = argparse.ArgumentParser(description="Seconds per epoch of PyTorch on the default transformer.")
ap.add_argument("--epochs", type=int, default=6, help="epochs, the first a warm-up")
ap.add_argument("--threads", type=int, default=1,
                help="torch.set_num_threads, and OpenBLAS's threads unless OPENBLAS_NUM_THREADS is set")
ap.add_argument("--batch", type=int, default=128, help="batch size")
ARGS = ap.parse_args()
# Debian's torch calls OpenBLAS (libblas.so.3) for its matrix products, and
# torch.set_num_threads does not reach OpenBLAS's own thread pool, which is
# sized when the library loads: set it before importing torch.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))

import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_transformer import Encoder  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def windows(window):
    with open(os.path.join(ROOT, "data", "sp500-2000.csv")) as f:
        closes = [float(r["close"]) for r in csv.DictReader(f)]
    s = torch.tensor(closes, dtype=torch.float64)
    n = len(closes) - window
    x = torch.stack([s[i:i + window] for i in range(n)])
    y = s[window:window + n].unsqueeze(1)
    ntrain, nval = int(0.7 * n), int(0.15 * n)
    mean, std = s[:ntrain + window].mean(), s[:ntrain + window].std()
    norm = lambda t: ((t - mean) / std).float()
    return (norm(x[:ntrain]), norm(y[:ntrain])), (norm(x[ntrain:ntrain + nval]), norm(y[ntrain:ntrain + nval]))


def main():
    a = ARGS
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    (xt, yt), (xv, yv) = windows(60)
    model = Encoder(steps=60, features=1, d_model=64, heads=4, layers=2, ff=128, out=1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"{len(xt)} training and {len(xv)} validation windows, batch {a.batch}")
    rows = []
    for epoch in range(a.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), a.batch):
            idx = perm[i:i + a.batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        t1 = time.perf_counter()
        model.eval()
        with torch.no_grad():
            sse = sum(((model(xv[i:i + a.batch]) - yv[i:i + a.batch]) ** 2).sum().item()
                      for i in range(0, len(xv), a.batch))
        t2, c2 = time.perf_counter(), time.process_time()
        rows.append((t2 - t0, t1 - t0, t2 - t1, c2 - c0))
        print(f"epoch {epoch + 1}: {t2 - t0:.3f} s (train {t1 - t0:.3f} s, validation {t2 - t1:.3f} s; "
              f"CPU {c2 - c0:.3f} s), val loss {sse / len(xv):.5f}", flush=True)
    if len(rows) > 1:
        med = [statistics.median(r[k] for r in rows[1:]) for k in range(4)]
        print(f"median of epochs 2..{len(rows)}: {med[0]:.3f} s per epoch "
              f"(train {med[1]:.3f} s, validation {med[2]:.3f} s; CPU {med[3]:.3f} s)")


if __name__ == "__main__":
    main()
