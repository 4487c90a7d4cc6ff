"""soapgap fit with a gap_fit command line, and the variance of QUIP files, against QUIP's gap_fit
itself (quippy-ase from PyPI, in the venv of scripts/install-test-references.sh).

1. The same gap_fit line (SOAP, sparse_method=none so that both codes use every environment as
   a sparse point) run by gap_fit and by `soapgap fit`: the two potentials predict the same
   energies and forces on a held-out cell (1e-8 eV/atom, 1e-6 eV/A).
2. `soapgap convert gap.xml out.xml --train train.xyz` refits QUIP's weights from the file's own
   command line (sigmas, e0, sparse_jitter) with QUIP's sparse points: they agree with the file's
   to 1e-6 relative, and the file then carries the fit's variance; `--variance` gives the
   sparse-only one, which is smaller at every atom.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from ase.build import bulk
from ase.io import read, write

import soapgap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = ("default_sigma={0.002 0.1 0.05 0} e0={Si:-158.5} sparse_jitter=1e-8 force_parameter_name=forces "
        "energy_parameter_name=energy do_copy_at_file=F sparse_separate_file=F at_file=train.xyz")
SOAP = ("soap l_max=4 n_max=4 atom_sigma=0.5 zeta=2 cutoff=4.0 cutoff_transition_width=0.5 delta=1.0 "
        "covariance_type=dot_product")


def cell(seed, rattle):
    a = bulk("Si", "diamond", 5.43, cubic=True)
    a.rattle(rattle, seed=seed)
    return a


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    if r.returncode != 0:
        sys.exit("FAILED: %s\n%s\n%s" % (" ".join(cmd), r.stdout[-2000:], r.stderr[-2000:]))
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--soapgap", required=True)
    ap.add_argument("--gap-fit", default=os.path.expanduser("~/.cache/soapgap/quippy-venv/bin/gap_fit"))
    args = ap.parse_args()
    if not os.access(args.gap_fit, os.X_OK):
        sys.exit("FAILED: no gap_fit at %s (run scripts/install-test-references.sh)" % args.gap_fit)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        label = soapgap.Potential(os.path.join(ROOT, "potentials", "Si", "Si-PBE-soapgap.xml"))
        frames = []
        for i in range(6):
            a = cell(i, 0.1)
            p = label.predict(a)
            a.info["energy"] = p["energy"]
            a.arrays["forces"] = p["forces"]
            frames.append(a)
        write(os.path.join(tmp, "train.xyz"), frames, format="extxyz")
        test = cell(99, 0.12)

        # 1. one gap_fit line, two codes
        line = ("gap={%s n_sparse=100 sparse_method=none} %s" % (SOAP, BASE)).split()
        run([args.gap_fit] + line + ["gp_file=quip.xml"], tmp)
        run([args.soapgap, "fit"] + line + ["gp_file=soapgap.xml", "--quiet"], tmp)
        q = soapgap.Potential(os.path.join(tmp, "quip.xml")).predict(test)
        s = soapgap.Potential(os.path.join(tmp, "soapgap.xml")).predict(test)
        de = abs(q["energy"] - s["energy"]) / len(test)
        df = np.abs(q["forces"] - s["forces"]).max()
        print("gap_fit vs soapgap fit, same line: |dE| %.2e eV/atom, max |dF| %.2e eV/A" % (de, df))
        if not (de < 1e-8 and df < 1e-6):
            failures.append("soapgap fit with the gap_fit line differs from gap_fit")

        # 2. QUIP's fit refitted from its own command line; its variance
        line = ("gap={%s n_sparse=20 sparse_method=cur_points} %s" % (SOAP, BASE)).split()
        run([args.gap_fit] + line + ["gp_file=cur.xml"], tmp)
        out = run([args.soapgap, "convert", "cur.xml", "full.xml", "--train", "train.xyz", "--quiet"], tmp)
        m = re.search(r"differ from the file's by ([0-9.eE+-]+)", out)
        change = float(m.group(1)) if m else float("inf")
        print("weights refitted from the file's command line: %.2e of the largest" % change)
        if not change < 1e-6:
            failures.append("convert --train does not reproduce QUIP's weights: " + out)
        run([args.soapgap, "convert", "cur.xml", "sparse.xml", "--variance"], tmp)
        info = {f: run([args.soapgap, "info", f], tmp) for f in ("full.xml", "sparse.xml")}
        if "posterior of the fit" not in info["full.xml"] or "sparse points only" not in info["sparse.xml"]:
            failures.append("soapgap info does not say which variance a file carries")
        vf = soapgap.Potential(os.path.join(tmp, "full.xml")).predict(test, variance=True)["local_variance"]
        vs = soapgap.Potential(os.path.join(tmp, "sparse.xml")).predict(test, variance=True)["local_variance"]
        print("local variance (eV^2): fit %.3g, sparse only %.3g (means)" % (vf.mean(), vs.mean()))
        if not (np.all(vf > vs) and np.all(vs > 0)):
            failures.append("the fit's variance should exceed the sparse-only one at every atom")
    for f in failures:
        print("FAILED:", f)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
