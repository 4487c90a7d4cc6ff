"""Pieces of soapgap learn that need no LAMMPS: farthest-point sampling, Spearman correlation,
the LAMMPS cell/dump conversions, and the checks of the configuration file."""
import os
import textwrap

import numpy as np
import pytest
from ase.build import bulk

from soapgap.learn.lammps_run import lammps_cell, read_dump, write_data
from soapgap.learn.config import read_config
from soapgap.selection import farthest_point_sampling, rankdata, spearman


def test_fps_picks_extremes_and_is_deterministic():
    x = np.array([[0.0], [1.0], [10.0], [4.9], [5.1], [9.0]])
    assert farthest_point_sampling(x, 3, first=0) == [0, 2, 3]
    assert farthest_point_sampling(x, 3, first=0) == farthest_point_sampling(x, 3, first=0)
    # already-chosen points: the first pick is the row farthest from them
    assert farthest_point_sampling(x, 2, chosen_before=np.array([[10.0]])) == [0, 3]
    # duplicates of chosen points are never picked: stops early
    assert farthest_point_sampling(np.zeros((4, 2)), 3, first=1) == [1]
    assert farthest_point_sampling(np.ones((2, 1)), 2, chosen_before=np.ones((1, 1))) == []
    with pytest.raises(ValueError):
        farthest_point_sampling(x, 2, first=9)


def test_rankdata_ties_and_spearman():
    assert list(rankdata([3, 1, 3, 2])) == [3.5, 1.0, 3.5, 2.0]
    rng = np.random.default_rng(1)
    a = rng.normal(size=50)
    assert spearman(a, np.exp(a)) == pytest.approx(1.0)
    assert spearman(a, -a ** 3) == pytest.approx(-1.0)
    b = a + rng.normal(size=50)
    # the textbook formula for untied data: 1 - 6 sum d^2 / (n (n^2 - 1))
    d = rankdata(a) - rankdata(b)
    assert spearman(a, b) == pytest.approx(1 - 6 * (d ** 2).sum() / (50 * (50 ** 2 - 1)))
    assert np.isnan(spearman([1, 2], [2, 1]))
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_lammps_cell_keeps_lengths_and_angles():
    cell = np.array([[4.0, 0.3, -0.2], [1.0, 5.0, 0.4], [0.5, -1.0, 6.0]])
    L = lammps_cell(cell)
    assert np.allclose(L @ L.T, cell @ cell.T)
    assert L[0, 1] == L[0, 2] == L[1, 2] == 0
    with pytest.raises(ValueError, match="left-handed"):
        lammps_cell(cell[[1, 0, 2]])


def test_data_file_and_dump_round_trip(tmp_path):
    atoms = bulk("Si", "diamond", a=5.43).repeat((2, 1, 1))
    atoms.set_cell(atoms.cell[:] + np.array([[0, 0.2, 0.1], [0.3, 0, 0], [0, 0, 0]]), scale_atoms=True)
    atoms.rattle(0.05, seed=3)
    pos = write_data(str(tmp_path / "a.data"), atoms, ["Si"])
    L = lammps_cell(atoms.cell[:])
    text = (tmp_path / "a.data").read_text()
    assert "xy xz yz" in text and "%d atoms" % len(atoms) in text
    # a dump of those positions, in LAMMPS' triclinic bounding-box convention
    xy, xz, yz = L[1, 0], L[2, 0], L[2, 1]
    # %.17g, not %r: numpy >= 2 writes repr(np.float64(x)) as "np.float64(x)"
    lines = ["ITEM: TIMESTEP", "7", "ITEM: NUMBER OF ATOMS", str(len(atoms)), "ITEM: BOX BOUNDS xy xz yz pp pp pp",
             "%.17g %.17g %.17g" % (min(0, xy, xz, xy + xz), L[0, 0] + max(0, xy, xz, xy + xz), xy),
             "%.17g %.17g %.17g" % (min(0, yz), L[1, 1] + max(0, yz), xz), "0 %.17g %.17g" % (L[2, 2], yz),
             "ITEM: ATOMS id type x y z v_s"]
    for i in reversed(range(len(atoms))):  # unsorted on purpose
        lines.append("%d 1 %.17g %.17g %.17g %g" % (i + 1, pos[i, 0], pos[i, 1], pos[i, 2], 0.1 * i))
    (tmp_path / "a.dump").write_text("\n".join(lines + lines[:6]) + "\n")  # + a truncated frame
    frames = read_dump(str(tmp_path / "a.dump"), ["Si"], extra_columns=("v_s",))
    assert len(frames) == 1
    step, a, cols = frames[0]
    assert step == 7
    assert np.allclose(a.cell[:], L)
    assert np.allclose(a.positions, pos)
    assert np.allclose(cols["v_s"], 0.1 * np.arange(len(atoms)))
    assert np.allclose(a.get_all_distances(mic=True), atoms.get_all_distances(mic=True))
    with pytest.raises(ValueError, match="no column 'v_t'"):
        read_dump(str(tmp_path / "a.dump"), ["Si"], extra_columns=("v_t",))
    with pytest.raises(ValueError, match="not among the types"):
        write_data(str(tmp_path / "b.data"), bulk("Ge"), ["Si"])


def test_slab_with_a_hexagonal_cell_keeps_its_tilt_and_a_margin_along_the_vacuum(tmp_path):
    from ase.build import diamond111

    slab = diamond111("Si", (2, 2, 4), vacuum=6.0)  # 60-degree in-plane cell, vacuum along z
    slab.pbc = (True, True, False)
    pos = write_data(str(tmp_path / "s.data"), slab, ["Si"])
    L = lammps_cell(slab.cell[:])
    words = {line.split()[-1]: line.split() for line in (tmp_path / "s.data").read_text().splitlines()
             if line.endswith(("xhi", "yhi", "zhi", "yz"))}
    assert float(words["yz"][0]) == pytest.approx(L[1, 0]) and abs(float(words["yz"][1])) < 1e-12
    assert float(words["zhi"][0]) == pytest.approx(min(pos[:, 2].min(), 0.0) - 10.0)  # 10 A of margin
    assert np.allclose(pos @ np.linalg.inv(L), slab.get_scaled_positions(wrap=False))
    tilted = slab.copy()
    tilted.cell[2] = [1.0, 0.0, tilted.cell[2, 2]]  # xz tilt with z not periodic: LAMMPS refuses it
    with pytest.raises(ValueError, match="tilt involves periodic directions only"):
        write_data(str(tmp_path / "t.data"), tilted, ["Si"])


def _config(tmp_path, body):
    (tmp_path / "slab.xyz").write_text("1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n"
                                       "Si 0 0 0\n")
    (tmp_path / "seed.xyz").write_text((tmp_path / "slab.xyz").read_text())
    (tmp_path / "plugin.so").write_text("")
    path = tmp_path / "learn.toml"
    path.write_text(textwrap.dedent(body))
    return str(path)


GOOD = """
workdir = "run"
elements = ["Si"]
[start]
seed_configurations = "seed.xyz"
[fit]
descriptors = ["soap n_max=4 l_max=3 cutoff=4 n_sparse=10"]
sigma_force = 0.05
[select]
threshold = 0.02
[lammps]
binary = "lmp"
plugin = "plugin.so"
[labeller]
kind = "lammps"
pair_style = "sw"
pair_coeff = "* * Si.sw Si"
[[task]]
name = "md1"
structure = "slab.xyz"
temperature = 500
"""


def test_config_reads_and_resolves(tmp_path):
    cfg = read_config(_config(tmp_path, GOOD))
    assert cfg.workdir == str(tmp_path / "run")
    assert cfg.seed_configurations == str(tmp_path / "seed.xyz")
    assert cfg.threshold == 0.02 and cfg.stop_threshold == pytest.approx(0.2)
    assert cfg.fit == {"descriptors": ["soap n_max=4 l_max=3 cutoff=4 n_sparse=10"], "sigma_force": 0.05}
    (task,) = cfg.tasks
    assert (task.name, task.kind, task.temperature, task.config_type) == ("md1", "md", 500.0, "md1")


def test_md_ramp_pressure_and_variance_terms_reach_the_deck(tmp_path):
    from soapgap.learn import ActiveLearner

    body = GOOD.replace("threshold = 0.02", "threshold = 0.02\nvariance_terms = [2, 3]").replace(
        "temperature = 500", "temperature = 2000\ntemperature_end = 500\npressure = 0\ntimestep = 0.002")
    cfg = read_config(_config(tmp_path, body))
    (task,) = cfg.tasks
    assert (task.temperature, task.temperature_end, task.pressure) == (2000.0, 500.0, 0.0)
    assert cfg.variance_terms == [2, 3]
    assert ActiveLearner._thermostat(task) == "fix sg_npt all npt temp 2000 500 0.2 iso 0 0 2"
    task.pressure = None
    assert ActiveLearner._thermostat(task) == "fix sg_nvt all nvt temp 2000 500 0.2"
    task.temperature_end = None
    assert ActiveLearner._thermostat(task) == "fix sg_nvt all nvt temp 2000 2000 0.2"
    learner = ActiveLearner.__new__(ActiveLearner)
    learner.cfg = cfg
    learner._files = {}
    learner.lammps = type("L", (), {"plugin_line": lambda self: "plugin load x.so"})()
    deck = learner._task_deck(task, 0, "in.data", "pot.xml", "out.dump")
    assert "compute sg_var all soapgap/variance/atom terms 2 3\n" in deck
    cfg.variance_terms = []
    assert "compute sg_var all soapgap/variance/atom\n" in learner._task_deck(task, 0, "in.data", "pot.xml", "d")


def test_equilibration_steps_are_read_and_keep_start_up_samples_out_of_the_candidates(tmp_path):
    from soapgap.learn.loop import flag_steps

    cfg = read_config(_config(tmp_path, GOOD.replace("temperature = 500", "equilibration_steps = 100")))
    assert cfg.tasks[0].equilibration_steps == 100
    assert read_config(_config(tmp_path, GOOD)).tasks[0].equilibration_steps == 0
    steps, sigma = [0, 50, 100, 150], [0.9, 0.01, 0.5, 0.03]
    assert flag_steps(steps, sigma, 0.1) == [0, 100]
    assert flag_steps(steps, sigma, 0.1, 100) == [100]


def test_frames_of_slabs_get_the_vacuum_of_the_task_structure():
    from ase import Atoms

    from soapgap.learn import with_vacuum_of

    structure = Atoms("Si2", positions=[[0, 0, 10.0], [1.0, 1.0, 12.0]], cell=[4, 4, 22.0], pbc=[True, True, False])
    dumped = Atoms("Si2", positions=[[0.1, 0, 0.0], [1.1, 1.0, 2.5]], cell=[4, 4, 2.5], pbc=[True, True, False])
    out = with_vacuum_of(dumped, structure)
    assert np.allclose(out.cell.lengths(), [4, 4, 22.5])  # the structure's 20 A of vacuum
    assert np.allclose(out.positions[:, 2], [10.0, 12.5])  # centred, spacing kept
    assert np.allclose(out.positions[:, :2], dumped.positions[:, :2])
    spread = dumped.copy()
    spread.positions[1, 2] = 30.0
    assert np.isclose(with_vacuum_of(spread, structure).cell.lengths()[2], 50.0)
    bulk_like = Atoms("Si", positions=[[0, 0, 0]], cell=[3, 3, 3], pbc=True)
    assert np.allclose(with_vacuum_of(bulk_like, bulk_like).cell[:], bulk_like.cell[:])


@pytest.mark.parametrize("change, message", [
    (("threshold = 0.02", "threshold = -1"), r"\[select\]: threshold = -1(\.0)?: expected a positive number"),
    (("threshold = 0.02", "treshold = 0.02"), r"\[select\]: unknown key\(s\): treshold"),
    (("temperature = 500", "temperature = \"hot\""), r"\[\[task\]\] #1: temperature = 'hot': expected float"),
    (("name = \"md1\"", "name = \"md 1\""), r"name = 'md 1': use letters"),
    (("structure = \"slab.xyz\"", "structure = \"none.xyz\""), r"none.xyz does not exist"),
    (("seed_configurations = \"seed.xyz\"", ""), r"\[start\] needs potential"),
    (("elements = [\"Si\"]", "elements = [\"Xx\"]"), r"'Xx' is not an element symbol"),
    (("[fit]", "[fitting]"), r"missing required key 'fit'"),
    (("sigma_force = 0.05", "sigma_force = 0.05\n["), r"learn.toml: "),
    (("threshold = 0.02", "threshold = 0.02\nvariance_terms = [0]"), r"variance_terms = \[0\]: expected term numbers"),
    (("threshold = 0.02", "threshold = 0.02\nvariance_terms = 2"), r"variance_terms = 2: expected list"),
    (("temperature = 500", "temperature = 500\nkind = \"minimize\"\npressure = 0"), r"apply to kind = \"md\" only"),
    (("temperature = 500", "temperature_end = -3"), r"temperature_end = -3(\.0)?: expected a positive number"),
    (("temperature = 500", "steps = 100\nequilibration_steps = 100"), r"equilibration_steps = 100: must be below"),
    (("temperature = 500", "equilibration_steps = -5"), r"equilibration_steps = -5"),
    (("kind = \"lammps\"", "kind = \"lammps\"\nparallel = 0"), r"\[labeller\]: parallel = 0: expected a positive"),
    (("kind = \"lammps\"", "kind = \"lammps\"\nparallel = true"), r"parallel = True: expected a positive"),
])
def test_config_errors_name_file_table_and_key(tmp_path, change, message):
    path = _config(tmp_path, GOOD.replace(*change))
    with pytest.raises(ValueError, match=message) as e:
        read_config(path)
    assert os.path.basename(path) in str(e.value)


def test_training_frames_that_are_the_loops_own_labels_count_once_and_held_out_ones_never(tmp_path):
    from ase.build import bulk as _bulk
    from ase.io import write as _write

    from soapgap.learn import ActiveLearner

    def frame(al_id=None, iteration=0):
        a = _bulk("Si", "diamond", a=5.43)
        a.info["energy"] = -10.0
        if al_id:
            a.info.update(al_id=al_id, al_iteration=iteration)
        return a

    _write(tmp_path / "train.xyz", [frame(), frame("iter000-x-step1"), frame()], format="extxyz")
    _write(tmp_path / "labelled.xyz", [frame("iter000-x-step1"), frame("iter001-y-step2", 1)], format="extxyz")
    learner = ActiveLearner.__new__(ActiveLearner)
    learner.cfg = type("C", (), {"training": str(tmp_path / "train.xyz"), "seed_configurations": None})()
    learner._files, learner._labelled, learner.labelled_path = {}, None, str(tmp_path / "labelled.xyz")
    learner.cfg.workdir, learner._picks = str(tmp_path), {}
    ids = [a.info.get("al_id") for a in learner.training_set(2)]
    assert ids == [None, None, "iter000-x-step1", "iter001-y-step2"]
    assert [a.info.get("al_id") for a in learner.training_set(1)] == [None, None, "iter000-x-step1"]
    # a label that the held-out file holds is not trained on (the database's split tested it)
    _write(tmp_path / "test.xyz", [frame(), frame("iter001-y-step2", 1)], format="extxyz")
    learner.cfg.heldout, learner._files = str(tmp_path / "test.xyz"), {}
    assert [a.info.get("al_id") for a in learner.training_set(2)] == [None, None, "iter000-x-step1"]
    # [fit] max_force: a label with a larger force component is kept but not fitted
    hot = frame("iter001-z-step0", 1)
    hot.arrays["forces"] = np.full((len(hot), 3), 0.1)
    hot.arrays["forces"][0, 2] = -65.0
    _write(tmp_path / "labelled.xyz", [frame("iter000-x-step1"), frame("iter001-y-step2", 1), hot], format="extxyz")
    learner._labelled = None
    assert "iter001-z-step0" in [a.info.get("al_id") for a in learner.training_set(2)]
    learner.cfg.max_force = 20.0
    assert "iter001-z-step0" not in [a.info.get("al_id") for a in learner.training_set(2)]


class _SlowLabeller:
    """Sleeps al_sleep seconds per frame, raises for al_id "bad"; records how many run at once."""
    thread_safe = True

    def __init__(self):
        import threading

        self.lock, self.running, self.most, self.started = threading.Lock(), 0, 0, []

    def describe(self):
        return "slow"

    def label(self, atoms):
        import time

        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.started.append(atoms.info["al_id"])
        time.sleep(atoms.info["al_sleep"])
        with self.lock:
            self.running -= 1
        if atoms.info["al_id"] == "bad":
            raise RuntimeError("pw.x could not label bad")
        out = atoms.copy()
        out.info["energy"] = -1.0
        out.arrays["forces"] = np.zeros((len(atoms), 3))
        return out


def _frames(*sleeps, ids=None):
    from ase.build import bulk as _bulk

    out = []
    for i, t in enumerate(sleeps):
        a = _bulk("Si", "diamond", a=5.43)
        a.info.update(al_id=ids[i] if ids else "f%d" % i, al_sleep=t, al_iteration=1)
        out.append(a)
    return out


def test_label_all_runs_up_to_parallel_at_once_and_lands_each_as_it_finishes():
    from soapgap.learn import label_all

    lab, landed = _SlowLabeller(), []
    label_all(lab, _frames(0.6, 0.1, 0.1), 2, lambda a, out, s: landed.append((a.info["al_id"], out.info["energy"], s)))
    assert lab.most == 2
    assert [x[0] for x in landed] == ["f1", "f2", "f0"]   # in the order they finished
    assert all(e == -1.0 for _, e, _ in landed) and landed[2][2] >= 0.5
    lab, landed = _SlowLabeller(), []
    label_all(lab, _frames(0.2, 0.0, 0.0), 1, lambda a, out, s: landed.append(a.info["al_id"]))
    assert lab.most == 1 and landed == ["f0", "f1", "f2"]


def test_label_all_lets_running_labels_land_before_raising_the_first_error():
    from soapgap.learn import label_all

    lab, landed = _SlowLabeller(), []
    frames = _frames(0.05, 0.5, 0.0, 0.0, 0.0, 0.0, ids=["bad", "slow", "c", "d", "e", "f"])
    with pytest.raises(RuntimeError, match="could not label bad"):
        label_all(lab, frames, 2, lambda a, out, s: landed.append(a.info["al_id"]))
    assert "slow" in landed                      # it was running when "bad" failed
    assert len(lab.started) < len(frames)        # the queued ones were not started


def test_parallel_labelling_needs_a_thread_safe_labeller(tmp_path):
    from soapgap.learn import ActiveLearner

    (tmp_path / "lab.py").write_text("class L:\n    def label(self, atoms):\n        return atoms\n"
                                     "    def describe(self):\n        return 'my labeller'\n")
    body = GOOD.replace('kind = "lammps"\npair_style = "sw"\npair_coeff = "* * Si.sw Si"',
                        'kind = "python"\nlabeller = "lab.py:L"\nparallel = 2')
    cfg = read_config(_config(tmp_path, body))
    assert cfg.label_parallel == 2 and "parallel" not in cfg.labeller
    with pytest.raises(ValueError, match=r"parallel = 2, but the labeller \(my labeller\) is not thread-safe"):
        ActiveLearner(cfg)
    (tmp_path / "lab.py").write_text((tmp_path / "lab.py").read_text().replace("class L:", "class L:\n    thread_safe = True"))
    assert ActiveLearner(cfg).cfg.label_parallel == 2


def test_the_loops_labels_are_trained_on_in_the_order_they_were_selected(tmp_path):
    import json

    from ase.io import write as _write

    from soapgap.learn import ActiveLearner

    run = tmp_path / "run"
    (run / "iter-001").mkdir(parents=True)
    (run / "iter-001" / "selected.json").write_text(json.dumps([{"id": "a"}, {"id": "b"}, {"id": "c"}]))
    frames = _frames(0, 0, 0, 0, ids=["c", "a", "b", "z"])
    frames[3].info["al_iteration"] = 0
    for a in frames:
        a.info["energy"] = -1.0
    _write(run / "labelled.xyz", frames, format="extxyz")
    learner = ActiveLearner.__new__(ActiveLearner)
    learner.cfg = type("C", (), {"training": None, "seed_configurations": None, "workdir": str(run)})()
    learner._files, learner._labelled, learner._picks = {}, None, {}
    learner.labelled_path = str(run / "labelled.xyz")
    learner.seed_labelled = lambda: []
    assert [a.info["al_id"] for a in learner.training_set(2)] == ["z", "a", "b", "c"]
