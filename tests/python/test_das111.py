"""examples/silicon_surfaces/si_structures.das111, the project's Si(111) DAS builder: the atom
counts of the literature model for 3x3 to 9x9 (adatoms n(n+1), rest layer N(N-1), dimer layer
N^2-1 with 3n dimers, the corner hole), every adatom above three rest atoms, and, where the
team's copy of the silicon testing framework's slabs exists (../shared/data/silicon/das, read in
place), the same relaxed energy as the framework's 3x3 with the shipped potential."""
import os
import sys

import numpy as np
import pytest
from ase.constraints import FixAtoms
from ase.neighborlist import neighbor_list
from ase.optimize import LBFGS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "silicon_surfaces"))
sys.path.insert(0, os.path.join(ROOT, "examples", "silicon_validation"))
import si_structures as si  # noqa: E402

A0 = 5.4581
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "silicon", "das"))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_das_counts(n):
    N = 2 * n + 1
    at = si.das111(n, A0)
    bulk = 8 * 2 * N * N
    assert len(at) == bulk + (N * N - 1) + N * (N - 1) + n * (n + 1)
    assert (at.arrays["move_mask"] == 0).sum() == 3 * 2 * N * N
    z = at.positions[:, 2]
    order = np.argsort(-z)
    adatoms = order[:n * (n + 1)]
    assert z[adatoms].min() - z[order[n * (n + 1)]] > 0.5           # the adatoms are the top layer
    i, j, d, D = neighbor_list("ijdD", at, 2.6)
    for a in adatoms:             # three rest atoms around it, the T4 site's atom straight below
        lateral = np.linalg.norm(D[i == a][:, :2], axis=1)
        assert sorted(np.round(lateral, 6))[0] < 1e-6 and (lateral > 1e-6).sum() == 3
        assert np.allclose(d[i == a][lateral > 1e-6], d[i == a][lateral > 1e-6][0])
    # dimers: 3n pairs of dimer-layer atoms 2.45 A apart
    zd = np.sort(np.unique(np.round(z, 3)))[::-1][2]
    layer = np.where(np.isclose(z, zd, atol=1e-3))[0]
    assert len(layer) == N * N - 1
    dd = at.get_all_distances(mic=True)[np.ix_(layer, layer)]
    assert (np.isclose(dd, 2.45, atol=1e-6).sum() // 2) == 3 * n


@pytest.mark.skipif(not os.path.isdir(SHARED), reason="no ../shared/data/silicon/das beside the clone")
def test_das_3x3_relaxes_to_the_framework_slab():
    import das_validation
    from soapgap.ase import SoapGapCalculator
    calc = SoapGapCalculator(os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml"))
    ref, mm = das_validation.read_das(os.path.join(SHARED, "si111_3x3_8layer.xyz"))
    a0 = np.linalg.norm(ref.cell[0]) / 3 * np.sqrt(2)
    ours = si.das111(1, a0)
    energies = []
    for at, fixed in ((ours, ours.arrays["move_mask"] == 0), (ref, mm == 0)):
        at = at.copy()
        at.calc = calc
        at.set_constraint(FixAtoms(mask=fixed))
        LBFGS(at, logfile=None).run(fmax=0.01, steps=2000)
        energies.append(at.get_potential_energy())
    area = np.linalg.norm(np.cross(ours.cell[0], ours.cell[1]))
    assert abs(energies[0] - energies[1]) / area < 1e-4            # eV/A^2 (measured 2e-5 for 3x3)
