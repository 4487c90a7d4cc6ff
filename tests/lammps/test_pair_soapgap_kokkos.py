#!/usr/bin/env python3
"""pair_style soapgap/kk (Kokkos, soapgapkkplugin.so) against the host pair_style soapgap
(soapgapplugin.so).

For the structures of test_pair_soapgap.py (rattled 64-atom diamond cell, triclinic cell, slab with
vacuum, cell smaller than the cutoff, Si/Ge cell with a two-element potential), `run 0` with
`-k on t 1 -sf kk`, `-k on t 2 -sf kk`, 2 MPI ranks x `-k on t 1 -sf kk`, and `-k on t 2 -sf kk`
with the kernel stage a GPU runs (team loops, SOAPGAP_KK_TEAM_KERNEL=1; the host's is two GEMMs
per group) must give the energy, forces, virial, per-atom energies (compute pe/atom) and per-atom virials (compute stress/atom)
of the host style on one rank to 1e-10 (relative to max(1, largest value)), and compute
soapgap/variance/atom (host library on the Kokkos neighbour list) its per-atom and total-energy
variances to 1e-9 (as test_pair_soapgap.py: the variance is a difference of nearly equal
terms). Also: `pair_style soapgap/kk/host` named explicitly; a hybrid with a NULL type
(hybrid/kk with zero/kk); soapgap/kk without `-k on` stops with a message; a 200-step NVE run
(64 atoms, 600 K) under soapgap/kk with 2 threads follows the host run (thermo to 1e-8).

Usage: test_pair_soapgap_kokkos.py --lmp LMP --plugin soapgapplugin.so --kk-plugin soapgapkkplugin.so
                                   --soapgap SOAPGAP --dataset-tool soapgap_example_sw_dataset [--mpirun MPIRUN]
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from ase import Atoms
from ase.io import write

from lammps_common import NKTV2P, Checks, diamond, fit_potential, parse_args, read_dump, round_atoms, thermo_rows, mpirun_prefix
from test_pair_soapgap import fit_two_element_potential, structures, two_element_structures

KK = {  # label: (MPI ranks, OpenMP threads, extra command-line arguments, extra environment)
    "kk t1": (1, 1, ["-k", "on", "t", "1", "-sf", "kk"], {}),
    "kk t2": (1, 2, ["-k", "on", "t", "2", "-sf", "kk"], {}),
    "kk np2": (2, 1, ["-k", "on", "t", "1", "-sf", "kk"], {}),
    # the kernel stage that a GPU runs (team loops) instead of the host's GEMMs
    "kk team": (1, 2, ["-k", "on", "t", "2", "-sf", "kk"], {"SOAPGAP_KK_TEAM_KERNEL": "1"}),
}
TOL = 1e-10
TOL_VARIANCE = 1e-9


def run_lammps(args, work, name, deck, nprocs=1, threads=1, flags=(), env=None):
    """Runs a deck; returns (exit code, everything LAMMPS said)."""
    infile, log = os.path.join(work, name + ".in"), os.path.join(work, name + ".log")
    with open(infile, "w") as f:
        f.write(deck)
    cmd = [args.lmp] + list(flags) + ["-in", infile, "-log", log, "-screen", "none"]
    if nprocs > 1:
        cmd = mpirun_prefix(args.mpirun, nprocs) + cmd
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false", **(env or {}))
    r = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr + (open(log).read() if os.path.exists(log) else "")


def run_ok(args, work, name, deck, nprocs=1, threads=1, flags=(), env=None):
    rc, text = run_lammps(args, work, name, deck, nprocs, threads, flags, env)
    if rc != 0:
        raise RuntimeError(f"LAMMPS deck {name} failed with exit {rc}:\n{text[-4000:]}")
    return text


def header(work, name, atoms, species, plugin):
    data = os.path.join(work, name + ".data")
    write(data, atoms, format="lammps-data", atom_style="atomic", specorder=list(species))
    masses = "\n".join(f"mass {t} 28.0" for t in range(1, len(species) + 1))
    return (f"units metal\natom_style atomic\nboundary p p p\nbox tilt large\nread_data {data}\n{masses}\n"
            f"plugin load {plugin}\n")


def single_point(args, work, name, atoms, pot, species, plugin, pair="soapgap", nprocs=1, threads=1, flags=(),
                 env=None):
    """run 0: energy, virial, forces, per-atom energies and virials, variances; and the pair style
    LAMMPS reports in its neighbour-list summary."""
    dump = os.path.join(work, name + ".dump")
    deck = header(work, name, atoms, species, plugin) + f"""pair_style {pair}
pair_coeff * * {pot} {" ".join(species)}
compute pe all pe/atom
compute st all stress/atom NULL
compute var all soapgap/variance/atom
dump d all custom 1 {dump} id fx fy fz c_pe c_st[1] c_st[2] c_st[3] c_st[4] c_st[5] c_st[6] c_var
dump_modify d format float %.17g sort id
thermo_style custom step pe pxx pyy pzz pxy pxz pyz vol c_var
thermo_modify format float %.17g
run 0
"""
    text = run_ok(args, work, name, deck, nprocs, threads, flags, env)
    row = thermo_rows(text)[-1]
    virial = np.array([[row["Pxx"], row["Pxy"], row["Pxz"]], [row["Pxy"], row["Pyy"], row["Pyz"]],
                       [row["Pxz"], row["Pyz"], row["Pzz"]]]) * row["Volume"] / NKTV2P
    cols = read_dump(dump)[-1][1]
    styles = [l.split()[2].rstrip(",") for l in text.splitlines() if l.strip().startswith("(1) pair ")]
    return {"energy": row["PotEng"], "virial": virial,
            "forces": np.column_stack([cols["fx"], cols["fy"], cols["fz"]]),
            "pe/atom": cols["c_pe"], "stress/atom": np.column_stack([cols[f"c_st[{k}]"] for k in range(1, 7)]),
            "variance/atom": cols["c_var"], "energy variance": row["c_var"], "style": styles[0] if styles else None}


def rel(a, b, floor=1.0):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.abs(a - b).max() / max(floor, np.abs(b).max()))


def compare(label, got, ref, checks):
    for what in ("energy", "forces", "virial", "pe/atom", "stress/atom"):
        err = rel(got[what], ref[what])
        checks.check(err <= TOL, f"{label:28s} {what:16s} relative difference {err:.1e}")
    for what in ("variance/atom", "energy variance"):
        err = rel(got[what], ref[what], 1e-12)
        checks.check(err <= TOL_VARIANCE, f"{label:28s} {what:16s} relative difference {err:.1e}")


def structure_cases(args, work, pot, checks):
    sige = fit_two_element_potential(args, work)
    cases = [(name, atoms, pot, ("Si",)) for name, atoms in structures().items()]
    cases.append(("two_elements", two_element_structures()[0].repeat((2, 1, 1)), sige, ("Si", "Ge")))
    for name, atoms, potential, species in cases:
        ref = single_point(args, work, name + "_host", atoms, potential, species, args.plugin)
        results = {}
        for label, (nprocs, threads, flags, env) in KK.items():
            got = single_point(args, work, f"{name}_{label.replace(' ', '_')}", atoms, potential, species,
                               args.kk_plugin, nprocs=nprocs, threads=threads, flags=flags, env=env)
            checks.check(got["style"] == "soapgap/kk", f"{name:12s} {label:6s} runs pair {got['style']}")
            compare(f"{name:12s} {label:6s} vs host", got, ref, checks)
            results[label] = got
        for a, b in (("kk t1", "kk t2"), ("kk t1", "kk np2"), ("kk t1", "kk team")):
            d = np.abs(results[a]["forces"] - results[b]["forces"]).max()
            checks.check(d <= TOL, f"{name:12s} forces {a} vs {b}: max difference {d:.1e} eV/A")


def explicit_host_style(args, work, pot, checks):
    atoms = structures()["bulk64"]
    ref = single_point(args, work, "explicit_host", atoms, pot, ("Si",), args.plugin)
    got = single_point(args, work, "explicit_kk_host", atoms, pot, ("Si",), args.kk_plugin, pair="soapgap/kk/host",
                       flags=KK["kk t1"][2])
    checks.check(got["style"] == "soapgap/kk/host", f"pair_style soapgap/kk/host runs pair {got['style']}")
    compare("bulk64 soapgap/kk/host", got, ref, checks)


def null_type_hybrid(args, work, pot, checks):
    """A NULL type handled by another sub-style: hybrid/kk with soapgap/kk and zero/kk."""
    atoms = diamond()
    atoms.positions = np.round(atoms.positions + np.random.default_rng(3).uniform(-0.1, 0.1, (8, 3)), 8)
    atoms += Atoms("Ar", positions=[[2.0, 2.0, 0.3]], cell=atoms.cell, pbc=True)
    out = {}
    for label, plugin, flags in (("host", args.plugin, []), ("kk", args.kk_plugin, KK["kk t1"][2])):
        dump = os.path.join(work, f"null_{label}.dump")
        deck = header(work, f"null_{label}", atoms, ("Si", "Ar"), plugin) + f"""pair_style hybrid soapgap zero 4.5
pair_coeff * * soapgap {pot} Si NULL
pair_coeff 1 2 zero
pair_coeff 2 2 zero
dump d all custom 1 {dump} id fx fy fz
dump_modify d format float %.17g sort id
thermo_style custom step pe
thermo_modify format float %.17g
run 0
"""
        text = run_ok(args, work, f"null_{label}", deck, flags=flags)
        cols = read_dump(dump)[-1][1]
        out[label] = (thermo_rows(text)[-1]["PotEng"], np.column_stack([cols["fx"], cols["fy"], cols["fz"]]), text)
    de, df = rel(out["kk"][0], out["host"][0]), rel(out["kk"][1], out["host"][1])
    checks.check("soapgap/kk" in out["kk"][2] and de <= TOL and df <= TOL,
                 f"hybrid with a NULL type: energy {de:.1e}, forces {df:.1e} (relative)")


def needs_kokkos(args, work, pot, checks):
    deck = header(work, "nokokkos", diamond(), ("Si",), args.kk_plugin) + \
        f"pair_style soapgap/kk\npair_coeff * * {pot} Si\nrun 0\n"
    rc, text = run_lammps(args, work, "nokokkos", deck)
    checks.check(rc != 0 and "needs the KOKKOS package" in text,
                 f"soapgap/kk without -k on: exit {rc}, message naming the KOKKOS package")


def overlap(args, work, pot, checks):
    """Two atoms on top of each other (IDs 37 and 50): soapgap/kk stops with the host style's
    message naming them (not NaN forces), on 1 rank and, found on rank 1, on 2 ranks."""
    atoms = diamond(n=2)
    atoms.positions[[36, 49]] = [[8.1, 8.1, 8.1], [8.1, 8.1, 8.1]]
    deck = header(work, "overlap_kk", atoms, ("Si",), args.kk_plugin) + \
        f"pair_style soapgap\npair_coeff * * {pot} Si\nrun 0\n"
    for nprocs in (1, 2):
        rc, text = run_lammps(args, work, f"overlap_kk_np{nprocs}", deck, nprocs=nprocs, flags=KK["kk t1"][2])
        expected = ["soapgap/kk: atoms with IDs 37 and 50 are 0 Angstrom apart"] + \
            (["(MPI rank 1)"] if nprocs > 1 else [])
        ok = rc != 0 and any(l.startswith("ERROR") and all(e in l for e in expected) for l in text.splitlines())
        checks.check(ok, f"overlapping atoms under soapgap/kk, {nprocs} rank(s): exit {rc}, ERROR naming atom IDs "
                         "37 and 50 in the log")


def nve(args, work, pot, checks):
    atoms = round_atoms(diamond(n=2))
    rows = {}
    for label, plugin, threads, flags in (("host", args.plugin, 1, []), ("kk", args.kk_plugin, 2, KK["kk t2"][2])):
        deck = header(work, f"nve_{label}", atoms, ("Si",), plugin) + f"""pair_style soapgap
pair_coeff * * {pot} Si
velocity all create 600 87287 loop geom
fix nve all nve
timestep 0.001
thermo 20
thermo_style custom step temp pe etotal press
thermo_modify format float %.17g
run 200
"""
        rows[label] = thermo_rows(run_ok(args, work, f"nve_{label}", deck, threads=threads, flags=flags))
    checks.check(len(rows["host"]) == len(rows["kk"]) == 11, f"NVE thermo rows: {len(rows['host'])}, {len(rows['kk'])}")
    worst = {c: max(abs(h[c] - k[c]) / max(1.0, abs(h[c])) for h, k in zip(rows["host"], rows["kk"]))
             for c in ("Temp", "PotEng", "TotEng", "Press")}
    drift = abs(rows["kk"][-1]["TotEng"] - rows["kk"][0]["TotEng"]) / len(atoms) * 1000
    print(f"NVE 64 atoms, 200 x 1 fs, soapgap/kk 2 threads vs host: largest relative differences "
          + ", ".join(f"{c} {v:.1e}" for c, v in worst.items()) + f"; |E(200) - E(0)| {drift:.4f} meV/atom")
    checks.check(all(v <= 1e-8 for v in worst.values()), "NVE: soapgap/kk follows the host trajectory to 1e-8")


def main():
    def extra(ap):
        ap.add_argument("--kk-plugin", required=True, help="soapgapkkplugin.so")
    args = parse_args(__doc__, extra)
    work = tempfile.mkdtemp(prefix="soapgap-lammps-kk-")
    checks = Checks()
    try:
        subprocess.run([args.dataset_tool, work, "4", "3"], check=True, capture_output=True)
        pot = fit_potential(args, os.path.join(work, "train.xyz"), os.path.join(work, "pot.xml"))
        structure_cases(args, work, pot, checks)
        explicit_host_style(args, work, pot, checks)
        null_type_hybrid(args, work, pot, checks)
        needs_kokkos(args, work, pot, checks)
        overlap(args, work, pot, checks)
        nve(args, work, pot, checks)
    finally:
        checks.clean_up(work)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
