#!/usr/bin/python3
"""Cheap convergence study for the silicon DFT settings (ecutwfc and k-spacing).

Test system: 8-atom cubic diamond cell (a = 5.47 A, PBE lattice constant), rattled with
sigma = 0.1 A (numpy seed 42), so forces are non-zero and there is no symmetry.
Extra k-check: beta-Sn (2-atom body-centred tetragonal cell, metallic), rattled 0.05 A.

1. ecutwfc scan at fixed k (2x2x2 Monkhorst-Pack, shifted) — cutoff convergence is
   essentially independent of k sampling; reference = highest cutoff.
2. k scan at the chosen cutoff: MP grids n = 2..6 (shifted for even n), reference n = 6,
   plus the Gamma-centred 2x2x2 grid, which is exactly the sampling a 64-atom 2x2x2
   supercell gets at Gamma only.
Metrics: |dE| per atom (meV/atom), max |dF| over all force components (eV/A),
max |d sigma| (GPa).

Usage:  nice -n 19 /usr/bin/python3 converge.py  [--scratch DIR]
Results are cached in SCRATCH/converge_cache.json so a rerun only computes what is missing.
Prints markdown tables (copied into convergence.md).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from ase.build import bulk
from ase.units import GPa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import settings as S  # noqa: E402


def si8():
    a = bulk("Si", "diamond", a=5.47, cubic=True)
    rng = np.random.RandomState(42)
    a.positions += rng.normal(0.0, 0.1, a.positions.shape)
    return a


def bsn():
    # beta-Sn Si: a = 4.81, c/a = 0.55 (conventional), 2-atom primitive bct cell via ASE
    a = bulk("Si", "bct", a=4.81, c=4.81 * 0.552, basis=[[0, 0, 0], [0.0, 0.5, 0.25]]) \
        if False else _bsn_manual()
    rng = np.random.RandomState(7)
    a.positions += rng.normal(0.0, 0.05, a.positions.shape)
    return a


def _bsn_manual():
    from ase import Atoms
    a, c = 4.81, 4.81 * 0.552
    # conventional 4-atom beta-Sn cell (A5), positions (0,0,0),(1/2,1/2,1/2),(0,1/2,1/4),(1/2,0,3/4)
    frac = [[0, 0, 0], [0.5, 0.5, 0.5], [0, 0.5, 0.25], [0.5, 0, 0.75]]
    return Atoms("Si4", scaled_positions=frac, cell=[a, a, c], pbc=True)


def run(atoms, tag, scratch, cache, overrides=None, kgrid=None, koff=None):
    if tag in cache:
        return cache[tag]
    d = os.path.join(scratch, tag)
    os.makedirs(d, exist_ok=True)
    calc, n, off = S.make_calc(atoms, d, overrides=overrides)
    if kgrid is not None:
        calc.parameters["kpts"] = kgrid
        calc.parameters["koffset"] = koff
        n, off = kgrid, koff
    at = atoms.copy()
    at.calc = calc
    t = time.time()
    e = at.get_potential_energy()
    r = {"E": e, "N": len(at), "F": at.get_forces().tolist(),
         "stress": at.get_stress().tolist(), "wall_s": time.time() - t,
         "kgrid": list(n), "koff": list(off)}
    cache[tag] = r
    return r


def cmp(r, ref):
    dE = abs(r["E"] / r["N"] - ref["E"] / ref["N"]) * 1000.0
    dF = float(np.max(np.abs(np.array(r["F"]) - np.array(ref["F"]))))
    dS = float(np.max(np.abs(np.array(r["stress"]) - np.array(ref["stress"])))) / GPa
    return dE, dF, dS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scratch", default=os.path.expanduser("~/.cache/soapgap/dft-scratch/converge"))
    args = ap.parse_args()
    S.setup_env()
    os.makedirs(args.scratch, exist_ok=True)
    cpath = os.path.join(args.scratch, "converge_cache.json")
    cache = json.load(open(cpath)) if os.path.exists(cpath) else {}

    def save():
        tmp = cpath + ".tmp"
        json.dump(cache, open(tmp, "w"))
        os.replace(tmp, cpath)

    s = S.load_settings()
    a8 = si8()
    print("## 1. ecutwfc scan (8-atom rattled diamond, MP 2x2x2 shifted, ecutrho = 4 ecutwfc, "
          "MV smearing %.3f Ry)\n" % s["degauss_Ry"])
    cuts = [16, 20, 24, 28, 32, 36, 44]
    res = {}
    for ec in cuts:
        res[ec] = run(a8, "ecut%d" % ec, args.scratch, cache,
                      overrides={"ecutwfc_Ry": ec, "ecutrho_Ry": 4 * ec},
                      kgrid=(2, 2, 2), koff=(1, 1, 1))
        save()
    ref = res[cuts[-1]]
    print("| ecutwfc (Ry) | E (eV/atom) | dE vs 44 Ry (meV/atom) | max dF (eV/A) | max dstress (GPa) | wall (s) |")
    print("|---|---|---|---|---|---|")
    for ec in cuts:
        dE, dF, dS = cmp(res[ec], ref)
        print("| %d | %.5f | %.2f | %.4f | %.3f | %.1f |" % (ec, res[ec]["E"] / 8, dE, dF, dS, res[ec]["wall_s"]))

    ec = s["ecutwfc_Ry"]
    print("\n## 2. k-spacing scan (same cell, ecutwfc = %g Ry)\n" % ec)
    ov = {"ecutwfc_Ry": ec, "ecutrho_Ry": s["ecutrho_Ry"]}
    grids = [((2, 2, 2), (0, 0, 0)), ((2, 2, 2), (1, 1, 1)), ((3, 3, 3), (0, 0, 0)),
             ((4, 4, 4), (1, 1, 1)), ((5, 5, 5), (0, 0, 0)), ((6, 6, 6), (1, 1, 1))]
    kres = {}
    for g, o in grids:
        tag = "k%d_%d_ec%g" % (g[0], o[0], ec)
        kres[(g, o)] = run(a8, tag, args.scratch, cache, overrides=ov, kgrid=g, koff=o)
        save()
    kref = kres[grids[-1]]
    b = 2 * np.pi / 5.47
    print("| grid | offset | k-spacing reached (1/A, 2pi incl.) | dE vs 6x6x6 (meV/atom) | max dF (eV/A) | max dstress (GPa) | wall (s) |")
    print("|---|---|---|---|---|---|---|")
    for g, o in grids:
        dE, dF, dS = cmp(kres[(g, o)], kref)
        print("| %dx%dx%d | %s | %.3f | %.2f | %.4f | %.3f | %.1f |" % (
            g[0], g[1], g[2], "MP shifted" if o[0] else "Gamma-centred", b / g[0], dE, dF, dS,
            kres[(g, o)]["wall_s"]))

    print("\n## 3. metallic check: beta-Sn (4-atom conventional cell, a = 4.81 A, c/a = 0.552, "
          "rattled 0.05 A), ecutwfc = %g Ry\n" % ec)
    ab = bsn()
    rec = 2 * np.pi * np.linalg.norm(ab.cell.reciprocal(), axis=1)
    bgrids = [0.5, 0.4, 0.3, 0.2, 0.12]
    bres = {}
    for ks in bgrids:
        n, off = S.kgrid(ab, ks)
        tag = "bsn_%d_%d_%d_ec%g" % (n[0], n[1], n[2], ec)
        bres[ks] = run(ab, tag, args.scratch, cache, overrides=ov, kgrid=n, koff=off)
        save()
    bref = bres[bgrids[-1]]
    print("| k-spacing (1/A) | grid | dE vs spacing 0.12 (meV/atom) | max dF (eV/A) | max dstress (GPa) | wall (s) |")
    print("|---|---|---|---|---|---|")
    for ks in bgrids:
        r = bres[ks]
        dE, dF, dS = cmp(r, bref)
        print("| %.2f | %s | %.2f | %.4f | %.3f | %.1f |" % (ks, "x".join(map(str, r["kgrid"])), dE, dF, dS, r["wall_s"]))
    print("\n(reciprocal lengths of the beta-Sn cell incl. 2pi: %s 1/A)" % np.round(rec, 3))

    print("\n## 4. smearing width: beta-Sn k-convergence and diamond energy at degauss 0.01 vs 0.02 Ry\n")
    print("| system | degauss (Ry) | k-spacing | dE vs spacing 0.12 same degauss (meV/atom) | max dF (eV/A) | max dstress (GPa) | E(0.02) - E(0.01) (meV/atom) |")
    print("|---|---|---|---|---|---|---|")
    for dg in (0.01, 0.02):
        rr = {}
        for ks in (0.3, 0.12):
            n, off = S.kgrid(ab, ks)
            tag = "bsn_%d_%d_%d_ec%g" % (n[0], n[1], n[2], ec) + ("" if dg == 0.01 else "_dg%g" % dg)
            o2 = dict(ov); o2["degauss_Ry"] = dg
            rr[ks] = run(ab, tag, args.scratch, cache, overrides=o2, kgrid=n, koff=off)
            save()
        dE, dF, dS = cmp(rr[0.3], rr[0.12])
        shift = ""
        if dg == 0.02:
            shift = "%.2f" % ((rr[0.12]["E"] - bres[0.12]["E"]) / 4 * 1000)
        print("| beta-Sn | %.2f | 0.30 | %.2f | %.4f | %.3f | %s |" % (dg, dE, dF, dS, shift))
    o2 = dict(ov); o2["degauss_Ry"] = 0.02
    r2 = run(a8, "k4_1_ec%g_dg0.02" % ec, args.scratch, cache, overrides=o2, kgrid=(4, 4, 4), koff=(1, 1, 1))
    save()
    r1 = kres[((4, 4, 4), (1, 1, 1))]
    dE, dF, dS = cmp(r2, r1)
    print("| diamond 8-atom rattled, 4x4x4 | 0.02 vs 0.01 | 0.287 | | %.4f | %.3f | %.2f |" % (dF, dS, (r2["E"] - r1["E"]) / 8 * 1000))


if __name__ == "__main__":
    main()
