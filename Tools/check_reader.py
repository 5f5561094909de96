#!/usr/bin/env python3
"""Differential check of the two readers on the vector corpus (run by CI):
- every valid vector: Tools/zlck.py's listing == the committed .inspect.json == `zl-pack inspect --json`;
- every invalid vector: zlck.py rejects it with the error its file name gives, and so does zl-pack;
- the safetensors library (if installed) reads `zl-pack extract` output with the same values.

usage: python3 Tools/check_reader.py [--zl-pack PATH]
"""
import glob, json, os, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zlck  # noqa: E402

ROOT = os.path.join(HERE, "..")
V = os.path.join(ROOT, "Formats", "vectors", "v1")


def main(argv):
    zl_pack = argv[argv.index("--zl-pack") + 1] if "--zl-pack" in argv else None
    failures, checked = [], 0
    for path in sorted(glob.glob(os.path.join(V, "valid", "*.zlck"))):
        name = os.path.basename(path)[:-5]
        data = open(path, "rb").read()
        expected = open(os.path.join(V, "valid", name + ".inspect.json")).read()
        listing, _, _ = zlck.verify(data)
        if json.dumps(listing, indent=2) + "\n" != expected:
            failures.append(f"valid/{name}: zlck.py listing differs from .inspect.json")
        if zl_pack:
            out = subprocess.run([zl_pack, "inspect", path, "--json"], capture_output=True, text=True)
            if out.returncode != 0 or out.stdout != expected:
                failures.append(f"valid/{name}: zl-pack inspect --json differs (exit {out.returncode})")
        checked += 1
    for path in sorted(glob.glob(os.path.join(V, "invalid", "*.zlck"))):
        name = os.path.basename(path)[:-5]
        code = name.split("--")[0]
        limits = dict(zlck.DEFAULT_LIMITS)
        lp = os.path.join(V, "invalid", name + ".limits.json")
        if os.path.exists(lp):
            limits.update(json.load(open(lp)))
        try:
            zlck.verify(open(path, "rb").read(), limits)
            failures.append(f"invalid/{name}: zlck.py accepted it")
        except zlck.Invalid as x:
            if x.code != code:
                failures.append(f"invalid/{name}: zlck.py raised {x.code}")
        if zl_pack and not os.path.exists(lp):
            out = subprocess.run([zl_pack, "verify", path], capture_output=True, text=True)
            if out.returncode != 65 or f"[{code}]" not in out.stderr or out.stderr.count("\n") != 1:
                failures.append(f"invalid/{name}: zl-pack verify gave exit {out.returncode}: {out.stderr.strip()}")
        checked += 1
    if zl_pack:
        failures += check_safetensors(zl_pack)
    print(f"checked {checked} vectors" + (" against zl-pack" if zl_pack else ""))
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


def check_safetensors(zl_pack):
    try:
        from safetensors.numpy import load_file
    except ImportError:
        print("note: the safetensors library is not installed; skipping the extract readability check")
        return []
    out = []
    for name in ("model-tiny", "model-tiny-f16", "model-tiny-i8"):
        path = os.path.join(V, "valid", name + ".zlck")
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([zl_pack, "extract", path, "--to", d], capture_output=True, text=True)
            if r.returncode:
                out.append(f"extract {name}: exit {r.returncode}")
                continue
            tensors = load_file(os.path.join(d, "tensors.safetensors"))
            _, _, sets = zlck.verify(open(path, "rb").read())
            for tname, (dtype, shape, data) in sets[b"TENS"].items():
                arr = tensors[tname]
                if list(arr.shape) != shape:
                    out.append(f"{name}: {tname} shape {arr.shape} != {shape}")
                elif arr.tobytes() != (data if dtype != "i8" else data[len(data) - arr.size:]):
                    out.append(f"{name}: {tname} bytes differ")
    print("safetensors library read the extracted tensors")
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
