#!/usr/bin/env python3
"""Builds the README demo's bundled sample from ../shared/data (run once; the output is committed).

- hdfs-sample.log.gz: every line of 1,200 HDFS blocks (all anomalous blocks among the first 30,000 lines
  of hdfs-2pct plus normal ones), in original order. Origin: hdfs-2pct (LogLead @ b40a56e562dd, MIT,
  data from LogHub HDFS_v1).
- hdfs-sample-labels.csv: BlockId,Label for those blocks (LogHub anomaly_label.csv format).
- BGL_2k.log.gz: LogHub BGL 2k sample, unchanged (github.com/logpai/loghub @ dd61d0952749; research
  use, cite loghub).
- glove-demo.txt.gz: GloVe 6B 50-d rows (PDDL-1.0) for the words of these logs plus the 2,000 most
  frequent words, from glove.6B.50d.logvocab.txt.
"""
import gzip
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data")
OUT = os.path.join(HERE, "data")


def main():
    os.makedirs(OUT, exist_ok=True)
    labels = {}
    with open(os.path.join(DATA, "hdfs-2pct", "anomaly_label_2pct.csv")) as f:
        next(f)
        for line in f:
            k, v = line.strip().split(",")
            labels[k] = v
    blk = re.compile(r"blk_-?\d+")
    lines = []
    with gzip.open(os.path.join(DATA, "hdfs-2pct", "HDFS_2pct.log.gz"), "rt") as f:
        for i, line in enumerate(f):
            lines.append(line)
            if i >= 29999:
                break
    blocks = []
    for l in lines:
        for b in blk.findall(l):
            if b not in blocks:
                blocks.append(b)
    anomalous = [b for b in blocks if labels.get(b) == "Anomaly"]
    normal = [b for b in blocks if labels.get(b) == "Normal"]
    rng = random.Random(7)
    chosen = set(anomalous) | set(rng.sample(normal, min(len(normal), 1200 - len(anomalous))))
    kept = [l for l in lines if any(b in chosen for b in blk.findall(l))]
    with gzip.GzipFile(os.path.join(OUT, "hdfs-sample.log.gz"), "wb", mtime=0) as g:
        g.write("".join(kept).encode())
    with open(os.path.join(OUT, "hdfs-sample-labels.csv"), "w") as f:
        f.write("BlockId,Label\n")
        for b in blocks:
            if b in chosen:
                f.write(f"{b},{labels[b]}\n")
    with open(os.path.join(DATA, "loghub", "BGL", "BGL_2k.log"), "rb") as f:
        bgl = f.read()
    with gzip.GzipFile(os.path.join(OUT, "BGL_2k.log.gz"), "wb", mtime=0) as g:
        g.write(bgl)
    words = set()
    for text in ("".join(kept), bgl.decode("utf-8", "replace")):
        for tok in re.findall(r"[A-Za-z]+", text):
            for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", tok):
                words.add(w.lower())
    rows = []
    with open(os.path.join(DATA, "glove", "glove.6B.50d.logvocab.txt")) as f:
        for i, line in enumerate(f):
            w = line.split(" ", 1)[0]
            if i < 2000 or w in words:
                rows.append(line)
    with gzip.GzipFile(os.path.join(OUT, "glove-demo.txt.gz"), "wb", mtime=0) as g:
        g.write("".join(rows).encode())
    print(f"{len(kept)} HDFS lines, {len(chosen)} blocks ({len(anomalous)} anomalous), {len(rows)} GloVe rows")


if __name__ == "__main__":
    main()
