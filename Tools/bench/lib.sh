#!/bin/sh
# libzlscore beside zl-score on the same model and log (one thread each, batch 64 as zl-score uses for
# files): wall time and peak RSS, best of 3; the records must be identical.
#   Tools/bench/lib.sh [MODEL] [LOG]   (defaults: a demo-trained hybrid model, ../shared/data HDFS 2 %)
set -eu
cd "$(dirname "$0")/../.."
OUT=.build/bench-lib
mkdir -p "$OUT"
DATA=${ZL_DATA:-../shared/data}
swift build -c release --product zlscore >&2
swift build -c release --product zl-score >&2
swift build -c release --product zl-train >&2
BIN=$(swift build -c release --show-bin-path)
MODEL=${1:-$OUT/hdfs.zlck}
LOG=${2:-$OUT/HDFS_2pct.log}
[ -f "$OUT/hdfs.zlck" ] || "$BIN/zl-train" fit --target Tools/demo/data/hdfs-sample.log.gz --target-preset hdfs --quiet -o "$OUT/hdfs.zlck"
[ -f "$LOG" ] || gzip -dc "$DATA/hdfs-2pct/HDFS_2pct.log.gz" > "$LOG"
SW=$(dirname "$(dirname "$(command -v swift)")")
cc -O2 Tools/lib/score_lines.c -I Sources/CZLScorerAPI/include -L "$BIN" -lzlscore -lpthread \
  -Wl,-rpath,"$BIN" -Wl,-rpath,"$SW/lib/swift/linux" -o "$OUT/score_lines"
python3 - "$OUT/score_lines" "$BIN/zl-score" "$MODEL" "$LOG" <<'PY'
import json, subprocess, sys, time
lib, cli, model, log = sys.argv[1:5]
def best(cmd):
    b = None
    for _ in range(3):
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True)
        dt = time.perf_counter() - t0
        rss = int(r.stderr.decode().strip().splitlines()[-1]) / 1024
        if b is None or dt < b[0]:
            b = (dt, rss, r.stdout)
    return b
a = best([lib, model, log, "0", '{"batch": 64}'])
c = best([cli, model, log, "--quiet"])
lines = sum(1 for _ in open(log, "rb"))
print(json.dumps({"bench": "libzlscore", "lines": lines, "identical_records": a[2] == c[2],
                  "libzlscore": {"seconds": a[0], "lines_per_s": lines / a[0], "peak_rss_mib": a[1]},
                  "zl_score": {"seconds": c[0], "lines_per_s": lines / c[0], "peak_rss_mib": c[1]},
                  "lib_cost_vs_zl_score": a[0] / c[0]}))
PY
