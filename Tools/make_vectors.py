#!/usr/bin/env python3
"""Regenerates Formats/vectors/v1: valid .zlck files with the `inspect --json` listing each must give,
and one invalid file per rule of Formats/zlck-v1.md §9, named after the error it must raise
(NAME--VARIANT.zlck for extra cases of one rule; NAME.limits.json gives reader limits to use).

This writer is independent of zl's Swift writer (both follow the spec; tests check that zl re-writes
every valid vector byte for byte). Standard library only; deterministic (fixed seeds, no time stamps).

usage: python3 Tools/make_vectors.py            (run from the package root; see Tools/make-vectors.sh)
"""
import hashlib
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zlck  # noqa: E402  (only to check the results and to make the listings)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Formats", "vectors", "v1")
MAGIC, END = zlck.MAGIC, zlck.END_MAGIC


def align(x, a):
    return (x + a - 1) // a * a


# ------------------------------------------------------------------ records (§7.1)

def rstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<I", len(b)) + b


SCALAR = {"bool": (1, lambda v: bytes([1 if v else 0])), "i64": (2, lambda v: struct.pack("<q", v)),
          "u64": (3, lambda v: struct.pack("<Q", v)), "f64": (4, lambda v: struct.pack("<d", v)),
          "string": (5, rstr), "bytes": (6, rstr), "f32": (7, lambda v: struct.pack("<f", v)),
          "u32": (8, lambda v: struct.pack("<I", v))}


def value(typ, v):
    if typ.endswith("[]"):
        base = typ[:-2]
        tag, enc = SCALAR[base]
        return bytes([0x80 | tag]) + struct.pack("<I", len(v)) + b"".join(enc(x) for x in v)
    tag, enc = SCALAR[typ]
    return bytes([tag]) + enc(v)


def record(entries, sort=True, count=None):
    """entries: list of (key, type, value) or (key, raw bytes of tag+value)."""
    items = sorted(entries, key=lambda e: e[0].encode()) if sort else entries
    out = struct.pack("<I", len(items) if count is None else count)
    for e in items:
        k = e[0].encode() if isinstance(e[0], str) else e[0]
        body = e[1] if len(e) == 2 else value(e[1], e[2])
        out += bytes([len(k)]) + k + body
    return out


# ------------------------------------------------------------------ tensor sets (§7.2)

DT = {"f32": 1, "f16": 2, "bf16": 3, "i8": 4, "i32": 5}


def tensor(name, dtype, shape, values=None, data=None):
    n = 1
    for d in shape:
        n *= d
    if data is None:
        if dtype == "f32":
            data = struct.pack("<%df" % n, *values)
        elif dtype == "f16":
            data = struct.pack("<%de" % n, *values)
        elif dtype == "bf16":
            data = b"".join(struct.pack("<f", x)[2:4] for x in values)
        elif dtype == "i32":
            data = struct.pack("<%di" % n, *values)
        elif dtype == "i8":
            cols = shape[-1]
            rows = n // cols
            scales, qs = [], []
            for r in range(rows):
                row = values[r * cols:(r + 1) * cols]
                s = max(abs(x) for x in row) / 127
                scales.append(s)
                qs += [max(-127, min(127, int(math.floor(abs(x) / s + 0.5)) * (1 if x >= 0 else -1))) if s else 0 for x in row]
            data = struct.pack("<%df" % rows, *scales) + struct.pack("<%db" % n, *qs)
    return {"name": name, "dtype": DT[dtype] if isinstance(dtype, str) else dtype, "shape": shape, "data": data}


def tensor_set(ts, a=64, reserved=0, count=None, hook=None, tail=b""):
    ts = sorted(ts, key=lambda t: t["name"].encode() if isinstance(t["name"], str) else t["name"])
    descs, offset = [], 0
    for t in ts:
        d = dict(t)
        d.setdefault("offset", offset)
        d.setdefault("length", len(t["data"]))
        descs.append(d)
        offset = align(offset + len(t["data"]), a)
    if hook:
        hook(descs)
    out = struct.pack("<II", len(descs) if count is None else count, reserved)
    for d in descs:
        n = d["name"].encode() if isinstance(d["name"], str) else d["name"]
        out += bytes([len(n)]) + n + bytes([d["dtype"], len(d["shape"])])
        out += b"".join(struct.pack("<Q", x) for x in d["shape"]) + struct.pack("<QQ", d["offset"], d["length"])
    out += bytes(align(len(out), a) - len(out))
    for k, t in enumerate(ts):
        if k:
            out += bytes(align(len(out), a) - len(out)) if not t.get("pad") else t["pad"]
        out += t["data"]
    return out + tail


# ------------------------------------------------------------------ container (§2-5)

KNOWN_FLAGS = {"DRAN": 1, "GLOV": 1, "LEVL": 1, "META": 1, "REPR": 2, "SESS": 1, "TDET": 1, "TENS": 1, "THRS": 1, "VOCB": 1}


def sec(typ, raw, codec=None, level=6, mem=8, strategy=0, flags=None, schema=1):
    if codec is None:
        codec = 0 if typ in ("TENS", "GLOV") else 1
    return {"type": typ.encode() if isinstance(typ, str) else typ, "raw": raw, "codec": codec, "level": level if codec else 0,
            "window_bits": 15 if codec else 0, "mem_level": mem if codec else 0, "strategy": strategy if codec else 0,
            "flags": KNOWN_FLAGS.get(typ, 0) if flags is None else flags, "schema": schema}


def deflate(raw, level, mem, strategy):
    c = zlib.compressobj(level, zlib.DEFLATED, 15, mem, strategy)
    return c.compress(raw) + c.flush()


def container(sections, alignment=64, header=None, entry_hook=None, stored_hook=None, table_gap=0,
              trailer_hook=None, file_hook=None, padding_hook=None, fix_crc=True):
    """Writes a file honestly, then applies hooks; digests and CRCs are recomputed after the hooks
    (unless fix_crc is False), so only the rule under test is broken."""
    pos = align(64, alignment)
    bodies, entries = [], []
    for s in sections:
        stored = deflate(s["raw"], s["level"], s["mem_level"], s["strategy"]) if s["codec"] == 1 else s["raw"]
        if stored_hook:
            stored = stored_hook(s, stored)
        e = dict(s, offset=pos, stored=len(stored), raw_length=len(s["raw"]), crc=zlib.crc32(stored),
                 sha=hashlib.sha256(s["raw"]).digest())
        entries.append(e)
        bodies.append((pos, stored))
        pos = align(pos + len(stored), alignment)
    table_offset = pos + table_gap
    if entry_hook:
        entry_hook(entries)
    table = b""
    for e in entries:
        table += e["type"] + struct.pack("<HBBI", e["schema"], e["codec"], e["level"], e["flags"])
        table += bytes([e["window_bits"], e["mem_level"], e["strategy"], e.get("reserved15", 0)])
        table += struct.pack("<QQQII", e["offset"], e["stored"], e["raw_length"], e["crc"], e.get("reserved44", 0)) + e["sha"]
    file_length = table_offset + len(table) + 80
    h = {"magic": MAGIC, "major": 1, "minor": 0, "rmajor": 1, "rminor": 0, "bom": 0x0A0B0C0D, "header_size": 64,
         "entry_size": 80, "alignment": alignment, "flags": 0, "count": len(entries), "table_offset": table_offset,
         "file_length": file_length, "reserved": 0}
    h.update(header or {})
    hb = h["magic"] + struct.pack("<HHHHIIIIIIQQI", h["major"], h["minor"], h["rmajor"], h["rminor"], h["bom"],
                                  h["header_size"], h["entry_size"], h["alignment"], h["flags"], h["count"],
                                  h["table_offset"], h["file_length"], h["reserved"])
    hb += struct.pack("<I", h.get("crc", zlib.crc32(hb) if fix_crc else 0))
    content = hashlib.sha256()
    for e in entries:
        content.update(e["type"] + struct.pack("<HIQ", e["schema"], e["flags"], e["raw_length"]) + e["sha"])
    t = {"content": content.digest(), "manifest": hashlib.sha256(hb + table).digest(), "length": file_length, "end": END}
    if trailer_hook:
        trailer_hook(t)
    buf = bytearray(hb)
    for off, stored in bodies:
        buf += bytes(off - len(buf)) + stored
    buf += bytes(table_offset - len(buf))
    if padding_hook:
        padding_hook(buf)
    buf += table + t["content"] + t["manifest"] + struct.pack("<Q", t["length"]) + t["end"]
    data = bytes(buf)
    return file_hook(data) if file_hook else data


# ------------------------------------------------------------------ content

def floats(rng, n, scale=0.5):
    return [round(rng.uniform(-scale, scale), 6) for _ in range(n)]


ARCH = ("general.architecture", "string", "example")  # container tests: no model profile


def meta_all_types():
    return record([
        ("general.architecture", "string", "example"), ("general.name", "string", "all value types, ünïcode ✓"),
        ("v.bool", "bool", True), ("v.i64", "i64", -(2 ** 63)), ("v.u64", "u64", 2 ** 64 - 1), ("v.f64", "f64", -0.0),
        ("v.f64_nan", "f64", float("nan")), ("v.f64_inf", "f64", float("inf")), ("v.f32", "f32", 1.5),
        ("v.u32", "u32", 4294967295), ("v.bytes", "bytes", bytes(range(7))), ("v.empty_string", "string", ""),
        ("a.bools", "bool[]", [True, False, True]), ("a.i64s", "i64[]", [-1, 0, 1]), ("a.u64s", "u64[]", [0, 2 ** 64 - 1]),
        ("a.f64s", "f64[]", [0.1, -2.5e-300]), ("a.strings", "string[]", ["", "x", "héllo"]), ("a.f32s", "f32[]", [0.25, -1.0]),
        ("a.u32s", "u32[]", [0, 1, 4294967295]), ("a.empty", "u32[]", []),
    ])


def all_dtype_tensors(rng):
    return [
        tensor("a.f32", "f32", [2, 3], floats(rng, 6)), tensor("b.f16", "f16", [4], [0.5, -2.0, 65504.0, 0.0]),
        tensor("c.bf16", "bf16", [2, 2], [1.0, -0.5, 3.0, 0.125]), tensor("d.i8", "i8", [3, 4], floats(rng, 12)),
        tensor("e.i32", "i32", [5], [-2147483648, -1, 0, 1, 2147483647]), tensor("f.rank4", "f32", [1, 2, 1, 3], floats(rng, 6)),
    ]


WORDS = ["block", "error", "for", "packet", "receiving", "responder", "src", "succeeded", "terminating", "verification"]
TEMPLATES = [(1, 7, ["Receiving", "block", "[ID]", "src:", "<*>"]), (2, 3, ["PacketResponder", "[NUM]", "for", "block", "[ID]", "terminating"]),
             (3, 11, ["Verification", "succeeded", "for", "[ID]"])]


def record_with(fields, overrides, **kw):
    """A record of `fields` ({key: (type, value)}) with `overrides` applied: a value replaces, None deletes."""
    for k, v in (overrides or {}).items():
        if v is None:
            del fields[k]
        else:
            fields[k] = v
    return record([(k, t, v) for k, (t, v) in fields.items()], **kw)


def drain_record(overrides=None, sort=True):
    fields = {
        "log_format": ("string", "<Date> <Time> <Pid> <Level> <Component>: <Content>"),
        "config.depth": ("u64", 4), "config.sim_th": ("f64", 0.5), "config.max_children": ("u64", 100),
        "config.max_clusters": ("u64", 0), "config.extra_delimiters": ("string[]", []),
        "config.parametrize_numeric_tokens": ("bool", True), "config.param_str": ("string", "<*>"),
        "mask.prefix": ("string", "["), "mask.suffix": ("string", "]"), "mask.dialect": ("string", "zl-re/1"),
        "mask.names": ("string[]", ["ID", "NUM"]),
        "mask.patterns": ("string[]", [r"blk_(|-)[0-9]+", r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)"]),
        "next_cluster_id": ("u64", 4),
        "templates.ids": ("u32[]", [t[0] for t in TEMPLATES]), "templates.sizes": ("u64[]", [t[1] for t in TEMPLATES]),
        "templates.token_counts": ("u32[]", [len(t[2]) for t in TEMPLATES]),
        "templates.tokens": ("string[]", [w for t in TEMPLATES for w in t[2]]), "templates.lru_order": ("u32[]", [3, 1, 2]),
        # root; token-count layer "4","5","6"; first-token layer
        "tree.parents": ("u32[]", [0xFFFFFFFF, 0, 0, 0, 1, 2, 3]),
        "tree.keys": ("string[]", ["", "4", "5", "6", "Verification", "Receiving", "PacketResponder"]),
        "tree.cluster_counts": ("u32[]", [0, 0, 0, 0, 1, 1, 1]), "tree.cluster_ids": ("u32[]", [3, 1, 2]),
    }
    return record_with(fields, overrides, sort=sort)


def vocab_record(overrides=None):
    n = 3
    df = [2, 1, 2, 1, 1, 1, 1, 1, 1, 1]
    fields = {
        "words": ("string[]", WORDS), "df": ("u32[]", df),
        "idf": ("f32[]", [math.log((1 + n) / (1 + d)) + 1 for d in df]), "doc_count": ("u64", n),
        "idf.unseen": ("f32", math.log(1 + n) + 1), "idf.formula": ("string", "smooth-ln"),
        "tokenizer.name": ("string", "zl-words/1"), "tokenizer.lowercase": ("bool", True),
        "tokenizer.split_camel_case": ("bool", True), "tokenizer.drop_digits": ("bool", True), "tokenizer.drop_masks": ("bool", True),
    }
    return record_with(fields, overrides)


def glove_set(rng, ids=(0, 3, 4, 5, 9), dtype="f32", extra=None, dim=4):
    ts = [tensor("unknown", dtype, [dim], [0.1] * dim), tensor("vectors", dtype, [len(ids), dim], floats(rng, len(ids) * dim, 1.0)),
          tensor("word_ids", "i32", [len(ids)], list(ids))]
    return tensor_set(ts + (extra or []))


def model_tensors(rng, e=4, h=3, dtype="f32", shape_override=None):
    ts = []
    for suffix in ("", "_reverse"):
        ts += [tensor(f"gru.weight_ih_l0{suffix}", dtype, [3 * h, e], floats(rng, 3 * h * e)),
               tensor(f"gru.weight_hh_l0{suffix}", dtype, [3 * h, h], floats(rng, 3 * h * h)),
               tensor(f"gru.bias_ih_l0{suffix}", dtype, [3 * h], floats(rng, 3 * h)),
               tensor(f"gru.bias_hh_l0{suffix}", dtype, [3 * h], floats(rng, 3 * h))]
    f = 2 * h
    ts += [tensor("attention.guide", dtype, [f], floats(rng, f)), tensor("attention.weight", dtype, [2 * f], floats(rng, 2 * f)),
           tensor("attention.bias", dtype, [1], [0.0]), tensor("classifier.weight", dtype, [2, f], floats(rng, 2 * f)),
           tensor("classifier.bias", dtype, [2], [0.0, 0.0])]
    if shape_override:
        name, shape = shape_override
        ts = [t if t["name"] != name else tensor(name, dtype, shape, floats(rng, math.prod(shape))) for t in ts]
    return tensor_set(ts)


def model_meta(e=4, h=3):
    return record([("general.architecture", "string", "zl.bigru-attn"), ("general.name", "string", "tiny test model"), ("general.license", "string", "CC0-1.0"),
                   ("model.input_size", "u64", e), ("model.hidden_size", "u64", h), ("model.layers", "u64", 1),
                   ("model.bidirectional", "bool", True), ("model.attention", "string", "additive"),
                   ("model.classes", "u64", 2), ("model.max_length", "u64", 50)])


def session_record(rule="block"):
    return record([("rule", "string", rule), ("max_events", "u64", 500), ("idle_lines", "u64", 0), ("max_open", "u64", 100000)])


def threshold_record(t=0.5):
    return record([("score", "string", "p_anomaly"), ("threshold", "f64", t), ("method", "string", "default")])


def hybrid_threshold_record(alarm=4, network="none"):
    return record([("score", "string", "hybrid"), ("threshold", "f64", 0.5), ("method", "string", "hybrid"),
                   ("hybrid.alarm_level", "u64", alarm), ("hybrid.network", "string", network)])


def levels_record(field="Level", scale="zl-levels/1"):
    return record([("field", "string", field), ("scale", "string", scale)])


def detectors_record(overrides=None, pca=True):
    """TDET (§8.11) over the three DRAN templates: a PCA with columns for templates 1 and 3 (d = 3, k = 1)."""
    fields = {"sessions": ("u64", 40), "templates": ("u32[]", [1, 2, 3]), "df": ("u32[]", [40, 3, 38]),
              "pca.k": ("u64", 1 if pca else 0), "rarity.rate": ("f64", 0.01)}
    if pca:
        fields.update({"pca.columns": ("u32[]", [1, 3]), "pca.idf": ("f32[]", [1.0, 1.0238, 3.3979]),
                       "pca.mean": ("f32[]", [1.0, 0.9738, 0.2549]),
                       "pca.components": ("f32[]", [0.6, 0.8, 0.0]), "pca.q": ("f64", 0.8125), "pca.alpha": ("f64", 0.001)})
    return record_with(fields, overrides)


def hybrid_sections(drain=None, levels=None, meta=None, thrs=None, tdet=None):
    """A zl.hybrid model (Appendix C, format 1.1): no network."""
    m = meta if meta is not None else record([("general.architecture", "string", "zl.hybrid"), ("general.name", "string", "tiny hybrid model")])
    out = [sec("DRAN", drain if drain is not None else drain_record())]
    if levels is not False:
        out.append(sec("LEVL", levels if levels is not None else levels_record()))
    out += [sec("META", m), sec("REPR", repro_record()), sec("SESS", session_record())]
    if tdet is not False:
        out.append(sec("TDET", tdet if tdet is not None else detectors_record()))
    out.append(sec("THRS", thrs if thrs is not None else hybrid_threshold_record()))
    return out


V11 = {"minor": 1, "rminor": 1}


def repro_record():
    return record([("tool.name", "string", "make_vectors.py"), ("tool.version", "string", "1"), ("seed", "u64", 1)])


def model_sections(dtype="f32", drain=None, vocab=None, glove=None, tens=None, meta=None, sess=None, thrs=None):
    rng = random.Random(7)
    g = glove if glove is not None else glove_set(random.Random(8), dtype=dtype)
    return [sec("DRAN", drain if drain is not None else drain_record()), sec("GLOV", g),
            sec("META", meta if meta is not None else model_meta()), sec("REPR", repro_record()),
            sec("SESS", sess if sess is not None else session_record()),
            sec("TENS", tens if tens is not None else model_tensors(rng, dtype=dtype)),
            sec("THRS", thrs if thrs is not None else threshold_record()),
            sec("VOCB", vocab if vocab is not None else vocab_record())]


def meta_only(extra=None, raw=None):
    return [sec("META", raw if raw is not None else record([ARCH] + (extra or [])))]


# ------------------------------------------------------------------ the vectors

def valid_vectors():
    rng = random.Random(1)
    v = {}
    v["empty"] = container([])
    v["metadata-all-types"] = container([sec("META", meta_all_types())])
    v["tensors-all-dtypes"] = container([sec("META", record([ARCH])), sec("TENS", tensor_set(all_dtype_tensors(rng)))])
    v["tensors-zlib-level9-align8"] = container([sec("META", record([ARCH])), sec("TENS", tensor_set(all_dtype_tensors(random.Random(2)), a=8), codec=1, level=9)],
                                               alignment=8)
    v["align4096"] = container([sec("META", record([ARCH])), sec("TENS", tensor_set(all_dtype_tensors(random.Random(3)), a=4096))], alignment=4096)
    v["unknown-ancillary"] = container([sec("META", record([ARCH])), sec("XNSC", b"not safe to copy", flags=0),
                                        sec("XTRA", b"safe to copy", flags=2)])
    v["newer-minor"] = container([sec("META", record([ARCH])), sec("ZZZZ", b"from a future minor version", flags=2)],
                                 header={"minor": 7})
    v["stored-zlib-level0"] = container([sec("META", meta_all_types(), level=0, mem=9, strategy=4)])
    v["model-tiny"] = container(model_sections())
    v["model-tiny-f16"] = container(model_sections(dtype="f16"))
    v["model-tiny-i8"] = container(model_sections(dtype="i8"))
    v["drain-empty-template"] = container(model_sections(drain=drain_record({
        "templates.ids": ("u32[]", [1, 2, 3, 4]), "templates.sizes": ("u64[]", [7, 3, 11, 1]),
        "templates.token_counts": ("u32[]", [5, 6, 4, 0]), "templates.lru_order": ("u32[]", [3, 1, 2, 4]),
        "next_cluster_id": ("u64", 5),
        "tree.parents": ("u32[]", [0xFFFFFFFF, 0, 0, 0, 0, 2, 3, 4]),
        "tree.keys": ("string[]", ["", "0", "4", "5", "6", "Verification", "Receiving", "PacketResponder"]),
        "tree.cluster_counts": ("u32[]", [0, 1, 0, 0, 0, 1, 1, 1]), "tree.cluster_ids": ("u32[]", [4, 3, 1, 2]),
    })))
    # Format 1.1: a model with no network, and a network that reads severity and takes part in the
    # hybrid decision as evidence.
    v["hybrid-1.1"] = container(hybrid_sections(), header=V11)
    sev_meta = record([("general.architecture", "string", "zl.bigru-attn"), ("general.name", "string", "tiny severity model"),
                       ("model.input_size", "u64", 7), ("model.hidden_size", "u64", 3), ("model.layers", "u64", 1),
                       ("model.bidirectional", "bool", True), ("model.attention", "string", "additive"),
                       ("model.classes", "u64", 2), ("model.max_length", "u64", 50), ("model.severity_features", "u64", 3)])
    v["model-severity-1.1"] = container(sorted(model_sections(meta=sev_meta, tens=model_tensors(random.Random(7), e=7),
                                                              thrs=hybrid_threshold_record(alarm=3, network="evidence"))
                                               + [sec("LEVL", levels_record()), sec("TDET", detectors_record(pca=False))],
                                               key=lambda x: x["type"]), header=V11)
    return v


def invalid_vectors(valid):
    rng = random.Random(11)
    base = valid["model-tiny"]
    two = lambda **k: container([sec("META", record([ARCH])), sec("TENS", tensor_set(all_dtype_tensors(random.Random(4))))], **k)

    def entry(i, **fields):
        def hook(es):
            es[i].update(fields)
        return hook

    inv, limits = {}, {}
    # phase 1
    inv["fileTooSmall"] = valid["empty"][:143]
    inv["badMagic"] = b"\x89ZLK\n\x1a\n\x00" + valid["empty"][8:]
    inv["badByteOrderMark"] = container([], header={"bom": 0x0D0C0B0A})
    inv["unsupportedMajorVersion"] = container([], header={"major": 2})
    inv["unsupportedMajorVersion--zero"] = container([], header={"major": 0, "rmajor": 0})
    inv["badMinReaderVersion"] = container([], header={"rminor": 1})
    inv["requiresNewerReader"] = container([], header={"minor": 3, "rminor": 2})
    inv["badHeaderSize"] = container([], header={"header_size": 72})
    inv["headerChecksumMismatch"] = container([], header={"crc": 0x12345678})
    inv["unknownHeaderFlags"] = container([], header={"flags": 1})
    inv["nonZeroReserved"] = container([], header={"reserved": 5})
    inv["badAlignment"] = container([], header={"alignment": 48})
    inv["badAlignment--zero"] = container([], header={"alignment": 0})
    inv["badSectionEntrySize"] = container([], header={"entry_size": 96})
    inv["tooManySections"] = container([], header={"count": 65})
    inv["truncatedFile"] = base[:-1]
    inv["truncatedFile--half"] = base[:len(base) // 2]
    inv["trailingBytes"] = base + b"PK\x05\x06" + bytes(18)  # an appended (empty) zip: no polyglots
    inv["fileTooLarge"] = base
    limits["fileTooLarge"] = {"max_file_size": 1024}
    inv["badTableOffset"] = container([], header={"table_offset": 128})
    inv["badTableOffset--unaligned"] = container([sec("META", record([ARCH]))], header={"table_offset": 72})
    # phase 2
    inv["badTrailerMagic"] = container([], trailer_hook=lambda t: t.update(end=b"\x89END\r\n\x1a\x00"))
    inv["trailerLengthMismatch"] = container([], trailer_hook=lambda t: t.update(length=t["length"] + 1))
    inv["manifestDigestMismatch"] = container([], trailer_hook=lambda t: t.update(manifest=bytes(32)))
    inv["contentDigestMismatch"] = two(trailer_hook=lambda t: t.update(content=bytes(32)))
    # phase 3
    inv["badSectionType"] = two(entry_hook=entry(0, type=b"ME A"))
    inv["unknownSectionFlags"] = two(entry_hook=entry(1, flags=5))
    inv["nonZeroReserved--entry"] = two(entry_hook=entry(1, reserved44=1))
    inv["unknownCodec"] = two(entry_hook=entry(1, codec=2))
    inv["badCodecParameters"] = two(entry_hook=entry(1, level=6))
    inv["badCodecParameters--window"] = two(entry_hook=entry(0, window_bits=9))
    inv["duplicateSection"] = container([sec("META", record([ARCH])), sec("META", record([ARCH]))])
    inv["sectionsOutOfOrder"] = two(entry_hook=lambda es: (es[0].update(type=b"TENS"), es[1].update(type=b"META")))
    inv["sectionOverlap"] = two(entry_hook=lambda es: es[1].update(offset=es[0]["offset"]))
    inv["sectionGap"] = two(entry_hook=lambda es: es[1].update(offset=es[1]["offset"] + 64))
    inv["sectionPastEnd"] = two(entry_hook=entry(1, stored=2 ** 63, raw_length=2 ** 63))
    inv["rawLengthMismatch"] = two(entry_hook=lambda es: es[1].update(raw_length=es[1]["raw_length"] + 1))
    inv["impossibleCompressionRatio"] = two(entry_hook=lambda es: es[0].update(raw_length=es[0]["stored"] * 1032 + 1))
    inv["sectionTooLarge"] = two()
    limits["sectionTooLarge"] = {"max_section_size": 256}
    inv["wrongSectionFlags"] = two(entry_hook=entry(0, flags=0))
    inv["unsupportedSectionVersion"] = two(entry_hook=entry(0, schema=2))
    inv["gapBeforeTable"] = two(table_gap=64)
    # phase 4
    inv["unknownCriticalSection"] = container([sec("META", record([ARCH])), sec("ZZZZ", b"must be understood", flags=1)])

    def poke(offset_from_table, value=1):
        def hook(buf):
            buf[len(buf) - offset_from_table] = value
        return hook
    inv["nonZeroPadding"] = container([sec("META", record([ARCH]), codec=0), sec("TENS", tensor_set(all_dtype_tensors(random.Random(5))))],
                                      padding_hook=lambda buf: buf.__setitem__(64 + 60, 0xAA))
    inv["nonZeroPadding--before-table"] = container([sec("META", record([ARCH]), codec=0)], padding_hook=poke(1))
    inv["sectionChecksumMismatch"] = two(entry_hook=lambda es: es[1].update(crc=es[1]["crc"] ^ 1))
    inv["inflateFailed"] = container(meta_only(), stored_hook=lambda s, st: st[:-4] + bytes(4))  # bad Adler-32
    inv["inflateFailed--truncated-stream"] = container(meta_only(), stored_hook=lambda s, st: st[:-6])
    inv["inflatedTooLong"] = container(meta_only(), entry_hook=lambda es: es[0].update(raw_length=es[0]["raw_length"] - 1))
    inv["inflatedTooShort"] = container(meta_only(), entry_hook=lambda es: es[0].update(raw_length=es[0]["raw_length"] + 1))
    inv["trailingCompressedData"] = container(meta_only(), stored_hook=lambda s, st: st + b"\x00\x00\x00\x00")
    inv["sectionDigestMismatch"] = two(entry_hook=lambda es: es[1].update(sha=bytes(32)))
    # phase 5: records
    meta_raw = lambda entries, **k: container([sec("META", record(entries, **k))])
    arch_tail = record([ARCH])[4:]  # the ARCH entry without the count
    inv["truncatedRecord"] = container([sec("META", struct.pack("<I", 2) + arch_tail + b"\x05v.u64\x03\x01\x02\x03")])
    inv["countExceedsData"] = meta_raw([ARCH], count=1000)
    inv["countExceedsData--array"] = container([sec("META", struct.pack("<I", 2) + arch_tail + b"\x06v.arrs\x88" + struct.pack("<I", 2 ** 31))])
    inv["badKey"] = meta_raw([ARCH, ("General", "bool", True)], sort=False)
    inv["badKey--trailing-dot"] = meta_raw([ARCH, ("general.", "bool", True)])
    inv["duplicateKey"] = meta_raw([ARCH, ARCH], sort=False)
    inv["keysOutOfOrder"] = meta_raw([("z", "bool", True), ARCH], sort=False)
    inv["unknownValueType"] = meta_raw([ARCH, ("v.x", b"\x09\x00")])
    inv["unknownValueType--bytes-array"] = meta_raw([ARCH, ("v.x", b"\x86\x00\x00\x00\x00")])
    inv["badBool"] = meta_raw([ARCH, ("v.b", b"\x01\x02")])
    inv["invalidUTF8"] = meta_raw([ARCH, ("v.s", b"\x05" + struct.pack("<I", 2) + b"\xff\xfe")])
    inv["stringTooLong"] = meta_raw([ARCH, ("v.s", b"\x05" + struct.pack("<I", (16 << 20) + 1) + bytes((16 << 20) + 1))])
    inv["trailingRecordBytes"] = container([sec("META", record([ARCH]) + b"\x00")])
    # phase 5: tensor sets
    ts = lambda raw: container([sec("META", record([ARCH])), sec("TENS", raw)])
    t2 = lambda: [tensor("a", "f32", [2], [1.0, 2.0]), tensor("b", "f32", [3], [1.0, 2.0, 3.0])]
    inv["nonZeroReserved--tensor-set"] = ts(tensor_set(t2(), reserved=1))
    inv["tooManyTensors"] = ts(tensor_set(t2(), count=65537))
    inv["countExceedsData--tensors"] = ts(tensor_set(t2(), count=1000))
    inv["badTensorName"] = ts(tensor_set([tensor("bad name", "f32", [1], [1.0])]))
    inv["badTensorName--leading-dot"] = ts(tensor_set([tensor(".hidden", "f32", [1], [1.0])]))
    inv["duplicateTensorName"] = ts(tensor_set([tensor("a", "f32", [1], [1.0]), tensor("a", "f32", [1], [2.0])]))
    inv["tensorsOutOfOrder"] = ts(tensor_set(t2(), hook=lambda d: d.reverse()))
    inv["unknownDType"] = ts(tensor_set([dict(tensor("a", "f32", [1], [1.0]), dtype=9)]))
    inv["badRank"] = ts(tensor_set([tensor("a", "f32", [1, 1, 1, 1, 1], [1.0])]))
    inv["badRank--zero"] = ts(tensor_set([dict(tensor("a", "f32", [1], [1.0]), shape=[])]))
    inv["zeroDimension"] = ts(tensor_set([dict(tensor("a", "f32", [1], [1.0]), shape=[1, 0])]))
    inv["shapeOverflow"] = ts(tensor_set([dict(tensor("a", "f32", [1], [1.0]), shape=[2 ** 41])]))
    inv["shapeOverflow--product"] = ts(tensor_set([dict(tensor("a", "f32", [1], [1.0]), shape=[2 ** 30, 2 ** 30])]))
    inv["shapeOverflow--bytes"] = ts(tensor_set([dict(tensor("a", "f32", [1], [1.0]), shape=[2 ** 20, 2 ** 19, 2 ** 1])]))
    inv["tensorSizeMismatch"] = ts(tensor_set([dict(tensor("a", "f32", [2], [1.0, 2.0]), length=4)]))
    inv["tensorOverlap"] = ts(tensor_set(t2(), hook=lambda d: d[1].update(offset=0)))
    inv["tensorGap"] = ts(tensor_set(t2(), hook=lambda d: d[1].update(offset=128)))
    inv["tensorPastEnd"] = ts(tensor_set([dict(tensor("a", "f32", [2], [1.0, 2.0]), shape=[64], length=256)]))
    inv["trailingTensorData"] = ts(tensor_set(t2(), tail=bytes(64)))
    inv["nonZeroPadding--tensor"] = ts(tensor_set([tensor("a", "f32", [2], [1.0, 2.0]), dict(tensor("b", "f32", [1], [3.0]), pad=b"\x01" + bytes(55))]))
    bad_scale = tensor("q", "i8", [2, 2], [1.0, -1.0, 0.5, 0.25])
    bad_scale["data"] = struct.pack("<f", -1.0) + bad_scale["data"][4:]
    inv["badQuantScale"] = ts(tensor_set([bad_scale]))
    nan_scale = tensor("q", "i8", [2, 2], [1.0, -1.0, 0.5, 0.25])
    nan_scale["data"] = nan_scale["data"][:4] + struct.pack("<f", float("nan")) + nan_scale["data"][8:]
    inv["badQuantScale--nan"] = ts(tensor_set([nan_scale]))
    # phase 6: schemas
    inv["missingKey"] = container([sec("META", record([("general.name", "string", "no architecture")]))])
    inv["missingKey--vocab-idf"] = container(model_sections(vocab=vocab_record({"idf": None})))
    inv["missingKey--glove-tensor"] = container(model_sections(glove=tensor_set([
        tensor("unknown", "f32", [4], [0.1] * 4), tensor("word_ids", "i32", [1], [0])])))
    inv["wrongValueType"] = container([sec("META", record([("general.architecture", "u64", 1)]))])
    inv["wrongValueType--threshold"] = container(model_sections(thrs=record([
        ("score", "string", "p_anomaly"), ("threshold", "f32", 0.5), ("method", "string", "default")])))
    inv["badValue"] = container(model_sections(thrs=threshold_record(1.5)))
    inv["badValue--nan-threshold"] = container(model_sections(thrs=threshold_record(float("nan"))))
    inv["badValue--drain-depth"] = container(model_sections(drain=drain_record({"config.depth": ("u64", 2)})))
    inv["badValue--drain-pattern"] = container(model_sections(drain=drain_record({"mask.patterns": ("string[]", ["(a", "b"])})))
    inv["badValue--drain-tree-too-deep"] = container(model_sections(drain=drain_record({
        "tree.parents": ("u32[]", [0xFFFFFFFF, 0, 0, 0, 1, 2, 3, 4]),
        "tree.keys": ("string[]", ["", "4", "5", "6", "Verification", "Receiving", "PacketResponder", "succeeded"]),
        "tree.cluster_counts": ("u32[]", [0, 0, 0, 0, 0, 1, 1, 1]), "tree.cluster_ids": ("u32[]", [1, 2, 3])})))
    inv["badValue--drain-token-count"] = container(model_sections(drain=drain_record({
        "tree.cluster_ids": ("u32[]", [1, 3, 2])})))
    inv["badValue--session-rule"] = container(model_sections(sess=session_record("window:0")))
    inv["badValue--glove-tensor"] = container(model_sections(glove=glove_set(random.Random(8), extra=[tensor("extra", "f32", [1], [0.0])])))
    inv["lengthMismatch"] = container(model_sections(vocab=vocab_record({"df": ("u32[]", [1, 1, 1])})))
    inv["lengthMismatch--drain-tokens"] = container(model_sections(drain=drain_record({"templates.tokens": ("string[]", ["x"])})))
    inv["notSorted"] = container(model_sections(vocab=vocab_record({"words": ("string[]", list(reversed(WORDS)))})))
    inv["notSorted--drain-bfs"] = container(model_sections(drain=drain_record({
        "tree.keys": ("string[]", ["", "5", "4", "6", "Verification", "Receiving", "PacketResponder"])})))
    inv["notSorted--glove-ids"] = container(model_sections(glove=glove_set(random.Random(8), ids=(3, 0, 4, 5, 9))))
    inv["danglingReference"] = container(model_sections(glove=glove_set(random.Random(8), ids=(0, 3, 4, 5, 10))))
    inv["danglingReference--drain-parent"] = container(model_sections(drain=drain_record({
        "tree.parents": ("u32[]", [0xFFFFFFFF, 0, 0, 0, 1, 2, 7])})))
    inv["danglingReference--drain-cluster"] = container(model_sections(drain=drain_record({"tree.cluster_ids": ("u32[]", [3, 1, 9])})))
    inv["missingSection"] = container([s for s in model_sections() if s["type"] != b"VOCB"])
    inv["missingSection--model"] = container([s for s in model_sections() if s["type"] != b"SESS"])
    inv["modelMismatch"] = container(model_sections(tens=model_tensors(random.Random(7), shape_override=("classifier.weight", [2, 5]))))
    inv["modelMismatch--glove-dim"] = container(model_sections(meta=model_meta(e=5), tens=model_tensors(random.Random(7), e=5)))
    # An honest zlib section of 32 MiB of zeros in about 32 KB: within DEFLATE's 1032:1, over the
    # inflation budget (16 MiB + 64 x stored).
    inv["inflationBudgetExceeded"] = container([sec("META", record([ARCH])), sec("XZRO", bytes(32 << 20), codec=1, level=9, flags=2)])
    # Format 1.1 sections and keys.
    inv["badValue--levels-scale"] = container(hybrid_sections(levels=levels_record(scale="zl-levels/2")), header=V11)
    inv["badValue--levels-field"] = container(hybrid_sections(levels=levels_record(field="Le vel")), header=V11)
    inv["badValue--hybrid-alarm-level"] = container(hybrid_sections(thrs=hybrid_threshold_record(alarm=1)), header=V11)
    inv["badValue--hybrid-network"] = container(hybrid_sections(thrs=hybrid_threshold_record(network="maybe")), header=V11)
    inv["missingKey--hybrid-network"] = container(hybrid_sections(thrs=record([
        ("score", "string", "hybrid"), ("threshold", "f64", 0.5), ("method", "string", "hybrid"), ("hybrid.alarm_level", "u64", 4)])), header=V11)
    inv["badValue--tdet-q"] = container(hybrid_sections(tdet=detectors_record({"pca.q": ("f64", float("inf"))})), header=V11)
    inv["badValue--tdet-components"] = container(hybrid_sections(tdet=detectors_record({"pca.components": ("f32[]", [0.6, float("nan"), 0.0])})), header=V11)
    inv["badValue--tdet-k"] = container(hybrid_sections(tdet=detectors_record({"pca.k": ("u64", 4), "pca.components": ("f32[]", [0.0] * 12)})), header=V11)
    inv["badValue--tdet-df"] = container(hybrid_sections(tdet=detectors_record({"df": ("u32[]", [40, 41, 38])})), header=V11)
    inv["badValue--tdet-rarity"] = container(hybrid_sections(tdet=detectors_record({"rarity.rate": ("f64", 1.0)})), header=V11)
    inv["lengthMismatch--tdet-mean"] = container(hybrid_sections(tdet=detectors_record({"pca.mean": ("f32[]", [1.0, 0.5])})), header=V11)
    inv["notSorted--tdet-templates"] = container(hybrid_sections(tdet=detectors_record({"templates": ("u32[]", [1, 3, 2])})), header=V11)
    inv["danglingReference--tdet-columns"] = container(hybrid_sections(tdet=detectors_record({"pca.columns": ("u32[]", [1, 4])})), header=V11)
    inv["danglingReference--tdet-drain"] = container(hybrid_sections(tdet=detectors_record({"templates": ("u32[]", [1, 2, 3, 9]), "df": ("u32[]", [40, 3, 38, 1])})), header=V11)
    inv["modelMismatch--hybrid-network"] = container(hybrid_sections(thrs=hybrid_threshold_record(network="evidence")), header=V11)
    inv["missingSection--levels"] = container(hybrid_sections(levels=False), header=V11)
    inv["badValue--severity-features"] = container(model_sections(meta=record([
        ("general.architecture", "string", "zl.bigru-attn"), ("model.input_size", "u64", 6), ("model.hidden_size", "u64", 3),
        ("model.layers", "u64", 1), ("model.bidirectional", "bool", True), ("model.attention", "string", "additive"),
        ("model.classes", "u64", 2), ("model.max_length", "u64", 50), ("model.severity_features", "u64", 2)]),
        tens=model_tensors(random.Random(7), e=6)), header=V11)
    return inv, limits


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    valid = valid_vectors()
    invalid, limits = invalid_vectors(valid)
    for sub in ("valid", "invalid"):
        d = os.path.join(OUT, sub)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    problems = []
    for name, data in sorted(valid.items()):
        write(os.path.join(OUT, "valid", name + ".zlck"), data)
        try:
            listing, _, _ = zlck.verify(data)
        except zlck.Invalid as x:
            problems.append(f"valid/{name}: {x}")
            continue
        write(os.path.join(OUT, "valid", name + ".inspect.json"), (json.dumps(listing, indent=2) + "\n").encode())
    for name, data in sorted(invalid.items()):
        write(os.path.join(OUT, "invalid", name + ".zlck"), data)
        lim = dict(zlck.DEFAULT_LIMITS)
        if name in limits:
            lim.update(limits[name])
            write(os.path.join(OUT, "invalid", name + ".limits.json"), (json.dumps(limits[name]) + "\n").encode())
        code = name.split("--")[0]
        try:
            zlck.verify(data, lim)
            problems.append(f"invalid/{name}: accepted")
        except zlck.Invalid as x:
            if x.code != code:
                problems.append(f"invalid/{name}: raised {x.code}, expected {code}")
    print(f"{len(valid)} valid and {len(invalid)} invalid vectors in {os.path.relpath(OUT, ROOT)}")
    if problems:
        print("\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
