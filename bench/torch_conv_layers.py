#!/usr/bin/env python3
"""torch_conv_layers.py -- the PyTorch anchor for bench/nn.mjs's convolution figure.

Same work as bench/nn.mjs's conv figure (the convolutional part of example:fashion's CNN): a batch of 64
images 28x28x1 -> Conv 32 3x3 relu -> MaxPool 2 -> Conv 64 3x3 relu -> MaxPool 2 ('valid' padding),
loss = sum(output * fixed random projection), backward to every kernel and bias (the images need no
gradient). In PyTorch's own layout (NCHW), as its users write it. torch.set_num_threads(--threads)
(default 1; bench/nn.mjs --torch runs 1 and 2 and takes the best). Run it without OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE (bench/nn.mjs removes them), as a user would; the JSON records the BLAS kernel
threadpoolctl reports and whether PyTorch has oneDNN (mkldnn), which its CPU convolutions use.
Reports min / median ms per fwd+bwd over 3 rounds of --iters iterations each (after warm-up). Last stdout
line: one JSON object.

Usage: /usr/bin/python3 bench/torch_conv_layers.py [--iters 5] [--batch 64] [--threads 1]
"""
import argparse
import json

import torch

from torch_timing import blas_info, time_rounds

parser = argparse.ArgumentParser()
parser.add_argument("--iters", type=int, default=5)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(1)
layers = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 3),
    torch.nn.ReLU(),
    torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(32, 64, 3),
    torch.nn.ReLU(),
    torch.nn.MaxPool2d(2),
)
x = torch.rand(args.batch, 1, 28, 28)
projection = torch.randn(args.batch, 64, 5, 5)


def once():
    loss = (layers(x) * projection).sum()
    loss.backward()
    layers.zero_grad(set_to_none=True)


timing = time_rounds(once, args.iters, warmup=2)
result = {
    "anchor": "torch",
    "blas": blas_info(),
    "mkldnn": torch.backends.mkldnn.is_available(),
    "torch": torch.__version__,
    "threads": args.threads,
    "shape": [args.batch, 28, 28, 1, 32, 64],
    "convFwdBwdMs": timing,
}
print(json.dumps(result))
