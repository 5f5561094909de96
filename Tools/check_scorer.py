#!/usr/bin/env python3
"""Differential check of the two scorers (run by CI): Tools/zlck.py score, written from
Formats/scoring-v1.md alone, against zl-score on the same model and logs. Records must agree on
session keys, order, events, new templates and line numbers exactly, on the decision exactly, and on
the score to 1e-5. Prints one line per (model, log) pair; exit 1 on any difference.

usage: python3 Tools/check_scorer.py --zl-score PATH MODEL:LOG[,LOG...] ...
"""
import json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.decode(errors='replace').strip()}")
    return [json.loads(l) for l in r.stdout.decode().splitlines()]


def main(argv):
    if "--zl-score" not in argv:
        sys.stderr.write(__doc__)
        return 64
    k = argv.index("--zl-score")
    zl = argv[k + 1]
    pairs = argv[:k] + argv[k + 2:]
    failures = 0
    for pair in pairs:
        model, logs = pair.split(":", 1)
        logs = logs.split(",")
        a = run([zl, model, *logs, "--quiet"])
        b = run([sys.executable, os.path.join(HERE, "zlck.py"), "score", model, *logs])
        problems = []
        if len(a) != len(b):
            problems.append(f"{len(a)} records from zl-score, {len(b)} from zlck.py")
        worst = 0.0
        for x, y in zip(a, b):
            for key in ("session", "anomaly", "events", "new_templates", "first_line", "last_line", "closed"):
                if x[key] != y[key]:
                    problems.append(f"session {x['session']}: {key} {x[key]!r} vs {y[key]!r}")
            worst = max(worst, abs(x["score"] - y["score"]))
        if worst > 1e-5:
            problems.append(f"largest score difference {worst:.3g} > 1e-5")
        name = f"{os.path.basename(model)} on {', '.join(os.path.basename(l) for l in logs)}"
        print(f"{'ok  ' if not problems else 'FAIL'} {name}: {len(a)} records, largest score difference {worst:.3g}")
        for p in problems[:5]:
            print("     " + p)
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
