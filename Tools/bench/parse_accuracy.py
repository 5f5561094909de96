#!/usr/bin/env python3
"""Grouping accuracy (GA) of `zl-train parse` and of Drain3 (PyPI drain3) side by side on the LogHub 2k
samples, with the same settings (logparser's benchmark log formats, masks, depth and similarity; masks
become <*>, as in logparser). GA is logparser's: a line counts as correct when the set of lines sharing
its predicted group equals the set sharing its true group. Truth: loghub `EventId`, and loghub-2.0's
corrected `EventTemplate` where present. Also reports whether zl's partition equals Drain3's.

usage: python3 Tools/bench/parse_accuracy.py [--zl-train PATH] [--data ../shared/data]
"""
import csv, io, json, os, re, subprocess, sys, time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
SYSTEMS = ["HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "HPC", "Thunderbird", "Linux", "Apache", "Proxifier", "OpenSSH", "OpenStack"]

# logparser benchmark settings (logpai/logparser, logparser/Drain/benchmark.py)
SETTINGS = {
    "HDFS": ("<Date> <Time> <Pid> <Level> <Component>: <Content>", [r"blk_-?\d+", r"(\d+\.){3}\d+(:\d+)?"], 0.5, 4),
    "Hadoop": (r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>", [r"(\d+\.){3}\d+"], 0.5, 4),
    "Spark": ("<Date> <Time> <Level> <Component>: <Content>", [r"(\d+\.){3}\d+", r"\b[KGTM]?B\b", r"([\w-]+\.){2,}[\w-]+"], 0.5, 4),
    "Zookeeper": (r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>", [r"(/|)(\d+\.){3}\d+(:\d+)?"], 0.5, 4),
    "BGL": ("<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>", [r"core\.\d+"], 0.5, 4),
    "HPC": ("<LogId> <Node> <Component> <State> <Time> <Flag> <Content>", [r"=\d+"], 0.5, 4),
    "Thunderbird": (r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\[<PID>\])?: <Content>", [r"(\d+\.){3}\d+"], 0.5, 4),
    "Linux": (r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>", [r"(\d+\.){3}\d+", r"\d{2}:\d{2}:\d{2}"], 0.39, 6),
    "Apache": (r"\[<Time>\] \[<Level>\] <Content>", [r"(\d+\.){3}\d+"], 0.5, 4),
    "Proxifier": (r"\[<Time>\] <Program> - <Content>", [r"<\d+\ssec", r"([\w-]+\.)+[\w-]+(:\d+)?", r"\d{2}:\d{2}(:\d{2})*", r"[KGTM]B"], 0.6, 3),
    "OpenSSH": (r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>", [r"(\d+\.){3}\d+", r"([\w-]+\.){2,}[\w-]+"], 0.6, 5),
    "OpenStack": (r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>", [r"((\d+\.){3}\d+,?)+", r"/.+?\s", r"\d+"], 0.5, 5),
}


def format_regex(fmt):
    splitters = re.split(r"(<[^<>]+>)", fmt)
    regex = ""
    for k, part in enumerate(splitters):
        regex += re.sub(" +", "\\\\s+", part) if k % 2 == 0 else "(?P<%s>.*?)" % part.strip("<").strip(">")
    return re.compile("^" + regex + "$")


def drain3_groups(path, fmt, regexes, sim, depth):
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig
    cfg = TemplateMinerConfig()
    cfg.drain_sim_th, cfg.drain_depth, cfg.drain_max_children, cfg.drain_max_clusters = sim, depth, 100, None
    cfg.mask_prefix, cfg.mask_suffix = "<", ">"
    cfg.masking_instructions = [MaskingInstruction(r, "*") for r in regexes]
    cfg.profiling_enabled = False
    tm = TemplateMiner(None, cfg)
    rx = format_regex(fmt)
    ids = []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        lines = [l.rstrip("\r\n") for l in f]
    t0 = time.perf_counter()
    for line in lines:
        m = rx.search(line.strip())
        content = m.group("Content") if m else line.strip()
        ids.append(tm.add_log_message(content)["cluster_id"])
    return ids, time.perf_counter() - t0


def zl_groups(zl, system, path):
    out = subprocess.run([zl, "parse", "--preset", system.lower(), "--json", path], capture_output=True, text=True, check=True)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    summary = json.loads(out.stderr.strip().splitlines()[-1])
    return [r["EventId"] for r in rows], summary["seconds"]


def grouping_accuracy(truth, pred):
    by_pred = defaultdict(list)
    for k, p in enumerate(pred):
        by_pred[p].append(k)
    truth_sizes = Counter(truth)
    correct = 0
    for members in by_pred.values():
        labels = {truth[k] for k in members}
        if len(labels) == 1 and truth_sizes[truth[members[0]]] == len(members):
            correct += len(members)
    return correct / len(truth)


def same_partition(a, b):
    pa, pb = defaultdict(set), defaultdict(set)
    for k, (x, y) in enumerate(zip(a, b)):
        pa[x].add(k)
        pb[y].add(k)
    return sorted(map(sorted, pa.values())) == sorted(map(sorted, pb.values()))


def main(argv):
    zl = argv[argv.index("--zl-train") + 1] if "--zl-train" in argv else os.path.join(ROOT, ".build", "release", "zl-train")
    data = argv[argv.index("--data") + 1] if "--data" in argv else os.path.join(ROOT, "..", "shared", "data")
    print(f"{'system':12} {'zl GA':>7} {'Drain3 GA':>9} {'zl GA2.0':>8} {'D3 GA2.0':>8}  same partition")
    results = []
    for s in SYSTEMS:
        path = os.path.join(data, "loghub", s, f"{s}_2k.log")
        fmt, regexes, sim, depth = SETTINGS[s]
        truth = [r["EventId"] for r in csv.DictReader(open(os.path.join(data, "loghub", s, f"{s}_2k.log_structured.csv"), encoding="utf-8"))]
        z, _ = zl_groups(zl, s, path)
        d, _ = drain3_groups(path, fmt, regexes, sim, depth)
        row = {"system": s, "zl": grouping_accuracy(truth, z), "drain3": grouping_accuracy(truth, d), "same": same_partition(z, d)}
        corrected = os.path.join(data, "loghub-2.0", s, f"{s}_2k.log_structured_corrected.csv")
        if os.path.exists(corrected):
            t2 = [r["EventTemplate"] for r in csv.DictReader(open(corrected, encoding="utf-8"))]
            row["zl_2"], row["drain3_2"] = grouping_accuracy(t2, z), grouping_accuracy(t2, d)
        results.append(row)
        g2 = lambda k: f"{row[k]:8.4f}" if k in row else "       -"
        print(f"{s:12} {row['zl']:7.4f} {row['drain3']:9.4f} {g2('zl_2')} {g2('drain3_2')}  {'yes' if row['same'] else 'NO'}")
    print(json.dumps({"bench": "parse_accuracy", "results": results}))
    return 0 if all(r["zl"] >= r["drain3"] - 1e-12 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
