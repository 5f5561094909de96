#!/bin/sh
# The README's main job: build the suite, learn an anomaly detector for BGL from its own unlabelled
# logs (the bundled sample, Tools/demo/data) with zl-train's default method, show its held-out
# figures over 20 seeded splits beside the label-free baselines, and score the BGL log showing the
# anomalous windows with the lines that drive their scores; then, for comparison, the ZeroLog
# paper's method (a network trained on labelled HDFS logs). Output files go to $ZL_DEMO_DIR
# (default .build/demo). Labels are read only to evaluate.
set -eu
cd "$(dirname "$0")/../.."
DATA=Tools/demo/data
OUT=${ZL_DEMO_DIR:-.build/demo}
EPOCHS=${ZL_DEMO_EPOCHS:-30}
mkdir -p "$OUT"
# The source commit goes in each model's card and reproducibility record (SwiftPM has no build stamp).
if [ -z "${ZL_SOURCE_COMMIT:-}" ] && command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
  ZL_SOURCE_COMMIT=$(git describe --always --dirty --abbrev=40 2>/dev/null || true)
  export ZL_SOURCE_COMMIT
fi
echo "== building (release)" >&2
swift build -c release --product zl-train >&2
swift build -c release --product zl-score >&2
swift build -c release --product zl-pack >&2
BIN=$(swift build -c release --show-bin-path)

echo "== training a detector for BGL with no label (default method), evaluated on 20 held-out halves" >&2
"$BIN/zl-train" fit --target "$DATA/BGL_2k.log.gz" --target-preset bgl --splits 20 --seed 1 \
  -o "$OUT/bgl.zlck" --report "$OUT/report.json" 2>&1 | grep -v -E "^zl-train: split ([2-9]|1[0-9]|20)/20" >&2

echo "== the checkpoint" >&2
"$BIN/zl-pack" inspect "$OUT/bgl.zlck"
"$BIN/zl-pack" verify "$OUT/bgl.zlck" --scoring

echo "== zl-score: anomalous windows, with the lines that drive each score (* = a line BGL labels as an alert)" >&2
"$BIN/zl-score" "$OUT/bgl.zlck" "$DATA/BGL_2k.log.gz" --format text --only-anomalies --explain > "$OUT/anomalies.txt"
# Mark explained lines that carry an alert label (the first field is not '-'), for the reader only.
gzip -dc "$DATA/BGL_2k.log.gz" | awk '$1 != "-" { print NR }' > "$OUT/alert-lines.txt"
awk 'NR == FNR { alert[$1] = 1; next }
     /^    line / { n = $2; sub(/^    /, alert[n] ? "  * " : "    ") }
     { print }' "$OUT/alert-lines.txt" "$OUT/anomalies.txt" | head -30

echo "== for comparison: the ZeroLog paper's method (network from labelled HDFS, $EPOCHS epochs, one split)" >&2
"$BIN/zl-train" fit --method zerolog \
  --source "$DATA/hdfs-sample.log.gz" --source-preset hdfs --source-labels "$DATA/hdfs-sample-labels.csv" \
  --target "$DATA/BGL_2k.log.gz" --target-preset bgl \
  --glove "$DATA/glove-demo.txt.gz" --epochs "$EPOCHS" --seed 1 \
  -o "$OUT/zerolog-hdfs-to-bgl.zlck" --report "$OUT/zerolog-report.json" 2>&1 | grep -E "held-out target|baseline" >&2

echo "== the report: training curves, ROC and PR curves, score histograms, baselines (self-contained HTML)" >&2
"$BIN/zl-train" report "$OUT/report.json" "$OUT/zerolog-report.json" -o "$OUT/report.html" --quiet
echo "== the model card (zl-pack card; --json for JSON)" >&2
"$BIN/zl-pack" card "$OUT/bgl.zlck" | sed -n '/^## Held-out results/,/^## Settings/p' | sed '$d'
echo "report: $OUT/report.html (open it in a browser)"
