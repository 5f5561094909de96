#!/usr/bin/env python3
"""The same network in PyTorch and ONNX Runtime, for side-by-side figures with `zl-bench network`.

Prints one JSON line per engine with the fields zl-bench uses: infer_seq_per_s (batch), infer_b1_ms,
train_seq_per_s (forward + backward + Adam), maml1_step_ms / maml2_step_ms (PyTorch: ZeroLog meta-step
with support B/2 source + B/2 target and the same query, first order / create_graph=True), peak RSS.

    python3 Tools/bench/network.py --batch 256 --length 50 --input 300 --hidden 100 --layers 2 [--bidirectional] [--threads 1]

Full-length sequences (no padding), as zl-bench. Needs torch; onnxruntime and onnx for the ORT row.
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time

import torch


class Net(torch.nn.Module):
    def __init__(self, e, h, layers, bi, attention="additive"):
        super().__init__()
        d = 2 if bi else 1
        f = d * h
        self.gru = torch.nn.GRU(e, h, num_layers=layers, batch_first=True, bidirectional=bi)
        self.attention = attention
        if attention == "qkv":
            # zl's qkv attention: q from the mean of the states, k and v projections, softmax(q·k/√F).
            self.query = torch.nn.Linear(f, f, bias=False)
            self.key = torch.nn.Linear(f, f, bias=False)
            self.value = torch.nn.Linear(f, f, bias=False)
        else:
            self.guide = torch.nn.Parameter(torch.randn(f))
            self.att = torch.nn.Parameter(torch.empty(2 * f).uniform_(-0.1, 0.1))
            self.att_b = torch.nn.Parameter(torch.zeros(1))
        self.cls = torch.nn.Linear(f, 2)
        self.f = f

    def features(self, x):
        h, _ = self.gru(x)
        if self.attention == "qkv":
            q = self.query(h.mean(1))
            s = (self.key(h) * q.unsqueeze(1)).sum(2) / self.f ** 0.5
            a = torch.softmax(s, dim=1)
            return (a.unsqueeze(2) * self.value(h)).sum(1)
        s = torch.tanh((self.att[: self.f] * self.guide).sum() + h @ self.att[self.f:] + self.att_b)
        a = torch.softmax(s, dim=1)
        return (a.unsqueeze(2) * h).sum(1)

    def forward(self, x):
        return torch.softmax(self.cls(self.features(x)), dim=1)[:, 1]


class Domain(torch.nn.Module):
    def __init__(self, f):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(f, 128), torch.nn.ReLU(), torch.nn.LayerNorm(128), torch.nn.Dropout(0.3), torch.nn.Linear(128, 2))

    def forward(self, x):
        return self.net(x)


def best(n, fn):
    fn()
    m = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        m = min(m, time.perf_counter() - t0)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--length", type=int, default=50)
    ap.add_argument("--input", type=int, default=300)
    ap.add_argument("--hidden", type=int, default=100)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--bidirectional", action="store_true")
    ap.add_argument("--attention", choices=["additive", "qkv"], default="additive")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-train", action="store_true")
    ap.add_argument("--skip-ort", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    B, T, E = a.batch, a.length, a.input
    net = Net(E, a.hidden, a.layers, a.bidirectional, a.attention)
    x = torch.rand(B, T, E) * 2 - 1
    y = torch.tensor([i % 2 for i in range(B)])
    shape = {"batch": B, "length": T, "input": E, "hidden": a.hidden, "layers": a.layers, "bidirectional": a.bidirectional, "attention": a.attention, "threads": a.threads}
    with torch.no_grad():
        inf = best(a.repeat, lambda: net(x))
        b1 = best(max(a.repeat, 20), lambda: net(x[:1]))
    row = {"engine": f"pytorch {torch.__version__}", **shape, "infer_seq_per_s": B / inf, "infer_b1_ms": b1 * 1000}
    if not a.skip_train:
        opt = torch.optim.Adam(net.parameters(), lr=3e-3)

        def train():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net.cls(net.features(x)), y)
            loss.backward()
            opt.step()

        row["train_seq_per_s"] = B / best(a.repeat, train)
        dom = Domain(net.f)
        g_params = [p for n, p in net.named_parameters() if not n.startswith("cls.")]
        opt_g = torch.optim.Adam(g_params, lr=3e-3)
        opt_c = torch.optim.Adam(net.cls.parameters(), lr=3e-3)
        opt_d = torch.optim.Adam(dom.parameters(), lr=3e-3)
        half = B // 2
        xs, ys, xt = x[:half], y[:half], x[half:]
        dsrc, dtgt = torch.zeros(half, dtype=torch.long), torch.ones(B - half, dtype=torch.long)

        def task_loss(feat_s, feat_t):
            cls = torch.nn.functional.cross_entropy(net.cls(feat_s), ys)
            rev = lambda f: GradReverse.apply(f)
            d = torch.nn.functional.cross_entropy(dom(rev(feat_s)), dsrc) + torch.nn.functional.cross_entropy(dom(rev(feat_t)), dtgt)
            return cls + d

        def meta(order):
            def step():
                fs, ft = net.features(xs), net.features(xt)
                ld = torch.nn.functional.cross_entropy(dom(fs.detach()), dsrc) + torch.nn.functional.cross_entropy(dom(ft.detach()), dtgt)
                opt_d.zero_grad(); ld.backward(); opt_d.step()
                lc = torch.nn.functional.cross_entropy(net.cls(fs.detach()), ys)
                opt_c.zero_grad(); lc.backward(); opt_c.step()
                g = torch.autograd.grad(task_loss(fs, ft), g_params, create_graph=(order == 2))
                adapted = [p - 3e-3 * gi for p, gi in zip(g_params, g)]
                if order == 1:
                    adapted = [t.detach().requires_grad_() for t in adapted]
                qs, qt = functional_features(net, adapted, xs), functional_features(net, adapted, xt)
                lq = task_loss(qs, qt)
                grads = torch.autograd.grad(lq, g_params if order == 2 else adapted)
                for p, gq in zip(g_params, grads):
                    p.grad = gq
                opt_g.step()
            return step

        row["maml1_step_ms"] = best(a.repeat, meta(1)) * 1000
        row["maml2_step_ms"] = best(a.repeat, meta(2)) * 1000
        row["maml2_over_maml1"] = row["maml2_step_ms"] / row["maml1_step_ms"]
    row["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(row), flush=True)
    if not a.skip_ort:
        try:
            import onnxruntime as ort
        except ImportError:
            print(json.dumps({"engine": "onnxruntime", "error": "not installed"}))
            return
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "net.onnx")
            torch.onnx.export(net, (x[:1],), path, input_names=["x"], output_names=["p"],
                              dynamic_axes={"x": {0: "batch", 1: "time"}}, opset_version=17, dynamo=False)
            so = ort.SessionOptions()
            so.intra_op_num_threads = a.threads
            so.inter_op_num_threads = 1
            sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            xn = x.numpy()
            inf = best(a.repeat, lambda: sess.run(None, {"x": xn}))
            b1 = best(max(a.repeat, 20), lambda: sess.run(None, {"x": xn[:1]}))
            print(json.dumps({"engine": f"onnxruntime {ort.__version__}", **shape, "infer_seq_per_s": B / inf, "infer_b1_ms": b1 * 1000,
                              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return -g


class Features(torch.nn.Module):
    """net.features as a module's forward, so torch.func.functional_call can swap its parameters."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.features(x)


def functional_features(net, params, x):
    names = ["net." + n for n, _ in net.named_parameters() if not n.startswith("cls.")]
    return torch.func.functional_call(Features(net), dict(zip(names, params)), (x,), strict=False)


if __name__ == "__main__":
    main()
