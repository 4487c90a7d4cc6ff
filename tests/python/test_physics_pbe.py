"""fitting/datasets/silicon/physics_pbe.py on relaxations whose "PBE" is soapgap itself: the
vacancy row's PBE columns must then equal soapgap's (at the PBE geometry exactly, relaxed to
the relaxation's tolerance), and rows without converged relaxations say pending."""
import json
import os
import subprocess
import sys

import numpy as np
from ase.build import bulk
from ase.io import write
from ase.optimize import BFGS

from soapgap.ase import SoapGapCalculator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "fitting", "datasets", "silicon", "physics_pbe.py")
SI = os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml")


def labelled(atoms, calc, **info):
    a = atoms.copy()
    a.calc = calc
    e, f = a.get_potential_energy(), a.get_forces()
    out = atoms.copy()
    out.info = dict(info, energy=e)
    out.arrays["forces"] = f
    return out


def test_vacancy_row_equals_soapgap_when_soapgap_is_the_reference(tmp_path):
    calc = SoapGapCalculator(SI)
    diamond = bulk("Si", "diamond", a=5.47, cubic=True)
    write(tmp_path / "labelled.xyz", [labelled(diamond, calc, candidate_id="si-diamond_eos-004")], format="extxyz")
    start = diamond * (2, 1, 1)
    del start[0]
    relaxed = start.copy()
    relaxed.calc = calc
    BFGS(relaxed, logfile=None).run(fmax=0.001, steps=500)
    relaxed.calc = None
    vac = tmp_path / "relax" / "vacancy"
    vac.mkdir(parents=True)
    write(vac / "steps.xyz", [labelled(start, calc, relaxation="vacancy", step=0),
                              labelled(relaxed, calc, relaxation="vacancy", step=1)], format="extxyz")
    (vac / "result.json").write_text(json.dumps({"status": "converged"}))
    out = subprocess.run([sys.executable, SCRIPT, "--potential", SI, "--relax-dir", str(tmp_path / "relax"),
                          "--database", str(tmp_path / "labelled.xyz")], check=True, text=True,
                         stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))).stdout
    row = [line for line in out.splitlines() if line.startswith("| vacancy E_f")][0]
    unrelaxed, pbe, sg_at, sg_relaxed = [float(x) for x in row.strip("|").split("|")[1:]]
    assert abs(pbe - sg_at) < 1e-3 and abs(pbe - sg_relaxed) < 2e-3
    assert unrelaxed > pbe                      # relaxation lowers the energy
    assert 2.0 < pbe < 5.0                      # a vacancy formation energy, in eV
    assert "pending" in [line for line in out.splitlines() if "Si(100)" in line][0]
    assert np.isfinite([unrelaxed, pbe]).all()
