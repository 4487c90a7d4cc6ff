#!/usr/bin/python3
"""active/surface_111_das_soapgap_relaxed.xyz: the Si(111) 3x3 dimer-adatom-stacking-fault slab
as PBE candidates (config_type surface_111_das) and as the start of the active learning's DAS
task. The shipped potential orders the larger DAS cells wrongly (9x9 below 7x7) and its σ on the
3x3 adatoms is 165 meV, above the active learning's threshold: the database has no DAS motif
(adatoms on a faulted half, dimers, corner hole) at all.

Built by examples/silicon_surfaces/si_structures.das111 (n = 1, a0 = 5.47 A as every
diamond-derived candidate, 3 bulk bilayers under the reconstruction, 70 atoms, 12 A vacuum as
the other slabs, pbc T T F), relaxed with the potential given (bottom bilayer fixed, max force
component 0.01 eV/A). Frames: the relaxed slab, and the same rattled by 0.05 A (seed 1).

Usage: /usr/bin/python3 active/make_das.py [--potential potentials/Si/Si-PBE-soapgap.xml]
"""
import argparse
import os
import sys

import numpy as np
from ase.constraints import FixAtoms
from ase.io import write
from ase.optimize import LBFGS

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "examples", "silicon_surfaces"))
sys.path.insert(0, os.path.dirname(HERE))
import si_structures as si  # noqa: E402
from gen_common import A0, VAC  # noqa: E402
from relax_pbe import soapgap_calculator  # noqa: E402

OUT = os.path.join(HERE, "surface_111_das_soapgap_relaxed.xyz")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--potential", default=os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml"))
    args = ap.parse_args()
    at = si.das111(1, A0, bilayers=3, vacuum=2 * VAC, fixed_bilayers=1)
    fixed = at.arrays.pop("move_mask") == 0
    at.pbc = [True, True, False]
    at.calc = soapgap_calculator(args.potential)
    at.set_constraint(FixAtoms(mask=fixed))
    opt = LBFGS(at, logfile=None)
    opt.run(fmax=0.01, steps=2000)
    fmax = np.abs(at.get_forces()).max()
    at.set_constraint()
    at.calc = None
    src = "fitting/datasets/silicon/active/make_das.py with %s" % os.path.relpath(args.potential, ROOT)
    at.info = {"source": src, "note": "Si(111) 3x3 DAS (si_structures.das111), 3 bulk bilayers, 70 atoms, a0 %.2f A, "
               "relaxed by soapgap (bottom bilayer fixed, %d steps, max force component %.3f eV/A)" % (A0, opt.nsteps, fmax)}
    rattled = at.copy()
    rattled.positions += np.random.RandomState(1).normal(0.0, 0.05, at.positions.shape)
    rattled.info = dict(at.info, note=at.info["note"] + "; rattled 0.05 A (seed 1)")
    write(OUT, [at, rattled], format="extxyz")
    print("wrote %s: %d atoms, %d relaxation steps, max force component %.4f eV/A" % (OUT, len(at), opt.nsteps, fmax))


if __name__ == "__main__":
    main()
