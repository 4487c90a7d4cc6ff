"""soapgap.molecules.read_molecules on the hand-written files of tests/data/molecules, and
`soapgap kernel` (the CLI) against soapgap.molecules.structure_kernel.

Needs PYTHONPATH=<build>/python; the CLI tests use <build>/fitting/soapgap (SOAPGAP_BUILD_DIR,
default <repo>/build) and are skipped when it is not built."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from soapgap.molecules import QM9_UNITS, read_molecules, structure_kernel

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "molecules"
BUILD = Path(os.environ.get("SOAPGAP_BUILD_DIR", ROOT / "build"))
CLI = BUILD / "fitting" / "soapgap"
DESC = "soap n_max=4 l_max=3 cutoff=3.5 atom_sigma=0.5"

needs_cli = pytest.mark.skipif(not CLI.exists(), reason="soapgap CLI not built at %s" % CLI)


def test_qm9_properties_units_and_charges():
    frames = read_molecules(DATA / "qm9_two.xyz")
    assert len(frames) == 2
    methane, water = frames
    assert methane.get_chemical_formula() == "CH4" and water.get_chemical_formula() == "H2O"
    assert not methane.pbc.any()
    assert methane.info["name"] == "gdb 1" and methane.info["index"] == 1
    assert methane.info["mu"] == 2.5e-05  # written with a Mathematica exponent, 2.5*^-05
    assert methane.info["U0"] == -40.5012
    assert methane.info["U0_eV"] == pytest.approx(-40.5012 * 27.211386245988, rel=1e-15)
    assert set(QM9_UNITS) <= set(methane.info)
    assert methane.info["smiles_relaxed"] == "C" and water.info["inchi_gdb"] == "InChI=1S/H2O/h1H2"
    assert len(methane.info["frequencies"]) == 9
    np.testing.assert_array_equal(methane.arrays["mulliken_charges"], [-0.5204, 0.1301, 0.1301, 0.1301, 0.13])
    assert np.allclose(water.positions[1], [0, 0.7572, -0.4692])
    assert water.info["source"].endswith("qm9_two.xyz:record 1 (line 11)")


def test_sdf_mol2_and_a_directory():
    sdf = read_molecules(str(DATA / "ligands.sdf"))
    assert [a.info["name"] for a in sdf] == ["water", "methane"]
    assert [a.info["activity"] for a in sdf] == ["1", "0"]
    assert sdf[1].info["comment"] == "first line\nsecond line"
    mol2 = read_molecules(DATA / "ligands.mol2")
    assert [a.get_chemical_formula() for a in mol2] == ["C6H6", "H2O"]
    np.testing.assert_array_equal(mol2[1].arrays["partial_charges"], [-0.834, 0.417, 0.417])
    assert mol2[0].info["charge_type"] == "USER_CHARGES"
    everything = read_molecules(DATA)
    assert len(everything) == 9
    both = read_molecules([DATA / "benzene.mol", DATA / "co2.extxyz"])
    assert [a.get_chemical_formula() for a in both] == ["C6H6", "CO2"]
    assert both[1].info["energy"] == -22.5 and both[1].info["config_type"] == "molecule"


def test_errors():
    with pytest.raises(FileNotFoundError):
        read_molecules(DATA / "missing.sdf")
    with pytest.raises(ValueError, match=r"unknown file name extension"):
        read_molecules(__file__)
    with pytest.raises(ValueError, match=r"unknown molecule file format"):
        read_molecules(DATA / "ligands.sdf", format="pdb")
    with pytest.raises(ValueError, match=r"qm9_two\.xyz:\d+: .*expected"):
        read_molecules(DATA / "qm9_two.xyz", format="sdf")


def run_cli(*args):
    return subprocess.run([str(CLI), "kernel", *map(str, args)], capture_output=True, text=True)


@needs_cli
@pytest.mark.parametrize("kind", ["average", "match", "rematch"])
def test_cli_kernel_matches_python(tmp_path, kind):
    inputs = [DATA / "ligands.sdf", DATA / "ligands.mol2", DATA / "qm9_two.xyz", DATA / "co2.extxyz"]
    out = tmp_path / "K.npy"
    args = ["--descriptor", DESC, "--kind", kind, "--gamma", "0.3", "--zeta", "2", "--output", out]
    for p in inputs:
        args += ["--input", p]
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert "smallest eigenvalue:" in r.stdout
    assert "structure kernel:" in r.stderr  # progress
    K = np.load(out)
    assert K.dtype == np.dtype("<f8") and K.flags["C_CONTIGUOUS"]
    frames = [a for p in inputs for a in read_molecules(p)]
    expected = structure_kernel(frames, descriptor=DESC, kind=kind, gamma=0.3, zeta=2)
    assert K.shape == (7, 7)
    np.testing.assert_allclose(K, expected, rtol=0, atol=1e-12)
    lam = float(r.stdout.split("smallest eigenvalue:")[1].split()[0])
    assert lam == pytest.approx(np.linalg.eigvalsh(expected).min(), abs=1e-6)
    # The header: version 1.0, data aligned to 64 bytes.
    raw = out.read_bytes()
    assert raw[:8] == b"\x93NUMPY\x01\x00"
    assert (10 + int.from_bytes(raw[8:10], "little")) % 64 == 0
    # A rectangular kernel (A against B).
    out_b = tmp_path / "KB.npy"
    r = run_cli("--input", DATA / "ligands.sdf", "--input-b", DATA / "ligands.mol2", "--descriptor", DESC,
                "--kind", kind, "--gamma", "0.3", "--output", out_b, "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and "eigenvalue" not in r.stdout
    expected_b = structure_kernel(read_molecules(DATA / "ligands.sdf"), read_molecules(DATA / "ligands.mol2"),
                                  descriptor=DESC, kind=kind, gamma=0.3)
    np.testing.assert_allclose(np.load(out_b), expected_b, rtol=0, atol=1e-12)


@needs_cli
def test_cli_kernel_bad_input(tmp_path):
    out = tmp_path / "K.npy"
    r = run_cli("--input", DATA / "missing.sdf", "--output", out)
    assert r.returncode == 1 and "cannot open" in r.stderr and "missing.sdf" in r.stderr
    r = run_cli("--input", DATA / "ligands.sdf", "--kind", "best", "--output", out)
    assert r.returncode == 2 and "--kind=best: expected average, match or rematch" in r.stderr
    for gamma in ("0", "-0.1", "nan"):
        r = run_cli("--input", DATA / "ligands.sdf", "--kind", "rematch", "--gamma", gamma, "--output", out)
        assert r.returncode == 2 and "--gamma" in r.stderr, r.stderr
    r = run_cli("--input", DATA / "ligands.sdf", "--zeta", "0", "--output", out)
    assert r.returncode == 2 and "--zeta" in r.stderr
    r = run_cli("--input", DATA / "ligands.sdf")
    assert r.returncode == 2 and "--output" in r.stderr
    garbled = tmp_path / "bad.sdf"
    garbled.write_text((DATA / "ligands.sdf").read_text().replace("0.1173 O ", "0.1173 Qq"))
    r = run_cli("--input", garbled, "--output", out)
    assert r.returncode == 1 and "bad.sdf:5: element \"Qq\"" in r.stderr
    assert not out.exists()
