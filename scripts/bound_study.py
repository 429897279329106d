#!/usr/bin/env python3
"""How many exact scans bound variants would send, counted (not timed) on real points.

Runs Lloyd's algorithm from the last-k centers (the ladder's default init) with every
distance computed, and beside it keeps the bounds of a variant of Hamerly's method,
counting per pass the share of points whose bounds fail (the points a pruned fit would
scan exactly). Each variant asserts that every point its bounds keep really keeps its
label. Bounds are exact here (no rounding margins), so the counts are what the algorithm
allows, before the engineering.

Variants:
  hamerly  one upper bound, one lower bound; both moved by the sums of the centers'
           steps (what `pruned` keeps below 6 features)
  ns       the same bounds moved by the norm of the centers' total move since the
           bound was set (Newling & Fleuret's ns-bounds)
  second   a lower bound for the second-nearest center of its own, one for the rest
  elkan    a lower bound per center
  tighten  textbook Hamerly: a failing point first recomputes its own distance, and is
           scanned only if it still fails (prints both counts)

usage: bound_study.py POINTS.npy K PASSES [VARIANT ...]
"""

import sys

import numpy as np


def distances(x, c):
    return np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(-1))


def update(x, labels, c):
    new = c.copy()
    for j in range(len(c)):
        members = labels == j
        if members.any():
            new[j] = x[members].mean(0)
    return new


def largest_other(step):
    """Per center, the largest step of any other center."""
    order = np.sort(step)
    return np.where(step == order[-1], order[-2], order[-1])


def study(x, k, passes, variant):
    n = len(x)
    c = x[-k:].copy()
    d = distances(x, c)
    labels = d.argmin(1)
    ordered = np.sort(d, 1)
    upper, lower, third = ordered[:, 0].copy(), ordered[:, 1].copy(), ordered[:, 2].copy()
    second = np.argsort(d, 1)[:, 1]
    lowers = d.copy()
    history, stamp = [c.copy()], np.zeros(n, int)
    base_upper, base_lower = upper.copy(), lower.copy()
    fails, owns = [], []
    for t in range(1, passes):
        new = update(x, labels, c)
        step = np.sqrt(((new - c) ** 2).sum(1))
        c = new
        history.append(c.copy())
        others = largest_other(step)
        if variant == "ns":
            drift = np.sqrt(((np.array(history) - c) ** 2).sum(-1))  # pass × center
            fail = base_upper + drift[stamp, labels] >= base_lower - np.array(
                [largest_other(row) for row in drift]
            )[stamp, labels]
        elif variant == "second":
            upper += step[labels]
            lower -= step[second]
            third -= step.max()
            fail = upper >= np.minimum(lower, third)
        elif variant == "elkan":
            upper += step[labels]
            lowers -= step[None, :]
            mask = np.arange(k)[None, :] == labels[:, None]
            fail = upper >= np.where(mask, np.inf, lowers).min(1)
        else:
            upper += step[labels]
            lower -= others[labels]
            fail = upper >= lower
        d = distances(x, c)
        nearest = d.argmin(1)
        if variant == "tighten":
            owns.append(fail.mean())
            upper[fail] = d[fail, labels[fail]]
            fail = upper >= lower
        assert (nearest[~fail] == labels[~fail]).all(), f"pass {t}: a kept label changed"
        fails.append(fail.mean())
        ordered = np.sort(d[fail], 1)
        upper[fail], lower[fail] = ordered[:, 0], ordered[:, 1]
        if variant == "second":
            third[fail] = ordered[:, 2]
            second[fail] = np.argsort(d[fail], 1)[:, 1]
        if variant == "elkan":
            lowers[fail] = d[fail]
        if variant == "ns":
            base_upper[fail], base_lower[fail], stamp[fail] = upper[fail], lower[fail], t
        labels = nearest
    return fails, owns


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    x = np.load(sys.argv[1]).astype(np.float64)
    k, passes = int(sys.argv[2]), int(sys.argv[3])
    for variant in sys.argv[4:] or ["hamerly", "ns", "second", "elkan", "tighten"]:
        fails, owns = study(x, k, passes, variant)
        line = f"{variant:8} scanned after pass 1: {sum(fails):.3f} n"
        if owns:
            line += f" (own distances first: {sum(owns):.3f} n)"
        print(line, " ".join(f"{f:.3f}" for f in fails[:8]), "...")


if __name__ == "__main__":
    main()
