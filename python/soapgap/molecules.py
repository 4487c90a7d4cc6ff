"""Kernels between whole structures (molecules, clusters) from their atomic SOAP environments.

    from soapgap.molecules import structure_kernel
    K = structure_kernel(frames_a, frames_b=None,
                         descriptor="soap n_max=6 l_max=4 cutoff=4 atom_sigma=0.5",
                         kind="rematch", gamma=0.1, zeta=1)

kind:
  "average"  the mean of the kernels of all pairs of environments (with the linear local kernel
             used here, the dot product of the two mean SOAP vectors);
  "match"    the best match: optimal transport of the environments with uniform weights, i.e.
             for equal atom counts the best one-to-one assignment (Hungarian algorithm);
             unequal counts are solved exactly on lcm(N, M) copies (up to 1200);
  "rematch"  entropy-regularised matching (Sinkhorn, parameter gamma > 0): the average kernel
             for large gamma, the best match for gamma -> 0.
The local kernel is the dot product of unit-length SOAP vectors, zero between atoms of
different elements. Each kernel is normalised, k(A, B) = K(A, B) / sqrt(K(A, A) K(B, B)), so
k(A, A) = 1, then raised to zeta. The average kernel is positive semi-definite; match and
rematch matrices need not be (see docs, and check the smallest eigenvalue). Frames are any
ase.Atoms; the descriptor's species are the elements found in all frames given.
"""

import numpy as np

from ._soapgap import _structure_kernel

__all__ = ["structure_kernel", "kernel_distance", "farthest_point_sampling", "random_selection"]

KINDS = ("average", "match", "rematch")


def structure_kernel(frames_a, frames_b=None, descriptor="soap n_max=6 l_max=4 cutoff=4 atom_sigma=0.5",
                     kind="average", gamma=0.1, zeta=1, tolerance=1e-9, progress=False):
    """The normalised structure-kernel matrix (len(frames_a) x len(frames_b), or frames_a with
    itself: symmetric, ones on the diagonal), as a NumPy array."""
    if kind not in KINDS:
        raise ValueError("kind = %r: expected one of %s" % (kind, ", ".join(KINDS)))
    if int(zeta) != zeta or zeta < 1:
        raise ValueError("zeta must be a positive integer")
    frames_a = list(frames_a)
    if not frames_a:
        raise ValueError("frames_a is empty")
    if frames_b is not None:
        frames_b = list(frames_b)
        if not frames_b:
            raise ValueError("frames_b is empty")
    K = _structure_kernel(frames_a, frames_b, descriptor, kind, float(gamma), int(zeta), float(tolerance),
                          bool(progress))
    return np.asarray(K)


def kernel_distance(K, diag_a=None, diag_b=None):
    """The kernel-induced distance d(A, B) = sqrt(k(A,A) + k(B,B) - 2 k(A,B)) of a kernel matrix
    (square: its own diagonal; rectangular: give the two diagonals). Rounding below 0 is clipped."""
    K = np.asarray(K, dtype=float)
    if diag_a is None or diag_b is None:
        if K.shape[0] != K.shape[1]:
            raise ValueError("kernel_distance: a rectangular matrix needs diag_a and diag_b")
        diag_a = diag_b = np.diag(K)
    d2 = np.asarray(diag_a)[:, None] + np.asarray(diag_b)[None, :] - 2 * K
    return np.sqrt(np.clip(d2, 0, None))


def farthest_point_sampling(K, n, first=None, seed=0):
    """Indices of n structures chosen greedily from a square kernel matrix, each the farthest in
    the kernel-induced distance from those chosen before. The first is `first`, or drawn with
    `seed` (reproducible). Ties go to the lowest index."""
    D = kernel_distance(K)
    total = D.shape[0]
    if not 0 < n <= total:
        raise ValueError("farthest_point_sampling: n = %d outside 1..%d" % (n, total))
    if first is None:
        first = int(np.random.default_rng(seed).integers(total))
    chosen = [int(first)]
    dmin = D[first].copy()
    while len(chosen) < n:
        nxt = int(np.argmax(dmin))
        chosen.append(nxt)
        dmin = np.minimum(dmin, D[nxt])
    return chosen


def random_selection(total, n, seed=0):
    """n distinct indices of range(total), drawn with `seed` (reproducible), for comparison with FPS."""
    if not 0 < n <= total:
        raise ValueError("random_selection: n = %d outside 1..%d" % (n, total))
    return [int(i) for i in np.random.default_rng(seed).choice(total, size=n, replace=False)]
