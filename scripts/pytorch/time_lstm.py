#!/usr/bin/python3
# time_lstm.py: PyTorch's epoch time for the trainer's LSTM, the reference the
# Go step is compared with.
#
# Needs Debian's PyTorch (apt-get install python3-torch), hence /usr/bin/python3;
# `make test` does not need it. Run from the repository root:
#
#   scripts/pytorch/time_lstm.py [--csv data/sp500-2000.csv] [--epochs 6] [--warmup 2]
#                                [--hidden 64] [--layers 1] [--batch 128] [--threads 1]
#                                [--dtype float32]
#
# The model is the trainer's "lstm": nn.LSTM(1, hidden, layers,
# batch_first=True) over windows of 60 closes, the last step's hidden state
# into nn.Linear(hidden, 1); Adam (lr 1e-3), MSE loss, global batch 128. The
# data is the trainer's default: the S&P 500 closes, min-max scaled on the
# train part, windows of 60 with horizon 1, split 70/15/15 (3,531 train and
# 756 validation windows). An epoch is one shuffled pass over the train
# windows (28 steps) and the validation loss under no_grad, as the trainer's
# epoch. It prints the median epoch seconds over --epochs epochs after
# --warmup epochs (wall time, and the process's CPU time, steadier on a busy
# machine), with torch.set_num_threads(--threads) and, unless the
# environment already sets it, OPENBLAS_NUM_THREADS=--threads: Debian's
# PyTorch calls the system OpenBLAS (the one the trainer links), whose own
# thread pool set_num_threads does not govern.
import argparse
import csv
import os
import statistics
import time


def windows(torch, csv_path, window=60):
    with open(csv_path, newline="") as f:
        closes = [float(r["close"]) for r in csv.DictReader(f)]
    n = len(closes) - window
    n_train, n_val = int(0.70 * n), int(0.15 * n)
    lo = min(closes[: n_train + window])
    hi = max(closes[: n_train + window])
    s = torch.tensor([(c - lo) / (hi - lo) for c in closes], dtype=torch.float64)
    x = torch.stack([s[i : i + window] for i in range(n)])
    y = s[window:].unsqueeze(1)
    return (x[:n_train], y[:n_train]), (x[n_train : n_train + n_val], y[n_train : n_train + n_val])


def lstm_regressor(torch, hidden, layers):
    """nn.LSTM over the window's steps, nn.Linear on the last hidden state."""

    class LSTMRegressor(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(1, hidden, layers, batch_first=True)
            self.head = torch.nn.Linear(hidden, 1)

        def forward(self, x):
            out, _ = self.lstm(x.unsqueeze(-1))
            return self.head(out[:, -1, :])

    return LSTMRegressor()


def main():
    p = argparse.ArgumentParser(description="Time PyTorch's epoch of the trainer's LSTM.")
    p.add_argument("--csv", default="data/sp500-2000.csv")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    a = p.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
    import torch  # after OPENBLAS_NUM_THREADS: OpenBLAS reads it when it loads

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dtype = getattr(torch, a.dtype)
    (xt, yt), (xv, yv) = windows(torch, a.csv)
    xt, yt, xv, yv = (t.to(dtype) for t in (xt, yt, xv, yv))
    model = lstm_regressor(torch, a.hidden, a.layers).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    times, cpu = [], []
    for epoch in range(a.warmup + a.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        model.train()
        perm = torch.randperm(len(xt))
        for lo in range(0, len(xt), a.batch):
            idx = perm[lo : lo + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val = sum(loss_fn(model(xv[i : i + a.batch]), yv[i : i + a.batch]).item() * len(xv[i : i + a.batch])
                      for i in range(0, len(xv), a.batch)) / len(xv)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if epoch >= a.warmup:
            times.append(dt)
            cpu.append(dc)
        print(f"epoch {epoch + 1}{' (warm-up)' if epoch < a.warmup else ''}: {dt:.3f} s ({dc:.3f} s CPU), val loss {val:.3g}",
              flush=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, {a.dtype}, "
          f"{len(xt)} train / {len(xv)} val windows, batch {a.batch}, hidden {a.hidden}, layers {a.layers}: "
          f"median epoch {statistics.median(times):.3f} s ({statistics.median(cpu):.3f} s CPU) over {len(times)} epochs")


if __name__ == "__main__":
    main()
