#!/usr/bin/python3
"""Commits every PBE label of the silicon database as it lands (issue 22: "each label committed
as it lands"), so that a killed machine loses at most the SCF in flight.

    nohup nice -n 19 /usr/bin/python3 autocommit.py >> autocommit.log 2>&1 &   # every 60 s
    /usr/bin/python3 autocommit.py --once                                     # one pass

Each pass looks at the label files of this folder: labelled.xyz (label_qe.py),
learn/run/labelled.xyz (the active learning) and relax/*/steps.xyz (relax_pbe.py). They are
written atomically (complete or unchanged), so any change is whole labels. When one changed
since HEAD, it refreshes the status table (status.py) and commits the data paths alone
(labelled.xyz, failed.json, README.md with its status table, learn/run/, relax/: `git commit --
PATHS`, so code being edited and files staged elsewhere stay out), with the new labels in the
message. A commit that fails (say, another git command holds the index lock) is
tried again at the next pass. It never pushes, rebases or touches other paths.
"""
import argparse
import datetime
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
REL = os.path.relpath(HERE, ROOT)


def git(*args, check=True):
    return subprocess.run(["git", *args], cwd=ROOT, check=check, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


def data_paths():
    """What a pass commits: the label files and the bookkeeping that goes with them."""
    paths = ["labelled.xyz", "failed.json", "README.md", os.path.join("learn", "run"), "relax"]
    return [os.path.join(REL, p) for p in paths if os.path.exists(os.path.join(HERE, p))]


def label_files():
    out = [os.path.join(REL, "labelled.xyz"), os.path.join(REL, "learn", "run", "labelled.xyz")]
    relax = os.path.join(HERE, "relax")
    for name in sorted(os.listdir(relax)) if os.path.isdir(relax) else []:
        out.append(os.path.join(REL, "relax", name, "steps.xyz"))
    return [p for p in out if os.path.exists(os.path.join(ROOT, p))]


def frame_ids(text, path):
    """One id per frame: its candidate_id, al_id or relaxation step (from the comment lines)."""
    ids, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        n = int(lines[i].split()[0])
        info = dict(tok.split("=", 1) for tok in lines[i + 1].split() if "=" in tok)
        key = info.get("candidate_id") or info.get("al_id")
        if key is None and "relaxation" in info:
            key = "%s step %s" % (info["relaxation"], info.get("step", "?"))
        ids.append(key or "%s frame %d" % (path, len(ids)))
        i += n + 2
    return ids


def new_labels():
    """Ids of the frames in the label files that HEAD lacks; only files git sees changed (or
    new) are read and parsed."""
    files = label_files()
    status = git("status", "--porcelain", "--untracked-files=all", "--", *files, check=False).stdout if files else ""
    changed = {line[3:].strip() for line in status.splitlines()}
    found = []
    for path in [p for p in files if p in changed]:
        now = frame_ids(open(os.path.join(ROOT, path)).read(), path)
        old = git("show", "HEAD:%s" % path, check=False)
        before = set(frame_ids(old.stdout, path)) if old.returncode == 0 else set()
        found += [i for i in now if i not in before]
    return found


def log(msg):
    print("[%s] %s" % (datetime.datetime.utcnow().strftime("%H:%M:%S"), msg), flush=True)


def one_pass():
    labels = new_labels()
    if not labels:
        return False
    subprocess.run([sys.executable, os.path.join(HERE, "status.py")], cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    shown = ", ".join(labels[:6]) + (" and %d more" % (len(labels) - 6) if len(labels) > 6 else "")
    msg = "silicon DFT: %d label%s landed (%s)" % (len(labels), "" if len(labels) == 1 else "s", shown)
    paths = data_paths()
    git("add", "-A", "--", *paths, check=False)
    r = git("commit", "-q", "-m", msg, "--", *paths, check=False)
    if r.returncode != 0:
        log("commit not made (tried again next pass): %s" % (r.stderr.strip() or r.stdout.strip()))
        return False
    log(msg)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--once", action="store_true", help="one pass, then exit")
    ap.add_argument("--every", type=float, default=60.0, help="seconds between passes [%(default)s]")
    args = ap.parse_args()
    if args.once:
        one_pass()
        return
    log("watching %s every %g s" % (", ".join(label_files()), args.every))
    while True:
        try:
            one_pass()
        except (OSError, ValueError, subprocess.SubprocessError) as e:
            log("pass failed (tried again): %s" % e)
        time.sleep(args.every)


if __name__ == "__main__":
    main()
