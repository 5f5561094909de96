#!/usr/bin/env bash
# Front-end benchmarks on HDFS lines (the LogHub 2k sample repeated to 200k lines), one thread:
# Drain learn/match with the LogHub settings and with the detection masks (zl-bench parse), raw
# line -> event vector -> session (zl-bench front-end, with RSS on 10x the input), and Drain3 on the
# same lines for comparison. Then grouping accuracy beside Drain3 on the 12 LogHub systems.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${ZL_DATA:-../shared/data}
# One product per call: SwiftPM builds only the last of several --product options.
swift build -c release --product zl-bench >/dev/null
swift build -c release --product zl-train >/dev/null
F=/tmp/zl-hdfs200k.log
python3 -c "import sys; l=open('$DATA/loghub/HDFS/HDFS_2k.log','rb').read().splitlines(); open('$F','wb').write(b'\n'.join(l*100)+b'\n')"
.build/release/zl-bench parse "$F" --repeat 5
.build/release/zl-bench parse "$F" --detection --repeat 5
.build/release/zl-bench front-end "$F" --glove "$DATA/glove/glove.6B.50d.logvocab.txt" --repeat 5
python3 - "$F" <<'PY' || echo '{"bench":"drain3","note":"drain3 not installed"}'
import json, sys, time
sys.path.insert(0, "Tools/bench")
from parse_accuracy import drain3_groups, SETTINGS
fmt, rx, sim, depth = SETTINGS["HDFS"]
ids, t = drain3_groups(sys.argv[1], fmt, rx, sim, depth)
print(json.dumps({"bench": "drain3", "lines": len(ids), "learn_lines_per_s": len(ids) / t}))
PY
python3 Tools/bench/parse_accuracy.py --data "$DATA"
