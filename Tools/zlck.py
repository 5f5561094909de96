#!/usr/bin/env python3
"""zlck.py: an independent reader of .zlck checkpoints, written from Formats/zlck-v1.md alone with
the Python standard library (struct, zlib, hashlib, re, json). For archives (reading a model years
later without zl) and for differential testing against zl-pack.

usage:
  zlck.py inspect FILE [--json]        header, table and trailer only (same JSON as zl-pack inspect --json)
  zlck.py verify FILE [--limits JSON]  every rule of the spec, phases 1-6 and the model profile
  zlck.py dump FILE                    verify, then print every record section as JSON

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
    b"DRAN": (1, "record"), b"GLOV": (1, "tensors"), b"LEVL": (1, "record"), b"META": (1, "record"),
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


def main(argv):
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
