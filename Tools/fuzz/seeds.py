#!/usr/bin/env python3
"""Writes extra fuzz seeds into DIR: the raw section bodies of the valid vectors (so the body
decoders start from well-formed records and tensor sets) and a few safetensors/JSON/regex seeds."""
import glob, json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import zlck
out = sys.argv[1]
for path in glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "Formats", "vectors", "v1", "valid", "*.zlck")):
    data = open(path, "rb").read()
    info = zlck.read_layout(len(data), lambda o, n: data[o:o + n], zlck.DEFAULT_LIMITS)
    for e, raw in zlck.read_bodies(info, data):
        name = os.path.basename(path)[:-5] + "-" + e["type"].decode("latin-1")
        open(os.path.join(out, name + ".body"), "wb").write(raw)
open(os.path.join(out, "seed.json"), "w").write(json.dumps({"a": [1, 2.5, "x", None, True, {"b": []}]}))
open(os.path.join(out, "seed.regex"), "w").write(r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)")
