"""(111) stacking candidates of the silicon database: hexagonal diamond, the intrinsic stacking
fault and the twin (added 2026-12-07 night).

Why: the potential of 20:41 puts ideal hexagonal (lonsdaleite) silicon 44 meV/atom above diamond
at the same bond lengths and the intrinsic stacking fault at 223 mJ/m²; the project's PBE on
these cells says 12.5 meV/atom and 49 mJ/m² (physics_pbe.py). The database had no frame with a
(111) stacking other than diamond's, and the DAS reconstruction's faulted half-cell is one.

Cells (learn/make_structures.stacking: (111) bilayers of the 60-degree cell a0/sqrt2, a0 =
gen_common.A0 = 5.47 A as every diamond-derived candidate, ideal bonds; pbc everywhere). Each
energy difference that physics_pbe.py reports is between two cells of the same shape, atom count
and k-point grid (the k-grid rule depends on the cell's lengths only):
- stacking_fault: diamond as 6 and 12 bilayers in a 1x1 cell, the same with c tilted by a
  Shockley partial (one intrinsic fault per period), the twin ABCBAC (two coherent Sigma3
  boundaries per 6 bilayers), and the 6-bilayer fault rattled 0.05 A;
- hexagonal_diamond: ABABAB (6 bilayers, the diamond cell's shape), the 4-atom cell at
  V/V0 = 0.97 and 1.03, and 2x2x1 (16 atoms) rattled 0.05 A.
"""
import os
import sys

from gen_common import A0, rattle, rng_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "learn"))
from make_structures import stacking  # noqa: E402  (one home for the (111) stackings)


def diamond111(layers):
    """Diamond as `layers` (111) bilayers (a multiple of 3) in the 1x1 cell."""
    return stacking("ABC" * (layers // 3), n_in_plane=1, a=A0)


def fault(layers):
    """diamond111(layers) with c tilted by a Shockley partial, a0/sqrt6 <112> (the periodic image
    shifted from site A to B): one intrinsic stacking fault (...ABC BCA..., two hexagonal
    layers) per period, every bond ideal."""
    at = diamond111(layers)
    cell = at.cell.array.copy()
    cell[2] += (cell[0] + cell[1]) / 3.0
    at.set_cell(cell, scale_atoms=False)
    return at


def gen_stacking_fault():
    return [(diamond111(6), "diamond as 6 (111) bilayers, 1x1 (12 atoms): the reference of -001 and -004"),
            (fault(6), "intrinsic stacking fault: -000 with c tilted by a Shockley partial (12 atoms)"),
            (diamond111(12), "diamond as 12 (111) bilayers, 1x1 (24 atoms): the reference of -003"),
            (fault(12), "intrinsic stacking fault: -002 with c tilted by a Shockley partial (24 atoms)"),
            (stacking("ABCBAC", n_in_plane=1, a=A0), "twin ABCBAC, 1x1 (12 atoms): two coherent Sigma3 (111) boundaries"),
            (rattle(fault(6), 0.05, rng_for("stacking_fault")), "intrinsic stacking fault, 6 bilayers (12 atoms), rattled 0.05 A")]


def gen_hexagonal_diamond():
    out = []
    for v in (0.97, 1.03):
        at = stacking("AB", n_in_plane=1, a=A0)
        at.set_cell(at.cell * v ** (1.0 / 3.0), scale_atoms=True)
        out.append((at, "hexagonal diamond (lonsdaleite), 4 atoms, ideal c/a and bonds of a0, V/V0 = %.2f" % v))
    out.append((stacking("ABABAB", n_in_plane=1, a=A0),
                "hexagonal diamond as 6 bilayers, 1x1 (12 atoms): the shape and k-grid of si-stacking_fault-000"))
    out.append((rattle(stacking("AB", n_in_plane=2, a=A0), 0.05, rng_for("hexagonal_diamond")),
                "hexagonal diamond 2x2x1 (16 atoms), rattled 0.05 A"))
    return out
