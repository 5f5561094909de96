#!/bin/sh
# zl-score beside a Drain3 + ONNX Runtime pipeline (Tools/bench/score_baseline.py) on the same raw log,
# one thread each: cold start (launch to first scored session, best of 7), end-to-end throughput
# (best of 3) and peak RSS. Trains the models it needs with the bundled demo data unless given.
#   Tools/bench/score.sh [HDFS_LOG]   (default ../shared/data/hdfs-2pct/HDFS_2pct.log.gz, unpacked to .build)
set -eu
cd "$(dirname "$0")/../.."
OUT=.build/bench-score
mkdir -p "$OUT"
DATA=${ZL_DATA:-../shared/data}
LOG=${1:-}
if [ -z "$LOG" ]; then
  LOG=$OUT/HDFS_2pct.log
  [ -f "$LOG" ] || gzip -dc "$DATA/hdfs-2pct/HDFS_2pct.log.gz" > "$LOG"
fi
swift build -c release --product zl-score --build-path .build/static -Xswiftc -static-executable >&2
swift build -c release --product zl-train >&2
swift build -c release --product zl-pack >&2
BIN=$(swift build -c release --show-bin-path)
ZS=.build/static/release/zl-score
D=Tools/demo/data
# A default-size network model (ZeroLog's BiGRU 2 x 100, 50-d) for HDFS (target) and one for BGL (windows:
# sessions close early), which the ONNX Runtime baseline also runs; and zl-train's default (hybrid) model
# for HDFS, which has no network (zl-score only).
[ -f "$OUT/hdfs.zlck" ] || "$BIN/zl-train" fit --method zerolog --source "$D/BGL_2k.log.gz" --source-preset bgl --target "$D/hdfs-sample.log.gz" \
  --target-preset hdfs --target-labels "$D/hdfs-sample-labels.csv" --glove "$D/glove-demo.txt.gz" --epochs 2 --quiet -o "$OUT/hdfs.zlck"
[ -f "$OUT/bgl.zlck" ] || "$BIN/zl-train" fit --method zerolog --source "$D/hdfs-sample.log.gz" --source-preset hdfs --source-labels "$D/hdfs-sample-labels.csv" \
  --target "$D/BGL_2k.log.gz" --target-preset bgl --glove "$D/glove-demo.txt.gz" --epochs 2 --quiet -o "$OUT/bgl.zlck"
[ -f "$OUT/hdfs-hybrid.zlck" ] || "$BIN/zl-train" fit --target "$D/hdfs-sample.log.gz" --target-preset hdfs --quiet -o "$OUT/hdfs-hybrid.zlck"
rm -rf "$OUT/hdfs-x" && "$BIN/zl-pack" extract "$OUT/hdfs.zlck" --to "$OUT/hdfs-x" >/dev/null
gzip -dc "$D/BGL_2k.log.gz" > "$OUT/BGL_2k.log"
python3 - "$ZS" "$OUT" "$LOG" <<'PY'
import json, subprocess, sys, time, resource
zs, out, log = sys.argv[1:4]
def first_line(cmd):
    best = 1e9
    for _ in range(7):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdout.readline()
        best = min(best, time.perf_counter() - t0)
        p.kill(); p.wait()
    return best
def rss_of(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    return int(r.stderr.strip().splitlines()[-1]) / 1024, r
zl_cold = first_line([zs, f"{out}/bgl.zlck", f"{out}/BGL_2k.log"])
base_cold = first_line(["python3", "Tools/bench/score_baseline.py", f"{out}/hdfs-x", f"{out}/BGL_2k.log", "--first-only"])
best = None
for _ in range(3):
    rss, r = rss_of([zs, f"{out}/hdfs.zlck", log, "--json"])
    s = json.loads([l for l in r.stderr.splitlines() if l.startswith("{")][-1])
    if best is None or s["lines_per_s"] > best["lines_per_s"]:
        best = dict(s, rss_mib=rss)
hybrid = None
for _ in range(3):
    rss, r = rss_of([zs, f"{out}/hdfs-hybrid.zlck", log, "--json"])
    s = json.loads([l for l in r.stderr.splitlines() if l.startswith("{")][-1])
    if hybrid is None or s["lines_per_s"] > hybrid["lines_per_s"]:
        hybrid = dict(s, rss_mib=rss)
b = None
for _ in range(2):
    r = subprocess.run(["python3", "Tools/bench/score_baseline.py", f"{out}/hdfs-x", log], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        err = (r.stderr.strip().splitlines() or ["no output"])[-1]
        sys.exit(f"score.sh: the Drain3 + ONNX Runtime baseline failed ({err}); it needs drain3, onnxruntime, onnx, safetensors "
                 f"and, to export the model once, torch (pip install drain3 onnxruntime onnx safetensors torch). zl-score alone: "
                 + json.dumps({"cold_start_ms": zl_cold * 1000, "lines_per_s": best["lines_per_s"], "peak_rss_mib": best["rss_mib"]}))
    s = json.loads(r.stdout.strip().splitlines()[-1])
    if b is None or s["lines_per_s"] > b["lines_per_s"]:
        b = s
print(json.dumps({"bench": "score", "log": log, "lines": best["lines"], "sessions": best["sessions"],
                  "zl_score": {"cold_start_ms": zl_cold * 1000, "lines_per_s": best["lines_per_s"], "peak_rss_mib": best["rss_mib"]},
                  "zl_score_hybrid": {"lines_per_s": hybrid["lines_per_s"], "peak_rss_mib": hybrid["rss_mib"]},
                  "drain3_onnxruntime": {"cold_start_ms": base_cold * 1000, "lines_per_s": b["lines_per_s"], "peak_rss_mib": b["peak_rss_mib"]},
                  "speedup": best["lines_per_s"] / b["lines_per_s"]}))
PY
