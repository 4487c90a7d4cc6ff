#!/usr/bin/env python3
"""soapgap learn end to end, with LAMMPS' Stillinger-Weber as the labeller (minutes in CI):

  - the LAMMPS labeller: forces = -dE/dr by finite differences and virial = -dE/d(strain) on a
    triclinic cell that LAMMPS has to rotate (so the rotation back is checked);
  - the loop (examples/active_learning/make_inputs.py --quick: bulk-only start, Si(100) MD
    task): it adds surface configurations, the held-out surface errors fall, the sigma that
    LAMMPS' variance compute put in the dump equals soapgap's own prediction for those frames;
  - resuming: a second run changes nothing; a run cut short (labels and later iterations
    removed) resumes to the same labels and the same report numbers, with two labels at once
    ([labeller] parallel = 2), so the labels' landing order does not change the fits.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from ase.build import bulk
from ase.io import read

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lammps_common import Checks, parse_args  # noqa: E402

import soapgap  # noqa: E402
from soapgap.learn.labellers import LammpsLabeller  # noqa: E402
from soapgap.learn.lammps_run import Lammps  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check_labeller(checks, lmp, sw, work):
    lab = LammpsLabeller(lmp, "sw", "* * %s Si" % sw, ["Si"], workdir=work)
    atoms = bulk("Si", "diamond", a=5.43, cubic=True)
    atoms.set_cell(atoms.cell[:] + np.array([[0.1, 0.3, -0.2], [0.2, 0.1, 0.3], [-0.1, 0.2, 0.0]]), scale_atoms=True)
    atoms.rattle(0.1, seed=5)
    ref = lab.label(atoms)
    h = 1e-4
    worst_f = 0.0
    for i, d in [(0, 0), (3, 1), (5, 2), (7, 0)]:
        e = []
        for s in (1, -1):
            a = atoms.copy()
            a.positions[i, d] += s * h
            e.append(lab.label(a).info["energy"])
        worst_f = max(worst_f, abs(-(e[0] - e[1]) / (2 * h) - ref.arrays["forces"][i, d]))
    checks.check(worst_f < 1e-5, "LAMMPS labeller: forces = -dE/dr on a triclinic cell (max diff %.1e eV/A)" % worst_f)
    worst_w = 0.0
    for a_, b_ in [(0, 0), (0, 1), (1, 2), (2, 2)]:
        e = []
        for s in (1, -1):
            eps = np.zeros((3, 3))
            eps[a_, b_] += s * h / 2
            eps[b_, a_] += s * h / 2
            a = atoms.copy()
            a.set_cell(atoms.cell[:] @ (np.eye(3) + eps), scale_atoms=True)
            e.append(lab.label(a).info["energy"])
        worst_w = max(worst_w, abs(-(e[0] - e[1]) / (2 * h) - ref.info["virial"][a_, b_]))
    checks.check(worst_w < 1e-4, "LAMMPS labeller: virial = -dE/d(strain) (max diff %.1e eV)" % worst_w)


def run_learn(q, env):
    r = subprocess.run([sys.executable, "-m", "soapgap.learn", os.path.join(q, "learn.toml")], cwd=q, env=env,
                       capture_output=True, text=True, timeout=900)
    print(r.stdout[-3000:], r.stderr[-3000:])
    return r.returncode


def main():
    args = parse_args(__doc__, lambda ap: ap.add_argument("--sw", required=True, help="LAMMPS' Si.sw"))
    checks = Checks()
    work = tempfile.mkdtemp(prefix="soapgap-learn-test-")
    lmp = Lammps(args.lmp)
    check_labeller(checks, lmp, args.sw, work)

    q = os.path.join(work, "q")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run([sys.executable, os.path.join(ROOT, "examples/active_learning/make_inputs.py"), "--out", q,
                    "--lmp", args.lmp, "--plugin", args.plugin, "--sw", args.sw, "--quick"], check=True, env=env)
    # two labels at once ([labeller] parallel): the resumed run below must still give the same report
    toml = os.path.join(q, "learn.toml")
    with open(toml) as f:
        text = f.read()
    with open(toml, "w") as f:
        f.write(text.replace('kind = "lammps"\n', 'kind = "lammps"\nparallel = 2\n', 1))
    rc = run_learn(q, env)
    checks.check(rc == 0, "soapgap learn exit status 0 (got %d)" % rc)
    run = os.path.join(q, "run")
    history = json.load(open(os.path.join(run, "history.json")))
    labelled = read(os.path.join(run, "labelled.xyz"), ":")
    surface = [a for a in labelled if a.info.get("config_type") == "surface"]
    checks.check(len(surface) >= 3, "the loop labelled surface configurations (%d)" % len(surface))
    checks.check(len(history) >= 2, "at least two iterations (%d)" % len(history))
    first, last = history[0]["heldout"]["groups"]["surface"], history[-1]["heldout"]["groups"]["surface"]
    print("surface held-out: iteration 0: %.2f meV/atom, %.3f eV/A; iteration %d: %.2f meV/atom, %.3f eV/A"
          % (first["energy_rmse_meV_per_atom"], first["force_rmse_eV_per_A"], history[-1]["iteration"],
             last["energy_rmse_meV_per_atom"], last["force_rmse_eV_per_A"]))
    checks.check(last["energy_rmse_meV_per_atom"] < 0.5 * first["energy_rmse_meV_per_atom"],
                 "surface energy error falls at least twofold")
    checks.check(last["force_rmse_eV_per_A"] < first["force_rmse_eV_per_A"], "surface force error falls")
    checks.check(history[-1]["md"]["flagged_fraction"] < history[0]["md"]["flagged_fraction"],
                 "fewer MD samples flagged at the end (%.2f -> %.2f)"
                 % (history[0]["md"]["flagged_fraction"], history[-1]["md"]["flagged_fraction"]))
    for name in ("report.md", "report.png", "learn.log", "status.json"):
        checks.check(os.path.getsize(os.path.join(run, name)) > 0, "%s written" % name)

    # The sigma LAMMPS wrote for the selected frames = soapgap's prediction for them.
    pot = soapgap.Potential(os.path.join(run, "iter-000", "potential.xml"))
    sel = read(os.path.join(run, "iter-000", "selected.xyz"), ":")
    worst = max(np.abs(np.sqrt(pot.predict(a, variance=True)["local_variance"]) - a.arrays["al_sigma"]).max()
                for a in sel)
    checks.check(worst < 1e-6, "per-atom sigma from LAMMPS = soapgap predict (max diff %.1e eV)" % worst)

    # Resume: nothing new to do.
    before = open(os.path.join(run, "labelled.xyz")).read()
    rc = run_learn(q, env)
    checks.check(rc == 0 and open(os.path.join(run, "labelled.xyz")).read() == before
                 and json.load(open(os.path.join(run, "history.json"))) == history,
                 "a second run changes nothing")
    # Cut short: keep the labels of iteration 0 only and drop everything after iteration 1's MD.
    keep = [a for a in labelled if int(a.info["al_iteration"]) == 0]
    from ase.io import write

    write(os.path.join(run, "labelled.xyz"), keep, format="extxyz")
    for k in range(2, len(history) + 1):
        shutil.rmtree(os.path.join(run, "iter-%03d" % k), ignore_errors=True)
    rc = run_learn(q, env)
    again = json.load(open(os.path.join(run, "history.json")))
    relabelled = read(os.path.join(run, "labelled.xyz"), ":")
    # labelled.xyz is in landing order (parallel = 2): compare label by label
    before_e = {a.info["al_id"]: a.info["energy"] for a in labelled}
    after_e = {a.info["al_id"]: a.info["energy"] for a in relabelled}
    same_ids = len(relabelled) == len(labelled) and after_e.keys() == before_e.keys()
    same_numbers = same_ids and all(abs(after_e[i] - before_e[i]) < 1e-9 for i in before_e)
    checks.check(rc == 0 and same_ids and same_numbers,
                 "an interrupted run resumes to the same labels (exit %d, ids %s, energies %s)" % (rc, same_ids, same_numbers))
    same_report = json.dumps(again, sort_keys=True) == json.dumps(history, sort_keys=True)
    if not same_report:
        print("history before:", json.dumps(history, sort_keys=True), "\nhistory after:", json.dumps(again, sort_keys=True))
    checks.check(same_report, "... and to the same report numbers")

    # The CLI's launcher: soapgap learn = python3 -m soapgap.learn with this build's package.
    r = subprocess.run([args.soapgap, "learn", "--help"], capture_output=True, text=True,
                       env=dict(env, PYTHONPATH=""))
    checks.check(r.returncode == 0 and "usage: soapgap learn" in r.stdout,
                 "soapgap learn --help runs the Python loop (exit %d)" % r.returncode)
    # A bad configuration stops with a message naming the file and key.
    bad = os.path.join(q, "bad.toml")
    with open(bad, "w") as f:
        f.write(re.sub(r"(?m)^threshold = .*$", "threshold = \"x\"", open(os.path.join(q, "learn.toml")).read()))
    r = subprocess.run([args.soapgap, "learn", bad], env=env, capture_output=True, text=True)
    checks.check(r.returncode == 1 and "bad.toml: [select]: threshold = 'x': expected float" in r.stderr,
                 "bad configuration: exit 1 with a message (exit %d: %s)" % (r.returncode, (r.stderr + r.stdout).strip()))
    checks.clean_up(work)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
