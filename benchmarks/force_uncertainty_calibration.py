#!/usr/bin/env python3
"""Is the predicted force uncertainty informative? Held-out DFT frames against the shipped model.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/force_uncertainty_calibration.py \
        [--potential potentials/Si/Si-PBE-soapgap.xml] [--test fitting/datasets/silicon/test.xyz]

For every atom of the held-out set: the error of the predicted force |F_model - F_DFT| and the
predicted force sigma sqrt(trace Cov(F)/3) (force_variance=True). Prints the Spearman rank
correlation of the two per atom, the fraction of force components within 1 and 2 predicted
sigmas (a calibrated Gaussian gives 68 % and 95 %; atoms whose forces symmetry fixes, with
sigma and error both ~0, count as within), and the same per config_type.
"""
import argparse
import os

import numpy as np
from ase.io import read

import soapgap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--potential", default=os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml"))
    ap.add_argument("--test", default=os.path.join(ROOT, "fitting", "datasets", "silicon", "test.xyz"))
    args = ap.parse_args()
    pot = soapgap.Potential(args.potential)
    rows = {}
    for atoms in read(args.test, ":"):
        if "forces" not in atoms.arrays and atoms.calc is None:
            continue
        ref = atoms.get_forces() if atoms.calc is not None else atoms.arrays["forces"]
        p = pot.predict(atoms, force_variance=True)
        err = p["forces"] - ref
        sigma = np.sqrt(p["force_variances"] / 3)
        ct = atoms.info.get("config_type", "(none)")
        for k in ("all", ct):
            r = rows.setdefault(k, {"err": [], "sigma": [], "comp": []})
            r["err"].append(np.linalg.norm(err, axis=1))
            r["sigma"].append(sigma)
            # atoms whose force symmetry fixes (sigma and error both ~0) count as within
            safe = np.where(sigma > 1e-9, sigma, 1.0)[:, None]
            r["comp"].append(np.where(sigma[:, None] > 1e-9, np.abs(err) / safe, 0.0))
    print("potential %s, held-out %s" % (os.path.relpath(args.potential, ROOT), os.path.relpath(args.test, ROOT)))
    print("| config_type | atoms | RMSE dF (eV/A) | mean sigma_F (eV/A) | Spearman(sigma, dF) | within 1 sigma | within 2 sigma |")
    print("|---|---|---|---|---|---|---|")
    for k in ["all"] + sorted(x for x in rows if x != "all"):
        e, s, c = (np.concatenate(rows[k][x]) for x in ("err", "sigma", "comp"))
        print("| %s | %d | %.3f | %.3f | %.2f | %.0f %% | %.0f %% |" % (
            k, len(e), np.sqrt((e ** 2).mean() / 3), s.mean(), spearman(s, e) if len(e) > 2 else float("nan"),
            100 * (c <= 1).mean(), 100 * (c <= 2).mean()))
    c = np.concatenate(rows["all"]["comp"]).ravel()
    print("\nall: |dF_component| / sigma at the 68th and 95th percentiles: %.2f and %.2f (calibrated: 1 and 1.96)"
          % (np.percentile(c, 68), np.percentile(c, 95)))


if __name__ == "__main__":
    main()
