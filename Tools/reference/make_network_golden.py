#!/usr/bin/env python3
"""Golden vectors for the zl.bigru-attn network, computed once with PyTorch (float64).

PyTorch's own nn.GRU (with pack_padded_sequence, so padding never enters the recurrence) and the
attention / classifier / domain-classifier formulas of zlck-v1.md Appendix A and ARCHITECTURE.md #10.
Writes Formats/vectors/reference/network-golden.json: per case the parameters under their
Appendix A names, the inputs and lengths, the P(anomalous) scores, the attention weights, the loss
(classifier CE with soft targets + domain CE) and the gradient of the loss for every parameter.

Usage: python3 Tools/reference/make_network_golden.py  (needs torch; run once, output committed)
"""
import json
import math
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
torch.manual_seed(20261123)

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Formats", "vectors", "reference", "network-golden.json")


def case(name, E, H, L, bi, attention, lengths, domain_hidden=4):
    D = 2 if bi else 1
    F = D * H
    B, T = len(lengths), max(lengths)
    gru = torch.nn.GRU(E, H, num_layers=L, batch_first=True, bidirectional=bi)
    params = {}
    for n, p in gru.named_parameters():
        params["gru." + n] = p
    if attention == "additive":
        params["attention.guide"] = torch.nn.Parameter(torch.randn(F))
        params["attention.weight"] = torch.nn.Parameter(torch.empty(2 * F).uniform_(-0.5, 0.5))
        params["attention.bias"] = torch.nn.Parameter(torch.empty(1).uniform_(-0.3, 0.3))
    else:
        for k in ("query", "key", "value"):
            params["attention." + k] = torch.nn.Parameter(torch.empty(F, F).uniform_(-0.5, 0.5))
    params["classifier.weight"] = torch.nn.Parameter(torch.empty(2, F).uniform_(-0.7, 0.7))
    params["classifier.bias"] = torch.nn.Parameter(torch.empty(2).uniform_(-0.2, 0.2))
    params["domain.fc1.weight"] = torch.nn.Parameter(torch.empty(domain_hidden, F).uniform_(-0.7, 0.7))
    params["domain.fc1.bias"] = torch.nn.Parameter(torch.empty(domain_hidden).uniform_(-0.2, 0.2))
    params["domain.norm.weight"] = torch.nn.Parameter(torch.empty(domain_hidden).uniform_(0.5, 1.5))
    params["domain.norm.bias"] = torch.nn.Parameter(torch.empty(domain_hidden).uniform_(-0.2, 0.2))
    params["domain.fc2.weight"] = torch.nn.Parameter(torch.empty(2, domain_hidden).uniform_(-0.7, 0.7))
    params["domain.fc2.bias"] = torch.nn.Parameter(torch.empty(2).uniform_(-0.2, 0.2))

    x = torch.zeros(B, T, E)
    for b, n in enumerate(lengths):
        x[b, :n] = torch.empty(n, E).uniform_(-1, 1)
    lens = torch.tensor(lengths)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False)
    out, _ = gru(packed)
    h, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)  # [B, T, F], zeros at pads
    mask = torch.arange(T)[None, :] < lens[:, None]
    if attention == "additive":
        w = params["attention.weight"]
        s = torch.tanh((w[:F] * params["attention.guide"]).sum() + h @ w[F:] + params["attention.bias"][0])
        alpha = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=1)
        r = (alpha[:, :, None] * h).sum(1)
    else:
        mean = h.sum(1) / lens[:, None]
        q = mean @ params["attention.query"].T
        k = h @ params["attention.key"].T
        v = h @ params["attention.value"].T
        s = (k * q[:, None, :]).sum(2) / math.sqrt(F)
        alpha = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=1)
        r = (alpha[:, :, None] * v).sum(1)
    logits = r @ params["classifier.weight"].T + params["classifier.bias"]
    probs = torch.softmax(logits, dim=1)[:, 1]
    targets = torch.tensor([[1 - y, y] for y in [((b * 7) % 3) / 2 for b in range(B)]])  # soft targets 0, .5, 1
    cls = -(torch.log_softmax(logits, 1) * targets).sum(1).mean()
    hd = torch.relu(r @ params["domain.fc1.weight"].T + params["domain.fc1.bias"])
    hd = torch.nn.functional.layer_norm(hd, (domain_hidden,), params["domain.norm.weight"], params["domain.norm.bias"], eps=1e-5)
    dl = hd @ params["domain.fc2.weight"].T + params["domain.fc2.bias"]
    dom_t = torch.tensor([[1.0, 0.0] if b % 2 == 0 else [0.0, 1.0] for b in range(B)])
    dom = -(torch.log_softmax(dl, 1) * dom_t).sum(1).mean()
    loss = cls + dom
    names = sorted(params)
    grads = torch.autograd.grad(loss, [params[n] for n in names])
    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    return {
        "name": name, "input_size": E, "hidden_size": H, "layers": L, "bidirectional": bi, "attention": attention,
        "domain_hidden": domain_hidden, "lengths": lengths,
        "x": flat(x), "targets": flat(targets), "domain_targets": flat(dom_t),
        "parameters": {n: {"shape": list(params[n].shape), "values": flat(params[n])} for n in names},
        "scores": flat(probs), "alpha": flat(alpha), "loss": float(loss),
        "gradients": {n: flat(g) for n, g in zip(names, grads)},
    }


def main():
    cases = [
        case("gru-uni-1layer", 5, 4, 1, False, "additive", [3, 5, 1, 4]),
        case("bigru-2layer-additive", 6, 4, 2, True, "additive", [6, 2, 4, 1, 5]),
        case("bigru-2layer-qkv", 4, 3, 2, True, "qkv", [2, 5, 3]),
        case("gru-3layer-uni-qkv", 3, 5, 3, False, "qkv", [4, 4, 1]),
    ]
    doc = {"generator": "Tools/reference/make_network_golden.py", "torch": torch.__version__, "dtype": "float64", "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
