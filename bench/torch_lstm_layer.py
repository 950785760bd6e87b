#!/usr/bin/env python3
"""torch_lstm_layer.py -- the PyTorch anchor for bench/nn.mjs: one LSTM layer forward + backward.

Same work as bench/nn.mjs's LSTM figure: batch 20, 35 time steps, 200 inputs -> 200 units, one layer,
zero initial state, loss = sum(output * fixed random projection), backward to the input and all
weights. torch.set_num_threads(--threads) (default 1; bench/nn.mjs --torch runs 1 and 2 and takes the
best). Run it without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (bench/nn.mjs removes them), as a user would;
the JSON records the BLAS kernel threadpoolctl reports. Reports min / median ms per fwd+bwd over 3 rounds of
--iters iterations each (after warm-up). Last stdout line: one JSON object.

Usage: /usr/bin/python3 bench/torch_lstm_layer.py [--iters 20] [--batch 20] [--steps 35] [--units 200]
"""
import argparse
import json

import torch

from torch_timing import blas_info, time_rounds

parser = argparse.ArgumentParser()
parser.add_argument("--iters", type=int, default=20)
parser.add_argument("--batch", type=int, default=20)
parser.add_argument("--steps", type=int, default=35)
parser.add_argument("--units", type=int, default=200)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(1)
lstm = torch.nn.LSTM(args.units, args.units, num_layers=1, batch_first=True)
x = torch.randn(args.batch, args.steps, args.units, requires_grad=True)
projection = torch.randn(args.batch, args.steps, args.units)


def once():
    out, _ = lstm(x)
    loss = (out * projection).sum()
    loss.backward()
    lstm.zero_grad(set_to_none=True)
    x.grad = None


timing = time_rounds(once, args.iters, warmup=3)
result = {
    "anchor": "torch",
    "blas": blas_info(),
    "torch": torch.__version__,
    "threads": args.threads,
    "shape": [args.batch, args.steps, args.units, args.units],
    "lstmFwdBwdMs": timing,
}
print(json.dumps(result))
