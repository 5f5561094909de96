#!/usr/bin/env python3
"""A differential corpus for zl's JSON parser (ZLBase/JSON.swift) made with Python's own `json`
module: each input (as bytes) with what `json.loads` does with it, and what zl must do. zl agrees
with Python on every RFC 8259 input; where Python goes beyond the RFC, zl refuses, by rule:

  nonstandard-literal  NaN, Infinity, -Infinity are not JSON
  not-finite           a number whose value is no finite double (1e400)
  too-long             a number literal longer than 400 characters
  lone-surrogate       a \\uD800-\\uDFFF escape without its pair (a Swift String holds scalars only)
  too-deep             nesting deeper than 512
and keeps an integer outside the 64-bit range as the nearest double (rule big-int).

Values are written as a flat text both sides build (see `tagged`).
Writes Formats/vectors/reference/json-corpus.json.

usage: python3 Tools/reference/make_json_corpus.py
"""
import json, math, os, struct

INT64 = (-(1 << 63), (1 << 63) - 1)


def tagged(v):
    """The value in a flat, self-delimiting text both sides build (no nesting in the corpus file):
    n, b0, b1, i<digits>;, f<IEEE-754 bits, 16 hex digits>, s<UTF-8 hex>;, [...], {s<key hex>;<value>...}."""
    out, todo = [], [v]
    while todo:
        x = todo.pop()
        if isinstance(x, (Close, Key)):
            out.append(str(x))
        elif x is None:
            out.append("n")
        elif isinstance(x, bool):
            out.append("b1" if x else "b0")
        elif isinstance(x, int):
            if INT64[0] <= x <= INT64[1]:
                out.append("i%d;" % x)
            else:
                out.append("f" + struct.pack(">d", float(x)).hex())  # rule big-int
        elif isinstance(x, float):
            out.append("f" + struct.pack(">d", x).hex())
        elif isinstance(x, str):
            out.append("s" + x.encode("utf-8").hex() + ";")
        elif isinstance(x, PairList):
            out.append("{")
            todo.append(Close("}"))
            for k, y in reversed(x):
                todo.append(y)
                todo.append(Key("s" + k.encode("utf-8").hex() + ";"))
        elif isinstance(x, list):
            out.append("[")
            todo.append(Close("]"))
            todo.extend(reversed(x))
        else:
            raise TypeError(type(x))
    return "".join(out)


class Close(str):
    pass


class Key(str):
    pass


class PairList(list):
    pass


def deviation(text, value):
    """The rule by which zl refuses an input Python accepts (None: zl must accept it too)."""
    if depth(value) > 512:
        return "too-deep"
    if longest_number(text) > 400:
        return "too-long"
    for lit in (b"NaN", b"Infinity"):
        if lit in text and not text.strip().startswith(b'"'):
            if isinstance(value, float) and (math.isnan(value) or math.isinf(value)) or contains_nonfinite(value):
                return "nonstandard-literal"
    if contains_nonfinite(value):
        return "not-finite"
    if contains_lone_surrogate(value):
        return "lone-surrogate"
    return None


def contains_nonfinite(v):
    if isinstance(v, float):
        return math.isnan(v) or math.isinf(v)
    if isinstance(v, PairList):
        return any(contains_nonfinite(x) for _, x in v)
    if isinstance(v, list):
        return any(contains_nonfinite(x) for x in v)
    if isinstance(v, int) and not isinstance(v, bool) and not INT64[0] <= v <= INT64[1]:
        try:
            return math.isinf(float(v))
        except OverflowError:
            return True
    return False


def contains_lone_surrogate(v):
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, PairList):
        return any(contains_lone_surrogate(k) or contains_lone_surrogate(x) for k, x in v)
    if isinstance(v, list):
        return any(contains_lone_surrogate(x) for x in v)
    return False


def depth(v):
    """Nesting depth, without recursion (the inputs nest deeper than Python's stack)."""
    best, todo = 0, [(v, 0)]
    while todo:
        x, d = todo.pop()
        if isinstance(x, PairList):
            todo += [(y, d + 1) for _, y in x]
            best = max(best, d + 1)
        elif isinstance(x, list):
            todo += [(y, d + 1) for y in x]
            best = max(best, d + 1)
    return best


def longest_number(text):
    best = run = 0
    for b in text:
        run = run + 1 if chr(b) in "0123456789+-.eE" else 0
        best = max(best, run)
    return best


def cases():
    c = [b'{}', b'[]', b'null', b'true', b'false', b'0', b'-0', b'-0.0', b'1', b'-1', b'1.5', b'1e10', b'1E+2', b'1e-2',
         b'0.1', b'123456789', b'9223372036854775807', b'-9223372036854775808', b'9223372036854775808',
         b'-9223372036854775809', b'123456789012345678901234567890', b'1e308', b'1.7976931348623157e308', b'1e309',
         b'1e400', b'-1e400', b'1e-400', b'4.9e-324', b'2.2250738585072014e-308',
         b'NaN', b'Infinity', b'-Infinity', b'[NaN]', b'{"a": Infinity}', b'nan', b'inf',
         b'"' + b'1' * 10 + b'"', b'1' * 400, b'1' * 401, b'0.' + b'1' * 500, b'1' * 5000,
         b'01', b'00', b'-01', b'+1', b'.5', b'1.', b'1.e5', b'1e', b'1e+', b'-', b'--1', b'0x10', b'1_000', b'- 1',
         b'"abc"', b'""', b'"\\"\\\\\\/\\b\\f\\n\\r\\t"', b'"\\u0041\\u00e9\\u65e5"', b'"\\u0000"', b'"\\ud83d\\ude00"',
         b'"\\ud83d"', b'"\\ude00"', b'"\\ud83d\\u0041"', b'"\\udc00\\ud800"', b'"\\uD834\\uDD1E"', b'"\\u12"', b'"\\u12G4"',
         b'"\\x41"', b'"\\a"', b'"\\\'"', '"\u00e9\u65e5\U0001F600"'.encode(), b'"a\x00b"', b'"a\x1fb"', b'"a\x7fb"',
         b'"a\tb"', b'"a\nb"', b'"\xff"', b'"\xc3"', b'"\xc0\xaf"', b'"\xed\xa0\x80"', b'"\xf4\x90\x80\x80"',
         b'"abc', b'"\\', b'"\\u', b'[1, 2, 3]', b'[1,]', b'[,1]', b'[1 2]', b'[', b']', b'[[[]]]', b'{"a": 1, "b": [true, null]}',
         b'{"a": 1,}', b'{"a" 1}', b'{a: 1}', b"{'a': 1}", b'{"a": 1, "a": 2}', b'{"": 0}', b'{"a":}', b'{1: 2}',
         b' \t\n\r{} \t\n\r', b'\x0c{}', b'\x0b[]', b'\xef\xbb\xbf{}', b'{} x', b'{}{}', b'[] ,', b'', b' ', b'\x00',
         b'tru', b'truee', b'nul', b'True', b'NULL', b'[1] // c', b'/* c */ []',
         b'[' * 512 + b']' * 512, b'[' * 513 + b']' * 513, b'{"a":' * 300 + b'1' + b'}' * 300,
         b'[' * 20000, b'{"k": "' + b'x' * 3000 + b'"}', b'[' + b'1,' * 1000 + b'1]',
         b'{"\\u0000": 1}', b'{"\\ud83d": 1}', b'["\\u00e9", "\xc3\xa9"]', b'-1.0e-0', b'1E0', b'0e0', b'-0e-0']
    return c


def main():
    out = []
    for text in cases():
        entry = {"input": text.hex()}
        try:
            v = json.loads(text, object_pairs_hook=PairList)
        except (ValueError, RecursionError) as e:
            entry["python"] = "reject"
            entry["zl"] = "reject"
            entry["python_error"] = type(e).__name__
        else:
            entry["python"] = "accept"
            old = __import__("sys").getrecursionlimit()
            __import__("sys").setrecursionlimit(20000)  # the helpers below recurse as deep as the value nests
            try:
                rule = deviation(text, v)
                value = None if rule else tagged(v)
            finally:
                __import__("sys").setrecursionlimit(old)
            if rule:
                entry["zl"] = "reject"
                entry["rule"] = rule
            else:
                entry["zl"] = "accept"
                entry["value"] = value
        out.append(entry)
    doc = {"origin": "Python %s json.loads(bytes, object_pairs_hook=list); Tools/reference/make_json_corpus.py" % ".".join(map(str, __import__("sys").version_info[:3])),
           "cases": out}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "Formats", "vectors", "reference", "json-corpus.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    acc = sum(1 for e in out if e["python"] == "accept")
    dev = sum(1 for e in out if e["python"] == "accept" and e["zl"] == "reject")
    print(f"{len(out)} cases ({acc} accepted by Python, {dev} of them refused by zl by rule) -> {path}")


if __name__ == "__main__":
    main()
