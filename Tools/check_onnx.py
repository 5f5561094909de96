#!/usr/bin/env python3
"""The ONNX export against zl-score (run by CI when onnx and onnxruntime install): for each network
model, `zl-pack export onnx`, onnx.checker (full check), ONNX Runtime on padded batches of mixed lengths
against the network's probability of the same sessions (zl-score's score for a p_anomaly model; for a
hybrid one, the reference scorer's network, which check_scorer.py holds equal to zl-score), and
`Tools/zlck.py score --onnx` (the reference front end with ORT as the network) against zl-score's
records (check_scorer's rules: keys, decisions, lines exact; scores to 1e-5).

usage: python3 Tools/check_onnx.py --zl-pack PATH --zl-score PATH MODEL:LOG ...
"""
import json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main(argv):
    try:
        import numpy as np
        import onnx
        import onnxruntime
    except ImportError as e:
        print(f"note: {e.name} is not installed; skipping the ONNX export check")
        return 0
    import zlck
    zl_pack = argv[argv.index("--zl-pack") + 1]
    zl_score = argv[argv.index("--zl-score") + 1]
    pairs = [a for i, a in enumerate(argv) if not a.startswith("--") and argv[i - 1] not in ("--zl-pack", "--zl-score")]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for pair in pairs:
            model, log = pair.split(":", 1)
            out = os.path.join(tmp, os.path.basename(model) + ".onnx")
            r = subprocess.run([zl_pack, "export", "onnx", model, "-o", out], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL {model}: export: {r.stderr.strip()}")
                failures += 1
                continue
            onnx.checker.check_model(onnx.load(out), full_check=True)
            # Sessions and their inputs through the reference front end; their zl-score scores.
            _, records, tensors = zlck.verify(open(model, "rb").read())
            sc = zlck.Scorer(records, tensors)
            want = {}
            if not sc.hybrid:
                for rec in subprocess.run([zl_score, model, log, "--quiet"], capture_output=True, text=True, check=True).stdout.splitlines():
                    j = json.loads(rec)
                    want[j["session"]] = j["score"]
            sessions = []
            for raw in zlck.read_lines([log]):
                text = raw.decode("utf-8", errors="replace")
                ev, sc._fields, lv = sc.event(text)
                sessions += sc.add(text, ev, lv)
            while sc.open:
                sessions.append(sc.close(next(iter(sc.open))))
            inputs = []
            for s in sessions:
                x = []
                for e, lv in zip(s["events"], s["levels"]):
                    v = list(sc.vectors[e])
                    if sc.severity_features:
                        q = lv if lv is not None else 1
                        v += [float(q >= 2), float(q >= 3), float(q >= 4)]
                    x.append(v)
                inputs.append((s["name"], x[-sc.network.max_len:]))
                if sc.hybrid:
                    want[s["name"]] = zlck.f32(sc.network.score(x))
            ort = onnxruntime.InferenceSession(out, providers=["CPUExecutionProvider"])
            worst = 0.0
            for b in range(0, len(inputs), 32):  # padded batches of mixed lengths
                batch = inputs[b:b + 32]
                T, E = max(len(x) for _, x in batch), len(batch[0][1][0])
                ev = np.zeros((len(batch), T, E), np.float32)
                for i, (_, x) in enumerate(batch):
                    ev[i, :len(x)] = x
                got = ort.run(None, {"events": ev, "lengths": np.array([len(x) for _, x in batch], np.int32)})[0]
                worst = max(worst, max(abs(float(g) - want[n]) for g, (n, _) in zip(got, batch)))
            # The whole path outside zl: reference front end + ORT.
            ref = subprocess.run([sys.executable, os.path.join(HERE, "zlck.py"), "score", model, log, "--onnx", out],
                                 capture_output=True, text=True, check=True).stdout.splitlines()
            cli = subprocess.run([zl_score, model, log, "--quiet"], capture_output=True, text=True, check=True).stdout.splitlines()
            same = len(ref) == len(cli) and all(
                all(json.loads(a)[k] == json.loads(c)[k] for k in ("session", "anomaly", "events", "first_line", "last_line"))
                and abs(json.loads(a)["score"] - json.loads(c)["score"]) <= 1e-5 for a, c in zip(ref, cli))
            ok = worst <= 1e-5 and same
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(model)}: checker ok; ORT on padded batches: "
                  f"max difference {worst:.3g} over {len(inputs)} sessions (vs {'reference network' if sc.hybrid else 'zl-score'}); zlck.py score --onnx records {'agree' if same else 'DIFFER'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
