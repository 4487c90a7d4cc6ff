#!/usr/bin/python3
"""Accuracy per cost of silicon potentials in LAMMPS (issue 22, item 4): soapgap models, SNAP and
qSNAP (Zuo et al., J. Phys. Chem. A 124, 731 (2020)), Stillinger-Weber and Tersoff.

Accuracy: `run 0` on every held-out PBE frame (energy and forces); soapgap's LAMMPS numbers are
checked against `soapgap eval` (1e-8 relative). Cost: µs/atom-step of NVE MD on a 216-atom
diamond cell, 1 rank, 1 thread, models alternated in each of --repeats rounds, median reported,
with the background jobs of the project (DFT labeller, soapgap learn) SIGSTOPped meanwhile.

    /usr/bin/python3 benchmarks/si_accuracy_cost.py --workdir /tmp/si-accuracy-cost
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

import numpy as np
from ase.build import bulk
from ase.io import read

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "build", "python"), os.path.join(ROOT, "python")]
from soapgap.learn.lammps_run import Lammps, boundary, lammps_cell, read_dump, thermo_rows, write_data  # noqa: E402

SOAPGAP = os.path.join(ROOT, "build", "fitting", "soapgap")
CHEAP_DESCRIPTORS = [
    "distance_2b cutoff=5.0 cutoff_transition_width=1.0 theta=0.5 delta=1.0 n_sparse=30",
    "soap n_max=6 l_max=4 cutoff=5.0 cutoff_transition_width=1.0 atom_sigma=0.5 zeta=4 delta=4.0 n_sparse=400"]


def lammps_paths():
    """The project's LAMMPS, the one the plugin in build/ is built for: lammps-plugin/build-lammps.sh
    (cached: seconds) prints its paths as KEY=value lines."""
    out = subprocess.run(["bash", os.path.join(ROOT, "lammps-plugin", "build-lammps.sh")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def parse_args():
    env = lammps_paths()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lmp", default=env.get("LAMMPS_BINARY"), help="LAMMPS binary [%(default)s]")
    p.add_argument("--lammps-potentials", default=os.path.join(env.get("LAMMPS_SOURCE_DIR", ""), "potentials"),
                   help="LAMMPS' potentials/ folder (SNAP, SW, Tersoff files) [%(default)s]")
    p.add_argument("--plugin", default=os.path.join(ROOT, "build", "lammps-plugin", "soapgapplugin.so"))
    p.add_argument("--heldout", default=os.path.join(ROOT, "fitting", "datasets", "silicon", "test.xyz"))
    p.add_argument("--models", nargs="*", metavar="NAME=path.xml",
                   default=["soapgap (shipped)=" + os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml")])
    p.add_argument("--cheap-fit", action=argparse.BooleanOptionalAction, default=True,
                   help="fit the cheaper soapgap model into the workdir and add it [on]")
    p.add_argument("--workdir", default="/tmp/si-accuracy-cost")
    p.add_argument("--out-json", default=None, help="[WORKDIR/si_accuracy_cost.json]")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--target-s", type=float, default=8.0, help="wall time of one timed MD run [%(default)s]")
    a = p.parse_args()
    a.workdir = os.path.abspath(a.workdir)
    a.out_json = a.out_json or os.path.join(a.workdir, "si_accuracy_cost.json")
    return a


def model_list(a):
    """The models: name, kind, potential file and the pair_style + pair_coeff lines of each."""
    def model(name, kind, *files, **extra):
        files = [os.path.abspath(f) for f in files]
        pair = "pair_style %s\npair_coeff * * %s Si\n" % (kind, " ".join(files))
        return dict(name=name, kind=kind, file=files[0], pair=pair, **extra)
    models = [model(spec.split("=", 1)[0], "soapgap", spec.split("=", 1)[1]) for spec in a.models]
    if a.cheap_fit:
        xml = os.path.join(a.workdir, "Si-cheap.xml")
        cmd = [SOAPGAP, "fit", "--train", os.path.join(ROOT, "fitting/datasets/silicon/train.xyz"),
               "--validate", a.heldout, "--output", xml, "--seed", "1", "--sigma-energy", "0.001",
               "--sigma-force", "0.05", "--sigma-virial", "0.05"]
        for d in CHEAP_DESCRIPTORS:
            cmd += ["--descriptor", d]
        print("fitting the cheap model: %s" % " ".join(cmd), flush=True)
        t0 = time.time()
        with open(os.path.join(a.workdir, "cheap_fit.log"), "w") as log:
            subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT)
        print("  done in %.0f s" % (time.time() - t0), flush=True)
        models.append(model("soapgap (cheap)", "soapgap", xml, fit_command=cmd))
    zuo = os.path.join(a.lammps_potentials, "Si_Zuo_JPCA2020")
    return models + [model("SNAP (Zuo 2020)", "snap", zuo + ".snapcoeff", zuo + ".snapparam"),
                     model("qSNAP (Zuo 2020)", "snap", zuo + ".quadratic.snapcoeff", zuo + ".quadratic.snapparam"),
                     model("SW", "sw", os.path.join(a.lammps_potentials, "Si.sw")),
                     model("Tersoff", "tersoff", os.path.join(a.lammps_potentials, "Si.tersoff"))]


def lammps_frame(atoms):
    """A fully periodic copy for write_data (slabs: centred in z, vacuum kept, z made exactly normal to
    the surface so that `boundary p p f` accepts the box) and the rotation Q with r_lammps = r @ Q."""
    cell = np.asarray(atoms.cell[:], dtype=float)
    frac = np.linalg.solve(cell.T, atoms.positions.T).T
    L = lammps_cell(cell)
    if not atoms.pbc[2]:
        if not (atoms.pbc[0] and atoms.pbc[1]) or abs(L[2, :2]).max() > 1e-9 * L[2, 2]:
            raise ValueError("only slabs periodic in a, b with c normal to them are supported")
        L[2, :2] = 0.0
        frac[:, 2] += 0.5 - 0.5 * (frac[:, 2].min() + frac[:, 2].max())
    Q = np.linalg.solve(cell, L)
    if abs(Q @ Q.T - np.eye(3)).max() > 1e-10:
        raise ValueError("cell rotation is not orthogonal")
    out = atoms.copy()
    out.set_cell(L)
    out.positions = frac @ L
    out.pbc = True
    return out, Q, boundary(atoms.pbc).replace("s", "f")


def evaluate(model, frames, lmp, workdir):
    """(energies eV, forces eV/A in the frames' own axes, cutoff A) of `run 0` on every frame."""
    wd = os.path.join(workdir, "eval", re.sub(r"\W+", "_", model["name"]).strip("_"))
    os.makedirs(wd, exist_ok=True)
    deck, rotations = [], []
    for i, atoms in enumerate(frames):
        periodic, Q, bnd = lammps_frame(atoms)
        rotations.append(Q)
        write_data(os.path.join(wd, "f%03d.data" % i), periodic, ["Si"])
        deck.append(("clear\n%sunits metal\natom_style atomic\nboundary %s\nbox tilt large\nread_data f%03d.data\n%s"
                     "thermo_style custom step pe\nthermo_modify format float %%.17g\n"
                     "dump d all custom 1 f%03d.dump id type x y z fx fy fz\n"
                     "dump_modify d sort id format float %%.17g\nrun 0\nundump d\n")
                    % (lmp.plugin_line() if model["kind"] == "soapgap" else "", bnd, i, model["pair"], i))
    _, log = lmp.run("".join(deck), wd, "eval")
    energies = [r["PotEng"] for r in thermo_rows(log)]
    if len(energies) != len(frames):
        raise RuntimeError("%s: %d energies for %d frames (log %s/eval.log)"
                           % (model["name"], len(energies), len(frames), wd))
    forces = []
    for i, Q in enumerate(rotations):
        (_, _, cols), = read_dump(os.path.join(wd, "f%03d.dump" % i), ["Si"], extra_columns=["fx", "fy", "fz"])
        forces.append(np.column_stack([cols["fx"], cols["fy"], cols["fz"]]) @ Q.T)
    master = float(re.search(r"master list distance cutoff = ([\d.]+)", log).group(1))
    return np.array(energies), forces, master - 2.0  # LAMMPS' default skin in metal units


def cross_check(model, frames, energies, forces, workdir):
    """soapgap eval on the same frames must give LAMMPS' energies and forces to 1e-8 relative."""
    out = os.path.join(workdir, "eval", "soapgap_eval_%s.xyz" % re.sub(r"\W+", "_", model["name"]).strip("_"))
    subprocess.run([SOAPGAP, "eval", "--potential", model["file"], "--input", model["heldout"], "--output", out,
                    "--quiet"], check=True, stdout=subprocess.DEVNULL)
    ref = read(out, ":")
    scale = np.sqrt(np.mean(np.concatenate([r.arrays["forces"].ravel() for r in ref]) ** 2))  # forces: relative to
    worst = 0.0                                                    # the set's RMS force (some frames have F = 0)
    for i, (e, f, r) in enumerate(zip(energies, forces, ref)):
        de = abs(e - r.info["energy"]) / abs(r.info["energy"])
        df = abs(f - r.arrays["forces"]).max() / scale
        worst = max(worst, de, df)
        if de > 1e-8 or df > 1e-8:
            raise SystemExit("FAIL: %s frame %d (%s): LAMMPS and soapgap eval differ: energy %.3g, forces %.3g relative"
                             % (model["name"], i, frames[i].info.get("config_type"), de, df))
    return worst


def accuracy(frames, energies, forces):
    n = np.array([len(a) for a in frames])
    e_err = (energies - np.array([a.info["energy"] for a in frames])) / n
    offset = e_err.mean()
    f_err = [f - a.arrays["forces"] for f, a in zip(forces, frames)]
    disordered = [i for i, a in enumerate(frames) if re.search("liquid|amorphous", a.info.get("config_type", ""))]
    def rmse(errs):
        return float(np.sqrt(np.mean(np.concatenate([e.ravel() for e in errs]) ** 2))) if len(errs) else None
    return dict(energy_offset_meV_atom=1e3 * offset, energy_rmse_offset_removed_meV_atom=1e3 * rmse([e_err - offset]),
                energy_rmse_raw_meV_atom=1e3 * rmse([e_err]), force_rmse_all=rmse(f_err),
                force_rmse_liquid_amorphous=rmse([f_err[i] for i in disordered]),
                n_liquid_amorphous_frames=len(disordered), energy_error_per_frame_meV_atom=(1e3 * e_err).tolist())


def background_pids():
    """PIDs of the project's background jobs: the DFT labeller, pw.x, soapgap learn and the lmp (or
    soapgap CLI) processes below soapgap learn. Never this script or its ancestors."""
    def pgrep(*args):
        r = subprocess.run(["pgrep"] + list(args), capture_output=True, text=True)
        return {int(p) for p in r.stdout.split()}

    def parent(pid):
        try:
            return int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return 0
    def comm(pid):
        try:
            return open("/proc/%d/comm" % pid).read().strip()
        except OSError:
            return ""
    mine, p = set(), os.getpid()
    while p > 1:
        mine.add(p)
        p = parent(p)
    learn = pgrep("-f", "soapgap.learn") - mine
    found = (pgrep("-f", "label_qe.py") | pgrep("-x", "pw.x") | learn) - mine
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        q = parent(pid)
        while q > 1 and q not in learn:
            q = parent(q)
        if q in learn and pid not in mine and comm(pid) in ("lmp", "soapgap"):
            found.add(pid)
    return found


def md_run(model, lmp, wd, steps):
    plugin = lmp.plugin_line() if model["kind"] == "soapgap" else ""
    deck = ("%sunits metal\natom_style atomic\nboundary p p p\nread_data md.data\n%s"
            "velocity all create 300 4928 mom yes rot yes dist gaussian\ntimestep 0.001\nfix 1 all nve\n"
            "thermo %d\nrun %d\n") % (plugin, model["pair"], steps, steps)
    _, log = lmp.run(deck, wd, "md_" + re.sub(r"\W+", "_", model["name"]).strip("_"))
    m = re.search(r"Loop time of ([\d.eE+-]+) on 1 procs for (\d+) steps with (\d+) atoms", log)
    cpu = float(re.search(r"([\d.]+)% CPU use", log).group(1))  # < 100 %: the run shared its core
    return float(m.group(1)), 1e6 * float(m.group(1)) / (int(m.group(2)) * int(m.group(3))), cpu


def timings(models, lmp, workdir, repeats, target_s):
    wd = os.path.join(workdir, "md")
    os.makedirs(wd, exist_ok=True)
    atoms = bulk("Si", "diamond", a=5.476, cubic=True).repeat((3, 3, 3))
    atoms.rattle(0.05, seed=22)
    write_data(os.path.join(wd, "md.data"), atoms, ["Si"])
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # so that `finally` resumes the jobs
    try:
        new = background_pids()
        while new:  # again until none is new: a job may have started a child meanwhile
            for pid in sorted(new):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            new = background_pids() - set(stopped)
        print("SIGSTOP to background jobs %s" % stopped, flush=True)
        for m in models:  # size the runs: grow a short run until it takes >= 0.5 s
            steps = 5
            while True:
                loop = md_run(m, lmp, wd, steps)[0]
                if loop >= 0.5:
                    break
                steps *= max(2, int(np.ceil(0.6 / max(loop, 1e-3))))
            m["md_steps"] = max(10, int(round(steps * target_s / loop)))
        rounds = []
        for r in range(repeats):
            order = models if r % 2 == 0 else models[::-1]
            cost = {m["name"]: md_run(m, lmp, wd, m["md_steps"]) for m in order}
            rounds.append(cost)
            print("round %d: %s" % (r + 1, ", ".join("%s %.3g us (%.1f s, %.0f%% CPU)" % (k, v[1], v[0], v[2])
                                                      for k, v in cost.items())), flush=True)
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        print("SIGCONT to %s" % stopped, flush=True)
    for m in models:
        m["us_atom_step_runs"] = [rd[m["name"]][1] for rd in rounds]
        m["wall_s_runs"] = [rd[m["name"]][0] for rd in rounds]
        m["cpu_use_percent_runs"] = [rd[m["name"]][2] for rd in rounds]
        m["us_atom_step"] = statistics.median(m["us_atom_step_runs"])
        m["cost_over_sw_runs"] = [rd[m["name"]][1] / rd["SW"][1] for rd in rounds]
        m["cost_over_sw"] = statistics.median(m["cost_over_sw_runs"])
    return stopped


def table(models):
    rows = ["| model | cutoff (Å) | force RMSE all / liquid+amorphous (eV/Å) "
            "| energy RMSE (meV/atom, offset removed) | energy offset (meV/atom) | µs/atom-step | cost / SW |",
            "|---|---|---|---|---|---|---|"]
    for m in models:
        a = m["accuracy"]
        rows.append("| %s | %.2f | %.3f / %.3f | %.1f | %+.1f | %.3g | %.3g |" % (
            m["name"], m["cutoff"], a["force_rmse_all"], a["force_rmse_liquid_amorphous"],
            a["energy_rmse_offset_removed_meV_atom"], a["energy_offset_meV_atom"],
            m["us_atom_step"], m["cost_over_sw"]))
    return "\n".join(rows)


def main():
    a = parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    lmp = Lammps(a.lmp, plugin=a.plugin, threads=1)
    frames = read(a.heldout, ":")
    models = model_list(a)
    for m in models:
        m["heldout"] = a.heldout
        energies, forces, m["cutoff"] = evaluate(m, frames, lmp, a.workdir)
        if m["kind"] == "soapgap":
            m["lammps_vs_soapgap_eval_max_rel"] = cross_check(m, frames, energies, forces, a.workdir)
        m["accuracy"] = accuracy(frames, energies, forces)
        check = m.get("lammps_vs_soapgap_eval_max_rel")
        print("%-20s cutoff %.2f A, force RMSE %.3f eV/A%s" % (m["name"], m["cutoff"], m["accuracy"]["force_rmse_all"],
              "" if check is None else ", LAMMPS = soapgap eval to %.1e" % check), flush=True)
    stopped = timings(models, lmp, a.workdir, a.repeats, a.target_s)
    text = table(models)
    print("\n" + text)
    result = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), command=" ".join(sys.argv),
                  lmp=a.lmp, plugin=a.plugin, heldout=a.heldout, n_frames=len(frames),
                  n_atoms=sum(len(f) for f in frames),
                  config_types=[f.info.get("config_type") for f in frames], uname=" ".join(os.uname()),
                  cpus=os.cpu_count(), background_pids_stopped=stopped, table=text,
                  md=dict(atoms=216, a=5.476, rattle=0.05, T=300, timestep_fs=1, ranks=1, threads=1, repeats=a.repeats),
                  models=models)
    with open(a.out_json, "w") as f:
        json.dump(result, f, indent=1)
    print("\nwrote %s" % a.out_json)


if __name__ == "__main__":
    main()
