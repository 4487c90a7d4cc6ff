"""Helpers shared by the LAMMPS integration tests: structures, running LAMMPS decks (serial or
under mpirun), reading thermo output, and fitting small test potentials with `soapgap fit`."""
import argparse
import os
import shutil
import subprocess

import numpy as np
from ase import Atoms

NKTV2P = 1.6021765e6  # LAMMPS metal units: bar per eV/Angstrom^3

# A small SOAP-GAP model: quick to fit and to evaluate, smooth enough for MD.
SMALL_MODEL = [
    "--descriptor", "distance_2b cutoff=4.5 cutoff_transition_width=1 theta=0.4 delta=1 n_sparse=10",
    "--descriptor", "soap n_max=5 l_max=4 cutoff=4.5 cutoff_transition_width=1 atom_sigma=0.5 "
                    "zeta=4 delta=0.5 n_sparse=60",
    "--sigma-force", "0.02", "--sigma-energy", "0.001",
]


def diamond(a=5.431, n=1, symbol="Si"):
    basis = np.array([[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0],
                      [.25, .25, .25], [.25, .75, .75], [.75, .25, .75], [.75, .75, .25]])
    pos = [(np.array([i, j, k]) + b) * a for i in range(n) for j in range(n) for k in range(n) for b in basis]
    return Atoms(symbol + str(len(pos)), positions=pos, cell=np.eye(3) * a * n, pbc=True)


def round_atoms(atoms):
    """ASE writes extxyz positions with 8 decimals (and LAMMPS data files in full precision):
    rounding cell and positions makes LAMMPS and `soapgap eval` see identical atoms."""
    atoms.set_cell(np.round(atoms.cell[:], 8), scale_atoms=False)
    atoms.positions = np.round(atoms.positions, 8)
    return atoms


_OPEN_MPI = {}


def mpirun_prefix(mpirun, nprocs):
    """[mpirun, -np, N, ...]: Open MPI's mpirun also gets --oversubscribe --allow-run-as-root
    (2-core machines, root in containers); MPICH's (the PyPI wheel's) takes no such flags."""
    if mpirun not in _OPEN_MPI:
        import subprocess
        r = subprocess.run([mpirun, "--version"], capture_output=True, text=True)
        _OPEN_MPI[mpirun] = "Open MPI" in r.stdout + r.stderr or "OpenRTE" in r.stdout + r.stderr
    flags = ["--oversubscribe", "--allow-run-as-root"] if _OPEN_MPI[mpirun] else []
    return [mpirun, "-np", str(nprocs)] + flags


def lammps_command(args, infile, log, nprocs=1, screen=True):
    cmd = [args.lmp, "-in", infile, "-log", log]
    if not screen:
        cmd += ["-screen", "none"]
    if nprocs > 1:
        cmd = mpirun_prefix(args.mpirun, nprocs) + cmd
    return cmd


def run_deck(args, workdir, name, deck, nprocs=1):
    """Runs a LAMMPS deck; returns (exit code, stdout + stderr + log text): everything LAMMPS
    said, for error messages (the log repeats the screen output)."""
    infile = os.path.join(workdir, name + ".in")
    with open(infile, "w") as f:
        f.write(deck)
    log = os.path.join(workdir, name + ".log")
    r = subprocess.run(lammps_command(args, infile, log, nprocs), cwd=workdir, capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    text = r.stdout + r.stderr + (open(log).read() if os.path.exists(log) else "")
    return r.returncode, text


def run_deck_ok(args, workdir, name, deck, nprocs=1):
    """Runs a deck that must succeed; returns its log file's text."""
    rc, text = run_deck(args, workdir, name, deck, nprocs)
    if rc != 0:
        raise RuntimeError(f"LAMMPS deck {name} (np={nprocs}) failed with exit {rc}:\n{text[-4000:]}")
    return open(os.path.join(workdir, name + ".log")).read()


def _product_module(name):
    """A pure-Python module of the soapgap package (python/soapgap/NAME.py, e.g. NAME = learn/lammps_run)
    loaded from the source tree by path: these tests run without the compiled bindings on the Python path."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "python", "soapgap", name + ".py")
    spec = importlib.util.spec_from_file_location("soapgap_" + name.replace("/", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Every thermo block of a LAMMPS log as a list of {column: value} rows (the parser soapgap learn uses).
thermo_rows = _product_module("learn/lammps_run").thermo_rows


def read_dump(path):
    """Frames of a `dump custom` file: list of (timestep, {column: array}) sorted as written."""
    frames = []
    lines = open(path).read().splitlines()
    k = 0
    while k < len(lines):
        if lines[k].startswith("ITEM: TIMESTEP"):
            step = int(lines[k + 1])
            n = int(lines[k + 3])
            while not lines[k].startswith("ITEM: ATOMS"):
                k += 1
            cols = lines[k].split()[2:]
            data = np.array([[float(w) for w in l.split()] for l in lines[k + 1:k + 1 + n]])
            frames.append((step, {c: data[:, i] for i, c in enumerate(cols)}))
            k += 1 + n
        else:
            k += 1
    return frames


def plugin_header(args, data, masses):
    """Deck lines: metal units, the data file, masses, the plugin."""
    lines = ["units metal", "atom_style atomic", "boundary p p p", "box tilt large", f"read_data {data}"]
    lines += [f"mass {t} {m}" for t, m in enumerate(masses, start=1)]
    lines.append(f"plugin load {args.plugin}")
    return "\n".join(lines) + "\n"


def fit_potential(args, train, output, extra=()):
    subprocess.run([args.soapgap, "fit", "--train", train, "--output", output, "--quiet", "--seed", "1"]
                   + SMALL_MODEL + list(extra), check=True, capture_output=True)
    return output


def parse_args(description, extra=None):
    """The arguments every LAMMPS test script takes (passed by tests/CMakeLists.txt); extra(parser),
    if given, adds a script's own arguments."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lmp", required=True, help="LAMMPS binary")
    ap.add_argument("--plugin", required=True, help="soapgapplugin.so")
    ap.add_argument("--soapgap", required=True, help="the soapgap CLI")
    ap.add_argument("--dataset-tool", required=True, help="soapgap_example_sw_dataset")
    ap.add_argument("--mpirun", default=shutil.which("mpirun") or "mpirun")
    if extra is not None:
        extra(ap)
    return ap.parse_args()


class Checks:
    """Counts checks, prints each with ok/FAILED, and keeps the failures."""

    def __init__(self):
        self.n = 0
        self.failures = []

    def check(self, ok, what):
        self.n += 1
        print(f"{what} {'ok' if ok else 'FAILED'}")
        if not ok:
            self.failures.append(what)

    def clean_up(self, work):
        """Removes the work directory, or keeps it (and says where) when a check failed."""
        if not self.failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept:", work)

    def summary(self):
        """Prints the count line; returns the exit status."""
        print(f"{self.n - len(self.failures)} passed, {len(self.failures)} failed")
        return 1 if self.failures else 0
