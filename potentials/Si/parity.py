#!/usr/bin/env python3
"""Parity plots of a silicon potential against the project's DFT data: energy per atom and
force components, soapgap vs PBE, training and held-out sets, coloured by config_type.

Usage: parity.py [--soapgap build/fitting/soapgap] [--potential Si-PBE-soapgap.xml] [--out report]
Writes report/parity_energy.png and report/parity_forces.png (runs `soapgap eval`), and
report/uncertainty.json: on the held-out set, the Spearman rank correlation per atom between the
predicted σ (of the local energy, and sqrt of the force variance) and the force error |ΔF_i|
(issue 22's target: ≥ 0.5), also printed.
"""
import json
import argparse
import os
import subprocess
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from ase.io import read  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(ROOT, "fitting", "datasets", "silicon")


def predict(soapgap, potential, xyz, tmp, variances=False):
    """Predictions for xyz; with variances, also the per-atom sigma of the local energy and of
    the forces (only the held-out set needs them: the force variance is the costly part)."""
    out = os.path.join(tmp, os.path.basename(xyz) + ".pred.xyz")
    subprocess.run([soapgap, "eval", "--potential", potential, "--input", xyz, "--output", out, "--quiet"]
                   + (["--force-variance"] if variances else []), check=True, stdout=subprocess.DEVNULL)
    ref, pred = read(xyz, ":"), read(out, ":")
    rows = []
    for r, p in zip(ref, pred):
        n = len(r)
        rows.append({"type": r.info.get("config_type", "?"), "n": n,
                     "e_ref": r.get_potential_energy() / n, "e_pred": p.get_potential_energy() / n,
                     "f_ref": r.get_forces().ravel(), "f_pred": p.get_forces().ravel()})
        if variances:
            rows[-1]["sigma"] = np.sqrt(np.maximum(p.arrays["local_variance"], 0.0))
            rows[-1]["sigma_f"] = np.sqrt(np.maximum(p.arrays["force_variance"], 0.0))
    return rows


def uncertainty(rows):
    """Spearman rank correlation per atom between predicted sigma and |F_pred - F_ref|."""
    from scipy.stats import spearmanr

    err = np.concatenate([np.linalg.norm((r["f_pred"] - r["f_ref"]).reshape(-1, 3), axis=1) for r in rows])
    sig = np.concatenate([r["sigma"] for r in rows])
    sigf = np.concatenate([r["sigma_f"] for r in rows])
    return {"atoms": int(err.size), "spearman_local_energy_sigma_vs_force_error": float(spearmanr(sig, err)[0]),
            "spearman_force_sigma_vs_force_error": float(spearmanr(sigf, err)[0])}


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--soapgap", default=os.path.join(ROOT, "build", "fitting", "soapgap"))
    ap.add_argument("--potential", default=os.path.join(HERE, "Si-PBE-soapgap.xml"))
    ap.add_argument("--out", default=os.path.join(HERE, "report"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sets = {name: predict(args.soapgap, args.potential, os.path.join(DATA, name + ".xyz"), tmp,
                              variances=name == "test")
                for name in ("train", "test")}
    types = sorted({r["type"] for rows in sets.values() for r in rows})
    cmap = plt.get_cmap("tab20", max(len(types), 1))
    colour = {t: cmap(i) for i, t in enumerate(types)}

    fig, axes = plt.subplots(1, 2, figsize=(13, 6))
    for ax, (name, rows) in zip(axes, sets.items()):
        # the isolated atom (5 eV/atom above the rest) is left out of the energy plot's range
        rows = [r for r in rows if r["type"] != "isolated_atom"]
        e0 = min(r["e_ref"] for r in rows)
        for t in types:
            sel = [r for r in rows if r["type"] == t]
            if sel:
                ax.scatter([r["e_ref"] - e0 for r in sel], [r["e_pred"] - e0 for r in sel], s=18,
                           color=colour[t], label=t)
        lim = [min(r["e_ref"] - e0 for r in rows) - 0.1, max(r["e_ref"] - e0 for r in rows) + 0.1]
        ax.plot(lim, lim, "k-", lw=0.7)
        err = rmse([r["e_ref"] for r in rows], [r["e_pred"] for r in rows]) * 1000
        ax.set_title(f"{name}: {len(rows)} configurations (no isolated atom), energy RMSE {err:.1f} meV/atom")
        ax.set_xlabel("PBE energy per atom − lowest (eV/atom)")
        ax.set_ylabel("soapgap energy per atom − same shift (eV/atom)")
    axes[0].legend(fontsize=6, ncol=2, loc="upper left")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "parity_energy.png"), dpi=110)

    fig, axes = plt.subplots(1, 2, figsize=(13, 6))
    for ax, (name, rows) in zip(axes, sets.items()):
        allr, allp = [], []
        for t in types:
            sel = [r for r in rows if r["type"] == t]
            if not sel:
                continue
            fr = np.concatenate([r["f_ref"] for r in sel])
            fp = np.concatenate([r["f_pred"] for r in sel])
            allr.append(fr)
            allp.append(fp)
            ax.scatter(fr, fp, s=4, color=colour[t], label=t)
        fr, fp = np.concatenate(allr), np.concatenate(allp)
        lim = [min(fr.min(), fp.min()), max(fr.max(), fp.max())]
        ax.plot(lim, lim, "k-", lw=0.7)
        ax.set_title(f"{name}: {fr.size} force components, RMSE {rmse(fr, fp):.3f} eV/Å")
        ax.set_xlabel("PBE force component (eV/Å)")
        ax.set_ylabel("soapgap force component (eV/Å)")
    axes[0].legend(fontsize=6, ncol=2, loc="upper left", markerscale=3)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "parity_forces.png"), dpi=110)
    print("wrote", os.path.join(args.out, "parity_energy.png"), "and", os.path.join(args.out, "parity_forces.png"))
    u = uncertainty(sets["test"])
    with open(os.path.join(args.out, "uncertainty.json"), "w") as f:
        json.dump(u, f, indent=1)
    print("held-out, %d atoms: Spearman(sigma of the local energy, |dF|) %.2f, Spearman(sqrt force variance, |dF|) %.2f"
          % (u["atoms"], u["spearman_local_energy_sigma_vs_force_error"], u["spearman_force_sigma_vs_force_error"]))


if __name__ == "__main__":
    main()
