#!/usr/bin/python3
"""Starting structures of the silicon active-learning tasks (learn.toml) -> structures/*.xyz.

Deterministic (seeded); built here from the PBE lattice constant of the database (5.476 A),
except the surface slabs, which are frames of the database itself (labelled.xyz, by
candidate_id). Every structure is printed with its atom count, minimum distance and mean
coordination (neighbours within 2.75 A), so a broken construction shows at once.

  liquid64            64 atoms, diamond cell scaled to the liquid density (2.57 g/cm3), rattled
  amorphous64         64 atoms at the a-Si density (2.28 g/cm3), rattled (start of the anneal)
  vacancy63, divacancy62
  di_interstitial66, tri_interstitial67   extra atoms on neighbouring tetrahedral sites
  gb_sigma5_310       Sigma5 (310)[001] symmetric tilt bicrystal, two boundaries, 80 atoms
  twin_sigma3         (111) stacking ABCBAC: coherent twin boundaries 3 bilayers apart, 48 atoms
  stacking_fault      (111) stacking ABCABCAB: one intrinsic stacking fault, 64 atoms
  slab100_2x2         Si(100) 2x2 slab, the database's tilted-dimer frame (40 atoms)
  slab111_adatom      Si(111) 2x2 adatom slab of the database (25 atoms)
  slab111_pandey      Si(111) 2x1 Pandey slab of the database (20 atoms)

  step111_pandey      Si(111) step, 36 atoms: the 2x1 Pandey slab doubled across the chains, the
                      chain layer removed from half of it (edge along the chains)
  das3x3              Si(111) 3x3 DAS slab, 70 atoms (../active/surface_111_das_soapgap_relaxed.xyz,
                      frame 0: si_structures.das111 on 3 bilayers, relaxed by soapgap)
  step100_sa, step100_sb   Si(100) single-layer steps, 76 atoms: slab100_2x2 doubled across
                      (S_A: edge along the upper terrace's dimer rows) or along (S_B: across
                      them) the dimer rows, the upper face's top layer removed from half of it

The vicinal slabs of ASE (Si(1 1 7), (1 1 5)) would need >= 96 atoms for a bulk-like middle and a
triclinic cell, which LAMMPS' shrink-wrapped slab direction does not allow: the steps here are a
terrace of one layer on an orthorhombic slab instead (two steps per cell, one dimer row or
Pandey chain wide).
"""
import os

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.io import read, write
from ase.neighborlist import neighbor_list

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "structures")
A0 = 5.476  # PBE a0 of the database (README: Birch-Murnaghan fit of diamond_eos)
MASS = 28.0855 * 1.66054  # g/cm3 per (atom / A^3)


def diamond(n=2, a=A0):
    return bulk("Si", "diamond", a=a, cubic=True).repeat((n, n, n))


def at_density(atoms, rho):
    a = atoms.copy()
    scale = (len(a) * MASS / rho / a.get_volume()) ** (1.0 / 3.0)
    a.set_cell(a.cell[:] * scale, scale_atoms=True)
    return a


def rattled(atoms, amplitude, seed):
    a = atoms.copy()
    a.positions += np.random.default_rng(seed).normal(0.0, amplitude, a.positions.shape)
    a.wrap()
    return a


def tetrahedral_sites(atoms, a=A0):
    """Tetrahedral interstitial sites of a cubic diamond supercell (ASE's basis, an atom at the
    origin): the fcc sites shifted by (1/2, 1/2, 1/2) a, four atoms at a sqrt3/4."""
    frac = np.array([[0.5, 0.5, 0.5], [0.0, 0.0, 0.5], [0.0, 0.5, 0.0], [0.5, 0.0, 0.0]])
    n = int(round(atoms.cell[0, 0] / a))
    sites = [(f + [i, j, k]) * a for f in frac for i in range(n) for j in range(n) for k in range(n)]
    return np.array(sites) % atoms.cell[0, 0]


def with_interstitials(count):
    a = diamond()
    sites = tetrahedral_sites(a)
    centre = np.full(3, a.cell[0, 0] / 2)
    order = np.argsort(np.linalg.norm(sites - centre, axis=1))
    chosen = [sites[order[0]]]
    for i in order[1:]:  # nearest further T sites (3.87 A apart in the ideal lattice)
        if len(chosen) == count:
            break
        if all(2.7 < np.linalg.norm(sites[i] - c) < 4.0 for c in chosen):
            chosen.append(sites[i])
    return a + Atoms("Si%d" % count, positions=chosen)


def without_atoms(count):
    a = diamond()
    i, j, d = neighbor_list("ijd", a, 2.5)
    remove = [0] + ([int(j[i == 0][0])] if count == 2 else [])
    del a[remove]
    return a


def stacking(sequence, n_in_plane=2, a=A0):
    """(111) bilayer stacking, e.g. "ABCABC" = diamond. Fractional in-plane site of A, B, C:
    (0, 0), (1/3, 1/3), (2/3, 2/3) of the 60-degree cell a/sqrt2; layer spacing a/sqrt3; each
    layer has an atom at height k d and one straight above it at k d + 3d/4 (the bond along c)."""
    b, d = a / np.sqrt(2.0), a / np.sqrt(3.0)
    site = {"A": 0.0, "B": 1.0 / 3.0, "C": 2.0 / 3.0}
    for k in range(len(sequence)):
        if sequence[k] == sequence[k - 1]:
            raise ValueError("stacking %s: layers %d and %d coincide" % (sequence, k - 1, k))
    cell = np.array([[b, 0, 0], [b / 2, b * np.sqrt(3) / 2, 0], [0, 0, d * len(sequence)]])
    frac = []
    for k, s in enumerate(sequence):
        for dz in (0.0, 0.75):
            frac.append([site[s], site[s], (k + dz) / len(sequence)])
    prim = Atoms("Si%d" % len(frac), scaled_positions=frac, cell=cell, pbc=True)
    return prim.repeat((n_in_plane, n_in_plane, 1))


def sigma5_310(periods=2, a=A0):
    """Sigma5 (310)[001] symmetric tilt bicrystal: grain 1 with x = [001], y = [-130], z = [310];
    grain 2 its mirror image through the (310) plane; periodic along z, so two boundaries."""
    ex, ey, ez = (np.array(v, float) / np.linalg.norm(v) for v in ([0, 0, 1], [-1, 3, 0], [3, 1, 0]))
    lx, lp = a, a * np.sqrt(10.0) / 2.0
    big = bulk("Si", "diamond", a=a, cubic=True).repeat((12, 12, 6))
    big.positions -= big.cell.sum(axis=0) / 2
    r = big.positions @ np.array([ex, ey, ez]).T
    lz = 2 * periods * lp
    eps = 1e-6
    keep = (r[:, 0] > -eps) & (r[:, 0] < lx - eps) & (r[:, 1] > -eps) & (r[:, 1] < lp - eps)
    grain1 = r[keep & (r[:, 2] > -eps) & (r[:, 2] < periods * lp - eps)]
    upper = r[keep & (r[:, 2] > eps) & (r[:, 2] < periods * lp + eps)]
    grain2 = upper * [1, 1, -1] + [0, 0, lz]
    gb = Atoms("Si%d" % (len(grain1) + len(grain2)), positions=np.vstack([grain1, grain2]),
               cell=[lx, lp, lz], pbc=True)
    gb.wrap()
    i, j, d = neighbor_list("ijd", gb, 2.0)  # atoms that landed (almost) on each other at a boundary
    drop = sorted({max(p, q) for p, q in zip(i, j)})
    del gb[drop]
    return gb


def stepped(slab, axis, depth):
    """A one-layer terrace on slab: the slab doubled along `axis` (0: x, 1: y; the direction across
    the step edges), its atoms within `depth` (A) of the top removed from the second half."""
    big = slab * ((2, 1, 1) if axis == 0 else (1, 2, 1))
    z = big.positions[:, 2]
    top = z > z.max() - depth
    half = big.positions[:, axis] >= 0.5 * big.cell[axis, axis] - 0.1
    del big[np.where(top & half)[0]]
    return big


def stepped100(slab, edge):
    """Si(100) steps on slab (its upper face's dimers along y, rows along x): edge "A" runs along
    the dimer rows (x), "B" across them (y); the buckled top dimer layer (0.8 A deep) is removed."""
    return stepped(slab, 1 if edge == "A" else 0, 1.0)


def bare(a):
    """The structure alone: species, positions, cell, pbc (no labels, no info)."""
    return Atoms(a.get_chemical_symbols(), positions=a.positions, cell=a.cell, pbc=a.pbc)


def database_frame(candidate_id):
    for a in read(os.path.join(HERE, "..", "labelled.xyz"), ":"):
        if a.info.get("candidate_id") == candidate_id:
            return bare(a)
    raise SystemExit("labelled.xyz has no frame %s" % candidate_id)


def describe(name, atoms):
    i, j, d = neighbor_list("ijd", atoms, 2.75)
    coord = np.bincount(i, minlength=len(atoms))
    dmin = d.min() if len(d) else float("nan")
    rho = len(atoms) * MASS / atoms.get_volume() if all(atoms.pbc) else float("nan")
    print("%-20s %3d atoms, min distance %.3f A, mean coordination %.2f (min %d, max %d)%s"
          % (name, len(atoms), dmin, coord.mean(), coord.min(), coord.max(),
             ", %.3f g/cm3" % rho if all(atoms.pbc) else ", slab"))


def main():
    os.makedirs(OUT, exist_ok=True)
    structures = {
        "liquid64": rattled(at_density(diamond(), 2.57), 0.25, 1),
        "amorphous64": rattled(at_density(diamond(), 2.28), 0.25, 2),
        "vacancy63": without_atoms(1),
        "divacancy62": without_atoms(2),
        "di_interstitial66": with_interstitials(2),
        "tri_interstitial67": with_interstitials(3),
        "gb_sigma5_310": sigma5_310(),
        "twin_sigma3": stacking("ABCBAC"),
        "stacking_fault": stacking("ABCABCAB"),
        "slab100_2x2": database_frame("si-surface_100_soapgap_relaxed-001"),
        "slab111_adatom": database_frame("si-surface_111_adatom-000"),
        "slab111_pandey": database_frame("si-surface_111_pandey-000"),
    }
    structures["das3x3"] = bare(read(os.path.join(HERE, "..", "active", "surface_111_das_soapgap_relaxed.xyz"), 0))
    structures["step100_sa"] = stepped100(structures["slab100_2x2"], "A")
    structures["step100_sb"] = stepped100(structures["slab100_2x2"], "B")
    pandey = structures["slab111_pandey"].copy()
    pandey.wrap()                            # whole chains on one side of the cut
    structures["step111_pandey"] = stepped(pandey, 1, 1.6)   # the chain layer (z 19.9/18.5 A)
    describe("diamond (check)", stacking("ABCABC"))
    for name, atoms in structures.items():
        describe(name, atoms)
        write(os.path.join(OUT, name + ".xyz"), atoms, format="extxyz")


if __name__ == "__main__":
    main()
