"""Surface slabs of the silicon candidates (generate_structures.py): Si(100) 2x1 slabs with
bulk-terminated, symmetric and tilted dimers; Si(111) 1x1, adatom and 2x1 Pandey-chain slabs
(the Pandey chain relaxed with a Keating valence force field). Deterministic."""
import math
import os
import sys
from collections import OrderedDict

import numpy as np
from ase import Atoms
from ase.build import bulk, diamond100, diamond111
from ase.neighborlist import neighbor_list

from gen_common import A0, VAC, rattle, rng_for, soft_sphere_relax

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples",
                                "silicon_surfaces"))
from si_structures import keating_relax, strip_undercoordinated  # noqa: E402  (shared with the surface demo)


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
    strip_undercoordinated(at, 2.5, 2)   # both faces single-dangling-bond terminations
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
    relaxed = keating_relax(start, bonds, fixed, d0=A0 * math.sqrt(3) / 4)
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
