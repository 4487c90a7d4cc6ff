#!/usr/bin/env python3
"""pair_style soapgap in motion: finite differences, rerun, NVE energy conservation and the
predicted variance in MD (LAMMPS plugin).

- forces equal central finite differences of the LAMMPS energy (displace_atoms, h = 5e-4 A, to 1e-5 eV/A);
- `rerun` of a dumped MD trajectory gives the energies and forces of the run itself;
- NVE, 1000 steps of 1 fs, 64-atom Si cell from 600 K: total-energy fluctuation and drift bounded
  (printed in meV/atom and meV/atom/ps);
- compute soapgap/variance/atom of a bulk-only fit: larger on the surface atoms of a slab than
  in its bulk-like middle, larger in a compressed cell than at the equilibrium lattice constant;
- `fix halt` on the largest per-atom standard deviation stops MD when the model is unsure.
- `fix pair ... soapgap variance 1` extracts the same per-atom variances (LAMMPS' channel for
  uncertainty of machine-learned potentials).

Usage: test_pair_soapgap_md.py --lmp LMP --plugin soapgapplugin.so --soapgap SOAPGAP
                               --dataset-tool soapgap_example_sw_dataset [--mpirun MPIRUN]
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from ase.io import read, write

from lammps_common import Checks, diamond, fit_potential, parse_args, plugin_header, read_dump, round_atoms, run_deck, \
    run_deck_ok, thermo_rows


def write_data(work, name, atoms):
    path = os.path.join(work, name + ".data")
    write(path, atoms, format="lammps-data", atom_style="atomic", specorder=["Si"])
    return path


def pair_lines(pot):
    return f"pair_style soapgap\npair_coeff * * {pot} Si\n"


def finite_differences(args, work, pot, checks):
    rng = np.random.default_rng(5)
    atoms = diamond(n=2)
    atoms.positions += rng.uniform(-0.15, 0.15, atoms.positions.shape)
    round_atoms(atoms)
    data = write_data(work, "fd", atoms)
    # The energy carries ~1e-9 eV of rounding (local energies are sums of large alpha_s k_s
    # terms that cancel), so -dE/dx is good to ~1e-9/h; the truncation error is ~h^2 f'''/6.
    h = 5e-4
    probes = [(1, "x"), (17, "y"), (42, "z"), (64, "x")]
    deck = plugin_header(args, data, [28.0855]).replace("atom_style atomic", "atom_style atomic\natom_modify map array")
    deck += pair_lines(pot)
    deck += "thermo_style custom step pe\nthermo_modify format float %.17g\nrun 0\n"
    for atom_id, axis in probes:
        deck += f'print "F {atom_id} {axis} $(f{axis}[{atom_id}]:%.17g)"\n'
    for atom_id, axis in probes:
        move = {"x": "{d} 0 0", "y": "0 {d} 0", "z": "0 0 {d}"}[axis]
        deck += f"group p{atom_id} id {atom_id}\n"
        for sign, d in (("+", h), ("-", -2 * h)):
            deck += f"displace_atoms p{atom_id} move {move.format(d=d)} units box\nrun 0\n"
            deck += f'print "E {atom_id} {axis} {sign} $(pe:%.17g)"\n'
        deck += f"displace_atoms p{atom_id} move {move.format(d=h)} units box\n"
    text = run_deck_ok(args, work, "fd", deck)
    force, energy = {}, {}
    for line in text.splitlines():
        w = line.split()
        if len(w) == 4 and w[0] == "F":
            force[(int(w[1]), w[2])] = float(w[3])
        elif len(w) == 5 and w[0] == "E":
            energy[(int(w[1]), w[2], w[3])] = float(w[4])
    for atom_id, axis in probes:
        fd = -(energy[(atom_id, axis, "+")] - energy[(atom_id, axis, "-")]) / (2 * h)
        f = force[(atom_id, axis)]
        err = abs(fd - f)
        checks.check(err <= 1e-5,
                     f"finite differences atom {atom_id} {axis}: force {f:.10f}, -dE/dx {fd:.10f} eV/A, diff {err:.1e}")


def rerun(args, work, pot, checks):
    atoms = round_atoms(diamond(n=2))
    data = write_data(work, "md", atoms)
    traj = os.path.join(work, "md.dump")
    head = plugin_header(args, data, [28.0855]) + pair_lines(pot)
    md = head + f"""velocity all create 900 4928459 loop geom
fix nve all nve
timestep 0.001
dump d all custom 5 {traj} id type x y z fx fy fz
dump_modify d format float %.17g sort id
thermo 5
thermo_style custom step pe
thermo_modify format float %.17g
run 20
"""
    md_rows = thermo_rows(run_deck_ok(args, work, "md", md))
    again = os.path.join(work, "rerun.dump")
    rr = head + f"""dump d all custom 1 {again} id fx fy fz
dump_modify d format float %.17g sort id
thermo 1
thermo_style custom step pe
thermo_modify format float %.17g
rerun {traj} dump x y z
"""
    rr_rows = thermo_rows(run_deck_ok(args, work, "rerun", rr))
    md_pe = {int(r["Step"]): r["PotEng"] for r in md_rows}
    rr_pe = {int(r["Step"]): r["PotEng"] for r in rr_rows}
    de = max(abs(md_pe[s] - rr_pe[s]) for s in md_pe)
    checks.check(sorted(md_pe) == sorted(rr_pe) and de <= 1e-9,
                 f"rerun: steps {sorted(rr_pe)}, energy max diff {de:.1e} eV")
    f_md = {s: np.column_stack([c["fx"], c["fy"], c["fz"]]) for s, c in read_dump(traj)}
    f_rr = {s: np.column_stack([c["fx"], c["fy"], c["fz"]]) for s, c in read_dump(again)}
    df = max(np.abs(f_md[s] - f_rr[s]).max() for s in f_md)
    checks.check(sorted(f_md) == sorted(f_rr) and df <= 1e-9, f"rerun: forces max diff {df:.1e} eV/A")


def nve(args, work, pot, checks):
    atoms = round_atoms(diamond(n=2))
    data = write_data(work, "nve", atoms)
    deck = plugin_header(args, data, [28.0855]) + pair_lines(pot) + """velocity all create 600 87287 loop geom
fix nve all nve
timestep 0.001
thermo 10
thermo_style custom step temp pe etotal
thermo_modify format float %.17g
run 1000
"""
    rows = thermo_rows(run_deck_ok(args, work, "nve", deck))
    n = len(atoms)
    t = np.array([r["Step"] for r in rows]) * 0.001  # ps
    e = np.array([r["TotEng"] for r in rows]) / n
    temp = np.array([r["Temp"] for r in rows])
    fluct = np.abs(e - e[0]).max() * 1000
    slope = np.polyfit(t, e, 1)[0] * 1000
    print(f"NVE 64 atoms, 1000 x 1 fs, mean T {temp[len(temp) // 2:].mean():.0f} K: "
          f"max |E(t) - E(0)| {fluct:.4f} meV/atom, drift {slope:+.4f} meV/atom/ps")
    checks.check(len(rows) == 101, f"NVE thermo rows: {len(rows)} (expected 101)")
    checks.check(fluct < 0.5 and abs(slope) < 0.1,
                 "NVE energy conservation (bounds: fluctuation < 0.5 meV/atom, |drift| < 0.1 meV/atom/ps)")


def per_atom_variance(args, work, name, atoms, pot):
    data = write_data(work, name, atoms)
    dump = os.path.join(work, name + ".var.dump")
    deck = plugin_header(args, data, [28.0855]) + pair_lines(pot) + f"""compute var all soapgap/variance/atom
dump d all custom 1 {dump} id z c_var
dump_modify d format float %.17g sort id
run 0
"""
    run_deck_ok(args, work, name, deck)
    cols = read_dump(dump)[0][1]
    return cols["z"], cols["c_var"]


def variance_physics(args, work, pot, checks):
    slab = diamond(n=2)
    slab.cell[2, 2] += 12.0
    slab.positions[:, 2] += 6.0
    round_atoms(slab)
    z, var = per_atom_variance(args, work, "slab", slab, pot)
    zmin, zmax = z.min(), z.max()
    surface = (z < zmin + 0.5) | (z > zmax - 0.5)
    middle = np.abs(z - 0.5 * (zmin + zmax)) < 1.0
    s, m = np.sqrt(var[surface].mean()), np.sqrt(var[middle].mean())
    checks.check(s > 2 * m, f"variance: slab surface atoms sigma {s * 1000:.2f} meV vs middle {m * 1000:.2f} meV "
                            f"(expect surface > 2 x middle for a bulk-only fit)")
    _, v_eq = per_atom_variance(args, work, "eq", round_atoms(diamond(a=5.431, n=1)), pot)
    _, v_cmp = per_atom_variance(args, work, "compressed", round_atoms(diamond(a=4.9, n=1)), pot)
    a, b = np.sqrt(v_eq.mean()), np.sqrt(v_cmp.mean())
    checks.check(b > 2 * a, f"variance: diamond a=4.9 A sigma {b * 1000:.2f} meV vs a=5.431 A {a * 1000:.2f} meV "
                            f"(expect compressed > 2 x equilibrium)")
    return s, m


def halt_on_variance(args, work, pot, checks, sigma_surface, sigma_middle):
    slab = diamond(n=2)
    slab.cell[2, 2] += 12.0
    slab.positions[:, 2] += 6.0
    data = write_data(work, "halt", round_atoms(slab))
    for threshold, expect_halt in ((0.5 * sigma_surface, True), (100.0, False)):
        deck = plugin_header(args, data, [28.0855]) + pair_lines(pot) + f"""compute var all soapgap/variance/atom
compute varmax all reduce max c_var
variable sigma_max equal sqrt(c_varmax)
velocity all create 300 1234 loop geom
fix nve all nve
timestep 0.001
fix stop all halt 5 v_sigma_max > {threshold:.6g} error continue
thermo 5
thermo_style custom step pe v_sigma_max c_var
run 20
"""
        rc, text = run_deck(args, work, "halt", deck)
        halted = "Fix halt condition for fix-id stop met on step 5" in text
        checks.check(rc == 0 and halted == expect_halt,
                     f"fix halt on sigma_max > {threshold:.4g} eV: halted at step 5 = {halted} (expected {expect_halt})")


def fix_pair_variance(args, work, pot, checks):
    """fix pair (LAMMPS 15Sep2022 and later) extracts the per-atom variance that compute()
    predicts on the steps it flags: equal to compute soapgap/variance/atom, also along MD."""
    slab = diamond(n=2)
    slab.cell[2, 2] += 12.0
    slab.positions[:, 2] += 6.0
    data = write_data(work, "fixpair", round_atoms(slab))
    dump = os.path.join(work, "fixpair.dump")
    deck = plugin_header(args, data, [28.0855]) + pair_lines(pot) + f"""compute var all soapgap/variance/atom
fix fp all pair 5 soapgap variance 1
velocity all create 300 1234 loop geom
fix nve all nve
timestep 0.001
dump d all custom 5 {dump} id c_var f_fp
dump_modify d format float %.17g sort id
run 10
"""
    rc, text = run_deck(args, work, "fixpair", deck)
    if rc != 0 and "Unrecognized fix style 'pair'" in text:
        print("fix pair: this LAMMPS has no fix pair (older than 15Sep2022): skipped")
        return
    frames = read_dump(dump) if rc == 0 else []
    worst = max((float(np.max(np.abs(c["f_fp"] - c["c_var"]) / np.max(np.abs(c["c_var"])))) for _, c in frames),
                default=np.inf)
    checks.check(rc == 0 and len(frames) == 3 and worst <= 1e-12,
                 f"fix pair soapgap variance: {len(frames)} dumps (expected 3), max relative difference to "
                 f"compute soapgap/variance/atom {worst:.2e} (<= 1e-12)" + ("" if rc == 0 else f"; exit {rc}: "
                                                                             f"{text[-300:]}"))


def main():
    args = parse_args(__doc__)
    work = tempfile.mkdtemp(prefix="soapgap-lammps-md-")
    checks = Checks()
    try:
        subprocess.run([args.dataset_tool, work, "4", "3"], check=True, capture_output=True)
        train = os.path.join(work, "train.xyz")
        pot = fit_potential(args, train, os.path.join(work, "pot.xml"))
        bulk = [a for a in read(train, ":") if a.info.get("config_type") in ("bulk", "bulk_hot")]
        bulk_train = os.path.join(work, "bulk_train.xyz")
        write(bulk_train, bulk, format="extxyz")
        # SOAP only: the variance of a distance_2b term with few sparse points is dominated by
        # how well its sparse distances cover the pair distances of an atom (the Nystrom
        # residual summed over ~16 pairs), not by the distance from the training data.
        soap_only = ["--descriptor", "soap n_max=5 l_max=4 cutoff=4.5 cutoff_transition_width=1 atom_sigma=0.5 "
                     "zeta=4 delta=0.5 n_sparse=60", "--sigma-force", "0.02", "--sigma-energy", "0.001"]
        bulk_pot = os.path.join(work, "bulk_pot.xml")
        subprocess.run([args.soapgap, "fit", "--train", bulk_train, "--output", bulk_pot, "--quiet", "--seed", "1"]
                       + soap_only, check=True, capture_output=True)
        finite_differences(args, work, pot, checks)
        rerun(args, work, pot, checks)
        nve(args, work, pot, checks)
        s, m = variance_physics(args, work, bulk_pot, checks)
        halt_on_variance(args, work, bulk_pot, checks, s, m)
        fix_pair_variance(args, work, bulk_pot, checks)
    finally:
        checks.clean_up(work)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
