"""Labellers: the reference method that gives a configuration its energy, forces and virial.

Every labeller maps an ase.Atoms to a copy carrying the labels the way soapgap.fit and
`soapgap fit` read them: info["energy"] (eV), arrays["forces"] (eV/A), info["virial"] (3x3,
eV, = -stress * volume; periodic cells only).

    LammpsLabeller(lammps, pair_style="sw", pair_coeff="* * Si.sw Si", elements=["Si"])
        any LAMMPS pair style (an analytic potential: cheap, for tests and demos)
    AseLabeller(calculator)
        any ASE calculator, e.g. ase.calculators.espresso.Espresso (DFT)
    (kind = "python": a labeller object from your own code, see make_labeller)
    make_labeller(settings, base_dir, lammps) builds one from the [labeller] table of a
        soapgap learn configuration (see soapgap.learn).
    label_all(labeller, frames, parallel, landed) labels several, up to `parallel` at once
        when the labeller is thread_safe (each label in its own directory).
"""

import importlib
import importlib.util
import os
import shlex
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from .lammps_run import NKTV2P, boundary, lammps_cell, read_dump, thermo_rows, write_data

__all__ = ["Labeller", "LammpsLabeller", "AseLabeller", "make_labeller", "labelled_copy", "label_all"]


def labelled_copy(atoms, energy, forces, virial):
    """A copy of atoms (no calculator) with the labels stored in info/arrays."""
    out = atoms.copy()
    out.calc = None
    out.info["energy"] = float(energy)
    out.arrays["forces"] = np.asarray(forces, dtype=float).reshape(len(atoms), 3).copy()
    if virial is not None:
        out.info["virial"] = np.asarray(virial, dtype=float).reshape(3, 3).copy()
    else:
        out.info.pop("virial", None)
    for key in ("stress",):
        out.info.pop(key, None)
    return out


class Labeller:
    """Base class: label(atoms) returns a labelled copy (see the module docstring)."""

    name = "labeller"
    thread_safe = False   # True: label() may run in several threads at once ([labeller] parallel)

    def label(self, atoms):  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self):
        return self.name


class LammpsLabeller(Labeller):
    """Labels with a LAMMPS pair style (`run 0`): energy, forces and, for periodic cells, the
    virial from LAMMPS' pressure compute (W = P_virial V / nktv2p)."""

    name = "lammps"
    thread_safe = True    # every label runs in its own temporary directory

    def __init__(self, lammps, pair_style, pair_coeff, elements, workdir=None):
        self.lammps = lammps
        self.pair_style = pair_style
        self.pair_coeff = pair_coeff
        self.elements = list(elements)
        self.workdir = workdir

    def describe(self):
        return "LAMMPS pair_style %s / pair_coeff %s" % (self.pair_style, self.pair_coeff)

    def label(self, atoms):
        with tempfile.TemporaryDirectory(prefix="soapgap-label-", dir=self.workdir) as work:
            data = os.path.join(work, "config.data")
            write_data(data, atoms, self.elements)
            deck = (
                "units metal\natom_style atomic\natom_modify map array\n"
                "boundary %s\nread_data %s\n" % (boundary(atoms.pbc), data)
                + ("pair_style %s\npair_coeff %s\n" % (self.pair_style, self.pair_coeff))
                + "compute sg_p all pressure NULL virial\n"
                "thermo_style custom step pe c_sg_p[1] c_sg_p[2] c_sg_p[3] c_sg_p[4] c_sg_p[5] c_sg_p[6] vol\n"
                "thermo_modify format float %.17g norm no\n"
                "dump sg_f all custom 1 forces.dump id type x y z fx fy fz\n"
                "dump_modify sg_f sort id format float %.17g\n"
                "run 0\n"
            )
            _, text = self.lammps.run(deck, work, "label")
            rows = thermo_rows(text)
            if not rows:
                raise RuntimeError("LAMMPS labeller: no thermo output in %s" % os.path.join(work, "label.log"))
            row = rows[-1]
            (_, lmp_atoms, cols), = read_dump(os.path.join(work, "forces.dump"), self.elements, atoms.pbc,
                                              extra_columns=("fx", "fy", "fz"))
            forces_lmp = np.column_stack([cols["fx"], cols["fy"], cols["fz"]])
        # Back into the frame of atoms: LAMMPS' frame is a rotation of it (write_data keeps
        # fractional coordinates), R maps atoms' Cartesian vectors onto LAMMPS'.
        rotation = _rotation_to_lammps(atoms)
        forces = forces_lmp @ rotation
        virial = None
        if atoms.pbc.all():
            p = [row["c_sg_p[%d]" % k] for k in range(1, 7)]
            w = np.array([[p[0], p[3], p[4]], [p[3], p[1], p[5]], [p[4], p[5], p[2]]]) * row["Volume"] / NKTV2P
            virial = rotation.T @ w @ rotation
        return labelled_copy(atoms, row["PotEng"], forces, virial)


def label_all(labeller, frames, parallel, landed):
    """Labels `frames` with labeller.label, up to `parallel` at once (threads; for a labeller
    with thread_safe = True, e.g. one that runs a program such as pw.x in a directory of its
    own per configuration). landed(atoms, labelled, seconds) is called in the calling thread as
    each label lands, in the order they land. If a label fails, the ones already running still
    land and the ones not started are not started; then the first error is raised."""
    if parallel <= 1 or len(frames) <= 1:
        for atoms in frames:
            t = time.time()
            labelled = labeller.label(atoms)
            landed(atoms, labelled, time.time() - t)
        return

    def timed(atoms):
        t = time.time()
        return labeller.label(atoms), time.time() - t

    pool = ThreadPoolExecutor(max_workers=parallel)
    error, finished = None, False
    try:
        futures = {pool.submit(timed, atoms): atoms for atoms in frames}
        for future in as_completed(futures):
            if future.cancelled():
                continue
            try:
                labelled, seconds = future.result()
            except Exception as e:  # noqa: BLE001 - raised below, after the running labels land
                if error is None:
                    error = e
                    for f in futures:
                        f.cancel()
                continue
            landed(futures[future], labelled, seconds)
        finished = True
    finally:   # interrupted: do not wait for the labels still running
        pool.shutdown(wait=finished, cancel_futures=True)
    if error is not None:
        raise error


def _rotation_to_lammps(atoms):
    """The rotation R with r_lammps = R r (identity when not periodic in every direction)."""
    if not atoms.pbc.all():
        return np.eye(3)
    cell = np.asarray(atoms.cell[:], dtype=float)
    L = lammps_cell(cell)
    # L^T = R cell^T  ->  R = L^T cell^-T
    return L.T @ np.linalg.inv(cell.T)


class AseLabeller(Labeller):
    """Labels with an ASE calculator (energy, forces, and stress -> virial for periodic cells)."""

    name = "ase"

    def __init__(self, calculator, description=None):
        self.calculator = calculator
        self.description = description or type(calculator).__name__

    def describe(self):
        return "ASE calculator %s" % self.description

    def label(self, atoms):
        work = atoms.copy()
        work.calc = self.calculator
        energy = work.get_potential_energy()
        forces = work.get_forces()
        virial = None
        if work.pbc.all():
            try:
                from ase.stress import voigt_6_to_full_3x3_stress
            except ImportError:  # ASE without ase.stress (ASE 3.27+ has it only there)
                from ase.constraints import voigt_6_to_full_3x3_stress

            virial = -voigt_6_to_full_3x3_stress(work.get_stress()) * work.get_volume()
        return labelled_copy(atoms, energy, forces, virial)


def _resolve(path, base_dir):
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base_dir, path))


def _pw_command(command):
    """The pw.x command line without ASE < 3.23's input and output file arguments:
    "mpirun -np 2 pw.x -in PREFIX.pwi > PREFIX.pwo" -> "mpirun -np 2 pw.x" (ASE >= 3.23 adds
    "-in espresso.pwi" and sends the output to espresso.pwo itself)."""
    words = shlex.split(command)
    kept = []
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith((">", "<", "1>", "2>")):  # redirections end the command
            break
        if w in ("-in", "-inp", "-input", "-i") and i + 1 < len(words):
            i += 2
            continue
        kept.append(w)
        i += 1
    return " ".join(shlex.quote(w) for w in kept)


def _espresso_calculator(settings, command, directory):
    """ase.calculators.espresso.Espresso running `command` (None: ASE's own configuration).
    ASE < 3.23 takes the command (with PREFIX.pwi / PREFIX.pwo) from ASE_ESPRESSO_COMMAND;
    ASE >= 3.23 from a profile (EspressoProfile: the command without the file arguments, and
    pseudo_dir) or from the [espresso] section of its configuration file."""
    from ase.calculators import espresso

    if not hasattr(espresso, "EspressoProfile"):  # ASE < 3.23
        if command:
            if "PREFIX" not in command:
                command += " -in PREFIX.pwi > PREFIX.pwo"
            os.environ["ASE_ESPRESSO_COMMAND"] = command
        return espresso.Espresso(directory=directory, **settings)
    if not command:
        command = os.environ.get("ASE_ESPRESSO_COMMAND")
    if not command:
        try:
            from ase.calculators.calculator import BadConfiguration
        except ImportError:  # pragma: no cover (ASE versions without it)
            BadConfiguration = RuntimeError
        try:
            return espresso.Espresso(directory=directory, **settings)  # ASE's configuration file
        except BadConfiguration:
            command = "pw.x"
    settings = dict(settings)
    # pseudo_dir as pw.x finds it without one: $ESPRESSO_PSEUDO, else ~/espresso/pseudo
    pseudo_dir = settings.pop("pseudo_dir", None) or os.environ.get(
        "ESPRESSO_PSEUDO", os.path.join(os.path.expanduser("~"), "espresso", "pseudo"))
    profile = espresso.EspressoProfile(_pw_command(command), pseudo_dir)
    return espresso.Espresso(profile=profile, directory=directory, **settings)


def make_labeller(settings: dict, base_dir: str, lammps, elements: list, where: str = "[labeller]") -> Labeller:
    """A labeller from a configuration table:

      kind = "lammps": pair_style = "sw", pair_coeff = "* * Si.sw Si" (file names relative to the
          configuration file are made absolute).
      kind = "espresso": Quantum ESPRESSO through ase.calculators.espresso.Espresso; every other
          key is passed to it (pseudopotentials = {Si = "..."}, pseudo_dir, kpts or kspacing,
          input_data = {...}, command = "mpirun -np 2 pw.x -in PREFIX.pwi > PREFIX.pwo").
      kind = "ase": calculator = "module:factory" (a callable returning an ASE calculator),
          arguments = {...} passed to it.
      kind = "python": labeller = "module:factory" or "path/to/file.py:factory" (relative to the
          configuration file): a callable returning a labeller (an object with label(atoms) that
          returns a labelled copy, as Labeller), arguments = {...} passed to it. For labellers
          with their own conventions, e.g. a DFT database's settings, provenance and lock.
    """
    settings = dict(settings)
    kind = settings.pop("kind", "espresso")
    if kind == "lammps":
        if lammps is None:
            raise ValueError("%s kind = \"lammps\" needs the [lammps] table (binary)" % where)
        try:
            pair_style = settings.pop("pair_style")
            pair_coeff = settings.pop("pair_coeff")
        except KeyError as e:
            raise ValueError("%s kind = \"lammps\" needs %s" % (where, e.args[0])) from None
        if settings:
            raise ValueError("%s unknown key(s) for kind = \"lammps\": %s" % (where, ", ".join(sorted(settings))))
        words = []
        for w in str(pair_coeff).split():
            candidate = _resolve(w, base_dir)
            words.append(candidate if os.path.isfile(candidate) else w)
        return LammpsLabeller(lammps, str(pair_style), " ".join(words), elements)
    if kind == "espresso":
        command = settings.pop("command", None)
        if "pseudo_dir" in settings:
            settings["pseudo_dir"] = _resolve(settings["pseudo_dir"], base_dir)
        if "pseudopotentials" not in settings:
            raise ValueError("%s kind = \"espresso\" needs pseudopotentials = {Element = \"file.UPF\"}" % where)
        directory = settings.pop("directory", os.path.join(base_dir, "espresso-run"))
        calc = _espresso_calculator(settings, command, directory)
        return AseLabeller(calc, "Quantum ESPRESSO (pw.x) via ase.calculators.espresso")
    if kind == "ase":
        spec = settings.pop("calculator", None)
        if not spec or ":" not in spec:
            raise ValueError("%s kind = \"ase\" needs calculator = \"module:factory\"" % where)
        arguments = settings.pop("arguments", {})
        if settings:
            raise ValueError("%s unknown key(s) for kind = \"ase\": %s" % (where, ", ".join(sorted(settings))))
        module, func = spec.split(":", 1)
        try:
            factory = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError) as e:
            raise ValueError("%s calculator = %r: %s" % (where, spec, e)) from None
        return AseLabeller(factory(**arguments), spec)
    if kind == "python":
        spec = settings.pop("labeller", None)
        arguments = settings.pop("arguments", {})
        if settings:
            raise ValueError("%s unknown key(s) for kind = \"python\": %s" % (where, ", ".join(sorted(settings))))
        if not spec or ":" not in spec:
            raise ValueError("%s kind = \"python\" needs labeller = \"module:factory\" or \"file.py:factory\"" % where)
        factory = _load_callable(spec, base_dir, where)
        labeller = factory(**arguments)
        if not callable(getattr(labeller, "label", None)):
            raise ValueError("%s labeller = %r returned %r, which has no label(atoms) method"
                             % (where, spec, type(labeller).__name__))
        return labeller
    raise ValueError("%s kind = %r: expected \"lammps\", \"espresso\", \"ase\" or \"python\"" % (where, kind))


def _load_callable(spec, base_dir, where):
    """The callable named by "module:name" or "path/file.py:name" (path relative to base_dir)."""
    source, name = spec.rsplit(":", 1)
    try:
        if source.endswith(".py"):
            path = _resolve(source, base_dir)
            if not os.path.isfile(path):
                raise ValueError("%s: %s does not exist" % (where, path))
            mod_name = "soapgap_labeller_" + os.path.splitext(os.path.basename(path))[0]
            module_spec = importlib.util.spec_from_file_location(mod_name, path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(source)
        factory = getattr(module, name)
    except (ImportError, AttributeError) as e:
        raise ValueError("%s %r: %s" % (where, spec, e)) from None
    if not callable(factory):
        raise ValueError("%s %r is not callable" % (where, spec))
    return factory
