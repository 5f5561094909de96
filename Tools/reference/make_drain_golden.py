#!/usr/bin/env python3
"""Golden cases for ZLDrain made with Drain3 itself (PyPI drain3 0.9.11): per-line cluster ids in
learn mode, the final templates, and match() results for probe lines, under several settings —
LogHub benchmark masks, the reference detection masks with a `[NAME]` prefix and depth 3, a small
max_clusters (LRU eviction) with extra delimiters, and synthetic edge cases. Content is extracted
with logparser's header regex. Writes Formats/vectors/reference/drain3-golden.json.

usage: python3 Tools/reference/make_drain_golden.py ../shared/data
"""
import json, os, re, sys
from drain3.drain import Drain
from drain3.masking import LogMasker, MaskingInstruction
import drain3

DATA = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
B, E = r"((?<=[^A-Za-z0-9])|^)", r"((?=[^A-Za-z0-9])|$)"
OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IP = OCTET + r"(\." + OCTET + r"){3}"
REFERENCE = [("ID", r"blk_(|-)[0-9]+"), ("IPANDPORT", B + "(" + IP + r":[0-9]{1,5})" + E), ("IP", B + "(" + IP + ")" + E),
             ("SEQ", B + r"([0-9a-f]{6,} ?){3,}" + E), ("SEQ", B + r"([0-9A-F]{4} ?){4,}" + E),
             ("HEX", B + r"(0x[a-f0-9A-F]+)" + E), ("NUM", B + r"([\-\+]?\d+)" + E), ("CMD", r'(?<=executed cmd )(".+?")')]


def format_regex(fmt):
    parts = re.split(r"(<[^<>]+>)", fmt)
    rx = "".join(re.sub(" +", "\\\\s+", p) if k % 2 == 0 else "(?P<%s>.*?)" % p.strip("<>") for k, p in enumerate(parts))
    return re.compile("^" + rx + "$")


class Lines(list):
    """Lines of a LogHub 2k file, remembered by reference (system, start, count) so the golden file
    does not copy the data; tests read them from ../shared/data."""
    def __init__(self, system, start, n):
        with open(os.path.join(DATA, "loghub", system, f"{system}_2k.log"), encoding="utf-8", errors="replace", newline="") as f:
            super().__init__([l.rstrip("\r\n") for l in f][start:start + n])
        self.ref = [[system, start, n]]

    def __add__(self, other):
        out = Lines.__new__(Lines)
        list.__init__(out, list(self) + list(other))
        out.ref = self.ref + (other.ref if isinstance(other, Lines) else [["inline", list(other)]])
        return out


class DemoLines(Lines):
    """Lines of a file bundled in Tools/demo/data (gzip), remembered as ("demo", file, start, count):
    tests read them from the repository, so these cases run without ../shared/data."""
    def __init__(self, name, start, n):
        import gzip
        path = os.path.join(os.path.dirname(__file__), "..", "demo", "data", name)
        with gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="") as f:
            list.__init__(self, [l.rstrip("\r\n") for l in f][start:start + n])
        self.ref = [["demo", name, start, n]]


def ref(lines):
    return lines.ref if isinstance(lines, Lines) else [["inline", list(lines)]]


def lines_of(system, start=0, n=None):
    return Lines(system, start, n)


def run(name, fmt, masks, prefix, suffix, depth, sim, learn, probes, max_clusters=None, extra=(), max_children=100):
    masker = LogMasker([MaskingInstruction(p, n) for n, p in masks], prefix, suffix)
    d = Drain(depth=depth, sim_th=sim, max_children=max_children, max_clusters=max_clusters, extra_delimiters=extra, param_str="<*>")
    rx = format_regex(fmt) if fmt else None

    def content(line):
        if rx is None:
            return line
        m = rx.search(line.strip())
        return m.group("Content") if m else line.strip()
    ids = [d.add_log_message(masker.mask(content(l)))[0].cluster_id for l in learn]
    templates = {str(c.cluster_id): c.get_template() for c in d.clusters}
    matches = []
    for p in probes:
        c = d.match(masker.mask(content(p)), "never")
        matches.append(None if c is None else c.cluster_id)
    return {"name": name, "log_format": fmt, "masks": masks, "mask_prefix": prefix, "mask_suffix": suffix, "depth": depth,
            "sim": sim, "max_children": max_children, "max_clusters": max_clusters or 0, "extra_delimiters": list(extra),
            "learn": ref(learn), "ids": ids, "templates": templates, "probes": ref(probes), "matches": matches,
            "clusters_counter": d.clusters_counter}


def main():
    hdfs_fmt = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
    bgl_fmt = "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>"
    tb_fmt = r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\[<PID>\])?: <Content>"
    synthetic = ["", "   ", "a b c", "a b d", "a 1 c", "x\u00a0y z", "x y\u2003z", "e\u00b2 f g", "<*> <*>", "tab\tsep\x0bvt",
                 "only", "only", "only 7", "caf\u00e9 ol\u00e9 1", "a=b:c d", "== ::", "k=v", "\x1cfs\x1d gs"]
    cases = [
        run("hdfs-benchmark", hdfs_fmt, [("*", r"blk_-?\d+"), ("*", r"(\d+\.){3}\d+(:\d+)?")], "<", ">", 4, 0.5,
            lines_of("HDFS", 0, 500), lines_of("HDFS", 1500, 200) + ["not a header line at all"]),
        # Tools/demo/data/BGL_2k.log.gz is LogHub's BGL_2k.log byte for byte: this case runs from the repository.
        run("bgl-reference", bgl_fmt, REFERENCE, "[", "]", 3, 0.1, DemoLines("BGL_2k.log.gz", 0, 600), DemoLines("BGL_2k.log.gz", 1400, 300)),
        run("hdfs-demo-reference", hdfs_fmt, REFERENCE, "[", "]", 4, 0.5, DemoLines("hdfs-sample.log.gz", 0, 800),
            DemoLines("hdfs-sample.log.gz", 9000, 400)),
        run("thunderbird-lru", tb_fmt, [("IP", r"(\d+\.){3}\d+")], "<", ">", 5, 0.4, lines_of("Thunderbird", 0, 600),
            lines_of("Thunderbird", 0, 100) + lines_of("Thunderbird", 1800, 100), max_clusters=20, extra=("=", ":")),
        run("openstack-depth6-children3", r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
            [("NUM", B + r"([\-\+]?\d+)" + E)], "<", ">", 6, 0.5, lines_of("OpenStack", 0, 400), lines_of("OpenStack", 1600, 100), max_children=3),
        run("synthetic", None, [], "<", ">", 4, 0.4, synthetic, synthetic + ["a b e", "zz", "only 9", "a 2 c"]),
    ]
    doc = {"origin": f"drain3 {getattr(drain3, '__version__', '0.9.11')} (drain3.drain.Drain, LogMasker); "
                     "lines from ../shared/data/loghub (logpai/loghub @ dd61d0952749) or, for \"demo\" references, "
                     "from Tools/demo/data", "cases": cases}
    out = os.path.join(os.path.dirname(__file__), "..", "..", "Formats", "vectors", "reference", "drain3-golden.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {out}")


if __name__ == "__main__":
    main()
