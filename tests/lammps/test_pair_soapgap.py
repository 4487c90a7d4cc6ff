#!/usr/bin/env python3
"""pair_style soapgap and compute soapgap/variance/atom (LAMMPS plugin) against the core
library (`soapgap eval --variance`).

For several structures (rattled 64-atom diamond cell, a triclinic cell, a slab with vacuum,
a cell smaller than the cutoff, a Si/Ge cell with a two-element potential), `run 0` in LAMMPS
must give the same energy, forces, virial, per-atom energies (compute pe/atom) and per-atom
virials (compute stress/atom) as `soapgap eval`, and the same per-atom and total-energy
predicted variances (compute soapgap/variance/atom), all to 1e-9 relative; on 2 MPI ranks the
same forces as on one to 1e-10. Bad input must stop LAMMPS with a message naming the problem.
MD, finite differences, rerun and NVE: test_pair_soapgap_md.py.

Usage: test_pair_soapgap.py --lmp LMP --plugin soapgapplugin.so --soapgap SOAPGAP
                            --dataset-tool soapgap_example_sw_dataset [--mpirun MPIRUN]
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from ase import Atoms
from ase.io import read, write

from lammps_common import NKTV2P, diamond, fit_potential, parse_args, round_atoms, run_deck


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
    for a in out.values():
        round_atoms(a)
    return out


def two_element_structures():
    """Si/Ge diamond cells (random occupation), rattled: for the two-element potential."""
    rng = np.random.default_rng(11)
    frames = []
    for k in range(8):
        s = diamond(a=5.5 + 0.05 * rng.standard_normal(), n=1)
        s.set_chemical_symbols(rng.choice(["Si", "Ge"], len(s)))
        s.positions += rng.uniform(-0.15, 0.15, s.positions.shape)
        frames.append(round_atoms(s))
    return frames


def fit_two_element_potential(args, work):
    """A Si/Ge potential fitted to Lennard-Jones labels (element-blind): only its form matters
    here (two elements, so two groups of sparse points and cross-element neighbours)."""
    from ase.calculators.lj import LennardJones
    from ase.calculators.singlepoint import SinglePointCalculator
    frames = []
    for s in two_element_structures():
        s.calc = LennardJones(sigma=2.1, epsilon=0.1, rc=4.5)
        e, f = s.get_potential_energy(), s.get_forces()
        s.calc = SinglePointCalculator(s, energy=e, forces=f)
        frames.append(s)
    train = os.path.join(work, "sige_train.xyz")
    write(train, frames, format="extxyz")
    return fit_potential(args, train, os.path.join(work, "sige.xml"), ["--no-virials"])


def run_lammps(args, workdir, name, atoms, potential, nprocs, species=("Si",)):
    data = os.path.join(workdir, name + ".data")
    write(data, atoms, format="lammps-data", atom_style="atomic", specorder=list(species))
    masses = "\n".join(f"mass {t} 28.0" for t in range(1, len(species) + 1))
    deck = f"""
units metal
atom_style atomic
boundary p p p
box tilt large
read_data {data}
{masses}
plugin load {args.plugin}
pair_style soapgap
pair_coeff * * {potential} {" ".join(species)}
compute pe all pe/atom
compute st all stress/atom NULL
compute var all soapgap/variance/atom
dump d all custom 1 {workdir}/{name}.np{nprocs}.dump id fx fy fz c_pe c_st[1] c_st[2] c_st[3] c_st[4] c_st[5] c_st[6] c_var
dump_modify d format float %.17g sort id
thermo_style custom step pe pxx pyy pzz pxy pxz pyz vol c_var
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
    pe, pxx, pyy, pzz, pxy, pxz, pyz, vol, energy_variance = thermo[1:10]
    virial = np.array([[pxx, pxy, pxz], [pxy, pyy, pyz], [pxz, pyz, pzz]]) * vol / NKTV2P
    rows = []
    lines = open(os.path.join(workdir, f"{name}.np{nprocs}.dump")).read().splitlines()
    start = lines.index(next(l for l in lines if l.startswith("ITEM: ATOMS"))) + 1
    for l in lines[start:]:
        rows.append([float(w) for w in l.split()])
    rows = np.array(rows)
    return {"energy": pe, "virial": virial, "forces": rows[:, 1:4], "pe_atom": rows[:, 4],
            "stress_atom": rows[:, 5:11], "variance": rows[:, 11], "energy_variance": energy_variance}


def error_cases(args, work, pot):
    """Bad pair_coeff / settings must stop LAMMPS with a message naming the problem."""
    data = os.path.join(work, "err.data")
    write(data, diamond(), format="lammps-data", atom_style="atomic", specorder=["Si"])
    text = open(pot).read()
    with open(os.path.join(work, "corrupt.xml"), "w") as f:  # truncated: a partly written file
        f.write(text[: len(text) // 2])
    fit_potential(args, os.path.join(work, "train.xyz"), os.path.join(work, "novar.xml"), ["--no-variance"])
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
        "units real": (head.replace("units metal", "units real") + f"pair_style soapgap\npair_coeff * * {pot} Si\n"
                       "run 0\n", "requires units metal"),
        "corrupt file": (head + f"pair_style soapgap\npair_coeff * * {os.path.join(work, 'corrupt.xml')} Si\nrun 0\n",
                         "corrupt.xml"),
        "no variance": (head + f"pair_style soapgap\npair_coeff * * {os.path.join(work, 'novar.xml')} Si\n"
                        "compute v all soapgap/variance/atom\nthermo_style custom step pe c_v\nrun 0\n",
                        "no variance data"),
        "compute without pair": (head + "pair_style zero 4.0\npair_coeff * *\ncompute v all soapgap/variance/atom\n"
                                 "thermo_style custom step c_v\nrun 0\n", "requires pair_style soapgap"),
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


def compare_case(args, work, name, atoms, pot, species, failures):
    """run 0 in LAMMPS (1 and 2 ranks) against `soapgap eval --variance`; returns the check count."""
    xyz_in, xyz_out = os.path.join(work, name + ".xyz"), os.path.join(work, name + ".pred.xyz")
    write(xyz_in, atoms, format="extxyz")
    subprocess.run([args.soapgap, "eval", "--potential", pot, "--input", xyz_in, "--output", xyz_out,
                    "--variance", "--quiet"], check=True, capture_output=True)
    ref = read(xyz_out)
    ref_e = ref.get_potential_energy()
    ref_f = ref.get_forces()
    ref_w = np.array([float(x) for x in ref.info["virial"].split()]).reshape(3, 3) \
        if isinstance(ref.info.get("virial"), str) else np.array(ref.info["virial"]).reshape(3, 3)
    ref_local = ref.arrays["local_energy"]
    ref_var = ref.arrays["local_variance"]
    ref_evar = float(ref.info["energy_variance"])
    results = {}
    n_checks = 0
    for nprocs in (1, 2):
        lmp = run_lammps(args, work, name, atoms, pot, nprocs, species)
        results[nprocs] = lmp
        checks = {
            "energy": abs(lmp["energy"] - ref_e) / max(1.0, abs(ref_e)),
            "forces": np.abs(lmp["forces"] - ref_f).max() / max(1.0, np.abs(ref_f).max()),
            "virial": np.abs(lmp["virial"] - ref_w).max() / max(1.0, np.abs(ref_w).max()),
            "pe/atom": np.abs(lmp["pe_atom"] - ref_local).max() / max(1.0, np.abs(ref_local).max()),
            "variance/atom": np.abs(lmp["variance"] - ref_var).max() / max(1e-12, np.abs(ref_var).max()),
            "energy variance": abs(lmp["energy_variance"] - ref_evar) / max(1e-12, abs(ref_evar)),
            "sum stress/atom": np.abs(-lmp["stress_atom"].sum(axis=0) / NKTV2P -
                                      np.array([ref_w[0, 0], ref_w[1, 1], ref_w[2, 2], ref_w[0, 1],
                                                ref_w[0, 2], ref_w[1, 2]])).max() / max(1.0, np.abs(ref_w).max()),
        }
        for what, err in checks.items():
            # The variances are computed with triangular solves against the stored factors
            # (io/potential_data.h), accurate to rounding like the energies.
            tol = 1e-9
            n_checks += 1
            status = "ok" if err <= tol else "FAILED"
            print(f"{name:12s} np={nprocs} {what:16s} relative error {err:.2e} {status}")
            if err > tol:
                failures.append(f"{name} np={nprocs} {what}: {err:.2e}")
    d = np.abs(results[1]["forces"] - results[2]["forces"]).max()
    n_checks += 1
    print(f"{name:12s} 1 vs 2 ranks forces max diff {d:.2e} {'ok' if d <= 1e-10 else 'FAILED'}")
    if d > 1e-10:
        failures.append(f"{name}: 1 vs 2 MPI ranks differ by {d:.2e}")
    return n_checks


def main():
    args = parse_args(__doc__)
    work = tempfile.mkdtemp(prefix="soapgap-lammps-")
    failures = []
    n_checks = 0
    try:
        subprocess.run([args.dataset_tool, work, "4", "3"], check=True, capture_output=True)
        pot = fit_potential(args, os.path.join(work, "train.xyz"), os.path.join(work, "pot.xml"))
        cases = [(name, atoms, pot, ("Si",)) for name, atoms in structures().items()]
        sige = fit_two_element_potential(args, work)
        mixed = two_element_structures()[0].repeat((2, 1, 1))
        cases.append(("two_elements", mixed, sige, ("Si", "Ge")))
        for name, atoms, potential, species in cases:
            n_checks += compare_case(args, work, name, atoms, potential, species, failures)
        for case in (error_cases, null_type_case):
            n, f = case(args, work, pot)
            n_checks += n
            failures += f
    finally:
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept:", work)
    print(f"{n_checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
