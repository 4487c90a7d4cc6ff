"""potentials/Si/compare.py (the refit history's table): its energy and force RMSEs equal those
computed here from soapgap's ASE calculator on the same frames, and a potential given twice
gives the same row."""
import os
import subprocess
import sys

import numpy as np
from ase.io import read, write

from soapgap.ase import SoapGapCalculator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SI = os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml")
HELD_OUT = os.path.join(ROOT, "fitting", "datasets", "silicon", "test.xyz")
BUILD = os.environ.get("SOAPGAP_BUILD_DIR", os.path.join(ROOT, "build"))


def test_compare_matches_the_calculator(tmp_path):
    frames = [a for a in read(HELD_OUT, ":") if 1 < len(a) <= 16][:4]
    path = tmp_path / "frames.xyz"
    for a in frames:  # the reference labels as plain arrays, not a calculator's results
        a.info["energy"], a.arrays["forces"] = a.get_potential_energy(), a.get_forces()
        a.calc = None
    write(path, frames, format="extxyz")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "potentials", "Si", "compare.py"), "--potential", SI,
                          "--potential", SI, "--frames", str(path),
                          "--soapgap", os.path.join(BUILD, "fitting", "soapgap")],
                         check=True, text=True, stdout=subprocess.PIPE).stdout
    rows = [line for line in out.splitlines() if line.startswith("| " + SI)]
    assert len(rows) == 2 and rows[0] == rows[1]
    e_cell, f_cell = [float(x) for x in rows[0].split("|")[2].split("/")]
    calc = SoapGapCalculator(SI)
    de, df = [], []
    for a in frames:
        ref_e, ref_f = a.info["energy"], a.arrays["forces"]
        b = a.copy()
        b.calc = calc
        de.append((b.get_potential_energy() - ref_e) / len(a))
        df.append((b.get_forces() - ref_f).ravel())
    assert abs(e_cell - 1e3 * np.sqrt(np.mean(np.square(de)))) < 0.006
    assert abs(f_cell - np.sqrt(np.mean(np.square(np.concatenate(df))))) < 0.0006
