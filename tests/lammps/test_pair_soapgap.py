#!/usr/bin/env python3
"""pair_style soapgap and compute soapgap/variance/atom (LAMMPS plugin) against the core
library (`soapgap eval --variance`).

For several structures (rattled 64-atom diamond cell, a triclinic cell, a slab with vacuum,
a cell smaller than the cutoff), `run 0` in LAMMPS must give the same energy, forces, virial,
per-atom energies (compute pe/atom) and per-atom virials (compute stress/atom) as
`soapgap eval`, to 1e-8 relative; and on 2 MPI ranks the same as on one.

Usage: test_pair_soapgap.py --lmp LMP --plugin soapgapplugin.so --soapgap SOAPGAP
                            --dataset-tool soapgap_example_sw_dataset [--mpirun MPIRUN]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from ase import Atoms
from ase.io import read, write

NKTV2P = 1.6021765e6  # LAMMPS metal units: bar per eV/Angstrom^3


def diamond(a=5.431, n=1):
    basis = np.array([[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0],
                      [.25, .25, .25], [.25, .75, .75], [.75, .25, .75], [.75, .75, .25]])
    pos = [(np.array([i, j, k]) + b) * a for i in range(n) for j in range(n) for k in range(n) for b in basis]
    return Atoms("Si%d" % len(pos), positions=pos, cell=np.eye(3) * a * n, pbc=True)


def structures():
    rng = np.random.default_rng(7)
    out = {}
    s = diamond(n=2)
    s.positions += rng.uniform(-0.15, 0.15, s.positions.shape)
    out["bulk64"] = s
    # triclinic, already in LAMMPS' lower-triangular frame (a along x, b in the xy plane)
    t = diamond(n=1)
    cell = np.array([[5.5, 0, 0], [0.8, 5.3, 0], [-0.6, 0.9, 5.6]])
    t.set_cell(cell, scale_atoms=True)
    t.positions += rng.uniform(-0.1, 0.1, t.positions.shape)
    t.wrap()
    out["triclinic"] = t
    sl = diamond(n=1).repeat((2, 2, 1))
    sl.positions += rng.uniform(-0.1, 0.1, sl.positions.shape)
    sl.cell[2, 2] += 12.0
    out["slab"] = sl
    small = Atoms("Si2", positions=[[0, 0, 0], [1.36, 1.36, 1.40]],
                  cell=[[2.7155, 2.7155, 0], [0, 2.7155, 2.7155], [2.7155, 0, 2.7155]], pbc=True)
    # lower-triangular frame for LAMMPS: rotate with ASE's cell standard form
    small.set_cell(small.cell.standard_form()[0], scale_atoms=True)
    out["small_cell"] = small
    # ASE writes extxyz positions with 8 decimals (and the LAMMPS data file in full precision):
    # round both cell and positions so that LAMMPS and `soapgap eval` see identical atoms.
    for a in out.values():
        a.set_cell(np.round(a.cell[:], 8), scale_atoms=False)
        a.positions = np.round(a.positions, 8)
    return out


def run_lammps(args, workdir, name, atoms, potential, nprocs):
    data = os.path.join(workdir, name + ".data")
    write(data, atoms, format="lammps-data", atom_style="atomic", specorder=["Si"])
    deck = f"""
units metal
atom_style atomic
boundary p p p
box tilt large
read_data {data}
mass 1 28.0855
plugin load {args.plugin}
pair_style soapgap
pair_coeff * * {potential} Si
compute pe all pe/atom
compute st all stress/atom NULL
compute var all soapgap/variance/atom
dump d all custom 1 {workdir}/{name}.np{nprocs}.dump id fx fy fz c_pe c_st[1] c_st[2] c_st[3] c_st[4] c_st[5] c_st[6] c_var
dump_modify d format float %.17g sort id
thermo_style custom step pe pxx pyy pzz pxy pxz pyz vol
thermo_modify format float %.17g
run 0
"""
    infile = os.path.join(workdir, f"{name}.np{nprocs}.in")
    with open(infile, "w") as f:
        f.write(deck)
    cmd = [args.lmp, "-in", infile, "-log", os.path.join(workdir, f"{name}.np{nprocs}.log"), "-screen", "none"]
    if nprocs > 1:
        cmd = [args.mpirun, "-np", str(nprocs), "--oversubscribe", "--allow-run-as-root"] + cmd
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"LAMMPS failed for {name} (np={nprocs}):\n{r.stdout}\n{r.stderr}\n" +
                           open(os.path.join(workdir, f"{name}.np{nprocs}.log")).read()[-3000:])
    thermo = None
    for line in open(os.path.join(workdir, f"{name}.np{nprocs}.log")):
        words = line.split()
        if words[:2] == ["Step", "PotEng"]:
            thermo = "next"
        elif thermo == "next":
            thermo = [float(w) for w in words]
            break
    pe, pxx, pyy, pzz, pxy, pxz, pyz, vol = thermo[1:9]
    virial = np.array([[pxx, pxy, pxz], [pxy, pyy, pyz], [pxz, pyz, pzz]]) * vol / NKTV2P
    rows = []
    lines = open(os.path.join(workdir, f"{name}.np{nprocs}.dump")).read().splitlines()
    start = lines.index(next(l for l in lines if l.startswith("ITEM: ATOMS"))) + 1
    for l in lines[start:]:
        rows.append([float(w) for w in l.split()])
    rows = np.array(rows)
    return {"energy": pe, "virial": virial, "forces": rows[:, 1:4], "pe_atom": rows[:, 4],
            "stress_atom": rows[:, 5:11], "variance": rows[:, 11]}


def run_deck(args, workdir, name, deck):
    """Runs a LAMMPS deck; returns (exit code, stdout + log text)."""
    infile = os.path.join(workdir, name + ".in")
    with open(infile, "w") as f:
        f.write(deck)
    log = os.path.join(workdir, name + ".log")
    r = subprocess.run([args.lmp, "-in", infile, "-log", log], cwd=workdir, capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    text = r.stdout + r.stderr + (open(log).read() if os.path.exists(log) else "")
    return r.returncode, text


def error_cases(args, work, pot):
    """Bad pair_coeff / settings must stop LAMMPS with a message naming the problem."""
    data = os.path.join(work, "err.data")
    write(data, diamond(), format="lammps-data", atom_style="atomic", specorder=["Si"])
    head = f"units metal\natom_style atomic\nread_data {data}\nmass 1 28.0855\nplugin load {args.plugin}\n"
    cases = {
        "unknown element": (head + f"pair_style soapgap\npair_coeff * * {pot} Ge\nrun 0\n", "does not cover"),
        "not an element": (head + f"pair_style soapgap\npair_coeff * * {pot} Xx\nrun 0\n", "not an element"),
        "missing file": (head + "pair_style soapgap\npair_coeff * * /nonexistent/pot.xml Si\nrun 0\n",
                         "/nonexistent/pot.xml"),
        "element count": (head + f"pair_style soapgap\npair_coeff * * {pot} Si Si\nrun 0\n", "atom types"),
        "newton off": ("newton off\n" + head + f"pair_style soapgap\npair_coeff * * {pot} Si\nrun 0\n",
                       "newton pair on"),
        "style args": (head + "pair_style soapgap 5.0\n", "takes no arguments"),
    }
    failures = []
    for what, (deck, expected) in cases.items():
        rc, text = run_deck(args, work, "err_" + what.replace(" ", "_"), deck)
        ok = rc != 0 and expected in text
        print(f"error case {what:16s} exit {rc} {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append(f"error case {what}: exit {rc}, message containing '{expected}' not found")
    return len(cases), failures


def null_type_case(args, work, pot):
    """Atoms of a NULL type are ignored by soapgap (here the other style of a pair_style hybrid, zero,
    covers them): the energy equals that of the structure without them."""
    atoms = diamond()
    atoms.positions = np.round(atoms.positions + np.random.default_rng(3).uniform(-0.1, 0.1, (8, 3)), 8)
    mixed = atoms.copy()
    extra = Atoms("Ar", positions=[[2.0, 2.0, 0.3]], cell=atoms.cell, pbc=True)
    mixed += extra
    data = os.path.join(work, "null.data")
    write(data, mixed, format="lammps-data", atom_style="atomic", specorder=["Si", "Ar"])
    deck = (f"units metal\natom_style atomic\nread_data {data}\nmass * 28.0\nplugin load {args.plugin}\n"
            f"pair_style hybrid soapgap zero 4.5\npair_coeff * * soapgap {pot} Si NULL\n"
            "pair_coeff 1 2 zero\npair_coeff 2 2 zero\nthermo_style custom pe\n"
            "thermo_modify format float %.17g\nrun 0\n")
    rc, text = run_deck(args, work, "null", deck)
    lines = text.splitlines()
    pe = None
    for k, l in enumerate(lines):
        if l.split() == ["PotEng"]:
            pe = float(lines[k + 1].split()[0])
            break
    xyz_in, xyz_out = os.path.join(work, "null.xyz"), os.path.join(work, "null.pred.xyz")
    write(xyz_in, atoms, format="extxyz")
    subprocess.run([args.soapgap, "eval", "--potential", pot, "--input", xyz_in, "--output", xyz_out, "--quiet"],
                   check=True, capture_output=True)
    ref = read(xyz_out).get_potential_energy()
    ok = rc == 0 and pe is not None and abs(pe - ref) <= 1e-8 * max(1.0, abs(ref))
    print(f"NULL type: LAMMPS {pe} vs soapgap eval {ref} {'ok' if ok else 'FAILED'}")
    return 1, ([] if ok else [f"NULL type: exit {rc}, {pe} vs {ref}"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lmp", required=True)
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--soapgap", required=True)
    ap.add_argument("--dataset-tool", required=True)
    ap.add_argument("--mpirun", default=shutil.which("mpirun") or "mpirun")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="soapgap-lammps-")
    failures = []
    n_extra = 0
    try:
        subprocess.run([args.dataset_tool, work, "4", "3"], check=True, capture_output=True)
        pot = os.path.join(work, "pot.xml")
        subprocess.run([args.soapgap, "fit", "--train", os.path.join(work, "train.xyz"), "--output", pot, "--quiet",
                        "--descriptor", "distance_2b cutoff=4.5 cutoff_transition_width=1 theta=0.4 delta=1 n_sparse=10",
                        "--descriptor", "soap n_max=5 l_max=4 cutoff=4.5 cutoff_transition_width=1 atom_sigma=0.5 "
                        "zeta=4 delta=0.5 n_sparse=60",
                        "--sigma-force", "0.02", "--sigma-energy", "0.001"], check=True, capture_output=True)
        for name, atoms in structures().items():
            xyz_in, xyz_out = os.path.join(work, name + ".xyz"), os.path.join(work, name + ".pred.xyz")
            write(xyz_in, atoms, format="extxyz")
            subprocess.run([args.soapgap, "eval", "--potential", pot, "--input", xyz_in, "--output", xyz_out,
                            "--variance", "--quiet"], check=True, capture_output=True)
            ref = read(xyz_out)
            ref_var = ref.arrays["local_variance"]
            ref_e = ref.get_potential_energy()
            ref_f = ref.get_forces()
            ref_w = np.array([float(x) for x in ref.info["virial"].split()]).reshape(3, 3) \
                if isinstance(ref.info.get("virial"), str) else np.array(ref.info["virial"]).reshape(3, 3)
            ref_local = ref.arrays["local_energy"]
            results = {}
            for nprocs in (1, 2):
                lmp = run_lammps(args, work, name, atoms, pot, nprocs)
                results[nprocs] = lmp
                scale_f = max(1.0, np.abs(ref_f).max())
                checks = {
                    "energy": abs(lmp["energy"] - ref_e) / max(1.0, abs(ref_e)),
                    "forces": np.abs(lmp["forces"] - ref_f).max() / scale_f,
                    "virial": np.abs(lmp["virial"] - ref_w).max() / max(1.0, np.abs(ref_w).max()),
                    "pe/atom": np.abs(lmp["pe_atom"] - ref_local).max() / max(1.0, np.abs(ref_local).max()),
                    "variance/atom": np.abs(lmp["variance"] - ref_var).max() / max(1e-12, np.abs(ref_var).max()),
                    "sum stress/atom": np.abs(-lmp["stress_atom"].sum(axis=0) / NKTV2P -
                                              np.array([ref_w[0, 0], ref_w[1, 1], ref_w[2, 2], ref_w[0, 1],
                                                        ref_w[0, 2], ref_w[1, 2]])).max() / max(1.0, np.abs(ref_w).max()),
                }
                for what, err in checks.items():
                    # The variance k** - k^T P k amplifies rounding differences in q (LAMMPS sums the
                    # neighbours in another order) by the norm of P = K_MM^-1 - Sigma (~1/jitter):
                    # agreement to ~1e-7 relative is what that formula allows.
                    tol = 1e-6 if what == "variance/atom" else 1e-9
                    status = "ok" if err <= tol else "FAILED"
                    print(f"{name:12s} np={nprocs} {what:16s} relative error {err:.2e} {status}")
                    if err > tol:
                        failures.append(f"{name} np={nprocs} {what}: {err:.2e}")
            d = np.abs(results[1]["forces"] - results[2]["forces"]).max()
            print(f"{name:12s} 1 vs 2 ranks forces max diff {d:.2e}")
            if d > 1e-10:
                failures.append(f"{name}: 1 vs 2 MPI ranks differ by {d:.2e}")
        n_extra = 0
        for case in (error_cases, null_type_case):
            n, f = case(args, work, pot)
            n_extra += n
            failures += f
    finally:
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept:", work)
    n_checks = 4 * 2 * 6 + 4 + n_extra
    print(f"{n_checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
