"""The committed small-molecule data set (fitting/datasets/molecules/labelled.xyz) is well
formed: required keys, finite energies, sane geometries, SMILES that match the atoms, no
duplicates, and atomisation energies of the right sign. The checks are one function,
dataset_problems, which the last tests feed broken copies to show it can fail."""
import copy
import csv
import json
import math
import os
from collections import Counter

import numpy as np
import pytest

ase_io = pytest.importorskip("ase.io")

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "fitting", "datasets", "molecules")
REQUIRED = ["id", "smiles", "n_heavy", "formula", "energy_dft", "energy_xtb",
            "energy_xtb_at_dft", "homo_dft", "lumo_dft", "gap_dft", "dipole_dft",
            "rmsd_xtb_dft", "rmsd_heavy_xtb_dft", "time_xtb", "time_dft"]
ENERGIES = ["energy_dft", "energy_xtb", "energy_xtb_at_dft", "energy_ccsdt", "energy_ccsd",
            "energy_mp2", "energy_hf_ccpvdz"]
RADII = {"H": 0.31, "C": 0.76, "N": 0.71, "O": 0.66, "F": 0.57}  # as label.py

try:
    from rdkit import Chem, RDLogger
    RDLogger.DisableLog("rdApp.*")
except ImportError:  # the RDKit checks are skipped
    Chem = None


def formula_counts(formula):
    """Element counts of a Hill formula such as C2H6O."""
    counts, el, num = Counter(), "", ""
    for ch in formula + "X":
        if ch.isupper():
            if el:
                counts[el] += int(num) if num else 1
            el, num = ch, ""
        elif ch.islower():
            el += ch
        else:
            num += ch
    return counts


def bonds_of(symbols, pos):
    out = set()
    for i in range(len(symbols)):
        for j in range(i + 1, len(symbols)):
            if np.linalg.norm(pos[i] - pos[j]) < 1.15 * (RADII[symbols[i]] + RADII[symbols[j]]):
                out.add((i, j))
    return out


def dataset_problems(frames, candidates, atoms):
    """A list of what is wrong with the frames (empty when all is well)."""
    bad = []
    seen_smiles, seen_ids = set(), set()
    for k, a in enumerate(frames):
        info = a.info
        where = "frame %d (%s)" % (k, info.get("smiles"))
        missing = [key for key in REQUIRED if key not in info]
        if missing or "xtb_positions" not in a.arrays:
            bad.append("%s: missing %s" % (where, missing or "xtb_positions"))
            continue
        smi, ident = info["smiles"], info["id"]
        if smi in seen_smiles:
            bad.append("%s: duplicate SMILES" % where)
        if ident in seen_ids:
            bad.append("%s: duplicate id %s" % (where, ident))
        seen_smiles.add(smi)
        seen_ids.add(ident)
        if candidates.get(ident) != smi:
            bad.append("%s: id %s is %s in candidates.csv" % (where, ident, candidates.get(ident)))
        for key in ENERGIES + ["homo_dft", "lumo_dft", "gap_dft", "dipole_dft"]:
            if key in info and not math.isfinite(float(info[key])):
                bad.append("%s: %s is not finite" % (where, key))
        if not (info["rmsd_xtb_dft"] >= 0 and info["rmsd_heavy_xtb_dft"] >= 0
                and info["rmsd_xtb_dft"] < 3.0):
            bad.append("%s: RMSD %r outside [0, 3) A" % (where, info["rmsd_xtb_dft"]))
        if not (info["homo_dft"] < info["lumo_dft"]
                and abs(info["gap_dft"] - (info["lumo_dft"] - info["homo_dft"])) < 1e-6):
            bad.append("%s: gap is not LUMO - HOMO > 0" % where)
        if info["dipole_dft"] < 0:
            bad.append("%s: negative dipole" % where)
        symbols = a.get_chemical_symbols()
        counts = Counter(symbols)
        if counts != formula_counts(info["formula"]):
            bad.append("%s: atoms %s do not match the formula %s" % (where, dict(counts),
                                                                     info["formula"]))
        if sum(v for e, v in counts.items() if e != "H") != info["n_heavy"]:
            bad.append("%s: n_heavy is wrong" % where)
        pos, xpos = a.get_positions(), a.arrays["xtb_positions"]
        if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(xpos))):
            bad.append("%s: positions not finite" % where)
            continue
        rmsd_rough = math.sqrt(np.mean(np.sum((pos - pos.mean(0) - xpos + xpos.mean(0)) ** 2,
                                              axis=1)))
        if info["rmsd_xtb_dft"] > rmsd_rough + 1e-6:   # Kabsch can only lower it
            bad.append("%s: RMSD larger than without rotation" % where)
        for level in ("dft", "xtb", "ccsdt"):
            key = "energy_" + level
            if key in info and all(key in atoms.get(e, {}) for e in counts):
                atomisation = info[key] - sum(atoms[e][key] * n for e, n in counts.items())
                # every molecule here is bound (between -200 and -1 eV for <= 7 heavy atoms)
                if not -200.0 < atomisation < -1.0:
                    bad.append("%s: %s atomisation energy %.2f eV" % (where, level,
                                                                       atomisation))
        if Chem is not None:
            mol = Chem.MolFromSmiles(smi)
            if mol is None:
                bad.append("%s: SMILES does not parse" % where)
                continue
            if Chem.MolToSmiles(mol) != smi:
                bad.append("%s: SMILES is not canonical" % where)
            molh = Chem.AddHs(mol)
            if Counter(x.GetSymbol() for x in molh.GetAtoms()) != counts:
                bad.append("%s: element counts differ from the SMILES" % where)
            elif len(symbols) == molh.GetNumAtoms() and all(
                    x.GetSymbol() == s for x, s in zip(molh.GetAtoms(), symbols)):
                graph = {tuple(sorted((b.GetBeginAtomIdx(), b.GetEndAtomIdx())))
                         for b in molh.GetBonds()}
                if bonds_of(symbols, pos) != graph:
                    bad.append("%s: the DFT geometry's bonds differ from the SMILES" % where)
            else:
                bad.append("%s: atom order differs from the SMILES with hydrogens" % where)
    return bad


@pytest.fixture(scope="module")
def dataset():
    path = os.path.join(DATA, "labelled.xyz")
    if not os.path.exists(path):
        pytest.fail("no labelled.xyz in %s" % DATA)
    frames = ase_io.read(path, ":", format="extxyz")
    with open(os.path.join(DATA, "candidates.csv")) as f:
        candidates = {r["id"]: r["smiles"] for r in csv.DictReader(f)}
    with open(os.path.join(DATA, "atoms.json")) as f:
        atoms = json.load(f)
    return frames, candidates, atoms


def test_labelled_frames_are_well_formed(dataset):
    frames, candidates, atoms = dataset
    assert len(frames) >= 40, "expected at least the molecules with up to 3 heavy atoms"
    problems = dataset_problems(frames, candidates, atoms)
    assert not problems, "\n".join(problems[:20])


def test_levels_present(dataset):
    frames, _, _ = dataset
    sizes = Counter(a.info["n_heavy"] for a in frames)
    assert set(sizes) >= {1, 2, 3}
    # CCSD(T)/cc-pVDZ is labelled for the smallest molecules; its total energy lies within
    # 1% of B3LYP/6-31G*'s (different methods and bases, same molecule)
    cc = [a for a in frames if "energy_ccsdt" in a.info]
    assert len(cc) >= 10
    for a in cc:
        assert abs(a.info["energy_ccsdt"] / a.info["energy_dft"] - 1) < 0.01


def test_atoms_json(dataset):
    _, _, atoms = dataset
    for e in ("H", "C", "N", "O", "F"):
        assert e in atoms
        for key in ("energy_xtb", "energy_dft", "energy_ccsdt"):
            assert math.isfinite(atoms[e][key])
    # the H atom: exactly -0.5 Hartree is the exact energy; 6-31G* B3LYP is near it
    assert abs(atoms["H"]["energy_dft"] / 27.211386245988 + 0.5) < 0.01


def test_checker_catches_broken_frames(dataset):
    frames, candidates, atoms = dataset

    def fresh():   # Atoms.copy deep-copies info and arrays
        return [a.copy() for a in frames[:6]]
    assert dataset_problems(fresh(), candidates, atoms) == []

    dup = fresh()
    dup.append(dup[0].copy())
    assert any("duplicate" in p for p in dataset_problems(dup, candidates, atoms))

    extra_h = fresh()
    extra_h[2] += extra_h[2][-1:]   # one hydrogen too many, far away
    extra_h[2].positions[-1] += [3.0, 0.0, 0.0]
    assert any("formula" in p for p in dataset_problems(extra_h, candidates, atoms))

    if Chem is not None:   # the bond check compares with the SMILES graph
        moved = fresh()
        moved[5].positions[0] += [0.8, 0.0, 0.0]   # a stretched bond
        assert any("bonds differ" in p for p in dataset_problems(moved, candidates, atoms))

    broken = fresh()
    broken[1].info["energy_dft"] = float("nan")
    broken[3].info["rmsd_xtb_dft"] = -0.1
    broken[0].info["smiles"] = frames[1].info["smiles"]
    del broken[4].info["homo_dft"]
    problems = dataset_problems(broken, candidates, atoms)
    assert any("not finite" in p for p in problems)
    assert any("RMSD" in p for p in problems)
    assert any("missing" in p for p in problems)
    assert any("candidates.csv" in p for p in problems)
