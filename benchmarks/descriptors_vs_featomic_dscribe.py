#!/usr/bin/python3
"""SOAP descriptors and their gradients: soapgap.descriptors against featomic and DScribe, one core.

    bash scripts/install-descriptor-references.sh     # once: featomic + dscribe from PyPI
    SOAPGAP_BUILD_DIR=build /usr/bin/python3 benchmarks/descriptors_vs_featomic_dscribe.py [--repeats 5] [--quick]

Runs all three codes in one process (the venv of scripts/install-descriptor-references.sh,
~/.cache/soapgap/descriptors-venv, made from Debian's python3 with --system-site-packages, so the
soapgap module of <build>/python imports in it; the script re-executes itself there), on one
thread each: OMP_NUM_THREADS=RAYON_NUM_THREADS=OPENBLAS_NUM_THREADS=1 before any import,
soapgap.descriptors.set_num_threads(1), DScribe n_jobs=1. Each repeat runs every code once on
the same Atoms (interleaved, so that load on the shared machine hits all of them); the table gives
the median of the repeats and the ratios featomic / soapgap and DScribe / soapgap (> 1: soapgap
faster). Writes results.json and report.md (default: <build>/benchmarks/descriptors/).

Settings (as close as the codes allow):
  n_max = 8 radial functions: soapgap's default radial basis (radial_basis=quip: Gaussians at
          equispaced centres, orthonormalised, exact per-neighbour evaluation; docs/radial-basis.md);
          featomic's Gto basis with max_radial = 7 (n = 0..7; radial integrals splined);
          DScribe's rbf="gto" with n_max = 8 (GTOs of its own scaling, orthonormalised).
  l_max = 6 in all three.
  cutoff  5 Angstrom; soapgap and featomic taper the density with the same shifted cosine over the
          last 0.5 Angstrom (soapgap cutoff_transition_width=0.5, featomic ShiftedCosine width=0.5);
          DScribe has no taper (its GTO basis decays by the cutoff; it pads the neighbour search).
  Gaussian width 0.5 Angstrom (soapgap atom_sigma, featomic Gaussian density width, DScribe sigma),
          the centre's own density included with weight 1 in all three.
  Features: soapgap and DScribe store the n <= n' half for same-species pairs (252 for one species,
          952 for two); featomic stores every (n, n') pair (448 for one species and per pair of
          neighbour species), and its output is a metatensor TensorMap (one block per centre and
          neighbour species), not one dense matrix. Values therefore differ between codes (other
          radial bases and layouts); the timings compare the same amount of physics.
  Gradients: soapgap always returns position and strain gradients (sparse: per row, the atoms in
          its cutoff); featomic with gradients=["positions", "strain"] (periodic cells) or
          ["positions"] (clusters), the same sparse content; DScribe derivatives() is analytical
          only without periodicity (clusters; dense (rows, atoms, 3, features) output, here with
          sparse=True) and numerical finite differences for periodic cells (done for the smallest
          cell only, marked "numerical"). Strain gradients: soapgap and featomic only.
Systems: diamond Si (a = 5.43 Angstrom, rattled 0.05 Angstrom) of 64, 216, 512 and 1000 atoms,
zincblende SiC (a = 4.36) of 512 atoms, and non-periodic Si and SiC clusters (spheres of radius
9 Angstrom cut from the crystals).
"""

import os

for _v in ("OMP_NUM_THREADS", "RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.environ.get("SOAPGAP_DESCRIPTOR_VENV", os.path.expanduser("~/.cache/soapgap/descriptors-venv"))
BUILD = os.environ.get("SOAPGAP_BUILD_DIR", os.path.join(ROOT, "build"))


def into_venv():
    """Re-executes this script with the venv's interpreter (installing it first if needed)."""
    try:
        import featomic  # noqa: F401
        import dscribe  # noqa: F401

        return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV) or os.environ.get("_SOAPGAP_IN_VENV"):
        sys.exit("featomic or dscribe does not import in %s: run scripts/install-descriptor-references.sh" % VENV)
    subprocess.run(["bash", os.path.join(ROOT, "scripts/install-descriptor-references.sh")], check=True)
    env = dict(os.environ, _SOAPGAP_IN_VENV="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (os.path.join(BUILD, "python"), env.get("PYTHONPATH")) if p)
    os.execve(python, [python] + sys.argv, env)


into_venv()
sys.path.insert(0, os.path.join(BUILD, "python"))

import numpy as np  # noqa: E402
from ase.build import bulk  # noqa: E402

import featomic  # noqa: E402
from dscribe.descriptors import SOAP as DScribeSOAP  # noqa: E402
import soapgap  # noqa: E402
from soapgap.descriptors import SOAP, set_num_threads  # noqa: E402

N_MAX, L_MAX, CUTOFF, SIGMA, TAPER = 8, 6, 5.0, 0.5, 0.5


def log(msg):
    print("[descriptors_vs_featomic_dscribe %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def crystal(kind, reps):
    if kind == "Si":
        atoms = bulk("Si", "diamond", a=5.43, cubic=True)
    else:
        atoms = bulk("SiC", "zincblende", a=4.36, cubic=True)
    atoms = atoms * (reps, reps, reps)
    atoms.rattle(0.05, seed=1)
    return atoms


def cluster(kind, radius=9.0):
    atoms = crystal(kind, 6)
    centre = atoms.cell.sum(axis=0) / 2
    keep = np.linalg.norm(atoms.positions - centre, axis=1) < radius
    out = atoms[keep]
    out.positions -= centre
    out.set_cell(np.zeros((3, 3)))
    out.pbc = False
    return out


def systems(quick):
    si = [2, 3] if quick else [2, 3, 4, 5]
    out = [("Si diamond %d" % (8 * r**3), crystal("Si", r)) for r in si]
    out.append(("SiC zincblende %d" % (8 * 3**3 if quick else 8 * 4**3), crystal("SiC", 3 if quick else 4)))
    for kind in ("Si", "SiC"):
        c = cluster(kind, 7.0 if quick else 9.0)
        out.append(("%s cluster %d" % (kind, len(c)), c))
    return out


class Codes:
    """The three calculators for one species set; each call returns (seconds, n_features)."""

    def __init__(self, species):
        self.soap = SOAP(n_max=N_MAX, l_max=L_MAX, cutoff=CUTOFF, atom_sigma=SIGMA, species=species,
                         cutoff_transition_width=TAPER)
        self.featomic = featomic.SoapPowerSpectrum(
            cutoff={"radius": CUTOFF, "smoothing": {"type": "ShiftedCosine", "width": TAPER}},
            density={"type": "Gaussian", "width": SIGMA, "center_atom_weight": 1.0},
            basis={"type": "TensorProduct", "max_angular": L_MAX, "radial": {"type": "Gto", "max_radial": N_MAX - 1}},
        )
        self.species = species

    def dscribe(self, periodic):
        return DScribeSOAP(species=self.species, r_cut=CUTOFF, n_max=N_MAX, l_max=L_MAX, sigma=SIGMA, rbf="gto",
                           periodic=periodic, sparse=True)

    def run(self, code, atoms, gradients):
        periodic = bool(atoms.pbc.any())
        t0 = time.perf_counter()
        if code == "soapgap":
            r = self.soap.compute(atoms, gradients=gradients)
            dt, nf = time.perf_counter() - t0, r.values.shape[1]
        elif code == "featomic":
            grads = (["positions", "strain"] if periodic else ["positions"]) if gradients else None
            t = self.featomic.compute(atoms, gradients=grads)
            dt = time.perf_counter() - t0
            nf = sum(b.values.shape[1] for b in t.blocks()) // len({int(k[0]) for k in t.keys})
        else:
            d = self.dscribe(periodic)
            t0 = time.perf_counter()
            if gradients:
                method = "numerical" if periodic else "analytical"
                _, v = d.derivatives(atoms, method=method, return_descriptor=True, n_jobs=1)
            else:
                v = d.create(atoms, n_jobs=1)
            dt, nf = time.perf_counter() - t0, v.shape[1]
        return dt, nf


def measure(name, atoms, repeats, dscribe_numerical_max):
    species = sorted(set(atoms.get_chemical_symbols()))
    codes = Codes(species)
    periodic = bool(atoms.pbc.any())
    rows = []
    for gradients in (False, True):
        names = ["soapgap", "featomic", "dscribe"]
        if gradients and periodic and len(atoms) > dscribe_numerical_max:
            names.remove("dscribe")
        for code in names:
            codes.run(code, atoms, gradients)  # warm-up (splines, first-touch)
        times = {c: [] for c in names}
        nf = {}
        for _ in range(repeats if not (gradients and periodic and "dscribe" in names) else max(1, repeats // 2)):
            for c in names:
                dt, nf[c] = codes.run(c, atoms, gradients)
                times[c].append(dt)
        med = {c: float(np.median(v)) for c, v in times.items()}
        row = {
            "system": name,
            "atoms": len(atoms),
            "periodic": periodic,
            "gradients": gradients,
            "seconds": med,
            "all_seconds": times,
            "features": nf,
            "ratio": {c: med[c] / med["soapgap"] for c in names if c != "soapgap"},
            "ratio_best": {c: min(times[c]) / min(times["soapgap"]) for c in names if c != "soapgap"},
            "dscribe_method": ("numerical" if periodic else "analytical") if gradients and "dscribe" in names else None,
        }
        log("%s gradients=%s: %s" % (name, gradients, ", ".join("%s %.4f s" % kv for kv in med.items())))
        rows.append(row)
    return rows


def versions():
    import importlib.metadata as md

    return {
        "soapgap": soapgap.__version__,
        "featomic": md.version("featomic"),
        "dscribe": md.version("dscribe"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
    }


def markdown(rows, info):
    out = [
        "SOAP n_max=%d l_max=%d cutoff=%g A, Gaussian width %g A, 1 thread each; median of %d repeats "
        "(soapgap %s, featomic %s, DScribe %s). Ratio > 1: soapgap faster."
        % (N_MAX, L_MAX, CUTOFF, SIGMA, info["repeats"], info["soapgap"], info["featomic"], info["dscribe"]),
        "",
        "| system | atoms | gradients | soapgap ms | featomic ms | DScribe ms "
        "| featomic / soapgap | DScribe / soapgap |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        s = r["seconds"]
        grad = ("positions + strain" if r["periodic"] else "positions") if r["gradients"] else "no"
        ds = "%.1f" % (1e3 * s["dscribe"]) if "dscribe" in s else "–"
        dr = "%.2f" % r["ratio"]["dscribe"] if "dscribe" in s else "–"
        if r["dscribe_method"] == "numerical":
            ds, dr = ds + " (numerical)", dr + "*"
        elif r["dscribe_method"] == "analytical":
            ds += " (positions only)"
        out.append(
            "| %s | %d | %s | %.1f | %.1f | %s | %.2f | %s |"
            % (r["system"], r["atoms"], grad, 1e3 * s["soapgap"], 1e3 * s["featomic"], ds, r["ratio"]["featomic"], dr)
        )
    f = rows[0]["features"]
    out += [
        "",
        "Features per centre (one species): soapgap %d, featomic %d, DScribe %d. "
        "*: DScribe has no analytical derivatives for periodic cells (finite differences)."
        % (f["soapgap"], f["featomic"], f["dscribe"]),
    ]
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per code and case (median)")
    p.add_argument("--quick", action="store_true", help="smaller systems (a smoke test, ~1 min)")
    p.add_argument("--dscribe-numerical-max", type=int, default=64,
                   help="largest periodic cell for DScribe's numerical derivatives (slow: ~6 s at 216 atoms)")
    p.add_argument("--output", default=os.path.join(BUILD, "benchmarks", "descriptors"), help="directory")
    a = p.parse_args()
    set_num_threads(1)
    info = dict(versions(), repeats=a.repeats, threads=1)
    log("soapgap %s, featomic %s, DScribe %s" % (info["soapgap"], info["featomic"], info["dscribe"]))
    rows = []
    for name, atoms in systems(a.quick):
        rows += measure(name, atoms, a.repeats, a.dscribe_numerical_max)
    os.makedirs(a.output, exist_ok=True)
    with open(os.path.join(a.output, "results.json"), "w") as f:
        json.dump({"info": info, "rows": rows}, f, indent=1)
    md = markdown(rows, info)
    with open(os.path.join(a.output, "report.md"), "w") as f:
        f.write(md)
    print(md)
    log("wrote %s/results.json and report.md" % a.output)


if __name__ == "__main__":
    main()
