"""Force uncertainty from Python: Potential.predict(force_variance=True) and the ASE calculator's
results['force_variances'] / ['force_covariances'] (the exact checks of the numbers are the C++
tests ForceVariance.*: feature-space posterior and finite differences of the prior)."""
import os

import numpy as np
import pytest
from ase.build import bulk

import soapgap
from soapgap.ase import SoapGapCalculator

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
SI = os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml")


def cell(seed, rattle=0.05):
    a = bulk("Si", "diamond", 5.43, cubic=True)
    a.rattle(rattle, seed=seed)
    return a


def test_predict_and_calculator_agree_and_covariances_are_symmetric_psd():
    pot = soapgap.Potential(SI)
    a = cell(1)
    p = pot.predict(a, force_variance=True)
    cov, var = p["force_covariances"], p["force_variances"]
    assert cov.shape == (len(a), 3, 3) and var.shape == (len(a),)
    np.testing.assert_allclose(var, np.trace(cov, axis1=1, axis2=2), rtol=1e-14)
    np.testing.assert_array_equal(cov, np.transpose(cov, (0, 2, 1)))
    assert np.linalg.eigvalsh(cov).min() >= -1e-12 * var.max()
    assert "local_variance" in p  # force_variance implies variance
    calc = SoapGapCalculator(pot, force_variance=True)
    a.calc = calc
    a.get_forces()
    np.testing.assert_array_equal(calc.results["force_variances"], var)
    np.testing.assert_array_equal(calc.results["force_covariances"], cov)
    # off by default
    b = cell(1)
    b.calc = SoapGapCalculator(pot)
    b.get_forces()
    assert "force_variances" not in b.calc.results


def test_force_variance_grows_away_from_the_data():
    pot = soapgap.Potential(SI)
    near = pot.predict(cell(2, rattle=0.02), force_variance=True)["force_variances"].mean()
    a = cell(3, rattle=0.02)
    a.set_cell(a.cell * 1.12, scale_atoms=True)  # 40 % larger volume: far from the training set
    far = pot.predict(a, force_variance=True)["force_variances"].mean()
    assert far > 3 * near


def test_force_variance_follows_a_rotation_as_a_tensor():
    from scipy.spatial.transform import Rotation
    pot = soapgap.Potential(SI)
    a = cell(4, rattle=0.1)
    a.pbc = False
    c0 = pot.predict(a, force_variance=True)["force_covariances"]
    R = Rotation.from_euler("xyz", [0.3, -0.7, 1.1]).as_matrix()
    b = a.copy()
    b.positions = a.positions @ R.T
    c1 = pot.predict(b, force_variance=True)["force_covariances"]
    np.testing.assert_allclose(c1, R @ c0 @ R.T, atol=1e-10 * np.abs(c0).max())
