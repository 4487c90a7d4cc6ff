"""Learning curves of molecular energies on structure kernels: `soapgap learning-curve`.

    soapgap learning-curve --input labelled.xyz --target energy_dft \\
        --descriptor "soap n_max=6 l_max=4 cutoff=3 atom_sigma=0.3" --kind average --zeta 2 \\
        --train-sizes 10,20,40,80,160 --test 100 --selection random --output-dir lc

(or `python3 -m soapgap.molecules.learning_curve ...`). The model, per training set:

  y_i = target_i - baseline_i                  (baseline: Δ-learning; 0 without --baseline)
  y_i = sum_Z n_Z(i) mu_Z + f(i)               mu_Z: one energy per element, a least-squares fit
                                               on the training set (the "dressed atoms"), so
                                               that the GP learns what composition does not
                                               explain (the kernel is normalised, k(A, A) = 1)
  f ~ GP(0, s2 k)                              k: the structure kernel (the mean of the kernels
                                               of several descriptors for a multiscale model),
                                               s2 the variance of the training residuals
  noise: sigma_i^2 = noise^2                   or, with --discrepancy d --lambda L,
         sigma_i^2 = noise^2 exp(d_i^2 / L^2)  (training structures whose geometry is far from
                                               the target level's count less)

Energies are read in eV from the frames' info (extxyz); errors are reported in kcal/mol
(1 eV = 23.0605 kcal/mol). The test set is drawn once (seeded) and kept for every training size;
training sets are nested (random: prefixes of one seeded permutation, FPS: the farthest-point
order in the kernel distance); --repeats averages random selection over several seeds.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

EV_TO_KCAL_PER_MOL = 23.060548

__all__ = ["EV_TO_KCAL_PER_MOL", "KernelCache", "element_reference", "selection_order", "fit_predict", "learning_curve", "curve_table", "plot_curves",
           "main"]


def _frames_with_positions(frames, positions):
    """Copies of frames with positions taken from the per-atom array `positions` (e.g. the
    cheap level's geometry), or the frames themselves."""
    if not positions:
        return frames
    out = []
    for i, a in enumerate(frames):
        if positions not in a.arrays:
            raise ValueError("frame %d has no per-atom array %r (the geometry asked for by --positions)" % (i, positions))
        b = a.copy()
        b.positions = np.asarray(a.arrays[positions], dtype=float)
        out.append(b)
    return out


class KernelCache:
    """Structure-kernel matrices of one set of frames, computed once per setting (and, with a
    directory, stored there as .npy so a rerun does not recompute them)."""

    def __init__(self, frames, directory=None, progress=False, log=None):
        self.frames = list(frames)
        self.directory = directory
        self.progress = progress
        self.log = log or (lambda msg: None)
        self._mem = {}

    def _key(self, descriptor, kind, gamma, zeta, positions):
        return "%s|%s|%s|%s|%s" % (descriptor, kind, gamma if kind == "rematch" else "-", zeta, positions or "positions")

    def kernel(self, descriptors, kind="average", gamma=0.1, zeta=1, positions=None):
        """The mean of the normalised kernels of `descriptors` (one string or a list)."""
        from .kernels import structure_kernel

        if isinstance(descriptors, str):
            descriptors = [descriptors]
        total = None
        for d in descriptors:
            key = self._key(d, kind, gamma, zeta, positions)
            if key not in self._mem:
                path = None
                if self.directory:
                    import hashlib

                    os.makedirs(self.directory, exist_ok=True)
                    tag = hashlib.sha256((key + "|%d" % len(self.frames)).encode()).hexdigest()[:16]
                    path = os.path.join(self.directory, "kernel-%s.npy" % tag)
                if path and os.path.exists(path):
                    self._mem[key] = np.load(path)
                else:
                    t0 = time.time()
                    K = structure_kernel(_frames_with_positions(self.frames, positions), None, descriptor=d,
                                         kind=kind, gamma=gamma, zeta=zeta, progress=self.progress)
                    self.log("kernel %s (%d x %d): %.1f s" % (key, K.shape[0], K.shape[1], time.time() - t0))
                    if path:
                        np.save(path + ".tmp.npy", K)
                        os.replace(path + ".tmp.npy", path)
                    self._mem[key] = K
            total = self._mem[key].copy() if total is None else total + self._mem[key]
        return total / len(descriptors)


def composition_matrix(frames, elements=None):
    """n_frames x n_elements counts of each element (elements sorted by Z)."""
    if elements is None:
        elements = sorted({int(z) for a in frames for z in a.numbers})
    col = {z: c for c, z in enumerate(elements)}
    C = np.zeros((len(frames), len(elements)))
    for i, a in enumerate(frames):
        for z in a.numbers:
            C[i, col[int(z)]] += 1
    return C, elements


def element_reference(C_train, y_train, ridge=1e-8):
    """Per-element energies mu (least squares of C mu = y, with a tiny ridge so that elements
    absent from, or collinear in, a small training set stay defined)."""
    A = C_train.T @ C_train + ridge * np.eye(C_train.shape[1])
    return np.linalg.solve(A, C_train.T @ y_train)


def selection_order(K, pool, n_max, selection, seed):
    from ..selection import farthest_point_sampling
    from .kernels import random_selection

    if selection == "random":
        return [pool[i] for i in random_selection(len(pool), n_max, seed=seed)]
    if selection == "fps":
        sub = K[np.ix_(pool, pool)]
        return [pool[i] for i in farthest_point_sampling(sub, n_max, seed=seed, metric="kernel")]
    raise ValueError("selection = %r: expected random or fps" % selection)


def fit_predict(K, y, train, test, C, noise, noise_scale=None):
    """Fit the dressed-atom reference + GP on `train`, predict `test`. Returns (prediction,
    predicted std, fitted regression object)."""
    from .learning import KernelRegression

    train = np.asarray(train)
    test = np.asarray(test)
    mu = element_reference(C[train], y[train])
    r = y[train] - C[train] @ mu
    s2 = max(float(np.var(r)), 1e-12)
    sig2 = np.full(len(train), noise ** 2)
    if noise_scale is not None:
        sig2 = sig2 * noise_scale[train]
    model = KernelRegression(signal_variance=s2)
    model.fit(K[np.ix_(train, train)], r, noise_variance=sig2)
    f, std = model.predict(K[np.ix_(test, train)], diag=np.diag(K)[test], return_std=True)
    return C[test] @ mu + f, std, model


def learning_curve(frames, target, kernel, train_sizes, n_test=100, baseline=None, selection="random", seed=0,
                   repeats=1, noise=0.01, discrepancy=None, lam=None, test=None, log=None):
    """Errors on a fixed test set for each training size.

    frames: ase.Atoms list; target/baseline: info keys (eV) or arrays; kernel: the square kernel
    matrix of all frames; train_sizes: increasing ints; noise: GP noise std (eV); discrepancy +
    lam: per-structure noise sigma_i^2 = noise^2 exp(d_i^2/lam^2). Returns a dict with rows (one
    per size: MAE, RMSE, max |error| in kcal/mol, averaged over repeats) and the per-structure test
    errors of the largest size (kcal/mol) of the first repeat.
    """
    n = len(frames)
    y = _values(frames, target)
    if baseline is not None:
        y = y - _values(frames, baseline)
    noise_scale = None
    if discrepancy is not None:
        if lam is None or lam <= 0:
            raise ValueError("a discrepancy needs lambda > 0")
        d = _values(frames, discrepancy)
        if np.any(d < 0):
            raise ValueError("discrepancy %r has negative values" % discrepancy)
        noise_scale = np.exp(np.minimum((d / lam) ** 2, 700.0))
    C, _ = composition_matrix(frames)
    rng = np.random.default_rng(seed)
    if test is None:
        if not 0 < n_test < n:
            raise ValueError("--test %d: must be between 1 and %d (the number of structures - 1)" % (n_test, n - 1))
        test = sorted(int(i) for i in rng.choice(n, size=n_test, replace=False))
    test = list(test)
    pool = sorted(set(range(n)) - set(test))
    sizes = sorted(set(int(s) for s in train_sizes))
    if not sizes or sizes[0] < 2 or sizes[-1] > len(pool):
        raise ValueError("training sizes must lie between 2 and %d (structures outside the test set)" % len(pool))
    rows = {s: [] for s in sizes}
    last = None
    for rep in range(repeats):
        order = selection_order(kernel, pool, sizes[-1], selection, seed + 1 + rep)
        for s in sizes:
            train = order[:s]
            pred, std, model = fit_predict(kernel, y, train, test, C, noise, noise_scale)
            err = (pred - y[test]) * EV_TO_KCAL_PER_MOL
            rows[s].append((np.mean(np.abs(err)), math.sqrt(np.mean(err ** 2)), np.max(np.abs(err))))
            if rep == 0 and s == sizes[-1]:
                last = {"train": [int(i) for i in train], "errors_kcal_per_mol": [float(e) for e in err],
                        "std_kcal_per_mol": [float(v) * EV_TO_KCAL_PER_MOL for v in std],
                        "smallest_eigenvalue": float(getattr(model, "smallest_eigenvalue", float("nan")))}
        if log:
            log("  repeat %d/%d done" % (rep + 1, repeats))
    out_rows = []
    for s in sizes:
        a = np.array(rows[s])
        out_rows.append({"n_train": s, "mae_kcal_per_mol": float(a[:, 0].mean()), "rmse_kcal_per_mol": float(a[:, 1].mean()),
                         "max_kcal_per_mol": float(a[:, 2].mean()),
                         "mae_std_over_repeats": float(a[:, 0].std()) if len(a) > 1 else 0.0})
    return {"rows": out_rows, "test": test, "largest": last, "selection": selection, "repeats": repeats}


def _values(frames, key):
    if not isinstance(key, str):
        v = np.asarray(key, dtype=float)
        if v.shape != (len(frames),):
            raise ValueError("expected %d values, got shape %s" % (len(frames), v.shape))
        return v
    out = np.empty(len(frames))
    for i, a in enumerate(frames):
        if key not in a.info:
            raise ValueError("frame %d (%s) has no info key %r" % (i, a.get_chemical_formula(), key))
        out[i] = float(a.info[key])
        if not math.isfinite(out[i]):
            raise ValueError("frame %d: %s = %r is not finite" % (i, key, a.info[key]))
    return out


def read_frames(path):
    """Extended XYZ through ASE (keeps every info key and per-atom array); QM9 xyz, SDF and MOL2
    through soapgap.molecules.read_molecules."""
    if not os.path.exists(path):
        raise ValueError("%s: no such file" % path)
    low = path.lower()
    if low.endswith((".sdf", ".mol", ".mol2")):
        from .kernels import read_molecules

        return read_molecules(path)
    from ase.io import read

    with open(path) as f:
        f.readline()
        second = f.readline()
    if second.startswith("gdb"):
        from .kernels import read_molecules

        return read_molecules(path)
    return read(path, ":")


def curve_table(curves):
    """Markdown table: one column group per named curve, one row per training size."""
    names = list(curves)
    sizes = sorted({r["n_train"] for c in curves.values() for r in c["rows"]})
    head = ["training structures"] + ["%s MAE / max (kcal/mol)" % n for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in sizes:
        cells = [str(s)]
        for n in names:
            r = next((r for r in curves[n]["rows"] if r["n_train"] == s), None)
            cells.append("—" if r is None else "%.2f / %.1f" % (r["mae_kcal_per_mol"], r["max_kcal_per_mol"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_curves(curves, path, title="", max_error=False):
    """Log-log MAE (and optionally max error, dashed) against training size; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(5.2, 4))
    for i, (name, c) in enumerate(curves.items()):
        n = [r["n_train"] for r in c["rows"]]
        line, = ax.loglog(n, [r["mae_kcal_per_mol"] for r in c["rows"]], "o-", label=name + " MAE")
        if max_error:
            ax.loglog(n, [r["max_kcal_per_mol"] for r in c["rows"]], "s--", color=line.get_color(), alpha=0.7,
                      label=name + " max")
    ax.set_xlabel("training structures")
    ax.set_ylabel("test error (kcal/mol)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def _parse_sizes(text):
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise SystemExit("soapgap learning-curve: --train-sizes %r: expected comma-separated integers" % text)
    if not sizes:
        raise SystemExit("soapgap learning-curve: --train-sizes is empty")
    return sizes


def main(argv=None):
    p = argparse.ArgumentParser(prog="soapgap learning-curve",
                                description="Learning curve (test MAE in kcal/mol vs training size) of a structure-"
                                            "kernel GP for a per-structure energy in an extended XYZ file.")
    p.add_argument("--input", required=True, help="extended XYZ (or any file soapgap.molecules.read_molecules reads)")
    p.add_argument("--target", required=True, help="info key of the target energy (eV)")
    p.add_argument("--baseline", help="info key of a baseline energy (eV): learn target - baseline (Δ-learning)")
    p.add_argument("--positions", help="per-atom array to use as the geometry (e.g. xtb_positions); default: positions")
    p.add_argument("--discrepancy", help="info key of a geometry discrepancy d_i (Å) for the λ-weighted noise")
    p.add_argument("--lambda", dest="lam", type=float, help="λ (Å): sigma_i^2 = noise^2 exp(d_i^2/λ^2)")
    p.add_argument("--descriptor", action="append", required=True,
                   help="SOAP descriptor string; give it twice or more for a multiscale kernel (their mean)")
    p.add_argument("--kind", default="average", choices=["average", "match", "rematch"])
    p.add_argument("--gamma", type=float, default=0.1, help="REMatch γ (default 0.1)")
    p.add_argument("--zeta", type=int, default=2, help="exponent of the normalised kernel (default 2)")
    p.add_argument("--train-sizes", default="10,20,40,80", help="comma-separated training sizes")
    p.add_argument("--test", type=int, default=100, help="test structures (default 100)")
    p.add_argument("--selection", default="random", choices=["random", "fps"])
    p.add_argument("--repeats", type=int, default=1, help="training sets drawn per size (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--noise", type=float, default=0.01, help="GP noise std in eV (default 0.01)")
    p.add_argument("--output-dir", default="learning-curve", help="table.md, curve.json, curve.png, kernel cache")
    p.add_argument("--progress", action="store_true", help="progress of the kernel computation on stderr")
    a = p.parse_args(argv)
    def log(msg):
        print("[learning-curve %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)

    try:
        frames = read_frames(a.input)
        if (a.discrepancy is None) != (a.lam is None):
            raise ValueError("--discrepancy and --lambda go together")
        log("%d structures from %s" % (len(frames), a.input))
        cache = KernelCache(frames, os.path.join(a.output_dir, "kernels"), progress=a.progress, log=log)
        K = cache.kernel(a.descriptor, a.kind, a.gamma, a.zeta, a.positions)
        curve = learning_curve(frames, a.target, K, _parse_sizes(a.train_sizes), a.test, baseline=a.baseline,
                               selection=a.selection, seed=a.seed, repeats=a.repeats, noise=a.noise,
                               discrepancy=a.discrepancy, lam=a.lam, log=log)
    except (ValueError, OSError, KeyError) as e:
        print("soapgap learning-curve: error: %s" % e, file=sys.stderr)
        return 1
    name = ("Δ " if a.baseline else "") + a.target + " (" + a.selection + ")"
    table = curve_table({name: curve})
    os.makedirs(a.output_dir, exist_ok=True)
    with open(os.path.join(a.output_dir, "table.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(a.output_dir, "curve.json"), "w") as f:
        json.dump({"arguments": vars(a), "curve": curve}, f, indent=1)
    plot_curves({name: curve}, os.path.join(a.output_dir, "curve.png"), title=os.path.basename(a.input),
                max_error=True)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
