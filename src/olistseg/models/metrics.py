"""Clustering metrics as pure functions ``f(X, labels)``.

:func:`silhouette_score` is exact (every point, every pair) and equals
``sklearn.metrics.silhouette_score`` to floating-point precision; :func:`silhouette_scores`
scores many labelings of the same points in one pass over the pairs. Both run one compiled
kernel that never holds an n x n matrix:

* the labelings are intersected into *cells* (points that every labeling puts together) and
  the points sorted by cell, so a point's distances to one cell are a contiguous sum; a
  cluster's sum is the sum of its cells. One pass over the pairs therefore serves every
  labeling: on Olist's 46 default candidates the pairs are visited once, not 46 times;
* several points (12 for 8 features) are processed together so each loaded column serves
  them all, and the feature loop is unrolled (the kernel is generated for the feature count
  padded to a multiple of 8; zero-padded features leave distances unchanged);
* the square root is a float32 reciprocal square root refined by one Newton step in float64
  (relative error about 1e-15, three times the throughput of a float64 square root here);
* on CPUs with AVX-512, numba is asked for 512-bit vectors (LLVM prefers 256-bit by default).

Measured in ``benchmarks/bench_silhouette.py``: 93,000 x 8 points on 2 cores take about 4 s
against about 70 s for scikit-learn.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path


def _prefer_512_bit_vectors() -> None:
    """Let numba emit AVX-512 code where the CPU has it.

    Numba fixes its target when it compiles its first function. Before numba is imported the
    environment is set; once it is imported, its config is (effective while nothing has been
    compiled yet; otherwise the default 256-bit code runs, about 1.5 times slower here).
    """
    if "NUMBA_CPU_FEATURES" in os.environ:
        return
    try:
        import llvmlite.binding as llvm  # numba's backend, loaded only to read CPU features

        features = llvm.get_host_cpu_features()
        if not features.get("avx512f"):
            return
        name, flags = llvm.get_host_cpu_name(), features.flatten() + ",-prefer-256-bit"
        if "numba" in sys.modules:
            config = sys.modules["numba"].config
            config.CPU_NAME, config.CPU_FEATURES = name, flags
        else:
            os.environ["NUMBA_CPU_NAME"], os.environ["NUMBA_CPU_FEATURES"] = name, flags
    except Exception:  # an optimisation only: the default target works
        return


_prefer_512_bit_vectors()

import numba  # noqa: E402
import numpy as np  # noqa: E402

_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}
#: Unrolled work per kernel iteration (points x features). More points share each loaded column:
#: on 93,000 x 8 points, 4 points take 5.3 s, 12 take 4.2 s; past ~100 the compile time grows.
_UNROLLED = 96
#: Tiles are handed out in this many fixed chunks, each with its own scratch buffers.
_CHUNKS = 64


def rows_per_tile(n_features: int) -> int:
    """How many points one kernel iteration processes for ``n_features`` padded features."""
    return max(2, _UNROLLED // n_features)


_KERNELS: dict[int, numba.core.registry.CPUDispatcher] = {}


# The kernel is generated as a module file so that numba can cache its machine code on disk
# (compiling it takes several seconds); the file name carries a hash of its source.
_TEMPLATE = """
import numba
import numpy as np

_FASTMATH = set({fastmath})


@numba.njit(inline="always", fastmath=_FASTMATH)
def _sqrt(squared):
    inverse = np.float64(np.float32(1.0) / np.sqrt(np.float32(squared)))
    inverse = inverse * (1.5 - 0.5 * squared * inverse * inverse)  # one Newton step
    return squared * inverse if squared > 0.0 else 0.0


@numba.njit(parallel=True, fastmath=_FASTMATH, cache={cache})
def kernel(points_t, starts, ends, point_cell, cell_slot, counts):
    n = point_cell.shape[0]
    m = starts.shape[0]
    n_labelings, n_slots = counts.shape
    excluded = n_slots - 1
    silhouettes = np.zeros((n_labelings, n))
    n_tiles = (n + {rows} - 1) // {rows}
    chunk_size = (n_tiles + {chunks} - 1) // {chunks}
    for chunk in numba.prange({chunks}):
        cell_sums = np.empty((m, {rows}))
        slot_sums = np.empty((n_labelings, n_slots, {rows}))
        for tile in range(chunk * chunk_size, min(n_tiles, (chunk + 1) * chunk_size)):
            i0 = min(tile * {rows}, n - {rows})
{load_rows}
            for c in range(m):
{zero_sums}
                for j in range(starts[c], ends[c]):
{load_column}
{distances}
{accumulate}
{store}
            slot_sums[:] = 0.0
            for l in range(n_labelings):
                for c in range(m):
                    slot = cell_slot[l, c]
                    for r in range({rows}):
                        slot_sums[l, slot, r] += cell_sums[c, r]
            for r in range({rows}):
                cell = point_cell[i0 + r]
                if cell < 0:
                    continue
                for l in range(n_labelings):
                    own = cell_slot[l, cell]
                    if own == excluded or counts[l, own] < 2.0:
                        continue  # excluded, or alone in its cluster (scores 0)
                    intra = slot_sums[l, own, r] / (counts[l, own] - 1.0)
                    nearest = np.inf
                    for slot in range(excluded):
                        if slot != own and counts[l, slot] > 0.0:
                            nearest = min(nearest, slot_sums[l, slot, r] / counts[l, slot])
                    denominator = max(intra, nearest)
                    if denominator > 0.0:
                        silhouettes[l, i0 + r] = (nearest - intra) / denominator
    return silhouettes
"""


def _kernel_dir() -> Path | None:
    """Where generated kernels are written (``OLISTSEG_KERNEL_DIR``, else the user cache)."""
    configured = os.environ.get("OLISTSEG_KERNEL_DIR")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "olistseg"
    folder = Path(configured) if configured else base / "kernels"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _load_module(source: str, name: str) -> dict:
    """Execute ``source`` from a cached file when a cache folder is writable, else in memory."""
    folder = _kernel_dir()
    if folder is None:
        namespace: dict = {}
        exec(compile(source.replace("cache=True", "cache=False"), name, "exec"), namespace)
        return namespace
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    path = folder / f"{name}_{digest}.py"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        tmp.replace(path)
    spec = importlib.util.spec_from_file_location(f"olistseg_kernel_{name}_{digest}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # numba's disk cache finds the module by its name
    spec.loader.exec_module(module)
    return vars(module)


def _kernel(n_features: int) -> numba.core.registry.CPUDispatcher:
    """The compiled silhouette kernel for ``n_features`` (a multiple of 8) features."""
    if n_features in _KERNELS:
        return _KERNELS[n_features]
    rows, features = range(rows_per_tile(n_features)), range(n_features)
    pad = " " * 20
    source = _TEMPLATE.format(
        fastmath=sorted(_FASTMATH),
        cache=True,
        rows=rows_per_tile(n_features),
        chunks=_CHUNKS,
        load_rows="\n".join(
            f"            a{r}_{f} = points_t[{f}, i0 + {r}]" for r in rows for f in features
        ),
        zero_sums="\n".join(f"                s{r} = 0.0" for r in rows),
        load_column="\n".join(f"{pad}v{f} = points_t[{f}, j]" for f in features),
        distances="\n".join(
            f"{pad}e = v{f} - a{r}_{f}\n{pad}q{r} {'=' if f == 0 else '+='} e * e"
            for r in rows
            for f in features
        ),
        accumulate="\n".join(f"{pad}s{r} += _sqrt(q{r})" for r in rows),
        store="\n".join(f"                cell_sums[c, {r}] = s{r}" for r in rows),
    )
    kernel = _load_module(source, f"silhouette_{n_features}")["kernel"]
    _KERNELS[n_features] = kernel
    return kernel


def _check_points(X: np.ndarray, n_labels: int) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) != n_labels:
        raise ValueError(f"X must be 2-D with one row per label; got {X.shape} and {n_labels}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values")
    return X


def _encode(labelings: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
    """Each labeling as slots 0..k-1 (negative labels -> -1), and the cell of every point.

    Returns ``(slots, cells, n_cells)``: ``slots`` (n_labelings, n_samples) and ``cells``
    (n_samples,), where a cell is a set of points that every labeling puts in the same slot.
    """
    slots = np.empty((len(labelings), len(labelings[0])), dtype=np.int64)
    cells = np.zeros(len(labelings[0]), dtype=np.int64)
    for index, labels in enumerate(labelings):
        kept = labels >= 0
        slots[index] = -1
        slots[index, kept] = np.unique(labels[kept], return_inverse=True)[1]
        _, cells = np.unique(
            cells * (slots[index].max() + 2) + slots[index] + 1, return_inverse=True
        )
    return slots, cells, int(cells.max()) + 1


def _silhouettes(X: np.ndarray, labelings: list[np.ndarray]) -> np.ndarray:
    """Silhouette of every sample under every labeling, shape (n_labelings, n_samples).

    Samples with a negative label are excluded from that labeling (they score 0 here and
    count in no cluster).
    """
    slots, cells, n_cells = _encode(labelings)
    n_slots = int(slots.max()) + 2  # the last slot collects excluded points
    cell_slot = np.full((len(labelings), n_cells), n_slots - 1, dtype=np.int64)
    for index in range(len(labelings)):
        kept = slots[index] >= 0
        cell_slot[index, cells[kept]] = slots[index, kept]
    cell_sizes = np.bincount(cells, minlength=n_cells)
    counts = np.zeros((len(labelings), n_slots))
    for index in range(len(labelings)):
        np.add.at(counts[index], cell_slot[index], cell_sizes)
    counts[:, -1] = 0.0
    ends = np.cumsum(cell_sizes)
    order = np.argsort(cells, kind="stable")
    n_padded = max(8, -(-X.shape[1] // 8) * 8)
    rows = rows_per_tile(n_padded)
    width = max(len(X), rows)  # the kernel reads `rows` points at a time
    points_t = np.zeros((n_padded, width))
    points_t[: X.shape[1], : len(X)] = X[order].T
    point_cell = np.full(width, -1, dtype=np.int64)
    point_cell[: len(X)] = cells[order]
    # Padding points lie outside every cell's range: they add nothing and score nothing.
    sorted_scores = _kernel(n_padded)(
        points_t, ends - cell_sizes, ends, point_cell, cell_slot, counts
    )
    scores = np.empty((len(labelings), len(X)))
    scores[:, order] = sorted_scores[:, : len(X)]
    return scores


def silhouette_samples(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Silhouette of each sample, shape (n_samples,), as scikit-learn defines it.

    Parameters
    ----------
    X : array of shape (n_samples, n_features), Euclidean space.
    labels : array of shape (n_samples,), one label per sample (any integers; -1 is an
        ordinary label here, as in scikit-learn).

    A sample alone in its cluster scores 0. Needs 2 <= n_labels <= n_samples - 1.
    """
    labels = np.asarray(labels)
    X = _check_points(X, len(labels))
    encoded = np.unique(labels, return_inverse=True)[1].reshape(-1)
    n_labels = int(encoded.max()) + 1 if len(encoded) else 0
    if not 2 <= n_labels <= len(labels) - 1:
        raise ValueError(
            f"Number of labels is {n_labels}. Valid values are 2 to n_samples - 1 (inclusive)"
        )
    return _silhouettes(X, [encoded])[0]


def silhouette_score(X: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette over every sample (exact, no sampling); see :func:`silhouette_samples`."""
    return float(np.mean(silhouette_samples(X, labels)))


def silhouette_scores(X: np.ndarray, labelings: list[np.ndarray]) -> list[float | None]:
    """Exact mean silhouette of each labeling of the same points, in one pass over the pairs.

    Parameters
    ----------
    X : array of shape (n_samples, n_features).
    labelings : list of arrays of shape (n_samples,). A negative label marks noise: the
        sample is left out of that labeling's score entirely, which equals
        ``silhouette_score(X[labels >= 0], labels[labels >= 0])``.

    Returns one score per labeling, ``None`` where the silhouette is undefined (fewer than 2
    clusters, or as many clusters as kept samples).
    """
    labelings = [np.asarray(labels).reshape(-1) for labels in labelings]
    if not labelings:
        return []
    X = _check_points(X, len(labelings[0]))
    if any(len(labels) != len(X) for labels in labelings):
        raise ValueError("every labeling needs one label per row of X")
    defined = []
    for labels in labelings:
        kept = labels >= 0
        defined.append(2 <= len(np.unique(labels[kept])) < kept.sum())
    usable = [labels for labels, ok in zip(labelings, defined, strict=True) if ok]
    scores = iter(_silhouettes(X, usable) if usable else [])
    out: list[float | None] = []
    for labels, ok in zip(labelings, defined, strict=True):
        out.append(float(next(scores)[labels >= 0].mean()) if ok else None)
    return out


#: Above this many points the silhouette (quadratic in n) is estimated on a sample.
SILHOUETTE_EXACT_MAX = 200_000
#: Size of that sample: about 1.5 s of pair work on 2 cores.
SILHOUETTE_SAMPLE = 50_000


def stratified_sample(strata: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of a random sample of ``size`` points, allocated over ``strata``.

    Proportional allocation by largest remainder: each stratum (integer label, shape
    (n_samples,)) gets ``size * n_h / n`` points rounded so that the total is ``size``, drawn
    without replacement with a seeded generator. Proportional allocation makes the sample
    self-weighting: its plain mean estimates the population mean.
    """
    strata = np.asarray(strata).reshape(-1)
    if size >= len(strata):
        return np.arange(len(strata))
    _values, inverse, counts = np.unique(strata, return_inverse=True, return_counts=True)
    quota = size * counts / len(strata)
    take = np.floor(quota).astype(np.int64)
    remainder_order = np.argsort(-(quota - take), kind="stable")
    take[remainder_order[: size - int(take.sum())]] += 1
    rng = np.random.default_rng(seed)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    chosen = [
        order[start + rng.choice(count, size=n_take, replace=False)]
        for start, count, n_take in zip(starts, counts, take, strict=True)
        if n_take
    ]
    return np.sort(np.concatenate(chosen))


def estimate_silhouettes(
    X: np.ndarray,
    labelings: list[np.ndarray],
    max_exact: int = SILHOUETTE_EXACT_MAX,
    sample_size: int = SILHOUETTE_SAMPLE,
    seed: int = 0,
) -> tuple[list[float | None], dict]:
    """:func:`silhouette_scores`, exact up to ``max_exact`` points, else on a stratified sample.

    The strata are the cells every labeling agrees on (for one labeling: its clusters, noise
    included), so each cluster of each labeling keeps its share in the sample. Returns the
    scores and how they were computed: ``{"method": "exact" | "stratified_sample",
    "population": n, "sample_size": m, "seed": seed}``; the output of every command shows it.
    """
    labelings = [np.asarray(labels).reshape(-1) for labels in labelings]
    population = len(X)
    if population <= max_exact or not labelings:
        info = {"method": "exact", "population": population, "sample_size": population}
        return silhouette_scores(X, labelings), info
    _slots, cells, _n_cells = _encode(labelings)
    index = stratified_sample(cells, sample_size, seed)
    scores = silhouette_scores(X[index], [labels[index] for labels in labelings])
    info = {
        "method": "stratified_sample",
        "population": population,
        "sample_size": len(index),
        "seed": seed,
        "strata": "cells every labeling agrees on, proportional allocation",
    }
    return scores, info
