#!/usr/bin/env python3
"""Golden cases for the zl-re/1 matcher: Python's re.sub (with re.ASCII, the dialect's classes)
over masking patterns and real log lines. Writes Formats/vectors/reference/regex-golden.json.

Run once offline: python3 Tools/reference/make_regex_golden.py ../shared/data
Tests (ZLRegexTests) compare the Swift matcher with these results; they never need Python.
"""
import json, os, re, sys

DATA = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
B = r"((?<=[^A-Za-z0-9])|^)"
E = r"((?=[^A-Za-z0-9])|$)"
PATTERNS = [
    # the reference masks (REFERENCE-NOTES.md §1.1) and Drain3's examples
    r"blk_(|-)[0-9]+",
    B + r"((\d{1,3}\.){3}\d{1,3}:\d{1,5})" + E,
    B + r"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})" + E,
    B + r"([0-9a-f]{6,} ?){3,}" + E,
    B + r"([0-9A-F]{4} ?){4,}" + E,
    B + r"(0x[a-f0-9A-F]+)" + E,
    B + r"([\-\+]?\d+)" + E,
    r"(?<=executed cmd )(\".+?\")",
    B + r"(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))" + E,
    # MetaLog-old OpenStack masks
    r"([0-9a-zA-Z]*-){4}[0-9a-zA-Z]*",
    r"(\{).*(\})",
    r"([0-9]+\.){3}[0-9]+(:[0-9]+|)(:|)",
    r"\d{4}-\d{1,2}-\d{1,2}T(\d{1,2}:){2}\d{1,2}.\d+",
    r"(?<=[^A-Za-z0-9])(\-?\+?\d+)(?=[^A-Za-z0-9])|[0-9]+$",
    # constructs: classes, anchors, boundaries, lazy, alternation priority, empty matches
    r"\d+", r"\w+", r"\s+", r"\S+", r"[^a-z ]+", r"[]a]", r"[a\-z]", r"[\d.]+", r"x*", r"a|ab", r"ab|a",
    r"(a|ab)(c|bcd)", r"\bthe\b", r"\Bo\B", r"^\w+", r"\w+$", r"(?:ab)+?c", r"a{2,3}", r"a{2,}?",
    r"a{,2}", r"(?!error)\w+", r"(?<!\d)\d{2}(?!\d)", r"(?<=[=:])[^ ,]+", r".*", r".+?",
    r"[A-Z][a-z]+(?=[A-Z])", r"(\d+)(\.\d+)?", r"(?P<n>id)=\d+", r"core\.\d+", r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}",
    r"/[\w./-]+", r"(a*)*b", r"(a|b|ab)*c", r"\x41\u0062", r"{a}", r"a{1", r"\$\d+\.\d\d",
    # greedy runs whose continuation cannot start with their characters (the matcher gives nothing
    # back there), next to ones where it can
    r"[0-9]+\.[0-9]+", r"a*b", r"[a-z]+(?<=x)y", r"\d+x|\d+", r"(\d+ )+z", r"\d+(?=\.)", r"[a-z]+\b[a-z]",
    r"\d{2,}\d", r"x+$",
    # a bound "look-behind or ^" / "look-ahead or $" (compiled as one negated look-around; the $ form
    # only when the class holds the newline, since $ also matches before a final newline)
    r"(^|(?<=[ ]))\d+", r"\d+((?=[ ])|$)", r"\d+((?=[^a-z])|$)", r"((?<=x)|^)y", r"((?<=[xy])|^)\w",
    r"($|(?=\s))\n?",
]
SYNTHETIC = [
    "", "a", "aaa", "ab", "abc", "abcd", "the other theme", "x1 22 333 4444", "foo=bar, baz:qux", "aab aaab ac",
    "HTTPServer started", "id=42 id=7", "executed cmd \"ls -l\" and \"rm\"", "0xDEADbeef 0x12g", "-12 +7 3-4",
    "c a b ab c", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ababababababc", "café 12 naïve 3", "tab\there\n", "A{a}b", "$12.50 and $3.5",
    "10.0.0.1:8080 256.1.1.1 1.2.3.4", "fe80::1 aa:bb:cc:dd", "c0a80101 deadbeef 12345678 abcdef01", "ABCD EF01 2345 6789 AAAA",
    "2017-05-16T00:00:00.008 req-38101a0b-2096-447d-b96d-254fadb41 {\"a\": 1}", "x" * 60 + "1",
    "/var/log/a.log:12 /mnt/hadoop/mapred/system/job_200811092030_0001/job.jar",
    "12345 1.5 22.333. 4x 55 66 z 7 8 z", "aaab aaa xy abxy abcxy", "12345 9",
    "12\n", "7 a12\n", "x\ny 12 \n34", "xy yy\n", "12 \n",
]

def log_lines():
    out = []
    for system, n in [("HDFS", 12), ("BGL", 12), ("OpenStack", 10), ("Thunderbird", 8), ("Linux", 6),
                      ("OpenSSH", 6), ("Spark", 4), ("Zookeeper", 4), ("HPC", 4), ("Proxifier", 4)]:
        path = os.path.join(DATA, "loghub", system, f"{system}_2k.log")
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            lines = [l.rstrip("\r\n") for l in f]
        step = max(1, len(lines) // n)
        out += lines[::step][:n]
    return out

# LogHub benchmark log formats (logpai/logparser benchmark settings) for the systems in ../shared/data.
FORMATS = {
    "HDFS": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "Hadoop": r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "Spark": "<Date> <Time> <Level> <Component>: <Content>",
    "Zookeeper": r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
    "BGL": "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
    "HPC": "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
    "Thunderbird": r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\[<PID>\])?: <Content>",
    "Linux": r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    "Apache": r"\[<Time>\] \[<Level>\] <Content>",
    "Proxifier": r"\[<Time>\] <Program> - <Content>",
    "OpenSSH": r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
    "OpenStack": r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
}


def format_regex(fmt):
    """logparser's generate_logformat_regex: fields become lazy named groups, spaces become \\s+."""
    splitters = re.split(r"(<[^<>]+>)", fmt)
    regex = ""
    for k, part in enumerate(splitters):
        if k % 2 == 0:
            regex += re.sub(" +", "\\\\s+", part)
        else:
            regex += "(?P<%s>.*?)" % part.strip("<").strip(">")
    return "^" + regex + "$"


def captures():
    out = []
    for system, fmt in FORMATS.items():
        pattern = format_regex(fmt)
        rx = re.compile(pattern)
        path = os.path.join(DATA, "loghub", system, f"{system}_2k.log")
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            lines = [l.rstrip("\r\n").strip() for l in f][::97][:12]
        cases = []
        for line in lines:
            m = rx.search(line)
            cases.append([line, None if m is None else [list(m.span(g)) for g in range(rx.groups + 1)]])
        out.append({"system": system, "format": fmt, "pattern": pattern, "cases": cases})
    return out


def main():
    inputs = SYNTHETIC + log_lines()
    cases = []
    for p in PATTERNS:
        rx = re.compile(p, re.ASCII)
        # only the inputs the pattern changes, as [input index, result]
        changed = [[k, rx.sub("#", s)] for k, s in enumerate(inputs) if rx.sub("#", s) != s]
        cases.append({"pattern": p, "changed": changed})
    doc = {"origin": "Python " + sys.version.split()[0] + " re.sub(pattern, '#', text, flags=re.ASCII); "
                     "log lines sampled from ../shared/data/loghub (logpai/loghub @ dd61d0952749)",
           "inputs": inputs, "cases": cases, "captures": captures(),
           "invalid": [r"(a", r"a)", r"[a", r"*a", r"a**", r"\1", r"(?i)a", r"(?<=a+)b", r"a{3,2}", r"\q", r"a*+", r"(?P=n)"]}
    out = os.path.join(os.path.dirname(__file__), "..", "..", "Formats", "vectors", "reference", "regex-golden.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(PATTERNS)} patterns x {len(inputs)} inputs -> {out}")

if __name__ == "__main__":
    main()
