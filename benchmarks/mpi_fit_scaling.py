#!/usr/bin/env python3
"""`mpirun -np N soapgap fit` on this machine: wall time, time per stage and peak memory per rank
for N = 1 and 2, and a projection to a GAP-18-size fit on 8 nodes x 32 cores from the measured
per-stage costs.

    /usr/bin/python3 benchmarks/mpi_fit_scaling.py [--build build]            # small (~2 min)
    /usr/bin/python3 benchmarks/mpi_fit_scaling.py --size gap18 [--build build] # ~100k envs (~1.5 h)

Data: Stillinger-Weber-labelled silicon from soapgap_example_sw_dataset (4 config types x
--per-type configurations, 35.75 atoms each on average).
- small: SOAP n_max=8 l_max=6 (d = 252) + distance_2b, 400 configurations, M = 1,520. Runs N = 1
  and N = 2 with one OpenMP thread per rank, and N = 1 with two threads (the shared-memory
  alternative, which gives the thread efficiency). Writes --out (default build/benchmarks/mpi_fit).
- gap18: GAP-18's descriptor size, SOAP n_max=10 l_max=12 (d = 715) + distance_2b, 2,800
  configurations (100,100 environments), M = 9,000 + 20. Runs N = 1 and N = 2, one thread per rank.
  Writes --out (default build/benchmarks/mpi_fit_gap18).

The projection to GAP-18 size (171,815 environments, 2,475 configurations) on 8 nodes x 32 cores,
one rank per node with 32 OpenMP threads: each stage's measured single-thread seconds, scaled
by what the stage grows with (environments or observations; M^3 stages are measured at the
target M in gap18 mode), divided by the nodes where the stage is distributed and by 32 x the
thread efficiency (measured by the small run's 2-thread line). The TSQR reduction takes
log2(nodes) steps, each one measured fold of two triangles (the N = 2 run). It is a model, not a
measurement, and the report says so.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_fit(args, n, threads, train, out):
    soapgap = os.path.join(args.build, "fitting", "soapgap")
    soap = "n_max=8 l_max=6" if args.size == "small" else "n_max=10 l_max=12"
    fit = [soapgap, "fit", "--train", train, "--output", out, "--threads", str(threads),
           "--descriptor", f"soap {soap} cutoff=5 atom_sigma=0.5 zeta=4 delta=0.2 n_sparse={args.n_sparse}",
           "--descriptor", "distance_2b cutoff=5 theta=0.5 delta=0.5 n_sparse=20"]
    report = out + ".report"
    fit += ["--report", report]
    timed = ["/usr/bin/time", "-f", "MAXRSS_KB %M"] + fit
    cmd = timed if n == 0 else ["mpirun", "-np", str(n), "--oversubscribe"] + \
        (["--allow-run-as-root"] if os.geteuid() == 0 else []) + timed
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"fit failed ({' '.join(cmd)}):\n{r.stderr[-3000:]}")
    stages = json.load(open(os.path.join(report, "errors.json")))["timings_seconds"]
    rss = [int(x) for x in re.findall(r"MAXRSS_KB (\d+)", r.stderr)]
    obs = re.search(r"fit: (\d+) observations x (\d+) sparse points", r.stderr)
    return {"ranks": max(n, 1), "threads": threads, "wall_s": wall, "stages_s": stages,
            "peak_rss_mb_per_rank": [x / 1024 for x in rss],
            "observations": int(obs.group(1)) if obs else None, "sparse_points": int(obs.group(2)) if obs else None}


def stage(stages, prefix):
    return next((v for k, v in stages.items() if k.startswith(prefix)), 0.0)


def project(one, two, envs, target, eff):
    """Seconds per stage and memory per rank of the target fit: the N = 1 run's single-thread
    stage times (at the target M and d) scaled by what each stage grows with; the N = 2 run's
    TSQR step; eff, the per-thread efficiency of two threads."""
    s, obs = one["stages_s"], one["observations"]
    M, OBS, ENVS, d, nodes, cores = (target[k] for k in ("M", "observations", "envs", "d", "nodes", "cores"))
    threads = cores * eff  # effective threads per node (one rank per node)
    env_scale, obs_scale = ENVS / envs, OBS / obs
    out = {
        "descriptors": s["descriptors"] * env_scale / (nodes * threads),
        "sparse selection (every rank, one thread)": s["sparse selection"] * env_scale,
        "K_MM (every rank)": s["K_MM"] / threads,
        "kernel rows + QR": s["kernel rows + QR"] * obs_scale / (nodes * threads),
        "TSQR reduction": math.ceil(math.log2(nodes)) * stage(two["stages_s"], "TSQR") / threads,
        "solve + variance (rank 0)": (s["solve"] + s["variance factors"]) / threads,
        "write + training errors (rank 0)": (s["write potential"] + s["error evaluation"] * env_scale) / threads,
    }
    out["total"] = sum(out.values())
    memory = {"R triangle": 8.0 * M * M, "row block (M rows)": 8.0 * M * M,
              "gathered candidate descriptors": 8.0 * ENVS * d, "variance factors (rank 0)": 16.0 * M * M}
    return out, {k: v / 2 ** 30 for k, v in memory.items()}


def table(runs):
    lines = ["| run | wall (s) | descriptors | sparse selection | K_MM | kernel rows + QR | TSQR | solve + variance "
             "| errors | peak RSS per rank (MB) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in runs.items():
        st = r["stages_s"]
        lines.append(f"| {name} | {r['wall_s']:.1f} | {st.get('descriptors', 0):.1f} | {st.get('sparse selection', 0):.1f}"
                     f" | {st.get('K_MM', 0):.1f} | {st.get('kernel rows + QR', 0):.1f} | {stage(st, 'TSQR'):.1f} | "
                     f"{st.get('solve', 0) + st.get('variance factors', 0):.1f} | {st.get('error evaluation', 0):.1f} | "
                     + ", ".join(f"{x:.0f}" for x in r["peak_rss_mb_per_rank"]) + " |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--size", choices=["small", "gap18"], default="small")
    ap.add_argument("--per-type", type=int, help="configurations per config type (small 100, gap18 700)")
    ap.add_argument("--n-sparse", type=int, help="SOAP sparse points (small 1500, gap18 9000)")
    ap.add_argument("--out", help="default build/benchmarks/mpi_fit (small) or mpi_fit_gap18")
    ap.add_argument("--small-results", default=os.path.join(ROOT, "build", "benchmarks", "mpi_fit", "results.json"),
                    help="gap18: the small run's results.json, for the thread efficiency")
    args = ap.parse_args()
    small = args.size == "small"
    args.per_type = args.per_type or (100 if small else 700)
    args.n_sparse = args.n_sparse or (1500 if small else 9000)
    args.out = args.out or os.path.join(ROOT, "build", "benchmarks", "mpi_fit" if small else "mpi_fit_gap18")
    if not small and not os.path.exists(args.small_results):
        raise SystemExit(f"gap18 needs the thread efficiency of the small run: run {sys.argv[0]} first "
                         f"(no {args.small_results})")
    os.makedirs(args.out, exist_ok=True)
    data = os.path.join(args.out, "data")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    args.build = os.path.abspath(args.build)
    subprocess.run([os.path.join(args.build, "soapgap_example_sw_dataset"), data, str(args.per_type), "1"],
                   check=True, capture_output=True)
    train = os.path.join(data, "train.xyz")
    envs = sum(int(l) for l in open(train) if re.fullmatch(r"\s*\d+\s*", l))
    runs = {}
    for name, n, threads in [("N=1, 1 thread", 0, 1), ("N=2, 1 thread each", 2, 1)] + \
            ([("N=1, 2 threads", 0, 2)] if small else []):
        print(f"{time.strftime('%H:%M:%S')} {name} ...", flush=True)
        runs[name] = run_fit(args, n, threads, train, os.path.join(args.out, f"n{n or 1}t{threads}.xml"))
        print(f"{time.strftime('%H:%M:%S')} {name}: {runs[name]['wall_s']:.1f} s", flush=True)
    one = runs["N=1, 1 thread"]
    result = {"size": args.size, "environments": envs, "runs": runs}
    lines = [f"# mpirun -np N soapgap fit: {envs} environments, {one['observations']} observations, "
             f"M = {one['sparse_points']}", ""] + table(runs)
    if small:
        eff = one["stages_s"]["kernel rows + QR"] / (2 * runs["N=1, 2 threads"]["stages_s"]["kernel rows + QR"])
        result["thread_efficiency_2_threads"] = eff
        lines += ["", f"Two-thread efficiency of kernel rows + QR: {eff:.2f} per thread."]
    else:
        eff = json.load(open(args.small_results))["thread_efficiency_2_threads"]
        target = {"envs": 171815, "observations": 171815 * 3 + 2475 * 7, "M": one["sparse_points"], "d": 715,
                  "nodes": 8, "cores": 32}
        proj, memory = project(one, runs["N=2, 1 thread each"], envs, target, eff)
        result["projection_gap18_8x32"] = {"target": target, "thread_efficiency": eff, "seconds": proj,
                                           "memory_gib_per_rank": memory}
        lines += ["", "Projection (a model from the stage times above, not a measurement): GAP-18 size "
                  f"({target['envs']} environments, {target['observations']} observations, M = {target['M']}, "
                  f"d = {target['d']}) on 8 nodes x 32 cores, one rank per node with 32 OpenMP threads at the "
                  f"small run's 2-thread efficiency ({eff:.2f}):", "", "| stage | projected seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.0f} |" for k, v in proj.items()]
        lines += ["", "| memory per rank | GiB |", "|---|---|"] + [f"| {k} | {v:.2f} |" for k, v in memory.items()]
    json.dump(result, open(os.path.join(args.out, "results.json"), "w"), indent=1)
    open(os.path.join(args.out, "report.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
