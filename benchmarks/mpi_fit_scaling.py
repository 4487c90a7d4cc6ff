#!/usr/bin/env python3
"""`mpirun -np N soapgap fit` on this machine: wall time, time per stage and peak memory per rank
for N = 1 and 2, and a projection to a GAP-18-size fit on 8 nodes x 32 cores from the measured
per-stage rates.

    /usr/bin/python3 benchmarks/mpi_fit_scaling.py [--build build] [--per-type 100] [--n-sparse 1500]

Data: Stillinger-Weber-labelled silicon from soapgap_example_sw_dataset (4 config types x
--per-type configurations). Descriptor: SOAP n_max=8 l_max=6 (dimension 252) + distance_2b.
One OpenMP thread per rank, so that N = 2 uses the two cores that N = 1 leaves half idle (the
N = 1, 2 threads line is the shared-memory alternative). Writes results.json and report.md to
--out (default build/benchmarks/mpi_fit).

The projection (one rank per node, 32 OpenMP threads each) assumes what the algorithm does: the
"kernel rows + QR" stage folds about 4 M^2 flops per observation, split over the nodes; the TSQR
reduction is log2(nodes) Householder QRs of a stacked 2M x M pair (10/3 M^3 flops each); K_MM is
M^3/3 on every rank; sparse selection (CUR on the gathered candidates, every rank) scales as
envs x d^2. The single-thread rate comes from the N = 1 run here, and the thread efficiency from
its 2-thread run. It is a model, not a measurement, and the report says so.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_fit(args, n, threads, train, out):
    soapgap = os.path.join(args.build, "fitting", "soapgap")
    fit = [soapgap, "fit", "--train", train, "--output", out, "--threads", str(threads),
           "--descriptor", f"soap n_max=8 l_max=6 cutoff=5 atom_sigma=0.5 zeta=4 delta=0.2 n_sparse={args.n_sparse}",
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


def project(one, two, envs, target):
    """Seconds per stage and memory per rank of the target fit, from the N = 1 run (one thread:
    single-thread rates) and the N = 1 two-thread run (thread efficiency)."""
    s, m, obs = one["stages_s"], one["sparse_points"], one["observations"]
    M, OBS, ENVS, d, nodes, cores = (target[k] for k in ("M", "observations", "envs", "d", "nodes", "cores"))
    eff = one["stages_s"]["kernel rows + QR"] / (2 * two["stages_s"]["kernel rows + QR"])  # per thread, 2 threads
    threads = cores * eff  # effective threads per node (one rank per node)
    # kernel rows + QR: Householder folding, about 4 M^2 flops per observation at these sizes
    row_rate = s["kernel rows + QR"] / (obs * m * m)  # s per observation per M^2, one thread
    flops = 4.0 / row_rate  # flop/s of one thread
    out = {
        "descriptors": s["descriptors"] / envs * ENVS * (d / 252.0) / (nodes * threads),
        "sparse selection (every rank)": s["sparse selection"] / (envs * 252.0 ** 2) * ENVS * d * d,
        "K_MM (every rank)": (M ** 3 / 3.0) / (flops * threads),
        "kernel rows + QR": row_rate * OBS * M * M / (nodes * threads),
        "TSQR reduction": math.ceil(math.log2(nodes)) * (10.0 / 3.0) * M ** 3 / (flops * threads),
        "solve + variance (rank 0)": 2 * M ** 3 / (flops * threads),
    }
    out["total"] = sum(out.values())
    memory = {"R triangle": 8.0 * M * M, "row block (about 2 M rows)": 8.0 * 3 * M * M,
              "gathered candidate descriptors": 8.0 * ENVS * d, "variance factors (rank 0)": 16.0 * M * M}
    return out, {k: v / 2 ** 30 for k, v in memory.items()}, {"thread_efficiency_2_threads": eff,
                                                             "flops_per_thread": flops}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--per-type", type=int, default=100)
    ap.add_argument("--n-sparse", type=int, default=1500)
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "benchmarks", "mpi_fit"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    data = os.path.join(args.out, "data")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    args.build = os.path.abspath(args.build)
    subprocess.run([os.path.join(args.build, "soapgap_example_sw_dataset"), data, str(args.per_type), "1"],
                   check=True, capture_output=True)
    train = os.path.join(data, "train.xyz")
    envs = sum(int(l) for l in open(train) if re.fullmatch(r"\s*\d+\s*", l))
    runs = {
        "N=1, 1 thread": run_fit(args, 0, 1, train, os.path.join(args.out, "n1.xml")),
        "N=2, 1 thread each": run_fit(args, 2, 1, train, os.path.join(args.out, "n2.xml")),
        "N=1, 2 threads": run_fit(args, 0, 2, train, os.path.join(args.out, "n1t2.xml")),
    }
    target = {"envs": 171815, "observations": 171815 * 3 + 2475 * 7, "M": 9000, "d": 715, "nodes": 8, "cores": 32}
    proj, memory, rates = project(runs["N=1, 1 thread"], runs["N=1, 2 threads"], envs, target)
    result = {"environments": envs, "runs": runs,
              "projection_gap18_8x32": {"target": target, "seconds": proj, "memory_gib_per_rank": memory, **rates}}
    json.dump(result, open(os.path.join(args.out, "results.json"), "w"), indent=1)
    lines = [f"# mpirun -np N soapgap fit: {envs} environments, M = {runs['N=1, 1 thread']['sparse_points']}", "",
             "| run | wall (s) | descriptors | sparse selection | K_MM | kernel rows + QR | TSQR | peak RSS per rank (MB) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in runs.items():
        st = r["stages_s"]
        tsqr = next((v for k, v in st.items() if k.startswith("TSQR")), 0.0)
        lines.append(f"| {name} | {r['wall_s']:.1f} | {st.get('descriptors', 0):.1f} | {st.get('sparse selection', 0):.1f}"
                     f" | {st.get('K_MM', 0):.1f} | {st.get('kernel rows + QR', 0):.1f} | {tsqr:.1f} | "
                     + ", ".join(f"{x:.0f}" for x in r["peak_rss_mb_per_rank"]) + " |")
    lines += ["", "Projection (a model from the rates above, not a measurement): GAP-18 size "
              f"({target['envs']} environments, M = {target['M']}, d = {target['d']}) on 8 nodes x 32 cores, one "
              f"rank per node with 32 OpenMP threads at the measured 2-thread efficiency "
              f"({rates['thread_efficiency_2_threads']:.2f}) and {rates['flops_per_thread'] / 1e9:.1f} GFLOP/s per "
              "thread:", "", "| stage | projected seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.0f} |" for k, v in proj.items()]
    lines += ["", "| memory per rank | GiB |", "|---|---|"] + [f"| {k} | {v:.2f} |" for k, v in memory.items()]
    open(os.path.join(args.out, "report.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
