#!/usr/bin/python3
"""Silicon potentials side by side on held-out PBE frames: the refit history's table
(README.md, "Errors") comes from this command.

    /usr/bin/python3 potentials/Si/compare.py --potential potentials/Si/Si-PBE-soapgap.xml \\
        --potential git:HEAD~3 [--frames fitting/datasets/silicon/test.xyz] [--subset git:REV ...]

--potential: a file, or git:REV for the shipped file at that commit. --subset git:REV restricts
the frames to the candidate_ids of the held-out set at that commit (the same frames over the
turn, while the held-out set grows). Columns per frame set: energy RMSE (meV/atom) / force RMSE
(eV/Å); "liq/am" is the force RMSE on frames whose config_type names liquid or amorphous.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from ase.io import read

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from parity import predict, rmse  # noqa: E402

SHIPPED = "potentials/Si/Si-PBE-soapgap.xml"
HELD_OUT = "fitting/datasets/silicon/test.xyz"


def git_show(rev, path, dest):
    r = subprocess.run(["git", "-C", ROOT, "show", "%s:%s" % (rev, path)], capture_output=True)
    if r.returncode != 0:
        raise SystemExit("compare.py: git show %s:%s failed: %s" % (rev, path, r.stderr.decode().strip()))
    open(dest, "wb").write(r.stdout)
    return dest


def errors(rows, keep):
    """(energy RMSE meV/atom, force RMSE eV/A) over the rows with keep(row) true."""
    sel = [r for r in rows if keep(r)]
    if not sel:
        return None
    return (1e3 * rmse([r["e_pred"] for r in sel], [r["e_ref"] for r in sel]),
            rmse(np.concatenate([r["f_pred"] for r in sel]), np.concatenate([r["f_ref"] for r in sel])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--potential", action="append", required=True, help="file or git:REV (repeatable)")
    ap.add_argument("--frames", default=os.path.join(ROOT, HELD_OUT))
    ap.add_argument("--subset", action="append", default=[], help="git:REV: that commit's held-out frames")
    ap.add_argument("--soapgap", default=os.path.join(ROOT, "build", "fitting", "soapgap"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        frames = read(args.frames, ":")
        ids = [a.info.get("candidate_id") for a in frames]
        subsets = []
        for s in args.subset:
            if not s.startswith("git:"):
                raise SystemExit("compare.py: --subset takes git:REV, not %r" % s)
            old = read(git_show(s[4:], HELD_OUT, os.path.join(tmp, "subset.xyz")), ":")
            want = {a.info.get("candidate_id") for a in old}
            subsets.append((s[4:], {k for k, c in enumerate(ids) if c in want}))
        cols = ["all %d frames" % len(frames), "liq/am F"] + ["the %d frames of %s" % (len(m), r) for r, m in subsets]
        print("Frames: %s\n" % os.path.relpath(args.frames, ROOT))
        print("| potential | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols))
        for k, p in enumerate(args.potential):
            pot = git_show(p[4:], SHIPPED, os.path.join(tmp, "pot%d.xml" % k)) if p.startswith("git:") else p
            rows = predict(args.soapgap, pot, args.frames, tmp)
            for i, r in enumerate(rows):  # predict keeps the order of the frames
                r["index"] = i
            cells = ["%.2f / %.3f" % errors(rows, lambda r: True)]
            la = errors(rows, lambda r: re.search("liquid|amorphous", r["type"]) is not None)
            cells.append("%.3f" % la[1] if la else "—")
            for _, members in subsets:
                e = errors(rows, lambda r: r["index"] in members)
                cells.append("%.2f / %.3f" % e if e else "—")
            print("| %s | %s |" % (p, " | ".join(cells)))


if __name__ == "__main__":
    main()
