#!/usr/bin/python3
"""Deterministic train/test split of labelled.xyz -> train.xyz, test.xyz.

Rule (a property of the candidate_id, so the split is stable as labelling proceeds):
  u = int(sha256(candidate_id)[:12], 16) / 16**12  in [0, 1)
  test  if u < 0.10,
  plus, for each config_type with >= 5 candidates in candidates.xyz and no candidate with
  u < 0.10, the candidate with the smallest u (so every such type is represented in test);
  isolated_atom frames are always train (they fix e0).
The frames of the active learning (learn/run/labelled.xyz, candidate_id "al-<al_id>") join the
split by the same rule: test if u < 0.10.
Frames with a settings_hash different from settings.json are refused (never mix settings).
Frames with a force component above MAX_FORCE (20 eV/A) stay in the database but go to
neither set: atoms pushed closer than any MD at the temperatures of interest brings them (the
one such frame, al-iter003-liquid_3000-step0, is step 0 of a random liquid start: a 1.28 A
pair, 65 eV/A; the loop now skips such steps with equilibration_steps). In the refit of
2026-12-07 it cost 0.7 meV/atom of held-out energy error and nothing in force.
The SCFs of the PBE relaxations (relax/NAME/steps.xyz, written by relax_pbe.py with the same
settings) join too, as candidate_id "relax-NAME-stepK" and config_type "pbe_relax_<type>",
<type> being the config_type of the start (a candidate_id) or the start.extxyz's config_type
(a file start, e.g. amorphous): the near-minimum frames that MD snapshots and rattles lack. A
relaxation goes to one side whole, its steps being strongly correlated: test if
u("relax-NAME") < 0.10, if its start is a test candidate, or if it was started as a held-out
check (relax_pbe.py --held-out, kept in start.extxyz, decided before its first SCF); steps
answered from the database (info from_database) are that database frame and are not added twice.
"""
import hashlib
import os
import sys
from collections import defaultdict

from ase.io import read, write

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import settings as S  # noqa: E402

RELAX = os.path.join(HERE, "relax")
TEST_FRACTION = 0.10
MAX_FORCE = 20.0   # eV/A


def u_of(cid):
    return int(hashlib.sha256(cid.encode()).hexdigest()[:12], 16) / float(16 ** 12)


def test_ids(candidates):
    by_type = defaultdict(list)
    for c in candidates:
        by_type[c.info["config_type"]].append(c.info["candidate_id"])
    test = set()
    for ct, ids in by_type.items():
        if ct == "isolated_atom":
            continue
        sel = [i for i in ids if u_of(i) < TEST_FRACTION]
        if not sel and len(ids) >= 5:
            sel = [min(ids, key=u_of)]
        test.update(sel)
    return test


def relaxation_held_out(name, start, tids):
    """Whether relaxation NAME (its start.extxyz frame `start`) goes to test: by its hash, with a
    test candidate as its start, or started as a held-out check (relax_pbe.py --held-out)."""
    return (u_of("relax-" + name) < TEST_FRACTION or str(start.info.get("start", "")) in tids
            or bool(start.info.get("held_out", False)))


def relaxation_frames(cands, tids, relax_dir=RELAX):
    """(frames, their test ids): every SCF of relax/*/steps.xyz not taken from the database."""
    ctype = {c.info["candidate_id"]: c.info["config_type"] for c in cands}
    frames, test = [], set()
    for name in sorted(os.listdir(relax_dir)) if os.path.isdir(relax_dir) else []:
        path = os.path.join(relax_dir, name, "steps.xyz")
        if not os.path.exists(path):
            continue
        start = read(os.path.join(relax_dir, name, "start.extxyz"))
        sid = str(start.info.get("start", ""))
        kind = ctype.get(sid, start.info.get("config_type"))
        if kind is None:
            sys.exit("relax/%s: its start %s is no candidate_id and start.extxyz has no config_type" % (name, sid))
        held_out = relaxation_held_out(name, start, tids)
        for f in read(path, ":"):
            if "from_database" in f.info:
                continue
            f.info["candidate_id"] = "relax-%s-step%d" % (name, f.info["step"])
            f.info["config_type"] = "pbe_relax_" + kind
            frames.append(f)
            if held_out:
                test.add(f.info["candidate_id"])
    return frames, test


def main():
    cands = read(os.path.join(HERE, "candidates.xyz"), ":")
    tids = test_ids(cands)
    frames = []
    for path in (os.path.join(HERE, "labelled.xyz"), os.path.join(HERE, "learn", "run", "labelled.xyz")):
        if os.path.exists(path):
            frames += read(path, ":")
    relaxed, relaxed_test = relaxation_frames(cands, tids)
    frames += relaxed
    tids |= relaxed_test
    tids |= {f.info["candidate_id"] for f in frames
             if str(f.info.get("candidate_id", "")).startswith("al-") and u_of(f.info["candidate_id"]) < TEST_FRACTION}
    shash = S.settings_hash()
    bad = [f.info["candidate_id"] for f in frames if f.info.get("settings_hash") != shash]
    if bad:
        sys.exit("frames with a different settings_hash: %s" % bad[:5])
    extreme = [f for f in frames if abs(f.arrays["forces"]).max() > MAX_FORCE]
    for f in extreme:
        print("left out (a force component above %g eV/A): %s" % (MAX_FORCE, f.info["candidate_id"]))
    frames = [f for f in frames if abs(f.arrays["forces"]).max() <= MAX_FORCE]
    train = [f for f in frames if f.info["candidate_id"] not in tids]
    test = [f for f in frames if f.info["candidate_id"] in tids]
    write(os.path.join(HERE, "train.xyz"), train, format="extxyz")
    write(os.path.join(HERE, "test.xyz"), test, format="extxyz")
    print("train %d frames, test %d frames (test candidates overall: %d of %d)"
          % (len(train), len(test), len(tids), len(cands)))


if __name__ == "__main__":
    main()
