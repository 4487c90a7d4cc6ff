"""Running LAMMPS from Python as a subprocess: data files, decks, dumps and thermo output.

Used by the active-learning loop (soapgap.learn) for MD with the predicted variance and by the
LAMMPS labeller (soapgap.learn.labellers). Units: LAMMPS metal (eV, Angstrom, ps, bar, K).

    lmp = Lammps("/path/to/lmp", plugin="/path/to/soapgapplugin.so")
    write_data("in.data", atoms, ["Si"])
    rc, text = lmp.run(deck_text, workdir, "name")
    frames = read_dump("traj.dump", ["Si"], extra_columns=["c_sg_var"])
    with_vacuum_of(frame, structure)   # a shrink-wrapped dump frame with its slab's vacuum back
"""

import os
import shlex
import subprocess

import numpy as np
from ase import Atoms
from ase.data import atomic_masses, atomic_numbers

NKTV2P = 1.6021765e6  # LAMMPS metal units: bar per eV/Angstrom^3 (LAMMPS' own constant)

__all__ = ["Lammps", "LammpsError", "write_data", "read_dump", "thermo_rows", "lammps_cell", "boundary", "with_vacuum_of"]


class LammpsError(RuntimeError):
    """LAMMPS exited with an error; the message quotes its ERROR line and names the log file."""


def lammps_cell(cell):
    """LAMMPS' restricted triclinic form of a cell (rows a, b, c): lower-triangular rows with the
    same lengths and angles. Raises ValueError for a left-handed or degenerate cell."""
    a, b, c = (np.asarray(v, dtype=float) for v in np.asarray(cell, dtype=float))
    if np.linalg.det(np.array([a, b, c])) <= 0:
        raise ValueError("the cell is left-handed or degenerate (det <= 0); LAMMPS needs a right-handed cell")
    ax = np.linalg.norm(a)
    ahat = a / ax
    bx = b @ ahat
    by = np.linalg.norm(np.cross(ahat, b))
    cx = c @ ahat
    cy = (b @ c - bx * cx) / by
    cz = np.sqrt(max(c @ c - cx * cx - cy * cy, 0.0))
    return np.array([[ax, 0, 0], [bx, by, 0], [cx, cy, cz]])


def boundary(pbc):
    """The LAMMPS boundary keywords of an ASE pbc triple (non-periodic: shrink-wrapped 's')."""
    return " ".join("p" if p else "s" for p in pbc)


def write_data(path, atoms, elements):
    """Writes a LAMMPS data file (atom_style atomic) of atoms, element i of `elements` as type i+1.

    Periodic cells may be triclinic (rotated into LAMMPS' lower-triangular form, fractional
    coordinates kept). With directions without periodicity the box encloses the atoms with 10 A
    of margin along them, and the cell must be orthorhombic, or triclinic with tilt factors that
    LAMMPS allows there: xy only with y periodic, xz and yz only with z periodic (a slab with a
    hexagonal in-plane cell and vacuum along z). Returns the positions as LAMMPS sees them.
    """
    symbols = atoms.get_chemical_symbols()
    unknown = sorted(set(symbols) - set(elements))
    if unknown:
        raise ValueError("elements %s of the structure are not among the types %s" % (unknown, list(elements)))
    pbc = np.asarray(atoms.pbc, dtype=bool)
    cell = np.asarray(atoms.cell[:], dtype=float)
    if pbc.all():
        L = lammps_cell(cell)
        frac = np.linalg.solve(cell.T, atoms.positions.T).T
        pos = frac @ L
        lo = np.zeros(3)
        hi = np.diag(L).copy()
        tilt = (L[1, 0], L[2, 0], L[2, 1])
    else:
        tilt = None
        pos = atoms.positions.copy()
        lo, hi = np.zeros(3), np.diag(cell).copy()
        if np.abs(cell - np.diag(np.diag(cell))).max() > 1e-12:
            L = lammps_cell(cell)
            tilt = (L[1, 0], L[2, 0], L[2, 1])
            if (abs(tilt[0]) > 1e-12 and not pbc[1]) or (max(abs(tilt[1]), abs(tilt[2])) > 1e-12 and not pbc[2]):
                raise ValueError("a structure that is not periodic in every direction needs an orthorhombic cell, "
                                 "or a triclinic one whose tilt involves periodic directions only (xy: y periodic; "
                                 "xz, yz: z periodic)")
            pos = np.linalg.solve(cell.T, atoms.positions.T).T @ L
            hi = np.diag(L).copy()
        for d in range(3):
            if not pbc[d]:
                lo[d] = min(pos[:, d].min(), 0.0) - 10.0
                hi[d] = max(pos[:, d].max(), hi[d]) + 10.0
    lines = ["soapgap: LAMMPS data file (atom_style atomic, units metal)", "",
             "%d atoms" % len(atoms), "%d atom types" % len(elements), ""]
    for d, name in enumerate("xyz"):
        lines.append("%.17g %.17g %slo %shi" % (lo[d], hi[d], name, name))
    if tilt is not None:
        lines.append("%.17g %.17g %.17g xy xz yz" % tilt)
    lines += ["", "Masses", ""]
    for t, el in enumerate(elements):
        lines.append("%d %.10g  # %s" % (t + 1, atomic_masses[atomic_numbers[el]], el))
    lines += ["", "Atoms # atomic", ""]
    type_of = {el: t + 1 for t, el in enumerate(elements)}
    for i, (s, p) in enumerate(zip(symbols, pos)):
        lines.append("%d %d %.17g %.17g %.17g" % (i + 1, type_of[s], p[0], p[1], p[2]))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return pos


def read_dump(path, elements, pbc=(True, True, True), extra_columns=()):
    """Frames of a LAMMPS text dump written with `dump ... custom N file id type x y z [extra...]`
    (dump_modify sort id). Returns a list of (timestep, ase.Atoms, {column: array}).
    A frame cut off at the end of the file (a run that died while writing) is dropped."""
    frames = []
    with open(path) as f:
        lines = f.read().splitlines()
    i, n_lines = 0, len(lines)
    while i < n_lines:
        if not lines[i].startswith("ITEM: TIMESTEP"):
            raise ValueError("%s:%d: expected 'ITEM: TIMESTEP', found %r" % (path, i + 1, lines[i][:60]))
        try:
            step = int(lines[i + 1])
            n = int(lines[i + 3])
            header = lines[i + 4]
            bounds = [[float(w) for w in lines[i + 5 + d].split()] for d in range(3)]
            columns = lines[i + 8].split()[2:]
            rows = lines[i + 9: i + 9 + n]
        except (IndexError, ValueError):
            break  # truncated frame at the end
        if len(rows) < n:
            break
        try:
            data = np.array([[float(w) for w in r.split()] for r in rows])
        except ValueError:
            break
        if data.shape != (n, len(columns)):
            break
        col = {c: k for k, c in enumerate(columns)}
        for need in ("id", "type", "x", "y", "z") + tuple(extra_columns):
            if need not in col:
                raise ValueError("%s:%d: dump has no column %r (columns: %s)" % (path, i + 9, need, " ".join(columns)))
        if "xy" in header:
            (xlb, xhb, xy), (ylb, yhb, xz), (zlo, zhi, yz) = bounds
            xlo = xlb - min(0.0, xy, xz, xy + xz)
            xhi = xhb - max(0.0, xy, xz, xy + xz)
            ylo = ylb - min(0.0, yz)
            yhi = yhb - max(0.0, yz)
            cell = np.array([[xhi - xlo, 0, 0], [xy, yhi - ylo, 0], [xz, yz, zhi - zlo]])
            origin = np.array([xlo, ylo, zlo])
        else:
            (xlo, xhi), (ylo, yhi), (zlo, zhi) = (b[:2] for b in bounds)
            cell = np.diag([xhi - xlo, yhi - ylo, zhi - zlo])
            origin = np.array([xlo, ylo, zlo])
        order = np.argsort(data[:, col["id"]])
        data = data[order]
        types = data[:, col["type"]].astype(int)
        if types.min() < 1 or types.max() > len(elements):
            raise ValueError("%s:%d: atom type outside 1..%d" % (path, i + 9, len(elements)))
        pos = data[:, [col["x"], col["y"], col["z"]]] - origin
        atoms = Atoms([elements[t - 1] for t in types], positions=pos, cell=cell, pbc=pbc)
        extra = {c: data[:, col[c]].copy() for c in extra_columns}
        frames.append((step, atoms, extra))
        i += 9 + n
    return frames


def thermo_rows(text):
    """Every thermo row of a LAMMPS log as a {column: value} dict."""
    rows, header = [], None
    for line in text.splitlines():
        words = line.split()
        if words and words[0] == "Step":
            header = words
            continue
        if header is not None:
            try:
                values = [float(w) for w in words]
            except ValueError:
                header = None
                continue
            if len(values) == len(header):
                rows.append(dict(zip(header, values)))
            else:
                header = None
    return rows


class Lammps:
    """A LAMMPS executable (with the soapgap plugin for pair_style soapgap).

    binary: the lmp executable (a command line is allowed, e.g. "mpirun -np 2 lmp").
    plugin: soapgapplugin.so, loaded with `plugin load` where a deck asks for it.
    threads: OMP_NUM_THREADS for the run.
    """

    def __init__(self, binary, plugin=None, threads=1):
        self.command = shlex.split(binary) if isinstance(binary, str) else list(binary)
        if not self.command:
            raise ValueError("lammps: empty command")
        exe = self.command[-1] if os.path.basename(self.command[0]) in ("mpirun", "mpiexec") else self.command[0]
        if os.sep in exe and not os.access(exe, os.X_OK):
            raise ValueError("lammps: %s is not an executable file" % exe)
        if plugin is not None and not os.path.isfile(plugin):
            raise ValueError("lammps: plugin %s does not exist (build soapgap with LAMMPS: scripts/build.sh)" % plugin)
        self.plugin = os.path.abspath(plugin) if plugin else None
        self.threads = int(threads)

    def plugin_line(self):
        if not self.plugin:
            raise ValueError("lammps: this deck needs pair_style soapgap but no plugin was given")
        return "plugin load %s\n" % self.plugin

    def run(self, deck, workdir, name, timeout=None, check=True):
        """Runs deck (text) in workdir as name.in, logging to name.log; returns (exit code, log text).
        With check, a failure raises LammpsError quoting LAMMPS' ERROR line."""
        infile = os.path.join(workdir, name + ".in")
        log = os.path.join(workdir, name + ".log")
        with open(infile, "w") as f:
            f.write(deck)
        env = dict(os.environ, OMP_NUM_THREADS=str(self.threads), OPENBLAS_NUM_THREADS=str(self.threads))
        try:
            r = subprocess.run(self.command + ["-in", infile, "-log", log, "-screen", "none", "-nocite"],
                               cwd=workdir, capture_output=True, text=True, env=env, timeout=timeout)
            rc, out = r.returncode, r.stdout + r.stderr
        except subprocess.TimeoutExpired:
            rc, out = -1, "timed out after %s s" % timeout
        text = open(log).read() if os.path.exists(log) else ""
        if check and rc != 0:
            errors = [l for l in (out + "\n" + text).splitlines() if "ERROR" in l]
            raise LammpsError("LAMMPS failed on %s (exit %s): %s (log: %s)"
                              % (infile, rc, errors[0].strip() if errors else out.strip()[-300:], log))
        return rc, text + ("\n" + out if rc != 0 else "")


def with_vacuum_of(frame, structure):
    """A dumped frame with the task structure's cell along its non-periodic directions.

    LAMMPS shrink-wraps those directions, so the dump's box ends at the outermost atoms; a
    labeller that is periodic everywhere (plane-wave DFT) needs the vacuum back. Each such
    direction gets the atoms' extent plus the structure's vacuum (its cell length minus its
    atoms' extent), with the atoms centred in it. The cell must be orthorhombic
    there, as write_data requires."""
    out = frame.copy()
    cell = np.array(out.cell[:], dtype=float)
    pos = out.positions
    ref_pos = structure.positions
    for d in range(3):
        if structure.pbc[d]:
            continue
        vacuum = float(np.linalg.norm(structure.cell[d])) - (float(np.ptp(ref_pos[:, d])) if len(ref_pos) else 0.0)
        extent = float(np.ptp(pos[:, d])) if len(pos) else 0.0
        length = extent + vacuum
        cell[d] = 0.0
        cell[d, d] = length
        pos[:, d] += 0.5 * (length - extent) - pos[:, d].min()
    out.cell = cell
    out.positions = pos
    return out
