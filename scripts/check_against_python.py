#!/usr/bin/env python3
"""Check `ladder` output against the Python originals (needs numpy and scikit-learn:
`pip install -r scripts/requirements.txt`).

  check_against_python.py blobs POINTS.npy LABELS.npy N CENTERS FEATURES STD SEED SHUFFLE
      the files `ladder blobs` wrote equal scikit-learn's make_blobs, byte for byte
  check_against_python.py fit POINTS.npy RESULT.json [RESULT.json ...] [--exact-centers]
      each `ladder fit` result's iterations, convergence and labels equal the seed's
      pure-Python algorithm from the same initial centers (and, with --exact-centers, its
      centers bit for bit)

Exits 0 when everything agrees, 1 with one line per difference otherwise.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_kmeans import kmeans  # noqa: E402


def check_blobs(points, labels, n, centers, features, std, seed, shuffle):
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=int(n), centers=int(centers), n_features=int(features),
                      cluster_std=float(std), random_state=int(seed),
                      shuffle=shuffle == "true")
    P, L = np.load(points), np.load(labels)
    problems = []
    if P.dtype != np.float64 or not P.flags.c_contiguous or P.shape != X.shape:
        problems.append(f"points: dtype {P.dtype}, shape {P.shape}; expected float64 {X.shape}")
    elif P.tobytes() != X.tobytes():
        rows = np.nonzero((P != X).any(axis=1))[0]
        problems.append(f"points differ from make_blobs in {len(rows)} rows, first {rows[:5]}")
    if L.dtype != y.dtype or L.shape != y.shape or not (L == y).all():
        problems.append(f"labels differ: {L.dtype} {L.shape} vs {y.dtype} {y.shape}")
    return problems


def check_fit(points, results, exact_centers=False):
    pts = np.load(points).tolist()
    runs = {}  # the Python fit, once per (initial centers, max_iter)
    problems = []
    for result in results:
        with open(result) as f:
            r = json.load(f)
        key = json.dumps([r["initial_centers"], r["max_iter"]])
        if key not in runs:
            runs[key] = kmeans(pts, r["initial_centers"], r["max_iter"])
        labels, centers, iterations, converged = runs[key]
        who = f"{result} ({r['stage']})"
        if r["iterations"] != iterations:
            problems.append(f"{who}: iterations: ladder {r['iterations']}, python {iterations}")
        if r["converged"] != converged:
            problems.append(f"{who}: converged: ladder {r['converged']}, python {converged}")
        if r["labels"] != labels:
            diff = [i for i, (a, b) in enumerate(zip(r["labels"], labels)) if a != b]
            problems.append(f"{who}: labels differ at {len(diff)} points, first {diff[:5]}")
        if exact_centers and r["centers"] != centers:
            problems.append(f"{who}: centers differ from python's bit for bit")
    return problems


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "blobs":
        problems = check_blobs(*args)
    elif mode == "fit":
        files = [a for a in args[1:] if not a.startswith("--")]
        problems = check_fit(args[0], files, "--exact-centers" in args[1:])
    else:
        sys.exit(f"unknown mode {mode!r}; use blobs or fit")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
