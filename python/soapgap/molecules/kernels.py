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

Users' own molecules (QM9 xyz, SDF/MOL V2000, MOL2, extended XYZ) are read with
    frames = read_molecules("actives.sdf")      # or a directory, or a list of paths
each an ase.Atoms with the file's properties in atoms.info (see read_molecules).
"""

from __future__ import annotations

import os

import numpy as np

from .._soapgap import _read_molecules, _structure_kernel

__all__ = ["read_molecules", "QM9_UNITS", "structure_kernel", "atomic_descriptors", "kernel_distance",
           "random_selection"]

KINDS = ("average", "match", "rematch")
DEFAULT_DESCRIPTOR = "soap n_max=6 l_max=4 cutoff=4 atom_sigma=0.5"

# Units of the QM9 properties in atoms.info (QM9's own units), plus U0_eV in eV.
QM9_UNITS = {"A": "GHz", "B": "GHz", "C": "GHz", "mu": "Debye", "alpha": "bohr^3", "homo": "Hartree",
             "lumo": "Hartree", "gap": "Hartree", "r2": "bohr^2", "zpve": "Hartree", "U0": "Hartree",
             "U": "Hartree", "H": "Hartree", "G": "Hartree", "Cv": "cal/(mol K)", "U0_eV": "eV"}


def read_molecules(path, format: str = "auto") -> list:
    """The molecules of a file, a directory (its files with known extensions, sorted by name) or a
    list of them, as ase.Atoms (positions in Angstrom; non-periodic except extended XYZ cells).

    Formats by extension (or format="extxyz", "qm9", "sdf", "mol2"):
      .xyz/.extxyz  extended XYZ, or QM9's per-molecule format when line 2 starts with "gdb"
      .sdf/.sd/.mol MDL SD file / molfile V2000 (several records separated by $$$$)
      .mol2         Tripos MOL2 (several molecules per file)
    atoms.info holds "name" (SDF/MOL2 title, QM9 "gdb <index>"), "source" ("file:record n (line L)")
    and the file's properties: QM9's index, A, B, C, mu, alpha, homo, lumo, gap, r2, zpve, U0, U, H,
    G, Cv in QM9's units (QM9_UNITS), U0_eV, frequencies (cm^-1, an array), smiles_gdb,
    smiles_relaxed, inchi_gdb, inchi_relaxed; SDF data items as strings ("> <activity>" ->
    info["activity"]); MOL2 mol_type and charge_type; extended XYZ energy, config_type and
    other info items. Per-atom values go to atoms.arrays: QM9 "mulliken_charges" (e), MOL2
    "partial_charges" (e). Errors name the file and line (ValueError); a missing path raises
    FileNotFoundError."""
    from ase import Atoms

    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise ValueError("read_molecules: no paths given")
    for p in paths:
        if not os.path.exists(p):
            raise FileNotFoundError(2, "No such file or directory", p)
    out = []
    for d in _read_molecules(paths, format):
        atoms = Atoms(numbers=d["atomic_numbers"], positions=d["positions"], cell=d["cell"], pbc=d["pbc"])
        atoms.info["name"] = d["name"]
        atoms.info["source"] = d["source"]
        atoms.info.update(d["numbers"])
        atoms.info.update(d["strings"])
        atoms.info.update(d["lists"])
        for key, values in d["per_atom"].items():
            atoms.arrays[key] = values
        out.append(atoms)
    return out


def structure_kernel(frames_a, frames_b=None, descriptor: str = DEFAULT_DESCRIPTOR, kind: str = "average",
                     gamma: float = 0.1, zeta: int = 1, tolerance: float = 1e-9, progress: bool = False) -> np.ndarray:
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


def atomic_descriptors(frames, descriptor: str = DEFAULT_DESCRIPTOR) -> tuple[list, list]:
    """The inputs of structure_kernel(): for each frame its unit-length descriptor vectors (an
    n_atoms x D array) and the atomic numbers of the centres, as two lists. The descriptor's
    species are the elements found in all frames given (as in structure_kernel)."""
    from .._soapgap import _atomic_descriptors

    frames = list(frames)
    if not frames:
        raise ValueError("frames is empty")
    q, z = _atomic_descriptors(frames, descriptor)
    return [np.asarray(a) for a in q], [list(v) for v in z]


def kernel_distance(K: np.ndarray, diag_a: np.ndarray | None = None, diag_b: np.ndarray | None = None) -> np.ndarray:
    """The kernel-induced distance d(A, B) = sqrt(k(A,A) + k(B,B) - 2 k(A,B)) of a kernel matrix
    (square: its own diagonal; rectangular: give the two diagonals). Rounding below 0 is clipped."""
    K = np.asarray(K, dtype=float)
    if diag_a is None or diag_b is None:
        if K.shape[0] != K.shape[1]:
            raise ValueError("kernel_distance: a rectangular matrix needs diag_a and diag_b")
        diag_a = diag_b = np.diag(K)
    d2 = np.asarray(diag_a)[:, None] + np.asarray(diag_b)[None, :] - 2 * K
    return np.sqrt(np.clip(d2, 0, None))


def random_selection(total: int, n: int, seed: int = 0) -> list[int]:
    """n distinct indices of range(total), drawn with `seed` (reproducible), for comparison with FPS."""
    if not 0 < n <= total:
        raise ValueError("random_selection: n = %d outside 1..%d" % (n, total))
    return [int(i) for i in np.random.default_rng(seed).choice(total, size=n, replace=False)]
