#!/usr/bin/python3
"""Resumable PBE relaxation (fixed cell) with the database's Quantum ESPRESSO settings: the
project's own DFT answer for the physics checks of the shipped potential (issue 22, item 5:
the vacancy formation energy, the lowest Si(100) state among the demo's starts).

    nice -n 19 /usr/bin/python3 relax_pbe.py NAME START [--fmax 0.05] [--max-steps 40]
    /usr/bin/python3 relax_pbe.py --summary            # every relaxation: steps, energy, max |F|

START: any structure file ASE reads (its last frame), or a candidate_id of candidates.xyz.
Each force evaluation is one pw.x SCF (settings.json, same settings hash as the database),
run while holding a pw.x slot (pwx_slots.py), so it takes turns with label_qe.py and the
active-learning labeller. Every SCF is appended at once, atomically, to relax/NAME/steps.xyz
(positions, energy, forces, stress, settings_hash: each step is a full label), and ASE's BFGS keeps its
Hessian in relax/NAME/bfgs.json: a killed run resumes from its last step without redoing an
SCF. The start structure is kept as relax/NAME/start.extxyz. relax/NAME/result.json is
written when max |F| < fmax (converged) or after max-steps.

--hessian-from POTENTIAL.xml seeds BFGS's first Hessian with that soapgap potential's Hessian
at the start (central differences of its forces, eigenvalues clamped to [--hessian-min,
1000] eV/A^2) instead of ASE's 70 eV/A^2 times the identity: the soft modes of a surface or
defect (dimer tilts) then take full steps from the first SCF. Given to a relaxation that has
unseeded steps, it replaces BFGS's Hessian by the model's at the current positions (once;
relax/NAME/seed.json records it). On soapgap-as-truth tests with the Hessian from another
soapgap fit it cut the steps from 8-11 to 3-4, to the same minimum within 0.012 A.
Set SOAPGAP_PWX_SLOTS=2 to let two pw.x calculations run at once (see pwx_slots.py).

Symmetric starts stay symmetric: BFGS keeps the symmetry of the forces, so an unrattled vacancy
ends at the Td stationary point even if PBE prefers a Jahn-Teller distortion. --rattle 0.1
breaks it (as the silicon testing framework does). Near a saddle, a seeded BFGS takes the large
steps of its soft modes and can stop on the saddle (a test with soapgap as the stand-in: a
15-atom vacancy rattled by 0.03 A; rattled by 0.1 A, the 63-atom one always reached the
minimum, in 14-20 steps seeded against 32-54 unseeded).
"""
import argparse
import datetime
import io
import json
import os
import shutil
import sys
import time

import numpy as np
from ase.calculators.calculator import Calculator, all_changes
from ase.io import read, write
from ase.optimize import BFGS

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import settings as S  # noqa: E402
from label_qe import LABELLED, SCRATCH, atomic_write_bytes, log, parse_pwo  # noqa: E402
from pwx_slots import pwx_turn  # noqa: E402

RELAX = os.path.join(HERE, "relax")


class DatabaseDFT(Calculator):
    """pw.x with the database settings, one SCF per call in a pw.x slot; every result is
    appended to steps.xyz, and a call at positions already in steps.xyz, or in the database
    (labelled.xyz, same settings hash and cell), is answered from it."""
    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, name, steps_path):
        super().__init__()
        self.name, self.steps_path = name, steps_path
        self.s = S.load_settings()
        self.shash = S.settings_hash(self.s)
        self.done = read(steps_path, ":") if os.path.exists(steps_path) else []

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        for f in self.done:
            if len(f) == len(atoms) and np.abs(f.positions - atoms.positions).max() < 1e-9:
                self._set(f.info["energy"], f.arrays["forces"], f.info["stress"])
                return
        if not self.done and self._from_database(atoms):
            return
        workdir = os.path.join(SCRATCH, "relax", self.name)
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        at = atoms.copy()
        at.calc, n, off = S.make_calc(at, workdir, s=self.s)
        t0 = time.time()
        with pwx_turn(log):
            e, f, st = at.get_potential_energy(), at.get_forces(), at.get_stress(voigt=False)
        info = parse_pwo(os.path.join(workdir, "espresso.pwo"))
        if not info["converged"]:
            raise RuntimeError("%s: SCF not converged: %s" % (self.name, info["error"]))
        frame = atoms.copy()
        frame.calc = None
        frame.info = {"relaxation": self.name, "step": len(self.done), "energy": float(e),
                      "stress": np.array(st), "virial": -np.array(st) * frame.get_volume(),
                      "settings_hash": self.shash, "dft_code": info["version"], "kgrid": "%dx%dx%d" % tuple(n),
                      "koffset": np.array(off, dtype=int), "wall_s": round(time.time() - t0, 1),
                      "labelled_at": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
        frame.arrays["forces"] = np.array(f)
        buf = io.StringIO()
        write(buf, self.done + [frame], format="extxyz")
        atomic_write_bytes(self.steps_path, buf.getvalue().encode())
        self.done.append(frame)
        shutil.rmtree(workdir, ignore_errors=True)
        log("%s step %d: E = %.6f eV, max |F| = %.4f eV/A (%.0f s)"
            % (self.name, frame.info["step"], e, np.linalg.norm(f, axis=1).max(), frame.info["wall_s"]))
        self._set(e, f, st)

    def _from_database(self, atoms):
        """Step 0 at a structure the database already has (a candidate used as START): its
        label is copied into steps.xyz instead of running the same SCF again."""
        for f in read(LABELLED, ":") if os.path.exists(LABELLED) else []:
            if (len(f) == len(atoms) and f.info.get("settings_hash") == self.shash
                    and np.abs(f.cell.array - atoms.cell.array).max() < 1e-9
                    and np.abs(f.positions - atoms.positions).max() < 1e-9):
                frame = atoms.copy()
                frame.calc = None
                frame.info = {"relaxation": self.name, "step": 0, "energy": f.info["energy"],
                              "stress": np.array(f.info["stress"]).reshape(3, 3), "virial": f.info["virial"],
                              "settings_hash": self.shash, "dft_code": f.info["dft_code"], "kgrid": f.info["kgrid"],
                              "koffset": f.info["koffset"], "from_database": f.info["candidate_id"]}
                frame.arrays["forces"] = np.array(f.arrays["forces"])
                buf = io.StringIO()
                write(buf, [frame], format="extxyz")
                atomic_write_bytes(self.steps_path, buf.getvalue().encode())
                self.done.append(frame)
                log("%s step 0: E = %.6f eV from the database (%s)" % (self.name, frame.info["energy"], f.info["candidate_id"]))
                self._set(frame.info["energy"], frame.arrays["forces"], frame.info["stress"])
                return True
        return False

    def _set(self, e, f, st):
        st = np.asarray(st)
        self.results = {"energy": float(e), "free_energy": float(e), "forces": np.array(f),
                        "stress": np.array([st[0, 0], st[1, 1], st[2, 2], st[1, 2], st[0, 2], st[0, 1]])}


def soapgap_calculator(potential):
    """soapgap's ASE calculator: the installed package, else the build tree's (as the tests use it)."""
    try:
        from soapgap.ase import SoapGapCalculator
    except ImportError:
        sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build", "python"))
        from soapgap.ase import SoapGapCalculator
    return SoapGapCalculator(potential)


def model_hessian(atoms, potential, delta=0.01, lo=2.0, hi=1000.0):
    """The soapgap potential's Hessian (eV/A^2, 3N x 3N) at atoms by central differences of
    its forces, symmetrised, with eigenvalues clamped to [lo, hi] (positive definite: the
    free translations and any negative curvature get lo)."""
    at = atoms.copy()
    at.calc = soapgap_calculator(potential)
    x0 = at.positions.copy()
    n = 3 * len(at)
    h = np.zeros((n, n))
    for i in range(n):
        cols = []
        for sign in (1.0, -1.0):
            x = x0.copy()
            x.flat[i] += sign * delta
            at.positions = x
            cols.append(at.get_forces().ravel())
        h[i] = -(cols[0] - cols[1]) / (2 * delta)
    w, v = np.linalg.eigh(0.5 * (h + h.T))
    log("model Hessian from %s: %d of %d eigenvalues below %.1f eV/A^2 (lowest %.3f) clamped"
        % (potential, int((w < lo).sum()), n, lo, w.min()))
    return (v * np.clip(w, lo, hi)) @ v.T


def start_structure(start):
    if os.path.exists(start):
        at = read(start, -1)
    else:
        found = [a for a in read(os.path.join(HERE, "candidates.xyz"), ":") if a.info["candidate_id"] == start]
        if not found:
            raise SystemExit("relax_pbe.py: %s is neither a file nor a candidate_id of candidates.xyz" % start)
        at = found[0]
    at = at.copy()
    at.info, at.calc = {"start": start}, None
    return at


def relaxation_state(name, relax=RELAX):
    """(state, why) of relax/NAME: result.json's status ("converged", ...), else "parked" with the
    one line of relax/NAME/parked, else "running" (why empty)."""
    res, parked = os.path.join(relax, name, "result.json"), os.path.join(relax, name, "parked")
    if os.path.exists(res):
        return json.load(open(res))["status"], ""
    if os.path.exists(parked):
        return "parked", open(parked).read().strip()
    return "running", ""


def summary():
    for name in sorted(os.listdir(RELAX)) if os.path.isdir(RELAX) else []:
        path = os.path.join(RELAX, name, "steps.xyz")
        if not os.path.exists(path):
            continue
        steps = read(path, ":")
        last = steps[-1]
        state, why = relaxation_state(name)
        if why:
            state += ": " + why
        print("%-28s %3d steps  E = %.6f eV (%d atoms)  max |F| = %.4f eV/A  %s"
              % (name, len(steps), last.info["energy"], len(last),
                 np.linalg.norm(last.arrays["forces"], axis=1).max(), state))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", nargs="?")
    ap.add_argument("start", nargs="?")
    ap.add_argument("--fmax", type=float, default=0.05, help="eV/A, on every atom")
    ap.add_argument("--max-steps", type=int, default=40)
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--hessian-from", metavar="POTENTIAL.xml", help="seed BFGS with this soapgap potential's Hessian")
    ap.add_argument("--hessian-min", type=float, default=2.0, help="eV/A^2, floor of the seeded eigenvalues")
    ap.add_argument("--rattle", type=float, default=0.0, metavar="A",
                    help="displace the START's atoms (normal, this std in A) to break its symmetry [0]")
    ap.add_argument("--rattle-seed", type=int, default=1)
    ap.add_argument("--config-type", help="the start's kind, kept in start.extxyz for split.py (its steps join the "
                    "fit as pbe_relax_<kind>); required for a file START, a candidate's own by default")
    ap.add_argument("--held-out", action="store_true", help="mark it in start.extxyz: split.py puts every step in "
                    "test.xyz (a check of the physics no fit has seen)")
    args = ap.parse_args()
    if args.summary:
        return summary()
    if not args.name or not args.start or not args.name.replace("_", "").replace("-", "").isalnum():
        ap.error("give NAME (letters, digits, '_', '-') and START")
    fresh = not os.path.exists(os.path.join(RELAX, args.name, "start.extxyz"))
    if fresh and os.path.exists(args.start) and not args.config_type:
        ap.error("a file START needs --config-type (e.g. amorphous): split.py files its steps under it")
    S.setup_env()
    d = os.path.join(RELAX, args.name)
    steps_path = os.path.join(d, "steps.xyz")
    if os.path.exists(steps_path):
        atoms = read(steps_path, -1)
    elif os.path.exists(os.path.join(d, "start.extxyz")):    # killed before its first SCF landed
        atoms = read(os.path.join(d, "start.extxyz"))
    else:
        atoms = start_structure(args.start)
        if args.rattle > 0:
            atoms.rattle(args.rattle, seed=args.rattle_seed)
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "start.extxyz")):  # the start, kept with the steps
        first = read(steps_path, 0) if os.path.exists(steps_path) else atoms.copy()
        first.calc, first.info = None, {"start": args.start}
        if args.config_type:
            first.info["config_type"] = args.config_type
        if args.held_out:
            first.info["held_out"] = True
        if args.rattle > 0 and not os.path.exists(steps_path):
            first.info.update(rattle_A=args.rattle, rattle_seed=args.rattle_seed)
        write(os.path.join(d, "start.extxyz"), first, format="extxyz")
    calc = DatabaseDFT(args.name, steps_path)
    atoms = atoms.copy()
    atoms.calc = calc
    had_state = os.path.exists(os.path.join(d, "bfgs.json"))
    opt = BFGS(atoms, restart=os.path.join(d, "bfgs.json"), logfile=os.path.join(d, "bfgs.log"))
    seed_path = os.path.join(d, "seed.json")
    # seed once; again only when BFGS kept no state (killed before its first step was saved)
    if args.hessian_from and (not os.path.exists(seed_path) or not had_state):
        opt.H0, opt.H = model_hessian(atoms, args.hessian_from, lo=args.hessian_min), None
        atomic_write_bytes(seed_path, (json.dumps({"hessian_from": args.hessian_from, "hessian_min": args.hessian_min,
                                                   "at_step": len(calc.done)}) + "\n").encode())
    elif args.hessian_from:
        log("%s: already seeded (%s); BFGS goes on with its own Hessian" % (args.name, seed_path))
    converged = opt.run(fmax=args.fmax, steps=max(0, args.max_steps - len(calc.done)))
    f = atoms.get_forces()
    start_name = read(os.path.join(d, "start.extxyz")).info.get("start", args.start)
    result = {"status": "converged" if converged else "stopped after max-steps", "steps": len(calc.done),
              "energy_eV": float(atoms.get_potential_energy()), "max_force_eV_per_A": float(np.linalg.norm(f, axis=1).max()),
              "fmax": args.fmax, "start": start_name, "settings_hash": calc.shash,
              "seeded": json.load(open(seed_path)) if os.path.exists(seed_path) else None}
    atomic_write_bytes(os.path.join(d, "result.json"), (json.dumps(result, indent=1) + "\n").encode())
    log("%s: %s, E = %.6f eV" % (args.name, result["status"], result["energy_eV"]))


if __name__ == "__main__":
    main()
