#!/usr/bin/env python3
"""The comparison pipeline for zl-score: Drain3 (learning on the fly, the checkpoint's masks and Drain
settings) + template embedding with the checkpoint's GloVe subset and IDF (NumPy) + sessions + the
checkpoint's network exported to ONNX and run by ONNX Runtime, on the same raw log.

    python3 Tools/bench/score_baseline.py DIR LOG [--first-only]

DIR is `zl-pack extract MODEL --to DIR` output. Prints one JSON line: lines, sessions, seconds,
lines_per_s, peak RSS; with --first-only it exits after the first scored session (cold start).
Needs drain3, numpy, safetensors, torch (export only) and onnxruntime.
"""
import json
import os
import re
import resource
import sys
import time

T0 = time.perf_counter()


def main():
    d, log = sys.argv[1], sys.argv[2]
    first_only = "--first-only" in sys.argv
    import numpy as np
    import onnxruntime as ort
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig
    from drain3.masking import MaskingInstruction

    cp = json.load(open(os.path.join(d, "checkpoint.json")))
    rec = cp["records"]
    dran, vocb, meta, sess = rec["DRAN"], rec["VOCB"], rec["META"], rec["SESS"]

    def val(r, k):
        v = r[k]
        return v["value"] if isinstance(v, dict) and "value" in v else v

    onnx_path = os.path.join(d, "net.onnx")
    if not os.path.exists(onnx_path):
        export_onnx(d, meta, onnx_path, val)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    net = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])

    cfg = TemplateMinerConfig()
    cfg.drain_depth = int(val(dran, "config.depth"))
    cfg.drain_sim_th = float(val(dran, "config.sim_th"))
    cfg.drain_max_children = int(val(dran, "config.max_children"))
    cfg.mask_prefix, cfg.mask_suffix = val(dran, "mask.prefix"), val(dran, "mask.suffix")
    cfg.masking_instructions = [MaskingInstruction(p, n) for n, p in zip(val(dran, "mask.names"), val(dran, "mask.patterns"))]
    cfg.profiling_enabled = False
    miner = TemplateMiner(config=cfg)

    words = val(vocb, "words")
    idf = dict(zip(words, val(vocb, "idf")))
    glove = {}
    with open(os.path.join(d, "glove.txt")) as f:
        for line in f:
            p = line.rstrip("\n").split(" ")
            glove[p[0]] = np.array([float(x) for x in p[1:]], dtype=np.float32)
    dim = len(next(iter(glove.values())))
    unknown = np.full(dim, 0.01, dtype=np.float32)
    split = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
    vec_of = {}

    def vector(cluster):
        t = cluster.get_template()
        if t in vec_of:
            return vec_of[t]
        ws = [w.lower() for tok in t.split() if not tok.startswith(cfg.mask_prefix) for w in split.findall(tok)]
        acc = np.zeros(dim, dtype=np.float64)
        known = False
        for w in ws:
            if w in glove:
                acc += (ws.count(w) / len(ws)) / len(ws) * idf.get(w, 1.0) * glove[w]
                known = True
        v = acc.astype(np.float32) if known else unknown
        vec_of[t] = v
        return v

    header = re.compile(r"^(\S+) (\S+) (\S+) (\S+) (\S+): (.*)$")
    blk = re.compile(r"blk_-?\d+")
    sessions = {}
    lines = 0
    scored = 0

    def score(batch):
        n = max(len(s) for s in batch)
        x = np.zeros((len(batch), n, dim), dtype=np.float32)
        for i, s in enumerate(batch):
            x[i, n - len(s):] = np.stack(s)  # left-padded; the exported graph runs full length
        return net.run(None, {"x": x})[0]

    with open(log, errors="replace") as f:
        for line in f:
            lines += 1
            m = header.match(line.rstrip("\n"))
            content = m.group(6) if m else line
            r = miner.add_log_message(content)
            v = vector(miner.drain.id_to_cluster[r["cluster_id"]])
            for b in set(blk.findall(line)):
                sessions.setdefault(b, []).append(v)
            if first_only and lines >= 1:
                score([sessions[next(iter(sessions))]])
                print(json.dumps({"first_session_s": time.perf_counter() - T0}))
                return
    ordered = sorted(sessions.values(), key=len)
    for i in range(0, len(ordered), 64):
        score(ordered[i:i + 64])
        scored += len(ordered[i:i + 64])
    secs = time.perf_counter() - T0
    print(json.dumps({"pipeline": "drain3+onnxruntime", "lines": lines, "sessions": scored, "seconds": secs,
                      "lines_per_s": lines / secs, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def export_onnx(d, meta, path, val):
    import torch
    from safetensors.numpy import load_file
    t = load_file(os.path.join(d, "tensors.safetensors"))
    e, h, layers = int(val(meta, "model.input_size")), int(val(meta, "model.hidden_size")), int(val(meta, "model.layers"))
    bi = bool(val(meta, "model.bidirectional"))
    f = (2 if bi else 1) * h

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = torch.nn.GRU(e, h, num_layers=layers, batch_first=True, bidirectional=bi)
            self.gru.load_state_dict({k[4:]: torch.from_numpy(v) for k, v in t.items() if k.startswith("gru.")})
            self.guide = torch.from_numpy(t["attention.guide"])
            self.att = torch.from_numpy(t["attention.weight"])
            self.att_b = torch.from_numpy(t["attention.bias"])
            self.cw, self.cb = torch.from_numpy(t["classifier.weight"]), torch.from_numpy(t["classifier.bias"])

        def forward(self, x):
            hs, _ = self.gru(x)
            s = torch.tanh((self.att[:f] * self.guide).sum() + hs @ self.att[f:] + self.att_b)
            a = torch.softmax(s, dim=1)
            r = (a.unsqueeze(2) * hs).sum(1)
            return torch.softmax(r @ self.cw.T + self.cb, dim=1)[:, 1]

    torch.onnx.export(Net(), (torch.zeros(1, 5, e),), path, input_names=["x"], output_names=["p"],
                      dynamic_axes={"x": {0: "b", 1: "t"}}, opset_version=17, dynamo=False)


if __name__ == "__main__":
    main()
