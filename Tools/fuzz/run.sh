#!/usr/bin/env bash
# Fuzzes zl's parsers of untrusted bytes with libFuzzer + AddressSanitizer: the checkpoint reader
# (phases 1-6), model loading and scoring (inputs also replace one section of a valid model, sealed
# with correct checksums), every section schema, safetensors, JSON, Drain3 state, drain3.ini and
# zl-re/1 patterns (Sources/zl-fuzz). Seeds: the vector corpus, section bodies of the valid
# vectors, and the models the demo data trains (hybrid and ZeroLog).
# usage: Tools/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]   (default 60 s)
# Crashing inputs are written to Tools/fuzz/crash-* (oom-*, timeout-*); the corpus grows in Tools/fuzz/corpus-work.
# A finding, once fixed, goes to Tools/fuzz/regressions: the tests replay it, and it seeds the next run.
# Replay a crash (or any corpus) without libFuzzer: swift build --product zl-fuzz && .build/debug/zl-fuzz FILE|DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN=${1:-60}
shift || true
# -fuse-ld=lld: SwiftPM names the entry point itself and gold fails on the sanitized link.
swift build -c release --product zl-fuzz --build-path .build/fuzz -Xswiftc -sanitize=fuzzer,address \
  -Xswiftc -DZL_LIBFUZZER -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld >&2
swift build -c release --product zl-train >&2
W=Tools/fuzz/corpus-work
mkdir -p "$W"
cp -n Formats/vectors/v1/valid/*.zlck Formats/vectors/v1/invalid/*.zlck Tools/fuzz/regressions/* "$W"/ 2>/dev/null || true
D=Tools/demo/data
BIN=$(swift build -c release --show-bin-path)
[ -f "$W/demo-hybrid.zlck" ] || "$BIN/zl-train" fit --target "$D/BGL_2k.log.gz" --target-preset bgl --quiet -o "$W/demo-hybrid.zlck"
[ -f "$W/demo-zerolog.zlck" ] || "$BIN/zl-train" fit --method zerolog --source "$D/hdfs-sample.log.gz" --source-preset hdfs \
  --source-labels "$D/hdfs-sample-labels.csv" --target "$D/BGL_2k.log.gz" --target-preset bgl --glove "$D/glove-demo.txt.gz" \
  --glove-top 100 --hidden 8 --layers 1 --epochs 1 --quiet -o "$W/demo-zerolog.zlck"
python3 Tools/fuzz/seeds.py "$W" 2>/dev/null || echo "note: python3 not found; fuzzing from the vectors and models only" >&2
exec .build/fuzz/release/zl-fuzz "$W" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix=Tools/fuzz/ -print_final_stats=1 "$@"
