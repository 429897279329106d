# cython: language_level=3, boundscheck=False, wraparound=False
"""The seed's Cython rung: `find_labels` with typed memoryviews (its third version), the
nearest center by the contract's formula (squared differences summed in feature order,
the lowest index on a tie). Compiled on first import by pyximport."""

import numpy as np


cdef double dist(double[:] x, double[:] y):
    """Calculate the distance"""
    cdef double dist = 0
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        dist += (x[i] - y[i]) ** 2
    return dist


def find_labels(double[:, :] points, double[:, :] centers):
    """Assign points to a cluster."""
    cdef Py_ssize_t n_points = points.shape[0]
    cdef Py_ssize_t n_centers = centers.shape[0]
    cdef long[:] labels = np.zeros(n_points, dtype=np.int_)
    cdef double distance, nearest_distance
    cdef Py_ssize_t i, j, nearest_index
    for i in range(n_points):
        nearest_distance = np.inf
        nearest_index = 0
        for j in range(n_centers):
            distance = dist(points[i], centers[j])
            if distance < nearest_distance:
                nearest_distance = distance
                nearest_index = j
        labels[i] = nearest_index
    return np.asarray(labels)
