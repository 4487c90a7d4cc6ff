"""Shared pieces of the silicon candidate generator (generate_structures.py, gen_surfaces.py,
gen_buckled100.py): the lattice constant, the slab vacuum and the seeded random numbers."""
import math
import zlib

import numpy as np
from ase.build import bulk
from ase.neighborlist import neighbor_list

A0 = 5.47            # PBE diamond lattice constant (A) used for all diamond-derived cells
VAC = 6.0            # vacuum on each side of slabs (A): 12 A between periodic images


def rng_for(tag):
    return np.random.RandomState(zlib.crc32(tag.encode()) & 0x7fffffff)


def rattle(at, sigma, rng):
    """Gaussian displacements with standard deviation sigma per Cartesian component."""
    at = at.copy()
    at.positions += rng.normal(0.0, sigma, at.positions.shape)
    return at


def rattle_rms(at, rms, rng, dmin=1.9, max_tries=200):
    """Displacements with 3D rms amplitude rms (sigma per component = rms/sqrt(3));
    redraw (deterministically, same rng) until no distance is below dmin."""
    for _ in range(max_tries):
        new = rattle(at, rms / math.sqrt(3.0), rng)
        d = neighbor_list("d", new, dmin)
        if len(d) == 0:
            return new
    raise RuntimeError("rattle_rms: could not avoid close contacts")


def diamond_cubic(rep=(1, 1, 1), a=A0):
    return bulk("Si", "diamond", a=a, cubic=True).repeat(rep)


def strain(at, eps):
    at = at.copy()
    F = np.eye(3) + np.asarray(eps)
    at.set_cell(at.cell.array @ F.T, scale_atoms=True)
    return at


def soft_sphere_relax(at, d0, steps=400, k=1.0):
    """Push apart atoms closer than d0 with a harmonic repulsion (steepest descent)."""
    at = at.copy()
    for _ in range(steps):
        i, j, D, dist = neighbor_list("ijDd", at, d0)
        if len(i) == 0:
            break
        over = (d0 - dist)
        f = np.zeros_like(at.positions)
        np.add.at(f, i, -(k * over / dist)[:, None] * D)
        at.positions += 0.2 * f
        if over.max() < 1e-3:
            break
    at.wrap()
    return at
