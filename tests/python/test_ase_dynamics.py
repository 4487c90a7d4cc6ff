"""SoapGapCalculator with ASE's optimizers, constraints, cell filters, MD and ase.io, and the
examples/ase_slab example.

The potential is a small smooth SOAP-GAP model (the LAMMPS tests' SMALL_MODEL) fitted with
soapgap.fit to Stillinger-Weber data from soapgap's example program (16 configurations, < 1 s):
smooth enough for MD and with a cubic diamond minimum (a0 ~ 5.424 A). Needs the build tree as
test_soapgap.py does (PYTHONPATH=<build>/python, $SOAPGAP_BUILD_DIR).

Measured on the development machine: NVE (8 atoms, 1000 x 1 fs from 600 K, mean T ~350 K)
max |E(t) - E(0)| 0.16 meV/atom, drift -0.004 meV/atom/ps; ExpCellFilter and UnitCellFilter
reach the E(V) minimum's lattice constant to ~1e-5 A (angles 90 deg to ~2e-4 deg; with ASE >=
3.23 FrechetCellFilter is tested too); FIRE (99 steps) and BFGS (34 steps) to fmax 1e-4 eV/A
end 1e-9 eV and 3e-5 A apart.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import ase.io
from ase import units
from ase.build import bulk
from ase.constraints import FixAtoms
try:
    from ase.filters import ExpCellFilter, FrechetCellFilter, UnitCellFilter  # ASE >= 3.23
except ImportError:  # older ASE (Debian 12: 3.22): the cell filters are in ase.constraints
    from ase.constraints import ExpCellFilter, UnitCellFilter

    FrechetCellFilter = None
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.md.verlet import VelocityVerlet
from ase.optimize import BFGS, FIRE
from scipy.optimize import minimize_scalar

import soapgap
from soapgap.ase import SoapGapCalculator

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SOAPGAP_BUILD_DIR", ROOT / "build"))
DATASET_PROGRAM = Path(os.environ.get("SOAPGAP_EXAMPLE_SW_DATASET", BUILD / "soapgap_example_sw_dataset"))
EXAMPLE = ROOT / "examples" / "ase_slab" / "relax_slab.py"

SMOOTH_MODEL = [
    "distance_2b cutoff=4.5 cutoff_transition_width=1 theta=0.4 delta=1 n_sparse=10",
    "soap n_max=5 l_max=4 cutoff=4.5 cutoff_transition_width=1 atom_sigma=0.5 zeta=4 delta=0.5 n_sparse=60",
]


@pytest.fixture(scope="module")
def potential(tmp_path_factory):
    assert DATASET_PROGRAM.exists(), "example program not built: %s" % DATASET_PROGRAM
    d = tmp_path_factory.mktemp("sw43")
    subprocess.run([str(DATASET_PROGRAM), str(d), "4", "3"], check=True, capture_output=True)
    train = ase.io.read(d / "train.xyz", ":")
    return soapgap.fit(train, descriptors=SMOOTH_MODEL, sigma_energy=0.001, sigma_force=0.02, seed=1)


@pytest.fixture
def calc(potential):
    return SoapGapCalculator(potential=potential, total_variance=True)


def rattled_cell(seed=3, stdev=0.1):
    atoms = bulk("Si", "diamond", a=5.43, cubic=True).repeat((2, 1, 1))  # 16 atoms
    atoms.rattle(stdev=stdev, seed=seed)
    return atoms


def max_wrapped_difference(a, b, cell):
    d = (a - b) @ np.linalg.inv(cell)
    d -= np.round(d)
    return np.linalg.norm(d @ cell, axis=1).max()


def test_fire_reaches_the_bfgs_minimum(calc):
    relaxed = {}
    for optimizer in (BFGS, FIRE):
        atoms = rattled_cell()
        atoms.calc = calc
        e_start = atoms.get_potential_energy()
        opt = optimizer(atoms, logfile=None)
        assert opt.run(fmax=1e-4, steps=1000), optimizer.__name__
        assert np.linalg.norm(atoms.get_forces(), axis=1).max() < 1e-4
        assert atoms.get_potential_energy() < e_start - 1.0
        relaxed[optimizer.__name__] = atoms
    b, f = relaxed["BFGS"], relaxed["FIRE"]
    # |F| < 1e-4 eV/A: energies within ~|F|^2/k of the minimum, positions within ~|F|/k
    assert abs(b.get_potential_energy() - f.get_potential_energy()) < 1e-6
    assert max_wrapped_difference(b.positions, f.positions, b.cell.array) < 1e-3


def test_bfgs_with_fixed_atoms(calc):
    atoms = rattled_cell(seed=4)
    fixed = [0, 1, 2, 3]
    free = np.setdiff1d(np.arange(len(atoms)), fixed)
    start = atoms.positions.copy()
    atoms.set_constraint(FixAtoms(indices=fixed))
    atoms.calc = calc
    assert np.all(atoms.get_forces()[fixed] == 0)  # constrained forces
    e_start = atoms.get_potential_energy()
    opt = BFGS(atoms, logfile=None)
    assert opt.run(fmax=1e-3, steps=500)
    np.testing.assert_array_equal(atoms.positions[fixed], start[fixed])  # did not move at all
    assert np.linalg.norm(atoms.positions[free] - start[free], axis=1).max() > 0.05  # the rest relaxed
    raw = np.linalg.norm(atoms.get_forces(apply_constraint=False), axis=1)
    assert raw[free].max() < 1e-3
    assert raw[fixed].max() > 0.1  # the fixed atoms are not at their own minimum: a real constraint
    assert atoms.get_potential_energy() < e_start


def equilibrium_lattice_constant(calc):
    """Minimum of E(a) of the 8-atom cubic cell (Brent), the E(V) reference."""

    def energy(a):
        atoms = bulk("Si", "diamond", a=a, cubic=True)
        atoms.calc = calc
        return atoms.get_potential_energy()

    res = minimize_scalar(energy, bracket=(5.3, 5.43, 5.6), tol=1e-8)
    assert 5.3 < res.x < 5.6
    return res.x, res.fun


CELL_FILTERS = [ExpCellFilter, UnitCellFilter] + ([FrechetCellFilter] if FrechetCellFilter else [])


@pytest.mark.filterwarnings("ignore:Use FrechetCellFilter:DeprecationWarning")  # ExpCellFilter, ASE >= 3.23
@pytest.mark.parametrize("cell_filter", CELL_FILTERS, ids=lambda f: f.__name__)
def test_cell_filter_relaxes_to_the_lattice_constant(calc, cell_filter):
    a0, e0 = equilibrium_lattice_constant(calc)
    atoms = bulk("Si", "diamond", a=5.43, cubic=True)
    strain = np.array([[1.03, 0.01, 0.0], [0.01, 0.98, 0.005], [0.0, 0.005, 1.01]])
    atoms.set_cell(atoms.cell.array @ strain, scale_atoms=True)
    atoms.rattle(stdev=0.02, seed=1)
    atoms.calc = calc
    assert np.abs(atoms.get_stress()).max() > 1e-2  # starts far from zero stress
    opt = BFGS(cell_filter(atoms), logfile=None)
    assert opt.run(fmax=1e-4, steps=500)
    assert np.abs(atoms.get_stress()).max() < 1e-4  # eV/A^3 (~0.02 GPa)
    lengths, angles = atoms.cell.cellpar()[:3], atoms.cell.cellpar()[3:]
    np.testing.assert_allclose(lengths, a0, atol=1e-4)
    np.testing.assert_allclose(angles, 90.0, atol=1e-3)
    assert atoms.get_potential_energy() == pytest.approx(e0, abs=1e-6)


def test_velocity_verlet_conserves_energy(calc):
    """NVE, 8-atom diamond cell from 600 K, 1000 steps of 1 fs (1 ps). Bounds (those of the
    LAMMPS NVE test): max |E(t) - E(0)| < 0.5 meV/atom, |drift| < 0.1 meV/atom/ps.
    Measured: 0.16 meV/atom and -0.004 meV/atom/ps."""
    atoms = bulk("Si", "diamond", a=5.43, cubic=True)
    atoms.calc = calc
    MaxwellBoltzmannDistribution(atoms, temperature_K=600, rng=np.random.RandomState(1))
    Stationary(atoms)
    md = VelocityVerlet(atoms, timestep=1.0 * units.fs)
    energies, temperatures = [], []

    def record():
        energies.append(atoms.get_total_energy() / len(atoms))
        temperatures.append(atoms.get_temperature())

    md.attach(record, interval=5)
    md.run(1000)
    e = np.array(energies)
    t = np.arange(len(e)) * 5 * 1e-3  # ps
    fluctuation = np.abs(e - e[0]).max() * 1000  # meV/atom
    drift = np.polyfit(t, e, 1)[0] * 1000  # meV/atom/ps
    print(f"NVE: mean T {np.mean(temperatures):.0f} K, max |E(t) - E(0)| {fluctuation:.3f} meV/atom, "
          f"drift {drift:+.4f} meV/atom/ps")
    assert len(e) == 201
    assert 100 < np.mean(temperatures) < 600  # it moved (equipartition: about half of 600 K)
    assert fluctuation < 0.5, fluctuation
    assert abs(drift) < 0.1, drift


def test_extxyz_and_trajectory_round_trip(calc, tmp_path):
    atoms = rattled_cell(seed=5)
    atoms.calc = calc
    energy, forces, stress = atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()
    local = atoms.get_potential_energies()
    # variance results are not ASE properties: kept through extxyz as arrays/info
    atoms.arrays["local_variance"] = calc.results["local_variance"]
    atoms.info["energy_variance"] = calc.results["energy_variance"]
    path = tmp_path / "si.xyz"
    ase.io.write(path, atoms, format="extxyz")
    back = ase.io.read(path)
    assert back.get_potential_energy() == pytest.approx(energy, rel=1e-14)
    np.testing.assert_allclose(back.get_forces(), forces, rtol=0, atol=1e-7)  # written with 8 decimals
    np.testing.assert_allclose(back.get_stress(), stress, rtol=1e-12, atol=0)
    np.testing.assert_allclose(back.get_potential_energies(), local, rtol=0, atol=1e-7)
    np.testing.assert_allclose(back.arrays["local_variance"], calc.results["local_variance"], rtol=0, atol=1e-8)
    assert back.info["energy_variance"] == pytest.approx(calc.results["energy_variance"], rel=1e-14)
    # the read structure evaluated again gives the stored results (positions kept to 1e-8 A)
    back.calc = SoapGapCalculator(potential=calc.potential)
    assert back.get_potential_energy() == pytest.approx(energy, abs=1e-6)
    np.testing.assert_allclose(back.get_forces(), forces, rtol=0, atol=1e-6)

    # an optimizer's trajectory (ASE .traj) and a multi-frame extxyz of it
    traj = tmp_path / "relax.traj"
    with BFGS(atoms, logfile=None, trajectory=str(traj)) as opt:  # closes the trajectory file
        assert opt.run(fmax=0.01, steps=200)
    frames = ase.io.read(traj, ":")
    assert len(frames) == opt.nsteps + 1
    assert frames[0].get_potential_energy() == pytest.approx(energy, rel=1e-14)
    assert frames[-1].get_potential_energy() == pytest.approx(atoms.get_potential_energy(), rel=1e-14)
    np.testing.assert_allclose(frames[-1].get_forces(), atoms.get_forces(), rtol=0, atol=1e-12)
    ase.io.write(tmp_path / "relax.xyz", frames, format="extxyz")
    again = ase.io.read(tmp_path / "relax.xyz", ":")
    assert [a.get_potential_energy() for a in again] == pytest.approx(
        [a.get_potential_energy() for a in frames], rel=1e-14)


def load_example():
    spec = importlib.util.spec_from_file_location("relax_slab", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_relax_slab_function():
    """examples/ase_slab/relax_slab.py's function with the shipped potential, 20 BFGS steps."""
    example = load_example()
    assert example.DEFAULT_POTENTIAL.exists()
    layers = 6
    slab, r = example.relax_slab(layers=layers, size=2, steps=20)
    assert len(slab) == 4 * layers
    assert 5.2 < r["a0"] < 5.7
    assert r["energy"] < r["e_start"]
    assert r["steps"] == 20 or r["converged"]
    bottom = r["layer"] == layers
    assert bottom.sum() == 4 and np.all(slab.get_forces()[bottom] == 0)  # fixed
    assert r["sigma"].shape == (len(slab),) and np.all(np.isfinite(r["sigma"])) and np.all(r["sigma"] >= 0)
    assert r["sigma"].max() > 0


def test_example_relax_slab_script_quick():
    env = dict(os.environ)
    r = subprocess.run([sys.executable, str(EXAMPLE), "--quick"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    for text in ("lattice constant of the potential", "energy", "max force on free atoms",
                 "sigma mean", "(bottom, fixed)", "most uncertain atoms"):
        assert text in r.stdout, (text, r.stdout)
