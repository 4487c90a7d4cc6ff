#!/usr/bin/python3
"""Enumerates small neutral closed-shell molecules of C, N, O, F (+ H) and writes candidates.csv.

Own graph enumeration (no external database): molecules with n heavy atoms are grown from
those with n - 1 by attaching one new heavy atom with a single bond, then closing the set
under "raise the order of one bond between two atoms that both have free valence" (which
makes double/triple bonds and closes rings). Every connected molecular graph is reached this
way: removing a non-cut atom (a leaf of a spanning tree) from an n-atom molecule leaves a valid
(n - 1)-atom molecule. Valences are the neutral ones (C 4, N 3, O 2, F 1); open valences are
filled with hydrogens, so every molecule is neutral and closed-shell. RDKit sanitises each
molecule and its canonical (aromatic) SMILES removes duplicates.

Simple GDB-like stability rules (GDB-11/13/17 filter exotic and unstable structures in a
similar spirit; these are our own, simpler rules) remove:
  1. any heteroatom-heteroatom bond: every bond involves at least one carbon (no N-N, N-O,
     O-O, no F except on carbon, hence also no HF, N2, HNO, hydrazines, oximes);
  2. triple bonds in rings, atoms with two double bonds in a ring, cyclobutadienes,
     aromatic 3-rings, and double bonds in 3-rings that contain O (oxirenes);
  3. atoms in more than two rings of the smallest set (tetrahedrane, propellanes), and
     multiple bonds on an atom shared by two rings (Bredt-like: in bicyclics this small
     every ring is strained);
  4. sp3 carbons with two or more N/O neighbours of which one carries H (hemiacetals,
     gem-diols, hemiaminals, aminals with N-H); sp3 carbons with three N/O neighbours
     (orthoesters); sp3 carbons with both N/O and two or more of N/O/F where F is among them;
  5. enols, ynols and N-H enamines (O-H or N-H on a carbon with a non-aromatic C=C or C#C
     bond) and imidic acids (O-H on a carbon with a C=N bond): unstable tautomers;
  6. cumulated chains of three or more double bonds (butatriene, O=C=C=O, a triplet);
  7. triple bonds next to a heteroatom (ynamines, cyanates, cyanamide); nitriles R-C#N are
     allowed.
Charged species and radicals never arise (neutral valences, all open valences take H).

Output: candidates.csv with columns id, smiles, n_heavy, formula, queue, where queue is the
labelling order: smallest molecules first, then a seeded shuffle within each size, so that
whatever part of the queue finishes is a well-spread set. ids are stable for given options
(mol000001, ... in canonical-SMILES order within each size).

Usage: /usr/bin/python3 enumerate.py [--max-heavy 5] [--sample 5:300 --sample 6:100] [--seed 13]
"""
import argparse
import csv
import os
import random
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem.rdMolDescriptors import CalcMolFormula

RDLogger.DisableLog("rdApp.*")

ELEMENTS = ["C", "N", "O", "F"]
VALENCE = {"C": 4, "N": 3, "O": 2, "F": 1}
ORDERS = {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE, 3: Chem.BondType.TRIPLE}


# A molecule in the enumeration is (symbols tuple, bonds dict {(i, j): order}), i < j.
def used_valence(bonds, n):
    used = [0] * n
    for (i, j), o in bonds.items():
        used[i] += o
        used[j] += o
    return used


def to_rdkit(symbols, bonds):
    m = Chem.RWMol()
    for s in symbols:
        a = Chem.Atom(s)
        a.SetNoImplicit(False)
        m.AddAtom(a)
    for (i, j), o in bonds.items():
        m.AddBond(i, j, ORDERS[o])
    mol = m.GetMol()
    try:
        Chem.SanitizeMol(mol)
    except Exception:
        return None
    return mol


def canonical(symbols, bonds):
    mol = to_rdkit(symbols, bonds)
    if mol is None:
        return None, None
    return Chem.MolToSmiles(mol), mol


def grow(symbols, bonds):
    """All molecules with one more heavy atom attached by a single bond."""
    n = len(symbols)
    used = used_valence(bonds, n)
    for i in range(n):
        if used[i] >= VALENCE[symbols[i]]:
            continue
        for e in ELEMENTS:
            nb = dict(bonds)
            nb[(i, n)] = 1
            yield symbols + (e,), nb


def raise_bond(symbols, bonds):
    """All molecules with one bond order raised by one (new ring bonds included)."""
    n = len(symbols)
    used = used_valence(bonds, n)
    for i in range(n):
        if used[i] >= VALENCE[symbols[i]]:
            continue
        for j in range(i + 1, n):
            if used[j] >= VALENCE[symbols[j]]:
                continue
            o = bonds.get((i, j), 0)
            if o >= 3:
                continue
            nb = dict(bonds)
            nb[(i, j)] = o + 1
            yield symbols, nb


def closure(seeds):
    """The set {smiles: (symbols, bonds)} closed under raise_bond."""
    found = {}
    stack = []
    for s, b in seeds:
        smi, _ = canonical(s, b)
        if smi is not None and smi not in found:
            found[smi] = (s, b)
            stack.append((s, b))
    while stack:
        s, b = stack.pop()
        for s2, b2 in raise_bond(s, b):
            smi, _ = canonical(s2, b2)
            if smi is not None and smi not in found:
                found[smi] = (s2, b2)
                stack.append((s2, b2))
    return found


def rejected(mol):
    """The first GDB-like rule (see module docstring) that the molecule breaks, or None."""
    ri = mol.GetRingInfo()
    hetero = ("N", "O")
    for b in mol.GetBonds():
        a1, a2 = b.GetBeginAtom(), b.GetEndAtom()
        pair = {a1.GetSymbol(), a2.GetSymbol()}
        if "C" not in pair:
            return "heteroatom-heteroatom bond"
        if b.IsInRing() and b.GetBondType() != Chem.BondType.SINGLE and not b.GetIsAromatic():
            ring3 = [r for r in ri.AtomRings() if len(r) == 3 and a1.GetIdx() in r
                     and a2.GetIdx() in r]
            if ring3 and any(mol.GetAtomWithIdx(k).GetSymbol() == "O" for k in ring3[0]):
                return "double bond in a 3-ring with O (oxirene)"
        if b.GetBondType() == Chem.BondType.TRIPLE:
            if b.IsInRing():
                return "triple bond in ring"
            for a in (a1, a2):
                other = a2 if a is a1 else a1
                for nb in a.GetNeighbors():
                    if nb.GetIdx() != other.GetIdx() and nb.GetSymbol() != "C":
                        return "triple bond on heteroatom"
    for r in ri.BondRings():
        if len(r) == 4 and sum(mol.GetBondWithIdx(k).GetBondType() == Chem.BondType.DOUBLE
                               for k in r) == 2:
            return "cyclobutadiene"
    for a in mol.GetAtoms():
        idx = a.GetIdx()
        if a.GetSymbol() == "F" and a.GetDegree() == 0:
            return "HF"
        if a.GetIsAromatic() and a.IsInRingSize(3):
            return "aromatic 3-ring"
        ndouble = sum(1 for b in a.GetBonds() if b.GetBondType() == Chem.BondType.DOUBLE)
        if ndouble >= 2 and a.IsInRing():
            return "cumulene in ring"
        if ri.NumAtomRings(idx) > 2:
            return "atom in more than two rings"
        if ri.NumAtomRings(idx) == 2 and any(
                b.GetBondType() != Chem.BondType.SINGLE for b in a.GetBonds()):
            return "multiple bond at a ring fusion atom (Bredt)"
        if ndouble >= 2 and any(
                sum(1 for b in nb.GetBonds() if b.GetBondType() == Chem.BondType.DOUBLE) >= 2
                for nb in a.GetNeighbors()):
            return "three or more cumulated double bonds"
        if a.GetSymbol() == "C":
            het = [nb for nb in a.GetNeighbors() if nb.GetSymbol() in hetero]
            sp3 = all(b.GetBondType() == Chem.BondType.SINGLE for b in a.GetBonds())
            if sp3 and len(het) >= 2 and any(nb.GetTotalNumHs() > 0 for nb in het):
                return "hemiacetal/aminal"
            nhetf = sum(1 for nb in a.GetNeighbors() if nb.GetSymbol() in ("N", "O", "F"))
            nhet = sum(1 for nb in a.GetNeighbors() if nb.GetSymbol() in hetero)
            if sp3 and nhet >= 3:
                return "orthoester-like"
            if sp3 and nhet >= 1 and nhetf >= 2 and nhetf > nhet:
                return "F and N/O on one sp3 carbon"
        if a.GetSymbol() in hetero and a.GetTotalNumHs() > 0 and not a.GetIsAromatic():
            for nb in a.GetNeighbors():
                if nb.GetSymbol() != "C" or nb.GetIsAromatic():
                    continue
                for b in nb.GetBonds():
                    other = b.GetOtherAtom(nb)
                    if other.GetSymbol() == "C" and b.GetBondType() in (
                            Chem.BondType.DOUBLE, Chem.BondType.TRIPLE):
                        return "enol/enamine with X-H"
                    if (a.GetSymbol() == "O" and other.GetSymbol() == "N"
                            and b.GetBondType() == Chem.BondType.DOUBLE):
                        return "imidic acid"
    return None


def enumerate_molecules(max_heavy):
    """{n_heavy: sorted list of canonical SMILES} after the stability rules."""
    level = closure([((e,), {}) for e in ELEMENTS])
    out = {}
    for n in range(1, max_heavy + 1):
        if n > 1:
            seeds = [g for s, b in level.values() for g in grow(s, b)]
            level = closure(seeds)
        kept = []
        for smi in level:
            mol = Chem.MolFromSmiles(smi)
            if mol is not None and rejected(mol) is None:
                kept.append(smi)
        out[n] = sorted(kept)
        print("n_heavy=%d: %d graphs, %d kept" % (n, len(level), len(kept)), file=sys.stderr)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--max-heavy", type=int, default=5, help="all molecules up to this size")
    p.add_argument("--sample", action="append", default=None, metavar="N:COUNT",
                   help="keep a seeded random sample of COUNT molecules with N heavy atoms "
                        "(sizes up to --max-heavy not named here are kept whole; N may be "
                        "max-heavy + 1). Default: 5:300 6:100")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "candidates.csv"))
    args = p.parse_args()
    samples = {}
    for s in (args.sample if args.sample is not None else ["5:300", "6:100"]):
        n, count = (int(x) for x in s.split(":"))
        samples[n] = count
    top = max([args.max_heavy] + [n for n in samples if n == args.max_heavy + 1])
    mols = enumerate_molecules(top)
    for n, count in samples.items():
        if n in mols and count < len(mols[n]):
            rng_n = random.Random(args.seed * 1000 + n)
            mols[n] = sorted(rng_n.sample(mols[n], count))
    rows = []
    serial = 0
    for n in sorted(mols):
        for smi in mols[n]:
            serial += 1
            mol = Chem.MolFromSmiles(smi)
            rows.append({"id": "mol%06d" % serial, "smiles": smi, "n_heavy": n,
                         "formula": CalcMolFormula(mol)})
    rng = random.Random(args.seed)
    queue = 0
    for n in sorted(mols):
        group = [r for r in rows if r["n_heavy"] == n]
        rng.shuffle(group)
        for r in group:
            queue += 1
            r["queue"] = queue
    tmp = args.out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["id", "smiles", "n_heavy", "formula", "queue"])
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, args.out)
    print("wrote %d candidates to %s" % (len(rows), args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
