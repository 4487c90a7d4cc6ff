#!/usr/bin/python3
"""REMatch kernel benchmark: soapgap's structure kernel against DScribe's REMatchKernel.

    /usr/bin/python3 benchmarks/rematch_vs_dscribe.py [--n 1000] [--dscribe-rows 20] [--gamma 0.1]

soapgap computes the REMatch kernel matrix of N molecules against N others (default 1000 x 1000,
all threads). DScribe (PyPI, installed by scripts/install-benchmark-references.sh into a venv
under ~/.cache/soapgap; a reference only, never a dependency) is fed soapgap's own unit-length
atomic SOAP vectors and computes the rows of the first --dscribe-rows molecules against the same
N (it is a Python loop over pairs: the full matrix would take it hours here); soapgap computes
that block again on one thread, and the table compares the two on the same pairs: time per pair
and the largest difference of the kernel values.

Same model on both sides: the local kernel is the dot product of the unit-length SOAP vectors,
zero between atoms of different elements (each vector is placed in its element's block of a
longer vector, so DScribe's "linear" metric gives exactly soapgap's C_ij), gamma = DScribe's
alpha, both normalised k(A, B) / sqrt(k(A, A) k(B, B)), zeta = 1. The stopping rules differ:
soapgap stops when the summed row-marginal error is below --tolerance; DScribe when the summed
squared relative change of its scaling vectors is below its threshold (checked in 4 of every 5
iterations). DScribe runs twice: with its default threshold 1e-6, which stops early on the pairs
where Sinkhorn crawls (the kernels then differ by more than 1e-6), and with a tight threshold on
fewer rows, where both are converged solutions of the same problem and agree closely.

The molecules: the project's own data set (fitting/datasets/molecules/labelled.xyz), cycled
with small seeded random displacements (0.05 Angstrom) to reach 2N distinct structures.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.environ.get("SOAPGAP_BENCHMARK_VENV", os.path.expanduser("~/.cache/soapgap/dscribe-venv"))

DSCRIBE_WORKER = r"""
import json, sys, time
import numpy as np
from dscribe.kernels import REMatchKernel
d = np.load(sys.argv[1])
na, nb = int(d["na"]), int(d["nb"])
xa = [d["a%d" % i] for i in range(na)]
xb = [d["b%d" % i] for i in range(nb)]
k = REMatchKernel(alpha=float(sys.argv[2]), threshold=float(sys.argv[3]), metric="linear")
t = time.perf_counter()
K = k.create(xa, xb)
dt = time.perf_counter() - t
np.save(sys.argv[4], K)
import dscribe, importlib.metadata as md
print(json.dumps({"seconds": dt, "version": md.version("dscribe")}))
"""


def log(msg):
    print("[rematch_vs_dscribe %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def molecules(count, seed=0):
    from ase.io import read

    path = os.path.join(ROOT, "fitting/datasets/molecules/labelled.xyz")
    base = read(path, ":")
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        a = base[i % len(base)].copy()
        if i >= len(base):
            a.positions += rng.normal(scale=0.05, size=a.positions.shape)
        out.append(a)
    return out, len(base)


def element_blocks(q, species, elements):
    """Each atom's vector in its element's block: dot products of different elements vanish."""
    d = q.shape[1]
    out = np.zeros((q.shape[0], d * len(elements)))
    for i, z in enumerate(species):
        b = elements.index(int(z))
        out[i, b * d:(b + 1) * d] = q[i]
    return out


def run_dscribe(py, features, rows, nb, gamma, threshold, work):
    """DScribe on the first `rows` molecules of A against all nb of B: (seconds, K, version)."""
    npz = os.path.join(work, "features.npz")
    arrays = {"na": rows, "nb": nb}
    arrays.update({"a%d" % i: features[i] for i in range(rows)})
    arrays.update({"b%d" % i: features[-nb + i] for i in range(nb)})
    np.savez(npz, **arrays)
    out_npy = os.path.join(work, "K_dscribe.npy")
    out = subprocess.run([py, "-c", DSCRIBE_WORKER, npz, str(gamma), str(threshold), out_npy], check=True,
                         capture_output=True, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1"))
    ds = json.loads(out.stdout.strip().splitlines()[-1])
    return ds["seconds"], np.load(out_npy), ds["version"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1000, help="molecules per set (N x N kernel)")
    p.add_argument("--dscribe-rows", type=int, default=20,
                   help="rows (against all N) DScribe computes with its default threshold 1e-6")
    p.add_argument("--dscribe-tight-rows", type=int, default=1,
                   help="rows DScribe computes with the tight threshold (--dscribe-threshold)")
    p.add_argument("--gamma", type=float, default=0.1)
    p.add_argument("--tolerance", type=float, default=1e-9, help="soapgap's marginal tolerance")
    p.add_argument("--dscribe-threshold", type=float, default=1e-14, help="DScribe's tight convergence threshold")
    p.add_argument("--descriptor", default="soap n_max=6 l_max=4 cutoff=4 atom_sigma=0.5")
    p.add_argument("--build", default=os.environ.get("SOAPGAP_BUILD_DIR", os.path.join(ROOT, "build")))
    p.add_argument("--json", help="write the results here too")
    a = p.parse_args()
    sys.path.insert(0, os.path.join(a.build, "python"))
    from soapgap.molecules import atomic_descriptors, structure_kernel

    frames, n_base = molecules(2 * a.n)
    A, B = frames[:a.n], frames[a.n:]
    natoms = np.mean([len(f) for f in frames])
    log("%d + %d molecules (%d distinct in the data set, mean %.1f atoms)" % (a.n, a.n, n_base, natoms))
    threads = os.environ.get("OMP_NUM_THREADS", str(os.cpu_count()))
    kw = dict(descriptor=a.descriptor, kind="rematch", gamma=a.gamma, tolerance=a.tolerance)

    t = time.perf_counter()
    K = structure_kernel(A, B, **kw)
    t_full = time.perf_counter() - t
    log("soapgap %d x %d: %.2f s (%s threads)" % (a.n, a.n, t_full, threads))
    rows = min(a.dscribe_rows, a.n)
    t = time.perf_counter()
    K_sub = structure_kernel(A[:rows], B, **kw)
    t_sub = time.perf_counter() - t
    t1 = _one_thread_time(a, dict(os.environ, OMP_NUM_THREADS="1"), rows)
    log("soapgap %d x %d: %.2f s, on 1 thread %.2f s" % (rows, a.n, t_sub, t1))

    q, z = atomic_descriptors(A[:rows] + B, a.descriptor)
    elements = sorted({int(x) for zs in z for x in zs})
    features = [element_blocks(qq, zz, elements) for qq, zz in zip(q, z)]
    work = os.path.join(a.build, "benchmarks", "rematch")
    os.makedirs(work, exist_ok=True)
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.run(["bash", os.path.join(ROOT, "scripts/install-benchmark-references.sh")], check=True)
    log("DScribe (threshold 1e-6, its default): %d x %d pairs, single-threaded Python loop" % (rows, a.n))
    ds_s, K_ds, version = run_dscribe(py, features, rows, a.n, a.gamma, 1e-6, work)
    tight = min(a.dscribe_tight_rows, rows)
    log("DScribe (threshold %g): %d x %d pairs" % (a.dscribe_threshold, tight, a.n))
    ds_tight_s, K_tight, _ = run_dscribe(py, features[:tight] + features[rows:], tight, a.n, a.gamma,
                                         a.dscribe_threshold, work)
    diff_default = float(np.max(np.abs(K_ds - K_sub)))
    diff_tight = float(np.max(np.abs(K_tight - K_sub[:tight])))
    pairs, pairs_tight = rows * a.n, tight * a.n
    res = {
        "molecules": a.n, "distinct_molecules": n_base, "mean_atoms": float(natoms), "gamma": a.gamma,
        "tolerance": a.tolerance, "threads": threads, "dscribe_version": version,
        "soapgap_full_s": t_full, "soapgap_us_per_pair": 1e6 * t_full / (a.n * a.n),
        "block_pairs": pairs, "soapgap_block_s": t_sub, "soapgap_block_1thread_s": t1,
        "dscribe_block_s": ds_s, "dscribe_us_per_pair": 1e6 * ds_s / pairs,
        "dscribe_tight_threshold": a.dscribe_threshold, "dscribe_tight_pairs": pairs_tight,
        "dscribe_tight_us_per_pair": 1e6 * ds_tight_s / pairs_tight,
        "ratio_dscribe_over_soapgap_1thread": (ds_s / pairs) / (t1 / pairs),
        "ratio_dscribe_tight_over_soapgap_1thread": (ds_tight_s / pairs_tight) / (t1 / pairs),
        "block_vs_full_matrix": float(np.max(np.abs(K_sub - K[:rows]))),
        "max_abs_difference_dscribe_default": diff_default, "max_abs_difference_dscribe_tight": diff_tight,
    }
    us1 = 1e6 * t1 / pairs
    print("REMatch, gamma = %g, %d x %d molecules (mean %.1f atoms), soapgap tolerance %g. soapgap's times "
          "include computing the SOAP vectors; DScribe is given them." % (a.gamma, a.n, a.n, natoms, a.tolerance))
    print()
    print("| | µs per pair | DScribe / soapgap (1 thread each) | max \\|K − K_soapgap\\| |")
    print("|---|---|---|---|")
    print("| soapgap, %s threads, %d x %d | %.1f (%.1f s in all) | | |" % (threads, a.n, a.n, 1e6 * t_full / a.n ** 2,
                                                                       t_full))
    print("| soapgap, 1 thread, %d x %d | %.1f | 1 | 0 |" % (rows, a.n, us1))
    print("| DScribe %s, threshold 1e-6 (default), %d x %d | %.1f | %.0f | %.1e |" % (
        version, rows, a.n, 1e6 * ds_s / pairs, res["ratio_dscribe_over_soapgap_1thread"], diff_default))
    print("| DScribe %s, threshold %g, %d x %d | %.1f | %.0f | %.1e |" % (
        version, a.dscribe_threshold, tight, a.n, 1e6 * ds_tight_s / pairs_tight,
        res["ratio_dscribe_tight_over_soapgap_1thread"], diff_tight))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


def _one_thread_time(a, env, rows):
    script = ("import sys, time; sys.path.insert(0, %r)\n"
              "sys.argv = ['x']\n"
              "import importlib.util\n"
              "spec = importlib.util.spec_from_file_location('rvd', %r); m = importlib.util.module_from_spec(spec)\n"
              "spec.loader.exec_module(m)\n"
              "from soapgap.molecules import structure_kernel\n"
              "frames, _ = m.molecules(%d)\n"
              "t = time.perf_counter()\n"
              "structure_kernel(frames[:%d], frames[%d:], descriptor=%r, kind='rematch', gamma=%r, tolerance=%r)\n"
              "print(time.perf_counter() - t)\n"
              % (os.path.join(a.build, "python"), os.path.abspath(__file__), 2 * a.n, rows, a.n, a.descriptor,
                 a.gamma, a.tolerance))
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
