#!/usr/bin/python3
"""Deterministic generation of the silicon candidate configurations -> candidates.xyz.

Every frame carries info: config_type, candidate_id (stable: si-<type>-<nnn>), priority
(labelling order: cheap and diverse first; types listed in URGENT, added while the database
was being labelled, get negative priorities and go first), est_cost_s (CPU-second estimate with the
settings.json k-spacing), note (how it was made). pbc marks vacuum directions (slabs:
pbc = T T F; isolated atom: F F F); the k-point rule uses it (one k-point along vacuum).

Everything is seeded (numpy RandomState per config_type), so rerunning reproduces
candidates.xyz byte for byte; label_qe.py keys results by candidate_id.

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
import zlib
from collections import OrderedDict

import numpy as np
from ase import Atoms
from ase.build import bulk, diamond100, diamond111
from ase.io import read, write
from ase.neighborlist import neighbor_list
from ase.spacegroup import crystal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import settings as S  # noqa: E402

A0 = 5.47            # PBE diamond lattice constant (A) used for all diamond-derived cells
VAC = 6.0            # vacuum on each side of slabs (A): 12 A between periodic images
# CPU-seconds per (k-point x atom x A^3) on these 2-core machines, calibrated on the
# converge.py runs; refine with measured timings (status.py reports them).
COST_K = 6.5e-4

RNG_SEEDS = {}
# config_types labelled before all others (negative priority, in candidate order); used for
# types added to a database that is already being labelled (see main())
URGENT = ("surface_100_dimer_buckled_relaxed", "surface_100_soapgap_relaxed")


def rng_for(tag):
    return np.random.RandomState(zlib.crc32(tag.encode()) & 0x7fffffff)


def rattle(at, sigma, rng):
    """Gaussian displacements with standard deviation sigma per Cartesian component."""
    at = at.copy()
    at.positions += rng.normal(0.0, sigma, at.positions.shape)
    return at


def rattle_rms(at, rms, rng, dmin=1.9, max_tries=200):
    """Displacements with 3D rms amplitude rms (sigma per component = rms/sqrt(3));
    redraw (deterministically, same rng) until no distance is below dmin."""
    for _ in range(max_tries):
        new = rattle(at, rms / math.sqrt(3.0), rng)
        d = neighbor_list("d", new, dmin)
        if len(d) == 0:
            return new
    raise RuntimeError("rattle_rms: could not avoid close contacts")


def diamond_cubic(rep=(1, 1, 1), a=A0):
    return bulk("Si", "diamond", a=a, cubic=True).repeat(rep)


def strain(at, eps):
    at = at.copy()
    F = np.eye(3) + np.asarray(eps)
    at.set_cell(at.cell.array @ F.T, scale_atoms=True)
    return at


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


def soft_sphere_relax(at, d0, steps=400, k=1.0):
    """Push apart atoms closer than d0 with a harmonic repulsion (steepest descent)."""
    at = at.copy()
    for _ in range(steps):
        i, j, D, dist = neighbor_list("ijDd", at, d0)
        if len(i) == 0:
            break
        over = (d0 - dist)
        f = np.zeros_like(at.positions)
        np.add.at(f, i, -(k * over / dist)[:, None] * D)
        at.positions += 0.2 * f
        if over.max() < 1e-3:
            break
    at.wrap()
    return at


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


def _slab100(layers=8):
    """(100) slab, 2x1 lateral cell with the doubled direction along the dimer (x)."""
    for size in ((2, 1, layers), (1, 2, layers)):
        at = diamond100("Si", size=size, a=A0, vacuum=VAC)
        z = at.positions[:, 2]
        top = np.where(z > z.max() - 0.1)[0]
        dv = at.positions[top[1]] - at.positions[top[0]]
        dv -= np.round(dv @ np.linalg.inv(at.cell.array)) @ at.cell.array
        # top atoms are bonded to the layer below along the direction perpendicular to the dimer;
        i, j, D = neighbor_list("ijD", at, 2.5)
        back = D[(i == top[0]) & (at.positions[j, 2] < z.max() - 0.5)]
        back_dir = np.abs(back[0, :2]) > 0.5            # in-plane component of a back bond
        if size == (2, 1, layers) and back_dir[1] and not back_dir[0]:
            return at, 0
        if size == (1, 2, layers) and back_dir[0] and not back_dir[1]:
            return at, 1
    raise RuntimeError("could not orient (100) slab")


def _dimerise(at, axis, idx_pair, bond, tilt_deg):
    a1, a2 = idx_pair
    p1, p2 = at.positions[a1].copy(), at.positions[a2].copy()
    dv = p2 - p1
    dv -= np.round(dv @ np.linalg.inv(at.cell.array)) @ at.cell.array
    mid = p1 + dv / 2
    half = 0.5 * bond * math.cos(math.radians(tilt_deg))
    dz = 0.5 * bond * math.sin(math.radians(tilt_deg))
    e = np.zeros(3); e[axis] = 1.0 if dv[axis] > 0 else -1.0
    sgn = 1.0 if at.positions[a1, 2] > at.cell[2, 2] / 2 else -1.0   # "outward" for top/bottom face
    at.positions[a1] = mid - half * e
    at.positions[a2] = mid + half * e
    # dimer atoms sit ~0.2 A lower than the bulk-terminated layer (keeps back bonds ~2.4 A)
    zc = mid[2] - sgn * 0.2
    at.positions[a1, 2] = zc + sgn * dz
    at.positions[a2, 2] = zc - sgn * dz


def gen_surf100():
    rng = rng_for("surf100")
    res = OrderedDict()
    base, axis = _slab100()
    z = base.positions[:, 2]
    top = list(np.where(z > z.max() - 0.1)[0])
    bot = list(np.where(z < z.min() + 0.1)[0])

    def slab(bond, tilt):
        at = base.copy()
        at.pbc = [True, True, False]
        if bond:
            _dimerise(at, axis, top, bond, tilt)
            _dimerise(at, axis, bot, bond, tilt)
        return at
    res["surface_100_ideal"] = [(slab(None, 0), "Si(100) 2x1 cell, 8 layers (16 atoms), bulk-terminated 1x1, 12 A vacuum"),
                                (rattle(slab(None, 0), 0.05, rng), "same, rattled 0.05 A")]
    res["surface_100_dimer_sym"] = [(slab(2.35, 0.0), "Si(100) p(2x1) symmetric dimers (2.35 A) on both faces, 8 layers, unrelaxed subsurface"),
                                    (slab(2.25, 0.0), "same, dimer 2.25 A"),
                                    (rattle(slab(2.35, 0.0), 0.05, rng), "symmetric dimer 2.35 A, rattled 0.05 A")]
    res["surface_100_dimer_tilted"] = [(slab(2.30, 18.0), "Si(100) p(2x1) tilted (buckled) dimers 2.30 A, tilt 18 deg, both faces"),
                                       (slab(2.30, 12.0), "same, tilt 12 deg"),
                                       (slab(2.30, 24.0), "same, tilt 24 deg"),
                                       (rattle(slab(2.30, 18.0), 0.05, rng), "tilt 18 deg, rattled 0.05 A")]
    return res


def _slab111(size, bilayers):
    at = diamond111("Si", size=(size[0], size[1], 2 * bilayers), a=A0, vacuum=VAC)
    # make both faces single-dangling-bond (shuffle-plane) terminations: drop 1-coordinated atoms
    for _ in range(2):
        i = neighbor_list("i", at, 2.5)
        coord = np.bincount(i, minlength=len(at))
        bad = np.where(coord < 2)[0]
        if len(bad) == 0:
            break
        del at[list(bad)]
    at.center(vacuum=VAC, axis=2)
    at.pbc = [True, True, False]
    return at


def gen_surf111():
    rng = rng_for("surf111")
    res = OrderedDict()
    b = _slab111((1, 1), 7)
    res["surface_111_1x1"] = [(b.copy(), "Si(111) 1x1, 6 bilayers (12 atoms), bulk-terminated, one dangling bond per surface atom, 12 A vacuum")]
    at = b.copy()
    z = at.positions[:, 2]
    # inward relaxation of the outermost layer on both faces (typical ~0.1-0.2 A)
    at.positions[z > z.max() - 0.1, 2] -= 0.15
    at.positions[z < z.min() + 0.1, 2] += 0.15
    res["surface_111_1x1"].append((at, "same, outermost atoms moved 0.15 A inwards"))
    for s in (0.05, 0.10):
        res["surface_111_1x1"].append((rattle(b, s, rng), "Si(111) 1x1 rattled %.2f A" % s))

    res["surface_111_adatom"] = []
    base = _slab111((2, 2), 4)
    z = base.positions[:, 2]
    top = np.where(z > z.max() - 0.1)[0]
    second = np.where((z < z.max() - 0.1) & (z > z.max() - 1.2))[0]
    cell = base.cell.array
    for site in ("T4", "H3"):
        # candidate 3-fold hollows: xy points equidistant (2.23 A) to three top atoms
        best = None
        # the two 3-fold hollows of the 1x1 cell lie at top-atom xy + (a1 + a2)/3 and + 2(a1 + a2)/3
        a1 = cell[0, :2] / 2; a2 = cell[1, :2] / 2
        p0 = base.positions[top[0], :2]
        cands = [p0 + (a1 + a2) / 3.0, p0 + 2.0 * (a1 + a2) / 3.0]
        for c in cands:
            dxy = base.positions[second, :2] - c
            frac = dxy @ np.linalg.inv(cell[:2, :2])
            dxy = (frac - np.round(frac)) @ cell[:2, :2]
            over_second = np.min(np.linalg.norm(dxy, axis=1)) < 0.3
            if (site == "T4") == over_second:
                best = c
        at = base.copy()
        at.append("Si")
        at.positions[-1] = [best[0], best[1], z.max() + 1.25]
        at = soft_sphere_relax(at, 2.25)
        res["surface_111_adatom"].append((at, "Si(111) 2x2, 3 bilayers (24 atoms) + one %s adatom 1.25 A above the top layer "
                                          "(unrelaxed; overlaps < 2.25 A pushed apart by a soft-sphere step), bottom face bare" % site))
    at = base.copy(); at.append("Si"); at.positions[-1] = res["surface_111_adatom"][0][0].positions[-1]
    at.positions[-1, 2] += 0.2
    at = soft_sphere_relax(at, 2.25)
    res["surface_111_adatom"].append((rattle(at, 0.05, rng), "T4 adatom 1.45 A above top layer, rattled 0.05 A"))
    return res


def _rect111_slab(bilayers, a=A0):
    """Rectangular Si(111) slab: x || [1-10] (a/sqrt2), y || [11-2] (a sqrt(6)/2), z || [111];
    both faces shuffle-plane terminated (one dangling bond per surface atom), pbc = T T F."""
    conv = bulk("Si", "diamond", a=a, cubic=True).repeat((4, 4, 4))
    conv.positions -= conv.positions.mean(axis=0)
    B = a * np.array([[0.5, -0.5, 0.0], [0.5, 0.5, -1.0], [1.0, 1.0, 1.0]])   # rows: new cell vectors
    frac = conv.positions @ np.linalg.inv(B)
    frac -= np.floor(frac + 1e-8)
    keep = []
    for f in frac:
        if not any(np.allclose(f, g, atol=1e-5) for g in keep):
            keep.append(f)
    assert len(keep) == 12, len(keep)
    L = np.linalg.norm(B, axis=1)
    unit = Atoms("Si12", scaled_positions=keep, cell=np.diag(L), pbc=True)   # 3 bilayers along z
    at = unit.repeat((1, 1, (bilayers + 4) // 3 + 1))
    z = at.positions[:, 2]
    order = np.sort(np.unique(np.round(z, 3)))
    # layers come in pairs 0.78 A apart (bilayers) separated by 2.37 A (shuffle plane)
    at.pbc = [True, True, False]
    zs = np.round(z, 3)
    gaps = np.diff(order)
    # find bilayer starts: a layer followed by a 0.78 A gap
    starts = [i for i in range(len(order) - 1) if abs(gaps[i] - a * math.sqrt(3) / 12) < 0.05]
    lo, hi = order[starts[0]], order[starts[bilayers - 1] + 1]
    sel = [k for k in range(len(at)) if lo - 1e-3 <= zs[k] <= hi + 1e-3]
    at = at[sel]
    at.cell[2, 2] = 1.0
    at.center(vacuum=VAC, axis=2)
    return at


def _keating_relax(at, bonds, fixed, d0, alpha=48.5, beta=13.8, steps=3000):
    """Minimise a Keating valence force field for a GIVEN bond topology (list of (i, j, shift))."""
    from scipy.optimize import minimize
    cell = at.cell.array
    bi = np.array([b[0] for b in bonds]); bj = np.array([b[1] for b in bonds])
    bs = np.array([b[2] for b in bonds], dtype=float) @ cell
    # angle triplets (centre i, bond index p, bond index q) with bond vectors oriented away from i
    nb = {}
    for p, (i, j, s) in enumerate(bonds):
        nb.setdefault(i, []).append((p, 1.0))
        nb.setdefault(j, []).append((p, -1.0))
    trip = [(p, sp, q, sq) for i, lst in nb.items() for m, (p, sp) in enumerate(lst) for (q, sq) in lst[m + 1:]]
    P = np.array([t[0] for t in trip]); SP = np.array([t[1] for t in trip])
    Q = np.array([t[2] for t in trip]); SQ = np.array([t[3] for t in trip])
    free = np.array([k for k in range(len(at)) if k not in set(fixed)])
    x0 = at.positions.copy()
    kb = 3 * alpha / (16 * d0 ** 2); ka = 3 * beta / (8 * d0 ** 2)

    def fg(xf):
        x = x0.copy(); x[free] = xf.reshape(-1, 3)
        r = x[bj] + bs - x[bi]
        r2 = (r * r).sum(1)
        e = kb * ((r2 - d0 ** 2) ** 2).sum()
        gr = (4 * kb * (r2 - d0 ** 2))[:, None] * r           # dE/dr (bond vector)
        rp = r[P] * SP[:, None]; rq = r[Q] * SQ[:, None]
        c = (rp * rq).sum(1) + d0 ** 2 / 3
        e += ka * (c ** 2).sum()
        np.add.at(gr, P, (2 * ka * c)[:, None] * rq * SP[:, None])
        np.add.at(gr, Q, (2 * ka * c)[:, None] * rp * SQ[:, None])
        g = np.zeros_like(x)
        np.add.at(g, bj, gr); np.add.at(g, bi, -gr)
        return e, g[free].ravel()
    res = minimize(fg, x0[free].ravel(), jac=True, method="L-BFGS-B", options={"maxiter": steps, "gtol": 1e-8})
    out = at.copy()
    x = x0.copy(); x[free] = res.x.reshape(-1, 3)
    out.positions = x
    return out


def pandey_chain_slab(bilayers=5):
    """Si(111)-(2x1) pi-bonded chain (Pandey) on the top face, ideal 1x1 bottom face.
    Topology change in the top bilayer (1a, 1b top-layer atoms; 2a, 2b second-layer atoms;
    1a bonds 2a once and 2b twice via x-images): the vertical bond 2b-3b is broken and a bond
    1b-3b is formed, giving the upper chain 1a-2b (3-fold, pi-bonded) and the lower chain
    2a-1b (4-fold) with 5- and 7-membered rings. The geometry is then relaxed with a Keating
    valence force field for the new topology (bottom 2 bilayers fixed); no buckling."""
    at = _rect111_slab(bilayers)
    i, j, Sft = neighbor_list("ijS", at, 2.6)
    z = at.positions[:, 2]
    layers = np.sort(np.unique(np.round(z, 2)))[::-1]
    L = [np.where(np.abs(z - lz) < 0.05)[0] for lz in layers]
    top, sec, third = L[0], L[1], L[2]
    assert len(top) == 2 and len(sec) == 2
    a1 = top[0]; b1 = top[1]
    nbr = lambda k: [(int(jj), tuple(s)) for ii, jj, s in zip(i, j, Sft) if ii == k]
    cnt = {}
    for jj, s in nbr(a1):
        cnt[jj] = cnt.get(jj, 0) + 1
    b2 = [k for k in sec if cnt.get(k, 0) == 2][0]
    a2 = [k for k in sec if cnt.get(k, 0) == 1][0]
    b3 = [jj for jj, s in nbr(b2) if jj in set(third)][0]
    bonds = []
    for ii, jj, s in zip(i, j, Sft):
        if ii < jj or (ii == jj and tuple(s) > (0, 0, 0)):
            if {int(ii), int(jj)} == {b2, b3}:
                continue
            bonds.append((int(ii), int(jj), tuple(int(v) for v in s)))
    # new bond 1b-3b: image of 3b closest to 1b
    best = None
    for sx in (-1, 0, 1):
        for sy in (-1, 0, 1):
            dvec = at.positions[b3] + np.array([sx, sy, 0]) @ at.cell.array - at.positions[b1]
            if best is None or np.linalg.norm(dvec) < best[0]:
                best = (np.linalg.norm(dvec), (sx, sy, 0))
    bonds.append((b1, b3, best[1]))
    start = at.copy()
    start.positions[b2, 2] += 0.8
    start.positions[b1, 2] -= 0.8
    start.positions[b1] += 0.5 * (at.positions[b3] + np.array(best[1]) @ at.cell.array - at.positions[b1]) * np.array([1, 1, 0])
    fixed = [k for k in range(len(at)) if z[k] < np.sort(np.unique(np.round(z, 2)))[4] + 0.05]
    relaxed = _keating_relax(start, bonds, fixed, d0=A0 * math.sqrt(3) / 4)
    return relaxed, (a1, b2), (a2, b1)


def gen_surf111_pandey():
    rng = rng_for("surf111_pandey")
    at, upper, lower = pandey_chain_slab()
    out = [(at.copy(), "Si(111)-(2x1) Pandey pi-bonded chain on the top face (rectangular 3.87x6.70 A cell, 5 bilayers, "
                       "20 atoms; ideal 1x1 bottom face), Keating-relaxed with the chain topology, unbuckled")]
    for sgn, tag in ((1, "positive"), (-1, "negative")):
        b = at.copy()
        b.positions[upper[0], 2] += sgn * 0.25
        b.positions[upper[1], 2] -= sgn * 0.25
        out.append((b, "Pandey chain with the upper chain buckled by 0.5 A (%s buckling isomer)" % tag))
    out.append((rattle(at, 0.05, rng), "Pandey chain (Keating), rattled 0.05 A"))
    return out


# ------------------------------------------------------- Si(100) buckled dimers, relaxed subsurface
# Tersoff (1988) silicon, PRB 37, 6991 ("T3"; LAMMPS potentials/Si.tersoff), in the LAMMPS form:
# E = 1/2 sum_{i != j} fc(r_ij) [A exp(-l1 r_ij) - b_ij B exp(-l2 r_ij)],
# b_ij = (1 + (beta zeta_ij)^n)^(-1/2n), zeta_ij = sum_k fc(r_ik) g(theta_ijk) exp(l3^3 (r_ij - r_ik)^3),
# g = gamma (1 + c^2/d^2 - c^2 / (d^2 + (h - cos theta)^2)).
TERSOFF_SI = dict(m=3, gamma=1.0, lam3=1.3258, c=4.8381, d=2.0417, h=0.0, n=22.956,
                  beta=0.33675, lam2=1.3258, B=95.373, R=3.0, D=0.2, lam1=3.2394, A=3264.7)


def _tersoff_pairs(at, skin=0.5):
    """Directed pair list (i, j, lattice shift) within R + D + skin (fixed during a relaxation)."""
    p = TERSOFF_SI
    i, j, S_ = neighbor_list("ijS", at, p["R"] + p["D"] + skin)
    return i, j, S_.astype(float) @ at.cell.array


def _tersoff_eg(x, pi, pj, pshift):
    """Tersoff energy (eV) and gradient dE/dx (eV/A) for positions x and a fixed pair list."""
    p = TERSOFF_SI
    R, D = p["R"], p["D"]
    Dv = x[pj] + pshift - x[pi]
    r = np.sqrt((Dv * Dv).sum(1))
    # cutoff function and derivative
    t = (r - R) / D
    inside = t < -1.0
    mid = np.abs(t) <= 1.0
    fc = np.where(inside, 1.0, np.where(mid, 0.5 - 0.5 * np.sin(0.5 * np.pi * np.clip(t, -1, 1)), 0.0))
    dfc = np.where(mid, -0.25 * np.pi / D * np.cos(0.5 * np.pi * np.clip(t, -1, 1)), 0.0)
    fR = p["A"] * np.exp(-p["lam1"] * r); dfR = -p["lam1"] * fR
    fA = -p["B"] * np.exp(-p["lam2"] * r); dfA = -p["lam2"] * fA
    # triplets (p, q): pairs q != p sharing the centre atom i
    npair = len(r)
    order = np.argsort(pi, kind="stable")
    starts = np.searchsorted(pi[order], np.arange(pi.max() + 2 if npair else 1))
    P, Q = [], []
    for a in range(len(starts) - 1):
        grp = order[starts[a]:starts[a + 1]]
        for u in grp:
            for w in grp:
                if u != w:
                    P.append(u); Q.append(w)
    P = np.array(P, dtype=int); Q = np.array(Q, dtype=int)
    rp, rq = r[P], r[Q]
    ct = (Dv[P] * Dv[Q]).sum(1) / (rp * rq)
    c2, d2 = p["c"] ** 2, p["d"] ** 2
    den = d2 + (p["h"] - ct) ** 2
    g = p["gamma"] * (1.0 + c2 / d2 - c2 / den)
    dg = -2.0 * p["gamma"] * c2 * (p["h"] - ct) / den ** 2
    l3m = p["lam3"] ** p["m"]
    ex = np.exp(l3m * (rp - rq) ** 3)
    dex = ex * 3.0 * l3m * (rp - rq) ** 2          # d ex / d rp  (= - d ex / d rq)
    term = fc[Q] * g * ex
    zeta = np.zeros(npair)
    np.add.at(zeta, P, term)
    bn = (p["beta"] * zeta) ** p["n"]
    b = (1.0 + bn) ** (-0.5 / p["n"])
    # db/dzeta (zeta = 0 -> 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        db = np.where(zeta > 0, -0.5 * b / (1.0 + bn) * bn / zeta, 0.0)
    E = 0.5 * (fc * (fR + b * fA)).sum()
    # gradient w.r.t. bond vectors
    dEdr = 0.5 * (dfc * (fR + b * fA) + fc * (dfR + b * dfA))
    G = (dEdr / r)[:, None] * Dv
    dEdz = 0.5 * fc * fA * db                          # per pair p
    w = dEdz[P]
    uP = Dv[P] / rp[:, None]; uQ = Dv[Q] / rq[:, None]
    dct_dP = (uQ - ct[:, None] * uP) / rp[:, None]
    dct_dQ = (uP - ct[:, None] * uQ) / rq[:, None]
    gP = (w * fc[Q] * dg * ex)[:, None] * dct_dP + (w * fc[Q] * g * dex)[:, None] * uP
    gQ = (w * fc[Q] * dg * ex)[:, None] * dct_dQ + (w * (dfc[Q] * g * ex - fc[Q] * g * dex))[:, None] * uQ
    np.add.at(G, P, gP)
    np.add.at(G, Q, gQ)
    grad = np.zeros_like(x)
    np.add.at(grad, pj, G)
    np.add.at(grad, pi, -G)
    return E, grad


def _tersoff_relax_rigid(at, rigid, fmax=1e-4, steps=5000):
    """Relax `at` with Tersoff Si, moving every group in `rigid` (lists of atom indices) as a
    rigid translation (internal geometry kept exactly) and all other atoms freely.
    Returns (relaxed atoms, max |generalised force| in eV/A)."""
    from scipy.optimize import minimize
    n = len(at)
    in_group = set(k for g in rigid for k in g)
    free = [k for k in range(n) if k not in in_group]
    nv = len(free) + len(rigid)
    M = np.zeros((n, nv))
    M[free, np.arange(len(free))] = 1.0
    for g, grp in enumerate(rigid):
        M[list(grp), len(free) + g] = 1.0
    cur = at.copy()
    for _ in range(5):                     # rebuild the pair list until it is consistent
        x0 = cur.positions.copy()
        pi, pj, ps = _tersoff_pairs(cur)

        def fg(v):
            e, g = _tersoff_eg(x0 + M @ v.reshape(-1, 3), pi, pj, ps)
            return e, (M.T @ g).ravel()
        res = minimize(fg, np.zeros(3 * nv), jac=True, method="L-BFGS-B",
                       options={"maxiter": steps, "gtol": fmax, "ftol": 1e-15, "maxcor": 30})
        cur = cur.copy()
        cur.positions = x0 + M @ res.x.reshape(-1, 3)
        # pairs within the cutoff now must all have been in the list
        i2, j2, S2 = neighbor_list("ijS", cur, TERSOFF_SI["R"] + TERSOFF_SI["D"])
        old = set(zip(pi.tolist(), pj.tolist(), map(tuple, np.round(ps, 6).tolist())))
        new = set(zip(i2.tolist(), j2.tolist(), map(tuple, np.round(S2.astype(float) @ cur.cell.array, 6).tolist())))
        if new <= old:
            break
    gmax = np.abs(fg(res.x)[1]).max()
    return cur, float(gmax)


def _place_dimer(at, i_up, i_dn, dv, axis, bond, tilt_deg, sgn):
    """Put atoms i_up/i_dn (bulk-terminated sites; the image of i_dn bonded to i_up is at
    i_up + dv) at a buckled dimer: bond length `bond`, i_up raised (outward: sgn = +1 top,
    -1 bottom face) and i_dn lowered by bond*sin(tilt)/2, centre 0.2 A below the
    bulk-terminated layer (as in _dimerise). i_dn stays in its own periodic image."""
    p_up0 = at.positions[i_up].copy()
    lat = at.positions[i_dn] - (p_up0 + dv)          # lattice vector to i_dn's stored image
    mid = p_up0 + dv / 2
    half = 0.5 * bond * math.cos(math.radians(tilt_deg))
    dz = 0.5 * bond * math.sin(math.radians(tilt_deg))
    e = np.zeros(3); e[axis] = 1.0 if dv[axis] > 0 else -1.0
    zc = mid[2] - sgn * 0.2
    p_up = mid - half * e; p_up[2] = zc + sgn * dz
    p_dn = mid + half * e; p_dn[2] = zc - sgn * dz
    at.positions[i_up] = p_up
    at.positions[i_dn] = p_dn + lat


def buckled_dimer_slab(cell_kind, bond, tilt_deg):
    """Si(100) 8-layer slab (a0 = A0, 12 A vacuum, same stacking and dimer sites as the
    surface_100_* frames) with buckled dimers on both faces and a relaxed subsurface.

    cell_kind: 'p2x1' (16 atoms, every dimer buckled the same way), 'p2x2' (32 atoms,
    buckling alternating along the dimer row, neighbouring rows in phase) or 'c4x2' (32
    atoms, cell vectors (2,1) and (0,2) in surface units: buckling alternating along the row
    and between rows; the PBE ground state). The dimer atoms are held at the imposed bond
    length and tilt (each dimer may only translate rigidly); every other atom is relaxed with
    the Tersoff (1988) Si potential (_tersoff_eg, checked against LAMMPS pair_style tersoff).
    Returns (atoms, dimers as [(up, down)], max residual generalised force in eV/A)."""
    base, axis = _slab100()
    row = 1 - axis                      # dimer rows run along `row`
    at = base.copy()
    if cell_kind in ("p2x2", "c4x2"):
        rep = [1, 1, 1]; rep[row] = 2
        at = at.repeat(rep)
    if cell_kind == "c4x2":
        cell = at.cell.array.copy()
        cell[axis] = cell[axis] + 0.5 * cell[row]     # (2, 1) in surface units: next row shifted by one dimer
        at.set_cell(cell, scale_atoms=False)
    at.pbc = [True, True, False]
    at.wrap()
    cellm = at.cell.array
    a_s = A0 / math.sqrt(2.0)
    z = at.positions[:, 2]
    dimers, rigid = [], []
    for face, sgn in ((np.where(z > z.max() - 0.1)[0], 1.0), (np.where(z < z.min() + 0.1)[0], -1.0)):
        # pair each surface atom with the surface atom a_s further along +axis, visiting the
        # atoms row position first, then along axis (the same dimer phase in every row);
        # dimers are numbered along the row so that the buckling can alternate along it
        order = sorted(face, key=lambda k: (round(at.positions[k, row] % cellm[row, row], 3),
                                            round(at.positions[k, axis], 3)))
        pairs, used = [], set()
        for k in order:
            if k in used:
                continue
            target = at.positions[k].copy()
            target[axis] += a_s
            for m in face:
                if m == k or m in used:
                    continue
                dvec = at.positions[m] - target
                dvec -= np.round(dvec @ np.linalg.inv(cellm)) @ cellm
                if np.linalg.norm(dvec) < 0.05:
                    pairs.append((k, m, target - at.positions[k]))
                    used.update((k, m))
                    break
        assert len(pairs) == len(face) // 2, (cell_kind, len(pairs), len(face))
        for n_d, (k, m, dv) in enumerate(pairs):
            flip = (cell_kind in ("p2x2", "c4x2")) and (n_d % 2 == 1)
            up, dn = (k, m) if not flip else (m, k)
            _place_dimer(at, up, dn, dv if not flip else -dv, axis, bond, tilt_deg, sgn)
            dimers.append((up, dn))
            rigid.append([up, dn])
    relaxed, gmax = _tersoff_relax_rigid(at, rigid)
    assert gmax < 1e-3, ("Tersoff relaxation not converged", cell_kind, bond, tilt_deg, gmax)
    return relaxed, dimers, gmax


def dimer_geometry(at, up, dn):
    """Dimer bond length (A, minimum image) and tilt (deg, from the surface plane)."""
    cell = at.cell.array
    dv = at.positions[dn] - at.positions[up]
    dv -= np.round(dv @ np.linalg.inv(cell)) @ cell
    return float(np.linalg.norm(dv)), float(math.degrees(math.asin(abs(dv[2]) / np.linalg.norm(dv))))


def gen_surf100_buckled():
    """Buckled Si(100) dimers on a RELAXED subsurface, sampling the PBE tilt-energy profile.

    The surface_100_dimer_tilted frames put a tilted dimer on the unrelaxed bulk-terminated
    subsurface (back bonds strained to 2.26/2.60 A), so in PBE they all lie above the
    symmetric dimer; a potential fitted to them learns an almost flat tilt profile (~5 deg
    instead of the ~18-19 deg of PBE/GAP). Here every frame has its subsurface relaxed for
    the imposed dimer bond and tilt (buckled_dimer_slab)."""
    rng = rng_for("surf100_buckled")
    out = []
    relax_note = ("subsurface relaxed with Tersoff(1988) Si (numpy, generate_structures.py) with the dimer atoms "
                  "held at the imposed bond/tilt (rigid translation only); 8 layers, a0=%.2f A, 12 A vacuum" % A0)
    desc = {"p2x1": "Si(100) p(2x1), 16 atoms, both faces, all dimers buckled alike",
            "p2x2": "Si(100) p(2x2), 32 atoms, both faces, buckling alternating along the row, rows in phase",
            "c4x2": "Si(100) c(4x2), 32 atoms (cell (2,1)x(0,2) surface units), both faces, buckling alternating "
                    "along and across rows (PBE ground state)"}
    specs = [("p2x1", 2.35, t, 0.0) for t in (0.0, 6.0, 12.0, 16.0, 19.0, 22.0, 26.0)]
    specs += [("p2x1", 2.30, 19.0, 0.0), ("p2x1", 2.40, 19.0, 0.0),
              ("c4x2", 2.37, 19.0, 0.0), ("c4x2", 2.37, 12.0, 0.0), ("p2x2", 2.37, 19.0, 0.0),
              ("p2x1", 2.35, 19.0, 0.03), ("c4x2", 2.37, 19.0, 0.03)]
    cache = {}
    for kind, bond, tilt, sigma in specs:
        key = (kind, bond, tilt)
        if key not in cache:
            cache[key] = buckled_dimer_slab(kind, bond, tilt)
        at, dimers, gmax = cache[key]
        note = "%s: dimer %.2f A, tilt %.0f deg; %s" % (desc[kind], bond, tilt, relax_note)
        if sigma:
            at = rattle(at, sigma, rng)
            note += "; then rattled %.2f A (all atoms)" % sigma
        out.append((at, note))
    return out


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
    normal = [i for i in range(len(frames)) if frames[i].info["config_type"] not in URGENT]
    urgent = [i for i in range(len(frames)) if frames[i].info["config_type"] in URGENT]
    order = sorted(normal, key=lambda i: (frames[i].info["_key"], frames[i].info["candidate_id"]))
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
