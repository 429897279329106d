#!/usr/bin/env python3
"""The seed's Python ladder, measured beside the Rust rungs in the same run.

`cargo bench` runs this in its own virtual environment (scripts/pyladder/requirements.txt)
on the very points, initial centers and `naive` labels the Rust ladder used (.npy files
it writes). For every rung and existing implementation, in turn:

1. one fit, whose labels and passes are checked against `naive`'s (a disagreement is
   recorded and shown in the report, never hidden); it is also the warm-up (numba's
   compile, pyximport's build, caches);
2. timed fits, as criterion does: repeated until a second is spent (at least 10, at
   most 100), the median with a bootstrap 95 % interval; the slow rungs (pure Python,
   Dask, dask-ml) take 3 fits, their min and max as the interval (with `--quick`: 5
   fits of the others, and the checked fit alone of the slow ones);
3. one fit under `tracemalloc`, whose peak is the row's memory (what Python and NumPy
   allocate; native libraries' own buffers — faiss, oneDAL, numba's runtime — are not
   seen), after the warm-up so that imports and first-use caches do not count;
4. for the pure-Python rung, one fit under `line_profiler`: the seed's `%lprun`.

A rung whose packages do not import is listed as absent, with why.

usage: python_ladder.py --points P.npy --initial C.npy --labels L.npy --iterations N
                        --out OUT.json [--threads 2] [--quick] [--root WORKSPACE]
"""

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_kmeans  # noqa: E402
from pyladder import existing, rungs  # noqa: E402

MAX_ITER = 1000


@dataclass
class Entry:
    name: str
    kind: str  # "rung" (the seed's ladder) or "existing"
    summary: str
    packages: list
    fit: object  # fit(points, initial, passes) -> (labels, iterations)
    seed_figure: dict | None = None
    slow: bool = False
    fixed_passes: bool = False  # runs the reference's passes (faiss: no stop rule)
    extra: dict = field(default_factory=dict)


def seed(seconds, note):
    return {"seconds": seconds, "note": note}


def ladder(max_iter):
    fit = lambda f: (lambda x, c, _passes: f(x, c, max_iter))  # noqa: E731
    # What the seed documents timed: a whole fit of this workload, except where said
    # (their Cython and Numba figures time one find_labels call with the first 10 points
    # as centers; their scikit-learn figure, KMeans(4).fit_predict: k = 4, k-means++).
    whole = "whole fit"
    return [
        Entry("pure Python", "rung", "the seed's own code: lists, a generator per distance, "
              "distances.index(min(distances))", [], fit(rungs.pure_python),
              seed(2.76, whole), slow=True),
        Entry("NumPy", "rung", "broadcasting: an n×k×d difference array, summed, argmin; "
              "centers by a boolean mask per cluster", ["numpy"], fit(rungs.numpy_fit),
              seed(0.076, whole)),
        Entry("cKDTree + pandas", "rung", "scipy's KD-tree over the centers for the labels, "
              "a pandas group-by mean for the centers", ["scipy", "pandas"],
              fit(rungs.kdtree_pandas_fit), seed(0.0536, whole)),
        Entry("Cython", "rung", "the seed's typed find_labels (memoryviews), NumPy's centers",
              ["Cython", "numpy"], fit(rungs.cython_fit),
              seed(347e-6, "find_labels alone, one pass")),
        Entry("Numba", "rung", "the seed's @numba.jit(nopython=True) find_labels, and the "
              "centers jitted too; compile excluded (the check fit warms it)", ["numba"],
              fit(rungs.numba_fit),
              seed(106e-6, "find_labels alone, one pass")),
        Entry("Numba prange", "rung", "find_labels with numba's prange over the points",
              ["numba"], fit(rungs.numba_prange_fit)),
        Entry("Dask", "rung", "the NumPy assignment on dask arrays (chunks of 1000 points), "
              "the centers by a dask dataframe group-by, computed every pass",
              ["dask", "pandas"], fit(rungs.dask_fit), seed(1.34, whole), slow=True),
        Entry("scikit-learn lloyd", "existing", "sklearn.cluster.KMeans(algorithm='lloyd', "
              "init=the same centers, n_init=1, tol=0)", ["scikit-learn"],
              existing.sklearn_fit("lloyd"),
              seed(2.24e-3, "KMeans(4).fit_predict: other work")),
        Entry("scikit-learn elkan", "existing", "sklearn.cluster.KMeans(algorithm='elkan', "
              "init=the same centers, n_init=1, tol=0)", ["scikit-learn"],
              existing.sklearn_fit("elkan")),
        Entry("scikit-learn-intelex", "existing", "oneDAL's KMeans through sklearnex "
              "(lloyd, the same centers, tol=0)", ["scikit-learn-intelex"],
              existing.sklearnex_fit),
        Entry("faiss", "existing", "faiss.Kmeans in float32, max_points_per_centroid "
              "raised so that it never subsamples, naive's number of passes (it has no "
              "stop rule)", ["faiss-cpu"], existing.faiss_fit, fixed_passes=True),
        Entry("dask-ml", "existing", "dask_ml.cluster.KMeans from the same centers, "
              "tolerance the smallest positive double", ["dask-ml"], existing.dask_ml_fit,
              slow=True),
    ]


IMPORTS = {
    "numpy": "numpy", "scipy": "scipy.spatial", "pandas": "pandas", "Cython": "pyximport",
    "numba": "numba", "dask": "dask.dataframe", "scikit-learn": "sklearn.cluster",
    "scikit-learn-intelex": "sklearnex", "faiss-cpu": "faiss", "dask-ml": "dask_ml.cluster",
}


def missing(entry):
    """Why the entry cannot run here, or None."""
    import importlib

    for package in entry.packages:
        try:
            importlib.import_module(IMPORTS[package])
        except Exception as e:  # an import can fail in many ways; all mean "absent"
            return f"{package} does not import: {type(e).__name__}: {e}".splitlines()[0]
    return None


def versions(entry):
    out = {"python": platform.python_version()}
    for package in entry.packages:
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "unknown"
    return out


def set_threads(threads):
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    except ImportError:
        pass
    for setter in ("numba:set_num_threads", "faiss:omp_set_num_threads"):
        module, name = setter.split(":")
        try:
            getattr(__import__(module), name)(threads)
        except ImportError:
            pass
    try:
        import dask

        dask.config.set(scheduler="threads", num_workers=threads)
    except ImportError:
        pass


def timed(fit, slow, quick):
    """Whole-fit seconds: 3 fits of a slow rung; else fits until the budget is spent
    (10 to 100 in a second; 5 in half a second when quick)."""
    if slow:
        count, budget = 3, 0.0
    else:
        count, budget = (5 if quick else 10), (0.5 if quick else 1.0)
    samples, start = [], time.perf_counter()
    while len(samples) < count or (time.perf_counter() - start < budget and len(samples) < 100):
        t = time.perf_counter()
        fit()
        samples.append(time.perf_counter() - t)
    return samples


def timing(samples):
    median = float(np.median(samples))
    if len(samples) >= 10:
        rng = np.random.default_rng(0)
        boot = np.median(rng.choice(samples, (2000, len(samples))), axis=1)
        low, high = np.percentile(boot, [2.5, 97.5])
        source = f"{len(samples)} fits, bootstrap 95 % CI of the median"
    else:
        low, high = min(samples), max(samples)
        source = f"{len(samples)} fit{'s' if len(samples) > 1 else ''}, min–max"
    return {"median_seconds": median, "ci_low_seconds": float(low),
            "ci_high_seconds": float(high), "samples": len(samples), "source": source}


def traced(fit):
    """tracemalloc's peak over one fit, and the fit's result."""
    tracemalloc.start()
    try:
        out = fit()
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


def line_profile(fit, root):
    """The seed's `%lprun` over its four functions: each line's hits, seconds and share
    of the whole fit (kmeans's own time)."""
    from line_profiler import LineProfiler
    import linecache

    functions = [seed_kmeans.kmeans, seed_kmeans.find_labels, seed_kmeans.compute_centers,
                 seed_kmeans.dist]
    lp = LineProfiler(*functions)
    lp.runcall(fit)
    stats = lp.get_stats()
    total = sum(t for (_, _, name), lines in stats.timings.items() if name == "kmeans"
                for _, _, t in lines) * stats.unit
    out = []
    for (filename, _, name), lines in stats.timings.items():
        for lineno, hits, t in lines:
            out.append({"function": name, "file": os.path.relpath(filename, root),
                        "line": lineno, "hits": hits, "seconds": t * stats.unit,
                        "share": t * stats.unit / total if total else 0.0,
                        "source": linecache.getline(filename, lineno).strip()})
    order = {f.__name__: i for i, f in enumerate(functions)}
    out.sort(key=lambda r: (order.get(r["function"], 9), r["line"]))
    return out


def measure(entry, x, c, reference, args):
    passes = reference["iterations"] if entry.fixed_passes else None
    run = lambda: entry.fit(x, c, passes)  # noqa: E731
    start = time.perf_counter()
    labels, iterations = run()  # the check, and the warm-up
    checked = time.perf_counter() - start
    row = {"name": entry.name, "kind": entry.kind, "summary": entry.summary,
           "labels": [int(v) for v in labels], "iterations": int(iterations),
           "versions": versions(entry), "seed_figure": entry.seed_figure}
    if entry.slow and args.quick:
        row["timing"] = timing([checked])
        row["timing"]["source"] = "1 fit (the checked one; quick mode)"
    else:
        row["timing"] = timing(timed(run, entry.slow, args.quick))
    # After the warm-up, so that imports and first-use caches are not counted.
    row["peak_bytes"] = traced(run)[0]
    if entry.name == "pure Python":
        try:
            row["line_profile"] = line_profile(run, args.root)
        except ImportError as e:
            row["line_profile_absent"] = f"line_profiler does not import: {e}"
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", required=True)
    p.add_argument("--initial", required=True)
    p.add_argument("--labels", required=True, help="naive's labels, to check against")
    p.add_argument("--iterations", type=int, required=True, help="naive's passes")
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", help="comma-separated row names (default: all)")
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = p.parse_args()
    set_threads(args.threads)
    x = np.ascontiguousarray(np.load(args.points), dtype=np.float64)
    c = np.ascontiguousarray(np.load(args.initial), dtype=np.float64)
    reference = {"labels": np.load(args.labels), "iterations": args.iterations}
    rows, absent = [], []
    for entry in ladder(MAX_ITER):
        if args.only and entry.name not in args.only.split(","):
            continue
        why = missing(entry)
        if why is None:
            try:
                rows.append(measure(entry, x, c, reference, args))
            except Exception as e:  # a peer that fails here is reported, not fatal
                why = f"failed: {type(e).__name__}: {e}".splitlines()[0]
        if why is not None:
            absent.append({"name": entry.name, "why": why})
        print(f"{entry.name}: {'absent: ' + why if why else 'measured'}", file=sys.stderr)
    out = {"python": platform.python_version(), "implementation": platform.python_implementation(),
           "threads": args.threads, "quick": args.quick, "rows": rows, "absent": absent}
    with open(args.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
