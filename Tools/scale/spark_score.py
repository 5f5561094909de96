#!/usr/bin/env python3
"""zl-score sharded on Apache Spark: N tasks each run `zl-score --shard K/N` over the whole input
(every shard reads every line, so keys, windows and new templates are those of one run; each writes
the sessions whose key hashes to its shard — Formats/scoring-v1.md §9), and the driver merges the
records. The merged records equal one zl-score process's (checked here, sorted).

    python3 Tools/scale/spark_score.py --zl-score PATH MODEL LOG [--shards 4] [--master local[2]] [--check]

Needs pyspark (PyPI) and a Java runtime (Debian: openjdk-17-jre-headless). Prints one JSON line: shards,
records, seconds, and with --check whether the merged records equal the single run's. When pyspark or
Java is missing it says so and exits 0 (a visible skip in CI).
"""
import json, os, shutil, subprocess, sys, time


def main(argv):
    def opt(name, default=None):
        return argv[argv.index(name) + 1] if name in argv else default
    zl = opt("--zl-score")
    shards = int(opt("--shards", "4"))
    master = opt("--master", "local[2]")
    rest = [a for i, a in enumerate(argv) if not a.startswith("--") and argv[i - 1] not in ("--zl-score", "--shards", "--master")]
    if not zl or len(rest) != 2:
        sys.stderr.write(__doc__)
        return 64
    model, log = (os.path.abspath(p) for p in rest)
    zl = os.path.abspath(zl)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        print("note: pyspark is not installed; skipping the Spark recipe")
        return 0
    if shutil.which("java") is None:
        print("note: no Java runtime; skipping the Spark recipe")
        return 0
    t0 = time.time()
    spark = SparkSession.builder.master(master).appName("zl-score-sharded").config("spark.ui.enabled", "false").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")

    def score_shard(k):
        r = subprocess.run([zl, model, log, "--quiet", "--shard", f"{k}/{shards}"], capture_output=True, check=True)
        return r.stdout.decode().splitlines()

    merged = spark.sparkContext.parallelize(range(shards), shards).flatMap(score_shard).collect()
    spark.stop()
    out = {"shards": shards, "master": master, "records": len(merged), "seconds": round(time.time() - t0, 2)}
    if "--check" in argv:
        single = subprocess.run([zl, model, log, "--quiet"], capture_output=True, check=True).stdout.decode().splitlines()
        out["equals_single_run"] = sorted(merged) == sorted(single)
    print(json.dumps(out))
    return 0 if out.get("equals_single_run", True) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
