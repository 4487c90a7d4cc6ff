"""Model selection by k-fold cross-validation, folds stratified by config_type.

    soapgap cross-validate trials.toml        (= python3 -m soapgap.cross_validation trials.toml)

Every trial is one set of fit settings (soapgap.fit keywords over a [base] table). Each is
fitted k times, on all folds but one, and predicts the left-out fold, so every configuration is
predicted once by a model that did not see it. Reported per trial: energy RMSE (meV/atom) and
force RMSE (eV/A) pooled over the folds, the force RMSE on the configurations whose group
contains one of the `focus` words (e.g. liquid/amorphous), the spread of the per-fold force
RMSE, and the fit time. Results are stored after every trial (`<output>.json`, keyed by the
trial's settings): a rerun skips finished trials, an interrupted one resumes.

TOML (paths relative to the file):

    data = "../../fitting/datasets/silicon/train.xyz"   # labelled configurations (extxyz)
    output = "model_selection"       # writes model_selection.json and model_selection.md
    folds = 5                        # [5]
    seed = 1                         # fold assignment                     [1]
    group_key = "config_type"        # stratification and per-group errors [config_type]
    always_train = ["isolated_atom"] # groups never held out (they fix e0)   [isolated_atom]
    focus = ["liquid", "amorphous"]  # groups of the extra force column    [none]
    [base]                           # soapgap.fit keywords shared by every trial
    descriptors = ["soap n_max=8 l_max=6 cutoff=5 n_sparse=600 ..."]
    sigma_energy = 0.001
    [[trial]]
    name = "n_max 10, l_max 8"       # any other key overrides [base]
    descriptors = ["..."]

Folds: within each group, the configurations are shuffled (seeded) and dealt to the folds in
turn, starting where the previous group stopped, so every fold gets its share of each group.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

from .config_file import Table, read_toml

__all__ = ["stratified_folds", "cross_validate", "main"]

FIT_KEYS = {"descriptors", "sigma_energy", "sigma_force", "sigma_virial", "e0", "seed", "jitter",
            "config_type_sigma"}


def stratified_folds(groups, k: int, seed: int = 1, always_train=()) -> np.ndarray:
    """Fold index (0..k-1) of every configuration, or -1 for groups that are always trained on."""
    if k < 2:
        raise ValueError("folds: need at least 2, got %d" % k)
    groups = [str(g) for g in groups]
    fold = np.full(len(groups), -1, dtype=int)
    rng = np.random.default_rng(seed)
    start = 0
    for g in sorted(set(groups)):
        if g in always_train:
            continue
        members = np.array([i for i, x in enumerate(groups) if x == g])
        members = members[rng.permutation(len(members))]
        for j, i in enumerate(members):
            fold[i] = (start + j) % k
        start = (start + len(members)) % k
    return fold


def _errors(rows, mask):
    de, df2, n = rows["de"][mask], rows["df2"][mask], rows["n"][mask]
    if not mask.any():
        return None
    return {"configurations": int(mask.sum()),
            "energy_rmse_meV_per_atom": 1000 * float(np.sqrt(np.mean(de ** 2))),
            "force_rmse_eV_per_A": float(np.sqrt(df2.sum() / (3 * n.sum())))}


def cross_validate(frames, fit_kwargs: dict, fold: np.ndarray, group_key: str = "config_type", focus=(),
                   log=None) -> dict:
    """Fits on every fold's complement and predicts the fold; returns the pooled errors."""
    from . import _labels, fit

    k = int(fold.max()) + 1
    rows = {"de": np.zeros(len(frames)), "df2": np.zeros(len(frames)), "n": np.zeros(len(frames), dtype=int)}
    per_fold, seconds = [], 0.0
    for f in range(k):
        train = [a for a, x in zip(frames, fold) if x != f]
        test = [i for i, x in enumerate(fold) if x == f]
        t = time.time()
        pot = fit(train, **fit_kwargs)
        seconds += time.time() - t
        for i in test:
            energy, forces, _ = _labels(frames[i], i, "energy", "forces", "virial", "stress")
            p = pot.predict(frames[i])
            rows["n"][i] = len(frames[i])
            rows["de"][i] = (p["energy"] - energy) / len(frames[i]) if energy is not None else 0.0
            rows["df2"][i] = float(((p["forces"] - forces) ** 2).sum()) if forces is not None else 0.0
        per_fold.append(_errors(rows, fold == f)["force_rmse_eV_per_A"])
        if log:
            log("  fold %d/%d: %d train, %d test, force RMSE %.4f eV/A (%.1f s)"
                % (f + 1, k, len(train), len(test), per_fold[-1], time.time() - t))
    held = fold >= 0
    groups = np.array([str(a.info.get(group_key, "all")) for a in frames])
    focus_mask = held & np.array([any(w in g for w in focus) for g in groups])
    return {"all": _errors(rows, held),
            "focus": _errors(rows, focus_mask) if focus else None,
            "groups": {g: _errors(rows, held & (groups == g)) for g in sorted(set(groups[held]))},
            "fold_force_rmse": per_fold, "fit_seconds": seconds}


def _read(path):
    top = Table(read_toml(path), path)
    base_dir = os.path.dirname(os.path.abspath(path))
    data = top.get("data", str, required=True)
    cfg = {"data": os.path.join(base_dir, data), "data_as_given": data,
           "output": os.path.join(base_dir, top.get("output", str, "cross_validation")),
           "folds": top.positive("folds", int, 5), "seed": top.positive("seed", int, 1, allow_zero=True),
           "group_key": top.get("group_key", str, "config_type"),
           "always_train": top.get("always_train", list, ["isolated_atom"]),
           "focus": top.get("focus", list, []), "trials": []}
    base = top.get("base", dict, {})
    trials = top.get("trial", list, required=True)
    top.finish()
    names = set()
    for n, t in enumerate(trials):
        t = dict(t)
        name = t.pop("name", None)
        if not isinstance(name, str) or not name:
            raise ValueError("%s: [[trial]] #%d: missing name" % (path, n + 1))
        if name in names:
            raise ValueError("%s: [[trial]] #%d: name %r is used twice" % (path, n + 1, name))
        names.add(name)
        settings = dict(base, **t)
        bad = set(settings) - FIT_KEYS
        if bad:
            raise ValueError("%s: [[trial]] %r: unknown fit key(s): %s (expected %s)"
                             % (path, name, ", ".join(sorted(bad)), ", ".join(sorted(FIT_KEYS))))
        if "descriptors" not in settings:
            raise ValueError("%s: [[trial]] %r: no descriptors (in the trial or [base])" % (path, name))
        cfg["trials"].append((name, settings))
    return cfg


def _key(settings, cfg):
    blob = json.dumps({"fit": settings, "folds": cfg["folds"], "seed": cfg["seed"], "data": cfg["data_sha"],
                       "always_train": cfg["always_train"]}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _table(cfg, results):
    focus = "/".join(cfg["focus"])
    lines = ["| trial | CV energy RMSE (meV/atom) | CV force RMSE (eV/Å) |"
             + (" force RMSE, %s (eV/Å) |" % focus if focus else "")
             + " per-fold force RMSE min–max | fit time (s) |",
             "|---|---|---|" + ("---|" if focus else "") + "---|---|"]
    for name, r in results:
        a = r["all"]
        lines.append("| %s | %.2f | %.4f |" % (name, a["energy_rmse_meV_per_atom"], a["force_rmse_eV_per_A"])
                     + (" %.4f |" % r["focus"]["force_rmse_eV_per_A"] if focus and r["focus"] else
                        (" – |" if focus else ""))
                     + " %.4f–%.4f | %.0f |" % (min(r["fold_force_rmse"]), max(r["fold_force_rmse"]),
                                                r["fit_seconds"]))
    return "\n".join(lines) + "\n"


def _atomic_write(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="soapgap cross-validate", description=__doc__.split("\n")[0])
    ap.add_argument("config", help="trials (TOML; see python/soapgap/cross_validation.py)")
    args = ap.parse_args(argv)
    from ase.io import read

    try:
        cfg = _read(args.config)
        with open(cfg["data"], "rb") as f:
            cfg["data_sha"] = hashlib.sha256(f.read()).hexdigest()
        frames = read(cfg["data"], ":")
        fold = stratified_folds([a.info.get(cfg["group_key"], "all") for a in frames], cfg["folds"], cfg["seed"],
                                cfg["always_train"])
        store = cfg["output"] + ".json"
        done = json.load(open(store)) if os.path.exists(store) else {}
        results = []

        def log(msg):
            print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)

        log("%s: %d configurations, %d folds stratified by %s, %d trials"
            % (cfg["data_as_given"], len(frames), cfg["folds"], cfg["group_key"], len(cfg["trials"])))
        for n, (name, settings) in enumerate(cfg["trials"]):
            key = _key(settings, cfg)
            if key in done:
                log("trial %d/%d %s: done before" % (n + 1, len(cfg["trials"]), name))
            else:
                log("trial %d/%d %s" % (n + 1, len(cfg["trials"]), name))
                r = cross_validate(frames, settings, fold, cfg["group_key"], cfg["focus"], log)
                done[key] = dict(r, name=name, settings=settings)
                _atomic_write(store, json.dumps(done, indent=1, sort_keys=True) + "\n")
            a = done[key]["all"]
            log("trial %s: energy %.2f meV/atom, force %.4f eV/A" % (name, a["energy_rmse_meV_per_atom"],
                                                                     a["force_rmse_eV_per_A"]))
            results.append((name, done[key]))
        table = _table(cfg, results)
        _atomic_write(cfg["output"] + ".md", "Command: `soapgap cross-validate %s`; data %s (%d configurations, "
                      "sha256 %s), %d folds stratified by %s.\n\n" % (args.config, cfg["data_as_given"], len(frames),
                                                                      cfg["data_sha"][:12], cfg["folds"],
                                                                      cfg["group_key"]) + table)
        print(table)
    except ValueError as e:
        print("soapgap cross-validate: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
