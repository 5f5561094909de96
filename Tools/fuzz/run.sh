#!/usr/bin/env bash
# Runs the checkpoint-reader fuzzer on a working copy of the vector corpus.
# usage: Tools/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]   (default 60 s)
# Crashing inputs are written to Tools/fuzz/crash-*; the corpus grows in Tools/fuzz/corpus-work.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN=${1:-60}
shift || true
BIN=$(Tools/fuzz/build.sh | tail -1)
W=Tools/fuzz/corpus-work
mkdir -p "$W"
cp -n Formats/vectors/v1/valid/*.zlck Formats/vectors/v1/invalid/*.zlck "$W"/ 2>/dev/null || true
python3 Tools/fuzz/seeds.py "$W" 2>/dev/null || echo "note: python3 not found; fuzzing from the vectors only" >&2
exec "$BIN" "$W" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix=Tools/fuzz/ -print_final_stats=1 "$@"
