"""`mpirun -np N soapgap fit`: one potential whatever N (issue 27), and failures that end every rank.

1. The same fit with N = 1 (no mpirun), 1, 2 and 4 ranks (oversubscribed on small machines):
   the same sparse points, and predictions on held-out configurations equal to 1e-8 relative.
2. A bad configuration that only one rank reads the descriptors of (overlapping atoms near the
   end of the file): every rank stops, with exactly one error line naming it, and the previous
   output file is left as it was.
3. A rank killed during the fit: mpirun ends the others, and the previous output file is left
   as it was, with no temporary file beside it.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
from ase.io import read, write

import soapgap

SOAP = "soap n_max=4 l_max=3 cutoff=4 atom_sigma=0.5 zeta=2 delta=1 n_sparse=30"
TWO_BODY = "distance_2b cutoff=4 theta=0.5 delta=0.3 n_sparse=8"


def mpirun(n):
    cmd = [shutil.which("mpirun") or "mpirun", "-np", str(n)]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd + ["--oversubscribe"]


def fit_cmd(args, train, out, extra=()):
    return [args.soapgap, "fit", "--train", train, "--output", out, "--descriptor", SOAP, "--descriptor", TWO_BODY,
            "--threads", "1", "--quiet", *extra]


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--soapgap", required=True)
    ap.add_argument("--dataset-tool", required=True)
    args = ap.parse_args()
    failures = []
    work = tempfile.mkdtemp(prefix="soapgap-mpi-fit-")
    try:
        subprocess.run([args.dataset_tool, work, "6", "3"], check=True, capture_output=True)
        train = os.path.join(work, "train.xyz")
        test = read(os.path.join(work, "test.xyz"), ":")
        # 1. N = 1, 2, 4
        outs = {}
        for label, prefix in (("serial", []), ("np1", mpirun(1)), ("np2", mpirun(2)), ("np4", mpirun(4))):
            out = os.path.join(work, label + ".xml")
            r = run(prefix + fit_cmd(args, train, out), work)
            if r.returncode != 0:
                failures.append(f"{label}: exit {r.returncode}: {r.stderr[-1500:]}")
                continue
            outs[label] = soapgap.Potential(out)
        if "serial" in outs:
            ref = [outs["serial"].predict(a) for a in test]
            for label, pot in outs.items():
                if label == "serial":
                    continue
                pred = [pot.predict(a) for a in test]
                de = max(abs(p["energy"] - q["energy"]) / abs(q["energy"]) for p, q in zip(pred, ref))
                df = max(np.abs(p["forces"] - q["forces"]).max() / np.abs(q["forces"]).max() for p, q in zip(pred, ref))
                ok = de <= 1e-8 and df <= 1e-8
                print(f"{label:6s} vs one process: energies {de:.1e}, forces {df:.1e} (relative) {'ok' if ok else 'FAILED'}")
                if not ok:
                    failures.append(f"{label}: predictions differ ({de:.1e}, {df:.1e})")

        # 2. a bad configuration near the end of the file (the last rank's block)
        frames = read(train, ":")
        bad = frames[-1].copy()
        bad.positions[1] = bad.positions[0] + 0.01
        write(os.path.join(work, "bad.xyz"), frames[:-1] + [bad], format="extxyz")
        keep = os.path.join(work, "keep.xml")
        shutil.copy(os.path.join(work, "serial.xml"), keep)
        before = open(keep, "rb").read()
        r = run(mpirun(2) + fit_cmd(args, os.path.join(work, "bad.xyz"), keep), work)
        lines = [l for l in r.stderr.splitlines() if l.startswith("soapgap")]
        ok = r.returncode != 0 and len(lines) == 1 and "on top of each other" in lines[0] and \
            open(keep, "rb").read() == before
        print(f"bad configuration on one rank: exit {r.returncode}, {len(lines)} error line(s), old file kept: "
              f"{'ok' if ok else 'FAILED'}\n  {lines[0] if lines else r.stderr[-500:]}")
        if not ok:
            failures.append("bad configuration: " + r.stderr[-1500:])

        # 3. a rank killed during a longer fit
        big = os.path.join(work, "big.xyz")
        write(big, frames * 30, format="extxyz")
        cmd = mpirun(2) + fit_cmd(args, big, keep)
        cmd[cmd.index(SOAP)] = SOAP.replace("n_sparse=30", "n_sparse=400")
        p = subprocess.Popen(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, OMP_NUM_THREADS="1"))
        killed = False
        for _ in range(200):
            time.sleep(0.05)
            ranks = subprocess.run(["pgrep", "-P", str(p.pid), "-f", "soapgap fit"], capture_output=True,
                                   text=True).stdout.split()
            if len(ranks) >= 2:
                time.sleep(0.5)
                os.kill(int(ranks[-1]), signal.SIGKILL)
                killed = True
                break
        p.communicate(timeout=300)
        left = sorted(f for f in os.listdir(work) if f.startswith("keep.xml") and f != "keep.xml")
        ok = killed and p.returncode != 0 and open(keep, "rb").read() == before and not left
        print(f"rank killed: mpirun exit {p.returncode}, old file kept, no temporary files: {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append(f"killed rank: killed={killed} exit={p.returncode} leftovers={left}")
    finally:
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept:", work)
    for f in failures:
        print("FAILED:", f)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
