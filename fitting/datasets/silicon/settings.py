"""The ONE set of Quantum ESPRESSO settings used for every silicon configuration.

The numbers live in settings.json (chosen by converge.py, evidence in convergence.md);
this module turns them into an ASE Espresso calculator (ASE 3.22 API), computes the
k-point grid from the k-spacing rule and a hash of the physics-relevant settings that is
stored with every labelled frame (frames with different hashes must not be mixed).
"""
import hashlib
import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SETTINGS_FILE = os.path.join(HERE, "settings.json")

# Keys that change the computed energies/forces. Solver-path keys (mixing) are not hashed.
PHYSICS_KEYS = ["pseudopotential", "xc", "spin_polarised", "ecutwfc_Ry", "ecutrho_Ry",
                "kspacing_inv_A", "kspacing_convention", "occupations", "smearing",
                "degauss_Ry", "conv_thr_Ry_per_atom", "energy_definition"]


def load_settings(path=SETTINGS_FILE):
    with open(path) as f:
        return json.load(f)


def settings_hash(s=None):
    s = s or load_settings()
    sub = {k: s[k] for k in PHYSICS_KEYS}
    blob = json.dumps(sub, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def kgrid(atoms, kspacing):
    """Grid and MP offsets from the k-spacing rule (2*pi included, see settings.json)."""
    rec = 2.0 * math.pi * np.linalg.norm(atoms.cell.reciprocal(), axis=1)
    n = []
    for i in range(3):
        if not atoms.pbc[i]:
            n.append(1)
        else:
            n.append(max(1, int(math.ceil(rec[i] / kspacing - 1e-6))))
    off = [1 if (ni % 2 == 0) else 0 for ni in n]
    return tuple(n), tuple(off)


def n_kpoints_estimate(atoms, kspacing):
    """Rough number of irreducible k-points for a low-symmetry cell (time reversal only)."""
    n, _ = kgrid(atoms, kspacing)
    tot = n[0] * n[1] * n[2]
    if tot == 1:
        return 0.5  # gamma trick: real wavefunctions, ~half the cost of one k-point
    return (tot + 1) // 2 if tot % 2 else tot // 2


def make_calc(atoms, directory, s=None, overrides=None, kspacing=None, mixing_beta=None):
    """ASE Espresso calculator with the database settings.

    overrides: dict of top-level settings keys to replace (used only by converge.py).
    """
    from ase.calculators.espresso import Espresso
    s = dict(s or load_settings())
    if overrides:
        s.update(overrides)
    ks = kspacing if kspacing is not None else s["kspacing_inv_A"]
    n, off = kgrid(atoms, ks)
    pp = s["pseudopotential"]
    nat = len(atoms)
    input_data = {
        "control": {
            "calculation": "scf",
            "tprnfor": bool(s["tprnfor"]),
            "tstress": bool(s["tstress"]),
            "disk_io": "none",
            "outdir": "./out",
            "prefix": "si",
            "verbosity": "low",
        },
        "system": {
            "ecutwfc": float(s["ecutwfc_Ry"]),
            "ecutrho": float(s["ecutrho_Ry"]),
            "occupations": s["occupations"],
            "smearing": s["smearing"],
            "degauss": float(s["degauss_Ry"]),
            "nspin": 2 if s["spin_polarised"] else 1,
        },
        "electrons": {
            "conv_thr": float(s["conv_thr_Ry_per_atom"]) * max(1, nat),
            "mixing_beta": float(mixing_beta if mixing_beta is not None else s["mixing_beta"]),
            "electron_maxstep": int(s["electron_maxstep"]),
        },
    }
    kw = dict(input_data=input_data,
              pseudopotentials={pp["element"]: pp["file"]},
              pseudo_dir=pp["pseudo_dir"],
              directory=directory)
    if n == (1, 1, 1):
        kw["kpts"] = None          # K_POINTS gamma
    else:
        kw["kpts"] = n
        kw["koffset"] = off
    return Espresso(**kw), n, off


def setup_env():
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["ASE_ESPRESSO_COMMAND"] = "nice -n 19 pw.x -in PREFIX.pwi > PREFIX.pwo"


def pw_version(pwo_path):
    try:
        with open(pwo_path) as f:
            for line in f:
                if "Program PWSCF" in line:
                    return line.strip()
    except OSError:
        pass
    return "unknown"
