#!/usr/bin/env python3
"""Progress of the molecule labelling: counts per heavy-atom count and level, timings.

Reads candidates.csv, labelled.xyz, failed.csv (and label.log for whether a labeller is
running). Needs only the Python standard library (no ASE): it parses the extxyz comment lines.
Usage: python3 status.py [folder]
"""
import csv
import os
import re
import shlex
import statistics
import sys
import time


def comment_lines(path):
    """The info dictionaries of the frames of an extxyz file (values as strings)."""
    frames = []
    with open(path) as f:
        while True:
            line = f.readline()
            if not line.strip():
                break
            n = int(line)
            info = {}
            for tok in shlex.split(f.readline()):
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    info[k] = v
            for _ in range(n):
                f.readline()
            frames.append(info)
    return frames


def main():
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "candidates.csv")) as f:
        cands = list(csv.DictReader(f))
    frames = []
    path = os.path.join(here, "labelled.xyz")
    if os.path.exists(path):
        frames = comment_lines(path)
    failed = []
    path = os.path.join(here, "failed.csv")
    if os.path.exists(path):
        with open(path) as f:
            failed = list(csv.DictReader(f))

    sizes = sorted({int(c["n_heavy"]) for c in cands})
    print("%-8s %10s %8s %8s %8s %8s %8s %12s %12s %12s" % (
        "n_heavy", "candidates", "xtb", "dft", "ccsdt", "failed", "left",
        "t_xtb/s", "t_dft/s", "t_ccsdt/s"))
    tot = [0] * 6
    for n in sizes:
        c = sum(1 for r in cands if int(r["n_heavy"]) == n)
        fr = [x for x in frames if int(x["n_heavy"]) == n]
        nx = sum(1 for x in fr if "energy_xtb" in x)
        nd = sum(1 for x in fr if "energy_dft" in x)
        nc = sum(1 for x in fr if "energy_ccsdt" in x)
        nf = sum(1 for r in failed if int(r["n_heavy"]) == n)
        left = c - len(fr) - nf

        def med(key):
            v = [float(x[key]) for x in fr if key in x]
            return "%8.1f (md)" % statistics.median(v) if v else "%12s" % "-"
        print("%-8d %10d %8d %8d %8d %8d %8d %s %s %s" % (
            n, c, nx, nd, nc, nf, left, med("time_xtb"), med("time_dft"), med("time_ccsdt")))
        for i, v in enumerate([c, nx, nd, nc, nf, left]):
            tot[i] += v
    print("%-8s %10d %8d %8d %8d %8d %8d" % ("all", *tot))
    if failed:
        print("\nfailures by stage:")
        stages = {}
        for r in failed:
            stages.setdefault(r["stage"], []).append(r["smiles"])
        for s, smis in sorted(stages.items()):
            print("  %-18s %3d  %s" % (s, len(smis), " ".join(smis[:12])
                                       + (" ..." if len(smis) > 12 else "")))
    total = sum(float(x.get("time_xtb", 0)) + float(x.get("time_dft", 0))
                + float(x.get("time_ccsdt", 0)) for x in frames)
    print("\nprogram time in labelled molecules: %.1f h" % (total / 3600))
    log = os.path.join(here, "label.log")
    if os.path.exists(log):
        age = time.time() - os.path.getmtime(log)
        last = ""
        with open(log) as f:
            for line in f:
                if line.strip():
                    last = line.strip()
        print("label.log: last line %.0f s ago: %s" % (age, last))
    lock = os.path.join(here, ".label.lock")
    if os.path.exists(lock):
        try:
            import fcntl
            with open(lock, "w") as f:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
            print("labeller: not running")
        except OSError:
            print("labeller: running (lock held)")


if __name__ == "__main__":
    main()
