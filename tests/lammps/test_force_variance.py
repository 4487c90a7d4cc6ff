"""compute soapgap/variance/atom forces yes (LAMMPS plugin) against `soapgap eval --force-variance`.

On one MPI rank the 11 columns (local-energy variance, force variance, the force's 3 x 3
covariance) equal the library's to 1e-9 relative, for the periodic structures of
test_pair_soapgap.py (bulk, triclinic, slab, and a 2-atom cell whose atoms see their own
images); `terms 2` restricts them as in the library; on 2 ranks the compute stops with a message
that names the limitation.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from ase.io import read, write

from lammps_common import fit_potential, parse_args, plugin_header, read_dump, run_deck
from test_pair_soapgap import structures


def run(args, work, name, atoms, pot, nprocs=1, terms=""):
    """The 11 columns of `compute soapgap/variance/atom forces yes` per atom (sorted by id) and
    everything LAMMPS said; (None, what it said) when LAMMPS failed."""
    data = os.path.join(work, name + ".data")
    write(data, atoms, format="lammps-data", atom_style="atomic", specorder=["Si"])
    cols = [f"c_var[{k}]" for k in range(1, 12)]
    deck = plugin_header(args, data, [28.0]) + f"""pair_style soapgap
pair_coeff * * {pot} Si
compute var all soapgap/variance/atom forces yes{" terms " + terms if terms else ""}
dump d all custom 1 {work}/{name}.dump id {" ".join(cols)}
dump_modify d format float %.17g sort id
run 0
"""
    rc, text = run_deck(args, work, name, deck, nprocs)
    if rc != 0:
        return None, text
    _, frame = read_dump(os.path.join(work, name + ".dump"))[0]
    return np.column_stack([frame[c] for c in cols]), text


def reference(args, work, name, atoms, pot, terms=""):
    xin, xout = os.path.join(work, name + ".xyz"), os.path.join(work, name + ".pred.xyz")
    write(xin, atoms, format="extxyz")
    cmd = [args.soapgap, "eval", "--potential", pot, "--input", xin, "--output", xout, "--force-variance", "--quiet"]
    if terms:
        cmd += ["--variance-terms", terms]
    subprocess.run(cmd, check=True, capture_output=True)
    ref = read(xout)
    return np.column_stack([ref.arrays["local_variance"], ref.arrays["force_variance"],
                            ref.arrays["force_covariance"].reshape(len(ref), 9)])


def main():
    args = parse_args(__doc__)
    work = tempfile.mkdtemp(prefix="soapgap-force-variance-")
    failures, n = [], 0
    try:
        subprocess.run([args.dataset_tool, work, "4", "3"], check=True, capture_output=True)
        pot = fit_potential(args, os.path.join(work, "train.xyz"), os.path.join(work, "pot.xml"))
        cases = [(name, atoms, "") for name, atoms in structures().items()]
        cases.append(("bulk64_terms2", structures()["bulk64"], "2"))
        for name, atoms, terms in cases:
            ref = reference(args, work, name, atoms, pot, terms)
            got, log = run(args, work, name, atoms, pot, 1, terms)
            n += 1
            if got is None:
                failures.append(f"{name}: LAMMPS failed:\n{log[-2000:]}")
                continue
            err = np.abs(got - ref).max() / np.abs(ref[:, 1:]).max()
            ok = err <= 1e-9 and ref[:, 1].min() > 0
            print(f"{name:14s} np=1 11 columns vs soapgap eval --force-variance: relative {err:.2e} "
                  f"{'ok' if ok else 'FAILED'}")
            if not ok:
                failures.append(f"{name}: {err:.2e}")
        got, log = run(args, work, "two_ranks", structures()["bulk64"], pot, 2)
        n += 1
        ok = got is None and "one MPI rank" in log
        print(f"two ranks refused with a message: {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append("2 ranks: expected an error naming one MPI rank")
    finally:
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept:", work)
    print(f"{n - len(failures)} passed, {len(failures)} failed")
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
