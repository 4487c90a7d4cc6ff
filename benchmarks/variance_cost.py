#!/usr/bin/env python3
"""Cost of the predicted variances against the prediction alone, in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/variance_cost.py [--sizes 216 512 1000]

For rattled diamond-silicon cells of N atoms and the shipped potential (potentials/Si), times
soapgap.Potential.predict with forces and: no variance; variance=True (per-atom local_variance,
the default of the ASE calculator and of `soapgap eval --variance`); variance=True with
total_variance=True (adds energy_variance, the variance of the total energy, whose kernel
sums grow as N^2); force_variance=True (adds the 3x3 covariance of every force: descriptor
Jacobians, kernel second derivatives, triangular solves; model/force_variance.h). Prints seconds
and the ratios to the prediction alone (best of --repeat).
"""
import argparse
import os
import time

import numpy as np
from ase.build import bulk

import soapgap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def best_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--potential", default=os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 216, 512, 1000])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    pot = soapgap.Potential(args.potential)
    print("potential %s, OMP_NUM_THREADS=%s" % (os.path.relpath(args.potential, ROOT),
                                                 os.environ.get("OMP_NUM_THREADS", "unset")))
    print("| atoms | predict (s) | + local variance (s) | ratio | + total variance (s) | ratio "
          "| + force variance (s) | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        reps = max(1, round((n / 8) ** (1 / 3)))
        atoms = bulk("Si", "diamond", a=5.43, cubic=True).repeat((reps, reps, reps))
        atoms.positions += np.random.default_rng(1).normal(0, 0.05, atoms.positions.shape)
        t0 = best_time(lambda: pot.predict(atoms), args.repeat)
        t1 = best_time(lambda: pot.predict(atoms, variance=True), args.repeat)
        t2 = best_time(lambda: pot.predict(atoms, variance=True, total_variance=True), args.repeat)
        t3 = best_time(lambda: pot.predict(atoms, force_variance=True), args.repeat)
        print("| %d | %.3f | %.3f | %.2f | %.3f | %.1f | %.3f | %.1f |"
              % (len(atoms), t0, t1, t1 / t0, t2, t2 / t0, t3, t3 / t0))


if __name__ == "__main__":
    main()
