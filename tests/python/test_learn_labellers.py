"""The labellers of soapgap learn that need no LAMMPS: any ASE calculator ("ase") and Quantum
ESPRESSO through ASE ("espresso", the default; Debian's pw.x, installed by the test command).
The LAMMPS labeller is tested in tests/lammps/test_active_learning.py."""
import shutil

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.lj import LennardJones

from soapgap.learn.labellers import make_labeller


def rattled_si():
    a = bulk("Si", "diamond", a=5.43)
    a.rattle(0.05, seed=1)
    return a


def test_ase_labeller_matches_the_calculator():
    lab = make_labeller({"kind": "ase", "calculator": "ase.calculators.lj:LennardJones",
                         "arguments": {"sigma": 2.1, "epsilon": 0.2, "rc": 5.0}}, ".", None, ["Si"])
    atoms = rattled_si()
    out = lab.label(atoms)
    ref = atoms.copy()
    ref.calc = LennardJones(sigma=2.1, epsilon=0.2, rc=5.0)
    assert out.info["energy"] == pytest.approx(ref.get_potential_energy(), abs=1e-12)
    assert np.allclose(out.arrays["forces"], ref.get_forces(), atol=1e-12)
    # virial = -stress * volume (eV)
    s = ref.get_stress(voigt=False)
    assert np.allclose(out.info["virial"], -s * ref.get_volume(), atol=1e-10)
    assert out.calc is None and atoms.calc is None


@pytest.mark.parametrize("settings, message", [
    ({"kind": "ase"}, "needs calculator"),
    ({"kind": "ase", "calculator": "no_such_module:f"}, "no_such_module"),
    ({"kind": "lammps", "pair_style": "sw"}, "needs the \\[lammps\\] table"),
    ({"kind": "espresso"}, "needs pseudopotentials"),
    ({"kind": "vasp"}, "expected \"lammps\", \"espresso\", \"ase\" or \"python\""),
    ({"kind": "python"}, "needs labeller = "),
    ({"kind": "python", "labeller": "missing.py:f"}, "missing.py does not exist"),
    ({"kind": "python", "labeller": "ase.build:bulk", "arguments": {"name": "Si"}}, "has no label\\(atoms\\) method"),
    ({"kind": "python", "labeller": "ase.build:bulk", "extra": 1}, "unknown key"),
    ({"kind": "ase", "calculator": "ase.calculators.lj:LennardJones", "extra": 1}, "unknown key"),
])
def test_labeller_settings_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        make_labeller(settings, ".", None, ["Si"], where="x.toml: [labeller]")


def test_python_labeller_from_a_file_with_arguments(tmp_path):
    (tmp_path / "my_labeller.py").write_text(
        "import numpy as np\n"
        "class Constant:\n"
        "    def __init__(self, energy):\n"
        "        self.energy = energy\n"
        "    def label(self, atoms):\n"
        "        out = atoms.copy()\n"
        "        out.info['energy'] = self.energy * len(atoms)\n"
        "        out.arrays['forces'] = np.zeros((len(atoms), 3))\n"
        "        out.info['provenance'] = 'mine'\n"
        "        return out\n")
    lab = make_labeller({"kind": "python", "labeller": "my_labeller.py:Constant", "arguments": {"energy": -2.5}},
                        str(tmp_path), None, ["Si"])
    out = lab.label(rattled_si())
    assert out.info["energy"] == -5.0 and out.info["provenance"] == "mine"


@pytest.mark.skipif(shutil.which("pw.x") is None, reason="needs pw.x (Debian quantum-espresso; scripts/install-dependencies.sh)")
def test_espresso_labeller_forces_are_energy_derivatives(tmp_path):
    settings = {"kind": "espresso", "pseudopotentials": {"Si": "Si.pbe-rrkj.UPF"},
                "pseudo_dir": "/usr/share/espresso/pseudo", "kpts": [2, 2, 2],
                "command": "pw.x -in PREFIX.pwi > PREFIX.pwo",
                "input_data": {"system": {"ecutwfc": 16, "occupations": "smearing", "smearing": "mv",
                                          "degauss": 0.01},
                               "electrons": {"conv_thr": 1e-11},
                               "control": {"tprnfor": True, "tstress": True}}}
    lab = make_labeller(settings, str(tmp_path), None, ["Si"])
    atoms = rattled_si()
    out = lab.label(atoms)
    assert out.info["energy"] < -200  # eV, 2 Si atoms with this pseudopotential (~ -105.7 eV each)
    assert np.allclose(out.arrays["forces"].sum(axis=0), 0, atol=1e-4)
    assert np.allclose(out.info["virial"], out.info["virial"].T, atol=1e-6)
    h = 2e-3
    e = []
    for s in (1, -1):
        a = atoms.copy()
        a.positions[0, 0] += s * h
        e.append(lab.label(a).info["energy"])
    fd = -(e[0] - e[1]) / (2 * h)
    assert fd == pytest.approx(out.arrays["forces"][0, 0], abs=5e-3)
