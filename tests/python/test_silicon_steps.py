"""learn/make_structures.stepped100: the Si(100) step slabs of the active learning. The 2x2
slab doubled across the edge, the upper face's top layer kept on one half only: 76 atoms, the
lower face untouched, no atom closer than in the slab, and the edge along the dimer rows (S_A)
or across them (S_B)."""
import os
import sys

import numpy as np
from ase.io import read

LEARN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     "fitting", "datasets", "silicon", "learn")
sys.path.insert(0, LEARN)
import make_structures as M  # noqa: E402


def test_step_slabs():
    slab = read(os.path.join(LEARN, "structures", "slab100_2x2.xyz"))
    ztop = slab.positions[:, 2].max()
    for edge, axis in (("A", 1), ("B", 0)):
        s = M.stepped100(slab, edge)
        assert len(s) == 2 * len(slab) - 4 and list(s.pbc) == list(slab.pbc)
        assert np.isclose(s.cell[axis, axis], 2 * slab.cell[axis, axis])
        top = s.positions[:, 2] > ztop - 1.0
        x = s.positions[top, axis] / s.cell[axis, axis]
        assert top.sum() == 4 and (x < 0.5).all()             # the terrace: one half only
        assert np.isclose(s.positions[:, 2].min(), slab.positions[:, 2].min())
        assert s.get_all_distances(mic=True)[np.triu_indices(len(s), 1)].min() > 2.3
        # the top dimers' bonds run along y, so the rows run along x: S_A's edge is along x
        dimer = s.positions[top][np.argsort(s.positions[top, 0])][:2]
        assert abs(dimer[0, 1] - dimer[1, 1]) > abs(dimer[0, 0] - dimer[1, 0])


def test_step_111():
    slab = read(os.path.join(LEARN, "structures", "slab111_pandey.xyz"))
    slab.wrap()
    s = M.stepped(slab, 1, 1.6)
    assert len(s) == 2 * len(slab) - 4                        # one chain layer (4 atoms) removed
    top = s.positions[:, 2] > s.positions[:, 2].max() - 1.6
    assert top.sum() == 4 and (s.positions[top, 1] < 0.5 * s.cell[1, 1]).all()
    assert s.get_all_distances(mic=True)[np.triu_indices(len(s), 1)].min() > 2.2
