#!/usr/bin/env python3
"""Writes extra fuzz seeds into DIR: the raw section bodies of the valid vectors (so the body
decoders start from well-formed records and tensor sets), the same bodies prefixed with the two
selector bytes that make zl-fuzz put them back into the 1.1 model they came from (base 0: the
hybrid vector, 1: the severity model; then the section index), and a few safetensors/JSON/regex seeds."""
import glob, json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import zlck
out = sys.argv[1]
for path in glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "Formats", "vectors", "v1", "valid", "*.zlck")):
    data = open(path, "rb").read()
    info = zlck.read_layout(len(data), lambda o, n: data[o:o + n], zlck.DEFAULT_LIMITS)
    base = {"hybrid-1.1.zlck": 0, "model-severity-1.1.zlck": 1}.get(os.path.basename(path))
    for k, (e, raw) in enumerate(zlck.read_bodies(info, data)):
        name = os.path.basename(path)[:-5] + "-" + e["type"].decode("latin-1")
        open(os.path.join(out, name + ".body"), "wb").write(raw)
        if base is not None:
            open(os.path.join(out, name + ".replace"), "wb").write(bytes([base, k]) + raw)
open(os.path.join(out, "seed.json"), "w").write(json.dumps({"a": [1, 2.5, "x", None, True, {"b": []}]}))
open(os.path.join(out, "seed.regex"), "w").write(r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)")
