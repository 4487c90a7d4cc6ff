#!/usr/bin/python3
"""active/amorphous_soapgap_relaxed.xyz: independent 64-atom a-Si inherent structures as PBE
candidates (config_type amorphous_soapgap_relaxed).

Why: the held-out PBE relaxation of a second quench (relax/asi64_heldout) showed the shipped
potential 16.5 meV/atom too high at the PBE minimum, with a predicted σ below the active
learning's threshold, so the loop never asks for such frames. The training set held one a-Si
relaxation (relax/asi64, its steps correlated) and random-displacement stand-ins: near-minimum
a-Si from independent quenches, at two cooling rates, is what it lacks.

Each frame is examples/silicon_amorphous/quench.py's protocol (NVT at 2.28 g/cm3: 2 ps at 3000 K,
2 ps at 1800 K, linear cooling to 500 K in QUENCH_PS, conjugate-gradient relaxation) with the
potential given, for the (seed, QUENCH_PS) pairs in RUNS. Seed 1 is relax/asi64's start and
seed 2 the held-out relax/asi64_heldout's, so they are not used here. ~4 min per 10 ps on one
core; --jobs at once.

Usage: /usr/bin/python3 active/make_asi.py --lmp LAMMPS_BINARY
       [--plugin build/lammps-plugin/soapgapplugin.so] [--potential potentials/Si/Si-PBE-soapgap.xml]
       [--runs SEED:PS,...] [--out FILE]
Files: amorphous_soapgap_relaxed.xyz = the defaults with the potential of 2026-12-07 20:41
(commit 5a5dcd7); amorphous_soapgap_relaxed_2.xyz = `--runs 7:10,8:10,9:50,10:50 --out
active/amorphous_soapgap_relaxed_2.xyz` with the potential of 23:19 (commit 8fcaac3): each
potential's own a-Si minima, where it may be wrong in its own way; amorphous_soapgap_relaxed_3.xyz =
`--runs 11:10,12:10,13:50,14:50 --out active/amorphous_soapgap_relaxed_3.xyz` with the potential
of 2026-12-08 02:14 (commit ecdb633). generate_structures.py reads the three, in that order, as
one config_type.
"""
import argparse
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "examples", "silicon_amorphous"))
import quench as q  # noqa: E402
from ase.io import write  # noqa: E402

OUT = os.path.join(HERE, "amorphous_soapgap_relaxed.xyz")
RUNS = [(3, 10.0), (4, 10.0), (5, 50.0), (6, 50.0)]  # (seed, ps from 1800 to 500 K)


def one(job):
    """One quench: the relaxed structure, with its provenance and structure in info."""
    args, seed, ps = job
    with tempfile.TemporaryDirectory() as w:
        run = argparse.Namespace(lmp=args.lmp, plugin=args.plugin, potential=args.potential, workdir=w,
                                 rep=2, density=2.28, npt=False, quick=False, seed=seed, quench_ps=ps)
        at, e_asi, e_dia = q.quench(run)
    if run.rms_from_lattice < 1.0:
        raise SystemExit("make_asi.py: seed %d did not melt (RMS %.2f A from the lattice)" % (seed, run.rms_from_lattice))
    s = q.structure(at)
    at.info = {"source": "fitting/datasets/silicon/active/make_asi.py with %s" % os.path.relpath(args.potential, ROOT),
               "note": "a-Si 64 atoms, quench.py seed %d, %g ps 1800->500 K, NVT 2.28 g/cm3, relaxed by soapgap: "
               "%.0f meV/atom above diamond, %.1f %% 4-fold, %.1f %% 5-fold"
               % (seed, ps, 1000 * (e_asi - e_dia), 100 * s["coordination"]["4"], 100 * s["coordination"]["5"])}
    print(at.info["note"], flush=True)
    return at


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lmp", required=True, help="LAMMPS binary with the plugin command")
    ap.add_argument("--plugin", default=os.path.join(ROOT, "build", "lammps-plugin", "soapgapplugin.so"))
    ap.add_argument("--potential", default=os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml"))
    ap.add_argument("--jobs", type=int, default=2, help="quenches at once (one core each)")
    ap.add_argument("--runs", default=",".join("%d:%g" % r for r in RUNS),
                    help="seed:ps pairs, comma-separated [%(default)s]")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    try:
        runs = [(int(r.split(":")[0]), float(r.split(":")[1])) for r in args.runs.split(",")]
    except (ValueError, IndexError):
        raise SystemExit("make_asi.py: --runs wants seed:ps pairs such as 7:10,8:50, not %r" % args.runs)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        frames = list(pool.map(one, [(args, seed, ps) for seed, ps in runs]))
    tmp = args.out + ".tmp"
    write(tmp, frames, format="extxyz")
    os.replace(tmp, args.out)  # complete or the old file intact
    print("wrote %s: %d frames" % (args.out, len(frames)))


if __name__ == "__main__":
    main()
