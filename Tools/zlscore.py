#!/usr/bin/env python3
"""libzlscore from Python (ctypes, standard library): zl-score's records for lines you feed.

    from zlscore import Scorer
    with Scorer("model.zlck", threshold=0.6) as s:
        for line in open("app.log", "rb"):
            for record in s.feed(line.rstrip(b"\\r\\n")):
                print(record)            # a dict: session, score, anomaly, events, ...
        for record in s.flush():
            print(record)

The library is .build/release/libzlscore.so (`swift build -c release --product zlscore`), or the
path in $ZLSCORE_LIB. Options are those of zl_scorer.h (threshold, sessions, max_events, idle_lines,
explain, only_anomalies, batch, cache). Run as a script: python3 Tools/zlscore.py MODEL LOG [JSON]
prints the records as zl-score does.
"""
import ctypes, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _library():
    path = os.environ.get("ZLSCORE_LIB") or os.path.join(HERE, "..", ".build", "release", "libzlscore.so")
    lib = ctypes.CDLL(path)
    lib.zl_scorer_open.restype = ctypes.c_void_p
    lib.zl_scorer_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.zl_scorer_feed.restype = ctypes.c_int
    lib.zl_scorer_feed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.zl_scorer_next.restype = ctypes.c_char_p
    lib.zl_scorer_next.argtypes = [ctypes.c_void_p]
    lib.zl_scorer_flush.restype = ctypes.c_int
    lib.zl_scorer_flush.argtypes = [ctypes.c_void_p]
    lib.zl_scorer_close.argtypes = [ctypes.c_void_p]
    return lib


class Scorer:
    _lib = None

    def __init__(self, model, raw=False, **options):
        if Scorer._lib is None:
            Scorer._lib = _library()
        err = ctypes.create_string_buffer(1024)
        self.raw = raw
        self._h = self._lib.zl_scorer_open(os.fsencode(model), json.dumps(options).encode() if options else None, err, len(err))
        if not self._h:
            raise ValueError(err.value.decode(errors="replace"))

    def _records(self):
        out = []
        while True:
            r = self._lib.zl_scorer_next(self._h)
            if r is None:
                return out
            out.append(r.decode() if self.raw else json.loads(r))

    def feed(self, line):
        """Feeds one line (bytes or str, without its newline); returns the records it made ready."""
        b = line.encode() if isinstance(line, str) else bytes(line)
        if self._lib.zl_scorer_feed(self._h, b, len(b)) < 0:
            raise RuntimeError("zl_scorer_feed failed")
        return self._records()

    def flush(self):
        """End of input: closes every open session; returns their records."""
        if self._lib.zl_scorer_flush(self._h) < 0:
            raise RuntimeError("zl_scorer_flush failed")
        return self._records()

    def close(self):
        if self._h:
            self._lib.zl_scorer_close(self._h)
            self._h = None

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    opts = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    with Scorer(sys.argv[1], raw=True, **opts) as s:
        import gzip
        data = open(sys.argv[2], "rb").read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            for r in s.feed(line[:-1] if line.endswith(b"\r") else line):
                sys.stdout.write(r)
        for r in s.flush():
            sys.stdout.write(r)
