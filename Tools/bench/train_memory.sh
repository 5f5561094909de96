#!/usr/bin/env bash
# zl-train on a big archive: peak RSS against the raw log's size (issue 17's target: at most half of
# it). The input is the HDFS 2 % sample replicated 8 times, each copy's block ids made its own (a
# digit appended: blk_123 -> blk_1231 ... blk_1238, and the labels alike), so the copies are 8x the
# sessions rather than 8x longer sessions. Runs the default (hybrid) fit, the same with
# --max-sessions, and a network method (zerolog) with the 8x log as its labelled source; prints one
# JSON line each with the peak RSS, the log size, their ratio and the wall time.
#   Tools/bench/train_memory.sh [COPIES]   (default 8; needs ~260 MB in .build/bench-train)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${ZL_DATA:-../shared/data}
COPIES=${1:-8}
OUT=.build/bench-train
mkdir -p "$OUT"
swift build -c release --product zl-train >&2
BIN=$(swift build -c release --show-bin-path)
LOG=$OUT/hdfs-x$COPIES.log
LABELS=$OUT/labels-x$COPIES.csv
if [ ! -f "$LOG" ] || [ ! -f "$LABELS" ]; then
  echo "making $LOG ($COPIES copies of HDFS 2 %, block ids made distinct)" >&2
  rm -f "$LOG.tmp" "$LABELS.tmp"
  head -1 "$DATA/hdfs-2pct/anomaly_label_2pct.csv" > "$LABELS.tmp"
  for k in $(seq 1 "$COPIES"); do
    gzip -dc "$DATA/hdfs-2pct/HDFS_2pct.log.gz" | sed "s/blk_\(-\{0,1\}[0-9]\{1,\}\)/blk_\1$k/g" >> "$LOG.tmp"
    tail -n +2 "$DATA/hdfs-2pct/anomaly_label_2pct.csv" | sed "s/^blk_\(-\{0,1\}[0-9]\{1,\}\)/blk_\1$k/" >> "$LABELS.tmp"
  done
  mv "$LABELS.tmp" "$LABELS"
  mv "$LOG.tmp" "$LOG"
fi
D=Tools/demo/data
python3 - "$BIN/zl-train" "$LOG" "$LABELS" "$OUT" "$D" <<'PY'
import json, os, resource, subprocess, sys, time
zt, log, labels, out, d = sys.argv[1:6]
size = os.path.getsize(log)
runs = [
    ("hybrid (default)", ["fit", "--target", log, "--target-preset", "hdfs", "--target-labels", labels]),
    ("hybrid --max-sessions 20000", ["fit", "--target", log, "--target-preset", "hdfs", "--target-labels", labels, "--max-sessions", "20000"]),
    ("zerolog, the log as source (1 epoch)", ["fit", "--method", "zerolog", "--source", log, "--source-preset", "hdfs", "--source-labels", labels,
      "--target", f"{d}/BGL_2k.log.gz", "--target-preset", "bgl", "--glove", f"{d}/glove-demo.txt.gz", "--epochs", "1"]),
]
for name, args in runs:
    report = f"{out}/report.json"
    t0 = time.perf_counter()
    # wait4 gives this one child's peak (RUSAGE_CHILDREN would be the largest child so far).
    p = subprocess.Popen([zt] + args + ["-o", f"{out}/model.zlck", "--report", report, "--quiet"])
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        print(json.dumps({"bench": "train_memory", "run": name, "error": f"exit status {status}"}))
        continue
    r = json.load(open(report))
    f1 = (r.get("test") or {}).get("inductive") or {}
    peak = ru.ru_maxrss * 1024
    print(json.dumps({"bench": "train_memory", "run": name, "log_bytes": size, "peak_rss_bytes": peak,
                      "peak_over_log": round(peak / size, 3), "wall_seconds": round(wall, 2),
                      "sessions": r["sampling"]["target_sessions"], "held_out_f1": f1.get("f1")}))
PY
