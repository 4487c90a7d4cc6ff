#!/usr/bin/env python3
"""Silicon validation table in LAMMPS: soapgap (the shipped SOAP-GAP potential) against LAMMPS'
Stillinger-Weber (`sw`) and Tersoff (`tersoff`), beside the literature values (DFT PW91, GAP-18)
of the libAtoms silicon testing framework / Bartok et al. Sci. Adv. 3, e1701816 (2017).

Reuses the surface demo (examples/silicon_surfaces/surfaces.py: LAMMPS deck writing and running,
bulk a0 / B, (100) dimerised, (111) 1x1 and 2x1 Pandey) and adds, per pair style:
  elastic  C11, C12 (uniaxial strain exx = +-0.5 %) and C44 (shear xy, engineering strain
           +-0.5 %) on the relaxed 8-atom cubic cell, central differences of the LAMMPS stress,
           internal coordinates relaxed at every strain (C44 also clamped-ion, C44^0);
  vacancy  216-atom cell (3x3x3 cubic; 64 atoms in quick mode) at the style's a0, one atom
           removed, relaxed at fixed cell from two starts (the framework's: neighbours pulled
           13-16 % towards the site + 0.1 A rattle; and a near-ideal one), lowest reported:
           E_f = E(N-1) - (N-1)/N E(N);
  DAS      Si(111) (2n+1)x(2n+1) dimer-adatom-stacking-fault slabs, built by the project
           (si_structures.das111 at the style's a0: 8 bilayers, bottom 3 with move_mask = 0;
           relaxed, they equal the silicon testing framework's slabs to 0.1 meV per cell,
           tests/python/test_das111.py), or read from --das-dir (the framework's
           si111_{n}x{n}_8layer.xyz, never copied into the repository; cell and positions
           scaled by a0(style)/a0(file)), as that framework defines them: move_mask = 0 atoms held fixed
           (fix setforce), the rest relaxed (minimize, max force component <= --das-fmax),
           gamma_DAS = (E_slab - N e_bulk)/A - e111, with e111 = (E_exp - E_bulk)/(2A) of the
           unrelaxed 1x1x10 (111) cell split at the shuffle plane (10 A vacuum);
  sigma    soapgap only: per-atom predicted variance (compute soapgap/variance/atom) on the
           relaxed 7x7 (or the largest DAS relaxed): extxyz with a sigma column, a PNG top view
           coloured by sigma, and the mean / max sigma per atom class (adatoms, rest atoms,
           dimer atoms, corner-hole atoms, ...).

Prints one Markdown table and writes validation.md and validation.json to the work directory.

Usage:
  validate.py --lmp LMP --plugin soapgapplugin.so --potential Si.xml --lammps-potentials DIR
              [--workdir DIR] [--styles soapgap,sw,tersoff] [--das-dir DIR] [--das-sizes 3,5,7,9]
              [--np N] [--quick]
"""
import argparse
import datetime
import json
import os
import shutil
import sys
import time

import numpy as np
from ase.build import bulk
from ase.lattice.cubic import Diamond
from ase.neighborlist import neighbor_list

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "examples", "silicon_surfaces"))
import das_validation as dv  # noqa: E402  (the DAS slabs, energies and sigma)
import surfaces as sf  # noqa: E402  (the surface demo: LAMMPS helpers, bulk and surface properties)
from surfaces import EV_A2_TO_J_M2, LammpsError  # noqa: E402

DAS_DIR_DEFAULT = os.environ.get("SOAPGAP_SI_DAS_DIR") or None   # None: the project's own DAS slabs
BAR_TO_GPA = 1e-4

# Literature (silicon testing framework; Bartok et al. PRX 8, 041048 (2018) and Sci. Adv. 3,
# e1701816 (2017)), copied from <repo>/../shared/data/silicon/README.md: {key: (DFT PW91, GAP-18, SW, Tersoff)}
LIT = {
    "a0": ("5.461", "5.461", "5.431", "5.432"),
    "B": ("88.6", "88.8", "101.5", "97.9"),
    "C11": ("153.3", "≈ DFT", "", ""),
    "C12": ("56.3", "≈ DFT", "", ""),
    "C44": ("72.2", "≈ DFT", "", ""),
    "vac": ("3.67", "3.53", "2.69", "4.16"),
    "s100": ("", "0.0804", "0.1470", "0.1416"),
    "tilt": ("~19 (PBE/PW91)", "18.8", "0", "0"),
    "s111": ("0.0980", "0.0941", "0.0844", "0.0743"),
    "das3": ("", "0.09469", "0.12741", "0.13921"),
    "das5": ("", "0.08977", "0.12475", "0.13380"),
    "das7": ("", "0.08931", "0.12382", "0.13053"),
    "das9": ("", "0.08940", "0.12338", "0.12892"),
}


# ----------------------------------------------------------------------------- LAMMPS runs
def run_pe(lmp, style, name, atoms):
    """Single-point energy."""
    data = sf.write_data(os.path.join(lmp.args.workdir, name + ".data"), atoms)
    res, _ = lmp.run(name, lmp.header(style, data) + 'run 0\nprint "RESULT pe $(pe:%.12f)"\n')
    return res["pe"]


class ValidationLammps(sf.Lammps):
    """The demo's LAMMPS runner plus `tersoff_t3`: Tersoff's later Si parameterisation Si(C)
    (PRB 38, 9902 (1988); LAMMPS SiCGe.tersoff), the one the silicon testing framework's Tersoff
    column is closest to. LAMMPS' Si.tersoff (style `tersoff`, as in the demo) is Si(B), PRB 37,
    6991 (1988)."""

    def pair_lines(self, style):
        if style == "tersoff_t3":
            return f"pair_style tersoff\npair_coeff * * {os.path.join(self.args.lammps_potentials, 'SiCGe.tersoff')} Si(C)\n"
        return super().pair_lines(style)


# ----------------------------------------------------------------------------- elastic constants
def elastic_constants(lmp, style, b, eps=0.005):
    """C11, C12 (exx = +-eps) and C44 (engineering shear xy = +-eps) of the relaxed cubic
    8-atom cell, central differences of the stress, internal coordinates relaxed."""
    a0 = b["a0"]
    w = lmp.args.workdir
    ref = bulk("Si", "diamond", a=a0, cubic=True)
    out = {}
    for kind in ("xx", "xy"):
        p = {}
        for sgn in (+1, -1):
            F = np.eye(3)
            if kind == "xx":
                F[0, 0] += sgn * eps
            else:
                F[0, 1] += sgn * eps          # x' = x + gamma y: tilt xy = gamma * L
            at = ref.copy()
            at.set_cell(ref.cell.array @ F.T, scale_atoms=True)
            name = f"{style}_elastic_{kind}_{'p' if sgn > 0 else 'm'}"
            data = sf.write_data(os.path.join(w, name + ".data"), at)
            deck = lmp.header(style, data) + """thermo_style custom step pe pxx pyy pzz pxy fmax
thermo_modify format float %.12g
run 0
print "RESULT pxx0 $(pxx:%.8f) pyy0 $(pyy:%.8f) pxy0 $(pxy:%.8f)"
min_modify norm max
minimize 0 1e-8 2000 20000
run 0
print "RESULT pxx $(pxx:%.8f) pyy $(pyy:%.8f) pxy $(pxy:%.8f) fmax $(fmax:%.3g)"
"""
            res, _ = lmp.run(name, deck)
            p[sgn] = res
        d = lambda key: -(p[+1][key] - p[-1][key]) / (2 * eps) * BAR_TO_GPA   # stress = -pressure
        if kind == "xx":
            out["C11"], out["C12"] = d("pxx"), d("pyy")
            out["C11_clamped"], out["C12_clamped"] = d("pxx0"), d("pyy0")
        else:
            out["C44"], out["C44_clamped"] = d("pxy"), d("pxy0")
    out["B_from_C"] = (out["C11"] + 2 * out["C12"]) / 3
    out["strain"] = eps
    return out


# ----------------------------------------------------------------------------- vacancy
def vacancy(lmp, style, b, quick):
    """Two starts, the lowest relaxed energy is reported: `pulled` = the silicon testing
    framework's start (the 4 neighbours moved 13, 14, 15, 16 % of their distance towards the
    site, then a 0.1 A Gaussian rattle), `near` = 5 % and a 0.02 A rattle (stays near Td)."""
    n = 2 if quick else 3
    ref = bulk("Si", "diamond", a=b["a0"], cubic=True).repeat((n, n, n))
    N = len(ref)
    i, j, D = neighbor_list("ijD", ref, 2.6)
    ftol = 1e-2 if quick else 1e-3
    starts = {}
    for tag, f0, df, rattle in (("pulled", 0.13, 0.01, 0.1), ("near", 0.05, 0.0, 0.02)):
        at = ref.copy()
        f = f0
        for jj, dd in zip(j[i == 0], D[i == 0]):
            at.positions[jj] -= f * dd                  # towards the vacancy site
            f += df
        del at[0]
        at.positions += np.random.RandomState(7).normal(0, rattle, at.positions.shape)
        res, _, _ = sf.relax(lmp, style, f"{style}_vacancy_{N}_{tag}", at, ftol, 3000)
        ef = res["pe"] - (N - 1) * b["e_bulk"]          # E(N-1) - (N-1)/N E(N), E(N) = N e_bulk
        starts[tag] = {"E_f": ef, "pe": res["pe"], "fmax": res["fmax"], "steps": res["steps"]}
    best = min(starts, key=lambda t: starts[t]["E_f"])
    return {"natoms_bulk": N, "E_f": starts[best]["E_f"], "start": best, "starts": starts}


# ----------------------------------------------------------------------------- (111) e111 and DAS
def e111_unrelaxed(lmp, style, a0):
    """Unrelaxed (111) 1x1 surface energy of the silicon testing framework: 1x1x10 cell (60
    atoms) with directions [1-10],[10-1],[111], split at the shuffle plane (z shifted by 2 A,
    wrapped, 10 A vacuum), e111 = (E_exp - E_bulk)/(2A)."""
    cell = Diamond(symbol="Si", latticeconstant=a0, directions=[[1, -1, 0], [1, 0, -1], [1, 1, 1]])
    cell = cell.repeat((1, 1, 10))
    e_bulk = run_pe(lmp, style, f"{style}_e111_bulk", cell)
    exp = cell.copy()
    exp.positions[:, 2] += 2.0
    exp.wrap()
    exp.cell[2, 2] += 10.0
    # check that the cut is the shuffle plane: one broken bond per 1x1 cell per face
    i = neighbor_list("i", exp, 2.6)
    coord = np.bincount(i, minlength=len(exp))
    assert sorted(coord)[:3] == [3, 3, 4], f"e111 cell is not cut at the shuffle plane: {sorted(coord)[:4]}"
    e_exp = run_pe(lmp, style, f"{style}_e111_exp", exp)
    area = np.linalg.norm(np.cross(exp.cell[0], exp.cell[1]))
    return {"e111": 0.5 * (e_exp - e_bulk) / area, "area_1x1": area, "e_bulk_cell_per_atom": e_bulk / len(cell)}


# ----------------------------------------------------------------------------- report
fmt = sf.fmt


def make_table(results, styles, das_sizes):
    def get(style, *keys):
        return sf.lookup(results, style, *keys)

    def tilt(s):
        t = get(s, "surf", "s100_2x1", "dimer_tilts_deg")
        return "—" if t is None else ("no dimers" if not t else f"{np.mean(t):.1f}")

    def s111_eva2(s):
        g = get(s, "surf", "s111_1x1", "gamma_Jm2")
        return None if g is None else g / EV_A2_TO_J_M2

    def pandey_eva2(s):
        g = get(s, "surf", "s111_pandey", "gamma_Jm2")
        return None if g is None else g / EV_A2_TO_J_M2

    def s100_eva2(s):
        g = get(s, "surf", "s100_2x1", "gamma_Jm2")
        return None if g is None else g / EV_A2_TO_J_M2

    def das_min(s):
        d = get(s, "das")
        if not d:
            return "—"
        n = min(d, key=lambda k: d[k]["gamma_eV_A2"])
        return f"{n}×{n}" + ("" if len(d) > 1 else " (only size run)")

    def das_vs_1x1(s):
        d, g1 = get(s, "das"), s111_eva2(s)
        if not d or g1 is None:
            return "—"
        n = 7 if 7 in d else max(d)
        return f"{d[n]['gamma_eV_A2'] - g1:+.4f} ({n}×{n})"

    rows = [
        ("a0 (Å)", lambda s: fmt(get(s, "bulk", "a0"), 4), "a0"),
        ("bulk modulus B (GPa; Birch–Murnaghan E(V))", lambda s: fmt(get(s, "bulk", "bulk_modulus"), 1), "B"),
        ("B = (C11+2C12)/3 (GPa)", lambda s: fmt(get(s, "elastic", "B_from_C"), 1), None),
        ("C11 (GPa)", lambda s: fmt(get(s, "elastic", "C11"), 1), "C11"),
        ("C12 (GPa)", lambda s: fmt(get(s, "elastic", "C12"), 1), "C12"),
        ("C44 (GPa; internal relaxation)", lambda s: fmt(get(s, "elastic", "C44"), 1), "C44"),
        ("C44⁰ (GPa; clamped ions)", lambda s: fmt(get(s, "elastic", "C44_clamped"), 1), None),
        ("vacancy formation energy (eV)", lambda s: fmt(get(s, "vacancy", "E_f"), 3), "vac"),
        ("(100) ideal 1×1 relaxed γ (eV/Å²; unreconstructed)",
         lambda s: fmt(None if get(s, "surf", "s100_ideal") is None
                       else get(s, "surf", "s100_ideal", "gamma_Jm2") / EV_A2_TO_J_M2, 4), None),
        ("(100) dimerised γ (eV/Å²; lowest start)", lambda s: fmt(s100_eva2(s), 4), "s100"),
        ("(100) dimerised γ (J/m²)", lambda s: fmt(get(s, "surf", "s100_2x1", "gamma_Jm2"), 3), None),
        ("(100) dimer tilt (°)", tilt, "tilt"),
        ("(111) 1×1 relaxed γ (eV/Å²)", lambda s: fmt(s111_eva2(s), 4), "s111"),
        ("(111) 1×1 relaxed γ (J/m²)", lambda s: fmt(get(s, "surf", "s111_1x1", "gamma_Jm2"), 3), None),
        ("(111) 1×1 unrelaxed e111 (eV/Å²; DAS reference face)", lambda s: fmt(get(s, "e111", "e111"), 4), None),
        ("(111) 2×1 Pandey γ (eV/Å²)", lambda s: fmt(pandey_eva2(s), 4), None),
        ("(111) 2×1 Pandey γ (J/m²)", lambda s: fmt(get(s, "surf", "s111_pandey", "gamma_Jm2"), 3), None),
    ]
    for n in das_sizes:
        rows.append((f"(111) DAS {n}×{n} γ (eV/Å²)", lambda s, n=n: fmt(get(s, "das", n, "gamma_eV_A2"), 5), f"das{n}"))
        rows.append((f"(111) DAS {n}×{n} γ (J/m²)", lambda s, n=n: fmt(get(s, "das", n, "gamma_Jm2"), 3), None))
    if das_sizes:
        rows.append(("lowest DAS (GAP-18, DFT, experiment: 7×7)", das_min, None))
        rows.append(("γ(DAS) − γ((111) 1×1 relaxed) (eV/Å²; < 0: DAS below the unreconstructed surface)",
                     das_vs_1x1, None))
    head = ("| property | " + " | ".join(styles) +
            " | DFT PW91 (literature) | GAP-18 (literature) | SW / Tersoff (literature) |")
    lines = [head, "|---" * (len(styles) + 4) + "|"]
    for label, f, ref in rows:
        r = LIT.get(ref, ("", "", "", ""))
        swt = f"{r[2]} / {r[3]}" if (r[2] or r[3]) else ""
        lines.append(f"| {label} | " + " | ".join(f(s) for s in styles) + f" | {r[0]} | {r[1]} | {swt} |")
    return "\n".join(lines)


def sigma_table(v):
    lines = ["| atom class | count | mean σ (meV) | max σ (meV) |", "|---|---|---|---|"]
    for c, d in sorted(v["classes"].items(), key=lambda kv: -kv[1]["mean_sigma_meV"]):
        lines.append(f"| {c} | {d['count']} | {d['mean_sigma_meV']:.2f} | {d['max_sigma_meV']:.2f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lmp", default=os.environ.get("LAMMPS_BINARY", "lmp"))
    ap.add_argument("--plugin", default=os.path.join(REPO, "build", "lammps-plugin", "soapgapplugin.so"))
    ap.add_argument("--potential", default=os.path.join(REPO, "potentials", "Si", "Si-PBE-soapgap.xml"))
    ap.add_argument("--lammps-potentials", default=os.path.join(os.environ.get("LAMMPS_SOURCE_DIR", ""), "potentials"))
    ap.add_argument("--workdir", default=os.path.join(os.getcwd(), "validation-output"))
    ap.add_argument("--styles", default="soapgap,sw,tersoff,tersoff_t3",
                    help="tersoff = LAMMPS Si.tersoff (Si(B), PRB 37, 6991), tersoff_t3 = SiCGe.tersoff Si(C) (PRB 38, 9902)")
    ap.add_argument("--das-dir", default=DAS_DIR_DEFAULT,
                    help="read the DAS slabs from this folder's si111_{n}x{n}_8layer.xyz (the silicon testing "
                    "framework's; read, never copied) instead of building them (default: built; env SOAPGAP_SI_DAS_DIR)")
    ap.add_argument("--das-sizes", default=None, help="comma list (default 3,5,7,9; quick: 3)")
    ap.add_argument("--das-fmax", type=float, default=None,
                    help="max force component (eV/A) of the DAS relaxations (default 1e-3 as the framework; quick 1e-2)")
    ap.add_argument("--das-maxiter", type=int, default=None, help="per minimize (CG, then FIRE); default 3000, quick 400")
    ap.add_argument("--np", type=int, default=int(os.environ.get("SOAPGAP_VALIDATION_NP", "2")),
                    help="MPI ranks (mpirun) for the soapgap DAS relaxations (1: serial)")
    ap.add_argument("--quick", action="store_true",
                    help="the demo's quick mode, 64-atom vacancy, DAS 3x3 only with fmax 1e-2: < 1 min")
    args = ap.parse_args()
    styles = [s.strip() for s in args.styles.split(",") if s.strip()]
    for s in styles:
        if s not in ("soapgap", "sw", "tersoff", "tersoff_t3"):
            sys.exit(f"validate.py: unknown style '{s}' (soapgap, sw, tersoff, tersoff_t3)")
    need = {"--lmp": args.lmp}
    if "soapgap" in styles:
        need.update({"--plugin": args.plugin, "--potential": args.potential})
    for s in ("sw", "tersoff"):
        if s in styles:
            need[f"Si.{s}"] = os.path.join(args.lammps_potentials, f"Si.{s}")
    if "tersoff_t3" in styles:
        need["SiCGe.tersoff"] = os.path.join(args.lammps_potentials, "SiCGe.tersoff")
    for what, path in need.items():
        if not (os.path.isfile(path) or (what == "--lmp" and shutil.which(path))):
            sys.exit(f"validate.py: {what} not found: {path}")
    args.plugin, args.potential = os.path.abspath(args.plugin), os.path.abspath(args.potential)
    args.lammps_potentials = os.path.abspath(args.lammps_potentials)
    args.workdir = os.path.abspath(args.workdir)
    os.makedirs(args.workdir, exist_ok=True)
    if args.np > 1 and not shutil.which("mpirun"):
        print("validate.py: no mpirun: the soapgap DAS relaxations run serially", flush=True)
        args.np = 1

    sizes = [int(x) for x in (args.das_sizes or ("3" if args.quick else "3,5,7,9")).split(",") if x.strip()]
    das_fmax = args.das_fmax or (1e-2 if args.quick else 1e-3)
    das_maxiter = args.das_maxiter or (400 if args.quick else 3000)
    das_note = None
    if args.das_dir is None:
        pass
    elif not os.path.isdir(args.das_dir):
        das_note = f"DAS folder {args.das_dir} not found: the DAS surface energies are skipped"
        sizes = []
    else:
        missing = [n for n in sizes if not os.path.isfile(os.path.join(args.das_dir, f"si111_{n}x{n}_8layer.xyz"))]
        if missing:
            das_note = f"DAS files missing in {args.das_dir} for sizes {missing}: skipped"
            sizes = [n for n in sizes if n not in missing]
    if das_note:
        print(f"validate.py: {das_note}", flush=True)

    lmp = ValidationLammps(args)
    t_start = time.time()
    results = {}
    for style in styles:
        t0 = time.time()
        b = sf.bulk_properties(lmp, style, args.quick)
        el = elastic_constants(lmp, style, b)
        print(f"[{style}] bulk: a0 {b['a0']:.4f} A, B {b['bulk_modulus']:.1f} GPa; C11 {el['C11']:.1f}, "
              f"C12 {el['C12']:.1f}, C44 {el['C44']:.1f} (clamped {el['C44_clamped']:.1f}) GPa", flush=True)
        vac = vacancy(lmp, style, b, args.quick)
        print(f"[{style}] vacancy ({vac['natoms_bulk']}-atom cell): E_f {vac['E_f']:.3f} eV (" +
              ", ".join(f"{t}: {r['E_f']:.3f}" for t, r in vac["starts"].items()) + ")", flush=True)
        surf = sf.surfaces_for_style(lmp, style, b, args.quick)
        print(f"[{style}] (100) dimerised {surf['s100_2x1']['gamma_Jm2']:.3f} J/m2, (111) 1x1 "
              f"{surf['s111_1x1']['gamma_Jm2']:.3f} J/m2 ({time.time() - t0:.0f} s so far)", flush=True)
        e111 = e111_unrelaxed(lmp, style, b["a0"])
        res = {"bulk": b, "elastic": el, "vacancy": vac, "surf": surf, "e111": e111}
        if sizes:
            das = {}
            for n in sizes:
                das.update(dv.das_energies(lmp, style, b, e111["e111"], [n], args.das_dir, das_fmax, das_maxiter, args.np))
            res["das"] = das
        res["seconds"] = time.time() - t0
        results[style] = res

    # sigma on the relaxed 7x7 (or the largest DAS relaxed)
    sig = None
    if "soapgap" in results and results["soapgap"].get("das"):
        das = results["soapgap"]["das"]
        have = [n for n in das if "_relaxed" in das[n]]
        if have:
            n = 7 if 7 in have else max(have)
            # start geometry (scaled file) for the height layers
            at0, _, _, _ = dv.das_slab(args.das_dir, n, results["soapgap"]["bulk"]["a0"])
            das[n]["_start_positions"] = at0.positions
            sig = dv.sigma_report(args.workdir, n, das[n], results["soapgap"]["bulk"]["e_bulk"])
            das[n].pop("_start_positions")
        for n in das:
            das[n].pop("_relaxed", None)

    table = make_table(results, styles, sizes)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cmd = " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:])
    wall = time.time() - t_start
    md = [f"# Silicon validation in LAMMPS ({'quick' if args.quick else 'full'} mode)", "",
          f"{now}; `{cmd}`; potential `{args.potential}`; {wall:.0f} s wall, {lmp.nruns} LAMMPS runs; "
          f"DAS: max force component ≤ {das_fmax:g} eV/Å (≤ 2×{das_maxiter} steps), soapgap DAS on "
          f"{args.np} MPI rank(s).", "", table, ""]
    if das_note:
        md += [f"Note: {das_note}.", ""]
    for s in styles:
        for n, r in results[s].get("das", {}).items():
            if r["fmax"] > das_fmax * 1.01:
                md.append(f"- {s} DAS {n}×{n}: not converged to {das_fmax:g} eV/Å (fmax {r['fmax']:.2g} after "
                          f"{int(r['steps'])} steps)")
    if sig:
        a = sig["top10"][0]
        worst = max(sig["classes"].items(), key=lambda kv: kv[1]["mean_sigma_meV"])
        md += ["", f"soapgap predicted σ on the relaxed Si(111) {sig['size']}×{sig['size']} DAS "
               f"(`{os.path.basename(sig['file'])}`, picture `{os.path.basename(sig['png'] or '-')}`): "
               f"largest σ = {a['sigma_meV']:.2f} meV on atom {a['index']} ({a['class']}, {a['coordination']}-fold); "
               f"highest class mean: {worst[0]} ({worst[1]['mean_sigma_meV']:.2f} meV); bulk diamond at a0: "
               f"σ = {results['soapgap']['bulk'].get('bulk_sigma_meV', float('nan')):.2f} meV.", "",
               sigma_table(sig), "",
               "Top 10 atoms by σ: " + "; ".join(f"{t['sigma_meV']:.1f} meV {t['class']} ({t['coordination']}-fold)"
                                                for t in sig["top10"]) + ".", ""]
    md += ["Methods: C11/C12 from exx = ±0.5 %, C44 from engineering shear xy = ±0.5 % on the relaxed 8-atom "
           "cubic cell (central differences of the LAMMPS stress; internal coordinates relaxed to 1e-8 eV/Å; "
           "C44⁰ clamped). Vacancy: "
           f"{'64' if args.quick else '216'}-atom cell, relaxed at fixed cell from two starts (neighbours pulled "
           "13–16 % inwards + 0.1 Å rattle as in the silicon testing framework; near-ideal), lowest reported, "
           "E_f = E(N−1) − (N−1)/N·E(N). "
           "DAS: γ = (E_slab − N·e_bulk)/A − e111 (silicon testing framework definition; "
           + ("slabs built by si_structures.das111 at the style's a0, 8 bilayers" if args.das_dir is None else
              f"the framework's slabs from {args.das_dir} scaled to the style's a0")
           + ", move_mask = 0 atoms fixed). Literature columns from <repo>/../shared/data/silicon/README.md "
           "(silicon testing framework; Bartók et al., PRX 8, 041048 (2018), Sci. Adv. 3, e1701816 (2017)); "
           "the DFT column there is PW91, soapgap is fitted to PBE.", ""]
    text = "\n".join(md)
    print()
    print(text)
    with open(os.path.join(args.workdir, "validation.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.workdir, "validation.json"), "w") as f:
        json.dump({"date": now, "command": cmd, "quick": args.quick, "potential": args.potential, "lmp": args.lmp,
                   "wall_s": wall, "das_dir": args.das_dir or "built (si_structures.das111)", "das_sizes": sizes, "das_fmax": das_fmax,
                   "das_maxiter": das_maxiter, "np": args.np, "das_note": das_note, "results": results,
                   "sigma": sig, "literature": LIT}, f, indent=1, default=float)


if __name__ == "__main__":
    try:
        main()
    except LammpsError as e:
        sys.exit(f"validate.py: {e}")
