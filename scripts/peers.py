#!/usr/bin/env python3
"""The Python peers beside the ladder's stages, measured in one run on one machine.

Five workloads (the seed fit, and four of `make_blobs(N, centers=k, n_features=d,
cluster_std=1.0, random_state=0)` at 20 passes with no early stop), every implementation
from the same points and the same last-k initial centers, on the same number of threads.
Rounds are interleaved (every implementation once per round, in turn) and each figure is
the median over rounds of a whole fit's seconds divided by its passes (the seed row: of a
whole fit to convergence); the spread is the min and max. The ladder's stages run as `ladder fit --stage S --repeat 1` on the very
points the peers fit (written to .npy by this script), so generation and file reading
are outside every clock.

Peers: faiss-cpu (float32, `max_points_per_centroid` raised so it never subsamples),
scikit-learn lloyd and elkan, scikit-learn-intelex (oneDAL) lloyd, and the seed's numba
`prange` assignment with a serial update (skipped where n*k*d is above 2e8: minutes).

usage: peers.py --ladder target/release/ladder [--stages parallel,pruned] [--rounds 3]
                [--threads 2] [--workloads seed,1m2,...] [--json OUT.json] [--markdown OUT.md]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_blobs


@dataclass(frozen=True)
class Workload:
    name: str
    n: int
    d: int
    k: int
    blobs: int
    std: float
    passes: int | None  # None: the seed fit, run to convergence

    def points(self):
        x, _ = make_blobs(
            n_samples=self.n,
            centers=self.blobs,
            n_features=self.d,
            cluster_std=self.std,
            random_state=0,
        )
        return np.ascontiguousarray(x)


WORKLOADS = [
    Workload("seed", 5000, 2, 10, 4, 0.6, None),
    Workload("1m2", 1_000_000, 2, 10, 10, 1.0, 20),
    Workload("100k16", 100_000, 16, 100, 100, 1.0, 20),
    Workload("1m16", 1_000_000, 16, 100, 100, 1.0, 20),
    Workload("200k64", 200_000, 64, 256, 256, 1.0, 20),
]


def label(w):
    if w.passes is None:
        return f"seed {w.n}×{w.d}, k={w.k}, whole fit"
    return f"{w.n:_}×{w.d}, k={w.k}".replace("_", " ")


# Each peer: fit(points, initial, w) -> passes it ran; the caller times it.


def faiss_fit(x, c, w):
    import faiss

    x32, c32 = x.astype(np.float32), c.astype(np.float32)
    niter = w.passes or 54
    km = faiss.Kmeans(w.d, w.k, niter=niter, max_points_per_centroid=1 << 30, seed=0)
    km.train(x32, init_centroids=c32)
    return niter


def sklearn_fit(algorithm):
    def fit(x, c, w):
        from sklearn.cluster import KMeans

        km = KMeans(w.k, init=c, n_init=1, algorithm=algorithm, tol=0.0, max_iter=w.passes or 1000)
        km.fit(x)
        return km.n_iter_

    return fit


def sklearnex_fit(x, c, w):
    from sklearnex.cluster import KMeans

    km = KMeans(w.k, init=c, n_init=1, algorithm="lloyd", tol=0.0, max_iter=w.passes or 1000)
    km.fit(x)
    return km.n_iter_


_NUMBA = None


def numba_kernels():
    global _NUMBA
    if _NUMBA is None:
        from numba import njit, prange

        @njit(parallel=True, cache=False)
        def find_labels(points, centers, labels):
            for i in prange(points.shape[0]):
                best, best_j = np.inf, 0
                for j in range(centers.shape[0]):
                    s = 0.0
                    for f in range(points.shape[1]):
                        t = points[i, f] - centers[j, f]
                        s += t * t
                    if s < best:
                        best, best_j = s, j
                labels[i] = best_j

        @njit(cache=False)
        def compute_centers(points, labels, old):
            sums = np.zeros_like(old)
            counts = np.zeros(old.shape[0])
            for i in range(points.shape[0]):
                j = labels[i]
                counts[j] += 1
                for f in range(points.shape[1]):
                    sums[j, f] += points[i, f]
            for j in range(old.shape[0]):
                for f in range(points.shape[1]):
                    sums[j, f] = sums[j, f] / counts[j] if counts[j] else old[j, f]
            return sums

        _NUMBA = (find_labels, compute_centers)
    return _NUMBA


def numba_fit(x, c, w):
    find_labels, compute_centers = numba_kernels()
    labels = np.empty(len(x), dtype=np.int64)
    centers, passes = c.copy(), 0
    while True:
        find_labels(x, centers, labels)
        new = compute_centers(x, labels, centers)
        passes += 1
        if w.passes is None and np.array_equal(new, centers):
            return passes
        centers = new
        if passes == (w.passes or 1000):
            return passes


PEERS = {
    "faiss (float32)": faiss_fit,
    "sklearnex": sklearnex_fit,
    "sklearn lloyd": sklearn_fit("lloyd"),
    "sklearn elkan": sklearn_fit("elkan"),
    "numba prange": numba_fit,
}


def ladder_fit(binary, stage, path, w):
    out = path + f".{stage}.json"
    args = [binary, "fit", "--input", path, "--k", str(w.k), "--stage", stage]
    # Warm in the same process, as the peers are: a warm-up fit, then the median of a few.
    args += ["--repeat", "20" if w.passes is None else "2", "--out", out]
    if w.passes is not None:
        args += ["--max-iter", str(w.passes), "--no-early-stop"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        r = json.load(f)
    return r["timing"]["median_seconds"], r["iterations"]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for dist in ["numpy", "scikit-learn", "scikit-learn-intelex", "faiss-cpu", "numba"]:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "missing"
    return out


def commit():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def measure(args):
    from threadpoolctl import threadpool_limits

    import faiss
    import numba

    faiss.omp_set_num_threads(args.threads)
    numba.set_num_threads(args.threads)
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)
    chosen = [w for w in WORKLOADS if w.name in args.workloads]
    results = {}
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(args.threads):
        for w in chosen:
            x = w.points()
            c = np.ascontiguousarray(x[-w.k :])
            path = os.path.join(tmp, w.name + ".npy")
            np.save(path, x)
            runs = {f"ladder {s}": (lambda s=s: ladder_fit(args.ladder, s, path, w)) for s in args.stages}
            for name, fit in PEERS.items():
                if name == "numba prange" and w.n * w.k * w.d > 200_000_000:
                    continue
                runs[name] = lambda fit=fit: timed(fit, x, c, w)
            for fit in runs.values():  # warm-up: numba's compile, faiss's threads, caches
                fit()
            samples = {name: [] for name in runs}
            for _ in range(args.rounds):
                for name, fit in runs.items():
                    seconds, passes = fit()
                    per = 1 if w.passes is None else passes  # the seed row: whole fits
                    samples[name].append((seconds / per, passes))
            results[w.name] = {
                name: {
                    "median_ms": 1e3 * statistics.median(s for s, _ in v),
                    "min_ms": 1e3 * min(s for s, _ in v),
                    "max_ms": 1e3 * max(s for s, _ in v),
                    "passes": v[0][1],
                }
                for name, v in samples.items()
            }
            print(f"{w.name}: done", file=sys.stderr)
    return chosen, results


def timed(fit, x, c, w):
    t = time.perf_counter()
    passes = fit(x, c, w)
    return time.perf_counter() - t, passes


def markdown(chosen, results, meta, best):
    names = list(next(iter(results.values())).keys())
    lines = [
        f"Measured {meta['date']} on {meta['cpu']} ({meta['cpus']} logical CPUs), "
        f"{meta['threads']} threads everywhere, commit {meta['commit']}; {meta['rounds']} "
        "interleaved rounds, medians (min–max), milliseconds per pass (a whole fit over its "
        "passes; the seed row is a whole fit to convergence). "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
        + ".",
        "",
        "| workload | " + " | ".join(names) + f" | best peer ÷ {best} |",
        "|---|" + "---:|" * (len(names) + 1),
    ]
    for w in chosen:
        row = results[w.name]
        cells = []
        for name in names:
            r = row.get(name)
            cells.append("—" if r is None else f"{r['median_ms']:.3g} ({r['min_ms']:.3g}–{r['max_ms']:.3g})")
        peers = [r["median_ms"] for name, r in row.items() if not name.startswith("ladder")]
        ours = row.get(best)
        ratio = f"{min(peers) / ours['median_ms']:.1f}×" if ours and peers else "—"
        lines.append(f"| {label(w)} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ladder", required=True, help="the ladder binary (cargo build --release)")
    p.add_argument("--stages", default="parallel,pruned", help="the ladder's stages to time")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workloads", default=",".join(w.name for w in WORKLOADS))
    p.add_argument("--json", help="write every figure here")
    p.add_argument("--markdown", help="write the table here")
    args = p.parse_args()
    args.stages = [s for s in args.stages.split(",") if s]
    args.workloads = args.workloads.split(",")
    if not os.access(args.ladder, os.X_OK):
        sys.exit(f"peers.py: --ladder {args.ladder}: not an executable; build it with cargo build --release")
    chosen, results = measure(args)
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "cpu": cpu_name(),
        "cpus": os.cpu_count(),
        "threads": args.threads,
        "rounds": args.rounds,
        "commit": commit(),
        "versions": versions(),
    }
    best = f"ladder {args.stages[-1]}" if args.stages else None
    table = markdown(chosen, results, meta, best)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
