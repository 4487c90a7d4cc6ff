"""Tests of the soapgap Python bindings and ASE calculator.

Needs the build tree: PYTHONPATH=<build>/python, the CLI <build>/fitting/soapgap and the
example program <build>/soapgap_example_sw_dataset (the build directory is
$SOAPGAP_BUILD_DIR, default <repo>/build). Run by scripts/test.sh.
"""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import ase.io
from ase.build import bulk
from ase.calculators.calculator import PropertyNotImplementedError
from ase.optimize import BFGS

import soapgap
from soapgap.ase import SoapGapCalculator

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SOAPGAP_BUILD_DIR", ROOT / "build"))
CLI = BUILD / "fitting" / "soapgap"
DATASET_PROGRAM = Path(os.environ.get("SOAPGAP_EXAMPLE_SW_DATASET", BUILD / "soapgap_example_sw_dataset"))

DESCRIPTORS = [
    "soap n_max=4 l_max=3 cutoff=4 atom_sigma=0.5 zeta=4 delta=0.2 n_sparse=20",
    "distance_2b cutoff=4 theta=0.5 delta=0.5 n_sparse=5",
]


def run(cmd):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    assert r.returncode == 0, "command failed: %s\n%s%s" % (" ".join(map(str, cmd)), r.stdout, r.stderr)
    return r


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Silicon data labelled by Stillinger-Weber (soapgap's example program)."""
    assert DATASET_PROGRAM.exists(), "example program not built: %s" % DATASET_PROGRAM
    d = tmp_path_factory.mktemp("sw")
    run([DATASET_PROGRAM, d, 2, 1])
    return d


@pytest.fixture(scope="module")
def train(dataset):
    return ase.io.read(dataset / "train.xyz", ":")


@pytest.fixture(scope="module")
def potential(train):
    return soapgap.fit(train, descriptors=DESCRIPTORS, seed=1)


@pytest.fixture(scope="module")
def potential_file(potential, tmp_path_factory):
    path = tmp_path_factory.mktemp("pot") / "pot.xml"
    potential.save(str(path))
    return path


STENCIL_STEPS = (-2, -1, 1, 2)


def derivative(energies, h):
    """Fourth-order central difference from the energies at STENCIL_STEPS * h."""
    em2, em1, ep1, ep2 = energies
    return (8 * (ep1 - em1) - (ep2 - em2)) / (12 * h)


def strained_si(seed=3, strain=0.02, rattle=0.05):
    atoms = bulk("Si", "diamond", a=5.43, cubic=True)  # 8 atoms
    rng = np.random.RandomState(seed)
    e = np.eye(3) + strain * (rng.rand(3, 3) - 0.5)
    e = 0.5 * (e + e.T)
    atoms.set_cell(atoms.cell.array @ e, scale_atoms=True)
    atoms.positions += rattle * (rng.rand(len(atoms), 3) - 0.5)
    return atoms


def test_potential_properties(potential, potential_file):
    assert potential.elements == ["Si"]
    assert potential.cutoff == pytest.approx(4.0)
    assert potential.has_variance
    loaded = soapgap.Potential(str(potential_file))
    assert loaded.elements == ["Si"] and loaded.has_variance and loaded.cutoff == potential.cutoff
    atoms = strained_si()
    a, b = (p.predict(atoms, variance=True, total_variance=True) for p in (potential, loaded))
    assert a["energy"] == b["energy"]
    np.testing.assert_array_equal(a["forces"], b["forces"])
    assert a["forces"].shape == (8, 3) and a["virial"].shape == (3, 3)
    assert a["local_energy"].shape == (8,)
    assert a["local_energy"].sum() == pytest.approx(a["energy"], rel=1e-12)
    assert a["local_variance"].shape == (8,) and np.all(a["local_variance"] >= 0)
    assert a["energy_variance"] > 0
    assert "local_variance" not in potential.predict(atoms)
    cheap = potential.predict(atoms, variance=True)  # the default: per-atom variances only
    assert "energy_variance" not in cheap
    np.testing.assert_array_equal(cheap["local_variance"], a["local_variance"])


def test_calculator_matches_cli_eval(potential_file, dataset, tmp_path):
    out = tmp_path / "pred.xyz"
    run([CLI, "eval", "--potential", potential_file, "--input", dataset / "test.xyz", "--output", out, "--variance=total"])
    reference = ase.io.read(out, ":")
    configs = ase.io.read(dataset / "test.xyz", ":")
    assert len(configs) == len(reference) > 0
    calc = SoapGapCalculator(potential=str(potential_file), total_variance=True)
    n_stress = 0
    for atoms, ref in zip(configs, reference):
        atoms.calc = calc
        assert rel(atoms.get_potential_energy(), ref.get_potential_energy()) <= 1e-10
        assert rel(atoms.get_forces(), ref.get_forces()) <= 1e-10
        assert rel(atoms.get_potential_energies(), ref.arrays["local_energy"]) <= 1e-10
        assert rel(calc.results["local_variance"], ref.arrays["local_variance"]) <= 1e-10
        assert rel(calc.results["energy_variance"], ref.info["energy_variance"]) <= 1e-10
        if atoms.pbc.all():
            assert rel(atoms.get_stress(), ref.get_stress()) <= 1e-10
            n_stress += 1
    assert n_stress > 0


def test_stress_finite_differences(potential):
    atoms = strained_si()
    atoms.set_cell(0.98 * atoms.cell.array, scale_atoms=True)  # compressed: a sizeable stress
    atoms.calc = SoapGapCalculator(potential=potential)
    stress = atoms.get_stress(voigt=False)
    v0 = atoms.get_volume()
    cell0, pos0 = atoms.cell.array.copy(), atoms.positions.copy()
    h = 1e-4  # the SOAP energy carries ~1e-11 eV of rounding noise: smaller steps amplify it
    fd = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            energies = []
            for step in STENCIL_STEPS:
                eps = np.eye(3)
                eps[i, j] += step * h
                a = atoms.copy()
                a.calc = atoms.calc
                a.set_cell(cell0 @ eps, scale_atoms=False)
                a.positions = pos0 @ eps
                energies.append(a.get_potential_energy())
            fd[i, j] = derivative(energies, h) / v0
    assert np.max(np.abs(stress)) > 1e-2  # a non-trivial test
    assert np.max(np.abs(stress - fd)) <= 1e-6 * np.max(np.abs(stress))


def test_forces_finite_differences(potential):
    atoms = strained_si(seed=5)
    atoms.calc = SoapGapCalculator(potential=potential)
    forces = atoms.get_forces()
    h = 1e-4  # the SOAP energy carries ~1e-11 eV of rounding noise: smaller steps amplify it
    fd = np.zeros_like(forces)
    for i in range(len(atoms)):
        for k in range(3):
            energies = []
            for step in STENCIL_STEPS:
                a = atoms.copy()
                a.calc = atoms.calc
                a.positions[i, k] += step * h
                energies.append(a.get_potential_energy())
            fd[i, k] = -derivative(energies, h)
    assert np.max(np.abs(forces)) > 1e-2
    assert np.max(np.abs(forces - fd)) <= 1e-6 * np.max(np.abs(forces))


def test_python_fit_equals_cli_fit(potential, dataset, tmp_path):
    cli_pot = tmp_path / "cli.xml"
    cmd = [CLI, "fit", "--train", dataset / "train.xyz", "--output", cli_pot, "--seed", 1]
    for d in DESCRIPTORS:
        cmd += ["--descriptor", d]
    run(cmd)
    cli = soapgap.Potential(str(cli_pot))
    assert cli.e0 == potential.e0
    assert cli.descriptors == potential.descriptors
    for atoms in ase.io.read(dataset / "test.xyz", ":"):
        a = potential.predict(atoms, variance=True, total_variance=True)
        b = cli.predict(atoms, variance=True, total_variance=True)
        for key in ("energy", "forces", "virial", "local_energy", "local_variance", "energy_variance"):
            assert rel(a[key], b[key]) <= 1e-10, key


def test_fit_from_info_labels_equals_calculator_labels(train, potential):
    """Labels from atoms.info/arrays (no calculator) give the same fit as from calc.results."""
    plain = []
    for atoms in train:
        a = atoms.copy()  # drops the calculator, keeps info (energy, virial, stress) and arrays
        a.arrays["forces"] = atoms.get_forces()
        if "stress" in a.info:
            a.info.pop("virial")  # virial from info["stress"]
        a.info["energy"] = atoms.get_potential_energy()
        assert a.calc is None
        plain.append(a)
    pot = soapgap.fit(plain, descriptors=DESCRIPTORS, seed=1)
    atoms = strained_si()
    assert rel(pot.predict(atoms)["forces"], potential.predict(atoms)["forces"]) <= 1e-8
    with pytest.raises(ValueError, match="nothing to fit"):
        soapgap.fit([bulk("Si", "diamond", a=5.43)], descriptors=DESCRIPTORS)


def test_bfgs_relaxation(potential):
    atoms = bulk("Si", "diamond", a=5.43, cubic=True)
    atoms.rattle(stdev=0.05, seed=7)
    atoms.calc = SoapGapCalculator(potential=potential)
    e_start = atoms.get_potential_energy()
    opt = BFGS(atoms, logfile=None)
    assert opt.run(fmax=0.01, steps=300)
    assert np.max(np.linalg.norm(atoms.get_forces(), axis=1)) < 0.01
    assert atoms.get_potential_energy() < e_start


def test_caching_and_non_periodic(potential):
    atoms = strained_si()
    atoms.calc = calc = SoapGapCalculator(potential=potential)
    e = atoms.get_potential_energy()
    calc.results["energy"] = 123.0  # cached: no new calculation for unchanged atoms
    assert atoms.get_potential_energy() == 123.0
    atoms.positions[0, 0] += 0.01
    assert atoms.get_potential_energy() != 123.0 and atoms.get_potential_energy() != e
    cluster = atoms.copy()
    cluster.pbc = False
    cluster.calc = SoapGapCalculator(potential=potential)
    cluster.get_potential_energy()
    with pytest.raises(PropertyNotImplementedError):
        cluster.get_stress()


def test_unknown_element(potential):
    atoms = strained_si()
    atoms.numbers[2] = 8
    atoms.calc = SoapGapCalculator(potential=potential)
    with pytest.raises(ValueError, match=r"element O\b.*atom 2"):
        atoms.get_potential_energy()


def test_missing_file(tmp_path):
    missing = tmp_path / "no_such_potential.xml"
    with pytest.raises(FileNotFoundError, match="no_such_potential.xml"):
        soapgap.Potential(str(missing))
    with pytest.raises(FileNotFoundError, match="no_such_potential.xml"):
        SoapGapCalculator(potential=str(missing))


def test_malformed_file(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<soapgap_potential format_version='1'>\n")
    with pytest.raises(ValueError, match="bad.xml"):
        soapgap.Potential(str(bad))


def test_a_virial_in_info_wins_over_a_stored_stress_as_in_soapgap_fit(tmp_path):
    """A slab written by a DFT labeller carries a virial (info) and a stress, which ASE's extxyz
    reader moves into the calculator. The virial is used (as `soapgap fit` does); the stress of
    a cell that is not periodic in every direction is not an error then."""
    from soapgap import _labels

    slab = bulk("Si", "diamond", a=5.43, cubic=True)
    slab.pbc = (True, True, False)
    slab.center(vacuum=5.0, axis=2)
    virial = np.arange(9.0).reshape(3, 3)
    slab.info.update(energy=-10.0, virial=virial, stress=np.ones((3, 3)))
    slab.arrays["forces"] = np.zeros((len(slab), 3))
    path = tmp_path / "slab.xyz"
    ase.io.write(path, slab, format="extxyz")
    back = ase.io.read(path)
    assert back.calc is not None and "stress" in back.calc.results  # where ASE put it
    energy, forces, got = _labels(back, 0, "energy", "forces", "virial", "stress")
    assert energy == -10.0 and np.allclose(got, virial)
    back.info.pop("virial")
    with pytest.raises(ValueError, match="periodic in all three directions"):
        _labels(back, 0, "energy", "forces", "virial", "stress")


def test_fit_refuses_an_e0_for_an_element_absent_from_the_training_set(train):
    with pytest.raises(ValueError, match=r"e0 Ge=\.\.\.: Ge does not occur in the training set \(its elements: Si\)"):
        soapgap.fit(train, descriptors=DESCRIPTORS, e0={"Ge": -100.0})
    with pytest.raises(ValueError, match="sigmas of energy, force and virial must be positive"):
        soapgap.fit(train, descriptors=DESCRIPTORS, sigma_force=0.0)
