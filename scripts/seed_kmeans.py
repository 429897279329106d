#!/usr/bin/env python3
"""The seed documents' pure-Python k-means, as the oracle `naive` is checked against.

The functions are the seed's, with two changes the contract needs: an empty cluster keeps
its previous center (the seed's `len(set(labels))` would drop it), and a `max_iter` bound.
Everything else -- `dist`, `distances.index(min(distances))`, the per-point list sums,
the `centers == old_centers` stop test -- is the seed's code.

usage: seed_kmeans.py POINTS.npy INITIAL_CENTERS.npy [--max-iter M]
prints JSON: {"iterations": ..., "converged": ..., "labels": [...], "centers": [[...]]}
"""

import argparse
import json

import numpy as np


def dist(x, y):
    """Calculate the distance"""
    return sum((xi - yi) ** 2 for xi, yi in zip(x, y))


def find_labels(points, centers):
    """Assign points to a cluster."""
    labels = []
    for point in points:
        distances = [dist(point, center) for center in centers]
        labels.append(distances.index(min(distances)))
    return labels


def compute_centers(points, labels, old_centers):
    """Calculate the cluster centres (an empty cluster keeps its old center)."""
    n_centers = len(old_centers)
    n_dims = len(points[0])
    centers = [[0 for i in range(n_dims)] for j in range(n_centers)]
    counts = [0 for j in range(n_centers)]
    for label, point in zip(labels, points):
        counts[label] += 1
        centers[label] = [a + b for a, b in zip(centers[label], point)]
    return [
        [x / count for x in center] if count else list(old)
        for center, count, old in zip(centers, counts, old_centers)
    ]


def kmeans(points, centers, max_iter):
    """Calculates the cluster centres repeatedly until nothing changes."""
    iterations = 0
    while True:
        old_centers = centers
        labels = find_labels(points, centers)
        iterations += 1
        centers = compute_centers(points, labels, old_centers)
        if centers == old_centers:
            return labels, centers, iterations, True
        if iterations >= max_iter:
            return labels, centers, iterations, False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("points")
    parser.add_argument("initial_centers")
    parser.add_argument("--max-iter", type=int, default=1000)
    args = parser.parse_args()
    points = np.load(args.points).tolist()
    centers = np.load(args.initial_centers).tolist()
    labels, centers, iterations, converged = kmeans(points, centers, args.max_iter)
    print(json.dumps({"iterations": iterations, "converged": converged,
                      "labels": labels, "centers": centers}))


if __name__ == "__main__":
    main()
