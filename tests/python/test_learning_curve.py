"""soapgap.molecules.learning_curve (`soapgap learning-curve`): learning curves of per-structure energies on
structure kernels. Data: small g2 molecules (H, C, N, O) with ASE's EMT energy as the target."""

import json
import os

import numpy as np
import pytest

pytest.importorskip("soapgap._soapgap")
from ase.calculators.emt import EMT  # noqa: E402
from ase.collections import g2  # noqa: E402
from ase.io import write  # noqa: E402

from soapgap.molecules import learning_curve as lc  # noqa: E402

DESCRIPTOR = "soap n_max=4 l_max=3 cutoff=3 atom_sigma=0.4"


@pytest.fixture(scope="module")
def frames():
    out = []
    for a in g2:
        if set(a.get_chemical_symbols()) <= set("HCNO") and len(a) >= 2:
            a = a.copy()
            a.calc = EMT()
            e = a.get_potential_energy()
            a.calc = None
            a.info["e_emt"] = e
            counts = {s: a.get_chemical_symbols().count(s) for s in "HCNO"}
            # a baseline that differs from the target by a per-element term only
            a.info["e_linear_off"] = e - (0.3 * counts["H"] - 1.1 * counts["C"] + 0.7 * counts["N"] + 0.2 * counts["O"])
            a.info["zero"] = 0.0
            out.append(a)
    return out


@pytest.fixture(scope="module")
def kernel(frames):
    return lc.KernelCache(frames).kernel(DESCRIPTOR, "average", zeta=2)


def test_error_falls_with_training_size_and_is_reproducible(frames, kernel):
    c = lc.learning_curve(frames, "e_emt", kernel, [5, 10, 20, 40], n_test=25, repeats=3, seed=4)
    mae = [r["mae_kcal_per_mol"] for r in c["rows"]]
    assert mae[-1] < 0.6 * mae[0], mae
    again = lc.learning_curve(frames, "e_emt", kernel, [5, 10, 20, 40], n_test=25, repeats=3, seed=4)
    assert again["rows"] == c["rows"] and again["test"] == c["test"]
    other = lc.learning_curve(frames, "e_emt", kernel, [5, 10, 20, 40], n_test=25, repeats=3, seed=5)
    assert other["test"] != c["test"]


def test_delta_learning_of_a_per_element_difference_is_exact(frames, kernel):
    # target - baseline is linear in the composition: the dressed-atom fit explains it (with at
    # least as many training structures as elements), the GP has nothing left to learn.
    c = lc.learning_curve(frames, "e_emt", kernel, [10, 20], n_test=20, baseline="e_linear_off", seed=1)
    assert c["rows"][-1]["max_kcal_per_mol"] < 1e-3
    direct = lc.learning_curve(frames, "e_emt", kernel, [10, 20], n_test=20, seed=1)
    assert direct["rows"][-1]["mae_kcal_per_mol"] > 1.0


def test_fps_training_sets_are_nested_and_spread(frames, kernel):
    pool = list(range(10, len(frames)))
    order = lc.selection_order(kernel, pool, 15, "fps", seed=0)
    assert len(set(order)) == 15 and set(order) <= set(pool)
    D = np.sqrt(np.clip(2 - 2 * kernel, 0, None))
    # each FPS pick is the pool structure farthest from those before it
    for k in range(1, 15):
        dmin = D[np.ix_(order[:k], pool)].min(axis=0)
        assert dmin[pool.index(order[k])] == pytest.approx(dmin.max())


def test_weighted_noise_with_zero_discrepancy_is_the_plain_model(frames, kernel):
    plain = lc.learning_curve(frames, "e_emt", kernel, [10, 30], n_test=20, seed=2)
    weighted = lc.learning_curve(frames, "e_emt", kernel, [10, 30], n_test=20, seed=2, discrepancy="zero", lam=0.1)
    assert weighted["rows"] == plain["rows"]


def test_weighted_noise_down_weights_far_structures(frames, kernel):
    # a structure with a huge discrepancy has ~no say in the GP: its residual is not fitted
    C, _ = lc.composition_matrix(frames)
    y = np.array([f.info["e_emt"] for f in frames])
    train, test = list(range(20)), list(range(20, 40))
    scale = np.ones(len(frames))
    scale[3] = 1e12
    _, _, m_w = lc.fit_predict(kernel, y, train, test, C, 0.01, scale)
    _, _, m_p = lc.fit_predict(kernel, y, train, test, C, 0.01)
    assert abs(m_w.weights_[3]) < 1e-8 * abs(m_p.weights_[3])


def test_errors_name_what_is_wrong(frames, kernel):
    with pytest.raises(ValueError, match="no info key 'nope'"):
        lc.learning_curve(frames, "nope", kernel, [5], n_test=10)
    with pytest.raises(ValueError, match="--test"):
        lc.learning_curve(frames, "e_emt", kernel, [5], n_test=len(frames))
    with pytest.raises(ValueError, match="training sizes"):
        lc.learning_curve(frames, "e_emt", kernel, [len(frames)], n_test=10)
    with pytest.raises(ValueError, match="lambda"):
        lc.learning_curve(frames, "e_emt", kernel, [5], n_test=10, discrepancy="zero")


def test_command_line_writes_table_json_and_plot(frames, tmp_path, capsys):
    path = tmp_path / "mols.xyz"
    write(str(path), frames)
    out = tmp_path / "lc"
    rc = lc.main(["--input", str(path), "--target", "e_emt", "--descriptor", DESCRIPTOR, "--train-sizes", "5,10,20",
                  "--test", "20", "--output-dir", str(out)])
    assert rc == 0
    table = capsys.readouterr().out
    assert "| 20 |" in table
    data = json.load(open(out / "curve.json"))
    assert [r["n_train"] for r in data["curve"]["rows"]] == [5, 10, 20]
    assert (out / "table.md").exists()
    assert len(os.listdir(out / "kernels")) == 1  # the kernel cache: a rerun reads it
    rc = lc.main(["--input", str(path), "--target", "e_emt", "--descriptor", DESCRIPTOR, "--train-sizes", "5,10,20",
                  "--test", "20", "--output-dir", str(out)])
    assert rc == 0 and json.load(open(out / "curve.json"))["curve"]["rows"] == data["curve"]["rows"]
    assert lc.main(["--input", str(path), "--target", "missing", "--descriptor", DESCRIPTOR,
                    "--output-dir", str(out)]) == 1
    assert "no info key 'missing'" in capsys.readouterr().err


def test_atomic_descriptors_give_the_average_kernel(frames):
    from soapgap.molecules import atomic_descriptors, structure_kernel

    sub = frames[:6]
    q, z = atomic_descriptors(sub, DESCRIPTOR)
    assert [len(v) for v in z] == [len(f) for f in sub] and all(np.allclose(np.linalg.norm(a, axis=1), 1) for a in q)
    assert z[0] == list(sub[0].numbers)

    def raw(i, j):  # mean local kernel, zero between different elements
        C = q[i] @ q[j].T
        C[np.not_equal.outer(z[i], z[j])] = 0
        return C.mean()

    K = structure_kernel(sub, descriptor=DESCRIPTOR, kind="average")
    for i in range(6):
        for j in range(6):
            assert K[i, j] == pytest.approx(raw(i, j) / np.sqrt(raw(i, i) * raw(j, j)), abs=1e-12)


def test_the_soapgap_command_runs_the_module(frames, tmp_path):
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    cli = Path(os.environ.get("SOAPGAP_BUILD_DIR", root / "build")) / "fitting" / "soapgap"
    if not cli.exists():
        pytest.skip("the soapgap CLI is not built")
    path = tmp_path / "mols.xyz"
    write(str(path), frames[:30])
    r = subprocess.run([str(cli), "learning-curve", "--input", str(path), "--target", "e_emt", "--descriptor",
                        DESCRIPTOR, "--train-sizes", "5,10", "--test", "10", "--output-dir", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "| 10 |" in r.stdout and (tmp_path / "o" / "curve.png").exists()
    r = subprocess.run([str(cli), "learning-curve", "--input", str(tmp_path / "none.xyz"), "--target", "e",
                        "--descriptor", DESCRIPTOR], capture_output=True, text=True)
    assert r.returncode == 1 and "no such file" in r.stderr
