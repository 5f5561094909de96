#!/usr/bin/env bash
# Checkpoint I/O benchmark: zl-bench format (write, inspect, verified load of a ~50 MB checkpoint) and,
# for comparison when the safetensors library is installed, safetensors save/load of the same tensors.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product zl-bench >/dev/null
.build/release/zl-bench format --size-mb "${1:-50}"
python3 - "${1:-50}" <<'PY' || echo '{"bench":"safetensors","note":"safetensors or numpy not installed"}'
import json, sys, time, os
import numpy as np
from safetensors.numpy import save_file, load_file
n = int(sys.argv[1]) << 18
ts = {f"w{k}": np.random.default_rng(k).standard_normal(min(1 << 20, n - k * (1 << 20)), dtype=np.float32)
      for k in range((n + (1 << 20) - 1) >> 20)}
p = "/tmp/zl-bench.safetensors"
best = lambda f: min((lambda t0: (f(), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(3))
w = best(lambda: save_file(ts, p)); r = best(lambda: load_file(p))
mb = os.path.getsize(p) / 2**20
print(json.dumps({"bench": "safetensors", "mb": mb, "write_mb_per_s": mb / w, "load_mb_per_s": mb / r, "verifies_checksums": False}))
os.unlink(p)
PY
