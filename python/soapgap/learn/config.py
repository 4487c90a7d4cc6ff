"""The configuration of `soapgap learn` (a TOML file), read and checked in one place.

Every path is relative to the configuration file. Units: eV, Angstrom, K, ps. Unknown keys,
missing required keys and values of the wrong type are errors naming the file, the table and
the key. The full list of keys with their defaults is in docs/active-learning.md.
"""

import os
from dataclasses import dataclass, field

from ..config_file import Table as _Table
from ..config_file import read_toml

__all__ = ["LearnConfig", "TaskConfig", "read_config"]


@dataclass
class TaskConfig:
    name: str
    structure: str          # path of a structure file (first frame; any format ASE reads)
    kind: str = "md"        # "md" (NVT, Nose-Hoover) or "minimize" (conjugate gradients)
    temperature: float = 300.0  # K (md)
    temperature_end: float = None  # K (md): thermostat target ramps linearly to it (melt-quench)
    pressure: float = None      # bar (md): isotropic NPT (Nose-Hoover) instead of NVT; fully periodic cells
    steps: int = 1000
    timestep: float = 0.001     # ps (md)
    sample_every: int = 10      # steps between samples (dump + predicted sigma)
    equilibration_steps: int = 0  # samples before this step are dumped but never flagged (md start-up)
    seed: int = 1               # velocity seed (md); iteration k uses seed + k
    config_type: str = ""       # config_type of its labelled configurations (default: the name)


@dataclass
class LearnConfig:
    path: str
    workdir: str
    elements: list
    start_potential: str = None
    training: str = None
    seed_configurations: str = None
    fit: dict = field(default_factory=dict)
    max_force: float = None      # eV/A: configurations with a larger force component are not fitted
    threshold: float = 0.02      # eV: predicted sigma of an atom's local energy that flags a sample
    variance_terms: list = field(default_factory=list)  # terms (from 1) whose sigma flags; [] = all
    stop_threshold: float = None  # eV: the MD halts above it (default 10 x threshold)
    per_iteration: int = 4
    max_iterations: int = 5
    max_labels: int = 40
    heldout: str = None
    heldout_group_key: str = "config_type"
    lammps_binary: str = None
    lammps_plugin: str = None
    lammps_threads: int = 1
    labeller: dict = field(default_factory=dict)
    label_parallel: int = 1      # configurations labelled at once ([labeller] parallel)
    tasks: list = field(default_factory=list)

    @property
    def base_dir(self):
        return os.path.dirname(os.path.abspath(self.path))


def read_config(path: str) -> LearnConfig:
    """Reads and checks a soapgap learn configuration; returns a LearnConfig with absolute paths."""
    raw = read_toml(path)
    base = os.path.dirname(os.path.abspath(path))

    def resolve(p):
        return None if p is None else (p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p)))

    def existing(p, where):
        p = resolve(p)
        if p is not None and not os.path.exists(p):
            raise ValueError("%s: %s: %s does not exist" % (path, where, p))
        return p

    top = _Table(raw, path)
    cfg = LearnConfig(path=os.path.abspath(path), workdir=resolve(top.get("workdir", str, required=True)),
                      elements=top.get("elements", list, required=True))
    if not cfg.elements or not all(isinstance(e, str) for e in cfg.elements):
        raise ValueError("%s: elements: expected a list of element symbols" % path)
    from ase.data import atomic_numbers

    for e in cfg.elements:
        if e not in atomic_numbers:
            raise ValueError("%s: elements: %r is not an element symbol" % (path, e))

    start = _Table(top.get("start", dict, {}), path + ": [start]")
    cfg.start_potential = existing(start.get("potential", str), "[start] potential")
    cfg.training = existing(start.get("training", str), "[start] training")
    cfg.seed_configurations = existing(start.get("seed_configurations", str), "[start] seed_configurations")
    start.finish()
    if cfg.start_potential is None and cfg.training is None and cfg.seed_configurations is None:
        raise ValueError("%s: [start] needs potential (with its training set), training or seed_configurations" % path)
    if cfg.start_potential is not None and cfg.training is None:
        raise ValueError("%s: [start] potential needs training = the labelled configurations it was fitted on "
                         "(the loop refits on them plus the new labels)" % path)

    fit = _Table(top.get("fit", dict, required=True), path + ": [fit]")
    descriptors = fit.get("descriptors", list, required=True)
    if not descriptors or not all(isinstance(d, str) for d in descriptors):
        raise ValueError("%s: [fit] descriptors: expected a list of descriptor specifications" % path)
    cfg.fit = {"descriptors": descriptors}
    for key in ("sigma_energy", "sigma_force", "sigma_virial"):
        v = fit.positive(key, float)
        if v is not None:
            cfg.fit[key] = v
    seed = fit.positive("seed", int, allow_zero=True)
    if seed is not None:
        cfg.fit["seed"] = seed
    jitter = fit.positive("jitter", float, allow_zero=True)
    if jitter is not None:
        cfg.fit["jitter"] = jitter
    cfg.max_force = fit.positive("max_force", float)
    for key in ("e0", "config_type_sigma"):
        v = fit.get(key, dict)
        if v is not None:
            cfg.fit[key] = v
    fit.finish()

    sel = _Table(top.get("select", dict, {}), path + ": [select]")
    cfg.threshold = sel.positive("threshold", float, cfg.threshold)
    cfg.stop_threshold = sel.positive("stop_threshold", float, 10 * cfg.threshold)
    if cfg.stop_threshold < cfg.threshold:
        raise ValueError("%s: [select] stop_threshold (%g) is below threshold (%g)" % (path, cfg.stop_threshold,
                                                                                      cfg.threshold))
    cfg.variance_terms = sel.get("variance_terms", list, [])
    if not all(isinstance(t, int) and not isinstance(t, bool) and t >= 1 for t in cfg.variance_terms):
        raise ValueError("%s: [select] variance_terms = %r: expected term numbers 1, 2, ... (as `soapgap info` "
                         "lists the terms)" % (path, cfg.variance_terms))
    cfg.per_iteration = sel.positive("per_iteration", int, cfg.per_iteration)
    cfg.max_iterations = sel.positive("max_iterations", int, cfg.max_iterations, allow_zero=True)
    cfg.max_labels = sel.positive("max_labels", int, cfg.max_labels, allow_zero=True)
    sel.finish()

    held = _Table(top.get("heldout", dict, {}), path + ": [heldout]")
    cfg.heldout = existing(held.get("file", str), "[heldout] file")
    cfg.heldout_group_key = held.get("group_key", str, cfg.heldout_group_key)
    held.finish()

    lmp = _Table(top.get("lammps", dict, required=True), path + ": [lammps]")
    binary = lmp.get("binary", str, required=True)
    cfg.lammps_binary = resolve(binary) if os.sep in binary else binary
    cfg.lammps_plugin = existing(lmp.get("plugin", str, required=True), "[lammps] plugin")
    cfg.lammps_threads = lmp.positive("threads", int, 1)
    lmp.finish()

    cfg.labeller = dict(top.get("labeller", dict, required=True))
    parallel = cfg.labeller.pop("parallel", 1)
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        raise ValueError("%s: [labeller]: parallel = %r: expected a positive integer (configurations labelled "
                         "at once)" % (path, parallel))
    cfg.label_parallel = parallel

    tasks = top.get("task", list, required=True)
    if not tasks:
        raise ValueError("%s: at least one [[task]] is needed" % path)
    names = set()
    for k, t in enumerate(tasks):
        where = "%s: [[task]] #%d" % (path, k + 1)
        tt = _Table(t, where)
        task = TaskConfig(name=tt.get("name", str, required=True),
                          structure=existing(tt.get("structure", str, required=True), "[[task]] structure"))
        if not task.name.replace("_", "").replace("-", "").isalnum():
            raise ValueError("%s: name = %r: use letters, digits, '_' and '-'" % (where, task.name))
        if task.name in names:
            raise ValueError("%s: name = %r is used twice" % (where, task.name))
        names.add(task.name)
        task.kind = tt.get("kind", str, "md")
        if task.kind not in ("md", "minimize"):
            raise ValueError("%s: kind = %r: expected \"md\" or \"minimize\"" % (where, task.kind))
        task.temperature = tt.positive("temperature", float, task.temperature)
        task.temperature_end = tt.positive("temperature_end", float)
        task.pressure = tt.get("pressure", float)
        if task.kind != "md" and (task.temperature_end is not None or task.pressure is not None):
            raise ValueError("%s: temperature_end and pressure apply to kind = \"md\" only" % where)
        task.steps = tt.positive("steps", int, task.steps)
        task.timestep = tt.positive("timestep", float, task.timestep)
        task.sample_every = tt.positive("sample_every", int, task.sample_every)
        task.equilibration_steps = tt.positive("equilibration_steps", int, 0, allow_zero=True)
        if task.equilibration_steps >= task.steps:
            raise ValueError("%s: equilibration_steps = %d: must be below steps = %d"
                             % (where, task.equilibration_steps, task.steps))
        task.seed = tt.positive("seed", int, task.seed)
        task.config_type = tt.get("config_type", str, task.name)
        tt.finish()
        cfg.tasks.append(task)
    top.finish()
    return cfg
