#!/usr/bin/python3
"""Reads the LAMMPS logs of run_lammps_benchmark.sh and prints the Markdown table.

From each log: "Loop time of X on P procs for N steps with A atoms" gives the wall time per
atom-step, X·1e6/(N·A) µs; the Pair row of the MPI task timing breakdown its %total; "CPU use"
how much CPU the ranks got; "master list distance cutoff" minus the skin the pair cutoff rc.
Neighbours per atom within rc are counted (ASE) in the perfect lattice and in the configuration
written at the end of the first run of each style. The table shows the median over repeats of
each (style, ranks).
"""
import argparse
import csv
import json
import re
import statistics

import numpy as np
from ase.build import bulk
from ase.io import read
from ase.neighborlist import neighbor_list

LOOP = re.compile(r"^Loop time of ([0-9.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms")
CPU = re.compile(r"^([0-9.]+)% CPU use with (\d+) MPI tasks x (\d+) OpenMP")
PAIR = re.compile(r"^Pair\s*\|.*\|\s*([0-9.]+)\s*$")
CUT = re.compile(r"master list distance cutoff = ([0-9.eE+-]+)")
BUILDS = re.compile(r"^Neighbor list builds = (\d+)")


def parse_log(path, skin):
    out = {}
    with open(path) as f:
        lines = f.read().splitlines()
    out["lammps"] = lines[0].strip() if lines else "?"
    for line in lines:
        if m := LOOP.match(line):
            x, p, n, a = float(m[1]), int(m[2]), int(m[3]), int(m[4])
            out.update(loop_s=x, procs=p, steps=n, atoms=a, us=x * 1e6 / (n * a))
        elif m := CPU.match(line):
            out["cpu_pct"] = float(m[1])
        elif (m := PAIR.match(line)) and "pair_pct" not in out:
            out["pair_pct"] = float(m[1])
        elif m := CUT.search(line):
            out["rc"] = float(m[1]) - skin
        elif m := BUILDS.match(line):
            out["builds"] = int(m[1])
    if "us" not in out:
        raise SystemExit(f"no 'Loop time' line in {path}")
    return out


def neighbours(dump, rc):
    atoms = read(dump, format="lammps-dump-text")
    i = neighbor_list("i", atoms, rc)
    return len(i) / len(atoms)


def soapgap_model(info_path):
    """Short description of a soapgap potential from `soapgap info`."""
    try:
        text = open(info_path).read()
    except OSError:
        return "SOAP-GAP"
    parts, cur = [], None
    for line in text.splitlines():
        m = re.match(r"term \d+: (\S+)(.*)", line)
        if m:
            kv = dict(re.findall(r"(\w+)=(\S+)", m[2]))
            cur = {"name": m[1], "kv": kv, "M": 0, "D": None}
            parts.append(cur)
        elif cur and (m := re.search(r"descriptor dimension (\d+)", line)):
            cur["D"] = int(m[1])
        elif cur and (m := re.search(r"group \S+: (\d+) sparse points", line)):
            cur["M"] += int(m[1])
    words = []
    for p in parts:
        if p["name"] == "soap":
            words.append(f"soap n_max={p['kv'].get('n_max')} l_max={p['kv'].get('l_max')} "
                         f"(D={p['D']}, M={p['M']})")
        else:
            words.append(f"{p['name']} (M={p['M']})")
    cut = re.search(r"^cutoff: (\S+)", text, re.M)
    desc = " + ".join(words) if words else "SOAP-GAP"
    return f"SOAP-GAP {desc}" + (f", rc {cut[1]} Å" if cut else "")


def fmt(x):
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:#.3g}"


def lattice_neighbours(rc, cells):
    atoms = bulk("Si", "diamond", a=5.431, cubic=True).repeat((cells, cells, cells))
    return len(neighbor_list("i", atoms, rc)) / len(atoms)


def main():
    ap = argparse.ArgumentParser()
    for a in ("runs", "date", "host", "load", "lmp", "potential", "potential-origin", "potential-info",
              "mpirun", "output", "json"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--skin", type=float, required=True)
    ap.add_argument("--cells", type=int, required=True)
    args = ap.parse_args()

    with open(args.runs) as f:
        runs = list(csv.DictReader(f, delimiter="\t"))
    styles, ranks = [], []
    for r in runs:
        r.update(parse_log(r["log"], args.skin))
        if r["style"] not in styles:
            styles.append(r["style"])
        if int(r["ranks"]) not in ranks:
            ranks.append(int(r["ranks"]))
    ranks.sort()
    lammps = runs[0]["lammps"]
    atoms = runs[0]["atoms"]

    # median over repeats per (style, ranks); neighbours from the first run of each style
    agg, neigh, neigh0, rc = {}, {}, {}, {}
    for s in styles:
        first = next(r for r in runs if r["style"] == s)
        rc[s] = first.get("rc")
        neigh[s] = neighbours(first["dump"], rc[s]) if rc[s] else None
        neigh0[s] = lattice_neighbours(rc[s], args.cells) if rc[s] else None
        for p in ranks:
            rs = [r for r in runs if r["style"] == s and int(r["ranks"]) == p]
            if not rs:
                continue
            us = [r["us"] for r in rs]
            agg[s, p] = {
                "us": statistics.median(us), "us_min": min(us), "us_max": max(us), "n": len(us),
                "steps": rs[0]["steps"],
                "pair_pct": statistics.median(r.get("pair_pct", float("nan")) for r in rs),
                "cpu_pct": statistics.median(r.get("cpu_pct", float("nan")) for r in rs),
                # process CPU time summed over the ranks (LAMMPS' "CPU use" is the mean over ranks)
                "cpu_us": statistics.median(r["us"] * r.get("cpu_pct", float("nan")) / 100 * p for r in rs),
                "builds": max(r.get("builds", 0) for r in rs),
            }

    models = {
        "soapgap": soapgap_model(args.potential_info),
        "sw": "Stillinger-Weber, potentials/Si.sw",
        "snap": "SNAP W_2940_2017_2, 2J=8 (W parameters on Si positions, atoms fixed)",
    }
    two = ranks == [1, 2]
    speed_head = "speed-up 1→2 ranks" if two else "speed-up vs 1 rank"
    head = ["style", "model", "ranks", "steps", "µs/atom-step", "ratio to sw", "ratio to snap", speed_head,
            "Pair %", "rc Å", "neigh/atom r<rc (lattice; end)", "CPU use %", "CPU µs/atom-step",
            "min–max µs (n)"]
    rows = []
    for s in styles:
        for p in ranks:
            a = agg.get((s, p))
            if a is None:
                continue
            sw = agg.get(("sw", p))
            sn = agg.get(("snap", p))
            one = agg.get((s, 1))
            rows.append([
                f"`{s}`", models.get(s, s), str(p), str(a["steps"]), fmt(a["us"]),
                fmt(a["us"] / sw["us"]) if sw else "—",
                fmt(a["us"] / sn["us"]) if sn else "—",
                fmt(one["us"] / a["us"]) if one and p != 1 else "—",
                f"{a['pair_pct']:.1f}", f"{rc[s]:.3f}" if rc[s] else "—",
                f"{neigh0[s]:.0f}; {neigh[s]:.1f}" if neigh[s] is not None else "—",
                f"{a['cpu_pct']:.0f}", fmt(a["cpu_us"]), f"{fmt(a['us_min'])}–{fmt(a['us_max'])} ({a['n']})",
            ])
    n_cells = args.cells
    lines = [
        "## LAMMPS timing: soapgap vs sw and snap",
        "",
        f"- date: {args.date}; {lammps}, `{args.lmp}`",
        f"- atoms: {atoms} (diamond Si, a = 5.431 Å, {n_cells}×{n_cells}×{n_cells} conventional cells), "
        f"velocity create 300 K (seed 4928459, loop geom), NVE, dt = 1 fs, skin {args.skin:g} Å",
        f"- host: {args.host}; load average at start {args.load}; OMP_NUM_THREADS=1, "
        f"`{args.mpirun}`",
        f"- soapgap potential: `{args.potential}` ({args.potential_origin})",
        "- µs/atom-step = wall \"Loop time\" · 10⁶ / (steps · atoms), median of the repeats; with 2 ranks "
        "it is still wall time, so speed-up = t(1 rank) / t(2 ranks). Ratios are to the sw / snap row "
        "with the same number of ranks. Pair % = share of the loop in the pair style (LAMMPS breakdown). "
        "CPU use % = LAMMPS' process CPU time / wall time, mean over ranks; CPU µs/atom-step = the CPU "
        "time of all ranks per atom-step (with 1 rank the least load-dependent number; with 2 ranks it "
        "includes time spent waiting in MPI).",
        "- Absolute times on a shared 2-core machine are noisy (other jobs run beside it; see CPU use %): "
        "compare the ratios, which come from the same run.",
        "- snap runs the W 2J=8 example potential on the Si positions, so its 4.73 Å cutoff sets its "
        "neighbour count; only its cost is meaningful. W SNAP is not stable on diamond Si (it collapses "
        "and loses atoms within ~70 fs at 300 K), so its atoms are held fixed (zero velocities, "
        "`fix setforce 0 0 0` with `fix nve`): every step still computes all SNAP energies and forces. "
        "neigh/atom: neighbours within rc in the perfect lattice; and in the configuration at the end "
        "of the first run (soapgap's 4.5 Å cutoff lies just below the third shell at 4.503 Å, so "
        "thermal motion brings some of those 12 atoms inside).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    builds = ", ".join(f"{s} {max(agg[s, p]['builds'] for p in ranks if (s, p) in agg)}" for s in styles)
    lines += ["", f"Neighbour list rebuilds per run (max): {builds}.", ""]
    text = "\n".join(lines)
    print(text)
    with open(args.output, "w") as f:
        f.write(text)
    with open(args.json, "w") as f:
        json.dump({"date": args.date, "host": args.host, "lammps": lammps, "atoms": atoms,
                   "potential": args.potential, "runs": runs,
                   "summary": [{"style": s, "ranks": p, **agg[s, p], "rc": rc[s], "neighbours_end": neigh[s],
                                "neighbours_lattice": neigh0[s]}
                               for (s, p) in agg]}, f, indent=1)


if __name__ == "__main__":
    main()
