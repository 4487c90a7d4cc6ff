#!/usr/bin/env python3
"""Relax a Si(100) slab with the soapgap ASE calculator and print the per-atom predicted
uncertainty sigma = sqrt(local_variance) layer by layer.

    PYTHONPATH=build/python /usr/bin/python3 examples/ase_slab/relax_slab.py [--potential POT.xml]
        [--layers 8] [--size 2] [--vacuum 6] [--fmax 0.01] [--quick]

Steps: the potential's own lattice constant (8-atom cubic cell relaxed with FrechetCellFilter,
ExpCellFilter with ASE < 3.23, hydrostatic strain only); a (size x size) Si(100) slab of
`layers` atomic layers from ase.build.diamond100 with that lattice constant and `vacuum` A of
vacuum on each side, rattled by 0.05 A; the bottom layer fixed with FixAtoms (the bulk it would
continue into); BFGS to fmax. Prints the energy, the largest force on a free atom, sigma per
layer (mean and max, meV) and the most uncertain atoms. --quick stops BFGS after 20 steps (for
the test that keeps this running).

Default potential: potentials/Si/Si-PBE-soapgap.xml of this repository (preliminary; see its
README). About 3 s on 2 cores with the defaults.
"""
import argparse
import time
from pathlib import Path

import numpy as np
from ase.build import bulk, diamond100
from ase.constraints import FixAtoms
try:
    from ase.filters import FrechetCellFilter as CellFilter  # ASE >= 3.23
except ImportError:  # older ASE: the cell filters are in ase.constraints
    from ase.constraints import ExpCellFilter as CellFilter
from ase.optimize import BFGS

from soapgap.ase import SoapGapCalculator

DEFAULT_POTENTIAL = Path(__file__).resolve().parents[2] / "potentials" / "Si" / "Si-PBE-soapgap.xml"


def lattice_constant(calc):
    """Cubic lattice constant of diamond Si with this calculator (zero-pressure cell)."""
    atoms = bulk("Si", "diamond", a=5.43, cubic=True)
    atoms.calc = calc
    BFGS(CellFilter(atoms, hydrostatic_strain=True), logfile=None).run(fmax=1e-4, steps=100)
    return atoms.cell.cellpar()[0]


def relax_slab(potential=DEFAULT_POTENTIAL, layers=8, size=2, vacuum=6.0, fmax=0.01, steps=300, seed=1):
    """Builds, relaxes and returns the slab (its calculator holds the final results) and a dict of
    numbers: a0, e_start, energy, fmax (free atoms), converged, steps, sigma (per atom, eV),
    layer (per atom, 1 = top ... layers = bottom, fixed)."""
    calc = SoapGapCalculator(potential=str(potential))  # variance on when the file has it
    if not calc.variance:
        raise SystemExit(f"{potential} has no variance data: no per-atom sigma to print")
    a0 = lattice_constant(calc)

    slab = diamond100("Si", size=(size, size, layers), a=a0, vacuum=vacuum)  # tags: layer, 1 = top
    slab.rattle(stdev=0.05, seed=seed)
    slab.set_constraint(FixAtoms(mask=slab.get_tags() == layers))  # bottom layer fixed
    slab.calc = calc
    e_start = slab.get_potential_energy()
    opt = BFGS(slab, logfile=None)
    converged = opt.run(fmax=fmax, steps=steps)

    energy = slab.get_potential_energy()
    f_free = np.linalg.norm(slab.get_forces(), axis=1).max()  # constrained: fixed atoms give 0
    sigma = np.sqrt(calc.results["local_variance"])  # eV, per atom
    return slab, dict(a0=a0, e_start=e_start, energy=energy, fmax=f_free, converged=converged,
                      steps=opt.nsteps, sigma=sigma, layer=slab.get_tags().copy())


def report(slab, r):
    n = len(slab)
    print(f"lattice constant of the potential: {r['a0']:.4f} A")
    print(f"Si(100) slab, {n} atoms, {r['layer'].max()} layers, bottom layer fixed")
    print(f"BFGS: {r['steps']} steps, converged: {r['converged']}")
    print(f"energy {r['energy']:.6f} eV (start {r['e_start']:.6f} eV, relaxation "
          f"{r['energy'] - r['e_start']:.4f} eV); max force on free atoms {r['fmax']:.4f} eV/A")
    print("layer  z (A)   sigma mean  sigma max (meV/atom)")
    for layer in range(1, r["layer"].max() + 1):
        m = r["layer"] == layer
        note = "  (top)" if layer == 1 else "  (bottom, fixed)" if layer == r["layer"].max() else ""
        print(f"{layer:5d}  {slab.positions[m, 2].mean():6.2f}  {1000 * r['sigma'][m].mean():10.2f}  "
              f"{1000 * r['sigma'][m].max():9.2f}{note}")
    top = np.where(r["layer"] == 1)[0]
    d = min(slab.get_distances(i, top[top != i], mic=True).min() for i in top)
    print(f"shortest distance between top-layer atoms: {d:.3f} A (bulk 1x1 spacing "
          f"{r['a0'] / np.sqrt(2):.3f} A; a p(2x1) dimer bond ~2.3-2.4 A)")
    worst = np.argsort(r["sigma"])[::-1][:4]
    print("most uncertain atoms: " + ", ".join(
        f"#{i} (layer {r['layer'][i]}, {1000 * r['sigma'][i]:.2f} meV)" for i in worst))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--potential", default=str(DEFAULT_POTENTIAL), help="soapgap potential file (with variance)")
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--size", type=int, default=2, help="surface cell: size x size (1x1 units)")
    ap.add_argument("--vacuum", type=float, default=6.0, help="vacuum on each side, A")
    ap.add_argument("--fmax", type=float, default=0.01, help="BFGS force tolerance, eV/A")
    ap.add_argument("--quick", action="store_true", help="at most 20 BFGS steps")
    args = ap.parse_args()
    t0 = time.time()
    slab, r = relax_slab(args.potential, args.layers, args.size, args.vacuum, args.fmax,
                         steps=20 if args.quick else 300)
    report(slab, r)
    print(f"time {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
