"""Existing implementations, the seed's last rung ("use an existing implementation"),
each from the same points and initial centers as every rung, on the same threads.

Each `fit(points, initial, passes)` returns `(labels, iterations)`. With `passes=None`
it runs to convergence by its own stop rule, set as strictly as it allows (scikit-learn:
`tol=0`, stops when no label changes; dask-ml: the smallest positive tolerance); with a
number it runs exactly that many passes (faiss always does: it has no stop rule, so the
caller gives it the reference's passes).
"""

import numpy as np


def sklearn_fit(algorithm):
    def fit(points, initial, passes):
        from sklearn.cluster import KMeans

        km = KMeans(len(initial), init=initial, n_init=1, algorithm=algorithm, tol=0.0,
                    max_iter=passes or 1000)
        km.fit(points)
        return km.labels_, km.n_iter_

    return fit


def sklearnex_fit(points, initial, passes):
    from sklearnex.cluster import KMeans

    km = KMeans(len(initial), init=initial, n_init=1, algorithm="lloyd", tol=0.0,
                max_iter=passes or 1000)
    km.fit(points)
    return km.labels_, km.n_iter_


def faiss_fit(points, initial, passes):
    """faiss in float32 (its only precision), `max_points_per_centroid` raised so that it
    never subsamples; labels from a search of its final centroids."""
    import faiss

    x32, c32 = points.astype(np.float32), initial.astype(np.float32)
    km = faiss.Kmeans(points.shape[1], len(initial), niter=passes,
                      max_points_per_centroid=1 << 30, seed=0)
    km.train(x32, init_centroids=c32)
    _, labels = km.index.search(x32, 1)
    return labels[:, 0], passes


def dask_ml_fit(points, initial, passes):
    from dask import array as da
    from dask_ml.cluster import KMeans

    km = KMeans(n_clusters=len(initial), init=initial, max_iter=passes or 1000,
                tol=np.finfo(float).tiny, random_state=0)
    km.fit(da.from_array(points, 1000))
    return np.asarray(km.labels_), km.n_iter_
