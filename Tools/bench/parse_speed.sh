#!/usr/bin/env bash
# zl-train parse end to end beside Drain3 end to end, side by side in one run: the LogHub HDFS 2k sample
# repeated to 200k lines, logparser's HDFS settings, CSV (LineId,EventId,EventTemplate) written to a
# file. zl: the process's wall time (start-up, reading, masking, Drain, output) and the time the run
# itself reports (`--json` seconds: reading to the last row, no start-up), 7 runs each with --threads 1
# and 2, median; Drain3 (PyPI drain3): reading, the header regex, add_log_message, the CSV with each
# line's final template, timed inside Python (no interpreter start-up), 3 runs, median. Prints one JSON
# line with the rates and both ratios. ZL_BENCH_STATIC=1 measures a statically linked zl-train (as a
# release ships: the dynamic loader's ~4 ms of symbol binding gone).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${ZL_DATA:-../shared/data}
if [ "${ZL_BENCH_STATIC:-0}" = 1 ]; then
  swift build -c release --product zl-train --build-path .build/static-train --static-swift-stdlib >/dev/null
  ZL=.build/static-train/release/zl-train
else
  swift build -c release --product zl-train >/dev/null
  ZL=.build/release/zl-train
fi
F=/tmp/zl-hdfs200k.log
python3 -c "import sys; l=open('$DATA/loghub/HDFS/HDFS_2k.log','rb').read().splitlines(); open('$F','wb').write(b'\n'.join(l*100)+b'\n')"
python3 - "$F" "$ZL" <<'PY'
import json, statistics, subprocess, sys, time, csv
sys.path.insert(0, "Tools/bench")
from parse_accuracy import SETTINGS, format_regex
path, zl_train = sys.argv[1], sys.argv[2]
lines = sum(1 for _ in open(path, "rb"))

inner = {1: [], 2: []}
def zl(threads):
    t0 = time.perf_counter()
    with open("/tmp/zl-parse-out.csv", "wb") as out:
        r = subprocess.run([zl_train, "parse", "--preset", "hdfs", "--threads", str(threads), "--json", path],
                           stdout=out, stderr=subprocess.PIPE, text=True, check=True)
    wall = time.perf_counter() - t0
    inner[threads].append(json.loads(r.stderr.strip().splitlines()[-1])["seconds"])
    return wall

def drain3():
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig
    t0 = time.perf_counter()  # after Python's start-up and imports
    fmt, regexes, sim, depth = SETTINGS["HDFS"]
    cfg = TemplateMinerConfig()
    cfg.drain_sim_th, cfg.drain_depth, cfg.drain_max_children, cfg.drain_max_clusters = sim, depth, 100, None
    cfg.mask_prefix, cfg.mask_suffix = "<", ">"
    cfg.masking_instructions = [MaskingInstruction(r, "*") for r in regexes]
    cfg.profiling_enabled = False
    tm = TemplateMiner(None, cfg)
    rx = format_regex(fmt)
    ids = []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = rx.search(line.strip())
            ids.append(tm.add_log_message(m.group("Content") if m else line.strip())["cluster_id"])
    templates = {c.cluster_id: c.get_template() for c in tm.drain.clusters}
    with open("/tmp/drain3-parse-out.csv", "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["LineId", "EventId", "EventTemplate"])
        for k, i in enumerate(ids):
            w.writerow([k + 1, f"E{i}", templates[i]])
    return time.perf_counter() - t0

runs = {}
for k in range(7):
    for t in (1, 2):
        runs.setdefault(t, []).append(zl(t))
d3 = [drain3() for _ in range(3)]
rate = lambda xs: lines / statistics.median(xs)
out = {"bench": "parse_end_to_end", "lines": lines, "drain3_lines_per_s": rate(d3),
       "zl_process_threads1_lines_per_s": rate(runs[1]), "zl_process_threads2_lines_per_s": rate(runs[2]),
       "zl_inner_threads1_lines_per_s": rate(inner[1]), "zl_inner_threads2_lines_per_s": rate(inner[2]),
       "ratio_process_threads1": rate(runs[1]) / rate(d3), "ratio_process_threads2": rate(runs[2]) / rate(d3),
       "ratio_inner_threads1": rate(inner[1]) / rate(d3), "ratio_inner_threads2": rate(inner[2]) / rate(d3)}
print(json.dumps(out))
PY
