"""The seed's Python ladder, rung by rung, as the seed documents write it
(`../shared/seeds/`), with the contract's two changes everywhere: an empty cluster keeps
its previous center (the seed's `len(set(labels))` would drop it), and a bound on the
passes. Each `fit(points, initial, max_iter)` runs Lloyd from `initial` until the centers
stop changing and returns `(labels, iterations)`.

Every rung stops the seed's way (`centers == old_centers`, exactly), so its passes are
the seed's; its labels are checked against the Rust `naive` before it is timed.
"""

import os

import numpy as np

import seed_kmeans


def lloyd(find_labels, compute_centers, points, initial, max_iter):
    """The seed's loop around a rung's two steps."""
    centers = initial
    iterations = 0
    while True:
        old_centers = centers
        labels = find_labels(points, centers)
        iterations += 1
        centers = compute_centers(points, labels, old_centers)
        if np.array_equal(centers, old_centers) or iterations >= max_iter:
            return np.asarray(labels), iterations


# 1. Pure Python: the seed's own code (seed_kmeans.py, also the tests' oracle).


def pure_python(points, initial, max_iter):
    labels, _, iterations, _ = seed_kmeans.kmeans(points.tolist(), initial.tolist(), max_iter)
    return np.asarray(labels), iterations


# 2. NumPy broadcasting.


def numpy_find_labels(points, centers):
    diff = (points[:, None, :] - centers) ** 2
    distances = diff.sum(-1)
    return distances.argmin(1)


def numpy_compute_centers(points, labels, old):
    return np.array([
        points[labels == i].mean(0) if np.any(labels == i) else old[i]
        for i in range(len(old))
    ])


def numpy_fit(points, initial, max_iter):
    return lloyd(numpy_find_labels, numpy_compute_centers, points, initial, max_iter)


# 3. Special data structures: scipy's KD-tree, pandas' group-by.


def kdtree_find_labels(points, centers):
    from scipy.spatial import cKDTree

    _, labels = cKDTree(centers).query(points, 1)
    return labels


def pandas_compute_centers(points, labels, old):
    import pandas as pd

    means = pd.DataFrame(points).groupby(labels).mean()
    centers = old.copy()
    centers[means.index.to_numpy()] = means.to_numpy()
    return centers


def kdtree_pandas_fit(points, initial, max_iter):
    return lloyd(kdtree_find_labels, pandas_compute_centers, points, initial, max_iter)


# 4. Cython: the typed find_labels (find_labels.pyx), NumPy's centers.


def cython_fit(points, initial, max_iter):
    find_labels = cython_module().find_labels
    return lloyd(find_labels, numpy_compute_centers, points, initial, max_iter)


def cython_module():
    import pyximport

    build = os.environ.get("LADDER_PYX_BUILD")
    pyximport.install(build_dir=build, language_level=3)
    from pyladder import find_labels

    return find_labels


# 5. Numba: the seed's jitted find_labels (with its nearest distance reset for each
# point, which the seed's listing forgets), and the centers jitted too.

_NUMBA = {}


def numba_kernels(parallel):
    if parallel in _NUMBA:
        return _NUMBA[parallel]
    import numba
    from numba import prange

    @numba.jit(nopython=True)
    def dist(x, y):
        dist = 0.0
        for i in range(len(x)):
            dist += (x[i] - y[i]) ** 2
        return dist

    @numba.jit(nopython=True, parallel=parallel)
    def find_labels(points, centers):
        labels = np.empty(len(points), dtype=np.int64)
        for i in prange(len(points)):
            min_dist, min_label = np.inf, 0
            for j in range(len(centers)):
                distance = dist(points[i], centers[j])
                if distance < min_dist:
                    min_dist, min_label = distance, j
            labels[i] = min_label
        return labels

    @numba.jit(nopython=True)
    def compute_centers(points, labels, old):
        sums = np.zeros_like(old)
        counts = np.zeros(len(old), dtype=np.int64)
        for i in range(len(points)):
            counts[labels[i]] += 1
            for f in range(points.shape[1]):
                sums[labels[i], f] += points[i, f]
        for j in range(len(old)):
            for f in range(points.shape[1]):
                sums[j, f] = sums[j, f] / counts[j] if counts[j] else old[j, f]
        return sums

    _NUMBA[parallel] = (find_labels, compute_centers)
    return _NUMBA[parallel]


def numba_fit(points, initial, max_iter):
    find_labels, compute_centers = numba_kernels(False)
    return lloyd(find_labels, compute_centers, points, initial, max_iter)


def numba_prange_fit(points, initial, max_iter):
    find_labels, compute_centers = numba_kernels(True)
    return lloyd(find_labels, compute_centers, points, initial, max_iter)


# 6. Dask: the NumPy assignment on dask arrays (chunks of 1000 points, centers in chunks
# of 5), the centers by a dask dataframe group-by, computed every pass (the seed's second
# listing: the labels as a column; its first, a group-by on another frame, no longer
# runs on current dask).


def dask_fit(points, initial, max_iter):
    from dask import array as da
    from dask import dataframe as dd

    def find_labels(points, centers):
        diff = points[:, None, :] - centers
        distances = (diff**2).sum(-1)
        return distances.argmin(1)

    columns = [f"x{f}" for f in range(points.shape[1])]

    def compute_centers(points, labels):
        points_df = dd.from_dask_array(points, columns=columns)
        points_df["label"] = dd.from_dask_array(labels)
        return points_df.groupby("label")[columns].mean()

    centers = initial
    points = da.from_array(points, 1000)
    iterations = 0
    while True:
        old_centers = centers
        labels = find_labels(points, da.from_array(centers, 5))
        means = compute_centers(points, labels).compute()
        iterations += 1
        centers = old_centers.copy()
        centers[means.index.to_numpy()] = means.to_numpy()
        if np.all(centers == old_centers) or iterations >= max_iter:
            return labels.compute(), iterations
