#!/usr/bin/python3
"""The project's PBE answers to the physics checks of issue 22, item 5, beside a soapgap potential:
from the converged relaxations of relax_pbe.py (relax/NAME/result.json) and the database's
diamond cell at the vacancy cell's lattice constant.

    /usr/bin/python3 physics_pbe.py [--potential ../../../potentials/Si/Si-PBE-soapgap.xml]

Rows (a row whose relaxations have not converged is printed as pending):
  vacancy E_f: E(63-atom cell) - 63 e(diamond), fixed cell (a = 5.470 A, the 8-atom diamond_eos
      cell at V/V0 = 1 with the equivalent 4x4x4 k-grid); PBE unrelaxed (step 0) and relaxed.
  Si(100) antiphase - in-phase: E(s100_swapped_refit) - E(s100_dimer_round1), both 40-atom
      slabs with 2 dimers per face, per dimer: p(2x2) (antiphase buckling) against p(2x1).
  a-Si (every relaxation named asi*): the PBE-relaxed structure (coordination, bond angles, first
      g(r) peak; the analysis of examples/silicon_amorphous/quench.py) beside soapgap's fixed-cell
      relaxation from the same start, their RMS displacement, and soapgap's energy and force
      error at the PBE minimum; a relaxation still running (or parked) is shown at its last step.
  (111) stackings (gen_stacking.py, ideal cells, unrelaxed): the intrinsic stacking fault energy
      gamma (a 1x1 cell of 6 and of 12 bilayers with c tilted by a Shockley partial, against the
      untilted diamond cell), lonsdaleite (ABABAB) and the twin (ABCBAC, two boundaries) against
      the 6-bilayer diamond cell: same shape, size and k-grid on both sides of each difference.
soapgap columns: its energy at the PBE geometry, and after its own fixed-cell relaxation from
there (ASE BFGS, fmax 0.005 eV/A); its diamond reference is the same 8-atom cell.
"""
import argparse
import json
import os
import sys

import numpy as np
from ase.io import read
from ase.neighborlist import neighbor_list
from ase.optimize import BFGS

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
import split  # noqa: E402
from relax_pbe import RELAX, relaxation_state, soapgap_calculator  # noqa: E402

DIAMOND_ID = "si-diamond_eos-004"   # V/V0 = 1: a = 5.470 A, as the vacancy cell (2 x 5.470 A)


def converged(name, relax=RELAX):
    path = os.path.join(relax, name, "result.json")
    if not os.path.exists(path) or json.load(open(path))["status"] != "converged":
        return None
    steps = read(os.path.join(relax, name, "steps.xyz"), ":")
    return steps[0], steps[-1]


def neighbour_spread(atoms, rc=2.75):
    """The pair distances among the vacancy's four 3-fold neighbours: six equal in Td symmetry,
    two short and four long in a Jahn-Teller (D2d) distortion."""
    i = neighbor_list("i", atoms, rc)
    three = np.where(np.bincount(i, minlength=len(atoms)) == 3)[0]
    if len(three) != 4:
        return "not identified (%d three-fold atoms)" % len(three)
    d = sorted(atoms.get_distance(a, b, mic=True) for k, a in enumerate(three) for b in three[k + 1:])
    return "%.3f–%.3f Å apart (%s)" % (d[0], d[-1], "Td" if d[-1] - d[0] < 0.01 else "distorted")


def soapgap_energies(calc, atoms):
    """soapgap's energy at atoms, and after its own fixed-cell relaxation from there."""
    a = atoms.copy()
    a.calc = calc
    e_at = a.get_potential_energy()
    BFGS(a, logfile=None).run(fmax=0.005, steps=500)
    return e_at, a.get_potential_energy()


def amorphous(calc, name, test_candidates, relax=RELAX):
    """PBE-relaxed a-Si (relax/NAME) beside soapgap relaxed from the same start; held out or
    trained as split.py decides (test_candidates: its test candidate_ids)."""
    sys.path.insert(0, os.path.join(ROOT, "examples", "silicon_amorphous"))
    from quench import structure

    steps = read(os.path.join(relax, name, "steps.xyz"), ":")
    state = relaxation_state(name, relax)[0]
    pbe = steps[-1]
    sg = steps[0].copy()
    sg.calc = calc
    BFGS(sg, logfile=None).run(fmax=0.005, steps=2000)
    at = pbe.copy()
    at.calc = calc
    de = (at.get_potential_energy() - pbe.info["energy"]) / len(pbe)
    df = at.get_forces() - pbe.arrays["forces"]
    d = sg.positions - pbe.positions
    d -= pbe.cell.cartesian_positions(np.round(pbe.cell.scaled_positions(d)))
    held = split.relaxation_held_out(name, read(os.path.join(relax, name, "start.extxyz")), test_candidates)
    print("\na-Si `%s` (%d atoms; %s; PBE %s after %d SCFs, max |F| %.3f eV/Å): soapgap at the PBE geometry: "
          "energy %+.1f meV/atom, force RMSE %.3f eV/Å; RMS displacement between the two relaxed structures %.3f Å\n"
          % (name, len(pbe), "held out: in test.xyz, no fit has seen it" if held else "its steps are training data",
             state, len(steps), np.linalg.norm(pbe.arrays["forces"], axis=1).max(),
             1e3 * de, np.sqrt((df ** 2).mean()), np.sqrt((d ** 2).sum(1).mean())))
    rows = [structure(steps[0]), structure(pbe), structure(sg)]
    head = "PBE relaxed" if state == "converged" else "PBE, step %d (not converged)" % (len(steps) - 1)
    print("| property | start | %s | soapgap relaxed |\n|---|---|---|---|" % head)
    fmt = [("mean coordination (r < 2.85 Å)", lambda r: "%.2f" % r["mean_coordination"]),
           ("3- / 4- / 5-fold atoms (%)", lambda r: " / ".join("%.1f" % (100 * r["coordination"][k]) for k in "345")),
           ("bond angle mean ± std (°)", lambda r: "%.1f ± %.1f" % (r["angle_mean_deg"], r["angle_std_deg"])),
           ("first g(r) peak (Å)", lambda r: "%.2f" % r["first_peak_A"]),
           ("mean bond (Å)", lambda r: "%.3f" % r["mean_bond_A"])]
    for label, f in fmt:
        print("| %s | %s |" % (label, " | ".join(f(r) for r in rows)))


def stacking_energies(frames):
    """(gamma_isf of 6 and of 12 bilayers in mJ/m^2, lonsdaleite - diamond in meV/atom, twin
    boundary in mJ/m^2) from frames {candidate_id: Atoms with info energy} of gen_stacking.py's
    cells: each a difference between two cells of the same shape, size and k-grid."""
    e = {c: f.info["energy"] for c, f in frames.items()}
    ref = frames["si-stacking_fault-000"]
    area = np.linalg.norm(np.cross(ref.cell[0], ref.cell[1]))
    mj = 16021.766  # eV/A^2 -> mJ/m^2
    return ((e["si-stacking_fault-001"] - e["si-stacking_fault-000"]) / area * mj,
            (e["si-stacking_fault-003"] - e["si-stacking_fault-002"]) / area * mj,
            1e3 * (e["si-hexagonal_diamond-002"] - e["si-stacking_fault-000"]) / len(ref),
            (e["si-stacking_fault-004"] - e["si-stacking_fault-000"]) / (2 * area) * mj)


def stacking(calc, database):
    need = ["si-stacking_fault-%03d" % k for k in range(5)] + ["si-hexagonal_diamond-002"]
    pbe = {f.info["candidate_id"]: f for f in database if f.info.get("candidate_id") in need}
    if len(pbe) < len(need):
        print("| (111) stackings | pending (%d of %d cells labelled) | | | |" % (len(pbe), len(need)))
        return
    sg = {}
    for cid, f in pbe.items():
        sg[cid] = f.copy()
        sg[cid].calc = calc
        sg[cid].info["energy"] = sg[cid].get_potential_energy()
    p, q = stacking_energies(pbe), stacking_energies(sg)
    for k, n in ((0, 6), (1, 12)):
        print("| intrinsic stacking fault γ (mJ/m²; tilted 1×1 cell of %d bilayers against diamond's, ideal) "
              "| %.1f | — | %.1f | |" % (n, p[k], q[k]))
    print("| lonsdaleite − diamond (meV/atom; 6 bilayers, ideal bonds of a0) | %.1f | — | %.1f | |" % (p[2], q[2]))
    print("| twin Σ3 (111) boundary (mJ/m²; ABCBAC against ABCABC) | %.1f | — | %.1f | |" % (p[3], q[3]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--potential", default=os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml"))
    ap.add_argument("--relax-dir", default=RELAX, help="the relaxations [%(default)s]")
    ap.add_argument("--database", default=os.path.join(HERE, "labelled.xyz"),
                    help="labelled frames with the diamond reference %s [%%(default)s]" % DIAMOND_ID)
    args = ap.parse_args()
    calc = soapgap_calculator(args.potential)
    database = read(args.database, ":")
    diamond = [f for f in database if f.info.get("candidate_id") == DIAMOND_ID][0]
    e_pbe = diamond.info["energy"] / len(diamond)
    d = diamond.copy()
    d.calc = calc
    e_sg = d.get_potential_energy() / len(d)

    print("PBE: the project's database settings; soapgap: %s\n" % args.potential)
    print("| check | PBE unrelaxed start | PBE relaxed | soapgap at the PBE geometry | soapgap relaxed |")
    print("|---|---|---|---|---|")
    for name, start in (("vacancy", "unrattled (Td) start"), ("vacancy_rattled", "start rattled 0.1 Å")):
        vac = converged(name, args.relax_dir)
        if vac:
            n = len(vac[1])
            sg_at, sg_rel = soapgap_energies(calc, vac[1])
            print("| vacancy E_f (eV; 63-atom cell, a = 5.470 Å, %s; PBE: the vacancy's 4 neighbours %s) "
                  "| %.3f | %.3f | %.3f | %.3f |" % (start, neighbour_spread(vac[1]), vac[0].info["energy"] - n * e_pbe,
                                                    vac[1].info["energy"] - n * e_pbe, sg_at - n * e_sg, sg_rel - n * e_sg))
        else:
            print("| vacancy E_f, %s | pending (relax_pbe.py %s) | | | |" % (start, name))
    anti, inph = converged("s100_swapped_refit", args.relax_dir), converged("s100_dimer_round1", args.relax_dir)
    if anti and inph:
        ndim = 4
        a_at, a_rel = soapgap_energies(calc, anti[1])
        i_at, i_rel = soapgap_energies(calc, inph[1])
        print("| Si(100) E(p(2×2)) − E(p(2×1)) (meV/dimer; 40-atom slab, 4 dimers) | %.1f | %.1f | %.1f | %.1f |"
              % (1e3 * (anti[0].info["energy"] - inph[0].info["energy"]) / ndim,
                 1e3 * (anti[1].info["energy"] - inph[1].info["energy"]) / ndim,
                 1e3 * (a_at - i_at) / ndim, 1e3 * (a_rel - i_rel) / ndim))
    else:
        print("| Si(100) p(2×2) vs p(2×1) | pending (relax_pbe.py s100_swapped_refit, s100_dimer_round1) | | | |")
    stacking(calc, database)
    asi = [n for n in sorted(os.listdir(args.relax_dir))
           if n.startswith("asi") and os.path.exists(os.path.join(args.relax_dir, n, "steps.xyz"))]
    tids = split.test_ids(read(os.path.join(HERE, "candidates.xyz"), ":")) if asi else set()
    for name in asi:
        amorphous(calc, name, tids, args.relax_dir)


if __name__ == "__main__":
    main()
