#!/usr/bin/python3
"""Reads the LAMMPS logs of run_lammps_benchmark.sh and prints the Markdown tables.

From each log: "Loop time of X on P procs for N steps with A atoms" gives the wall time per
atom-step, X·1e6/(N·A) µs; the Pair row of the MPI task timing breakdown its %total; "CPU use"
how much CPU the process(es) got and with how many OpenMP threads; "master list distance cutoff"
minus the skin the pair cutoff rc. Neighbours per atom within rc are counted (ASE) in the perfect
lattice and in the configuration written at the end of the first run of each style. One table
per mode: mpi (median over repeats of each (style, ranks)) and kk (each (style, threads) on one
rank).
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
# LAMMPS' own note when a Kokkos style ignores the threads on the host (snap/kk in LAMMPS 2021)
SINGLE = re.compile(r"^Pair style (\S+) currently only runs on a single CPU thread")


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
            out["log_threads"] = int(m[3])
        elif (m := PAIR.match(line)) and "pair_pct" not in out:
            out["pair_pct"] = float(m[1])
        elif m := CUT.search(line):
            out["rc"] = float(m[1]) - skin
        elif m := BUILDS.match(line):
            out["builds"] = int(m[1])
        elif m := SINGLE.match(line):
            out["single_thread"] = m[1]
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


def aggregate(rs):
    us = [r["us"] for r in rs]
    return {
        "us": statistics.median(us), "us_min": min(us), "us_max": max(us), "n": len(us),
        "steps": rs[0]["steps"],
        "pair_pct": statistics.median(r.get("pair_pct", float("nan")) for r in rs),
        "cpu_pct": statistics.median(r.get("cpu_pct", float("nan")) for r in rs),
        # process CPU time summed over the ranks (LAMMPS' "CPU use" is the mean over ranks; with
        # threads it is the CPU time of all threads of a rank, so up to T·100 %)
        "cpu_us": statistics.median(r["us"] * r.get("cpu_pct", float("nan")) / 100 * int(r["ranks"]) for r in rs),
        "builds": max(r.get("builds", 0) for r in rs),
    }


MODELS = {
    "sw": "Stillinger-Weber, potentials/Si.sw",
    "snap": "SNAP W_2940_2017_2, 2J=8 (W parameters on Si positions, atoms fixed)",
}


def main():
    ap = argparse.ArgumentParser()
    for a in ("runs", "date", "host", "load", "lmp", "potential", "potential-origin", "potential-info",
              "mpirun", "output", "json"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--load-end", default="")
    ap.add_argument("--kk-flags", default="")
    ap.add_argument("--skin", type=float, required=True)
    ap.add_argument("--cells", type=int, required=True)
    args = ap.parse_args()

    with open(args.runs) as f:
        runs = list(csv.DictReader(f, delimiter="\t"))
    if not runs:
        raise SystemExit(f"no runs in {args.runs}")
    styles = {"mpi": [], "kk": []}
    for r in runs:
        r.update(parse_log(r["log"], args.skin))
        r.setdefault("mode", "mpi")
        r.setdefault("threads", "1")
        if r["style"] not in styles[r["mode"]]:
            styles[r["mode"]].append(r["style"])
        if r.get("log_threads") is not None and r["log_threads"] != int(r["threads"]):
            raise SystemExit(f"{r['log']}: LAMMPS ran {r['log_threads']} OpenMP threads, "
                             f"{r['threads']} were asked for")
    lammps = runs[0]["lammps"]
    atoms = runs[0]["atoms"]
    models = dict(MODELS, soapgap=soapgap_model(args.potential_info))

    # rc and neighbours from the first run of each style (any mode)
    neigh, neigh0, rc = {}, {}, {}
    for r in runs:
        s = r["style"]
        if s in rc:
            continue
        rc[s] = r.get("rc")
        neigh[s] = neighbours(r["dump"], rc[s]) if rc[s] else None
        neigh0[s] = lattice_neighbours(rc[s], args.cells) if rc[s] else None

    # median over repeats per (mode, style, n): n = ranks (mpi) or threads (kk)
    agg = {}
    for mode, key in (("mpi", "ranks"), ("kk", "threads")):
        for s in styles[mode]:
            for n in sorted({int(r[key]) for r in runs if r["mode"] == mode}):
                rs = [r for r in runs if r["mode"] == mode and r["style"] == s and int(r[key]) == n]
                if rs:
                    agg[mode, s, n] = aggregate(rs)

    def counts(mode):
        return sorted({n for (m, _, n) in agg if m == mode})

    def common(a, s):
        return [f"{a['pair_pct']:.1f}", f"{rc[s]:.3f}" if rc[s] else "—",
                f"{neigh0[s]:.0f}; {neigh[s]:.1f}" if neigh[s] is not None else "—",
                f"{a['cpu_pct']:.0f}", fmt(a["cpu_us"]), f"{fmt(a['us_min'])}–{fmt(a['us_max'])} ({a['n']})"]

    def model_of(s):
        base = s.split("/")[0]
        return models.get(base, base) + (" (Kokkos)" if s.endswith("/kk") else "")

    def ratio(a, b):
        return fmt(a["us"] / b["us"]) if b else "—"

    n_cells = args.cells
    load = f"load average at start {args.load}" + (f", at the end {args.load_end}" if args.load_end else "")
    lines = [
        "## LAMMPS timing: soapgap vs sw and snap",
        "",
        f"- date: {args.date}; {lammps}, `{args.lmp}`",
        f"- atoms: {atoms} (diamond Si, a = 5.431 Å, {n_cells}×{n_cells}×{n_cells} conventional cells), "
        f"velocity create 300 K (seed 4928459, loop geom), NVE, dt = 1 fs, skin {args.skin:g} Å",
        f"- host: {args.host}; {load}; `{args.mpirun}`",
        f"- soapgap potential: `{args.potential}` ({args.potential_origin})",
        "- µs/atom-step = wall \"Loop time\" · 10⁶ / (steps · atoms), median of the repeats; with 2 ranks "
        "or 2 threads it is still wall time, so speed-up = t(1) / t(2). Ratios are to the sw / snap row "
        "(sw/kk / snap/kk in the Kokkos table) with the same number of ranks or threads. Pair % = share "
        "of the loop in the pair style (LAMMPS breakdown). CPU use % = LAMMPS' process CPU time / wall "
        "time, mean over ranks (with T threads up to T·100 %); CPU µs/atom-step = the CPU time of all "
        "ranks and threads per atom-step (with 1 rank and 1 thread the least load-dependent number; "
        "otherwise it includes time spent waiting in MPI or at thread barriers).",
        "- Absolute times on a shared 2-core machine are noisy (other jobs run beside it; see CPU use %): "
        "compare the ratios, which come from the same run.",
        "- snap runs the W 2J=8 example potential on the Si positions, so its 4.73 Å cutoff sets its "
        "neighbour count; only its cost is meaningful. W SNAP is not stable on diamond Si (it collapses "
        "and loses atoms within ~70 fs at 300 K), so its atoms are held fixed (zero velocities, "
        "`fix setforce 0 0 0` with `fix nve`; the same for snap/kk): every step still computes all SNAP "
        "energies and forces. "
        "neigh/atom: neighbours within rc in the perfect lattice; and in the configuration at the end "
        "of the first run (soapgap's 4.5 Å cutoff lies just below the third shell at 4.503 Å, so "
        "thermal motion brings some of those 12 atoms inside).",
    ]

    if styles["mpi"]:
        ranks = counts("mpi")
        speed_head = "speed-up 1→2 ranks" if ranks == [1, 2] else "speed-up vs 1 rank"
        head = ["style", "model", "ranks", "steps", "µs/atom-step", "ratio to sw", "ratio to snap", speed_head,
                "Pair %", "rc Å", "neigh/atom r<rc (lattice; end)", "CPU use %", "CPU µs/atom-step",
                "min–max µs (n)"]
        lines += ["", "### MPI ranks (OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)", "",
                  "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        for s in styles["mpi"]:
            for p in ranks:
                a = agg.get(("mpi", s, p))
                if a is None:
                    continue
                one = agg.get(("mpi", s, 1))
                row = [f"`{s}`", model_of(s), str(p), str(a["steps"]), fmt(a["us"]),
                       ratio(a, agg.get(("mpi", "sw", p))), ratio(a, agg.get(("mpi", "snap", p))),
                       fmt(one["us"] / a["us"]) if one and p != 1 else "—"] + common(a, s)
                lines.append("| " + " | ".join(row) + " |")
    if styles["kk"]:
        threads = counts("kk")
        speed_head = "speed-up 1→2 threads" if threads == [1, 2] else "speed-up vs 1 thread"
        head = ["style", "model", "threads", "steps", "µs/atom-step", "ratio to sw/kk", "ratio to snap/kk",
                "ratio to host soapgap", speed_head, "Pair %", "rc Å", "neigh/atom r<rc (lattice; end)",
                "CPU use %", "CPU µs/atom-step", "min–max µs (n)"]
        flags = "-k on t T -sf kk" + (f" {args.kk_flags}" if args.kk_flags else "")
        lines += ["", f"### Kokkos OpenMP: 1 MPI rank, T threads (`/kk` styles: `{flags}`; host soapgap: "
                  "no `-k`; OMP_NUM_THREADS=T OPENBLAS_NUM_THREADS=T for all)", "",
                  "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        for s in styles["kk"]:
            for t in threads:
                a = agg.get(("kk", s, t))
                if a is None:
                    continue
                one = agg.get(("kk", s, 1))
                row = [f"`{s}`", model_of(s), str(t), str(a["steps"]), fmt(a["us"]),
                       ratio(a, agg.get(("kk", "sw/kk", t))), ratio(a, agg.get(("kk", "snap/kk", t))),
                       ratio(a, agg.get(("kk", "soapgap", t))),
                       fmt(one["us"] / a["us"]) if one and t != 1 else "—"] + common(a, s)
                lines.append("| " + " | ".join(row) + " |")
    single = sorted({r["single_thread"] for r in runs if r["mode"] == "kk" and r.get("single_thread")})
    if single:
        lines += ["", "LAMMPS says in the logs: \"Pair style " + " / ".join(single) + " currently only runs on a "
                  "single CPU thread, even if more threads are requested\": its threads rows measure one "
                  "thread (the rest of the step, integration and communication, is threaded)."]
    builds = ", ".join(f"{m} {s} {max(v['builds'] for (mm, ss, _), v in agg.items() if (mm, ss) == (m, s))}"
                       for m in ("mpi", "kk") for s in styles[m])
    lines += ["", f"Neighbour list rebuilds per run (max): {builds}.", ""]
    text = "\n".join(lines)
    print(text)
    with open(args.output, "w") as f:
        f.write(text)
    with open(args.json, "w") as f:
        json.dump({"date": args.date, "host": args.host, "load_start": args.load, "load_end": args.load_end,
                   "lammps": lammps, "atoms": atoms, "potential": args.potential, "runs": runs,
                   "summary": [{"mode": m, "style": s, ("ranks" if m == "mpi" else "threads"): n, **v,
                                "rc": rc[s], "neighbours_end": neigh[s], "neighbours_lattice": neigh0[s]}
                               for (m, s, n), v in agg.items()]}, f, indent=1)


if __name__ == "__main__":
    main()
