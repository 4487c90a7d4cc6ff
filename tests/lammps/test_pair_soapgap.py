#!/usr/bin/env python3
"""pair_style soapgap and compute soapgap/variance/atom (LAMMPS plugin) against the core
library (`soapgap eval --variance`).

For several structures (rattled 64-atom diamond cell, a triclinic cell, a slab with vacuum,
a cell smaller than the cutoff, a Si/Ge cell with a two-element potential), `run 0` in LAMMPS
must give the same energy, forces, virial, per-atom energies (compute pe/atom) and per-atom
virials (compute stress/atom) as `soapgap eval`, and the same per-atom and total-energy
predicted variances (compute soapgap/variance/atom), all to 1e-9 relative; on 2 MPI ranks the
same forces as on one to 1e-10. Bad input (pair_coeff / compute / pair_style arguments, files)
must stop LAMMPS with an ERROR line naming the problem, with no crash or hang, also for ~30
seeded random pair_coeff/compute lines; the valid forms (soapgap and QUIP files) must run.
MD, finite differences, rerun and NVE: test_pair_soapgap_md.py.

Usage: test_pair_soapgap.py --lmp LMP --plugin soapgapplugin.so --soapgap SOAPGAP
                            --dataset-tool soapgap_example_sw_dataset [--mpirun MPIRUN]
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from ase import Atoms
from ase.io import read, write

from lammps_common import (NKTV2P, diamond, fit_potential, mpirun_prefix, parse_args, plugin_header, read_dump,
                           round_atoms, run_deck, run_deck_ok, thermo_rows)


def structures():
    rng = np.random.default_rng(7)
    out = {}
    s = diamond(n=2)
    s.positions += rng.uniform(-0.15, 0.15, s.positions.shape)
    out["bulk64"] = s
    # triclinic, already in LAMMPS' lower-triangular frame (a along x, b in the xy plane)
    t = diamond(n=1)
    cell = np.array([[5.5, 0, 0], [0.8, 5.3, 0], [-0.6, 0.9, 5.6]])
    t.set_cell(cell, scale_atoms=True)
    t.positions += rng.uniform(-0.1, 0.1, t.positions.shape)
    t.wrap()
    out["triclinic"] = t
    sl = diamond(n=1).repeat((2, 2, 1))
    sl.positions += rng.uniform(-0.1, 0.1, sl.positions.shape)
    sl.cell[2, 2] += 12.0
    out["slab"] = sl
    small = Atoms("Si2", positions=[[0, 0, 0], [1.36, 1.36, 1.40]],
                  cell=[[2.7155, 2.7155, 0], [0, 2.7155, 2.7155], [2.7155, 0, 2.7155]], pbc=True)
    # lower-triangular frame for LAMMPS: rotate with ASE's cell standard form
    small.set_cell(small.cell.standard_form()[0], scale_atoms=True)
    out["small_cell"] = small
    for a in out.values():
        round_atoms(a)
    return out


def two_element_structures():
    """Si/Ge diamond cells (random occupation), rattled: for the two-element potential."""
    rng = np.random.default_rng(11)
    frames = []
    for k in range(8):
        s = diamond(a=5.5 + 0.05 * rng.standard_normal(), n=1)
        s.set_chemical_symbols(rng.choice(["Si", "Ge"], len(s)))
        s.positions += rng.uniform(-0.15, 0.15, s.positions.shape)
        frames.append(round_atoms(s))
    return frames


def fit_two_element_potential(args, work):
    """A Si/Ge potential fitted to Lennard-Jones labels (element-blind): only its form matters
    here (two elements, so two groups of sparse points and cross-element neighbours)."""
    from ase.calculators.lj import LennardJones
    from ase.calculators.singlepoint import SinglePointCalculator
    frames = []
    for s in two_element_structures():
        s.calc = LennardJones(sigma=2.1, epsilon=0.1, rc=4.5)
        e, f = s.get_potential_energy(), s.get_forces()
        s.calc = SinglePointCalculator(s, energy=e, forces=f)
        frames.append(s)
    train = os.path.join(work, "sige_train.xyz")
    write(train, frames, format="extxyz")
    return fit_potential(args, train, os.path.join(work, "sige.xml"), ["--no-virials"])


def run_lammps(args, workdir, name, atoms, potential, nprocs, species=("Si",), variance_terms=""):
    data = os.path.join(workdir, name + ".data")
    write(data, atoms, format="lammps-data", atom_style="atomic", specorder=list(species))
    dump = f"{workdir}/{name}.np{nprocs}.dump"
    deck = plugin_header(args, data, [28.0] * len(species)) + f"""pair_style soapgap
pair_coeff * * {potential} {" ".join(species)}
compute pe all pe/atom
compute st all stress/atom NULL
compute var all soapgap/variance/atom{" terms " + variance_terms if variance_terms else ""}
dump d all custom 1 {dump} id fx fy fz c_pe c_st[1] c_st[2] c_st[3] c_st[4] c_st[5] c_st[6] c_var
dump_modify d format float %.17g sort id
thermo_style custom step pe pxx pyy pzz pxy pxz pyz vol c_var
thermo_modify format float %.17g
run 0
"""
    t = thermo_rows(run_deck_ok(args, workdir, f"{name}.np{nprocs}", deck, nprocs))[0]
    p = {k: t[k] for k in ("Pxx", "Pyy", "Pzz", "Pxy", "Pxz", "Pyz")}
    virial = np.array([[p["Pxx"], p["Pxy"], p["Pxz"]], [p["Pxy"], p["Pyy"], p["Pyz"]],
                       [p["Pxz"], p["Pyz"], p["Pzz"]]]) * t["Volume"] / NKTV2P
    _, f = read_dump(dump)[0]
    return {"energy": t["PotEng"], "virial": virial, "forces": np.column_stack([f["fx"], f["fy"], f["fz"]]),
            "pe_atom": f["c_pe"], "stress_atom": np.column_stack([f[f"c_st[{k}]"] for k in range(1, 7)]),
            "variance": f["c_var"], "energy_variance": t["c_var"]}


def run_deck_limited(args, work, name, deck, timeout=120):
    """run_deck with a time limit: (exit code or None on a hang, everything LAMMPS said)."""
    infile, log = os.path.join(work, name + ".in"), os.path.join(work, name + ".log")
    with open(infile, "w") as f:
        f.write(deck)
    for attempt in range(2):
        try:
            r = subprocess.run([args.lmp, "-in", infile, "-log", log], cwd=work, capture_output=True, text=True,
                               env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "(no answer within %d s)" % timeout
        # Open MPI's singleton start can fail before LAMMPS runs (seen once in a fresh chroot while
        # another test ran mpirun): that is not the deck's outcome, so start it once more.
        if r.returncode != 0 and "before MPI_INIT completed" in r.stdout + r.stderr and attempt == 0:
            print(f"{name}: MPI_Init failed before LAMMPS started; starting it again")
            continue
        break
    return r.returncode, r.stdout + r.stderr + (open(log).read() if os.path.exists(log) else "")


def deck_error_problem(rc, text, expected=None, lammps_exception_ok=False):
    """None when LAMMPS stopped cleanly with an ERROR line (containing `expected`, if given) on one
    line; else what is wrong. lammps_exception_ok: LAMMPS' own top-level "Exception: ..." stop also
    counts (arguments LAMMPS parses before the plugin sees them, e.g. a type range "**" under
    pair_style hybrid, which LAMMPS 2025's utils::bounds meets with an uncaught std::stol error)."""
    if rc is None:
        return "hang"
    if rc < 0 or rc >= 128:
        return f"crashed (exit {rc})"
    if rc == 0:
        return "accepted (exit 0)"
    errors = [l for l in text.splitlines()
              if l.startswith("ERROR") or (lammps_exception_ok and l.startswith("Exception:"))]
    if not errors:
        return f"exit {rc} without an ERROR line"
    if expected is not None and not any(expected in l for l in errors):
        return f"the ERROR line does not contain '{expected}': {errors[0]}"
    return None


# A QUIP GAP file in QUIP's layout (one SOAP term, n_max=3 l_max=1, two sparse points, label
# GAP_TEST), for pair_coeff's QUIP init string "Potential xml_label=LABEL".
QUIP_FILE = """<GAP_TEST>
<Potential label="GAP_TEST" init_args="IP GAP label=GAP_TEST"/>
<GAP_params label="GAP_TEST" gap_version="1600000000"><GAP_data do_core="F"><e0 Z="14" value="-158.5"/></GAP_data>
<gpSparse label="GAP_TEST" n_coordinate="1"><gpCoordinates label="GAP_TEST1" dimensions="13" signal_variance="0.5" \
signal_mean="0.0" sparsified="T" n_permutations="1" covariance_type="2" zeta="2.0" n_sparseX="2">
<descriptor>soap cutoff=3.5 cutoff_transition_width=0.5 l_max=1 n_max=3 atom_sigma=0.5 central_weight=1.0 \
n_species=1 species_Z={14} Z=14 n_sparseX=2 delta=0.5 covariance_type=dot_product sparse_method=cur_points</descriptor>
<permutation i="1">1</permutation>
<sparseX i="1" alpha="1.3" sparseCutoff="0.5"> 0.01 0.02 0.03 0.04 0.05 0.06 0.07 0.08 0.09 0.1 0.11 0.12 0.0</sparseX>
<sparseX i="2" alpha="-0.7" sparseCutoff="1.0"> 0.11 0.12 0.13 0.14 0.15 0.16 0.17 0.18 0.19 0.2 0.21 0.22 0.0</sparseX>
</gpCoordinates></gpSparse></GAP_params>
</GAP_TEST>
"""


def error_cases(args, work, pot):
    """Bad pair_coeff / compute / settings must stop LAMMPS with a message naming the problem,
    without a crash or a hang; the valid forms (soapgap and QUIP files) must work."""
    data = os.path.join(work, "err.data")
    write(data, diamond(), format="lammps-data", atom_style="atomic", specorder=["Si"])
    text = open(pot).read()
    corrupt = os.path.join(work, "corrupt.xml")
    with open(corrupt, "w") as f:  # truncated: a partly written file
        f.write(text[: len(text) // 2])
    novar = os.path.join(work, "novar.xml")
    fit_potential(args, os.path.join(work, "train.xyz"), novar, ["--no-variance"])
    quip = os.path.join(work, "quip_gap.xml")
    with open(quip, "w") as f:
        f.write(QUIP_FILE)
    adir = os.path.join(work, "a_directory.xml")
    os.makedirs(adir, exist_ok=True)
    files = {"pot": pot, "novar": novar, "quip": quip, "corrupt": corrupt, "adir": adir}
    head = f"units metal\natom_style atomic\nread_data {data}\nmass 1 28.0855\nplugin load {args.plugin}\n"
    thermo = "thermo_style custom step pe c_v\nrun 0\n"
    cases = {
        "unknown element": (head + f"pair_style soapgap\npair_coeff * * {pot} Ge\nrun 0\n", "does not cover"),
        "not an element": (head + f"pair_style soapgap\npair_coeff * * {pot} Xx\nrun 0\n", "not an element"),
        "missing file": (head + "pair_style soapgap\npair_coeff * * /nonexistent/pot.xml Si\nrun 0\n",
                         "/nonexistent/pot.xml"),
        "element count": (head + f"pair_style soapgap\npair_coeff * * {pot} Si Si\nrun 0\n", "atom types"),
        "newton off": ("newton off\n" + head + f"pair_style soapgap\npair_coeff * * {pot} Si\nrun 0\n",
                       "newton pair on"),
        "style args": (head + "pair_style soapgap 5.0\n", "takes no arguments"),
        "units real": (head.replace("units metal", "units real") + f"pair_style soapgap\npair_coeff * * {pot} Si\n"
                       "run 0\n", "requires units metal"),
        "corrupt file": (head + f"pair_style soapgap\npair_coeff * * {corrupt} Si\nrun 0\n", "corrupt.xml"),
        "no variance": (head + f"pair_style soapgap\npair_coeff * * {novar} Si\n"
                        "compute v all soapgap/variance/atom\n" + thermo, "no variance data"),
        "compute without pair": (head + "pair_style zero 4.0\npair_coeff * *\ncompute v all soapgap/variance/atom\n"
                                 + thermo, "requires pair_style soapgap"),
        # pair_coeff arguments: types other than * * get the plugin's message naming * * (not
        # LAMMPS' generic "Incorrect args for pair coefficients"), also under pair_style hybrid
        "types 1 1": (head + f"pair_style soapgap\npair_coeff 1 1 {pot} Si\nrun 0\n", "must be * *"),
        "types 1* *": (head + f"pair_style soapgap\npair_coeff 1* * {pot} Si\nrun 0\n", "must be * *"),
        "hybrid types 1 1": (head + f"pair_style hybrid soapgap zero 4.0\npair_coeff 1 1 soapgap {pot} Si\n"
                             "run 0\n", "must be * *"),
        "hybrid types * 1": (head + f"pair_style hybrid soapgap zero 4.0\npair_coeff * 1 soapgap {pot} Si\n"
                             "run 0\n", "must be * *"),
        "hybrid no file": (head + "pair_style hybrid soapgap zero 4.0\npair_coeff * * soapgap\nrun 0\n",
                           "<potential file>"),
        "no elements": (head + f"pair_style soapgap\npair_coeff * * {pot}\nrun 0\n", "got 0"),
        "no file": (head + "pair_style soapgap\npair_coeff * *\nrun 0\n", "<potential file>"),
        "element 0": (head + f"pair_style soapgap\npair_coeff * * {pot} 0\nrun 0\n", "\"0\" is not an element"),
        "element 200": (head + f"pair_style soapgap\npair_coeff * * {pot} 200\nrun 0\n",
                        "\"200\" is not an element"),
        "element -14": (head + f"pair_style soapgap\npair_coeff * * {pot} -14\nrun 0\n",
                        "\"-14\" is not an element"),
        "element huge": (head + f"pair_style soapgap\npair_coeff * * {pot} 99999999999999999999\nrun 0\n",
                         "is not an element"),
        "only NULL": (head + f"pair_style soapgap\npair_coeff * * {pot} NULL\nrun 0\n", "every atom type is NULL"),
        "directory": (head + f"pair_style soapgap\npair_coeff * * {adir} Si\nrun 0\n", "a_directory.xml"),
        "empty file name": (head + "pair_style soapgap\npair_coeff * * \"\" Si\nrun 0\n", "file name is empty"),
        "QUIP label, soapgap file": (head + f"pair_style soapgap\npair_coeff * * {pot} "
                                     "\"Potential xml_label=GAP_TEST\" Si\nrun 0\n", "not a QUIP GAP file"),
        "QUIP label twice": (head + f"pair_style soapgap\npair_coeff * * {quip} "
                             "\"Potential xml_label=GAP_TEST xml_label=GAP_TEST\" Si\nrun 0\n", "given twice"),
        "wrong QUIP label": (head + f"pair_style soapgap\npair_coeff * * {quip} \"Potential xml_label=WRONG\" 14\n"
                             "run 0\n", "WRONG"),
        "QUIP init unknown key": (head + f"pair_style soapgap\npair_coeff * * {quip} "
                                  "\"Potential xml_label=GAP_TEST calc=1\" 14\nrun 0\n", "\"calc=1\" is not understood"),
        "QUIP IP SW": (head + f"pair_style soapgap\npair_coeff * * {quip} \"IP SW\" 14\nrun 0\n",
                       "\"IP SW\" is not a GAP"),
        "QUIP IP GAP unknown key": (head + f"pair_style soapgap\npair_coeff * * {quip} \"IP GAP calc=1\" 14\nrun 0\n",
                                    "\"calc=1\" is not understood"),
        "QUIP file, no variance": (head + f"pair_style soapgap\npair_coeff * * {quip} 14\n"
                                   "compute v all soapgap/variance/atom\n" + thermo, "no variance data"),
        # compute soapgap/variance/atom arguments
        "compute extra arg": (head + f"pair_style soapgap\npair_coeff * * {pot} Si\n"
                              "compute v all soapgap/variance/atom 1.0\n" + thermo, "unexpected \"1.0\""),
        "compute two extra": (head + f"pair_style soapgap\npair_coeff * * {pot} Si\n"
                              "compute v all soapgap/variance/atom pair soapgap\n" + thermo,
                              "unexpected \"pair\" \"soapgap\""),
        "compute terms zero": (head + f"pair_style soapgap\npair_coeff * * {pot} Si\n"
                               "compute v all soapgap/variance/atom terms 0\n" + thermo, "expected term numbers 1, 2"),
        "compute terms word": (head + f"pair_style soapgap\npair_coeff * * {pot} Si\n"
                               "compute v all soapgap/variance/atom terms soap\n" + thermo, "got \"soap\""),
        "compute terms none": (head + f"pair_style soapgap\npair_coeff * * {pot} Si\n"
                               "compute v all soapgap/variance/atom terms\n" + thermo, "at least one term"),
        "compute terms too many": (head + f"pair_style soapgap\npair_coeff * * {pot} Si\n"
                                   "compute v all soapgap/variance/atom terms 9\n" + thermo, "term 9 does not exist"),
        "compute before pair": (head + "compute v all soapgap/variance/atom\n" + thermo, None),
    }
    valid = {
        "soapgap file": head + f"pair_style soapgap\npair_coeff * * {pot} Si\ncompute v all soapgap/variance/atom\n"
                        + thermo,
        "atomic number": head + f"pair_style soapgap\npair_coeff * * {pot} 14\nrun 0\n",
        "QUIP file": head + f"pair_style soapgap\npair_coeff * * {quip} 14\nrun 0\n",
        "QUIP file, label": head + f"pair_style soapgap\npair_coeff * * {quip} \"Potential xml_label=GAP_TEST\" Si\n"
                            "run 0\n",
        "Potential, no label": head + f"pair_style soapgap\npair_coeff * * {pot} \"Potential\" Si\nrun 0\n",
        # the forms of pair_style quip decks and quippy: an empty label or none is the file's GAP
        "QUIP file, empty label": head + f"pair_style soapgap\npair_coeff * * {quip} \"Potential xml_label=\" 14\n"
                                  "run 0\n",
        "QUIP file, empty init": head + f"pair_style soapgap\npair_coeff * * {quip} \"\" 14\nrun 0\n",
        "QUIP file, IP GAP": head + f"pair_style soapgap\npair_coeff * * {quip} \"IP GAP\" Si\nrun 0\n",
        "QUIP file, IP GAP label": head + f"pair_style soapgap\npair_coeff * * {quip} \"IP GAP label=GAP_TEST\" Si\n"
                                   "run 0\n",
    }
    failures = []
    for what, (deck, expected) in cases.items():
        rc, text = run_deck_limited(args, work, "err_" + what.replace(" ", "_").replace(",", ""), deck)
        problem = deck_error_problem(rc, text, expected)
        print(f"error case {what:26s} exit {rc} {'ok' if problem is None else 'FAILED: ' + problem}")
        if problem is not None:
            failures.append(f"error case {what}: {problem}")
    for what, deck in valid.items():
        rc, text = run_deck_limited(args, work, "valid_" + what.replace(" ", "_").replace(",", ""), deck)
        print(f"valid case {what:26s} exit {rc} {'ok' if rc == 0 else 'FAILED'}")
        if rc != 0:
            failures.append(f"valid case {what}: exit {rc}: {text[-600:]}")
    n, fuzz_failures = fuzz_cases(args, work, head, files)
    return len(cases) + len(valid) + n, failures + fuzz_failures


def overlap_case(args, work, pot):
    """Two atoms on top of each other (IDs 37 and 50, in the part of the box that MPI rank 1 owns
    on 2 ranks): LAMMPS stops with an ERROR naming the atom IDs (1 rank), and on 2 ranks the
    message found on rank 1 is in log.lammps (written by rank 0) with the output redirected."""
    atoms = diamond(n=2)
    i, j = 36, 49  # 0-based: atom IDs 37 and 50
    atoms.positions[[i, j]] = [[8.1, 8.1, 8.1], [8.1, 8.1, 8.1]]  # rank 1's half for any 2-rank split
    data = os.path.join(work, "overlap.data")
    write(data, atoms, format="lammps-data", atom_style="atomic", specorder=["Si"])
    deck = (f"units metal\natom_style atomic\nread_data {data}\nmass 1 28.0855\nplugin load {args.plugin}\n"
            f"pair_style soapgap\npair_coeff * * {pot} Si\nrun 0\n")
    infile = os.path.join(work, "overlap.in")
    with open(infile, "w") as f:
        f.write(deck)
    failures = []
    for nprocs in (1, 2):
        log = os.path.join(work, f"overlap.np{nprocs}.log")
        cmd = [args.lmp, "-in", infile, "-log", log]
        if nprocs > 1:
            cmd = mpirun_prefix(args.mpirun, nprocs) + cmd
        with open(os.path.join(work, f"overlap.np{nprocs}.stdout"), "w") as out:
            r = subprocess.run(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT, timeout=120,
                               env=dict(os.environ, OMP_NUM_THREADS="1"))
        text = open(log).read() if os.path.exists(log) else ""
        # on 2 ranks: found on rank 1, reported by every rank (rank 0 writes the log)
        expected = ["atoms with IDs 37 and 50 are 0 Angstrom apart"] + (["(MPI rank 1)"] if nprocs > 1 else [])
        ok = r.returncode != 0 and any(l.startswith("ERROR") and all(e in l for e in expected)
                                       for l in text.splitlines())
        print(f"overlap np={nprocs}: exit {r.returncode}, {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append(f"overlap np={nprocs}: exit {r.returncode}; no ERROR line with '{expected}' in "
                            f"log.lammps:\n{text[-800:]}")
    return 2, failures


def fuzz_cases(args, work, head, files, n_decks=30, seed=20240611):
    """Seeded random pair_coeff and compute lines from plausible and implausible tokens: each deck
    must run (exit 0) if its arguments are valid, else stop with an ERROR line (no crash, no hang)."""
    rng = np.random.default_rng(seed)
    types = ["*", "*", "*", "1", "0", "2", "1*", "*1", "1*1", "**"]
    file_keys = ["pot", "pot", "novar", "quip", "corrupt", "adir", "missing", "empty"]
    paths = dict(files, missing="/nonexistent/pot.xml", empty='""')
    inits = ['"Potential"', '"Potential xml_label=GAP_TEST"', '"Potential xml_label=WRONG"', '"Potential xml_label="',
             '"IP GAP"', '"Potential xml_label=GAP_TEST extra=1"', '"xml_label=GAP_TEST"']
    elements = ["Si", "Si", "14", "014", "Ge", "32", "0", "200", "-14", "NULL", "si", "SI", "Xx", "1.5", "14x",
                "nan", "*", '""']
    compute_extras = ["1", "all", "soapgap", "pair", "-1", "Si", "NULL", '""']

    def pair_key(words):
        """The file key if `pair_coeff WORDS` is valid for the one-type data file, else None."""
        if len(words) not in (4, 5) or words[:2] != ["*", "*"]:
            return None
        key = next((k for k in ("pot", "novar", "quip") if paths[k] == words[2]), None)
        if key is None or words[-1] not in ("Si", "14", "014"):
            return None
        if len(words) == 5 and not (words[3] in ('"Potential"', '"Potential xml_label="', '"IP GAP"', '""') or
                                    (words[3] == '"Potential xml_label=GAP_TEST"' and key == "quip")):
            return None
        return key

    failures = []
    for k in range(n_decks):
        t = [str(rng.choice(types)), str(rng.choice(types))] if rng.random() < 0.3 else ["*", "*"]
        words = t + [paths[str(rng.choice(file_keys))]]
        if rng.random() < 0.35:
            words.append(str(rng.choice(inits)))
        words += [str(rng.choice(elements)) for _ in range(int(rng.choice([0, 1, 1, 1, 2])))]
        if rng.random() < 0.15:  # drop a random word
            del words[int(rng.integers(len(words)))]
        key = pair_key(words)
        extras = None
        if rng.random() < 0.4:
            extras = [str(rng.choice(compute_extras)) for _ in range(int(rng.choice([0, 0, 1, 2])))]
        hybrid = rng.random() < 0.3  # the same arguments under pair_style hybrid (* * checked by the plugin)
        if hybrid:
            deck = head + "pair_style hybrid soapgap zero 4.0\npair_coeff " + " ".join(words[:2] + ["soapgap"] + words[2:]) + "\n"
        else:
            deck = head + "pair_style soapgap\npair_coeff " + " ".join(words) + "\n"
        if extras is not None:
            deck += "compute v all soapgap/variance/atom " + " ".join(extras) + "\nthermo_style custom step pe c_v\n"
        deck += "run 0\n"
        valid = key is not None and (extras is None or (not extras and key == "pot"))
        rc, text = run_deck_limited(args, work, f"fuzz_{k:02d}", deck)
        if valid:
            problem = None if rc == 0 else f"valid arguments refused (exit {rc}): {text[-400:]}"
        else:
            problem = deck_error_problem(rc, text, lammps_exception_ok=hybrid and "**" in words[:2])
        line = ("hybrid: " if hybrid else "") + "pair_coeff " + " ".join(words) + \
            ("" if extras is None else " | compute ... " + " ".join(extras))
        print(f"fuzz {k:2d} {'valid  ' if valid else 'invalid'} exit {rc} {'ok' if problem is None else 'FAILED: ' + problem}"
              f"  [{line.replace(work, '.')}]")
        if problem is not None:
            failures.append(f"fuzz deck {k} ({line}): {problem}")
    return n_decks, failures


def null_type_case(args, work, pot):
    """Atoms of a NULL type are ignored by soapgap (here the other style of a pair_style hybrid, zero,
    covers them): the energy equals that of the structure without them."""
    atoms = diamond()
    atoms.positions = np.round(atoms.positions + np.random.default_rng(3).uniform(-0.1, 0.1, (8, 3)), 8)
    mixed = atoms.copy()
    extra = Atoms("Ar", positions=[[2.0, 2.0, 0.3]], cell=atoms.cell, pbc=True)
    mixed += extra
    data = os.path.join(work, "null.data")
    write(data, mixed, format="lammps-data", atom_style="atomic", specorder=["Si", "Ar"])
    deck = (f"units metal\natom_style atomic\nread_data {data}\nmass * 28.0\nplugin load {args.plugin}\n"
            f"pair_style hybrid soapgap zero 4.5\npair_coeff * * soapgap {pot} Si NULL\n"
            "pair_coeff 1 2 zero\npair_coeff 2 2 zero\nthermo_style custom pe\n"
            "thermo_modify format float %.17g\nrun 0\n")
    rc, text = run_deck(args, work, "null", deck)
    lines = text.splitlines()
    pe = None
    for k, l in enumerate(lines):
        if l.split() == ["PotEng"]:
            pe = float(lines[k + 1].split()[0])
            break
    xyz_in, xyz_out = os.path.join(work, "null.xyz"), os.path.join(work, "null.pred.xyz")
    write(xyz_in, atoms, format="extxyz")
    subprocess.run([args.soapgap, "eval", "--potential", pot, "--input", xyz_in, "--output", xyz_out, "--quiet"],
                   check=True, capture_output=True)
    ref = read(xyz_out).get_potential_energy()
    ok = rc == 0 and pe is not None and abs(pe - ref) <= 1e-8 * max(1.0, abs(ref))
    print(f"NULL type: LAMMPS {pe} vs soapgap eval {ref} {'ok' if ok else 'FAILED'}")
    return 1, ([] if ok else [f"NULL type: exit {rc}, {pe} vs {ref}"])


def compare_case(args, work, name, atoms, pot, species, failures):
    """run 0 in LAMMPS (1 and 2 ranks) against `soapgap eval --variance`; returns the check count."""
    xyz_in, xyz_out = os.path.join(work, name + ".xyz"), os.path.join(work, name + ".pred.xyz")
    write(xyz_in, atoms, format="extxyz")
    subprocess.run([args.soapgap, "eval", "--potential", pot, "--input", xyz_in, "--output", xyz_out,
                    "--variance=total", "--quiet"], check=True, capture_output=True)
    ref = read(xyz_out)
    ref_e = ref.get_potential_energy()
    ref_f = ref.get_forces()
    ref_w = np.array([float(x) for x in ref.info["virial"].split()]).reshape(3, 3) \
        if isinstance(ref.info.get("virial"), str) else np.array(ref.info["virial"]).reshape(3, 3)
    ref_local = ref.arrays["local_energy"]
    ref_var = ref.arrays["local_variance"]
    ref_evar = float(ref.info["energy_variance"])
    results = {}
    n_checks = 0
    for nprocs in (1, 2):
        lmp = run_lammps(args, work, name, atoms, pot, nprocs, species)
        results[nprocs] = lmp
        checks = {
            "energy": abs(lmp["energy"] - ref_e) / max(1.0, abs(ref_e)),
            "forces": np.abs(lmp["forces"] - ref_f).max() / max(1.0, np.abs(ref_f).max()),
            "virial": np.abs(lmp["virial"] - ref_w).max() / max(1.0, np.abs(ref_w).max()),
            "pe/atom": np.abs(lmp["pe_atom"] - ref_local).max() / max(1.0, np.abs(ref_local).max()),
            "variance/atom": np.abs(lmp["variance"] - ref_var).max() / max(1e-12, np.abs(ref_var).max()),
            "energy variance": abs(lmp["energy_variance"] - ref_evar) / max(1e-12, abs(ref_evar)),
            "sum stress/atom": np.abs(-lmp["stress_atom"].sum(axis=0) / NKTV2P -
                                      np.array([ref_w[0, 0], ref_w[1, 1], ref_w[2, 2], ref_w[0, 1],
                                                ref_w[0, 2], ref_w[1, 2]])).max() / max(1.0, np.abs(ref_w).max()),
        }
        for what, err in checks.items():
            # The variances are computed with triangular solves against the stored factors
            # (model/potential_data.h), accurate to rounding like the energies.
            tol = 1e-9
            n_checks += 1
            status = "ok" if err <= tol else "FAILED"
            print(f"{name:12s} np={nprocs} {what:16s} relative error {err:.2e} {status}")
            if err > tol:
                failures.append(f"{name} np={nprocs} {what}: {err:.2e}")
    d = np.abs(results[1]["forces"] - results[2]["forces"]).max()
    n_checks += 1
    print(f"{name:12s} 1 vs 2 ranks forces max diff {d:.2e} {'ok' if d <= 1e-10 else 'FAILED'}")
    if d > 1e-10:
        failures.append(f"{name}: 1 vs 2 MPI ranks differ by {d:.2e}")
    return n_checks


def variance_terms_case(args, work, pot):
    """compute soapgap/variance/atom terms 2 (2 ranks) against soapgap eval --variance-terms 2."""
    atoms = list(structures().values())[0]
    xyz_in, xyz_out = os.path.join(work, "terms.xyz"), os.path.join(work, "terms.pred.xyz")
    write(xyz_in, atoms, format="extxyz")
    subprocess.run([args.soapgap, "eval", "--potential", pot, "--input", xyz_in, "--output", xyz_out,
                    "--variance=total", "--variance-terms", "2", "--quiet"], check=True, capture_output=True)
    ref = read(xyz_out)
    lmp = run_lammps(args, work, "terms", atoms, pot, 2, variance_terms="2")
    full = run_lammps(args, work, "terms_all", atoms, pot, 1)
    err = np.abs(lmp["variance"] - ref.arrays["local_variance"]).max() / np.abs(ref.arrays["local_variance"]).max()
    err_e = abs(lmp["energy_variance"] - float(ref.info["energy_variance"])) / abs(float(ref.info["energy_variance"]))
    differs = np.abs(full["variance"] - lmp["variance"]).max() > 1e-6 * np.abs(full["variance"]).max()
    ok = err <= 1e-9 and err_e <= 1e-9 and differs
    print(f"variance terms 2 (np=2): per-atom {err:.2e}, total {err_e:.2e}, differs from all terms: {differs} "
          f"{'ok' if ok else 'FAILED'}")
    return 1, ([] if ok else [f"variance terms: {err:.2e} {err_e:.2e} differs={differs}"])


def main():
    args = parse_args(__doc__)
    work = tempfile.mkdtemp(prefix="soapgap-lammps-")
    failures = []
    n_checks = 0
    try:
        subprocess.run([args.dataset_tool, work, "4", "3"], check=True, capture_output=True)
        pot = fit_potential(args, os.path.join(work, "train.xyz"), os.path.join(work, "pot.xml"))
        cases = [(name, atoms, pot, ("Si",)) for name, atoms in structures().items()]
        sige = fit_two_element_potential(args, work)
        mixed = two_element_structures()[0].repeat((2, 1, 1))
        cases.append(("two_elements", mixed, sige, ("Si", "Ge")))
        for name, atoms, potential, species in cases:
            n_checks += compare_case(args, work, name, atoms, potential, species, failures)
        for case in (error_cases, null_type_case, overlap_case, variance_terms_case):
            n, f = case(args, work, pot)
            n_checks += n
            failures += f
    finally:
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept:", work)
    print(f"{n_checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
