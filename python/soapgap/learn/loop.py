"""The loop of soapgap learn (the package's docstring and docs/active-learning.md tell the rest).

    /usr/bin/python3 -m soapgap.learn learn.toml

Each iteration k, with the potential P_k:
  1. P_k predicts the held-out set ([heldout] file): energy/force errors and the Spearman
     correlation between its predicted sigma and its actual error;
  2. every [[task]] runs in LAMMPS (MD or minimisation) with P_k and the variance compute; a
     sample (every sample_every steps) is flagged when some atom's predicted sigma (the
     square root of its local-energy variance, eV) exceeds [select] threshold; the run halts
     (fix halt) above stop_threshold;
  3. if nothing was flagged, or the budget (max_iterations, max_labels) is spent, it stops;
  4. otherwise it picks up to per_iteration flagged samples by farthest-point sampling in
     descriptor space (first the one with the largest sigma), labels them with the labeller,
     saving each one as it completes, and
  5. refits on the training set plus every label so far: P_{k+1}.

Everything lives in `workdir`: labelled.xyz (every configuration the loop labelled, appended as
soon as it exists), iter-NNN/ (potential.xml, heldout.json, md/ with the LAMMPS runs, md.json,
selected.json/.xyz), learn.log, and report.md/report.png/history.json rewritten after every
iteration. Interrupted runs resume where they stopped: a finished step is never redone, and a
configuration already in labelled.xyz is never labelled again. See docs/active-learning.md.
"""

import argparse
import json
import os
import shutil
import sys
import time

import numpy as np
from ase.io import read, write

from .. import Potential, _labels, fit
from .labellers import label_all, make_labeller
from .lammps_run import Lammps, LammpsError, boundary, read_dump, with_vacuum_of, write_data
from .config import read_config
from .report import write_report
from ..selection import farthest_point_sampling, frame_descriptor, spearman

__all__ = ["ActiveLearner", "main"]



def sigma_frames(path, elements, pbc):
    """(step, atoms, per-atom sigma in eV) of a task dump: the column c_sg_var (variance, eV^2),
    or v_sg_sigma (sigma) in dumps of runs before 2026-12-07."""
    with open(path) as f:
        head = [next(f, "") for _ in range(9)]
    column = "v_sg_sigma" if "v_sg_sigma" in head[8].split() else "c_sg_var"
    out = []
    for step, atoms, cols in read_dump(path, elements, pbc, (column,)):
        values = cols[column]
        out.append((step, atoms, values if column == "v_sg_sigma" else np.sqrt(np.maximum(values, 0.0))))
    return out

def flag_steps(steps, sigma_max, threshold, first_step=0):
    """The sampled steps whose largest per-atom sigma exceeds threshold, from first_step on (the
    samples of an MD's start-up, e.g. a melt's random start, are not candidates)."""
    return [s for s, m in zip(steps, sigma_max) if m > threshold and s >= first_step]


def _largest_force(atoms):
    """Largest force component of a labelled configuration (0 without forces): the calculator's
    results first, as `soapgap fit` reads them, else arrays["forces"]."""
    results = getattr(getattr(atoms, "calc", None), "results", None) or {}
    f = results.get("forces")
    if f is None:
        f = atoms.arrays.get("forces")
    return float(np.abs(f).max()) if f is not None and np.size(f) else 0.0


class ActiveLearner:
    def __init__(self, config, out=sys.stdout):
        self.cfg = config
        self.out = out
        os.makedirs(config.workdir, exist_ok=True)
        self.log_path = os.path.join(config.workdir, "learn.log")
        self.labelled_path = os.path.join(config.workdir, "labelled.xyz")
        self.lammps = Lammps(config.lammps_binary, config.lammps_plugin, config.lammps_threads)
        self.labeller = make_labeller(config.labeller, config.base_dir, self.lammps, config.elements,
                                      where=config.path + ": [labeller]")
        if config.label_parallel > 1 and not getattr(self.labeller, "thread_safe", False):
            raise ValueError("%s: [labeller]: parallel = %d, but the labeller (%s) is not thread-safe: a python "
                             "labeller that is declares thread_safe = True; an espresso one runs pw.x in "
                             "parallel through command" % (config.path, config.label_parallel,
                                                           self.labeller.describe()))
        self._picks = {}       # iteration -> {al_id: its place in that iteration's selection}
        self.history = []
        self._labelled = None  # labelled.xyz, read once (labelled())
        self._files = {}       # the training, seed, held-out and task files, read once (_frames())

    # -- bookkeeping -------------------------------------------------------------------------
    def log(self, msg):
        line = "[%s] %s" % (time.strftime("%Y-%m-%d %H:%M:%S"), msg)
        print(line, file=self.out, flush=True)
        with open(self.log_path, "a") as f:
            f.write(line + "\n")

    def iter_dir(self, k):
        d = os.path.join(self.cfg.workdir, "iter-%03d" % k)
        os.makedirs(d, exist_ok=True)
        return d

    @staticmethod
    def _write_json(path, data):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1, default=float)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @staticmethod
    def _read_json(path):
        with open(path) as f:
            return json.load(f)

    def labelled(self):
        """Every configuration the loop has labelled so far (labelled.xyz, read once)."""
        if self._labelled is None:
            exists = os.path.exists(self.labelled_path) and os.path.getsize(self.labelled_path) > 0
            self._labelled = read(self.labelled_path, index=":", format="extxyz") if exists else []
        return self._labelled

    def _append_labelled(self, atoms):
        write(self.labelled_path, atoms, format="extxyz", append=True)
        with open(self.labelled_path, "a") as f:
            f.flush()
            os.fsync(f.fileno())
        self._labelled = None  # read back from the file: the stored numbers (extxyz precision) are what a resumed run sees

    def _frames(self, path):
        """The configurations of a file given in the configuration (read once)."""
        if path not in self._files:
            self._files[path] = read(path, index=":")
        return self._files[path]

    # -- the steps ---------------------------------------------------------------------------
    def seed_labelled(self):
        """The seed configurations, labelled (by the labeller where they carry no energy);
        labels made here are saved in workdir/seed_labelled.xyz and reused on resume."""
        if self.cfg.seed_configurations is None:
            return []
        path = os.path.join(self.cfg.workdir, "seed_labelled.xyz")
        done = read(path, index=":", format="extxyz") if os.path.exists(path) and os.path.getsize(path) else []
        frames = self._frames(self.cfg.seed_configurations)
        if len(done) < len(frames):
            self.log("labelling %d seed configurations with %s" % (len(frames) - len(done), self.labeller.describe()))
        for i in range(len(done), len(frames)):
            a = frames[i]
            if _labels(a, i, "energy", "forces", "virial", "stress")[0] is None:
                t = time.time()
                a = self.labeller.label(a)
                self.log("  seed %d: E = %.6f eV (%d atoms, %.1f s)" % (i, a.info["energy"], len(a), time.time() - t))
            a.info.setdefault("config_type", "seed")
            write(path, a, format="extxyz", append=True)
            done.append(a)
        return done

    def training_set(self, k):
        """The training set, the seeds and this loop's labels of iterations before k. A frame of
        the training file that carries the al_id of one of this loop's labels (a database that
        took in the loop's frames, as fitting/datasets/silicon/split.py does) is left out: the
        loop's own copy counts once. A label of the loop that the held-out file holds (that
        database's split put it in its test set) is not trained on, nor, with [fit] max_force, a
        configuration with a force component above it."""
        held = set()
        if getattr(self.cfg, "heldout", None):
            held = {a.info["al_id"] for a in self._frames(self.cfg.heldout) if "al_id" in a.info}
        # in the order they were selected, however they landed ([labeller] parallel): fits are reproducible
        mine = sorted((a for a in self.labelled() if a.info.get("al_id") not in held), key=self._pick_rank)
        ids = {a.info.get("al_id") for a in self.labelled()}
        train = []
        if self.cfg.training:
            train += [a for a in self._frames(self.cfg.training) if "al_id" not in a.info or a.info["al_id"] not in ids]
        train += self.seed_labelled()
        train += [a for a in mine if int(a.info.get("al_iteration", 0)) < k]
        limit = getattr(self.cfg, "max_force", None)
        if limit:   # [fit] max_force: kept as labels, left out of the fits
            train = [a for a in train if _largest_force(a) <= limit]
        return train

    def _pick_rank(self, atoms):
        """(iteration, place in that iteration's selected.json) of one of the loop's labels."""
        k = int(atoms.info.get("al_iteration", 0))
        if k not in self._picks:
            path = os.path.join(self.cfg.workdir, "iter-%03d" % k, "selected.json")
            self._picks[k] = {c["id"]: i for i, c in enumerate(self._read_json(path))} if os.path.exists(path) else {}
        return k, self._picks[k].get(atoms.info.get("al_id"), len(self._picks[k]))

    def potential(self, k):
        path = os.path.join(self.iter_dir(k), "potential.xml")
        if os.path.exists(path):
            return path
        if k == 0 and self.cfg.start_potential:
            shutil.copyfile(self.cfg.start_potential, path + ".copy")
            os.replace(path + ".copy", path)
            self.log("iteration 0: starting potential %s" % self.cfg.start_potential)
            return path
        train = self.training_set(k)
        if not train:
            raise ValueError("iteration %d: no labelled configurations to fit on" % k)
        f = dict(self.cfg.fit)
        descriptors = f.pop("descriptors")
        t = time.time()
        pot = fit(train, descriptors, **f)
        pot.save(path)
        self.log("iteration %d: fitted %s on %d configurations (%d atoms) in %.1f s"
                 % (k, path, len(train), sum(len(a) for a in train), time.time() - t))
        return path

    def evaluate_heldout(self, k, pot_path):
        path = os.path.join(self.iter_dir(k), "heldout.json")
        if os.path.exists(path):
            return self._read_json(path)
        if not self.cfg.heldout:
            return {}
        pot = Potential(pot_path)
        frames = self._frames(self.cfg.heldout)
        key = self.cfg.heldout_group_key
        rows = {"group": [], "n": [], "de": [], "sigma_e": [], "df2": [], "atom_df": [], "atom_sigma": []}
        for i, a in enumerate(frames):
            energy, forces, _ = _labels(a, i, "energy", "forces", "virial", "stress")
            if energy is None or forces is None:
                raise ValueError("%s: configuration %d has no energy/forces" % (self.cfg.heldout, i))
            p = pot.predict(a, variance=pot.has_variance, total_variance=pot.has_variance,
                            variance_terms=self.cfg.variance_terms)
            n = len(a)
            rows["group"].append(str(a.info.get(key, "all")))
            rows["n"].append(n)
            rows["de"].append((p["energy"] - energy) / n)
            df = p["forces"] - np.asarray(forces)
            rows["df2"].append(float((df ** 2).sum()))
            rows["atom_df"] += list(np.linalg.norm(df, axis=1))
            if pot.has_variance:
                rows["sigma_e"].append(np.sqrt(max(p["energy_variance"], 0.0)) / n)
                rows["atom_sigma"] += list(np.sqrt(np.maximum(p["local_variance"], 0.0)))
        de = np.array(rows["de"])
        n = np.array(rows["n"])
        df2 = np.array(rows["df2"])
        groups = np.array(rows["group"])

        def errors(mask):
            return {"configurations": int(mask.sum()), "atoms": int(n[mask].sum()),
                    "energy_rmse_meV_per_atom": 1000 * float(np.sqrt(np.mean(de[mask] ** 2))),
                    "force_rmse_eV_per_A": float(np.sqrt(df2[mask].sum() / (3 * n[mask].sum())))}

        result = {"all": errors(np.ones(len(de), dtype=bool)),
                  "groups": {g: errors(groups == g) for g in sorted(set(groups))}}
        if rows["atom_sigma"]:
            result["spearman_atom_sigma_vs_force_error"] = spearman(rows["atom_sigma"], rows["atom_df"])
            result["spearman_energy_sigma_vs_energy_error"] = spearman(rows["sigma_e"], np.abs(de))
        self._write_json(path, result)
        a = result["all"]
        self.log("iteration %d: held-out %d configurations: energy RMSE %.2f meV/atom, force RMSE %.4f eV/A%s"
                 % (k, a["configurations"], a["energy_rmse_meV_per_atom"], a["force_rmse_eV_per_A"],
                    ", Spearman(sigma, |dF|) %.2f" % result["spearman_atom_sigma_vs_force_error"]
                    if "spearman_atom_sigma_vs_force_error" in result else ""))
        return result

    def _task_deck(self, task, k, data, pot_path, dump):
        lines = [
            "# soapgap learn: task %s, iteration %d" % (task.name, k),
            "units metal", "atom_style atomic", "atom_modify map array",
            "boundary %s" % boundary(self._task_structure(task).pbc),
            "read_data %s" % data,
            self.lammps.plugin_line().strip(),
            "pair_style soapgap",
            "pair_coeff * * %s %s" % (pot_path, " ".join(self.cfg.elements)),
            "compute sg_var all soapgap/variance/atom" + "".join(
                [" terms"] + [" %d" % t for t in self.cfg.variance_terms] if self.cfg.variance_terms else []),
            # the per-atom variance (eV^2) reduced and dumped as it is: no atom-style variable of a
            # compute that also has a global scalar (its syntax differs between LAMMPS versions)
            "compute sg_varmax all reduce max c_sg_var",
            "variable sg_sigmax equal sqrt(c_sg_varmax)",
            "thermo_style custom step temp pe press v_sg_sigmax",
            "thermo_modify norm no flush yes format float %.10g",
            "thermo %d" % task.sample_every,
            "dump sg_dump all custom %d %s id type x y z c_sg_var" % (task.sample_every, dump),
            "dump_modify sg_dump sort id format float %.12g",
            "fix sg_halt all halt %d v_sg_sigmax > %.10g error soft" % (task.sample_every, self.cfg.stop_threshold),
        ]
        if task.kind == "md":
            lines += [
                "timestep %.10g" % task.timestep,
                "velocity all create %.10g %d dist gaussian mom yes rot no" % (task.temperature, task.seed + k),
                self._thermostat(task),
                "run %d" % task.steps,
            ]
        else:
            lines += ["min_style cg", "minimize 0 1e-4 %d %d" % (task.steps, 10 * task.steps)]
        return "\n".join(lines) + "\n"

    @staticmethod
    def _thermostat(task):
        """NVT (or NPT at task.pressure, bar) from temperature to temperature_end (K) over the run."""
        t_end = task.temperature if task.temperature_end is None else task.temperature_end
        damp = 100 * task.timestep
        if task.pressure is None:
            return "fix sg_nvt all nvt temp %.10g %.10g %.10g" % (task.temperature, t_end, damp)
        return "fix sg_npt all npt temp %.10g %.10g %.10g iso %.10g %.10g %.10g" % (
            task.temperature, t_end, damp, task.pressure, task.pressure, 1000 * task.timestep)

    def _task_structure(self, task):
        return self._frames(task.structure)[0].copy()

    def run_tasks(self, k, pot_path):
        path = os.path.join(self.iter_dir(k), "md.json")
        if os.path.exists(path):
            return self._read_json(path)
        md_dir = os.path.join(self.iter_dir(k), "md")
        os.makedirs(md_dir, exist_ok=True)
        result = {"tasks": {}, "samples": 0, "flagged": 0, "sigma_max_eV": 0.0}
        for task in self.cfg.tasks:
            done = os.path.join(md_dir, task.name + ".json")  # a finished task is not rerun on resume
            if os.path.exists(done) and os.path.exists(os.path.join(md_dir, task.name + ".dump")):
                info = self._read_json(done)
                self.log("iteration %d: task %s: done before (%d samples, %d flagged)"
                         % (k, task.name, info["samples"], info["flagged"]))
                self._add_task(result, task.name, info)
                continue
            atoms = self._task_structure(task)
            data = os.path.join(md_dir, task.name + ".data")
            write_data(data, atoms, self.cfg.elements)
            dump = os.path.join(md_dir, task.name + ".dump")
            if os.path.exists(dump):
                os.remove(dump)
            t = time.time()
            rc, text = self.lammps.run(self._task_deck(task, k, data, os.path.abspath(pot_path), dump), md_dir,
                                       task.name, check=False)
            frames = sigma_frames(dump, self.cfg.elements, atoms.pbc) if os.path.exists(dump) else []
            if not frames:
                errors = [l for l in text.splitlines() if "ERROR" in l]
                raise LammpsError("task %s, iteration %d: LAMMPS produced no samples (exit %d): %s (log: %s)"
                                  % (task.name, k, rc, errors[0] if errors else text[-300:],
                                     os.path.join(md_dir, task.name + ".log")))
            sig = np.array([f[2].max() for f in frames])
            flagged = flag_steps([int(f[0]) for f in frames], sig, self.cfg.threshold, task.equilibration_steps)
            halted = "Fix halt condition" in text
            info = {"kind": task.kind, "samples": len(frames), "flagged_steps": flagged,
                    "flagged": len(flagged), "sigma_max_eV": float(sig.max()),
                    "last_step": int(frames[-1][0]), "planned_steps": task.steps,
                    "halted_sigma_above_stop_threshold": halted, "lammps_exit": rc, "seconds": time.time() - t}
            if rc != 0:
                errors = [l for l in text.splitlines() if "ERROR" in l]
                info["lammps_error"] = errors[0] if errors else "exit %d" % rc
            self._write_json(done, info)
            self._add_task(result, task.name, info)
            self.log("iteration %d: task %s (%s): %d samples up to step %d, %d flagged (sigma > %.1f meV), "
                     "max sigma %.1f meV%s%s, %.1f s"
                     % (k, task.name, task.kind, len(frames), info["last_step"], len(flagged),
                        1000 * self.cfg.threshold, 1000 * info["sigma_max_eV"],
                        ", halted: sigma above stop_threshold" if halted else "",
                        ", LAMMPS stopped: " + info["lammps_error"] if rc != 0 else "", info["seconds"]))
        result["flagged_fraction"] = result["flagged"] / max(result["samples"], 1)
        self._write_json(path, result)
        return result

    @staticmethod
    def _add_task(result, name, info):
        result["tasks"][name] = info
        result["samples"] += info["samples"]
        result["flagged"] += info["flagged"]
        result["sigma_max_eV"] = max(result["sigma_max_eV"], info["sigma_max_eV"])

    def select(self, k, pot_path, md, n_pick):
        path = os.path.join(self.iter_dir(k), "selected.json")
        xyz = os.path.join(self.iter_dir(k), "selected.xyz")
        if os.path.exists(path):
            chosen = self._read_json(path)
            return chosen, read(xyz, index=":", format="extxyz") if chosen else []
        pot = Potential(pot_path)
        candidates = []
        md_dir = os.path.join(self.iter_dir(k), "md")
        for task in self.cfg.tasks:
            if task.name not in md["tasks"]:   # a task added to the config after this iteration's MD
                continue
            flagged = set(md["tasks"][task.name]["flagged_steps"])
            if not flagged:
                continue
            structure = self._task_structure(task)
            for step, atoms, sigma in sigma_frames(os.path.join(md_dir, task.name + ".dump"), self.cfg.elements,
                                                   structure.pbc):
                if step in flagged:
                    candidates.append((task, step, with_vacuum_of(atoms, structure), sigma))
        if not candidates:
            self._write_json(path, [])
            return [], []
        X = np.array([frame_descriptor(pot, a, s, self.cfg.threshold) for _, _, a, s in candidates])
        # Configurations labelled earlier count as chosen: a candidate like one of them comes last.
        before = [frame_descriptor(pot, a, a.arrays["al_sigma"], self.cfg.threshold)
                  for a in self.labelled() if "al_sigma" in a.arrays]
        first = int(np.argmax([s.max() for _, _, _, s in candidates]))
        picks = farthest_point_sampling(X, n_pick, first=first, chosen_before=np.array(before) if before else None)
        chosen, frames = [], []
        for i in picks:
            task, step, atoms, sigma = candidates[i]
            al_id = "iter%03d-%s-step%d" % (k, task.name, step)
            atoms.info.update({"al_id": al_id, "al_iteration": k, "al_task": task.name, "al_step": step,
                               "al_sigma_max": float(sigma.max()), "config_type": task.config_type})
            atoms.arrays["al_sigma"] = sigma
            chosen.append({"id": al_id, "task": task.name, "step": step, "sigma_max_eV": float(sigma.max())})
            frames.append(atoms)
        write(xyz + ".tmp", frames, format="extxyz")
        os.replace(xyz + ".tmp", xyz)
        self._write_json(path, chosen)
        # Labelled as read back (extxyz keeps 8 decimals), so that a resumed run labels the same numbers.
        frames = read(xyz, index=":", format="extxyz")
        self.log("iteration %d: selected %d of %d flagged samples (farthest-point sampling): %s"
                 % (k, len(chosen), len(candidates), ", ".join(c["id"] for c in chosen)))
        return chosen, frames

    def label(self, k, frames):
        done = {a.info.get("al_id") for a in self.labelled()}

        def landed(atoms, labelled, seconds):
            self._append_labelled(labelled)
            self.log("iteration %d: labelled %s: E = %.6f eV, %d atoms, max |F| %.3f eV/A (%.1f s)"
                     % (k, atoms.info["al_id"], labelled.info["energy"], len(labelled),
                        np.abs(labelled.arrays["forces"]).max(), seconds))

        label_all(self.labeller, [a for a in frames if a.info["al_id"] not in done], self.cfg.label_parallel,
                  landed)

    # -- the loop ----------------------------------------------------------------------------
    def run(self):
        cfg = self.cfg
        self.log("soapgap learn: %s -> %s; labeller: %s%s; threshold %.1f meV, stop threshold %.1f meV, "
                 "%d per iteration, at most %d iterations and %d labels"
                 % (cfg.path, cfg.workdir, self.labeller.describe(),
                    " (%d at once)" % cfg.label_parallel if cfg.label_parallel > 1 else "",
                    1000 * cfg.threshold, 1000 * cfg.stop_threshold, cfg.per_iteration, cfg.max_iterations,
                    cfg.max_labels))
        k = 0
        status = None
        while True:
            pot_path = self.potential(k)
            heldout = self.evaluate_heldout(k, pot_path)
            md = self.run_tasks(k, pot_path)
            n_labels = len(self.labelled())
            row = {"iteration": k, "training_configurations": len(self.training_set(k)),
                   "labelled_by_loop": len([a for a in self.labelled() if int(a.info.get("al_iteration", 0)) < k]),
                   "heldout": heldout, "md": {key: md[key] for key in ("samples", "flagged", "flagged_fraction",
                                                                       "sigma_max_eV")},
                   "md_tasks": {name: {key: t[key] for key in ("samples", "flagged", "sigma_max_eV", "last_step",
                                                               "planned_steps")}
                                for name, t in md["tasks"].items()}}
            self.history = [h for h in self.history if h["iteration"] != k] + [row]
            write_report(cfg, self.history, self.labeller.describe())
            if md["flagged"] == 0:
                status = "converged: no sample above the threshold in iteration %d" % k
                break
            if k >= cfg.max_iterations:
                status = "stopped: max_iterations (%d) reached" % cfg.max_iterations
                break
            n_pick = min(cfg.per_iteration, cfg.max_labels - n_labels)
            if n_pick <= 0:
                status = "stopped: label budget (max_labels = %d) spent" % cfg.max_labels
                break
            _, frames = self.select(k, pot_path, md, n_pick)
            self.label(k, frames)
            k += 1
        self.log(status)
        self._write_json(os.path.join(cfg.workdir, "status.json"), {"status": status, "iterations": k})
        write_report(cfg, self.history, self.labeller.describe(), status)
        return status


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="soapgap learn",
        description="Active learning: MD with the predicted variance -> label the uncertain configurations -> "
                    "refit, until the predicted sigma stays below the threshold or the budget is spent. "
                    "Resumable: run the same command again to continue.")
    parser.add_argument("config", help="the TOML configuration (see docs/active-learning.md)")
    args = parser.parse_args(argv)
    try:
        cfg = read_config(args.config)
        learner = ActiveLearner(cfg)
        learner.run()
    except (ValueError, LammpsError, OSError) as e:
        print("soapgap learn: error: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("soapgap learn: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    return 0

