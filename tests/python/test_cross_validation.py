"""soapgap cross-validate (python/soapgap/cross_validation.py): the stratified folds, the pooled
errors against fits done by hand, resuming, and the configuration errors."""
import json
import os
import subprocess
import sys
from pathlib import Path

import ase.io
import numpy as np
import pytest

import soapgap
from soapgap.cross_validation import cross_validate, main, stratified_folds

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SOAPGAP_BUILD_DIR", ROOT / "build"))
DATASET_PROGRAM = Path(os.environ.get("SOAPGAP_EXAMPLE_SW_DATASET", BUILD / "soapgap_example_sw_dataset"))
SOAP = "soap n_max=3 l_max=2 cutoff=4 atom_sigma=0.5 zeta=2 delta=0.2 n_sparse=12"


def test_folds_partition_each_group_evenly_and_keep_always_train_groups_out():
    groups = ["a"] * 7 + ["b"] * 3 + ["iso"] + ["c"] * 10
    fold = stratified_folds(groups, 5, seed=3, always_train=["iso"])
    assert fold[groups.index("iso")] == -1
    for g in ("a", "b", "c"):
        counts = np.bincount(fold[[i for i, x in enumerate(groups) if x == g]], minlength=5)
        assert counts.max() - counts.min() <= 1, (g, counts)
    assert np.ptp(np.bincount(fold[fold >= 0], minlength=5)) <= 1  # total balanced (dealt in turn)
    assert np.array_equal(fold, stratified_folds(groups, 5, seed=3, always_train=["iso"]))
    assert not np.array_equal(fold, stratified_folds(groups, 5, seed=4, always_train=["iso"]))
    with pytest.raises(ValueError, match="at least 2"):
        stratified_folds(groups, 1)


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    d = tmp_path_factory.mktemp("sw")
    subprocess.run([str(DATASET_PROGRAM), str(d), "2", "1"], check=True, capture_output=True)
    out = ase.io.read(d / "train.xyz", ":")[:12]
    for i, a in enumerate(out):
        a.info["config_type"] = "liquid_x" if i % 3 == 0 else "bulk"
    return out


def test_pooled_errors_equal_fits_by_hand(frames):
    fold = stratified_folds([a.info["config_type"] for a in frames], 3, seed=1)
    kw = {"descriptors": [SOAP], "sigma_energy": 0.002, "sigma_force": 0.05, "seed": 1}
    r = cross_validate(frames, kw, fold, focus=["liquid"])
    de, df2, n, fl2, fln = [], 0.0, 0, 0.0, 0
    for f in range(3):
        pot = soapgap.fit([a for a, x in zip(frames, fold) if x != f], **kw)
        for a, x in zip(frames, fold):
            if x != f:
                continue
            p = pot.predict(a)
            de.append((p["energy"] - a.get_potential_energy()) / len(a))
            sq = float(((p["forces"] - a.get_forces()) ** 2).sum())
            df2, n = df2 + sq, n + len(a)
            if "liquid" in a.info["config_type"]:
                fl2, fln = fl2 + sq, fln + len(a)
    assert r["all"]["energy_rmse_meV_per_atom"] == pytest.approx(1000 * np.sqrt(np.mean(np.square(de))), rel=1e-9)
    assert r["all"]["force_rmse_eV_per_A"] == pytest.approx(np.sqrt(df2 / (3 * n)), rel=1e-9)
    assert r["focus"]["force_rmse_eV_per_A"] == pytest.approx(np.sqrt(fl2 / (3 * fln)), rel=1e-9)
    assert r["all"]["configurations"] == len(frames) and len(r["fold_force_rmse"]) == 3


def test_command_writes_table_and_resumes(frames, tmp_path, capsys):
    ase.io.write(tmp_path / "data.xyz", frames, format="extxyz")
    (tmp_path / "cv.toml").write_text(
        'data = "data.xyz"\noutput = "out"\nfolds = 3\nfocus = ["liquid"]\n'
        '[base]\nsigma_force = 0.05\nseed = 1\n'
        '[[trial]]\nname = "small"\ndescriptors = ["%s"]\n'
        '[[trial]]\nname = "bigger sparse"\ndescriptors = ["%s"]\n' % (SOAP, SOAP.replace("n_sparse=12", "n_sparse=20")))
    assert main([str(tmp_path / "cv.toml")]) == 0
    stored = json.loads((tmp_path / "out.json").read_text())
    assert sorted(v["name"] for v in stored.values()) == ["bigger sparse", "small"]
    table = (tmp_path / "out.md").read_text()
    assert "| small |" in table and "| bigger sparse |" in table and "liquid" in table
    capsys.readouterr()
    assert main([str(tmp_path / "cv.toml")]) == 0
    assert capsys.readouterr().out.count("done before") == 2


@pytest.mark.parametrize("text, message", [
    ('output = "x"\n[[trial]]\nname = "a"\ndescriptors = ["soap"]\n', "missing required key 'data'"),
    ('data = "d.xyz"\n[[trial]]\nname = "a"\n', "no descriptors"),
    ('data = "d.xyz"\n[[trial]]\nname = "a"\ndescriptors = ["soap"]\nsigma_forces = 1\n', "unknown fit key"),
    ('data = "d.xyz"\n[[trial]]\nname = "a"\ndescriptors = ["x"]\n[[trial]]\nname = "a"\ndescriptors = ["x"]\n',
     "used twice"),
    ('data = "d.xyz"\nfold = 3\n[[trial]]\nname = "a"\ndescriptors = ["x"]\n', "unknown key"),
])
def test_configuration_errors_name_the_file(tmp_path, capsys, text, message):
    (tmp_path / "d.xyz").write_text("")
    (tmp_path / "cv.toml").write_text(text)
    assert main([str(tmp_path / "cv.toml")]) == 1
    err = capsys.readouterr().err
    assert message in err and "cv.toml" in err
