#!/usr/bin/env python3
"""ASE and LAMMPS relax the same rattled cell with the same potential to the same structure.

A small smooth SOAP-GAP model (lammps_common.SMALL_MODEL, fitted by `soapgap fit` to the
Stillinger-Weber example data) is used by both sides: soapgap.ase.SoapGapCalculator with ASE's
BFGS (fmax 1e-4 eV/A, fixed cell) and pair_style soapgap (plugin) with LAMMPS `minimize`
(conjugate gradients, fixed cell). Cells (positions rounded to 8 decimals, so both read identical
atoms):

- bulk16: 16-atom diamond cell (a = 5.431 A, 2 x 1 x 1 cubic cells), rattled by 0.1 A (normal);
- triclinic8: 8-atom diamond cell under a shear (already in LAMMPS' lower-triangular frame),
  rattled by 0.1 A: its relaxed structure has non-trivial internal displacements.

Checks, per cell: ASE's BFGS converges; LAMMPS' final max |F| <= 1e-3 eV/A; the relaxed
energies agree to 1e-6 eV and the relaxed positions to 1e-3 A (each difference taken to its
nearest periodic image: LAMMPS wraps); the calculator at LAMMPS' final positions gives LAMMPS'
energy and forces (1e-8). Measured: energies agree to ~1e-9 eV, positions to
~4e-6 A; the triclinic cell's relaxed atoms sit 0.043 A from the homogeneously strained diamond
positions (internal relaxation), the orthorhombic cell's on them. Runs in ~2 s.

Needs PYTHONPATH=<build>/python (set by tests/CMakeLists.txt).
Usage: test_ase_vs_lammps.py --lmp LMP --plugin soapgapplugin.so --soapgap SOAPGAP
                             --dataset-tool soapgap_example_sw_dataset
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from ase.io import write
from ase.optimize import BFGS

from lammps_common import diamond, fit_potential, parse_args, plugin_header, read_dump, round_atoms, run_deck_ok

import soapgap
from soapgap.ase import SoapGapCalculator

ENERGY_TOL = 1e-6  # eV
POSITION_TOL = 1e-3  # Angstrom
FMAX = 1e-4  # eV/A, ASE BFGS


def structures():
    """{name: (rattled start, the same cell's unrattled atoms)}, rounded to 8 decimals."""
    rng = np.random.default_rng(2024)
    out = {}
    s = diamond(a=5.431, n=1).repeat((2, 1, 1))
    ideal = s.copy()
    s.positions += rng.normal(0.0, 0.1, s.positions.shape)
    out["bulk16"] = (s, ideal)
    t = diamond(a=5.431, n=1)
    t.set_cell(np.array([[5.45, 0, 0], [0.35, 5.40, 0], [-0.25, 0.30, 5.43]]), scale_atoms=True)
    ideal = t.copy()
    t.positions += rng.normal(0.0, 0.1, t.positions.shape)
    t.wrap()
    out["triclinic8"] = (t, ideal)
    return {k: (round_atoms(a), round_atoms(b)) for k, (a, b) in out.items()}


def internal_relaxation(relaxed, ideal):
    """Largest displacement of the relaxed atoms from the unrattled (homogeneously strained)
    diamond positions, after removing the mean (a rigid translation)."""
    cell = ideal.cell.array
    frac = (relaxed.positions - ideal.positions) @ np.linalg.inv(cell)
    frac -= np.round(frac - frac[0])
    d = frac @ cell
    d -= d.mean(axis=0)
    return np.linalg.norm(d, axis=1).max()


def relax_ase(atoms, potential):
    a = atoms.copy()
    a.calc = SoapGapCalculator(potential=potential, variance=False)
    opt = BFGS(a, logfile=None)
    converged = opt.run(fmax=FMAX, steps=1000)
    return a, converged, opt.nsteps


def relax_lammps(args, work, name, atoms, pot):
    data = os.path.join(work, name + ".data")
    write(data, atoms, format="lammps-data", atom_style="atomic", specorder=["Si"])
    final = os.path.join(work, name + ".final.dump")
    deck = plugin_header(args, data, [28.0855]) + f"""pair_style soapgap
pair_coeff * * {pot} Si
thermo_style custom step pe fnorm fmax
thermo_modify format float %.17g
min_style cg
minimize 0.0 1.0e-8 5000 100000
print "FINAL_PE $(pe:%.17g)"
print "FINAL_FMAX $(fmax:%.17g)"
write_dump all custom {final} id x y z fx fy fz modify format float %.17g sort id
"""
    text = run_deck_ok(args, work, name, deck)
    values = {}
    for line in text.splitlines():
        w = line.split()
        if len(w) == 2 and w[0] in ("FINAL_PE", "FINAL_FMAX"):
            values[w[0]] = float(w[1])
    stop = next((l.split("=", 1)[1].strip() for l in text.splitlines() if l.strip().startswith("Stopping criterion")), "?")
    cols = read_dump(final)[-1][1]
    assert np.array_equal(cols["id"], np.arange(1, len(atoms) + 1))
    pos = np.column_stack([cols["x"], cols["y"], cols["z"]])
    forces = np.column_stack([cols["fx"], cols["fy"], cols["fz"]])
    return values["FINAL_PE"], pos, forces, stop


def wrapped_difference(a, b, cell):
    """Largest |a_i - b_i| over atoms, each difference taken to its nearest periodic image."""
    d = a - b
    frac = d @ np.linalg.inv(cell)
    frac -= np.round(frac)
    return np.linalg.norm(frac @ cell, axis=1).max()


def main():
    args = parse_args(__doc__)
    work = tempfile.mkdtemp(prefix="soapgap-ase-lammps-")
    failures, n = [], 0

    def check(ok, what):
        nonlocal n
        n += 1
        print(f"{what} {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append(what)

    try:
        subprocess.run([args.dataset_tool, work, "4", "3"], check=True, capture_output=True)
        pot_file = fit_potential(args, os.path.join(work, "train.xyz"), os.path.join(work, "pot.xml"))
        potential = soapgap.Potential(pot_file)
        for name, (atoms, ideal) in structures().items():
            start = atoms.copy()
            start.calc = SoapGapCalculator(potential=potential, variance=False)
            e_start = start.get_potential_energy()
            f_start = np.linalg.norm(start.get_forces(), axis=1).max()
            relaxed, converged, steps = relax_ase(atoms, potential)
            e_ase = relaxed.get_potential_energy()
            e_lmp, pos_lmp, f_lmp, stop = relax_lammps(args, work, name, atoms, pot_file)
            moved = wrapped_difference(relaxed.positions, atoms.positions, atoms.cell.array)
            print(f"{name}: {len(atoms)} atoms, start E {e_start:.8f} eV, max|F| {f_start:.3f} eV/A; "
                  f"ASE BFGS {steps} steps, LAMMPS minimize stopped on '{stop}'; "
                  f"largest displacement in the relaxation {moved:.4f} A; relaxed structure vs the unrattled "
                  f"strained diamond: {internal_relaxation(relaxed, ideal):.4f} A")
            check(converged, f"{name}: ASE BFGS converged to fmax {FMAX} eV/A in {steps} steps")
            fl = np.linalg.norm(f_lmp, axis=1).max()
            check(fl <= 1e-3, f"{name}: LAMMPS final max|F| {fl:.2e} eV/A (<= 1e-3)")
            de = abs(e_ase - e_lmp)
            check(de <= ENERGY_TOL,
                  f"{name}: relaxed energy ASE {e_ase:.10f} eV, LAMMPS {e_lmp:.10f} eV, diff {de:.1e} eV "
                  f"(<= {ENERGY_TOL:g}; relaxation lowered E by {e_start - e_ase:.4f} eV)")
            dx = wrapped_difference(relaxed.positions, pos_lmp, atoms.cell.array)
            check(dx <= POSITION_TOL, f"{name}: relaxed positions ASE vs LAMMPS, max diff {dx:.1e} A "
                                      f"(<= {POSITION_TOL:g}, modulo periodic images)")
            # The calculator at LAMMPS' final positions: same energy and forces as LAMMPS says.
            check_at = relaxed.copy()
            check_at.positions = pos_lmp
            check_at.calc = SoapGapCalculator(potential=potential, variance=False)
            de2 = abs(check_at.get_potential_energy() - e_lmp)
            df2 = np.abs(check_at.get_forces() - f_lmp).max()
            check(de2 <= 1e-8 and df2 <= 1e-8,
                  f"{name}: calculator at LAMMPS' final positions: energy diff {de2:.1e} eV, forces diff {df2:.1e} eV/A")
    finally:
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept:", work)
    print(f"{n - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
