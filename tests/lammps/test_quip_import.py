"""QUIP/GAP potential files in soapgap, checked against QUIP itself (quippy from PyPI).

1. The QUIP example of the LAMMPS source tree (examples/PACKAGES/quip: a 2015 Si GAP with a Glue
   core and a sparseX file) runs its deck in.gap with `pair_style soapgap` in place of
   `pair_style quip` (same pair_coeff line); potential energy and pressure tensor every 10 steps
   equal QUIP's (the same velocity-Verlet MD done by quippy through ASE), on 1 and 2 MPI ranks.
2. `soapgap convert` of that file gives identical thermo output in LAMMPS.
3. A two-element GAP written here in QUIP's format (SOAP per centre element with
   species_Z={14 8}, both central-reference conventions, distance_2b terms, sparse points that
   are QUIP's own SOAP vectors) gives QUIP's energies, forces and stresses.
4. Forces and stress of the imported example equal finite differences of its energy.
5. soapgap/kk refuses the Glue core clearly; malformed or unsupported QUIP files give errors
   naming the file and the problem.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lammps_common import Checks, parse_args, run_deck, run_deck_ok, thermo_rows  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LABEL = "GAP_2015_2_20_0_10_54_35_765"
COLUMNS = ["pe", "pxx", "pyy", "pzz", "pxy", "pxz", "pyz", "press"]


def extra(ap):
    ap.add_argument("--kk-plugin", default="", help="soapgapkkplugin.so (optional: the soapgap/kk check)")
    ap.add_argument("--quip-example", required=True, help="examples/PACKAGES/quip of the LAMMPS source tree")
    ap.add_argument("--quippy-python", default=os.path.expanduser("~/.cache/soapgap/quippy-venv/bin/python"),
                    help="Python with quippy-ase (scripts/install-test-references.sh)")


def example_deck(example_dir, pair_style_line, potential_file, plugin):
    """in.gap with pair_style quip replaced (and its pair_coeff file name), thermo and dump added."""
    deck = open(os.path.join(example_dir, "in.gap")).read()
    assert re.search(r"^pair_style\s+quip\s*$", deck, re.M), "in.gap changed: no 'pair_style quip' line"
    deck = re.sub(r"^pair_style\s+quip\s*$", f"plugin load {plugin}\n{pair_style_line}", deck, flags=re.M)
    deck = deck.replace("gap_example.xml", potential_file)
    deck = re.sub(r"^thermo\s+10\s*$", "thermo 10\nthermo_style custom step pe ke pxx pyy pzz pxy pxz pyz press\n"
                  "thermo_modify format float %.15g", deck, flags=re.M)
    return deck


def quippy(args, *cmd):
    r = subprocess.run([args.quippy_python, os.path.join(HERE, "quip_reference.py")] + list(cmd),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"quip_reference.py {' '.join(cmd)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")


def compare_thermo(c, rows, ref, what):
    steps = [int(r["Step"]) for r in rows]
    c.check(steps == [r["step"] for r in ref], f"{what}: thermo steps {steps}")
    worst_pe = max(abs(r["PotEng"] - q["pe"]) / abs(q["pe"]) for r, q in zip(rows, ref))
    scale = max(abs(q[k]) for q in ref for k in ("pxx", "pyy", "pzz"))
    names = {"pxx": "Pxx", "pyy": "Pyy", "pzz": "Pzz", "pxy": "Pxy", "pxz": "Pxz", "pyz": "Pyz", "press": "Press"}
    worst_p = max(abs(r[names[k]] - q[k]) for r, q in zip(rows, ref) for k in names) / scale
    print(f"{what}: largest relative differences from QUIP: potential energy {worst_pe:.2e}, "
          f"pressure tensor {worst_p:.2e} (of {scale:.0f} bar)")
    # QUIP's MD runs in ASE, whose unit constants differ from LAMMPS' by ~1e-7 relative; that
    # and nothing else separates the trajectories.
    c.check(worst_pe < 1e-9, f"{what}: potential energy = QUIP's to 1e-9 relative")
    c.check(worst_p < 1e-6, f"{what}: pressure tensor = QUIP's to 1e-6 of its scale")


def finite_difference_checks(c, potential_path):
    import ase.io
    from soapgap.ase import SoapGapCalculator
    atoms = potential_path[1]
    atoms.calc = SoapGapCalculator(potential_path[0])
    forces = atoms.get_forces()
    stress = atoms.get_stress(voigt=False)
    # The example's alpha weights (|alpha| ~ 1e3) amplify rounding: its energy is noisy at ~3e-9 eV,
    # so the step is 5e-4 A (truncation ~2e-6 eV/A) rather than the usual 1e-5.
    h, worst = 5e-4, 0.0
    for i in (0, 7, 33):
        for d in range(3):
            e = []
            for s in (h, -h):
                atoms.positions[i, d] += s
                e.append(atoms.get_potential_energy())
                atoms.positions[i, d] -= s
            worst = max(worst, abs(-(e[0] - e[1]) / (2 * h) - forces[i, d]))
    c.check(worst < 2e-5, f"imported QUIP example: forces = -dE/dr by finite differences (worst {worst:.1e} eV/A)")
    cell0, pos0, v = atoms.cell[:].copy(), atoms.positions.copy(), atoms.get_volume()
    h, worst = 1e-4, 0.0  # strain step
    for a in range(3):
        for b in range(3):
            e = []
            for s in (h, -h):
                eps = np.eye(3)
                eps[a, b] += s
                atoms.set_cell(cell0 @ eps.T, scale_atoms=False)
                atoms.positions = pos0 @ eps.T
                e.append(atoms.get_potential_energy())
            atoms.set_cell(cell0, scale_atoms=False)
            atoms.positions = pos0
            worst = max(worst, abs((e[0] - e[1]) / (2 * h) / v - stress[a, b]))
    c.check(worst < 5e-7, f"imported QUIP example: stress = dE/d(strain)/V by finite differences (worst {worst:.1e} eV/A^3)")


def expect_error(c, args, xml, needle, what):
    r = subprocess.run([args.soapgap, "info", xml], capture_output=True, text=True)
    msg = (r.stdout + r.stderr).strip().splitlines()
    last = msg[-1] if msg else ""
    c.check(r.returncode == 1 and needle in last, f"{what}: error \"{last}\"")


def main():
    args = parse_args(__doc__, extra)
    c = Checks()
    if not os.path.exists(args.quippy_python):
        print(f"QUIP reference missing: {args.quippy_python} does not exist; run scripts/install-test-references.sh")
        return 1
    work = tempfile.mkdtemp(prefix="soapgap-quip-")
    for f in ("gap_example.xml", "gap_example_sparse.dat", "data_gap", "in.gap"):
        shutil.copy(os.path.join(args.quip_example, f), work)

    # 1. The example deck against QUIP.
    quippy(args, "md", os.path.join(work, "gap_example.xml"), os.path.join(work, "data_gap"),
           os.path.join(work, "quip_md.json"))
    ref = json.load(open(os.path.join(work, "quip_md.json")))
    deck = example_deck(work, "pair_style soapgap", "gap_example.xml", args.plugin)
    for nprocs in (1, 2):
        rows = thermo_rows(run_deck_ok(args, work, f"gap_np{nprocs}", deck, nprocs))
        compare_thermo(c, rows, ref, f"in.gap with pair_style soapgap, {nprocs} rank(s)")

    # 2. Converted file.
    subprocess.run([args.soapgap, "convert", os.path.join(work, "gap_example.xml"), os.path.join(work, "converted.xml")],
                   check=True, capture_output=True)
    rows1 = thermo_rows(open(os.path.join(work, "gap_np1.log")).read())
    conv_deck = example_deck(work, "pair_style soapgap", "converted.xml", args.plugin)
    conv_deck = conv_deck.replace(f'"Potential xml_label={LABEL}" ', "")
    rows_c = thermo_rows(run_deck_ok(args, work, "gap_converted", conv_deck))
    c.check(rows_c == rows1, "soapgap convert: LAMMPS thermo output identical to the QUIP file's")

    # 3. Two-element GAP in QUIP's format with QUIP's own SOAP vectors as sparse points.
    quippy(args, "synthetic", work)
    frames = os.path.join(work, "synthetic_frames.xyz")
    quippy(args, "eval", os.path.join(work, "synthetic.xml"), frames, os.path.join(work, "synthetic_ref.json"))
    import ase.io
    from soapgap.ase import SoapGapCalculator
    calc = SoapGapCalculator(os.path.join(work, "synthetic.xml"))
    for k, (atoms, r) in enumerate(zip(ase.io.read(frames, ":"), json.load(open(os.path.join(work, "synthetic_ref.json"))))):
        atoms.calc = calc
        de = abs(atoms.get_potential_energy() - r["energy"])
        df = np.abs(atoms.get_forces() - np.array(r["forces"])).max()
        ds = np.abs(atoms.get_stress() - np.array(r["stress"])).max() if "stress" in r else 0.0
        kind = "periodic" if "stress" in r else "cluster"
        c.check(de < 1e-8 and df < 1e-9 and ds < 1e-11 and np.abs(r["forces"]).max() > 0.1,
                f"two-element QUIP GAP, frame {k} ({kind}): energy, forces, stress = QUIP's "
                f"(differences {de:.1e} eV, {df:.1e} eV/A, {ds:.1e} eV/A^3)")

    # 4. Finite differences on the imported example (rattled).
    atoms = ase.io.read(os.path.join(work, "data_gap"), format="lammps-data", style="atomic")
    atoms.set_atomic_numbers([14] * len(atoms))
    atoms.positions += np.random.default_rng(5).normal(0, 0.05, atoms.positions.shape)
    finite_difference_checks(c, (os.path.join(work, "gap_example.xml"), atoms))

    # 5. Errors.
    if args.kk_plugin:
        kk_deck = example_deck(work, "pair_style soapgap/kk", "gap_example.xml", args.kk_plugin)
        with open(os.path.join(work, "gap_kk.in"), "w") as f:
            f.write(kk_deck)
        r = subprocess.run([args.lmp, "-k", "on", "t", "1", "-sf", "kk", "-in", "gap_kk.in", "-log", "gap_kk.log"],
                           cwd=work, capture_output=True, text=True)
        rc, text = r.returncode, r.stdout + r.stderr
        c.check(rc != 0 and "Glue core" in text and "use pair_style soapgap" in text,
                "soapgap/kk refuses the Glue core and names pair_style soapgap")
    xml = open(os.path.join(work, "gap_example.xml")).read()
    bad = os.path.join(work, "bad_sparse")
    os.makedirs(bad)
    shutil.copy(os.path.join(work, "gap_example.xml"), bad)
    lines = open(os.path.join(work, "gap_example_sparse.dat")).read().splitlines()
    open(os.path.join(bad, "gap_example_sparse.dat"), "w").write("\n".join(lines[:-10]) + "\n")
    expect_error(c, args, os.path.join(bad, "gap_example.xml"), "gap_example_sparse.dat: ends after 25490 numbers",
                 "truncated sparseX file")
    for name, edit, needle in [
        ("zmix.xml", lambda s: s.replace("central_weight=0.2", "central_weight=0.2 Z_mix=T"), "Z_mix=T is not supported"),
        ("sw.xml", lambda s: s.replace("{IP Glue}", "{IP SW}"), "IP SW is not supported"),
        ("turbo.xml", lambda s: s.replace("<descriptor>soap ", "<descriptor>soap_turbo "), "\"soap_turbo\" is not supported"),
        ("old.xml", lambda s: s.replace('gap_version="1423607965"', 'gap_version="1400000000"'), "1/sqrt(2l+1)"),
    ]:
        path = os.path.join(work, name)
        open(path, "w").write(edit(xml))
        expect_error(c, args, path, needle, f"QUIP file with {name[:-4]}")
    c.clean_up(work)
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
