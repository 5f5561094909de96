#!/usr/bin/env bash
# Builds the libFuzzer target for the Swift checkpoint reader (Linux, swiftc -sanitize=fuzzer).
# ZLBase, ZLRegex and ZLFormat are compiled from the package sources with coverage instrumentation
# and AddressSanitizer. Output: Tools/fuzz/.build-fuzz/fuzz-reader
set -euo pipefail
cd "$(dirname "$0")/../.."
B=Tools/fuzz/.build-fuzz
mkdir -p "$B"
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6 -I "$B" -I Sources/CZlib)
for m in ZLBase ZLRegex ZLFormat; do
  swiftc "${FLAGS[@]}" -module-name "$m" -emit-module -emit-module-path "$B/$m.swiftmodule" \
    -wmo -c $(find "Sources/$m" -name '*.swift' | sort) -o "$B/$m.o"
done
swiftc "${FLAGS[@]}" -module-name FuzzReader Tools/fuzz/FuzzReader.swift "$B/ZLBase.o" "$B/ZLRegex.o" "$B/ZLFormat.o" -lz \
  -o "$B/fuzz-reader"
echo "$B/fuzz-reader"
