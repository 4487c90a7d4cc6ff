#!/usr/bin/python3
"""REMatch kernel benchmark: soapgap's structure kernel against DScribe's REMatchKernel.

    /usr/bin/python3 benchmarks/rematch_vs_dscribe.py [--n 1000] [--dscribe-rows 100] [--gamma 0.1]

soapgap computes the REMatch kernel matrix of N molecules against N others (default 1000 x 1000,
all threads). DScribe (PyPI, installed by scripts/install-benchmark-references.sh into a venv
under ~/.cache/soapgap; a reference only, never a dependency) is fed soapgap's own unit-length
atomic SOAP vectors and computes the rows of the first --dscribe-rows molecules against the same
N (it is a Python loop over pairs: the full matrix would take it tens of minutes here); soapgap
computes that block again, and the table compares the two on the same pairs: time per pair and
the largest difference of the kernel values.

Same model on both sides: the local kernel is the dot product of the unit-length SOAP vectors,
zero between atoms of different elements (each vector is placed in its element's block of a
longer vector, so DScribe's "linear" metric gives exactly soapgap's C_ij), gamma = DScribe's
alpha, both normalised k(A, B) / sqrt(k(A, A) k(B, B)), zeta = 1. The stopping rules differ:
soapgap stops when the summed row-marginal error is below --tolerance; DScribe when the summed
squared relative change of its scaling vectors is below --dscribe-threshold (checked in 4 of
every 5 iterations). A tight DScribe threshold makes both converged solutions of the same
problem, so they agree to about the tolerance.

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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1000, help="molecules per set (N x N kernel)")
    p.add_argument("--dscribe-rows", type=int, default=100, help="rows DScribe computes (against all N)")
    p.add_argument("--gamma", type=float, default=0.1)
    p.add_argument("--tolerance", type=float, default=1e-9, help="soapgap's marginal tolerance")
    p.add_argument("--dscribe-threshold", type=float, default=1e-14, help="DScribe's convergence threshold")
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

    t = time.perf_counter()
    K = structure_kernel(A, B, descriptor=a.descriptor, kind="rematch", gamma=a.gamma, tolerance=a.tolerance)
    t_full = time.perf_counter() - t
    log("soapgap %d x %d: %.2f s" % (a.n, a.n, t_full))

    rows = min(a.dscribe_rows, a.n)
    sub = A[:rows]
    t = time.perf_counter()
    K_sub = structure_kernel(sub, B, descriptor=a.descriptor, kind="rematch", gamma=a.gamma, tolerance=a.tolerance)
    t_sub = time.perf_counter() - t
    # the same rows of the full matrix (the descriptor's species are those of both sets: same here)
    consistent = float(np.max(np.abs(K_sub - K[:rows])))

    q_sub, z_sub = atomic_descriptors(sub + B, a.descriptor)
    elements = sorted({int(z) for zs in z_sub for z in zs})
    feats = [element_blocks(q, z, elements) for q, z in zip(q_sub, z_sub)]
    work = os.path.join(a.build, "benchmarks", "rematch")
    os.makedirs(work, exist_ok=True)
    npz = os.path.join(work, "features.npz")
    arrays = {"na": rows, "nb": len(B)}
    arrays.update({"a%d" % i: feats[i] for i in range(rows)})
    arrays.update({"b%d" % i: feats[rows + i] for i in range(len(B))})
    np.savez(npz, **arrays)
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.run(["bash", os.path.join(ROOT, "scripts/install-benchmark-references.sh")], check=True)
    log("DScribe: %d x %d pairs (single-threaded Python loop)" % (rows, len(B)))
    out = subprocess.run([py, "-c", DSCRIBE_WORKER, npz, str(a.gamma), str(a.dscribe_threshold),
                          os.path.join(work, "K_dscribe.npy")], check=True, capture_output=True, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1"))
    ds = json.loads(out.stdout.strip().splitlines()[-1])
    K_ds = np.load(os.path.join(work, "K_dscribe.npy"))
    diff = float(np.max(np.abs(K_ds - K_sub)))

    # soapgap on one thread, same block: the per-core comparison
    env1 = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.path.join(a.build, "python"))
    t1 = _one_thread_time(a, env1, rows)

    pairs_sub = rows * len(B)
    res = {
        "molecules": a.n, "mean_atoms": natoms, "gamma": a.gamma, "tolerance": a.tolerance,
        "dscribe_threshold": a.dscribe_threshold, "threads": threads,
        "soapgap_full_s": t_full, "soapgap_full_us_per_pair": 1e6 * t_full / (a.n * a.n),
        "block_pairs": pairs_sub, "soapgap_block_s": t_sub, "soapgap_block_1thread_s": t1,
        "dscribe_block_s": ds["seconds"], "dscribe_version": ds["version"],
        "ratio_dscribe_over_soapgap_1thread": ds["seconds"] / t1,
        "ratio_dscribe_over_soapgap": ds["seconds"] / t_sub,
        "dscribe_full_estimate_s": ds["seconds"] * (a.n * a.n) / pairs_sub,
        "max_abs_difference": diff, "block_vs_full_rows": consistent,
    }
    print("| | soapgap (%s threads) | soapgap (1 thread) | DScribe %s (1 thread) |" % (threads, ds["version"]))
    print("|---|---|---|---|")
    print("| REMatch %d x %d, γ = %g (s) | %.2f | — | ≈ %.0f (extrapolated from %d x %d) |"
          % (a.n, a.n, a.gamma, t_full, res["dscribe_full_estimate_s"], rows, len(B)))
    print("| %d x %d block (s) | %.2f | %.2f | %.2f |" % (rows, len(B), t_sub, t1, ds["seconds"]))
    print("| µs per pair | %.1f | %.1f | %.1f |" % (1e6 * t_sub / pairs_sub, 1e6 * t1 / pairs_sub,
                                                  1e6 * ds["seconds"] / pairs_sub))
    print("| DScribe time / soapgap time | %.1f | %.1f | |" % (res["ratio_dscribe_over_soapgap"],
                                                          res["ratio_dscribe_over_soapgap_1thread"]))
    print("| max \\|K_soapgap − K_DScribe\\| | %.2e | | |" % diff)
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
