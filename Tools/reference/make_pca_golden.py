#!/usr/bin/env python3
"""Golden cases for the target-side structure detector (zlck-v1.md §8.11, TargetDetectors.swift):
a PCA of TF-IDF-weighted event counts and the Jackson–Mudholkar Q threshold, computed independently
with numpy (eigh) and scipy (the normal quantile). Writes Formats/vectors/reference/pca-golden.json.

Run once offline: python3 Tools/reference/make_pca_golden.py
The Swift tests (ZLTrainingTests) compare their fit with these numbers; they never need Python.

The construction (loglizer's, Xu et al. SOSP 2009):
  counts[s][j]  events of session s in column j (one column per template, in `templates` order)
  idf_j         ln((n + 1) / (df_j + 1)) + 1, df_j = sessions with a count in column j
  x_s           counts[s] * idf - mean (mean of counts * idf over the n sessions)
  C             covariance of the x_s (divisor n - 1); eigenvalues l_1 >= ... >= l_d (negatives as 0)
  k             the fewest leading components whose eigenvalues reach 95 % of the total
  Q             phi1 * (c_a sqrt(2 phi2 h0^2) / phi1 + 1 + phi2 h0 (h0 - 1) / phi1^2) ^ (1 / h0),
                phi_i = sum_{j > k} l_j^i, h0 = 1 - 2 phi1 phi3 / (3 phi2^2), c_a = Phi^-1(1 - alpha), alpha = 0.001
  SPE(s)        |x_s - P P^T x_s|^2, P the k leading eigenvectors
The detector has one more column for events of templates it does not know; these cases have none
in the fitting sessions (that column is constant 0, so it changes nothing but d).
"""
import json, os
import numpy as np
from scipy.stats import norm

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Formats", "vectors", "reference", "pca-golden.json")
ALPHA, VARIANCE = 0.001, 0.95


def reference(sessions, templates, probes):
    col = {t: j for j, t in enumerate(templates)}
    n, d = len(sessions), len(templates) + 1
    counts = np.zeros((n, d))
    for r, s in enumerate(sessions):
        for e in s:
            counts[r, col.get(e, d - 1)] += 1
    df = (counts > 0).sum(axis=0)
    idf = np.log((n + 1) / (df + 1)) + 1
    x = counts * idf
    mean = x.mean(axis=0)
    xc = x - mean
    cov = xc.T @ xc / (n - 1)
    lam, vec = np.linalg.eigh(cov)
    order = np.argsort(-lam, kind="stable")
    lam, vec = np.maximum(lam[order], 0), vec[:, order]
    total = lam.sum()
    k = int(np.searchsorted(np.cumsum(lam) / total, VARIANCE) + 1)
    res = lam[k:]
    phi1, phi2, phi3 = res.sum(), (res ** 2).sum(), (res ** 3).sum()
    h0 = 1 - 2 * phi1 * phi3 / (3 * phi2 ** 2)
    ca = norm.ppf(1 - ALPHA)
    q = phi1 * (ca * np.sqrt(2 * phi2 * h0 * h0) / phi1 + 1 + phi2 * h0 * (h0 - 1) / phi1 ** 2) ** (1 / h0)
    p = vec[:, :k]
    spe = []
    for s in probes:
        c = np.zeros(d)
        for e in s:
            c[col.get(e, d - 1)] += 1
        v = c * idf - mean
        r = v - p @ (p.T @ v)
        spe.append(float(r @ r))
    return {"k": k, "q": float(q), "idf": idf.tolist(), "mean": mean.tolist(), "eigenvalues": lam.tolist(), "probe_spe": spe}


def workflows(rng, n, templates, flows, noise):
    """Sessions that follow one of a few workflows (template sequences with repeat counts), with noise."""
    out = []
    for _ in range(n):
        f = flows[rng.integers(len(flows))]
        s = []
        for t, reps in f:
            s += [t] * int(rng.integers(reps[0], reps[1] + 1))
        if rng.random() < noise:
            s.append(int(templates[rng.integers(len(templates))]))
        out.append(s)
    return out


def main():
    rng = np.random.default_rng(20261204)
    cases = []
    # 1: HDFS-like blocks: allocate, receive x3, respond x3, store x3 (+ optional delete), noise.
    t1 = [1, 2, 3, 4, 5, 6, 7, 8]
    flows = [[(1, (1, 1)), (2, (3, 3)), (3, (3, 3)), (4, (3, 3))],
             [(1, (1, 1)), (2, (2, 3)), (3, (2, 3)), (4, (2, 3)), (5, (1, 3))],
             [(2, (1, 2)), (6, (1, 1)), (4, (1, 2))]]
    s1 = workflows(rng, 400, t1, flows, 0.15)
    p1 = [[1, 2, 2, 2, 3, 3, 3, 4, 4, 4], [1, 2, 3, 7, 7, 7, 8], [8], [2, 6, 4], [1, 2, 2, 3, 3, 4, 4, 5, 5, 9]]
    cases.append({"name": "workflows", "templates": t1, "sessions": s1, "probes": p1})
    # 2: windows of a system with many templates and a template never seen in fitting.
    t2 = list(range(10, 40))
    weights = rng.dirichlet(np.ones(len(t2)) * 0.3)
    s2 = [[int(x) for x in rng.choice(t2[:-1], size=20, p=weights[:-1] / weights[:-1].sum())] for _ in range(600)]
    p2 = [s2[0], s2[1], [39] * 20, [10] * 10 + [11] * 10]
    cases.append({"name": "windows", "templates": t2, "sessions": s2, "probes": p2})
    for c in cases:
        c["expected"] = reference(c["sessions"], c["templates"], c["probes"])
    doc = {"generator": "Tools/reference/make_pca_golden.py", "numpy": np.__version__, "alpha": ALPHA, "variance": VARIANCE, "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    for c in cases:
        e = c["expected"]
        print(f"{c['name']}: n {len(c['sessions'])}, d {len(c['templates']) + 1}, k {e['k']}, Q {e['q']:.6g}, probe SPE {[round(x, 4) for x in e['probe_spe']]}")


if __name__ == "__main__":
    main()
