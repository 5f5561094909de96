#!/bin/sh
# The numerics core side by side with PyTorch and ONNX Runtime on the same shapes and thread count
# (issue targets: inference B=256 x T=50, E=300, H=100, 2 layers; batch-1 latency; training step;
# second-order vs first-order meta-step). Prints JSON lines: zl-bench first, then PyTorch and ORT.
#   Tools/bench/network.sh [--bidirectional] [--threads N] [--batch B] [--length T] [--input E] [--hidden H] [--layers L]
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --product zl-bench >&2
BIN=$(swift build -c release --show-bin-path)
"$BIN/zl-bench" network --repeat 5 "$@"
python3 Tools/bench/network.py --repeat 5 "$@" 2>/dev/null
