#!/usr/bin/env python3
"""The Python peers in the scaling study: numba prange, scikit-learn lloyd and faiss on
the study's own points, under the study's budget rule.

`cargo bench --bench scaling` writes each (d, k) line's points as .npy files and runs
this once per line. For each peer, n ascending: a cell whose fit, predicted from the
peer's last measured n (linearly in n), would exceed the budget is skipped with the
reason, and so are the larger n; else one warm-up fit when a fit is short, then `--fits`
timed fits, each a whole fit's seconds over the passes it ran (from the last k points,
the passes fixed: no early stop where the peer allows it).

usage: python_scaling.py --cells CELLS.json --out OUT.json --passes 5 --budget 1.0
                         --fits 3 [--threads 2]
CELLS.json: [{"points": "path.npy", "n": N, "d": D, "k": K}, ...], one (d, k), n ascending;
"points": null where the study did not hand the points over (too big a file).
"""

import argparse
import json
import statistics
import sys
import time

import numpy as np

from python_ladder import set_threads
from pyladder import existing, rungs


def numba_prange(x, c, passes):
    find_labels, compute_centers = rungs.numba_kernels(True)
    centers = c
    for _ in range(passes):
        labels = find_labels(x, centers)
        centers = compute_centers(x, labels, centers)
    return passes


def sklearn_lloyd(x, c, passes):
    from sklearn.cluster import KMeans

    km = KMeans(len(c), init=c, n_init=1, algorithm="lloyd", tol=0.0, max_iter=passes)
    km.fit(x)
    return km.n_iter_


def faiss_float32(x, c, passes):
    existing.faiss_fit(x, c, passes)
    return passes


PEERS = [
    ("numba prange (Python)", "numba", numba_prange),
    ("scikit-learn lloyd (Python)", "sklearn.cluster", sklearn_lloyd),
    ("faiss float32 (Python)", "faiss", faiss_float32),
]


def per_pass(fit, x, c, passes):
    t = time.perf_counter()
    ran = fit(x, c, passes)
    return (time.perf_counter() - t) / max(ran, 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--passes", type=int, required=True)
    p.add_argument("--budget", type=float, required=True)
    p.add_argument("--fits", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    set_threads(args.threads)
    with open(args.cells) as f:
        cells = json.load(f)
    out, absent = [], []
    for name, module, fit in PEERS:
        try:
            __import__(module)
        except Exception as e:  # absent, whatever the reason
            absent.append({"name": name, "why": f"{module} does not import: {e}".splitlines()[0]})
            continue
        # Compile and warm on a small slice first (numba's JIT, thread pools), so that no
        # timed fit pays for it.
        handed = [c for c in cells if c["points"] is not None]
        if handed:
            x0, k0 = np.load(handed[0]["points"]), handed[0]["k"]
            fit(np.ascontiguousarray(x0[: max(40 * k0, 1000)]), np.ascontiguousarray(x0[:k0]), 1)
        last, stopped = None, None
        for cell in cells:
            n, d, k = cell["n"], cell["d"], cell["k"]
            reason = stopped
            if reason is None and cell["points"] is None:
                reason = f"the points ({n} × {d}) were too big a file to hand to Python"
            if reason is None and last is not None:
                predicted = last[1] * n / last[0]
                if predicted > args.budget:
                    reason = (f"a fit would take about {predicted:.1f} s (from {last[1]:.2f} s at "
                              f"n = {last[0]}), over the {args.budget:.1f} s budget")
            if reason is not None:
                stopped = stopped or f"skipped at n = {n} (over the budget there)"
                out.append({"stage": name, "n": n, "d": d, "k": k, "status": "skipped", "reason": reason})
                continue
            x = np.load(cell["points"])
            c = np.ascontiguousarray(x[-k:])
            first = per_pass(fit, x, c, args.passes)
            samples = [first] if first * args.passes >= 0.1 else []
            while len(samples) < args.fits:
                samples.append(per_pass(fit, x, c, args.passes))
            median = statistics.median(samples)
            last = (n, median * args.passes)
            out.append({"stage": name, "n": n, "d": d, "k": k, "status": "measured",
                        "median": median, "low": min(samples), "high": max(samples),
                        "fits": len(samples)})
        print(f"{name}: d = {cells[0]['d']}, k = {cells[0]['k']} done", file=sys.stderr)
    with open(args.out, "w") as f:
        json.dump({"cells": out, "absent": absent}, f)


if __name__ == "__main__":
    main()
