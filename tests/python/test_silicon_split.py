"""fitting/datasets/silicon/split.py's PBE relaxation frames: every SCF of relax/NAME/steps.xyz
joins with candidate_id relax-NAME-stepK and config_type pbe_relax_<the start's kind>, a
relaxation lands on one side whole (held out when started as a check or from a test
candidate), a step answered from the database is not added twice, and a file start without a
config_type is refused."""
import os
import sys

import numpy as np
import pytest
from ase.build import bulk
from ase.io import write

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "fitting", "datasets", "silicon"))
import split  # noqa: E402


def frame(step, **info):
    a = bulk("Si", "diamond", a=5.47, cubic=True)
    a.positions[0, 0] += 0.01 * step
    a.info = dict(info, relaxation="r", step=step, energy=-40.0 - step)
    a.arrays["forces"] = np.zeros((len(a), 3))
    return a


def relaxation(root, name, steps, **start_info):
    d = root / name
    d.mkdir(parents=True)
    start = frame(0)
    start.info = start_info
    del start.arrays["forces"]
    write(d / "start.extxyz", start, format="extxyz")
    write(d / "steps.xyz", steps, format="extxyz")


def test_relaxation_steps_join_whole_and_typed(tmp_path):
    cand = frame(0, candidate_id="si-vacancy-000", config_type="vacancy")
    relaxation(tmp_path, "asi", [frame(k) for k in range(3)], start="asi.extxyz", config_type="amorphous")
    relaxation(tmp_path, "vac", [frame(0, from_database="si-vacancy-000"), frame(1)], start="si-vacancy-000")
    relaxation(tmp_path, "check", [frame(k) for k in range(2)], start="a.xyz", config_type="amorphous", held_out=True)
    frames, test = split.relaxation_frames([cand], set(), relax_dir=str(tmp_path))
    ids = [f.info["candidate_id"] for f in frames]
    assert ids == ["relax-asi-step0", "relax-asi-step1", "relax-asi-step2", "relax-check-step0",
                   "relax-check-step1", "relax-vac-step1"]       # the database's step 0 is not added twice
    types = {f.info["candidate_id"]: f.info["config_type"] for f in frames}
    assert types["relax-asi-step2"] == "pbe_relax_amorphous" and types["relax-vac-step1"] == "pbe_relax_vacancy"
    assert test == {"relax-check-step0", "relax-check-step1"}    # u("relax-asi"), u("relax-vac") >= 0.10
    _, test = split.relaxation_frames([cand], {"si-vacancy-000"}, relax_dir=str(tmp_path))
    assert "relax-vac-step1" in test                             # a test start takes its relaxation with it


def test_file_start_without_config_type_is_refused(tmp_path):
    relaxation(tmp_path, "asi", [frame(0)], start="asi.extxyz")
    with pytest.raises(SystemExit, match="no config_type"):
        split.relaxation_frames([], set(), relax_dir=str(tmp_path))
