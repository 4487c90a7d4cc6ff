#!/usr/bin/python3
"""Resumable Quantum ESPRESSO labelling of candidates.xyz -> labelled.xyz.

For each candidate (in 'priority' order) whose candidate_id is not yet in labelled.xyz or
failed.json, run one pw.x SCF through ASE's Espresso calculator with the settings of
settings.json in a scratch directory outside the repository, then immediately add the frame
to labelled.xyz atomically: the whole new file is written to a temporary file in the same
directory, fsync'ed and renamed over labelled.xyz, so a crash leaves either the old or the
new file, never a half-written frame. A lock file prevents two labellers at once, and every
pw.x calculation holds a pw.x slot (pwx_slots.py), which the active-learning labeller
(al_labeller.py) and relax_pbe.py share, first come first served.

Frame contents (extended XYZ): positions, cell, pbc; info: energy (eV; QE '!' total energy,
i.e. the Mermin free energy with MV smearing, consistent with the forces), virial (eV,
3x3, = -stress * volume), stress (eV/A^3, 3x3), config_type, candidate_id, note,
settings_hash, dft_code (pw.x version line), kgrid, koffset, wall_s, cpu_s, n_scf_iter,
mixing_beta, labelled_at (UTC); arrays: forces (eV/A).

An SCF that does not converge (or crashes) is retried once with a smaller mixing_beta
(solver path only, same physics); if it still fails the candidate is recorded in
failed.json with the reason and skipped (rerun with --retry-failed to try again).

Usage:
  nice -n 19 /usr/bin/python3 label_qe.py [--max-configs N] [--max-minutes M]
                                          [--only TYPE[,TYPE...]] [--retry-failed]
Stop it with `kill -- -$(cat label.pid)` (the labeller is its own process group, so this
also ends the running pw.x; the interrupted candidate is simply redone next time).
Environment: OMP_NUM_THREADS=1 and ASE_ESPRESSO_COMMAND are set by the script
('nice -n 19 pw.x -in PREFIX.pwi > PREFIX.pwo'; one serial pw.x process, no mpirun).
"""
import argparse
import datetime
import fcntl
import io
import json
import os
import re
import shutil
import sys
import time

import numpy as np
from ase.io import read, write

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import settings as S  # noqa: E402
from pwx_slots import pwx_turn  # noqa: E402

CANDIDATES = os.path.join(HERE, "candidates.xyz")
LABELLED = os.path.join(HERE, "labelled.xyz")
FAILED = os.path.join(HERE, "failed.json")
LOCK = os.path.join(HERE, ".label.lock")
SCRATCH = os.path.expanduser(os.environ.get("SOAPGAP_DFT_SCRATCH", "~/.cache/soapgap/dft-scratch"))


def log(msg):
    print("[%s] %s" % (datetime.datetime.utcnow().strftime("%H:%M:%S"), msg), flush=True)


def atomic_write_bytes(path, data):
    d = os.path.dirname(path)
    tmp = os.path.join(d, ".%s.tmp.%d" % (os.path.basename(path), os.getpid()))
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dfd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def labelled_ids():
    if not os.path.exists(LABELLED):
        return set()
    ids = set()
    with open(LABELLED) as f:
        for line in f:
            m = re.search(r"candidate_id=(\S+)", line)
            if m:
                ids.add(m.group(1).strip('"'))
    return ids


def load_failed():
    if os.path.exists(FAILED):
        with open(FAILED) as f:
            return json.load(f)
    return {}


def append_frame(atoms):
    buf = io.StringIO()
    write(buf, atoms, format="extxyz")
    new = buf.getvalue().encode()
    old = b""
    if os.path.exists(LABELLED):
        with open(LABELLED, "rb") as f:
            old = f.read()
    atomic_write_bytes(LABELLED, old + new)


def parse_pwo(path):
    out = {"version": "unknown", "converged": False, "n_iter": None, "cpu_s": None,
           "ts_eV": None, "error": None}
    try:
        txt = open(path, errors="replace").read()
    except OSError as e:
        out["error"] = "no output: %s" % e
        return out
    m = re.search(r"Program PWSCF (\S+)", txt)
    if m:
        out["version"] = "QE pw.x " + m.group(1)
    m = re.search(r"convergence has been achieved in\s+(\d+)\s+iterations", txt)
    if m:
        out["converged"] = True
        out["n_iter"] = int(m.group(1))
    if "convergence NOT achieved" in txt:
        out["error"] = "SCF convergence NOT achieved"
    m = re.findall(r"smearing contrib\. \(-TS\)\s*=\s*([-\d.Ee+]+)\s*Ry", txt)
    if m:
        out["ts_eV"] = float(m[-1]) * 13.605693122994
    m = re.findall(r"PWSCF\s*:\s*(.*?)CPU\s+(.*?)WALL", txt)
    if m:
        out["cpu_str"] = m[-1][0].strip()
    m = re.search(r"Error in routine.*?\n(.*?)\n", txt, re.S)
    if m and not out["error"]:
        out["error"] = "pw.x error: " + " ".join(m.group(0).split())[:300]
    return out


def run_one(cand, s, shash):
    cid = cand.info["candidate_id"]
    d = os.path.join(SCRATCH, "label", cid)
    attempts = [None] + list(s.get("mixing_beta_retry", []))
    reason = None
    for beta in attempts:
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        at = cand.copy()
        at.info = {}
        calc, n, off = S.make_calc(at, d, s=s, mixing_beta=beta)
        at.calc = calc
        t0 = time.time()
        try:
            e = at.get_potential_energy()
            f = at.get_forces()
            st = at.get_stress(voigt=False)
        except Exception as exc:  # noqa: BLE001
            info = parse_pwo(os.path.join(d, "espresso.pwo"))
            reason = info["error"] or ("%s: %s" % (type(exc).__name__, str(exc)[:300]))
            log("  %s failed (mixing_beta=%s): %s" % (cid, beta if beta else s["mixing_beta"], reason))
            continue
        wall = time.time() - t0
        info = parse_pwo(os.path.join(d, "espresso.pwo"))
        if not info["converged"]:
            reason = info["error"] or "no 'convergence has been achieved' line"
            log("  %s not converged (mixing_beta=%s): %s" % (cid, beta, reason))
            continue
        out = cand.copy()
        out.calc = None
        out.info = {k: cand.info[k] for k in ("config_type", "candidate_id", "note") if k in cand.info}
        out.info["energy"] = float(e)
        vol = out.get_volume()
        out.info["stress"] = np.array(st)
        out.info["virial"] = -np.array(st) * vol
        out.arrays["forces"] = np.array(f)
        out.info["settings_hash"] = shash
        out.info["dft_code"] = info["version"]
        out.info["kgrid"] = "%dx%dx%d" % tuple(n)
        out.info["koffset"] = np.array(off, dtype=int)
        out.info["wall_s"] = round(wall, 1)
        if info.get("cpu_str"):
            out.info["cpu_time"] = info["cpu_str"].replace(" ", "")
        out.info["n_scf_iter"] = info["n_iter"]
        out.info["mixing_beta"] = float(beta if beta is not None else s["mixing_beta"])
        if info["ts_eV"] is not None:
            out.info["smearing_minus_TS_eV"] = info["ts_eV"]
        out.info["labelled_at"] = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        # keep the pw.x input/output (small) for provenance, drop everything else
        keep = os.path.join(SCRATCH, "outputs")
        os.makedirs(keep, exist_ok=True)
        for ext in ("pwi", "pwo"):
            src = os.path.join(d, "espresso." + ext)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(keep, "%s.%s" % (cid, ext)))
        shutil.rmtree(d, ignore_errors=True)
        return out, None
    shutil.rmtree(os.path.join(d, "out"), ignore_errors=True)
    return None, reason


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-configs", type=int, default=None)
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="do not start a new calculation after this many minutes")
    ap.add_argument("--only", default=None, help="comma-separated config_type list")
    ap.add_argument("--retry-failed", action="store_true")
    args = ap.parse_args()

    S.setup_env()
    try:
        os.setpgrp()   # own process group: `kill -- -PID` stops the labeller and its pw.x
    except OSError:
        pass
    lockf = open(LOCK, "w")
    try:
        fcntl.flock(lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit("another label_qe.py holds %s; not starting a second labeller" % LOCK)
    with open(os.path.join(HERE, "label.pid"), "w") as f:
        f.write("%d\n" % os.getpid())

    s = S.load_settings()
    shash = S.settings_hash(s)
    only = set(args.only.split(",")) if args.only else None
    cands, cands_mtime = None, None
    failed = load_failed()
    attempted = set()           # candidates tried in this run (never twice per run)
    t_start = time.time()
    n_done = 0
    first = True
    while True:
        # candidates.xyz is re-read whenever it changes, so new candidates are picked up
        # by a running labeller without a restart
        mt = os.path.getmtime(CANDIDATES)
        if mt != cands_mtime:
            cands = read(CANDIDATES, ":")
            cands.sort(key=lambda a: a.info["priority"])
            if cands_mtime is not None:
                log("candidates.xyz changed: %d candidates" % len(cands))
            cands_mtime = mt
        done = labelled_ids()
        todo = [c for c in cands
                if c.info["candidate_id"] not in done
                and c.info["candidate_id"] not in attempted
                and (args.retry_failed or c.info["candidate_id"] not in failed)
                and (only is None or c.info["config_type"] in only)]
        if first:
            log("settings hash %s; %d candidates, %d labelled, %d failed, %d to do%s"
                % (shash, len(cands), len(done), len(failed), len(todo),
                   (" (only %s)" % ",".join(sorted(only))) if only else ""))
            first = False
        if not todo:
            log("nothing left to do")
            break
        if args.max_configs is not None and n_done >= args.max_configs:
            log("reached --max-configs %d" % args.max_configs)
            break
        if args.max_minutes is not None and (time.time() - t_start) / 60.0 >= args.max_minutes:
            log("reached --max-minutes %g" % args.max_minutes)
            break
        c = todo[0]
        cid = c.info["candidate_id"]
        attempted.add(cid)
        n, _ = S.kgrid(c, s["kspacing_inv_A"])
        log("start %s (%d atoms, k %s, est %.0f s)" % (cid, len(c), "x".join(map(str, n)), c.info.get("est_cost_s", -1)))
        with pwx_turn(log):
            frame, reason = run_one(c, s, shash)
        time.sleep(2)  # a waiting active-learning label gets its turn
        if frame is not None:
            append_frame(frame)
            fmax = np.abs(frame.arrays["forces"]).max()
            log("done  %s E=%.5f eV (%.5f eV/atom) max|F|=%.3f eV/A wall %.1f s"
                % (cid, frame.info["energy"], frame.info["energy"] / len(frame), fmax, frame.info["wall_s"]))
            if cid in failed:
                failed.pop(cid)
                atomic_write_bytes(FAILED, (json.dumps(failed, indent=1, sort_keys=True) + "\n").encode())
        else:
            failed[cid] = {"config_type": c.info["config_type"], "reason": reason,
                           "settings_hash": shash,
                           "time": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
            atomic_write_bytes(FAILED, (json.dumps(failed, indent=1, sort_keys=True) + "\n").encode())
            log("FAILED %s: %s" % (cid, reason))
        n_done += 1
    log("finished: %d attempted in this run, %.1f min" % (n_done, (time.time() - t_start) / 60.0))


if __name__ == "__main__":
    main()
