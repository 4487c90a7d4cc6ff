#!/usr/bin/python3
"""Resumable labeller of the small-molecule set (candidates.csv -> labelled.xyz).

For each candidate in queue order that is neither in labelled.xyz nor in failed.csv:
  1. RDKit: hydrogens added, ETKDG v3 embedding (fixed seed), MMFF94 pre-optimisation;
  2. GFN2-xTB (xtb, --opt tight): geometry and energy, HOMO-LUMO gap, dipole;
  3. psi4 B3LYP/6-31G* (density fitted) geometry optimisation from the xtb geometry, then the
     energy, HOMO, LUMO and dipole at the optimised geometry;
  4. GFN2-xTB single point at the DFT geometry (the baseline at the target geometry);
  5. for molecules with at most --ccsdt-max-heavy (3) heavy atoms: psi4 CCSD(T)/cc-pVDZ
     (frozen core, conventional integrals) at the DFT geometry (MP2 and CCSD come with it);
     once the whole queue is done, the same for the labelled molecules with at most
     --ccsdt-later-max-heavy (4) heavy atoms (their frames are rewritten in place);
  6. the bond graph (covalent radii) of the xtb and DFT geometries must equal the SMILES graph;
     molecules whose bonding changed are rejected into failed.csv, as QM9 did.
Every finished molecule is appended to labelled.xyz at once (extxyz, flush + fsync); failures
go to failed.csv with the stage and reason, and are not retried (delete the line to retry).
Isolated atoms H, C, N, O, F are labelled once at every level into atoms.json.
Energies are in eV (1 Hartree = 27.211386245988 eV, CODATA 2018), positions in Angstrom,
dipoles in Debye, times in seconds. Scratch files live in a temporary directory outside the
repository. One instance at a time (lock file .label.lock).

Run (from this folder, detached; resume the same way):
  (OMP_NUM_THREADS=1 setsid nohup nice -n 5 /usr/bin/python3 label.py >> label.log 2>&1 &)
"""
import argparse
import csv
import fcntl
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

HARTREE_EV = 27.211386245988  # CODATA 2018
BOHR_ANGSTROM = 0.529177210903  # CODATA 2018
HERE = os.path.dirname(os.path.abspath(__file__))
ETKDG_SEED = 20240613
COVALENT_RADII = {"H": 0.31, "C": 0.76, "N": 0.71, "O": 0.66, "F": 0.57}  # Cordero 2008
BOND_FACTOR = 1.15   # bonded when d < 1.15 (r_i + r_j)
ATOM_MULTIPLICITY = {"H": 2, "C": 3, "N": 4, "O": 3, "F": 2}

DFT_METHOD = "b3lyp"
DFT_BASIS = "6-31G*"
CC_BASIS = "cc-pVDZ"


def log(msg):
    print("%s %s" % (time.strftime("%Y-%m-%d %H:%M:%S"), msg), flush=True)


class StageError(Exception):
    def __init__(self, stage, reason, seconds=0.0):
        super().__init__("%s: %s" % (stage, reason))
        self.stage, self.reason, self.seconds = stage, reason, seconds


CHILD = []  # the process group of the program running now, for the signal handler


def stop(signum, frame):
    """SIGTERM/SIGINT: kill the running program's group and exit; the molecule in
    progress is not recorded anywhere and is labelled again at the next start."""
    for pgid in CHILD:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
    log("stopped by signal %d" % signum)
    raise SystemExit(128 + signum)


def run(cmd, cwd, timeout, stage):
    """Runs cmd in its own process group; kills the group on timeout."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", OMP_STACKSIZE="500M")
    t0 = time.time()
    with open(os.path.join(cwd, stage + ".stdout"), "w") as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        CHILD.append(p.pid)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise StageError(stage, "timeout after %d s" % timeout, timeout)
        finally:
            CHILD.remove(p.pid)
    return rc, time.time() - t0


# ---------------------------------------------------------------- geometry helpers
def bond_graph(symbols, pos):
    pos = np.asarray(pos)
    bonds = set()
    for i in range(len(symbols)):
        for j in range(i + 1, len(symbols)):
            cut = BOND_FACTOR * (COVALENT_RADII[symbols[i]] + COVALENT_RADII[symbols[j]])
            if np.linalg.norm(pos[i] - pos[j]) < cut:
                bonds.add((i, j))
    return bonds


def kabsch_rmsd(a, b):
    """RMSD of b onto a after the best translation and rotation (same atom order)."""
    a = np.asarray(a, float) - np.mean(a, axis=0)
    b = np.asarray(b, float) - np.mean(b, axis=0)
    h = b.T @ a
    u, s, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(u @ vt))
    r = u @ np.diag([1.0, 1.0, d]) @ vt
    diff = b @ r - a
    return float(math.sqrt(np.sum(diff * diff) / len(a)))


def write_xyz(path, symbols, pos, comment=""):
    with open(path, "w") as f:
        f.write("%d\n%s\n" % (len(symbols), comment))
        for s, p in zip(symbols, pos):
            f.write("%-2s %18.10f %18.10f %18.10f\n" % (s, p[0], p[1], p[2]))


def read_xyz(path):
    with open(path) as f:
        n = int(f.readline())
        f.readline()
        symbols, pos = [], []
        for _ in range(n):
            t = f.readline().split()
            symbols.append(t[0].capitalize())
            pos.append([float(x) for x in t[1:4]])
    return symbols, np.array(pos)


# ---------------------------------------------------------------- RDKit
def embed(smiles):
    from rdkit import Chem
    from rdkit.Chem import AllChem
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise StageError("rdkit", "SMILES does not parse")
    mol = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = ETKDG_SEED
    if AllChem.EmbedMolecule(mol, params) != 0:
        params.useRandomCoords = True
        if AllChem.EmbedMolecule(mol, params) != 0:
            raise StageError("rdkit", "ETKDG embedding failed")
    if AllChem.MMFFHasAllMoleculeParams(mol):
        AllChem.MMFFOptimizeMolecule(mol, maxIters=5000)
        ff = "MMFF94"
    else:
        AllChem.UFFOptimizeMolecule(mol, maxIters=5000)
        ff = "UFF"
    conf = mol.GetConformer()
    symbols = [a.GetSymbol() for a in mol.GetAtoms()]
    pos = np.array([list(conf.GetAtomPosition(i)) for i in range(mol.GetNumAtoms())])
    graph = {(min(b.GetBeginAtomIdx(), b.GetEndAtomIdx()), max(b.GetBeginAtomIdx(),
             b.GetEndAtomIdx())) for b in mol.GetBonds()}
    return symbols, pos, graph, ff


# ---------------------------------------------------------------- xtb
XTB_ENERGY = re.compile(r"\|\s*TOTAL ENERGY\s+(-?\d+\.\d+)\s+Eh")
XTB_GAP = re.compile(r"\|\s*HOMO-LUMO GAP\s+(-?\d+\.\d+)\s+eV")


def xtb(symbols, pos, work, opt, timeout, uhf=0, stage="xtb"):
    d = os.path.join(work, stage)
    os.makedirs(d, exist_ok=True)
    write_xyz(os.path.join(d, "in.xyz"), symbols, pos)
    cmd = ["xtb", "in.xyz", "--gfn", "2", "--chrg", "0", "--uhf", str(uhf)]
    if opt:
        cmd += ["--opt", "tight"]
    rc, dt = run(cmd, d, timeout, stage)
    text = open(os.path.join(d, stage + ".stdout")).read()
    if rc != 0 or "normal termination of xtb" not in text:
        raise StageError(stage, "xtb exit code %d" % rc)
    if opt and "GEOMETRY OPTIMIZATION CONVERGED" not in text:
        raise StageError(stage, "xtb optimisation did not converge")
    energies = XTB_ENERGY.findall(text)
    gaps = XTB_GAP.findall(text)
    res = {"energy": float(energies[-1]) * HARTREE_EV, "time": dt}
    if gaps:
        res["gap"] = float(gaps[-1])
    m = re.search(r"molecular dipole:.*?full:\s+\S+\s+\S+\s+\S+\s+(-?\d+\.\d+)", text, re.S)
    if m:
        res["dipole"] = float(m.group(1))
    if opt:
        s2, p2 = read_xyz(os.path.join(d, "xtbopt.xyz"))
        if s2 != symbols:
            raise StageError(stage, "xtb changed the atom order")
        res["positions"] = p2
    return res


# ---------------------------------------------------------------- psi4
PSI4_TAIL = r'''
def _result(key, value):
    print_out("\nRESULT %s %s\n" % (key, value))
'''


def psi4_input(symbols, pos, multiplicity, body):
    geom = "\n".join("%-2s %18.10f %18.10f %18.10f" % (s, p[0], p[1], p[2])
                     for s, p in zip(symbols, pos))
    return ("memory 1500 MB\nset_num_threads(1)\nmolecule {\n0 %d\n%s\nunits angstrom\n"
            "symmetry c1\nno_reorient\nno_com\n}\n%s\n%s" % (multiplicity, geom, PSI4_TAIL, body))


DFT_OPT_BODY = '''
set basis %(basis)s
set scf_type df
set reference rks
set e_convergence 1e-8
set d_convergence 1e-8
set geom_maxiter 60
E, wfn = optimize('%(method)s', return_wfn=True)
E, wfn = energy('%(method)s', return_wfn=True)
oeprop(wfn, 'DIPOLE', title='DFT')
eps = wfn.epsilon_a().to_array()
nocc = wfn.nalpha()
_result("ENERGY", "%%.12f" %% E)
_result("HOMO", "%%.10f" %% eps[nocc - 1])
_result("LUMO", "%%.10f" %% eps[nocc])
_result("DIPOLE", "%%.10f %%.10f %%.10f" %% (variable("DFT DIPOLE X"), variable("DFT DIPOLE Y"),
                                     variable("DFT DIPOLE Z")))
g = wfn.molecule().geometry().to_array()
for i in range(g.shape[0]):
    _result("GEOM", "%%.10f %%.10f %%.10f" %% tuple(g[i]))
'''

CC_BODY = '''
set basis %(basis)s
set scf_type pk
set cc_type conv
set freeze_core true
set reference %(reference)s
set e_convergence 1e-8
set d_convergence 1e-8
set r_convergence 1e-7
E = energy('ccsd(t)')
_result("CCSD(T)", "%%.12f" %% variable("CCSD(T) TOTAL ENERGY"))
_result("CCSD", "%%.12f" %% variable("CCSD TOTAL ENERGY"))
_result("MP2", "%%.12f" %% variable("MP2 TOTAL ENERGY"))
_result("HF", "%%.12f" %% variable("SCF TOTAL ENERGY"))
'''

# SCF settings for an atom whose default SCF does not converge (F with UKS)
ATOM_SCF_FALLBACK = "set guess gwh\nset maxiter 300\nset damping_percentage 20\n" \
    "set e_convergence 1e-6\nset d_convergence 1e-6\n"

DFT_ATOM_BODY = '''
set basis %(basis)s
set scf_type df
set reference uks
set e_convergence 1e-8
set d_convergence 1e-8
E = energy('%(method)s')
_result("ENERGY", "%%.12f" %% E)
'''


def psi4(symbols, pos, work, body, timeout, stage, multiplicity=1):
    d = os.path.join(work, stage)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "input.dat"), "w") as f:
        f.write(psi4_input(symbols, pos, multiplicity, body))
    env_scratch = os.path.join(d, "scratch")
    os.makedirs(env_scratch, exist_ok=True)
    os.environ["PSI_SCRATCH"] = env_scratch
    rc, dt = run(["psi4", "-n", "1", "input.dat", "output.dat"], d, timeout, stage)
    out = os.path.join(d, "output.dat")
    text = open(out).read() if os.path.exists(out) else ""
    results = {}
    for line in text.splitlines():
        if line.startswith("RESULT "):
            t = line.split()
            results.setdefault(t[1], []).append([float(x) for x in t[2:]])
    if rc != 0 or not results:
        tail = open(os.path.join(d, stage + ".stdout")).read().strip().splitlines()
        reason = "psi4 exit code %d" % rc
        for line in reversed(tail):
            if "Error" in line or "error" in line or "Exception" in line:
                reason += ": " + line.strip()[:200]
                break
        if "Could not converge geometry optimization" in text:
            reason += ": geometry optimisation not converged"
        elif "Could not converge backtransformation" in text:
            reason += " (optking: could not converge backtransformation)"
        raise StageError(stage, reason, dt)
    return results, dt, text


# ---------------------------------------------------------------- output
def done_ids(labelled, failed):
    ids = set()
    if os.path.exists(labelled):
        with open(labelled) as f:
            for line in f:
                m = re.search(r"\bid=(mol\d+)", line)
                if m:
                    ids.add(m.group(1))
    if os.path.exists(failed):
        with open(failed) as f:
            for row in csv.DictReader(f):
                ids.add(row["id"])
    return ids


def append_durably(path, text):
    with open(path, "a") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def frame_text(symbols, pos, info, arrays):
    import ase
    import ase.io
    atoms = ase.Atoms(symbols=symbols, positions=pos, pbc=False)
    for k, v in arrays.items():
        atoms.new_array(k, np.asarray(v, float))
    atoms.info.update(info)
    buf = io.StringIO()
    ase.io.write(buf, atoms, format="extxyz")
    text = buf.getvalue()
    back = ase.io.read(io.StringIO(text), format="extxyz")
    if back.info.get("smiles") != info["smiles"] or back.info.get("id") != info["id"]:
        raise StageError("write", "extxyz round trip changed the info")
    return text


def record_failure(path, cand, stage, reason, elapsed):
    new = not os.path.exists(path)
    buf = io.StringIO()
    w = csv.writer(buf)
    if new:
        w.writerow(["id", "smiles", "n_heavy", "stage", "reason", "seconds"])
    w.writerow([cand["id"], cand["smiles"], cand["n_heavy"], stage, reason, "%.0f" % elapsed])
    append_durably(path, buf.getvalue())


# ---------------------------------------------------------------- one molecule
def ccsdt(symbols, geom, work, timeout):
    """CCSD(T)/cc-pVDZ (and MP2, CCSD, HF) info keys at the given geometry."""
    body = CC_BODY % {"basis": CC_BASIS, "reference": "rhf"}
    r, dt, _ = psi4(symbols, geom, work, body, timeout, "ccsdt")
    return {"energy_ccsdt": r["CCSD(T)"][-1][0] * HARTREE_EV,
            "energy_ccsd": r["CCSD"][-1][0] * HARTREE_EV,
            "energy_mp2": r["MP2"][-1][0] * HARTREE_EV,
            "energy_hf_ccpvdz": r["HF"][-1][0] * HARTREE_EV,
            "time_ccsdt": round(dt, 2)}


def split_frames(path):
    """The texts of the frames of an extxyz file."""
    with open(path) as f:
        lines = f.readlines()
    frames, i = [], 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        frames.append("".join(lines[i:i + n + 2]))
        i += n + 2
    return frames


def add_ccsdt_later(args, scratch_root):
    """Second phase, after the queue: CCSD(T) for labelled molecules with at most
    --ccsdt-later-max-heavy heavy atoms that lack it, smallest first. The frame's text is
    replaced in labelled.xyz (rewritten whole: temporary file, fsync, rename)."""
    import ase.io
    if args.ccsdt_later_max_heavy <= args.ccsdt_max_heavy or not os.path.exists(args.out):
        return
    frames = split_frames(args.out)
    todo = []
    for k, text in enumerate(frames):
        a = ase.io.read(io.StringIO(text), format="extxyz")
        if ("energy_ccsdt" not in a.info and "ccsdt_error" not in a.info
                and a.info["n_heavy"] <= args.ccsdt_later_max_heavy):
            todo.append((a.info["n_heavy"], k, a))
    log("CCSD(T) phase: %d molecules with up to %d heavy atoms" % (
        len(todo), args.ccsdt_later_max_heavy))
    for count, (_, k, a) in enumerate(sorted(todo, key=lambda t: t[:2])):
        if args.limit and count >= args.limit:
            break
        work = tempfile.mkdtemp(prefix=a.info["id"] + "-cc-", dir=scratch_root)
        t0 = time.time()
        try:
            a.info.update(ccsdt(a.get_chemical_symbols(), a.get_positions(), work,
                                args.ccsdt_timeout))
            msg = "done"
        except StageError as e:
            a.info["ccsdt_error"] = "%s: %s" % (e.stage, e.reason)
            msg = "FAILED (%s)" % a.info["ccsdt_error"]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        frames[k] = frame_text(a.get_chemical_symbols(), a.get_positions(), a.info,
                               {"xtb_positions": a.arrays["xtb_positions"]})
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            f.write("".join(frames))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, args.out)
        log("CCSD(T) %s %s %-14s in %.0f s" % (msg, a.info["id"], a.info["smiles"],
                                               time.time() - t0))


def label(cand, args, scratch_root):
    n_heavy = int(cand["n_heavy"])
    work = tempfile.mkdtemp(prefix=cand["id"] + "-", dir=scratch_root)
    try:
        symbols, pos0, graph, ff = embed(cand["smiles"])
        if bond_graph(symbols, pos0) != graph:
            raise StageError("rdkit", "force-field geometry bonding differs from SMILES")
        x = xtb(symbols, pos0, work, True, args.xtb_timeout)
        pos_x = x["positions"]
        if bond_graph(symbols, pos_x) != graph:
            raise StageError("xtb-connectivity", "bonding changed during the xtb optimisation")
        body = DFT_OPT_BODY % {"basis": DFT_BASIS, "method": DFT_METHOD}
        coords = "internal"
        try:
            r, dt_dft, text = psi4(symbols, pos_x, work, body, args.dft_timeout, "dft")
        except StageError as e:
            # psi4 1.3's optking fails on some planar molecules (H2C=O: "Could not converge
            # backtransformation") and does not converge on fluoroallene (H2C=C=CHF); from the xtb
            # geometry Cartesian steps work, in a few more steps
            if "timeout" in e.reason:
                raise
            log("%s %s: %s; retrying in Cartesian coordinates" % (cand["id"], cand["smiles"], e))
            coords = "cartesian"
            body = body.replace("set geom_maxiter 60\n",
                                "set geom_maxiter 300\nset opt_coordinates cartesian\n")
            r, dt_dft2, text = psi4(symbols, pos_x, work, body, args.dft_timeout, "dft_cart")
            dt_dft = dt_dft2 + e.seconds
        geom = np.array(r["GEOM"]) * BOHR_ANGSTROM
        if geom.shape != (len(symbols), 3):
            raise StageError("dft", "no optimised geometry in the output")
        if bond_graph(symbols, geom) != graph:
            raise StageError("dft-connectivity", "bonding changed during the DFT optimisation")
        xs = xtb(symbols, geom, work, False, args.xtb_timeout, stage="xtb_at_dft")
        dip = np.array(r["DIPOLE"][-1])
        homo = r["HOMO"][-1][0] * HARTREE_EV
        lumo = r["LUMO"][-1][0] * HARTREE_EV
        info = {
            "id": cand["id"], "smiles": cand["smiles"], "n_heavy": n_heavy,
            "formula": cand["formula"],
            "energy_dft": r["ENERGY"][-1][0] * HARTREE_EV,
            "energy_xtb": x["energy"],
            "energy_xtb_at_dft": xs["energy"],
            "homo_dft": homo, "lumo_dft": lumo, "gap_dft": lumo - homo,
            "dipole_dft": float(np.linalg.norm(dip)),
            "dipole_vector_dft": dip,
            "rmsd_xtb_dft": kabsch_rmsd(geom, pos_x),
            "rmsd_heavy_xtb_dft": kabsch_rmsd(
                geom[[i for i, s in enumerate(symbols) if s != "H"]],
                pos_x[[i for i, s in enumerate(symbols) if s != "H"]]) if n_heavy > 1 else 0.0,
            "rmsd_ff_xtb": kabsch_rmsd(pos_x, pos0),
            "forcefield": ff, "dft_opt_coordinates": coords,
            # SCF solutions in the output: one per optimisation step, plus the final energy
            "dft_opt_steps": len(re.findall(r"Energy and wave function converged", text)) - 1,
            "time_xtb": round(x["time"], 2), "time_dft": round(dt_dft, 2),
        }
        if "gap" in x:
            info["gap_xtb"] = x["gap"]
        if "dipole" in x:
            info["dipole_xtb"] = x["dipole"]
        if n_heavy <= args.ccsdt_max_heavy:
            info.update(ccsdt(symbols, geom, work, args.ccsdt_timeout))
        return frame_text(symbols, geom, info, {"xtb_positions": pos_x})
    finally:
        if not args.keep_scratch:
            shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- isolated atoms
def label_atoms(path, args, scratch_root):
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    changed = False
    for el, mult in ATOM_MULTIPLICITY.items():
        entry = data.setdefault(el, {"multiplicity": mult})
        work = tempfile.mkdtemp(prefix="atom-%s-" % el, dir=scratch_root)
        try:
            if "energy_xtb" not in entry:
                x = xtb([el], [[0.0, 0.0, 0.0]], work, False, args.xtb_timeout, uhf=mult - 1)
                entry["energy_xtb"] = x["energy"]
                changed = True
            if "energy_dft" not in entry:
                body = DFT_ATOM_BODY % {"basis": DFT_BASIS, "method": DFT_METHOD}
                try:
                    r, dt, _ = psi4([el], [[0.0, 0.0, 0.0]], work, body, args.dft_timeout,
                                    "dft", multiplicity=mult)
                except StageError as e:  # the F atom's UKS oscillates: damped, looser retry
                    log("atom %s: %s; retrying with %s" % (el, e, ATOM_SCF_FALLBACK.strip()))
                    body = body.replace("set e_convergence 1e-8\nset d_convergence 1e-8\n",
                                        ATOM_SCF_FALLBACK)
                    r, dt, _ = psi4([el], [[0.0, 0.0, 0.0]], work, body, args.dft_timeout,
                                    "dft_fallback", multiplicity=mult)
                    entry["dft_scf_settings"] = ATOM_SCF_FALLBACK.strip().replace("\n", "; ")
                entry["energy_dft"] = r["ENERGY"][-1][0] * HARTREE_EV
                changed = True
            if "energy_ccsdt" not in entry:
                if el == "H":   # one electron: CCSD(T) = HF
                    body = ("set basis %s\nset scf_type pk\nset reference uhf\n"
                            "E = energy('scf')\n_result('CCSD(T)', '%%.12f' %% E)\n"
                            "_result('CCSD', '%%.12f' %% E)\n_result('MP2', '%%.12f' %% E)\n"
                            "_result('HF', '%%.12f' %% E)\n" % CC_BASIS)
                else:
                    body = CC_BODY % {"basis": CC_BASIS, "reference": "uhf"}
                try:
                    r, dt, _ = psi4([el], [[0.0, 0.0, 0.0]], work, body, args.ccsdt_timeout,
                                    "ccsdt", multiplicity=mult)
                except StageError as e:
                    log("atom %s: %s; retrying with %s" % (el, e, ATOM_SCF_FALLBACK.strip()))
                    body = body.replace("set e_convergence 1e-8\nset d_convergence 1e-8\n",
                                        ATOM_SCF_FALLBACK)
                    r, dt, _ = psi4([el], [[0.0, 0.0, 0.0]], work, body, args.ccsdt_timeout,
                                    "ccsdt_fallback", multiplicity=mult)
                    entry["ccsdt_scf_settings"] = ATOM_SCF_FALLBACK.strip().replace("\n", "; ")
                entry["energy_ccsdt"] = r["CCSD(T)"][-1][0] * HARTREE_EV
                entry["energy_ccsd"] = r["CCSD"][-1][0] * HARTREE_EV
                entry["energy_mp2"] = r["MP2"][-1][0] * HARTREE_EV
                entry["energy_hf_ccpvdz"] = r["HF"][-1][0] * HARTREE_EV
                changed = True
        except StageError as e:
            log("atom %s: %s (will retry next start)" % (el, e))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if changed:
        data["_units"] = "eV; total energies of the isolated ground-state atoms (spin-" \
                         "unrestricted: UKS for DFT, UHF-based CCSD(T) frozen core; xtb with " \
                         "--uhf multiplicity-1); no spherical averaging"
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path)
        log("atoms.json updated")


# ---------------------------------------------------------------- main
def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--candidates", default=os.path.join(HERE, "candidates.csv"))
    p.add_argument("--out", default=os.path.join(HERE, "labelled.xyz"))
    p.add_argument("--failed", default=os.path.join(HERE, "failed.csv"))
    p.add_argument("--atoms", default=os.path.join(HERE, "atoms.json"))
    p.add_argument("--limit", type=int, default=0, help="stop after this many molecules")
    p.add_argument("--max-heavy", type=int, default=99, help="skip larger candidates")
    p.add_argument("--ccsdt-max-heavy", type=int, default=3,
                   help="CCSD(T) with the other levels for molecules up to this size")
    p.add_argument("--ccsdt-later-max-heavy", type=int, default=4,
                   help="after the queue: CCSD(T) for labelled molecules up to this size "
                        "that lack it")
    p.add_argument("--xtb-timeout", type=int, default=600)
    p.add_argument("--dft-timeout", type=int, default=3 * 3600)
    p.add_argument("--ccsdt-timeout", type=int, default=3600)
    p.add_argument("--no-atoms", action="store_true", help="do not label the isolated atoms")
    p.add_argument("--keep-scratch", action="store_true")
    args = p.parse_args()

    lock = open(os.path.join(os.path.dirname(os.path.abspath(args.out)), ".label.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit("label.py: another instance is running (lock %s)" % lock.name)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, stop)
    scratch_root = tempfile.mkdtemp(prefix="soapgap-molecules-")
    log("start: pid %d, scratch %s, xtb %s, psi4 %s" % (
        os.getpid(), scratch_root, shutil.which("xtb"), shutil.which("psi4")))
    try:
        if not args.no_atoms:
            label_atoms(args.atoms, args, scratch_root)
        with open(args.candidates) as f:
            cands = sorted(csv.DictReader(f), key=lambda r: int(r["queue"]))
        done = done_ids(args.out, args.failed)
        todo = [c for c in cands if c["id"] not in done and int(c["n_heavy"]) <= args.max_heavy]
        log("%d candidates, %d done or failed, %d to label" % (len(cands), len(done), len(todo)))
        for k, c in enumerate(todo):
            if args.limit and k >= args.limit:
                break
            t0 = time.time()
            try:
                text = label(c, args, scratch_root)
            except StageError as e:
                record_failure(args.failed, c, e.stage, e.reason, time.time() - t0)
                log("FAILED %s %s (%s) %s: %s" % (c["id"], c["smiles"], c["n_heavy"],
                                                 e.stage, e.reason))
                continue
            except Exception as e:  # a bug or an unexpected output: record, go on
                record_failure(args.failed, c, "error", "%s: %s" % (type(e).__name__, e),
                               time.time() - t0)
                log("ERROR %s %s: %r" % (c["id"], c["smiles"], e))
                continue
            append_durably(args.out, text)
            log("done %s %-14s n_heavy=%s in %.0f s (%d left)" % (
                c["id"], c["smiles"], c["n_heavy"], time.time() - t0, len(todo) - k - 1))
        else:
            add_ccsdt_later(args, scratch_root)
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    log("finished")


if __name__ == "__main__":
    main()
