#!/usr/bin/python3
"""Deterministic generation of the silicon candidate configurations -> candidates.xyz.

Every frame carries info: config_type, candidate_id (stable: si-<type>-<nnn>), priority
(labelling order: cheap and diverse first; types listed in URGENT, added while the database
was being labelled, get negative priorities and go first), est_cost_s (CPU-second estimate with the
settings.json k-spacing), note (how it was made). pbc marks vacuum directions (slabs:
pbc = T T F; isolated atom: F F F); the k-point rule uses it (one k-point along vacuum).

Everything is seeded (numpy RandomState per config_type). A candidate, once written, never
changes (main() keeps the frame already in --out: it may be labelled, and the Tersoff relaxation
of the surface_100_dimer_buckled_relaxed frames differs by ~1e-4 A between machines);
tests/python/test_silicon_candidates.py regenerates from scratch and checks the committed file
to 1e-3 A. label_qe.py keys results by candidate_id. The builders live in gen_common.py (lattice
constant, seeds, rattles), gen_surfaces.py (Si(100)/(111) slabs) and gen_buckled100.py
(Tersoff-relaxed buckled dimers), gen_stacking.py (hexagonal diamond, the intrinsic stacking
fault); active/ holds frames made with a soapgap potential (active/make_*.py).

NOTE on "hot" and amorphous/liquid frames: these are cheap stand-ins, clearly labelled
(config_type diamond_hot_rattle, liquid_rdp, amorphous_rdp); genuine MD snapshots should be
added later with the fitted potential.

surface_100_dimer_buckled_relaxed: buckled Si(100) p(2x1)/p(2x2)/c(4x2) dimers with imposed
bond length and tilt (0-26 deg) on a subsurface relaxed with a numpy implementation of the
Tersoff (1988) Si potential (dimer atoms held rigid), so that the PBE tilt-energy profile is
sampled (the older surface_100_dimer_tilted frames have an unrelaxed subsurface).

Usage: /usr/bin/python3 generate_structures.py [--out candidates.xyz]
"""
import argparse
import math
import os
import sys
from collections import OrderedDict

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.io import read, write
from ase.neighborlist import neighbor_list
from ase.spacegroup import crystal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import settings as S  # noqa: E402
from gen_buckled100 import gen_surf100_buckled  # noqa: E402
from gen_common import A0, diamond_cubic, rattle, rattle_rms, rng_for, soft_sphere_relax, strain  # noqa: E402
from gen_surfaces import gen_surf100, gen_surf111, gen_surf111_pandey  # noqa: E402
from gen_stacking import gen_hexagonal_diamond, gen_stacking_fault  # noqa: E402

# CPU-seconds per (k-point x atom x A^3) on these 2-core machines, calibrated on the
# converge.py runs; refine with measured timings (status.py reports them).
COST_K = 6.5e-4

# config_types labelled before all others (negative priority, in candidate order); used for
# types added to a database that is already being labelled (see main())
URGENT = ("surface_100_dimer_buckled_relaxed", "surface_100_soapgap_relaxed", "surface_111_das_soapgap_relaxed",
          "hexagonal_diamond", "stacking_fault", "amorphous_soapgap_relaxed")


def est_cost(at, kspacing):
    nk = S.n_kpoints_estimate(at, kspacing)
    return COST_K * nk * len(at) * at.get_volume()


# ----------------------------------------------------------------------------- builders
def gen_isolated_atom():
    at = Atoms("Si", positions=[[6.0, 6.25, 6.5]], cell=[12.0, 12.5, 13.0], pbc=False)
    return [(at, "isolated Si atom, non-spin-polarised (same settings as all frames), "
                 "orthorhombic 12x12.5x13 A box, Gamma only")]


def gen_diamond_eos():
    # 8-atom cubic cells: the k-point rule then gives the 4x4x4 shifted grid of every other
    # 8-atom diamond cell. (2-atom primitive cells got a 7x7x7 Gamma-centred grid and lay
    # 2.9 meV/atom above the 8-atom cells at the identical structure; see README.)
    out = []
    for s in np.linspace(0.88, 1.12, 9):           # volume scale factors
        a = A0 * s ** (1.0 / 3.0)
        out.append((diamond_cubic(a=a), "8-atom cubic diamond, V/V0=%.3f" % s))
    return out


def gen_diamond_strain(n=40):
    rng = rng_for("diamond_strain")
    out = []
    for i in range(n):
        kind = ["volumetric", "shear", "mixed"][i % 3]
        eps = np.zeros((3, 3))
        if kind in ("volumetric", "mixed"):
            eps += np.diag(rng.uniform(-0.01, 0.01, 3))        # up to ~+-3 % volume
        if kind in ("shear", "mixed"):
            off = rng.uniform(-0.03, 0.03, 3)
            eps[0, 1] = eps[1, 0] = off[0] / 2
            eps[0, 2] = eps[2, 0] = off[1] / 2
            eps[1, 2] = eps[2, 1] = off[2] / 2
        at = rattle(strain(diamond_cubic(), eps), 0.03, rng)
        out.append((at, "8-atom diamond, %s strain (|eps|<=0.01 diag, 0.03 eng. shear), rattle 0.03 A" % kind))
    return out


def gen_diamond_rattle():
    rng = rng_for("diamond_rattle")
    out = []
    for i in range(30):
        s = rng.uniform(0.03, 0.12)
        out.append((rattle(diamond_cubic(), s, rng), "8-atom diamond rattled sigma=%.3f A" % s))
    for i in range(20):
        s = rng.uniform(0.03, 0.12)
        eps = np.diag(rng.uniform(-0.01, 0.01, 3))
        out.append((rattle(strain(diamond_cubic((1, 1, 2)), eps), s, rng),
                    "16-atom diamond (1x1x2 cubic), small strain, rattled sigma=%.3f A" % s))
    for i in range(6):
        s = rng.uniform(0.03, 0.12)
        out.append((rattle(diamond_cubic((2, 2, 2)), s, rng), "64-atom diamond rattled sigma=%.3f A" % s))
    return out


def gen_diamond_phonon():
    """Frozen-phonon-like displacements: 1-2 commensurate modes with random polarisation
    per fcc sublattice, u_i = A e_s(i) cos(2 pi q.s_i + phi)."""
    rng = rng_for("diamond_phonon")
    out = []
    cells = [(1, 1, 1)] * 12 + [(1, 1, 2)] * 12
    for i, rep in enumerate(cells):
        at = diamond_cubic(rep)
        frac = at.get_scaled_positions()
        # sublattice: position relative to the conventional fcc lattice
        conv = (at.positions / A0) % 1.0
        sub = (np.round(conv * 4).astype(int) % 2)[:, 0]    # 0 for fcc sites, 1 for (1/4,1/4,1/4)
        u = np.zeros_like(at.positions)
        nmodes = 1 + (i % 2)
        desc = []
        for m in range(nmodes):
            # q in units of the supercell reciprocal vectors: half-integers of the 8-atom cell
            q = np.array([rng.randint(0, 2 * r) / (2.0 * r) * r for r in rep])  # in units of supercell recip.
            e = rng.normal(size=(2, 3))
            e /= np.linalg.norm(e, axis=1)[:, None]
            amp = rng.uniform(0.05, 0.12)
            phi = rng.uniform(0, 2 * np.pi)
            u += amp * e[sub] * np.cos(2 * np.pi * frac @ q + phi)[:, None]
            desc.append("q_frac=%s A=%.3f" % (np.round(q, 3).tolist(), amp))
        u -= u.mean(axis=0)
        at.positions += u
        out.append((at, "%d-atom diamond, frozen-phonon-like displacement %s" % (len(at), "; ".join(desc))))
    return out


def gen_diamond_hot_rattle():
    rng = rng_for("diamond_hot_rattle")
    out = []
    spec = [((1, 1, 1), 20), ((1, 1, 2), 16), ((2, 2, 2), 4)]
    for rep, n in spec:
        for i in range(n):
            s = rng.uniform(0.15, 0.30)
            eps = np.diag(rng.uniform(-0.01, 0.02, 3))       # thermal expansion-ish
            out.append((rattle_rms(strain(diamond_cubic(rep), eps), s, rng),
                        "STAND-IN for high-T MD: %d-atom diamond, random displacements with 3D rms %.3f A "
                        "(no pair closer than 1.9 A; not a real MD snapshot)" % (8 * rep[0] * rep[1] * rep[2], s)))
    return out


def gen_vacancy():
    rng = rng_for("vacancy")
    out = []
    base = diamond_cubic((2, 2, 2))
    center = base.positions[0].copy()
    del base[0]
    # nearest neighbours of the vacancy (minimum image)
    vecs = base.positions - center
    vecs -= np.round(vecs @ np.linalg.inv(base.cell.array)) @ base.cell.array
    dist = np.linalg.norm(vecs, axis=1)
    nn = np.where(dist < 2.5)[0]
    variants = [(0.0, 0.0, 0.0), (-0.15, 0.0, 0.0), (-0.30, 0.0, 0.0), (0.0, 0.05, 0.0),
                (-0.15, 0.08, 0.0), (0.0, 0.10, 0.0), (-0.10, 0.05, 0.01), (-0.10, 0.05, -0.01)]
    for inward, s, vol in variants:
        at = base.copy()
        at.positions[nn] += inward * (vecs[nn] / dist[nn][:, None])
        if vol:
            at = strain(at, np.eye(3) * vol)
        if s:
            at = rattle(at, s, rng)
        out.append((at, "64-site diamond with one vacancy (63 atoms); NN moved %.2f A radially, rattle %.2f A, isotropic strain %.2f"
                    % (inward, s, vol)))
    return out


def gen_interstitials():
    rng = rng_for("interstitial")
    res = OrderedDict()
    b = diamond_cubic((2, 2, 2))
    sites = {"interstitial_T": np.array([0.5, 0.5, 0.5]) * A0,
             "interstitial_H": np.array([0.625, 0.625, 0.625]) * A0}
    for name, pos in sites.items():
        res[name] = []
        for s in (0.0, 0.05, 0.10):
            at = b.copy()
            at.append("Si")
            at.positions[-1] = pos
            if s:
                at = rattle(at, s, rng)
            res[name].append((at, "65 atoms: 64-atom diamond + %s-site interstitial at %s A (unrelaxed), rattle %.2f A"
                              % (name[-1], np.round(pos, 3).tolist(), s)))
    res["interstitial_X110"] = []
    for s in (0.0, 0.05, 0.10):
        at = b.copy()
        i0 = int(np.argmin(np.linalg.norm(at.positions - np.array([0.25, 0.25, 0.25]) * A0, axis=1)))
        c = at.positions[i0].copy()
        del at[i0]
        d = 1.2 * np.array([1.0, 1.0, 0.0]) / math.sqrt(2.0)
        at.append("Si"); at.positions[-1] = c + d
        at.append("Si"); at.positions[-1] = c - d
        at = soft_sphere_relax(at, 2.25)   # only separates pairs closer than 2.25 A
        if s:
            at = rattle(at, s, rng)
        res["interstitial_X110"].append((at, "65 atoms: split <110> dumbbell replacing the atom at (1/4,1/4,1/4)a, "
                                         "dumbbell length 2.4 A, overlaps (<2.25 A) pushed apart by a soft-sphere step, rattle %.2f A" % s))
    return res


def random_packing(n, vol_per_atom, dmin, rng, cell_shape=(1.0, 1.0, 1.0)):
    L = (n * vol_per_atom / np.prod(cell_shape)) ** (1.0 / 3.0)
    cell = np.diag(np.array(cell_shape) * L)
    pos = []
    tries = 0
    while len(pos) < n:
        tries += 1
        p = rng.uniform(0, 1, 3) @ cell
        ok = True
        for q in pos:
            dv = p - q
            dv -= np.round(dv @ np.linalg.inv(cell)) @ cell
            if np.linalg.norm(dv) < dmin:
                ok = False
                break
        if ok:
            pos.append(p)
        if tries > 200000:
            raise RuntimeError("packing failed")
    return Atoms("Si%d" % n, positions=pos, cell=cell, pbc=True)


def gen_rdp():
    rng = rng_for("rdp")
    res = OrderedDict()
    res["liquid_rdp"] = []
    res["amorphous_rdp"] = []
    # liquid Si: ~2.57 g/cm3 -> 18.1 A^3/atom ; amorphous Si: ~2.28 g/cm3 -> 20.4 A^3/atom
    for n, count in ((16, 10), (64, 4)):
        for c in range(count):
            vpa = rng.uniform(17.5, 19.0) if n < 64 else rng.uniform(18.0, 19.0)
            at = random_packing(n, vpa, 1.9, rng)
            at = soft_sphere_relax(at, 2.30)
            res["liquid_rdp"].append((at, "STAND-IN for liquid: %d-atom random packing at %.2f A^3/atom, "
                                      "soft-sphere relaxed to d>=2.30 A" % (n, vpa)))
    for n, count in ((16, 6), (64, 4)):
        for c in range(count):
            vpa = rng.uniform(19.5, 21.0)
            at = random_packing(n, vpa, 2.0, rng)
            at = soft_sphere_relax(at, 2.35)
            res["amorphous_rdp"].append((at, "STAND-IN for amorphous: %d-atom random packing at %.2f A^3/atom, "
                                         "soft-sphere relaxed to d>=2.35 A (not a CRN)" % (n, vpa)))
    return res


def bc8_primitive(a):
    conv = crystal("Si", [(0.1003, 0.1003, 0.1003)], spacegroup=206, cellpar=[a, a, a, 90, 90, 90])
    cell = 0.5 * a * np.array([[-1, 1, 1], [1, -1, 1], [1, 1, -1]])
    frac = conv.positions @ np.linalg.inv(cell)
    frac = frac - np.floor(frac + 1e-8)
    keep = []
    for f in frac:
        if not any(np.allclose(f, g, atol=1e-5) for g in keep):
            keep.append(f)
    assert len(keep) == 8, len(keep)
    return Atoms("Si8", scaled_positions=keep, cell=cell, pbc=True)


EXTRA_VOLS = (0.88, 0.96, 1.04, 1.12)   # volume scale factors of the phases' added E(V) points
# the note of frames appended to a config_type that is not URGENT: they are ranked after every
# other frame of that ranking, so that the older frames keep their priorities
LATE = "(E(V) points added 2026-12-08)"


def gen_phases():
    rng = rng_for("phases")
    res = OrderedDict()
    vols = (0.92, 1.0, 1.08)

    def add(name, builder, ref_desc, extra_rattle=1):
        res[name] = []
        for v in vols:
            at = builder(v)
            res[name].append((at, "%s, V/Vref=%.2f" % (ref_desc, v)))
        for r in range(extra_rattle):
            v = vols[1]
            at = rattle(builder(v), 0.05, rng)
            extra = " (1-atom cell: a rigid translation of the V/Vref=1.00 frame, kept as an egg-box check)" if len(at) == 1 else ""
            res[name].append((at, "%s, V/Vref=%.2f, rattled 0.05 A%s" % (ref_desc, v, extra)))
        if len(builder(1.0)) == 1:
            # 1-atom cells carry no rattle information: add a randomly strained copy instead
            srng = rng_for("phases_strain_" + name)
            e = srng.uniform(-0.02, 0.02, (3, 3))
            e = 0.5 * (e + e.T)
            res[name].append((strain(builder(1.0), e), "%s, V/Vref=1.00 with a random symmetric strain (|eps_ij| <= 0.02)" % ref_desc))
        # appended 2026-12-08 (older ids unchanged): with three volumes, the one the split holds
        # out (e.g. V/Vref=0.92) was an extrapolation 8 % beyond the others, and the largest
        # held-out energy errors of the fits were such cells (simple hexagonal, bcc)
        for v in EXTRA_VOLS:
            res[name].append((builder(v), "%s, V/Vref=%.2f %s" % (ref_desc, v, LATE)))

    def bsn(v):
        a, c = 4.81 * v ** (1 / 3), 4.81 * 0.552 * v ** (1 / 3)
        frac = [[0, 0, 0], [0.5, 0.5, 0.5], [0, 0.5, 0.25], [0.5, 0, 0.75]]
        return Atoms("Si4", scaled_positions=frac, cell=[a, a, c], pbc=True)
    add("beta_tin", bsn, "beta-Sn (A5) 4-atom conventional cell, a=4.81 A c/a=0.552 at Vref", 2)

    def sh(v):
        a, c = 2.53 * v ** (1 / 3), 2.38 * v ** (1 / 3)
        return Atoms("Si", positions=[[0, 0, 0]], cell=[[a, 0, 0], [-a / 2, a * math.sqrt(3) / 2, 0], [0, 0, c]], pbc=True)
    add("simple_hexagonal", sh, "simple hexagonal 1-atom cell, a=2.53 c=2.38 A at Vref")

    add("bc8", lambda v: bc8_primitive(6.64 * v ** (1 / 3)), "bc8 (Ia-3, x=0.1003) 8-atom primitive cell, a=6.64 A at Vref")
    add("hcp", lambda v: bulk("Si", "hcp", a=2.74 * v ** (1 / 3), c=2.74 * 1.633 * v ** (1 / 3)), "hcp 2-atom, a=2.74 A ideal c/a at Vref")
    add("fcc", lambda v: bulk("Si", "fcc", a=3.87 * v ** (1 / 3)), "fcc 1-atom primitive, a=3.87 A at Vref")
    add("bcc", lambda v: bulk("Si", "bcc", a=3.08 * v ** (1 / 3)), "bcc 1-atom primitive, a=3.08 A at Vref")
    add("sc", lambda v: bulk("Si", "sc", a=2.53 * v ** (1 / 3)), "simple cubic 1-atom, a=2.53 A at Vref")
    return res


# ----------------------------------------------------------------------------- main
def build_all():
    groups = OrderedDict()
    groups["isolated_atom"] = gen_isolated_atom()
    groups["diamond_eos"] = gen_diamond_eos()
    groups["diamond_strain"] = gen_diamond_strain()
    groups["diamond_rattle"] = gen_diamond_rattle()
    groups["diamond_phonon"] = gen_diamond_phonon()
    groups["diamond_hot_rattle"] = gen_diamond_hot_rattle()
    groups["vacancy"] = gen_vacancy()
    groups.update(gen_interstitials())
    groups.update(gen_rdp())
    groups.update(gen_phases())
    groups.update(gen_surf100())
    groups.update(gen_surf111())
    groups["surface_111_pandey"] = gen_surf111_pandey()
    # types added while the database was being labelled: appended (older ids, order and
    # priorities unchanged) and listed in URGENT so that the running labeller takes them next
    groups["surface_100_dimer_buckled_relaxed"] = gen_surf100_buckled()
    groups["surface_100_soapgap_relaxed"] = gen_from_file(os.path.join(S.HERE, "active", "surface_100_soapgap_relaxed.xyz"))
    groups["surface_111_das_soapgap_relaxed"] = gen_from_file(os.path.join(S.HERE, "active", "surface_111_das_soapgap_relaxed.xyz"))
    groups["hexagonal_diamond"] = gen_hexagonal_diamond()
    groups["stacking_fault"] = gen_stacking_fault()
    # the rounds of active/make_asi.py, in the order they were made (each potential's own a-Si minima)
    groups["amorphous_soapgap_relaxed"] = [f for name in ("amorphous_soapgap_relaxed.xyz", "amorphous_soapgap_relaxed_2.xyz",
                                                          "amorphous_soapgap_relaxed_3.xyz")
                                           for f in gen_from_file(os.path.join(S.HERE, "active", name))]
    return groups


def gen_from_file(path):
    """Frames found by relaxing with a soapgap potential where it was unsure or wrong (active
    learning by hand; the structures are committed in active/ with their provenance)."""
    out = []
    for at in read(path, ":"):
        note = at.info.get("note", "") + " [" + at.info.get("source", os.path.basename(path)) + "]"
        at = Atoms(at.numbers, positions=at.positions, cell=at.cell, pbc=at.pbc)
        out.append((at, note))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(S.HERE, "candidates.xyz"))
    args = ap.parse_args()
    s = S.load_settings()
    ks = s["kspacing_inv_A"]
    groups = build_all()
    frames = []
    for ct, items in groups.items():
        for k, (at, note) in enumerate(items):
            at = at.copy()
            at.info.clear()
            at.info["config_type"] = ct
            at.info["candidate_id"] = "si-%s-%03d" % (ct, k)
            at.info["note"] = note
            c = est_cost(at, ks)
            n, off = S.kgrid(at, ks)
            at.info["est_cost_s"] = round(float(c), 1)
            at.info["kgrid"] = "%dx%dx%d" % n
            # priority: cost x (1 + rank within type) -> cheap, diverse frames first
            at.info["_key"] = c * (1 + k)
            frames.append(at)
    late = {i for i in range(len(frames)) if frames[i].info["note"].endswith(LATE)}
    normal = [i for i in range(len(frames)) if frames[i].info["config_type"] not in URGENT and i not in late]
    urgent = [i for i in range(len(frames)) if frames[i].info["config_type"] in URGENT]
    order = sorted(normal, key=lambda i: (frames[i].info["_key"], frames[i].info["candidate_id"]))
    order += sorted(late, key=lambda i: (frames[i].info["_key"], frames[i].info["candidate_id"]))
    for rank, i in enumerate(order):
        frames[i].info["priority"] = rank
    # URGENT types: negative priorities in list order -> labelled before everything else,
    # without renumbering the other frames
    for r, i in enumerate(urgent):
        frames[i].info["priority"] = r - len(urgent)
    for f in frames:
        del f.info["_key"]
    # sanity: minimum distances
    for f in frames:
        if len(f) > 1:
            d = neighbor_list("d", f, 1.9)
            if len(d):
                print("WARNING: %s has a distance %.2f A < 1.9 A" % (f.info["candidate_id"], d.min()))
    # a candidate, once written, never changes: it may be labelled already, and some generators
    # (the numpy Tersoff relaxations) differ in the last digits from run to run
    if os.path.exists(args.out):
        existing = {a.info["candidate_id"]: a for a in read(args.out, ":")}
        moved = 0
        for i, f in enumerate(frames):
            old = existing.get(f.info["candidate_id"])
            if old is not None:
                moved += len(old) != len(f) or float(np.abs(old.positions - f.positions).max()) > 1e-6
                frames[i] = old
        if moved:
            print("kept %d existing candidates whose regenerated structure differs (the written one stays)" % moved)
    # write atomically: a running label_qe.py re-reads the file whenever its mtime changes
    tmp = args.out + ".tmp"
    write(tmp, frames, format="extxyz")
    os.replace(tmp, args.out)
    print("%-26s %5s %7s %10s   %s" % ("config_type", "count", "atoms", "est CPU-h", "k-grids"))
    tot_c = 0.0
    for ct in groups:
        fs = [f for f in frames if f.info["config_type"] == ct]
        c = sum(f.info["est_cost_s"] for f in fs)
        tot_c += c
        kg = sorted(set(f.info["kgrid"] for f in fs))
        na = sorted(set(len(f) for f in fs))
        print("%-26s %5d %7s %10.2f   %s" % (ct, len(fs), "/".join(map(str, na)), c / 3600, ",".join(kg)))
    print("%-26s %5d %7s %10.2f" % ("TOTAL", len(frames), "", tot_c / 3600))
    print("wrote %s" % args.out)


if __name__ == "__main__":
    main()
