#!/usr/bin/env python3
"""Inputs of the active-learning demo (and of its test): silicon, starting from bulk only, with
a Si(100) surface MD task, labelled by Stillinger-Weber in LAMMPS (a cheap, exact stand-in for
DFT: the loop's "truth" here is SW, so errors are errors against SW).

    make_inputs.py --out DIR --lmp LMP --plugin soapgapplugin.so --sw Si.sw [--quick]

Writes to DIR:
  seed.xyz      unlabelled bulk diamond configurations (strained, rattled, hot): the loop labels
                them first and fits the bulk-only starting potential on them;
  slab.xyz      a Si(100) slab (bulk-terminated, both faces free, 10 A vacuum), the MD task;
  heldout.xyz   labelled held-out set: bulk (config_type bulk) and surface frames from SW MD of
                the slab at 1000 K (config_type surface), independent of anything the loop does;
  learn.toml    the configuration of `python3 -m soapgap.learn`.
Deterministic (fixed seeds).
"""
import argparse
import os
import sys

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.io import write

from soapgap.learn.labellers import LammpsLabeller
from soapgap.learn.lammps_run import Lammps, read_dump, write_data


def diamond(n):
    return bulk("Si", "diamond", a=5.431, cubic=True).repeat((n, n, n))


def seed_configurations(quick, rng):
    frames = []
    for k, strain in enumerate(np.linspace(-0.03, 0.03, 4 if quick else 7)):
        a = diamond(1)
        a.set_cell(a.cell * (1 + strain), scale_atoms=True)
        a.rattle(0.03, seed=int(rng.integers(1 << 30)))
        frames.append(a)
    for k in range(3 if quick else 6):
        a = diamond(1)
        eps = rng.normal(0, 0.02, (3, 3))
        a.set_cell(a.cell @ (np.eye(3) + 0.5 * (eps + eps.T)), scale_atoms=True)
        a.rattle(0.08, seed=int(rng.integers(1 << 30)))
        frames.append(a)
    for k in range(2 if quick else 4):
        a = diamond(2) if not quick else diamond(1).repeat((2, 1, 1))
        a.rattle(0.12, seed=int(rng.integers(1 << 30)))
        frames.append(a)
    for a in frames:
        a.info["config_type"] = "bulk"
    return frames


def slab(quick):
    """Si(100), bulk-terminated, conventional cell 2x2 (quick: 2x1) in-plane, 4 (quick: 3) cubic
    cells thick, 10 A of vacuum; all directions periodic (the vacuum separates the faces)."""
    a = diamond(1).repeat((2, 1 if quick else 2, 3 if quick else 4))
    a.center(vacuum=5.0, axis=2)
    return a


def surface_heldout(lmp, labeller, work, slab_atoms, quick):
    """Frames of SW MD of the slab at 1000 K (LAMMPS sw), every 200 steps after 400."""
    data = os.path.join(work, "heldout-md.data")
    write_data(data, slab_atoms, ["Si"])
    n_frames = 4 if quick else 8
    steps = 400 + 200 * n_frames
    deck = (f"units metal\natom_style atomic\nboundary p p p\nread_data {data}\n"
            f"pair_style sw\npair_coeff {labeller.pair_coeff}\n"
            "velocity all create 1000 4242 dist gaussian mom yes rot no\ntimestep 0.001\n"
            "fix nvt all nvt temp 1000 1000 0.1\nthermo 200\n"
            "dump d all custom 200 heldout-md.dump id type x y z\ndump_modify d sort id format float %.12g\n"
            f"run {steps}\n")
    lmp.run(deck, work, "heldout-md")
    frames = [a for step, a, _ in read_dump(os.path.join(work, "heldout-md.dump"), ["Si"]) if step >= 400]
    return frames[:n_frames]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--lmp", required=True)
    p.add_argument("--plugin", required=True)
    p.add_argument("--sw", required=True, help="LAMMPS' Si.sw potential file")
    p.add_argument("--quick", action="store_true", help="a smaller problem for the test suite")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(2017)
    lmp = Lammps(args.lmp)
    labeller = LammpsLabeller(lmp, "sw", "* * %s Si" % os.path.abspath(args.sw), ["Si"], workdir=args.out)

    write(os.path.join(args.out, "seed.xyz"), seed_configurations(args.quick, rng), format="extxyz")
    s = slab(args.quick)
    write(os.path.join(args.out, "slab.xyz"), s, format="extxyz")

    held = []
    for k in range(3 if args.quick else 6):
        a = diamond(1).repeat((2, 1, 1))
        a.rattle(0.1, seed=777 + k)
        a.info["config_type"] = "bulk"
        held.append(labeller.label(a))
    for a in surface_heldout(lmp, labeller, args.out, s, args.quick):
        a.info["config_type"] = "surface"
        held.append(labeller.label(a))
    write(os.path.join(args.out, "heldout.xyz"), held, format="extxyz")

    soap_sparse = 80 if args.quick else 200
    toml = f"""# soapgap learn: silicon from bulk only, with a Si(100) surface MD task; labels from
# Stillinger-Weber (LAMMPS pair_style sw) as a cheap stand-in for DFT. Written by make_inputs.py.
workdir = "run"
elements = ["Si"]

[start]
seed_configurations = "seed.xyz"    # bulk only: labelled by the loop, then the first fit

[fit]
# SOAP only: a 2-body term's local-energy variance is larger in the bulk than at a surface
# and would hide the signal (docs/active-learning.md, "Choosing the threshold").
descriptors = [
  "soap n_max=6 l_max=4 cutoff=4.5 cutoff_transition_width=1 atom_sigma=0.5 zeta=4 delta=0.5 n_sparse={soap_sparse}",
]
sigma_energy = 0.001    # eV/atom
sigma_force = 0.03      # eV/A
sigma_virial = 0.01     # eV/atom

[select]
threshold = 0.003       # eV: a sample is flagged when an atom's predicted sigma exceeds it
stop_threshold = 0.1    # eV: the MD halts above it
per_iteration = 3
max_iterations = {3 if args.quick else 6}
max_labels = {12 if args.quick else 30}

[heldout]
file = "heldout.xyz"
group_key = "config_type"

[lammps]
binary = "{os.path.abspath(args.lmp)}"
plugin = "{os.path.abspath(args.plugin)}"

[labeller]
kind = "lammps"
pair_style = "sw"
pair_coeff = "* * {os.path.abspath(args.sw)} Si"

[[task]]
name = "si100_md"
structure = "slab.xyz"
kind = "md"
temperature = 800       # K
steps = {300 if args.quick else 1000}
timestep = 0.001        # ps
sample_every = {20 if args.quick else 25}
seed = 11
config_type = "surface"
"""
    with open(os.path.join(args.out, "learn.toml"), "w") as f:
        f.write(toml)
    print("wrote %s: seed.xyz, slab.xyz (%d atoms), heldout.xyz (%d configurations), learn.toml"
          % (args.out, len(s), len(held)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
