#!/usr/bin/python3
"""Labelling status per config_type; rewrites the status section of README.md.

Usage: /usr/bin/python3 status.py [--no-readme]
The README section between '<!-- STATUS BEGIN -->' and '<!-- STATUS END -->' is replaced.
"""
import argparse
import datetime
import json
import os
import sys
from collections import OrderedDict, defaultdict

from ase.io import read

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import settings as S  # noqa: E402
from split import test_ids  # noqa: E402

BEGIN, END = "<!-- STATUS BEGIN -->", "<!-- STATUS END -->"


def table():
    cands = read(os.path.join(HERE, "candidates.xyz"), ":")
    lab_path = os.path.join(HERE, "labelled.xyz")
    labs = read(lab_path, ":") if os.path.exists(lab_path) else []
    fpath = os.path.join(HERE, "failed.json")
    failed = json.load(open(fpath)) if os.path.exists(fpath) else {}
    tids = test_ids(cands)
    types = OrderedDict()
    for c in sorted(cands, key=lambda c: c.info["priority"]):
        types.setdefault(c.info["config_type"], None)
    ncand = defaultdict(int)
    est = defaultdict(float)
    natoms = defaultdict(set)
    for c in cands:
        ncand[c.info["config_type"]] += 1
        est[c.info["config_type"]] += c.info["est_cost_s"]
        natoms[c.info["config_type"]].add(len(c))
    nlab = defaultdict(int)
    ntest = defaultdict(int)
    wall = defaultdict(float)
    est_done = defaultdict(float)
    cest = {c.info["candidate_id"]: c.info["est_cost_s"] for c in cands}
    for f in labs:
        ct = f.info["config_type"]
        nlab[ct] += 1
        ntest[ct] += f.info["candidate_id"] in tids
        wall[ct] += f.info.get("wall_s", 0.0)
        est_done[ct] += cest.get(f.info["candidate_id"], 0.0)
    nfail = defaultdict(int)
    for cid, v in failed.items():
        nfail[v.get("config_type", "?")] += 1
    # measured/estimated ratio to rescale the remaining estimate
    ratio = (sum(wall.values()) / sum(est_done.values())) if sum(est_done.values()) > 0 else 1.0
    lines = ["| config_type | atoms | candidates | labelled | (test) | failed | mean wall s/config | remaining est. wall-h |",
             "|---|---|---|---|---|---|---|---|"]
    tot = defaultdict(float)
    for ct in types:
        rem = (est[ct] - est_done[ct]) * ratio / 3600.0
        mw = ("%.0f" % (wall[ct] / nlab[ct])) if nlab[ct] else "-"
        lines.append("| %s | %s | %d | %d | %d | %d | %s | %.2f |" % (
            ct, "/".join(map(str, sorted(natoms[ct]))), ncand[ct], nlab[ct], ntest[ct], nfail[ct], mw, rem))
        tot["c"] += ncand[ct]; tot["l"] += nlab[ct]; tot["t"] += ntest[ct]; tot["f"] += nfail[ct]; tot["r"] += rem
    lines.append("| **total** | | %d | %d | %d | %d | | %.2f |" % (tot["c"], tot["l"], tot["t"], tot["f"], tot["r"]))
    hdr = ("Updated %s by `status.py`. Settings hash `%s`. Measured wall time so far / a-priori "
           "estimate = %.2f (used to scale the remaining estimate; wall time on the shared 2-core "
           "machine at nice 19)." % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
                                     S.settings_hash(), ratio))
    if failed:
        hdr += "\n\nFailed (see failed.json): " + ", ".join("%s (%s)" % (k, v.get("reason", "")[:60]) for k, v in sorted(failed.items()))
    return hdr + "\n\n" + "\n".join(lines) + "\n" + sanity(labs)


def sanity(labs):
    """Physical sanity checks on what is labelled so far (diamond EOS, phase energies)."""
    from ase.eos import EquationOfState
    from ase.units import GPa
    out = []
    eos = [f for f in labs if f.info["config_type"] == "diamond_eos"]
    e_dia = None
    if len(eos) >= 5:
        v = [f.get_volume() / len(f) for f in eos]
        e = [f.info["energy"] / len(f) for f in eos]
        try:
            fit = EquationOfState(v, e, eos="birchmurnaghan")
            v0, e0, B = fit.fit()
            a0 = (8 * v0) ** (1.0 / 3.0)
            e_dia = e0
            out.append("- diamond E(V) (%d points, Birch–Murnaghan): a0 = %.3f Å, B = %.1f GPa, "
                       "E0 = %.4f eV/atom (PBE literature: a0 ≈ 5.47 Å, B ≈ 88–89 GPa)"
                       % (len(eos), a0, B / GPa, e0))
        except Exception as exc:  # noqa: BLE001
            out.append("- diamond E(V) fit failed: %s" % exc)
    atom = [f for f in labs if f.info["config_type"] == "isolated_atom"]
    if atom and e_dia is not None:
        out.append("- cohesive energy vs the non-spin-polarised smeared atom: %.3f eV/atom"
                   % (atom[0].info["energy"] - e_dia))
    if e_dia is not None:
        best, volumes = {}, {}
        for f in labs:
            ct = f.info["config_type"]
            if ct in ("beta_tin", "simple_hexagonal", "bc8", "hcp", "fcc", "bcc", "sc") and "rattled" not in f.info.get("note", "") and "strain" not in f.info.get("note", ""):
                de = f.info["energy"] / len(f) - e_dia
                volumes[ct] = volumes.get(ct, 0) + 1
                if ct not in best or de < best[ct]:
                    best[ct] = de
        if best:
            out.append("- lowest energy above diamond among the labelled volumes (meV/atom; %d–%d volumes per phase, "
                       "so an upper bound on the phase's minimum): " % (min(volumes.values()), max(volumes.values())) +
                       ", ".join("%s %.0f" % (k, 1000 * v) for k, v in sorted(best.items(), key=lambda kv: kv[1])))
    if not out:
        return ""
    return "\nSanity checks on the labelled data:\n\n" + "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args()
    t = table()
    print(t)
    if args.no_readme:
        return
    rp = os.path.join(HERE, "README.md")
    txt = open(rp).read()
    i, j = txt.find(BEGIN), txt.find(END)
    if i < 0 or j < 0:
        sys.exit("README.md has no status markers")
    new = txt[:i + len(BEGIN)] + "\n" + t + txt[j:]
    tmp = rp + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, rp)


if __name__ == "__main__":
    main()
