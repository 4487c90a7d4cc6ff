#!/usr/bin/env python3
"""LAMMPS reference test of pair_style soapgap, in the spirit of LAMMPS' unittest/force-styles:
energies, forces and virials of fixed configurations with a fixed potential are stored in
tests/lammps/reference/soapgap_si.yaml and every LAMMPS set-up must reproduce them:

- `run 0` and 10 NVE steps (dt = 1 fs, stored velocities) on 1, 2 and 4 MPI ranks, and with
  soapgap/kk (-k on t 1 and t 2): potential energy, total energy, forces, virial, positions after
  the steps, to the tolerances stored in the YAML file;
- `newton off` stops with a message (soapgap needs newton_pair on);
- NVE energy conservation over 10^4 steps of the 64-atom cell from 600 K: drift and fluctuation of
  the total energy, printed and bounded.

The potential is tests/data/potentials/Si-small.xml (a small Stillinger-Weber-trained model
committed with the test). `--regenerate` rewrites the YAML from the current code on 1 rank
(review the diff: a change of the numbers is a change of results).
"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lammps_common import NKTV2P, Checks, mpirun_prefix, parse_args, read_dump, run_deck, thermo_rows  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
YAML = os.path.join(HERE, "reference", "soapgap_si.yaml")
POTENTIAL = os.path.join(ROOT, "tests", "data", "potentials", "Si-small.xml")
MASS = 28.0855


def configurations():
    """The reference structures, in LAMMPS' restricted-triclinic form (only used by --regenerate)."""
    rng = np.random.default_rng(2024)
    a = 5.431
    basis = np.array([[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0],
                      [.25, .25, .25], [.25, .75, .75], [.75, .25, .75], [.75, .75, .25]])

    def diamond(n):
        return np.array([(np.array([i, j, k]) + b) * a for i in range(n) for j in range(n) for k in range(n)
                         for b in basis])

    out = []
    pos = diamond(2) + rng.normal(0, 0.08, (64, 3))
    out.append({"name": "bulk64_rattled", "box": [2 * a, 2 * a, 2 * a, 0.0, 0.0, 0.0], "positions": pos})
    slab = diamond(2)
    slab = slab[slab[:, 2] < 1.9 * a] + rng.normal(0, 0.05, (len(slab[slab[:, 2] < 1.9 * a]), 3))
    slab[:, 2] += 4.0
    out.append({"name": "slab_001", "box": [2 * a, 2 * a, 2 * a + 10.0, 0.0, 0.0, 0.0], "positions": slab})
    # a skewed 16-atom cell: diamond 1x1x2 sheared by xy, xz, yz
    cell = np.array([[a, 0, 0], [0.9, a, 0], [0.7, -0.6, 2 * a]])
    frac = np.array([(b + [0, 0, k]) / [1, 1, 2] for k in range(2) for b in basis])
    pos = frac @ cell + rng.normal(0, 0.06, (16, 3))
    out.append({"name": "triclinic16", "box": [a, a, 2 * a, 0.9, 0.7, -0.6], "positions": pos})
    for c in out:
        c["positions"] = np.round(c["positions"], 10)
        c["velocities"] = np.round(rng.normal(0, 0.06, c["positions"].shape), 10)  # Angstrom/ps, ~400 K
    return out


def write_data(path, conf):
    lx, ly, lz, xy, xz, yz = conf["box"]
    pos, vel = np.asarray(conf["positions"]), np.asarray(conf["velocities"])
    lines = ["LAMMPS data file (soapgap reference test)", "", f"{len(pos)} atoms", "1 atom types",
             f"0 {lx!r} xlo xhi", f"0 {ly!r} ylo yhi", f"0 {lz!r} zlo zhi", f"{xy!r} {xz!r} {yz!r} xy xz yz", "",
             "Masses", "", f"1 {MASS}", "", "Atoms # atomic", ""]
    lines += [f"{i + 1} 1 {x!r} {y!r} {z!r}" for i, (x, y, z) in enumerate(pos.tolist())]
    lines += ["", "Velocities", ""] + [f"{i + 1} {x!r} {y!r} {z!r}" for i, (x, y, z) in enumerate(vel.tolist())]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def deck(args, data, style, plugin, steps=10, newton="on"):
    return f"""units metal
atom_style atomic
atom_modify map array
boundary p p p
newton {newton}
box tilt large
read_data {data}
plugin load {plugin}
pair_style {style}
pair_coeff * * {POTENTIAL} Si
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
compute vir all pressure NULL virial
thermo_style custom step pe etotal c_vir[1] c_vir[2] c_vir[3] c_vir[4] c_vir[5] c_vir[6] vol
thermo_modify format float %.17g
dump d all custom {steps} dump.atoms id x y z fx fy fz
dump_modify d sort id format float %.17g
fix integrate all nve
timestep 0.001
run {steps}
"""


def run_lammps(args, work, name, text, nprocs=1, kk_threads=0):
    infile = os.path.join(work, name + ".in")
    with open(infile, "w") as f:
        f.write(text)
    cmd = [args.lmp, "-in", infile, "-log", os.path.join(work, name + ".log"), "-screen", "none"]
    if kk_threads:
        cmd += ["-k", "on", "t", str(kk_threads), "-sf", "kk"]
    if nprocs > 1:
        cmd = mpirun_prefix(args.mpirun, nprocs) + cmd
    r = subprocess.run(cmd, cwd=work, capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS=str(max(1, kk_threads)), OPENBLAS_NUM_THREADS="1"))
    log = open(os.path.join(work, name + ".log")).read() if os.path.exists(os.path.join(work, name + ".log")) else ""
    return r.returncode, r.stdout + r.stderr + log


def results(work, text, steps):
    rows = thermo_rows(text)
    frames = read_dump(os.path.join(work, "dump.atoms"))
    out = {}
    for key, row, (step, cols) in (("run0", rows[0], frames[0]), ("md", rows[-1], frames[-1])):
        assert int(row["Step"]) == step == (0 if key == "run0" else steps)
        vol = row["Volume"]
        # LAMMPS' virial pressure (bar) -> virial (eV): W = P V / nktv2p
        virial = [row[f"c_vir[{k}]"] * vol / NKTV2P for k in range(1, 7)]
        out[key] = {"pe": row["PotEng"], "etotal": row["TotEng"], "virial": virial,
                    "forces": np.stack([cols["fx"], cols["fy"], cols["fz"]], axis=1),
                    "positions": np.stack([cols["x"], cols["y"], cols["z"]], axis=1)}
    return out


def regenerate(args):
    work = tempfile.mkdtemp(prefix="soapgap-yaml-")
    if not os.path.exists(POTENTIAL):
        raise SystemExit(f"{POTENTIAL} missing")
    doc = {"description": "pair_style soapgap reference: run 0 and 10 NVE steps (dt 1 fs) of fixed Si "
                          "configurations with tests/data/potentials/Si-small.xml; units metal (eV, Angstrom, "
                          "eV/Angstrom; virial in eV as xx yy zz xy xz yz)",
           "potential": os.path.relpath(POTENTIAL, ROOT),
           "potential_sha256": hashlib.sha256(open(POTENTIAL, "rb").read()).hexdigest(),
           "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) + " by test_reference_yaml.py "
                        "--regenerate (1 MPI rank, host pair_style soapgap)",
           "steps": 10,
           "tolerances": {"energy_relative": 1e-10, "force_absolute": 1e-9, "virial_relative": 1e-9,
                          "md_energy_relative": 1e-9, "md_position_absolute": 1e-9, "md_force_absolute": 1e-7},
           "configurations": []}
    for conf in configurations():
        data = os.path.join(work, conf["name"] + ".data")
        write_data(data, conf)
        rc, text = run_lammps(args, work, conf["name"], deck(args, data, "soapgap", args.plugin))
        if rc != 0:
            raise SystemExit(text[-3000:])
        r = results(work, text, 10)
        doc["configurations"].append({
            "name": conf["name"], "box": [float(v) for v in conf["box"]],
            "positions": conf["positions"].tolist(), "velocities": conf["velocities"].tolist(),
            "run0": {"pe": r["run0"]["pe"], "virial": r["run0"]["virial"], "forces": r["run0"]["forces"].tolist()},
            "md": {"pe": r["md"]["pe"], "etotal": r["md"]["etotal"], "positions": r["md"]["positions"].tolist(),
                   "forces": r["md"]["forces"].tolist()}})
    with open(YAML, "w") as f:
        yaml.safe_dump(doc, f, default_flow_style=None, width=200, sort_keys=False)
    print(f"wrote {YAML}")


def compare(c, ref, got, tol, what):
    e0 = abs(got["run0"]["pe"] - ref["run0"]["pe"]) / abs(ref["run0"]["pe"])
    f0 = np.abs(got["run0"]["forces"] - np.array(ref["run0"]["forces"])).max()
    v0 = np.abs(np.array(got["run0"]["virial"]) - ref["run0"]["virial"]).max() / max(1.0, np.abs(ref["run0"]["virial"]).max())
    c.check(e0 < tol["energy_relative"] and f0 < tol["force_absolute"] and v0 < tol["virial_relative"],
            f"{what}: run 0 energy {e0:.1e} (relative), forces {f0:.1e} eV/A, virial {v0:.1e} (relative)")
    e1 = max(abs(got["md"]["pe"] - ref["md"]["pe"]) / abs(ref["md"]["pe"]),
             abs(got["md"]["etotal"] - ref["md"]["etotal"]) / abs(ref["md"]["etotal"]))
    x1 = np.abs(got["md"]["positions"] - np.array(ref["md"]["positions"])).max()
    f1 = np.abs(got["md"]["forces"] - np.array(ref["md"]["forces"])).max()
    c.check(e1 < tol["md_energy_relative"] and x1 < tol["md_position_absolute"] and f1 < tol["md_force_absolute"],
            f"{what}: after {ref.get('steps', 10)} NVE steps energies {e1:.1e} (relative), positions {x1:.1e} A, "
            f"forces {f1:.1e} eV/A")


def nve_drift(c, args, work):
    conf = configurations()[0]
    rng = np.random.default_rng(7)
    kT = 600 * 8.617333262e-5  # eV
    conf["velocities"] = rng.normal(0, 1, conf["positions"].shape) * np.sqrt(kT / MASS / 1.0364269e-4)
    data = os.path.join(work, "nve.data")
    write_data(data, conf)
    text = deck(args, data, "soapgap", args.plugin, steps=10000).replace("thermo_style custom", "thermo 100\nthermo_style custom")
    text = text.replace("dump d all custom 10000", "dump d all custom 100000")
    t0 = time.time()
    rc, log = run_lammps(args, work, "nve", text)
    rows = thermo_rows(log)
    if rc != 0 or len(rows) < 100:
        c.check(False, f"NVE 10^4 steps ran (exit {rc}): {log[-1500:]}")
        return
    t = np.array([r["Step"] for r in rows]) * 1e-3  # ps
    e = np.array([r["TotEng"] for r in rows]) / 64 * 1e3  # meV/atom
    drift = np.polyfit(t, e, 1)[0]
    spread = e.max() - e.min()
    print(f"NVE, 64 atoms from 600 K, 10^4 steps of 1 fs ({time.time() - t0:.0f} s): total energy drift "
          f"{drift:+.4f} meV/atom/ps, max-min {spread:.4f} meV/atom")
    c.check(abs(drift) < 0.05 and spread < 0.5, "NVE 10^4 steps: |drift| < 0.05 meV/atom/ps and max-min < 0.5 meV/atom")


def main():
    def extra(ap):
        ap.add_argument("--kk-plugin", default="", help="soapgapkkplugin.so (optional)")
        ap.add_argument("--regenerate", action="store_true")
    args = parse_args(__doc__, extra)
    if args.regenerate:
        return regenerate(args)
    ref = yaml.safe_load(open(YAML))
    c = Checks()
    sha = hashlib.sha256(open(POTENTIAL, "rb").read()).hexdigest()
    c.check(sha == ref["potential_sha256"], f"{ref['potential']} is the file the reference was made with")
    work = tempfile.mkdtemp(prefix="soapgap-yaml-")
    tol = ref["tolerances"]
    setups = [("1 rank", 1, 0, "soapgap", args.plugin), ("2 ranks", 2, 0, "soapgap", args.plugin),
              ("4 ranks", 4, 0, "soapgap", args.plugin)]
    if args.kk_plugin:
        setups += [("soapgap/kk t1", 1, 1, "soapgap/kk", args.kk_plugin),
                   ("soapgap/kk t2", 1, 2, "soapgap/kk", args.kk_plugin)]
    for conf in ref["configurations"]:
        conf["positions"] = np.array(conf["positions"])
        conf["velocities"] = np.array(conf["velocities"])
        data = os.path.join(work, conf["name"] + ".data")
        write_data(data, conf)
        for label, nprocs, threads, style, plugin in setups:
            rc, text = run_lammps(args, work, conf["name"], deck(args, data, style, plugin), nprocs, threads)
            if rc != 0:
                c.check(False, f"{conf['name']}, {label}: LAMMPS failed: {text[-1500:]}")
                continue
            compare(c, conf, results(work, text, ref["steps"]), tol, f"{conf['name']}, {label}")
    rc, text = run_lammps(args, work, "newton_off", deck(args, os.path.join(work, "bulk64_rattled.data"), "soapgap",
                                                          args.plugin, newton="off"))
    c.check(rc != 0 and re.search(r"newton", text) is not None and "soapgap" in text,
            "newton off: LAMMPS stops with a message naming newton")
    nve_drift(c, args, work)
    c.clean_up(work)
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
