#!/usr/bin/env python3
"""Round trip of Drain3 state files through zl-pack (run by CI when drain3 is installed):
Drain3 learns LogHub lines and saves its state (compressed, with a small max_clusters so the LRU
cache and evicted ids are exercised); `zl-pack import-drain3` reads it; `zl-pack export-drain3`
writes it back; Drain3 loads that and must match every probe line to the same cluster as the
original, with the same templates and the same LRU order.

And the way out for zl's own models (`zl-pack export drain3`: state + drain3.ini): Drain3, given each
line's <Content> field, must match every line of the given logs to the same template id as zl
(Tools/zlck.py's matcher, which CI holds equal to zl-score), including a model with a '%' in a mask
and extra delimiters.

usage: python3 Tools/check_drain3_state.py --zl-pack PATH [--data ../shared/data] [--models MODEL:LOG ...]
"""
import json, os, subprocess, sys, tempfile


def main(argv):
    try:
        from drain3 import TemplateMiner
        from drain3.template_miner_config import TemplateMinerConfig
        from drain3.masking import MaskingInstruction
        from drain3.file_persistence import FilePersistence
    except ImportError:
        print("note: drain3 is not installed; skipping the Drain3 state round trip")
        return 0
    zl = argv[argv.index("--zl-pack") + 1]
    data = argv[argv.index("--data") + 1] if "--data" in argv else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    models = argv[argv.index("--models") + 1:] if "--models" in argv else []
    failures = check_exports(zl, models) if models else []
    path = os.path.join(data, "loghub", "HDFS", "HDFS_2k.log")
    if not os.path.exists(path):
        print("note: ../shared/data is absent; skipping the Drain3 state round trip")
        for f in failures:
            print("FAIL " + f)
        return 1 if failures else 0
    lines = [l.rstrip("\r\n") for l in open(path, encoding="utf-8")]
    contents = [l.split(": ", 1)[1] if ": " in l else l for l in lines]
    for compress, max_clusters in ((True, 8), (False, None)):
        with tempfile.TemporaryDirectory() as d:
            def config():
                cfg = TemplateMinerConfig()
                cfg.drain_max_clusters, cfg.drain_depth, cfg.drain_sim_th = max_clusters, 4, 0.5
                cfg.snapshot_compress_state = compress
                cfg.mask_prefix, cfg.mask_suffix = "<", ">"
                cfg.masking_instructions = [MaskingInstruction(r"blk_-?\d+", "ID"), MaskingInstruction(r"(\d+\.){3}\d+(:\d+)?", "IP")]
                return cfg
            original = os.path.join(d, "state.bin")
            tm = TemplateMiner(FilePersistence(original), config())
            for c in contents[:1500]:
                tm.add_log_message(c)
            tm.save_state("check")
            ini = os.path.join(d, "drain3.ini")
            open(ini, "w").write('[MASKING]\nmasking = [{"regex_pattern": "blk_-?\\\\d+", "mask_with": "ID"},\n'
                                 '  {"regex_pattern": "(\\\\d+\\\\.){3}\\\\d+(:\\\\d+)?", "mask_with": "IP"}]\nmask_prefix = <\nmask_suffix = >\n')
            model = os.path.join(d, "drain.zlck")
            r = subprocess.run([zl, "import-drain3", original, "--ini", ini, "--log-format", "<Date> <Time> <Pid> <Level> <Component>: <Content>",
                                "-o", model], capture_output=True, text=True)
            if r.returncode:
                failures.append(f"import (compress={compress}): {r.stderr.strip()}")
                continue
            exported = os.path.join(d, "exported.bin")
            r = subprocess.run([zl, "export-drain3", model, "-o", exported] + (["--compress"] if compress else []), capture_output=True, text=True)
            if r.returncode:
                failures.append(f"export (compress={compress}): {r.stderr.strip()}")
                continue
            # Compare Drain3 loading its own file with Drain3 loading ours (Drain3's save path touches
            # the LRU order and its load path rebuilds it from the data order, so the in-memory
            # miner is not the reference).
            tm = TemplateMiner(FilePersistence(original), config())
            back = TemplateMiner(FilePersistence(exported), config())
            a = {c.cluster_id: c.get_template() for c in tm.drain.clusters}
            b = {c.cluster_id: c.get_template() for c in back.drain.clusters}
            if a != b:
                failures.append(f"templates differ after the round trip (compress={compress})")
            if list(tm.drain.id_to_cluster.keys()) != list(back.drain.id_to_cluster.keys()):
                failures.append(f"LRU order differs after the round trip (compress={compress})")
            for c in contents[1500:]:
                x, y = tm.match(c), back.match(c)
                if (x and x.cluster_id) != (y and y.cluster_id):
                    failures.append(f"match differs for {c!r}")
                    break
            # Learning continues identically.
            for c in contents[1500:]:
                if tm.add_log_message(c)["cluster_id"] != back.add_log_message(c)["cluster_id"]:
                    failures.append(f"learning diverges after the round trip (compress={compress})")
                    break
    for f in failures:
        print("FAIL " + f)
    print("Drain3 state round trip: " + ("ok" if not failures else f"{len(failures)} failures"))
    return 1 if failures else 0


def check_exports(zl, models):
    """zl-pack export drain3 of zl models: Drain3 matches every line as zl does."""
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig
    from drain3.file_persistence import FilePersistence
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import zlck
    failures = []
    for pair in models:
        model, log = pair.split(":", 1)
        for compress in (False, True):
            with tempfile.TemporaryDirectory() as d:
                state, ini = os.path.join(d, "state"), os.path.join(d, "drain3.ini")
                r = subprocess.run([zl, "export", "drain3", model, "-o", state, "--ini", ini] + (["--compress"] if compress else []),
                                   capture_output=True, text=True)
                if r.returncode:
                    failures.append(f"export drain3 {model}: {r.stderr.strip()}")
                    continue
                cfg = TemplateMinerConfig()
                cfg.load(ini)
                tm = TemplateMiner(FilePersistence(state), cfg)
                _, records, tensors = zlck.verify(open(model, "rb").read())
                sc = zlck.Scorer(records, tensors)
                lines = differ = unmatched = 0
                for raw in zlck.read_lines([log]):
                    text = raw.decode("utf-8", errors="replace")
                    f = sc.format.split(text)
                    content = f[sc.format.fields.index("Content")] if f is not None else text.strip()
                    masked = content
                    for rx, rep in sc.masks:
                        masked = rx.sub(lambda _: rep, masked)
                    if sc.delims:
                        masked = masked.strip()
                        for dl in sc.delims:
                            masked = masked.replace(dl, " ")
                    want = sc.match(masked.split())
                    got = tm.match(content)
                    lines += 1
                    unmatched += want is None
                    if (got.cluster_id if got else None) != want:
                        differ += 1
                print(f"{'ok  ' if differ == 0 else 'FAIL'} export drain3 {os.path.basename(model)} (compress={compress}): "
                      f"{lines} lines, {differ} matched differently by Drain3 ({unmatched} unmatched by both)")
                if differ:
                    failures.append(f"export drain3 {model}: {differ} of {lines} lines differ")
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
