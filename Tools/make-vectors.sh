#!/usr/bin/env bash
# Regenerates Formats/vectors/v1 (and checks every vector with Tools/zlck.py). Deterministic.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 Tools/make_vectors.py
