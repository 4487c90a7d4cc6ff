"""relax_pbe.model_hessian: the soapgap Hessian that seeds the PBE relaxations' BFGS is
symmetric, clamped positive definite, equal to the finite-difference curvature along its stiffest
direction, and lets BFGS reach the same minimum in fewer steps (soapgap itself stands in for PBE;
rattled diamond, whose only minimum is the perfect crystal)."""
import os
import sys

import numpy as np
from ase.build import bulk
from ase.optimize import BFGS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "fitting", "datasets", "silicon"))
import relax_pbe  # noqa: E402
from soapgap.ase import SoapGapCalculator  # noqa: E402

SI = os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml")


def test_seeded_bfgs_reaches_the_same_minimum_in_fewer_steps():
    atoms = bulk("Si", "diamond", a=5.47, cubic=True) * (2, 1, 1)
    atoms.rattle(0.1, seed=3)
    h = relax_pbe.model_hessian(atoms, SI, lo=2.0)
    n = 3 * len(atoms)
    assert h.shape == (n, n) and np.allclose(h, h.T)
    w, v = np.linalg.eigh(h)
    assert w.min() >= 2.0 - 1e-9 and w.max() <= 1000.0 + 1e-9
    # curvature along the stiffest direction (unclamped there) = finite differences of the energy
    a = atoms.copy()
    a.calc = SoapGapCalculator(SI)
    e = []
    for s in (-0.01, 0.0, 0.01):
        a.positions = atoms.positions + s * v[:, -1].reshape(-1, 3)
        e.append(a.get_potential_energy())
    assert abs((e[0] - 2 * e[1] + e[2]) / 0.01 ** 2 - w[-1]) < 0.02 * w[-1]

    ends, steps = [], []
    for seed in (False, True):
        a = atoms.copy()
        a.calc = SoapGapCalculator(SI)
        opt = BFGS(a, logfile=None)
        if seed:
            opt.H0 = h
        assert opt.run(fmax=0.005, steps=300)
        ends.append((a.get_potential_energy(), a.positions.copy()))
        steps.append(opt.nsteps)
    d = ends[0][1] - ends[1][1]
    assert np.abs(d - d.mean(axis=0)).max() < 0.005     # the same minimum, up to a rigid translation
    assert abs(ends[0][0] - ends[1][0]) < 1e-4
    print("BFGS steps unseeded, seeded:", steps)
    assert steps[1] <= 0.75 * steps[0], steps
