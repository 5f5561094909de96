#!/usr/bin/env python3
"""zlck.py: an independent reader of .zlck checkpoints, written from Formats/zlck-v1.md alone with
the Python standard library (struct, zlib, hashlib, re, json). For archives (reading a model years
later without zl) and for differential testing against zl-pack.

usage:
  zlck.py inspect FILE [--json]        header, table and trailer only (same JSON as zl-pack inspect --json)
  zlck.py verify FILE [--limits JSON]  every rule of the spec, phases 1-6 and the model profile
  zlck.py dump FILE                    verify, then print every record section as JSON
  zlck.py score MODEL [LOG...]         score raw log lines as Formats/scoring-v1.md says (JSON lines as
                                       zl-score prints them; numpy, if installed, speeds up the network)
          [--onnx MODEL.onnx]          ... with the network run by ONNX Runtime from zl-pack export onnx

exit status: 0 ok, 65 invalid file (one line on stderr: "zlck.py: error: FILE: CODE: detail"),
66 missing file, 64 usage.
"""
import hashlib
import json
import math
import re
import struct
import sys
import zlib

MAGIC = b"\x89ZLK\r\n\x1a\n"
END_MAGIC = b"\x89END\r\n\x1a\n"
BOM = 0x0A0B0C0D
HEADER, ENTRY, TRAILER = 64, 80, 80
READER = (1, 1)
KNOWN = {  # type: (flags, encoding)
    b"CARD": (2, "record"), b"DRAN": (1, "record"), b"GLOV": (1, "tensors"), b"LEVL": (1, "record"), b"META": (1, "record"),
    b"REPR": (2, "record"), b"SESS": (1, "record"), b"TDET": (1, "record"), b"TENS": (1, "tensors"),
    b"THRS": (1, "record"), b"VOCB": (1, "record"),
}
LEVEL_SCALE = "zl-levels/1"
DEFAULT_LIMITS = {"max_file_size": 4 << 30, "max_section_size": 2 << 30, "max_total_raw_size": 4 << 30,
                  "inflation_ratio": 64, "inflation_allowance": 16 << 20}
MAX_STRING = 16 << 20
DTYPES = {1: "f32", 2: "f16", 3: "bf16", 4: "i8", 5: "i32"}


class Invalid(Exception):
    def __init__(self, code, detail):
        super().__init__(f"{code}: {detail}")
        self.code = code


def u16(b, o): return struct.unpack_from("<H", b, o)[0]
def u32(b, o): return struct.unpack_from("<I", b, o)[0]
def u64(b, o): return struct.unpack_from("<Q", b, o)[0]


def align(x, a): return (x + a - 1) // a * a


def type_text(t):
    return "".join(chr(c) if 0x20 <= c < 0x7F and c != 0x5C else "\\x%02x" % c for c in t)


# ---------------------------------------------------------------- phases 1-3: header, trailer, table

def read_layout(size, read, limits):
    if size < HEADER + TRAILER:
        raise Invalid("fileTooSmall", f"file is {size} bytes")
    h = read(0, HEADER)
    if h[0:8] != MAGIC:
        raise Invalid("badMagic", h[0:8].hex())
    if u32(h, 16) != BOM:
        raise Invalid("badByteOrderMark", "0x%x" % u32(h, 16))
    major, minor, rmaj, rmin = u16(h, 8), u16(h, 10), u16(h, 12), u16(h, 14)
    if major != 1:
        raise Invalid("unsupportedMajorVersion", f"{major}.{minor}")
    if (rmaj, rmin) > (major, minor):
        raise Invalid("badMinReaderVersion", f"{rmaj}.{rmin} > {major}.{minor}")
    if (rmaj, rmin) > READER:
        raise Invalid("requiresNewerReader", f"{rmaj}.{rmin}")
    if u32(h, 20) != HEADER:
        raise Invalid("badHeaderSize", str(u32(h, 20)))
    if u32(h, 60) != zlib.crc32(h[0:60]):
        raise Invalid("headerChecksumMismatch", "%08x" % u32(h, 60))
    if u32(h, 32) != 0:
        raise Invalid("unknownHeaderFlags", "0x%x" % u32(h, 32))
    if u32(h, 56) != 0:
        raise Invalid("nonZeroReserved", "header byte 56")
    a = u32(h, 28)
    if a < 8 or a > 4096 or a & (a - 1):
        raise Invalid("badAlignment", str(a))
    if u32(h, 24) != ENTRY:
        raise Invalid("badSectionEntrySize", str(u32(h, 24)))
    count = u32(h, 36)
    if count > 64:
        raise Invalid("tooManySections", str(count))
    table_offset, file_length = u64(h, 40), u64(h, 48)
    if size < file_length:
        raise Invalid("truncatedFile", f"{size} < {file_length}")
    if size > file_length:
        raise Invalid("trailingBytes", f"{size} > {file_length}")
    if file_length > limits["max_file_size"]:
        raise Invalid("fileTooLarge", str(file_length))
    if table_offset + count * ENTRY + TRAILER != file_length or table_offset % a or table_offset < HEADER:
        raise Invalid("badTableOffset", str(table_offset))
    tail = read(table_offset, count * ENTRY + TRAILER)
    table, t = tail[:count * ENTRY], tail[count * ENTRY:]
    if t[72:80] != END_MAGIC:
        raise Invalid("badTrailerMagic", t[72:80].hex())
    if u64(t, 64) != file_length:
        raise Invalid("trailerLengthMismatch", str(u64(t, 64)))
    manifest = hashlib.sha256(h + table).digest()
    if t[32:64] != manifest:
        raise Invalid("manifestDigestMismatch", t[32:64].hex())
    content = hashlib.sha256()
    for i in range(count):
        e = table[i * ENTRY:(i + 1) * ENTRY]
        content.update(e[0:4] + e[4:6] + e[8:12] + e[32:40] + e[48:80])
    if t[0:32] != content.digest():
        raise Invalid("contentDigestMismatch", t[0:32].hex())
    entries = parse_table(table, count, a, table_offset, limits)
    return {
        "major": major, "minor": minor, "min_reader": (rmaj, rmin), "alignment": a, "table_offset": table_offset,
        "file_length": file_length, "entries": entries, "content_digest": t[0:32], "manifest_digest": manifest,
    }


def parse_table(table, count, a, table_offset, limits):
    entries, expected, total, prev = [], align(HEADER, a), 0, None
    zlib_raw = zlib_stored = 0
    for i in range(count):
        e = table[i * ENTRY:(i + 1) * ENTRY]
        typ = e[0:4]
        name = f"section {i} ({type_text(typ)})"
        if not all(0x41 <= c <= 0x5A or 0x30 <= c <= 0x39 for c in typ):
            raise Invalid("badSectionType", name)
        flags = u32(e, 8)
        if flags & ~3:
            raise Invalid("unknownSectionFlags", name)
        if e[15] != 0 or u32(e, 44) != 0:
            raise Invalid("nonZeroReserved", name)
        codec, level, wbits, mem, strat = e[6], e[7], e[12], e[13], e[14]
        if codec > 1:
            raise Invalid("unknownCodec", name)
        if codec == 0 and (level or wbits or mem or strat):
            raise Invalid("badCodecParameters", name)
        if codec == 1 and (level > 9 or wbits != 15 or not 1 <= mem <= 9 or strat > 4):
            raise Invalid("badCodecParameters", name)
        if prev is not None:
            if typ == prev:
                raise Invalid("duplicateSection", name)
            if typ < prev:
                raise Invalid("sectionsOutOfOrder", name)
        offset, stored, raw = u64(e, 16), u64(e, 24), u64(e, 32)
        if offset < expected:
            raise Invalid("sectionOverlap", name)
        if offset > expected:
            raise Invalid("sectionGap", name)
        if offset + stored > table_offset:
            raise Invalid("sectionPastEnd", name)
        if codec == 0 and stored != raw:
            raise Invalid("rawLengthMismatch", name)
        if codec == 1 and raw > 1032 * stored:
            raise Invalid("impossibleCompressionRatio", name)
        if codec == 1:
            zlib_raw += raw
            zlib_stored += stored
            if zlib_raw > limits["inflation_allowance"] + limits["inflation_ratio"] * zlib_stored:
                raise Invalid("inflationBudgetExceeded", name)
        total += raw
        if raw > limits["max_section_size"] or total > limits["max_total_raw_size"]:
            raise Invalid("sectionTooLarge", name)
        if typ in KNOWN:
            if KNOWN[typ][0] != flags:
                raise Invalid("wrongSectionFlags", name)
            if u16(e, 4) != 1:
                raise Invalid("unsupportedSectionVersion", name)
        entries.append({"type": typ, "schema": u16(e, 4), "codec": codec, "level": level, "flags": flags,
                        "window_bits": wbits, "mem_level": mem, "strategy": strat, "offset": offset,
                        "stored": stored, "raw": raw, "crc": u32(e, 40), "sha": e[48:80]})
        expected = align(offset + stored, a)
        prev = typ
    if expected != table_offset:
        raise Invalid("gapBeforeTable", f"{table_offset} != {expected}")
    return entries


def listing(info):
    return {
        "format": "zlck", "version": f"{info['major']}.{info['minor']}",
        "min_reader_version": "%d.%d" % info["min_reader"], "alignment": info["alignment"],
        "file_length": info["file_length"], "table_offset": info["table_offset"],
        "content_digest": info["content_digest"].hex(), "manifest_digest": info["manifest_digest"].hex(),
        "sections": [{
            "type": type_text(e["type"]), "schema_version": e["schema"], "critical": bool(e["flags"] & 1),
            "safe_to_copy": bool(e["flags"] & 2), "known": e["type"] in KNOWN,
            "codec": "zlib" if e["codec"] == 1 else "none", "level": e["level"], "window_bits": e["window_bits"],
            "mem_level": e["mem_level"], "strategy": e["strategy"], "offset": e["offset"],
            "stored_length": e["stored"], "raw_length": e["raw"], "crc32": "%08x" % e["crc"], "sha256": e["sha"].hex(),
        } for e in info["entries"]],
    }


# ---------------------------------------------------------------- phase 4: bodies

def read_bodies(info, data):
    out, prev_end = [], HEADER
    for i, e in enumerate(info["entries"]):
        name = f"section {i} ({type_text(e['type'])})"
        if e["type"] not in KNOWN and e["flags"] & 1:
            raise Invalid("unknownCriticalSection", name)
        if any(data[prev_end:e["offset"]]):
            raise Invalid("nonZeroPadding", f"before {name}")
        stored = data[e["offset"]:e["offset"] + e["stored"]]
        if zlib.crc32(stored) != e["crc"]:
            raise Invalid("sectionChecksumMismatch", name)
        if e["codec"] == 0:
            raw = stored
        else:
            d = zlib.decompressobj(15)
            try:
                raw = d.decompress(stored, e["raw"] + 1)
            except zlib.error as x:
                raise Invalid("inflateFailed", f"{name}: {x}")
            if len(raw) > e["raw"]:
                raise Invalid("inflatedTooLong", name)
            if not d.eof:
                # the output limit was not reached, so the input ended before the stream did
                raise Invalid("inflateFailed", f"{name}: stream is truncated")
            if len(raw) < e["raw"]:
                raise Invalid("inflatedTooShort", name)
            if d.unused_data:
                raise Invalid("trailingCompressedData", name)
        if hashlib.sha256(raw).digest() != e["sha"]:
            raise Invalid("sectionDigestMismatch", name)
        out.append((e, bytes(raw)))
        prev_end = e["offset"] + e["stored"]
    if any(data[prev_end:info["table_offset"]]):
        raise Invalid("nonZeroPadding", "before the section table")
    return out


# ---------------------------------------------------------------- phase 5: encodings

KEY_RE = re.compile(rb"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\Z")
NAME_RE = re.compile(rb"[A-Za-z0-9_:\-][A-Za-z0-9_.:\-]*\Z")
TYPE_NAMES = {1: "bool", 2: "i64", 3: "u64", 4: "f64", 5: "string", 6: "bytes", 7: "f32", 8: "u32",
              0x81: "bool[]", 0x82: "i64[]", 0x83: "u64[]", 0x84: "f64[]", 0x85: "string[]", 0x87: "f32[]", 0x88: "u32[]"}


class Reader:
    def __init__(self, b, what):
        self.b, self.p, self.what = b, 0, what

    def need(self, n):
        if n > len(self.b) - self.p:
            raise Invalid("truncatedRecord", f"{self.what}: field at byte {self.p}")

    def take(self, n):
        self.need(n)
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def u8(self): return self.take(1)[0]
    def u32(self): return struct.unpack("<I", self.take(4))[0]
    def u64(self): return struct.unpack("<Q", self.take(8))[0]
    def rest(self): return len(self.b) - self.p


def decode_record(raw, what):
    r = Reader(raw, what)
    count = r.u32()
    if count * 3 > r.rest():
        raise Invalid("countExceedsData", what)
    rec, prev = {}, None
    for _ in range(count):
        key = r.take(r.u8())
        if not KEY_RE.match(key) or len(key) > 255:
            raise Invalid("badKey", f"{what}: {key!r}")
        if prev is not None:
            if key == prev:
                raise Invalid("duplicateKey", f"{what}: {key!r}")
            if key < prev:
                raise Invalid("keysOutOfOrder", f"{what}: {key!r}")
        prev = key
        tag = r.u8()
        rec[key.decode()] = (TYPE_NAMES.get(tag), decode_value(r, tag, f"{what}: key {key.decode()!r}"))
    if r.rest():
        raise Invalid("trailingRecordBytes", what)
    return rec


def decode_value(r, tag, what):
    def boolean():
        v = r.u8()
        if v > 1:
            raise Invalid("badBool", what)
        return v == 1

    def string():
        n = r.u32()
        if n > r.rest():
            raise Invalid("countExceedsData", what)
        if n > MAX_STRING:
            raise Invalid("stringTooLong", what)
        try:
            return r.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("invalidUTF8", what)

    def count(size):
        n = r.u32()
        if n * size > r.rest():
            raise Invalid("countExceedsData", what)
        return n

    fixed = {2: "<q", 3: "<Q", 4: "<d", 7: "<f", 8: "<I"}
    if tag == 1:
        return boolean()
    if tag in fixed:
        return struct.unpack(fixed[tag], r.take(struct.calcsize(fixed[tag])))[0]
    if tag == 5:
        return string()
    if tag == 6:
        n = r.u32()
        if n > r.rest():
            raise Invalid("countExceedsData", what)
        return r.take(n)
    if tag == 0x81:
        return [boolean() for _ in range(count(1))]
    if tag in (0x82, 0x83, 0x84, 0x87, 0x88):
        fmt = fixed[tag & 0x7F]
        size = struct.calcsize(fmt)
        n = count(size)
        return list(struct.unpack("<%d%s" % (n, fmt[1]), r.take(n * size)))
    if tag == 0x85:
        return [string() for _ in range(count(4))]
    raise Invalid("unknownValueType", f"{what}: 0x{tag:x}")


def byte_count(dtype, shape):
    n = 1
    for d in shape:
        n *= d
        if n > 1 << 40:
            return None
    size = {1: 4, 2: 2, 3: 2, 5: 4}.get(dtype)
    total = n * size if size else (n // shape[-1]) * 4 + n
    return None if total > 1 << 40 else total


def decode_tensors(raw, a, what):
    r = Reader(raw, what)
    count = r.u32()
    if r.u32() != 0:
        raise Invalid("nonZeroReserved", what)
    if count > 65536:
        raise Invalid("tooManyTensors", what)
    if count * 19 > r.rest():
        raise Invalid("countExceedsData", what)
    descs, prev = [], None
    for _ in range(count):
        name = r.take(r.u8())
        if not name or not NAME_RE.match(name):
            raise Invalid("badTensorName", f"{what}: {name!r}")
        if prev is not None:
            if name == prev:
                raise Invalid("duplicateTensorName", f"{what}: {name!r}")
            if name < prev:
                raise Invalid("tensorsOutOfOrder", f"{what}: {name!r}")
        prev = name
        dtype = r.u8()
        if dtype not in DTYPES:
            raise Invalid("unknownDType", f"{what}: {name!r} dtype {dtype}")
        rank = r.u8()
        if not 1 <= rank <= 4:
            raise Invalid("badRank", f"{what}: {name!r} rank {rank}")
        shape = []
        for _ in range(rank):
            d = r.u64()
            if d == 0:
                raise Invalid("zeroDimension", f"{what}: {name!r}")
            if d > 1 << 40:
                raise Invalid("shapeOverflow", f"{what}: {name!r}")
            shape.append(d)
        offset, length = r.u64(), r.u64()
        expected = byte_count(dtype, shape)
        if expected is None:
            raise Invalid("shapeOverflow", f"{what}: {name!r}")
        if length != expected:
            raise Invalid("tensorSizeMismatch", f"{what}: {name!r} {length} != {expected}")
        descs.append((name.decode(), dtype, shape, offset, length))
    start = align(r.p, a)
    if start > len(raw):
        raise Invalid("tensorPastEnd", f"{what}: data area past the end")
    if any(raw[r.p:start]):
        raise Invalid("nonZeroPadding", f"{what}: after descriptors")
    area = len(raw) - start
    tensors, expected, prev_end = {}, 0, 0
    for name, dtype, shape, offset, length in descs:
        if offset < expected:
            raise Invalid("tensorOverlap", f"{what}: {name}")
        if offset > expected:
            raise Invalid("tensorGap", f"{what}: {name}")
        end = offset + length
        if end > area:
            raise Invalid("tensorPastEnd", f"{what}: {name}")
        if any(raw[start + prev_end:start + offset]):
            raise Invalid("nonZeroPadding", f"{what}: before {name}")
        data = raw[start + offset:start + end]
        if dtype == 4:
            rows = length // (4 + shape[-1])
            for s in struct.unpack("<%df" % rows, data[:rows * 4]):
                if not (math.isfinite(s) and s >= 0):
                    raise Invalid("badQuantScale", f"{what}: {name}")
        tensors[name] = (DTYPES[dtype], shape, data)
        prev_end, expected = end, align(end, a)
    if prev_end != area:
        raise Invalid("trailingTensorData", what)
    return tensors


# ---------------------------------------------------------------- phase 6: schemas

class Fields:
    def __init__(self, rec, section):
        self.rec, self.s = rec, section

    def get(self, key, typ):
        if key not in self.rec:
            raise Invalid("missingKey", f"{self.s}: {key}")
        t, v = self.rec[key]
        if t != typ:
            raise Invalid("wrongValueType", f"{self.s}: {key} is {t}, expected {typ}")
        return v

    def bad(self, key, why):
        return Invalid("badValue", f"{self.s}: {key} {why}")

    def same(self, key, n, other, m):
        if n != m:
            raise Invalid("lengthMismatch", f"{self.s}: {key} {n} vs {other} {m}")


def check_vocab(rec):
    f = Fields(rec, "section VOCB")
    words = f.get("words", "string[]")
    prev = None
    for w in words:
        b = w.encode()
        if not 1 <= len(b) <= 255:
            raise f.bad("words", "length")
        if prev is not None and not prev < b:
            raise Invalid("notSorted", "section VOCB: words")
        prev = b
    df = f.get("df", "u32[]")
    f.same("df", len(df), "words", len(words))
    idf = f.get("idf", "f32[]")
    f.same("idf", len(idf), "words", len(words))
    if not all(math.isfinite(x) for x in idf):
        raise f.bad("idf", "not finite")
    n = f.get("doc_count", "u64")
    if df and max(df) > n:
        raise f.bad("doc_count", "< df")
    if not math.isfinite(f.get("idf.unseen", "f32")):
        raise f.bad("idf.unseen", "not finite")
    if f.get("idf.formula", "string") != "smooth-ln":
        raise f.bad("idf.formula", "unknown")
    if f.get("tokenizer.name", "string") != "zl-words/1":
        raise f.bad("tokenizer.name", "unknown")
    for k in ("tokenizer.lowercase", "tokenizer.split_camel_case", "tokenizer.drop_digits", "tokenizer.drop_masks"):
        f.get(k, "bool")
    return words


def check_glove(ts, vocab_count, has_vocab):
    s = "section GLOV"
    if not has_vocab:
        raise Invalid("missingSection", f"{s} requires VOCB")
    for name in ts:
        if name not in ("unknown", "vectors", "word_ids"):
            raise Invalid("badValue", f"{s}: tensor {name}")
    for name in ("unknown", "vectors", "word_ids"):
        if name not in ts:
            raise Invalid("missingKey", f"{s}: tensor {name}")
    (ud, us, _), (vd, vs, _), (idd, ids_shape, idata) = ts["unknown"], ts["vectors"], ts["word_ids"]
    if ud == "i32" or len(us) != 1:
        raise Invalid("badValue", f"{s}: unknown")
    if vd == "i32" or len(vs) != 2:
        raise Invalid("badValue", f"{s}: vectors")
    if idd != "i32" or len(ids_shape) != 1:
        raise Invalid("badValue", f"{s}: word_ids")
    if vs[1] != us[0]:
        raise Invalid("lengthMismatch", f"{s}: dim")
    if vs[0] != ids_shape[0]:
        raise Invalid("lengthMismatch", f"{s}: rows")
    ids = struct.unpack("<%di" % ids_shape[0], idata)
    for k in range(1, len(ids)):
        if ids[k] <= ids[k - 1]:
            raise Invalid("notSorted", f"{s}: word_ids")
    if vocab_count is not None:
        for i in ids:
            if i < 0 or i >= vocab_count:
                raise Invalid("danglingReference", f"{s}: word id {i}")
    return vs[1]


def valid_pattern(p):
    try:
        re.compile(p)
    except re.error:
        return False
    # constructs outside zl-re/1 (Appendix B)
    return not re.search(r"\(\?[aiLmsux]|\\[1-9]|\(\?P=|[*+?}]\+", p)


def check_drain(rec):
    f = Fields(rec, "section DRAN")
    fmt = f.get("log_format", "string")
    if "<Content>" not in fmt:
        raise f.bad("log_format", "no <Content>")
    depth = f.get("config.depth", "u64")
    if not 3 <= depth <= 64:
        raise f.bad("config.depth", depth)
    sim = f.get("config.sim_th", "f64")
    if not 0 <= sim <= 1:
        raise f.bad("config.sim_th", sim)
    max_children = f.get("config.max_children", "u64")
    if not 1 <= max_children <= 1 << 31:
        raise f.bad("config.max_children", max_children)
    if f.get("config.max_clusters", "u64") > 1 << 31:
        raise f.bad("config.max_clusters", "too large")
    for d in f.get("config.extra_delimiters", "string[]"):
        if not 1 <= len(d.encode()) <= 16:
            raise f.bad("config.extra_delimiters", d)
    f.get("config.parametrize_numeric_tokens", "bool")
    if not f.get("config.param_str", "string"):
        raise f.bad("config.param_str", "empty")
    f.get("mask.prefix", "string")
    f.get("mask.suffix", "string")
    if f.get("mask.dialect", "string") != "zl-re/1":
        raise f.bad("mask.dialect", "unknown")
    names = f.get("mask.names", "string[]")
    for n in names:
        if not re.fullmatch(r"[A-Za-z0-9_*]{1,64}", n):
            raise f.bad("mask.names", n)
    patterns = f.get("mask.patterns", "string[]")
    f.same("mask.patterns", len(patterns), "mask.names", len(names))
    for p in patterns:
        if not valid_pattern(p):
            raise f.bad("mask.patterns", p)
    next_id = f.get("next_cluster_id", "u64")
    ids = f.get("templates.ids", "u32[]")
    for k, i in enumerate(ids):
        if i < 1:
            raise f.bad("templates.ids", "0")
        if k and i <= ids[k - 1]:
            raise Invalid("notSorted", "section DRAN: templates.ids")
    if ids and ids[-1] >= next_id:
        raise f.bad("next_cluster_id", next_id)
    sizes = f.get("templates.sizes", "u64[]")
    f.same("templates.sizes", len(sizes), "templates.ids", len(ids))
    counts = f.get("templates.token_counts", "u32[]")
    f.same("templates.token_counts", len(counts), "templates.ids", len(ids))
    tokens = f.get("templates.tokens", "string[]")
    if sum(counts) != len(tokens):
        raise Invalid("lengthMismatch", "section DRAN: templates.tokens")
    lru = f.get("templates.lru_order", "u32[]")
    f.same("templates.lru_order", len(lru), "templates.ids", len(ids))
    id_index = {i: k for k, i in enumerate(ids)}
    seen = set()
    for i in lru:
        if i in seen:
            raise f.bad("templates.lru_order", "twice")
        seen.add(i)
        if i not in id_index:
            raise Invalid("danglingReference", "section DRAN: templates.lru_order")
    parents = f.get("tree.parents", "u32[]")
    keys = f.get("tree.keys", "string[]")
    f.same("tree.keys", len(keys), "tree.parents", len(parents))
    ccounts = f.get("tree.cluster_counts", "u32[]")
    f.same("tree.cluster_counts", len(ccounts), "tree.parents", len(parents))
    cids = f.get("tree.cluster_ids", "u32[]")
    if sum(ccounts) != len(cids):
        raise Invalid("lengthMismatch", "section DRAN: tree.cluster_ids")
    if not parents:
        raise f.bad("tree.parents", "empty")
    max_depth = depth - 2
    depth_of, children, count_key, held_by, holds = [0] * len(parents), [0] * len(parents), [-1] * len(parents), {}, []
    start = 0
    for i, p in enumerate(parents):
        key = keys[i]
        if i == 0:
            if p != 0xFFFFFFFF or key:
                raise f.bad("tree.parents", "root")
        else:
            if p >= i:
                raise Invalid("danglingReference", f"section DRAN: node {i}")
            if i > 1 and not (parents[i - 1] < p or (parents[i - 1] == p and keys[i - 1].encode() < key.encode())):
                raise Invalid("notSorted", f"section DRAN: node {i}")
            depth_of[i] = depth_of[p] + 1
            if depth_of[i] > max(1, max_depth):
                raise f.bad("tree.parents", f"node {i} too deep")
            if p == 0:
                if not re.fullmatch(r"0|[1-9][0-9]{0,9}", key):
                    raise f.bad("tree.keys", key)
                count_key[i] = int(key)
            else:
                count_key[i] = count_key[p]
                if holds[p]:
                    raise f.bad("tree.cluster_ids", f"node {p} holds clusters and has children")
            children[p] += 1
            if p != 0 and children[p] > max_children:
                raise f.bad("tree.parents", f"node {p} children")
        held = cids[start:start + ccounts[i]]
        start += ccounts[i]
        if held and i == 0:
            raise f.bad("tree.cluster_ids", "root")
        for cid in held:
            if cid not in id_index:
                raise Invalid("danglingReference", f"section DRAN: node {i} template {cid}")
            t = id_index[cid]
            if t in held_by:
                raise f.bad("tree.cluster_ids", f"template {cid} twice")
            held_by[t] = i
            if counts[t] != count_key[i]:
                raise f.bad("tree.cluster_ids", f"template {cid} token count")
            leaf = 1 if counts[t] == 0 else min(counts[t], max_depth)
            if depth_of[i] != leaf:
                raise f.bad("tree.cluster_ids", f"template {cid} depth")
        holds.append(held)
    if len(held_by) != len(ids):
        raise f.bad("tree.cluster_ids", "a template is held by no node")


SESSION_RE = re.compile(r"block|instance|(window|node-window):([0-9]+)|time:([0-9]+(?:\.[0-9]+)?)|regex:(.*)", re.S)


def check_session(rec):
    f = Fields(rec, "section SESS")
    rule = f.get("rule", "string")
    m = SESSION_RE.fullmatch(rule)
    ok = bool(m)
    if m and m.group(2) is not None:
        ok = str(int(m.group(2))) == m.group(2) and 1 <= int(m.group(2)) <= 1_000_000
    if m and m.group(3) is not None:
        try:
            v = float(m.group(3))
            ok = math.isfinite(v) and 0 < v <= 1e9
        except ValueError:
            ok = False
    if m and m.group(4) is not None:
        ok = valid_pattern(m.group(4))
    if not ok:
        raise f.bad("rule", rule)
    if not 1 <= f.get("max_events", "u64") <= 1 << 31:
        raise f.bad("max_events", "range")
    if f.get("idle_lines", "u64") > 1 << 40:
        raise f.bad("idle_lines", "range")
    if not 1 <= f.get("max_open", "u64") <= 1 << 31:
        raise f.bad("max_open", "range")


def check_threshold(rec):
    f = Fields(rec, "section THRS")
    score = f.get("score", "string")
    if score not in ("p_anomaly", "hybrid"):
        raise f.bad("score", "unknown")
    t = f.get("threshold", "f64")
    if not 0 <= t <= 1:
        raise f.bad("threshold", t)
    if f.get("method", "string") not in ("default", "source-validation-f1", "manual", "hybrid"):
        raise f.bad("method", "unknown")
    if score == "hybrid":
        if f.get("hybrid.alarm_level", "u64") not in (0, 2, 3, 4):
            raise f.bad("hybrid.alarm_level", "range")
        if f.get("hybrid.network", "string") not in ("none", "evidence", "decides"):
            raise f.bad("hybrid.network", "unknown")


def check_levels(rec):
    f = Fields(rec, "section LEVL")
    field = f.get("field", "string")
    if field and not re.fullmatch(r"[A-Za-z0-9_]+", field):
        raise f.bad("field", field)
    if f.get("scale", "string") != LEVEL_SCALE:
        raise f.bad("scale", "unknown")


def check_detectors(rec):
    f = Fields(rec, "section TDET")
    n = f.get("sessions", "u64")
    if not 1 <= n <= 1 << 40:
        raise f.bad("sessions", n)
    templates = f.get("templates", "u32[]")
    if any(b <= a for a, b in zip(templates, templates[1:])):
        raise Invalid("notSorted", "section TDET: templates")
    df = f.get("df", "u32[]")
    f.same("df", len(df), "templates", len(templates))
    if any(x > n for x in df):
        raise f.bad("df", "> sessions")
    k = f.get("pca.k", "u64")
    if k > 0:
        columns = f.get("pca.columns", "u32[]")
        known = set(templates)
        for j, c in enumerate(columns):
            if j > 0 and c <= columns[j - 1]:
                raise Invalid("notSorted", "section TDET: pca.columns")
            if c not in known:
                raise Invalid("danglingReference", f"section TDET: pca.columns names {c}")
        d = len(columns) + 1
        if k > d:
            raise f.bad("pca.k", "> columns")
        idf, mean, comps = f.get("pca.idf", "f32[]"), f.get("pca.mean", "f32[]"), f.get("pca.components", "f32[]")
        f.same("pca.idf", len(idf), "pca.columns + 1", d)
        f.same("pca.mean", len(mean), "pca.columns + 1", d)
        f.same("pca.components", len(comps), "pca.k x (pca.columns + 1)", k * d)
        for name, a in (("pca.idf", idf), ("pca.mean", mean), ("pca.components", comps)):
            if not all(math.isfinite(x) and abs(x) <= 1e6 for x in a):
                raise f.bad(name, "not finite or above 1e6")
        q = f.get("pca.q", "f64")
        if not 0 < q < 1e12:
            raise f.bad("pca.q", q)
        alpha = f.get("pca.alpha", "f64")
        if not 0 < alpha < 1:
            raise f.bad("pca.alpha", alpha)
    rate = f.get("rarity.rate", "f64")
    if not 0 <= rate < 1:
        raise f.bad("rarity.rate", rate)


def check_model(records, tensors, glove_dim):
    """§8.9 with Appendix A (zl.bigru-attn) or Appendix C (zl.hybrid), for files that name one."""
    hybrid = records.get(b"META", {}).get("general.architecture", (None, None))[1] == "zl.hybrid"
    needed = ((b"DRAN", b"DRAN" in records), (b"META", b"META" in records), (b"SESS", b"SESS" in records),
              (b"THRS", b"THRS" in records)) if hybrid else \
        ((b"DRAN", b"DRAN" in records), (b"GLOV", glove_dim is not None), (b"META", b"META" in records),
         (b"SESS", b"SESS" in records), (b"TENS", b"TENS" in tensors), (b"THRS", b"THRS" in records),
         (b"VOCB", b"VOCB" in records))
    for t, present in needed:
        if not present:
            raise Invalid("missingSection", type_text(t))
    thrs = records[b"THRS"]
    alarm = thrs["hybrid.alarm_level"][1] if thrs["score"][1] == "hybrid" else 0
    if hybrid:
        if thrs["score"][1] != "hybrid" or thrs["hybrid.network"][1] != "none":
            raise Invalid("modelMismatch", "a zl.hybrid model's THRS score must be hybrid with hybrid.network none")
    else:
        severity = check_network(records, tensors, glove_dim)
        if severity and b"LEVL" not in records:
            raise Invalid("missingSection", "LEVL (the model reads severity features)")
    if alarm and b"LEVL" not in records:
        raise Invalid("missingSection", "LEVL (the hybrid decision reads severity)")
    if b"TDET" in records:
        ids = set(records[b"DRAN"]["templates.ids"][1])
        for t in records[b"TDET"]["templates"][1]:
            if t not in ids:
                raise Invalid("danglingReference", f"section TDET: templates names {t}, which DRAN does not hold")


def check_network(records, tensors, glove_dim):
    """Appendix A; returns model.severity_features."""
    meta = records[b"META"]
    if meta["general.architecture"][1] != "zl.bigru-attn":
        raise Invalid("modelMismatch", "architecture")
    f = Fields(meta, "section META")

    def uint(k, lo, hi):
        v = f.get(k, "u64")
        if not lo <= v <= hi:
            raise f.bad(k, v)
        return v

    e, h, layers = uint("model.input_size", 1, 65536), uint("model.hidden_size", 1, 65536), uint("model.layers", 1, 8)
    bidir = f.get("model.bidirectional", "bool")
    att = f.get("model.attention", "string")
    if att not in ("additive", "qkv"):
        raise f.bad("model.attention", att)
    classes = uint("model.classes", 2, 2)
    uint("model.max_length", 1, 1_000_000)
    severity = uint("model.severity_features", 0, 3) if "model.severity_features" in meta else 0
    if severity not in (0, 3) or severity >= e:
        raise f.bad("model.severity_features", severity)
    d = 2 if bidir else 1
    expected = {}
    for l in range(layers):
        for suffix in (["", "_reverse"] if bidir else [""]):
            expected[f"gru.weight_ih_l{l}{suffix}"] = [3 * h, e if l == 0 else d * h]
            expected[f"gru.weight_hh_l{l}{suffix}"] = [3 * h, h]
            expected[f"gru.bias_ih_l{l}{suffix}"] = [3 * h]
            expected[f"gru.bias_hh_l{l}{suffix}"] = [3 * h]
    if att == "additive":
        expected.update({"attention.guide": [d * h], "attention.weight": [2 * d * h], "attention.bias": [1]})
    else:
        expected.update({f"attention.{k}": [d * h, d * h] for k in ("query", "key", "value")})
    expected.update({"classifier.weight": [classes, d * h], "classifier.bias": [classes]})
    ts = tensors[b"TENS"]
    for name in sorted(ts):
        if name not in expected and not name.startswith(("domain.", "optimizer.")):
            raise Invalid("modelMismatch", f"extra tensor {name}")
    for name in sorted(expected):
        if name not in ts:
            raise Invalid("modelMismatch", f"missing tensor {name}")
        if ts[name][0] == "i32":
            raise Invalid("modelMismatch", f"{name} dtype")
        if ts[name][1] != expected[name]:
            raise Invalid("modelMismatch", f"{name} shape {ts[name][1]} != {expected[name]}")
    if glove_dim != e - severity:
        raise Invalid("modelMismatch", "GloVe dim")
    return severity


def verify(data, limits=DEFAULT_LIMITS):
    """All phases; returns (listing, records by type, tensor sets by type)."""
    info = read_layout(len(data), lambda o, n: data[o:o + n], limits)
    bodies = read_bodies(info, data)
    records, tensors = {}, {}
    for e, raw in bodies:
        known = KNOWN.get(e["type"])
        if not known:
            continue
        what = f"section {type_text(e['type'])}"
        if known[1] == "record":
            records[e["type"]] = decode_record(raw, what)
        else:
            tensors[e["type"]] = decode_tensors(raw, info["alignment"], what)
    vocab_count = None
    if b"VOCB" in records and records[b"VOCB"].get("words", (None,))[0] == "string[]":
        vocab_count = len(records[b"VOCB"]["words"][1])
    glove_dim = None
    for e, _ in bodies:
        t = e["type"]
        if t == b"DRAN":
            check_drain(records[t])
        elif t == b"GLOV":
            glove_dim = check_glove(tensors[t], vocab_count, b"VOCB" in records)
        elif t == b"LEVL":
            check_levels(records[t])
        elif t == b"META":
            Fields(records[t], "section META").get("general.architecture", "string")
        elif t == b"SESS":
            check_session(records[t])
        elif t == b"TDET":
            check_detectors(records[t])
        elif t == b"THRS":
            check_threshold(records[t])
        elif t == b"VOCB":
            check_vocab(records[t])
    if b"META" in records and records[b"META"]["general.architecture"][1] in ("zl.bigru-attn", "zl.hybrid"):
        check_model(records, tensors, glove_dim)
    return listing(info), records, tensors


# ---------------------------------------------------------------- scoring (Formats/scoring-v1.md)
# An independent implementation of the scoring spec: raw lines -> fields -> level -> masked tokens ->
# event (trained templates, else the overlay) -> sessions -> event vectors -> scores -> records.
# Standard library only; numpy, when installed, speeds up the network (same arithmetic).

LEVEL_WORDS = {
    0: "trace debug verbose finest finer fine dbg v d 7", 1: "info information informational notice config i n 5 6",
    2: "warn warning w 4", 3: "error err severe failure fail failed e 3", 4: "fatal critical crit alert emerg emergency panic f a 0 1 2",
}
LEVELS = {w: lv for lv, ws in LEVEL_WORDS.items() for w in ws.split()}
MAX_LINE = 1 << 20
OVERLAY_CLUSTERS, OVERLAY_TOKENS, OVERLAY_BYTES = 4096, 16 * 4096 + 16384, 4 << 20


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def severity(word):
    """Appendix D: the level of a word, or None (unknown)."""
    w = word.strip("".join(chr(c) for c in range(128) if not chr(c).isalnum()))
    if not w or len(w.encode()) > 16 or not w.isascii():
        return None
    return LEVELS.get(w.lower())


def tensor_floats(t):
    """A tensor's values as floats (dequantized), row-major."""
    dtype, shape, data = t
    n = 1
    for d in shape:
        n *= d
    if dtype == "f32":
        return list(struct.unpack("<%df" % n, data))
    if dtype == "f16":
        return list(struct.unpack("<%de" % n, data))
    if dtype == "bf16":
        return [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in struct.unpack("<%dH" % n, data)]
    if dtype == "i8":
        cols = shape[-1]
        rows = n // cols
        scales = struct.unpack("<%df" % rows, data[:4 * rows])
        q = struct.unpack("<%db" % n, data[4 * rows:])
        return [q[k] * scales[k // cols] for k in range(n)]
    return list(struct.unpack("<%di" % n, data))


def read_lines(paths, max_line=MAX_LINE):
    """§2: lines of the inputs in order (gzip by its magic; LF; a CR before it dropped; cut at max_line)."""
    import gzip
    for path in paths or ["-"]:
        raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        parts = raw.split(b"\n")
        if parts and parts[-1] == b"":
            parts.pop()
        for line in parts:
            if line.endswith(b"\r"):
                line = line[:-1]
            yield line[:max_line]


class LogFormat:
    """§3: logparser's header pattern."""
    def __init__(self, fmt):
        self.fields, pattern, k, sep = [], "^", 0, ""
        while k < len(fmt):
            close = -1
            if fmt[k] == "<":
                for j in range(k + 1, len(fmt)):
                    if fmt[j] in "<>":
                        close = j if fmt[j] == ">" and j > k + 1 else -1
                        break
            if close > 0:
                pattern += re.sub(" +", lambda _: r"\s+", sep) + "(?P<%s>.*?)" % fmt[k + 1:close]
                self.fields.append(fmt[k + 1:close])
                sep, k = "", close + 1
            else:
                sep += fmt[k]
                k += 1
        self.regex = re.compile(pattern + re.sub(" +", lambda _: r"\s+", sep) + "$", re.ASCII)

    def split(self, line):
        m = self.regex.match(line.strip())
        return None if m is None else [m.group(f) for f in self.fields]


class Overlay:
    """§8: a Drain3 state learning the lines no trained template matches."""
    def __init__(self, cfg, first_id):
        self.cfg, self.counter = cfg, first_id - 1
        self.P, self.D = cfg["param"], cfg["depth"] - 2
        self.root = {"children": {}, "ids": []}
        self.templates = {}  # id -> tokens, in LRU order (first = least recently used)
        self.seen = {self.P}
        self.seen_bytes = len(self.P.encode())

    def see(self, token):
        if token not in self.seen:
            self.seen.add(token)
            self.seen_bytes += len(token.encode())

    def full(self):
        return len(self.seen) > OVERLAY_TOKENS or self.seen_bytes > OVERLAY_BYTES

    def search(self, tokens):
        n = len(tokens)
        node = self.root["children"].get(str(n))
        if node is None:
            return None
        if n == 0:
            return node["ids"][0] if node["ids"] and node["ids"][0] in self.templates else None
        depth = 1
        for t in tokens:
            if depth >= self.D or depth == n:
                break
            node = node["children"].get(t) or node["children"].get(self.P)
            if node is None:
                return None
            depth += 1
        best, best_sim, best_params = None, -1.0, -1
        for i in node["ids"]:
            tpl = self.templates.get(i)
            if tpl is None:
                continue
            same = params = 0
            for a, b in zip(tpl, tokens):
                if a == self.P:
                    params += 1
                elif a == b:
                    same += 1
            sim = same / len(tpl) if tpl else 1.0
            if sim > best_sim or (sim == best_sim and params > best_params):
                best, best_sim, best_params = i, sim, params
        return best if best_sim >= self.cfg["sim_th"] else None

    def learn(self, tokens):
        for t in tokens:
            self.see(t)
        i = self.search(tokens)
        if i is not None:
            tpl = self.templates.pop(i)
            self.templates[i] = [a if a == b or a == self.P else self.P for a, b in zip(tpl, tokens)]
            return i
        self.counter += 1
        i = self.counter
        if len(self.templates) >= OVERLAY_CLUSTERS:
            del self.templates[next(iter(self.templates))]
        self.templates[i] = list(tokens)
        self.add_to_tree(i, tokens)
        return i

    def add_to_tree(self, i, tokens):
        n, cfg = len(tokens), self.cfg
        key = str(n)
        if key not in self.root["children"]:
            self.see(key)
            self.root["children"][key] = {"children": {}, "ids": []}
        node = self.root["children"][key]
        if n == 0:
            node["ids"] = [i]
            return
        depth = 1

        def child(nd, k):
            if k not in nd["children"]:
                nd["children"][k] = {"children": {}, "ids": []}
            return nd["children"][k]
        for t in tokens:
            if depth >= self.D or depth >= n:
                node["ids"] = [x for x in node["ids"] if x in self.templates] + [i]
                break
            kids = node["children"]
            if t in kids:
                node = kids[t]
            elif cfg["numeric"] and any(c.isdigit() for c in t):
                node = child(node, self.P)
            elif self.P in kids:
                node = child(node, t) if len(kids) < cfg["max_children"] else kids[self.P]
            elif len(kids) + 1 < cfg["max_children"]:
                node = child(node, t)
            else:
                node = child(node, self.P)
            depth += 1


def words_of(tokens, removed, settings):
    """§10: template tokens to words (zl-words/1)."""
    removed_sorted = sorted(removed, key=lambda r: (-len(r.encode()), r.encode()))
    out = []
    for t in tokens:
        if t in removed:
            continue
        for r in removed_sorted:
            t = t.replace(r, " ")
        for run in re.findall(r"[A-Za-z]+", t):
            start = 0
            if settings["split_camel_case"]:
                for k in range(1, len(run)):
                    a, b = run[k - 1], run[k]
                    if (a.islower() and b.isupper()) or (a.isupper() and b.isupper() and k + 1 < len(run) and run[k + 1].islower()):
                        out.append(run[start:k])
                        start = k
            out.append(run[start:])
    return [w.lower() for w in out] if settings["lowercase"] else out


class Network:
    """Appendix A: the BiGRU + attention forward pass (binary64; numpy when available)."""
    def __init__(self, meta, tensors):
        self.h = meta["model.hidden_size"][1]
        self.layers = meta["model.layers"][1]
        self.dirs = 2 if meta["model.bidirectional"][1] else 1
        self.attention = meta["model.attention"][1]
        self.max_len = meta["model.max_length"][1]
        self.w = {}
        for name, t in tensors.items():
            if name.startswith(("domain.", "optimizer.")):
                continue
            v = tensor_floats(t)
            self.w[name] = (t[1], v)
        try:
            import numpy as np
            self.np = np
            self.w = {k: np.array(v, dtype=np.float64).reshape(shape) for k, (shape, v) in self.w.items()}
        except ImportError:
            self.np = None

    def score(self, xs):
        xs = xs[-self.max_len:]
        return self.score_np(xs) if self.np is not None else self.score_py(xs)

    def score_np(self, xs):
        np, w, H = self.np, self.w, self.h
        x = np.array(xs, dtype=np.float64)
        sig = lambda v: 1 / (1 + np.exp(-v))
        for l in range(self.layers):
            outs = []
            for d in range(self.dirs):
                sfx = "_reverse" if d else ""
                wi, wh = w[f"gru.weight_ih_l{l}{sfx}"], w[f"gru.weight_hh_l{l}{sfx}"]
                bi, bh = w[f"gru.bias_ih_l{l}{sfx}"], w[f"gru.bias_hh_l{l}{sfx}"]
                seq = x[::-1] if d else x
                gi = seq @ wi.T + bi
                h = np.zeros(H)
                hs = []
                for t in range(len(seq)):
                    gh = wh @ h + bh
                    r = sig(gi[t, :H] + gh[:H])
                    z = sig(gi[t, H:2 * H] + gh[H:2 * H])
                    n = np.tanh(gi[t, 2 * H:] + r * gh[2 * H:])
                    h = (1 - z) * n + z * h
                    hs.append(h)
                hs = np.array(hs)
                outs.append(hs[::-1] if d else hs)
            x = np.concatenate(outs, axis=1)
        if self.attention == "additive":
            f = x.shape[1]
            aw = w["attention.weight"]
            s = np.tanh(aw[:f] @ w["attention.guide"] + x @ aw[f:] + w["attention.bias"][0])
        else:
            q = w["attention.query"] @ x.mean(axis=0)
            s = (x @ w["attention.key"].T) @ q / math.sqrt(x.shape[1])
            x = x @ w["attention.value"].T
        a = np.exp(s - s.max())
        a /= a.sum()
        logits = w["classifier.weight"] @ (a @ x) + w["classifier.bias"]
        return 1 / (1 + math.exp(-(logits[1] - logits[0])))

    def score_py(self, xs):
        w, H = self.w, self.h

        def mat(name):
            shape, v = w[name]
            return [v[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])]

        def dot(a, b):
            return math.fsum(p * q for p, q in zip(a, b))
        sig = lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0
        x = [list(v) for v in xs]
        for l in range(self.layers):
            outs = []
            for d in range(self.dirs):
                sfx = "_reverse" if d else ""
                wi, wh = mat(f"gru.weight_ih_l{l}{sfx}"), mat(f"gru.weight_hh_l{l}{sfx}")
                bi, bh = w[f"gru.bias_ih_l{l}{sfx}"][1], w[f"gru.bias_hh_l{l}{sfx}"][1]
                seq = x[::-1] if d else x
                h, hs = [0.0] * H, []
                for xt in seq:
                    gi = [dot(row, xt) + b for row, b in zip(wi, bi)]
                    gh = [dot(row, h) + b for row, b in zip(wh, bh)]
                    h = [(1 - sig(gi[H + j] + gh[H + j])) * math.tanh(gi[2 * H + j] + sig(gi[j] + gh[j]) * gh[2 * H + j])
                         + sig(gi[H + j] + gh[H + j]) * h[j] for j in range(H)]
                    hs.append(h)
                outs.append(hs[::-1] if d else hs)
            x = [sum((o[t] for o in outs), []) for t in range(len(x))]
        f = len(x[0])
        if self.attention == "additive":
            aw = w["attention.weight"][1]
            g = dot(aw[:f], w["attention.guide"][1])
            s = [math.tanh(g + dot(aw[f:], ht) + w["attention.bias"][1][0]) for ht in x]
        else:
            m = [sum(ht[j] for ht in x) / len(x) for j in range(f)]
            q = [dot(row, m) for row in mat("attention.query")]
            s = [dot([dot(row, ht) for row in mat("attention.key")], q) / math.sqrt(f) for ht in x]
            x = [[dot(row, ht) for row in mat("attention.value")] for ht in x]
        mx = max(s)
        e = [math.exp(v - mx) for v in s]
        tot = sum(e)
        r = [sum(e[t] / tot * x[t][j] for t in range(len(x))) for j in range(f)]
        cw = mat("classifier.weight")
        l0 = dot(cw[0], r) + w["classifier.bias"][1][0]
        l1 = dot(cw[1], r) + w["classifier.bias"][1][1]
        return 1 / (1 + math.exp(-(l1 - l0)))


class Scorer:
    """A model as something that scores lines (Formats/scoring-v1.md)."""
    def __init__(self, records, tensors, threshold=None):
        dran, sess, thrs = records[b"DRAN"], records[b"SESS"], records[b"THRS"]
        g = lambda r, k: r[k][1]
        self.format = LogFormat(g(dran, "log_format"))
        self.masks = [(re.compile(p, re.ASCII), g(dran, "mask.prefix") + n + g(dran, "mask.suffix"))
                      for n, p in zip(g(dran, "mask.names"), g(dran, "mask.patterns"))]
        self.delims = g(dran, "config.extra_delimiters")
        self.cfg = {"param": g(dran, "config.param_str"), "depth": g(dran, "config.depth"), "sim_th": g(dran, "config.sim_th"),
                    "max_children": g(dran, "config.max_children"), "numeric": g(dran, "config.parametrize_numeric_tokens")}
        # The trained state: templates and tree.
        ids, counts, toks = g(dran, "templates.ids"), g(dran, "templates.token_counts"), g(dran, "templates.tokens")
        self.templates, k = {}, 0
        for i, c in zip(ids, counts):
            self.templates[i] = toks[k:k + c]
            k += c
        parents, keys, ccount, cids = g(dran, "tree.parents"), g(dran, "tree.keys"), g(dran, "tree.cluster_counts"), g(dran, "tree.cluster_ids")
        self.nodes, k = [], 0
        for j in range(len(parents)):
            self.nodes.append({"children": {}, "ids": cids[k:k + ccount[j]]})
            k += ccount[j]
            if j > 0:
                self.nodes[parents[j]]["children"][keys[j]] = self.nodes[j]
        self.first_overlay = min(max(1, g(dran, "next_cluster_id")), (1 << 31) - 1)
        self.overlay = Overlay(self.cfg, self.first_overlay)
        # Levels.
        levl = records.get(b"LEVL")
        lf = g(levl, "field") if levl else ""
        self.level_field = self.format.fields.index(lf) if lf in self.format.fields else None
        # Sessions.
        self.rule = g(sess, "rule")
        self.max_events, self.idle, self.max_open = g(sess, "max_events"), g(sess, "idle_lines"), g(sess, "max_open")
        self.key_regex = re.compile(self.rule[6:], re.ASCII) if self.rule.startswith("regex:") else None
        fields = self.format.fields
        self.node_field = next((fields.index(f) for f in ("Node", "User", "Host", "Location") if f in fields), None)
        self.time_fields = tuple(fields.index(f) if f in fields else None for f in ("Date", "Time", "Timestamp"))
        n = int(self.rule.split(":")[1]) if self.rule.startswith(("window:", "node-window:")) else None
        self.limit = min(n, self.max_events) if n else self.max_events
        self.open = {}  # key -> session, in order of activity (first = least recently active)
        self.parts, self.node_counts, self.line_count, self.window_count = {}, {}, 0, 0
        # Decision.
        self.threshold = g(thrs, "threshold") if threshold is None else threshold
        self.hybrid = g(thrs, "score") == "hybrid"
        self.alarm = g(thrs, "hybrid.alarm_level") if self.hybrid else 0
        self.role = g(thrs, "hybrid.network") if self.hybrid else "decides"
        tdet = records.get(b"TDET")
        self.tdet = None
        if tdet:
            share = {t: d / g(tdet, "sessions") for t, d in zip(g(tdet, "templates"), g(tdet, "df"))}
            k = g(tdet, "pca.k")
            pca = None
            if k:
                cols = {t: j for j, t in enumerate(g(tdet, "pca.columns"))}
                pca = (k, cols, g(tdet, "pca.idf"), g(tdet, "pca.mean"), g(tdet, "pca.components"), g(tdet, "pca.q"))
            self.tdet = (share, g(tdet, "rarity.rate"), pca)
        # Network and event vectors.
        meta = records[b"META"]
        self.network = None
        if b"TENS" in tensors and self.role != "none":
            self.network = Network(meta, tensors[b"TENS"])
            self.severity_features = meta.get("model.severity_features", (None, 0))[1]
            vocab, glov = records[b"VOCB"], tensors[b"GLOV"]
            settings = {k: g(vocab, "tokenizer." + k) for k in ("lowercase", "split_camel_case", "drop_masks")}
            removed = {self.cfg["param"]} | ({m[1] for m in self.masks} if settings["drop_masks"] else set())
            self.words = lambda tokens: words_of(tokens, removed, settings)
            vwords, idf = g(vocab, "words"), g(vocab, "idf")
            dim = glov["vectors"][1][1]
            vec = tensor_floats(glov["vectors"])
            rows = {vwords[i]: vec[r * dim:(r + 1) * dim] for r, i in enumerate(tensor_floats(glov["word_ids"]))}
            self.glove = {w: (idf[i], rows[w]) for i, w in enumerate(vwords) if w in rows}
            self.unknown = tensor_floats(glov["unknown"])
            self.dim = dim
            self.vectors = {i: self.event_vector(t) for i, t in self.templates.items()}

    def event_vector(self, tokens):
        ws = self.words(tokens)
        n = len(ws)
        if n == 0:
            return self.unknown
        counts = {}
        for w in ws:
            counts[w] = counts.get(w, 0) + 1
        acc, known = [0.0] * self.dim, False
        for w in ws:
            e = self.glove.get(w)
            if e is None:
                continue
            known = True
            weight = (1.0 / n) * (counts[w] * (1.0 / n)) * e[0]
            for d in range(self.dim):
                acc[d] += weight * e[1][d]
        return [f32(v) for v in acc] if known else self.unknown

    # -- the front end (§3-§8)

    def event(self, text):
        fields = self.format.split(text)
        content = fields[self.format.fields.index("Content")] if fields is not None else text.strip()
        level = None
        if fields is not None and self.level_field is not None:
            level = severity(fields[self.level_field])
        for rx, rep in self.masks:
            content = rx.sub(lambda _: rep, content)
        if self.delims:
            content = content.strip()
            for d in self.delims:
                content = content.replace(d, " ")
        tokens = content.split()
        i = self.match(tokens)
        if i is not None:
            return i, fields, level
        if self.overlay.full():
            self.overlay = Overlay(self.cfg, self.overlay.counter + 1)
        i = self.overlay.learn(tokens)
        if self.network is not None and i not in self.vectors:
            self.vectors[i] = self.event_vector(tokens)
        return i, fields, level

    def match(self, tokens):
        P, D, n = self.cfg["param"], self.cfg["depth"] - 2, len(tokens)
        node = self.nodes[0]["children"].get(str(n))
        if node is None:
            return None
        if n == 0:
            return node["ids"][0] if node["ids"] else None
        depth = 1
        for t in tokens:
            if depth >= D or depth == n:
                break
            node = node["children"].get(t) or node["children"].get(P)
            if node is None:
                return None
            depth += 1
        best, best_sim, best_params = None, -1.0, -1
        for i in node["ids"]:
            tpl = self.templates[i]
            params = sum(1 for a in tpl if a == P)
            same = sum(1 for a, b in zip(tpl, tokens) if a != P and a == b)
            sim = (same + params) / len(tpl) if tpl else 1.0
            if sim > best_sim or (sim == best_sim and params > best_params):
                best, best_sim, best_params = i, sim, params
        return best if best_sim >= 1.0 else None

    # -- sessions (§9)

    def keys(self, text, fields):
        r = self.rule
        if r == "block":
            found = re.findall(r"blk_-?[0-9]+", text, re.ASCII)
        elif r == "instance":
            found = [m.lower() for m in re.findall(r"instance: ([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})", text)]
        elif r.startswith("window:"):
            found = ["window %d" % (self.window_count // int(r[7:]))]
            self.window_count += 1
        elif r.startswith("node-window:"):
            if fields is None or self.node_field is None:
                return []
            node = fields[self.node_field]
            c = self.node_counts.get(node, 0)
            if c == 0 and len(self.node_counts) >= self.max_open:
                self.node_counts.clear()
            self.node_counts[node] = c + 1
            found = ["%s #%d" % (node, c // int(r[12:]))]
        elif r.startswith("time:"):
            t = self.time(fields) if fields is not None else None
            if t is None:
                return []
            found = ["t %d" % math.floor(t / float(r[5:]))]
        else:
            m = self.key_regex.search(text)
            if m is None:
                return []
            found = [m.group(1) if m.re.groups >= 1 and m.group(1) is not None else m.group(0)]
        out = []
        for k in found:
            if k not in out:
                out.append(k)
        return out

    def time(self, fields):
        di, ti, si = self.time_fields
        if si is not None and re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", fields[si], re.ASCII):
            v = float(fields[si])
            if math.isfinite(v):
                return v
        if ti is None:
            return None
        g = re.findall(r"[0-9]+", fields[ti], re.ASCII)

        def days(y, m, d):
            y, m, d = int(y), int(m), int(d)
            if y < 100:
                y += 2000
            if m <= 2:
                y, m = y - 1, m + 12
            q = lambda a, b: int(a / b)
            return 365 * y + q(y, 4) - q(y, 100) + q(y, 400) + q(153 * (m - 3) + 2, 5) + d
        if len(g) == 1 and len(g[0]) == 6:
            hms = [float(g[0][:2]), float(g[0][2:4]), float(g[0][4:])]
        elif len(g) >= 3:
            a = g[-4:] if len(g) > 4 else g[-len(g):]
            hms = [float(a[0]), float(a[1]), float(a[2]) + (float("0." + a[3]) if len(a) > 3 else 0.0)]
            if len(g) >= 6:
                return days(*g[:3]) * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
        else:
            return None
        day = 0.0
        if di is not None:
            d = re.findall(r"[0-9]+", fields[di], re.ASCII)
            if len(d) == 1 and len(d[0]) == 6:
                day = days(d[0][:2], d[0][2:4], d[0][4:])
            elif len(d) >= 3:
                day = days(*d[:3])
            elif d:
                day = float(d[0])
        return day * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2]

    def add(self, text, event, level):
        """One line; returns the sessions it closed."""
        fields = self._fields
        keys = self.keys(text, fields)
        self.line_count += 1
        closed = []
        for k in keys:
            s = self.open.pop(k, None)
            if s is None:
                s = {"key": k, "part": self.parts.get(k, 0), "events": [], "levels": [], "first": self.line_count}
            s["events"].append(event)
            s["levels"].append(level)
            s["last"] = self.line_count
            self.open[k] = s
            if len(s["events"]) >= self.limit:
                closed.append(self.close(k, "events"))
        if self.idle > 0:
            while self.open:
                k = next(iter(self.open))
                if self.line_count - self.open[k]["last"] < self.idle:
                    break
                closed.append(self.close(k, "idle"))
        while len(self.open) > self.max_open:
            closed.append(self.close(next(iter(self.open)), "overflow"))
        return closed

    def close(self, k, reason="end"):
        s = self.open.pop(k)
        s["closed"] = reason
        s["label_key"] = k
        s["name"] = "%s #%d" % (k, s["part"]) if s["part"] > 0 else k
        if len(s["events"]) >= self.max_events:
            if len(self.parts) >= self.max_open and k not in self.parts:
                self.parts.clear()
            self.parts[k] = self.parts.get(k, 1) + 1
        return s

    # -- scores (§10-§12)

    def score(self, s):
        network = None
        if self.network is not None:
            xs = []
            for e, lv in zip(s["events"], s["levels"]):
                v = list(self.vectors[e])
                if self.severity_features:
                    r = lv if lv is not None else 1
                    v += [1.0 if r >= 2 else 0.0, 1.0 if r >= 3 else 0.0, 1.0 if r >= 4 else 0.0]
                xs.append(v)
            network = f32(self.network.score(xs))
        if not self.hybrid or self.role == "decides":
            return network
        pieces = []
        if self.alarm:
            n = sum(1 for lv in s["levels"] if lv is not None and lv >= self.alarm)
            pieces.append(n / (n + 1))
        if self.tdet:
            share, rate, pca = self.tdet
            if rate > 0:
                f = min([share.get(e, 0.0) for e in s["events"]] + [1.0])
                pieces.append(rate / (f + rate))
            if pca:
                k, cols, idf, mean, comps, q = pca
                d = len(idf)
                c = [0.0] * d
                for e in s["events"]:
                    c[cols.get(e, d - 1)] += 1
                x = [f32(f32(c[j] * idf[j]) - mean[j]) for j in range(d)]
                total = 0.0
                for v in x:
                    total += v * v
                proj = 0.0
                for i in range(k):
                    p = 0.0
                    for j in range(d):
                        p += comps[i * d + j] * x[j]
                    proj += p * p
                spe = max(total - proj, 0.0)
                pieces.append(spe / (spe + q) if spe > 0 else 0.0)
        if network is not None:
            pieces.append(network)
        return f32(max(pieces + [0.0]))

    def records(self, lines):
        for raw in lines:
            text = raw.decode("utf-8", errors="replace")
            event, self._fields, level = self.event(text)
            for s in self.add(text, event, level):
                yield self.record(s)
        while self.open:
            yield self.record(self.close(next(iter(self.open))))

    def record(self, s):
        score = self.score(s)
        return {"session": s["name"], "score": score, "anomaly": score >= self.threshold, "events": len(s["events"]),
                "new_templates": sum(1 for e in s["events"] if e >= self.first_overlay), "first_line": s["first"], "last_line": s["last"],
                "closed": s["closed"]}


class ONNXNetwork:
    """The network as an ONNX model run by ONNX Runtime (zl-pack export onnx): same interface as Network."""
    def __init__(self, path, max_len):
        import numpy as np
        import onnxruntime
        self.np, self.max_len = np, max_len
        self.session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])

    def score(self, xs):
        xs = xs[-self.max_len:]
        ev = self.np.array([xs], dtype=self.np.float32)
        return float(self.session.run(None, {"events": ev, "lengths": self.np.array([len(xs)], dtype=self.np.int32)})[0][0])


def score_main(argv):
    """zlck.py score MODEL [LOG...] [--threshold X] [--onnx MODEL.onnx]: JSON lines as zl-score prints them."""
    args = list(argv)
    threshold = onnx = None
    if "--threshold" in args:
        k = args.index("--threshold")
        threshold = float(args[k + 1])
        del args[k:k + 2]
    if "--onnx" in args:
        k = args.index("--onnx")
        onnx = args[k + 1]
        del args[k:k + 2]
    if not args:
        sys.stderr.write("usage: zlck.py score MODEL [LOG...] [--threshold X] [--onnx MODEL.onnx]\n")
        return 64
    model = args[0]
    try:
        _, records, tensors = verify(open(model, "rb").read())
        if records.get(b"META", {}).get("general.architecture", (None, None))[1] not in ("zl.bigru-attn", "zl.hybrid"):
            raise Invalid("missingSection", "not a scoring model")
    except OSError as x:
        sys.stderr.write(f"zlck.py: error: {model}: cannot open ({x.strerror})\n")
        return 66
    except Invalid as x:
        sys.stderr.write(f"zlck.py: error: {model}: {x}\n")
        return 65
    scorer = Scorer(records, tensors, threshold)
    if onnx:
        if scorer.network is None:
            sys.stderr.write(f"zlck.py: error: {model}: the model runs no network, so --onnx has nothing to replace\n")
            return 64
        # The reference front end with ONNX Runtime as the network (zl-pack export onnx).
        scorer.network = ONNXNetwork(onnx, scorer.network.max_len)
    out = sys.stdout
    for r in scorer.records(read_lines(args[1:])):
        out.write(json.dumps(r, separators=(",", ":")) + "\n")
    return 0


def main(argv):
    if argv[:1] == ["score"]:
        return score_main(argv[1:])
    if len(argv) < 2 or argv[0] not in ("inspect", "verify", "dump"):
        sys.stderr.write(__doc__)
        return 64
    cmd, path = argv[0], argv[1]
    limits = dict(DEFAULT_LIMITS)
    if "--limits" in argv:
        limits.update(json.loads(argv[argv.index("--limits") + 1]))
    try:
        with open(path, "rb") as fh:
            if cmd == "inspect":
                fh.seek(0, 2)
                size = fh.tell()

                def read(o, n):
                    fh.seek(o)
                    return fh.read(n)
                out = listing(read_layout(size, read, limits))
            else:
                out, records, _ = verify(fh.read(), limits)
    except OSError as x:
        sys.stderr.write(f"zlck.py: error: {path}: cannot open ({x.strerror})\n")
        return 66
    except Invalid as x:
        sys.stderr.write(f"zlck.py: error: {path}: {x}\n")
        return 65
    if cmd == "dump":
        def plain(v):
            if isinstance(v, bytes):
                return v.hex()
            if isinstance(v, float) and not math.isfinite(v):
                return str(v)
            return v
        out = {type_text(t): {k: plain(v) for k, (_, v) in r.items()} for t, r in records.items()}
    if cmd == "verify" and "--json" not in argv:
        print(f"{path}: ok")
    else:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
