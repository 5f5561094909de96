#!/bin/sh
# The README's main job: build the suite, train a zero-label detector for BGL from labelled HDFS
# logs (bundled sample, Tools/demo/data), print its evaluation, and score the BGL log showing the
# anomalous sessions. Output files go to $ZL_DEMO_DIR (default .build/demo).
set -eu
cd "$(dirname "$0")/../.."
DATA=Tools/demo/data
OUT=${ZL_DEMO_DIR:-.build/demo}
EPOCHS=${ZL_DEMO_EPOCHS:-30}
mkdir -p "$OUT"
echo "== building (release)" >&2
swift build -c release --product zl-train >&2
swift build -c release --product zl-score >&2
swift build -c release --product zl-pack >&2
BIN=$(swift build -c release --show-bin-path)
echo "== training: HDFS (labelled) -> BGL (no labels), ZeroLog, $EPOCHS epochs" >&2
"$BIN/zl-train" fit \
  --source "$DATA/hdfs-sample.log.gz" --source-preset hdfs --source-labels "$DATA/hdfs-sample-labels.csv" \
  --target "$DATA/BGL_2k.log.gz" --target-preset bgl \
  --glove "$DATA/glove-demo.txt.gz" --method zerolog --epochs "$EPOCHS" --seed 1 \
  -o "$OUT/hdfs-to-bgl.zlck" --report "$OUT/report.json"
echo "== the checkpoint" >&2
"$BIN/zl-pack" inspect "$OUT/hdfs-to-bgl.zlck"
"$BIN/zl-pack" verify "$OUT/hdfs-to-bgl.zlck"
echo "== evaluation on all BGL windows (labels read only here)" >&2
"$BIN/zl-train" eval "$OUT/hdfs-to-bgl.zlck" --logs "$DATA/BGL_2k.log.gz" --preset bgl --report "$OUT/eval.json"
echo "== held-out figures from the training report ($OUT/report.json)" >&2
grep -A 12 '"inductive"' "$OUT/report.json" | head -13
echo "== zl-score: anomalous sessions, with the events the model attended to" >&2
"$BIN/zl-score" "$OUT/hdfs-to-bgl.zlck" "$DATA/BGL_2k.log.gz" --format text --only-anomalies --explain | head -24
