"""fitting/datasets/silicon/gen_stacking.py and physics_pbe.py's (111) stacking rows: the faulted
cells are ideal four-fold networks that differ from diamond only beyond second neighbours; the
energy differences recover a known gamma, lonsdaleite and twin energy from synthetic energies; with soapgap standing in for PBE the printed PBE and soapgap columns agree."""
import os
import subprocess
import sys

import numpy as np
import pytest
from ase.io import write
from ase.neighborlist import neighbor_list

from soapgap.ase import SoapGapCalculator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "fitting", "datasets", "silicon")
sys.path.insert(0, DATA)
import gen_stacking  # noqa: E402
import physics_pbe  # noqa: E402

SI = os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml")



def cells():
    out = {}
    for ct, items in (("hexagonal_diamond", gen_stacking.gen_hexagonal_diamond()),
                      ("stacking_fault", gen_stacking.gen_stacking_fault())):
        for k, (at, _) in enumerate(items):
            out["si-%s-%03d" % (ct, k)] = at
    return out


def test_faulted_cells_are_ideal_tetrahedral_networks():
    for n in (6, 12):
        at, dia = gen_stacking.fault(n), gen_stacking.diamond111(n)
        assert len(at) == len(dia) == 2 * n
        i, d = neighbor_list("id", at, 2.5)
        assert (np.bincount(i, minlength=len(at)) == 4).all()
        assert np.allclose(d, gen_stacking.A0 * np.sqrt(3) / 4, atol=1e-9)
        # one fault per period: the third-neighbour shell (3.7-4.0 A, eclipsed bonds across a
        # hexagonal layer) gains exactly the same count per fault for 6 and 12 bilayers
        gain = np.sum(neighbor_list("d", at, 4.0) > 3.7) - np.sum(neighbor_list("d", dia, 4.0) > 3.7)
        assert gain > 0
        if n == 6:
            gain6 = gain
        else:
            assert gain == gain6


def test_stacking_differences_recover_known_energies():
    e, gamma, hexd, twin = -107.0, 35.0, 11.0, 17.0  # eV/atom, mJ/m^2, meV/atom, mJ/m^2
    mj = 16021.766
    frames = cells()
    c = frames["si-stacking_fault-000"].cell
    area = np.linalg.norm(np.cross(c[0], c[1]))
    for at in frames.values():
        at.info["energy"] = len(at) * e
    for cid in ("si-stacking_fault-001", "si-stacking_fault-003"):
        frames[cid].info["energy"] += area * gamma / mj
    frames["si-hexagonal_diamond-002"].info["energy"] += 12 * hexd / 1000
    frames["si-stacking_fault-004"].info["energy"] += 2 * area * twin / mj
    assert physics_pbe.stacking_energies(frames) == pytest.approx((gamma, gamma, hexd, twin), abs=1e-6)


def test_stacking_rows_equal_soapgap_when_soapgap_is_the_reference(tmp_path):
    calc = SoapGapCalculator(SI)
    frames = []
    for cid, at in cells().items():
        a = at.copy()
        a.calc = calc
        e = a.get_potential_energy()
        a.calc = None
        a.info = {"candidate_id": cid, "energy": e}
        frames.append(a)
    diamond = gen_stacking.stacking("ABC" * 2, n_in_plane=1)
    diamond.calc = calc
    e = diamond.get_potential_energy()
    diamond.calc = None
    diamond.info = {"candidate_id": "si-diamond_eos-004", "energy": e}
    write(tmp_path / "labelled.xyz", frames + [diamond], format="extxyz")
    (tmp_path / "relax").mkdir()
    out = subprocess.run([sys.executable, os.path.join(DATA, "physics_pbe.py"), "--potential", SI, "--relax-dir",
                          str(tmp_path / "relax"), "--database", str(tmp_path / "labelled.xyz")], check=True, text=True,
                         stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))).stdout
    rows = [line for line in out.splitlines() if "stacking fault" in line or "lonsdaleite" in line or "twin" in line]
    assert len(rows) == 4
    for row in rows:
        cols = [c.strip() for c in row.strip("|").split("|")]
        assert float(cols[1]) == pytest.approx(float(cols[3]), abs=0.05)
        assert float(cols[1]) > 0
