"""Choosing configurations to label, and judging the predicted error.

    farthest_point_sampling(X, k, first, seed, chosen_before, metric)
                                              greedy max-min selection of k rows: points
                                              (Euclidean) or a kernel matrix (kernel distance)
    frame_descriptor(potential, atoms, sigma, threshold)
                                              one vector per configuration: the mean SOAP vector
                                              of its uncertain atoms (sigma > threshold)
    spearman(a, b)                            Spearman rank correlation (ties get average ranks)
"""

from __future__ import annotations

import numpy as np

__all__ = ["farthest_point_sampling", "frame_descriptor", "spearman", "rankdata"]


def farthest_point_sampling(X: np.ndarray, k: int, first: int | None = None, seed: int = 0,
                            chosen_before: np.ndarray | None = None, metric: str = "euclidean") -> list[int]:
    """Indices of k rows chosen greedily, each the farthest from those chosen before.

    metric="euclidean": X holds points (rows), Euclidean distance; picking stops early when the
        remaining rows coincide with chosen points, and k may exceed the number of rows.
    metric="kernel": X is a square kernel matrix, distance sqrt(k_ii + k_jj - 2 k_ij)
        (soapgap.molecules.kernel_distance); exactly k rows are returned (1 <= k <= rows).
    first: the first row; None: drawn with `seed` (reproducible). With chosen_before (rows of
    points already selected, e.g. configurations labelled earlier; euclidean only), every pick,
    the first included, is the row farthest from those and from the earlier picks.
    Deterministic: ties go to the lowest index."""
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    if metric == "kernel":
        from .molecules.kernels import kernel_distance

        if not 0 < k <= n:
            raise ValueError("farthest_point_sampling: n = %d outside 1..%d" % (k, n))
        D = kernel_distance(X)
        row, stop = (lambda i: D[i]), -1.0
    elif metric == "euclidean":
        if n == 0 or k <= 0:
            return []
        row, stop = (lambda i: ((X - X[i]) ** 2).sum(axis=1)), 1e-14
    else:
        raise ValueError("farthest_point_sampling: metric = %r: expected \"euclidean\" or \"kernel\"" % (metric,))
    chosen = []
    if chosen_before is not None and len(chosen_before):
        if metric != "euclidean":
            raise ValueError("farthest_point_sampling: chosen_before needs metric=\"euclidean\"")
        B = np.asarray(chosen_before, dtype=float)
        d = ((X[:, None, :] - B[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    else:
        if first is None:
            first = int(np.random.default_rng(seed).integers(n))
        if not 0 <= first < n:
            raise ValueError("farthest_point_sampling: first = %d outside 0..%d" % (first, n - 1))
        chosen = [int(first)]
        d = row(first).copy()
    while len(chosen) < min(k, n):
        nxt = int(np.argmax(d))
        if d[nxt] <= stop:
            break
        chosen.append(nxt)
        d = np.minimum(d, row(nxt))
    return chosen


def frame_descriptor(potential, atoms, sigma: np.ndarray, threshold: float) -> np.ndarray:
    """The descriptor of a configuration for farthest-point sampling: the mean of the (unit)
    SOAP vectors of the atoms whose predicted sigma exceeds threshold (all atoms when none
    does), normalised to unit length; the SOAP terms of the potential are concatenated (other
    terms are used only if the potential has no SOAP term)."""
    sigma = np.asarray(sigma, dtype=float)
    mask = sigma > threshold
    if not mask.any():
        mask = np.ones(len(atoms), dtype=bool)
    terms = potential.environments(atoms)
    soap = [t for t in terms if t["type"] == "soap"] or terms
    parts = []
    for t in soap:
        q = np.asarray(t["q"])
        atom = np.asarray(t["atom"])
        sel = mask[atom]
        if not sel.any():
            sel = np.ones(len(atom), dtype=bool)
        qs = q[sel]
        norms = np.linalg.norm(qs, axis=1, keepdims=True)
        qs = qs / np.where(norms > 0, norms, 1.0)
        parts.append(qs.mean(axis=0))
    v = np.concatenate(parts)
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


def rankdata(a) -> np.ndarray:
    """Ranks 1..n of a; tied values share their average rank."""
    a = np.asarray(a, dtype=float)
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(len(a))
    sorted_a = a[order]
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and sorted_a[j + 1] == sorted_a[i]:
            j += 1
        ranks[order[i: j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return ranks


def spearman(a, b) -> float:
    """Spearman's rank correlation of two equal-length sequences (NaN for fewer than 3 values or
    a constant sequence)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("spearman: expected two 1-d sequences of the same length")
    if len(a) < 3:
        return float("nan")
    ra, rb = rankdata(a), rankdata(b)
    ra -= ra.mean()
    rb -= rb.mean()
    den = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / den) if den > 0 else float("nan")
