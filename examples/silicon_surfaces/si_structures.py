"""Silicon surface structures and their geometry, for the surface demo (surfaces.py) and the
validation: bulk-terminated (100) and (111) slabs, (100) dimers (in phase, antiphase, along the
other direction), the (111) 2x1 Pandey chain (Keating-relaxed topology), and the analysis of a
relaxed slab (layers, dimers, bond lengths, tilts, buckling pattern). No LAMMPS here."""
import math

import numpy as np
from ase import Atoms
from ase.build import bulk, diamond100, diamond111
from ase.neighborlist import neighbor_list


def layers_of(atoms, tol=0.3):
    """Layer index of every atom, counted from the top (largest z) = 0."""
    z = atoms.positions[:, 2]
    levels = []
    for zz in sorted(z, reverse=True):
        if not levels or levels[-1] - zz > tol:
            levels.append(zz)
    return np.array([int(np.argmin(np.abs(np.array(levels) - zz))) for zz in z]), len(levels)


def min_image(atoms, d):
    c = atoms.cell.array
    f = d @ np.linalg.inv(c)
    f[:2] -= np.round(f[:2])
    return f @ c


def slab100(a0, nlayers, size, vacuum):
    at = diamond100("Si", size=(size, size, nlayers), a=a0, vacuum=vacuum / 2)
    at.pbc = True
    return at


def dimer_axis(at, idx, sign):
    """In-plane direction of the dimer on a (100) face: perpendicular to the in-plane projection
    of the back bonds of the surface atom idx (sign=+1 top face, -1 bottom face)."""
    i, j, D = neighbor_list("ijD", at, 2.6)
    back = D[(i == idx) & (sign * D[:, 2] < -0.5)]
    assert len(back) == 2, back
    proj = np.abs(back[0, :2])
    return 1 if proj[0] > proj[1] else 0     # back bonds along x -> dimer along y (axis 1)


def dimerise100(at, a0, swap=False, bond=2.35, dz=0.25, antiphase=False):
    """Pulls pairs of outermost atoms together on both faces (p(2x1): both dimers of a face tilt
    the same way), with a +-dz height offset so that a tilt can develop. antiphase=True tilts
    the two dimers of a face (neighbours along the dimer row) opposite ways: p(2x2), the
    pattern of Si(100)'s c(4x2) ground state. swap=True pairs along the other in-plane
    direction (the back-bond direction: not a dimer; a check of the choice).
    Returns the list of dimers (i, j) and the axis used per face."""
    lay, nl = layers_of(at)
    dimers, axes = [], []
    for face, sign in ((0, 1.0), (nl - 1, -1.0)):
        surf = np.where(lay == face)[0]
        axis = dimer_axis(at, surf[0], sign)
        if swap:
            axis = 1 - axis
        axes.append(axis)
        # coordinate along the axis, in units of the 1x1 spacing: 0 or 1 (mod 2) in a 2x2 cell;
        # p (even) pairs with q (odd) one spacing further along +axis, so that every dimer of the
        # face is centred at the same axis coordinate (aligned dimers along the row)
        spacing = a0 / math.sqrt(2)
        u = at.positions[surf, axis] / spacing
        u0 = u.min()
        k = np.round(u - u0).astype(int) % 2
        for n, p in enumerate(surf[k == 0]):
            h = -dz if antiphase and n % 2 else dz
            cand = [q for q in surf[k == 1]
                    if abs(min_image(at, at.positions[q] - at.positions[p])[1 - axis]) < 0.05]
            assert len(cand) == 1, "no unique dimer partner"
            q = cand[0]
            d = np.zeros(3)
            d[axis] = spacing
            mid = at.positions[p] + d / 2
            e = d / spacing
            at.positions[p] = mid - e * bond / 2 + np.array([0, 0, sign * h])
            at.positions[q] = mid + e * bond / 2 - np.array([0, 0, sign * h])
            at.positions[[p, q], 2] -= sign * 0.2      # dimer atoms sit lower than the ideal layer
            dimers.append((int(p), int(q)))
    return dimers, axes


def strip_undercoordinated(at, rc, rounds):
    """Deletes the atoms with fewer than 2 neighbours within rc, again up to `rounds` times: the
    singly bonded outer atoms of an ASE (111) slab go, so both faces end between bilayers."""
    for _ in range(rounds):
        i = neighbor_list("i", at, rc)
        bad = np.where(np.bincount(i, minlength=len(at)) < 2)[0]
        if len(bad) == 0:
            break
        del at[list(bad)]
    return at


def slab111(a0, bilayers, vacuum):
    """(111) slab, both faces terminated between bilayers (one dangling bond per surface atom)."""
    at = diamond111("Si", size=(1, 1, 2 * bilayers + 2), a=a0, vacuum=vacuum / 2)
    at.pbc = [True, True, False]
    strip_undercoordinated(at, 2.6, 3)
    i = neighbor_list("i", at, 2.6)
    coord = np.bincount(i, minlength=len(at))
    assert coord.min() == 3 and np.sum(coord == 3) == 2 and len(at) == 2 * bilayers, coord
    at.center(vacuum=vacuum / 2, axis=2)
    at.pbc = True
    return at


def rect111_slab(bilayers, a0, vacuum):
    """Rectangular Si(111) slab (x || [1-10], a/sqrt2; y || [11-2], a sqrt(6)/2; z || [111]), both
    faces terminated between bilayers."""
    conv = bulk("Si", "diamond", a=a0, cubic=True).repeat((4, 4, 4))
    B = a0 * np.array([[0.5, -0.5, 0.0], [0.5, 0.5, -1.0], [1.0, 1.0, 1.0]])
    frac = conv.positions @ np.linalg.inv(B)
    frac -= np.floor(frac + 1e-8)
    keep = []
    for f in frac:
        if not any(np.allclose(f, g, atol=1e-5) for g in keep):
            keep.append(f)
    assert len(keep) == 12, len(keep)
    unit = Atoms("Si12", scaled_positions=keep, cell=np.diag(np.linalg.norm(B, axis=1)), pbc=True)
    at = unit.repeat((1, 1, (bilayers + 4) // 3 + 1))
    zs = np.round(at.positions[:, 2], 3)
    order = np.sort(np.unique(zs))
    gaps = np.diff(order)
    starts = [i for i in range(len(order) - 1) if abs(gaps[i] - a0 * math.sqrt(3) / 12) < 0.05]
    lo, hi = order[starts[0]], order[starts[bilayers - 1] + 1]
    at = at[[k for k in range(len(at)) if lo - 1e-3 <= zs[k] <= hi + 1e-3]]
    at.pbc = [True, True, False]
    at.center(vacuum=vacuum / 2, axis=2)
    return at


def keating_relax(at, bonds, fixed, d0, alpha=48.5, beta=13.8):
    """Minimises a Keating valence force field for a given bond topology [(i, j, image shift)]."""
    from scipy.optimize import minimize
    cell = at.cell.array
    bi = np.array([b[0] for b in bonds])
    bj = np.array([b[1] for b in bonds])
    bs = np.array([b[2] for b in bonds], dtype=float) @ cell
    nb = {}
    for p, (i, j, s) in enumerate(bonds):
        nb.setdefault(i, []).append((p, 1.0))
        nb.setdefault(j, []).append((p, -1.0))
    trip = [(p, sp, q, sq) for lst in nb.values() for m, (p, sp) in enumerate(lst) for (q, sq) in lst[m + 1:]]
    P, SP, Q, SQ = (np.array([t[k] for t in trip]) for k in range(4))
    free = np.array([k for k in range(len(at)) if k not in set(fixed)])
    x0 = at.positions.copy()
    kb, ka = 3 * alpha / (16 * d0 ** 2), 3 * beta / (8 * d0 ** 2)

    def fg(xf):
        x = x0.copy()
        x[free] = xf.reshape(-1, 3)
        r = x[bj] + bs - x[bi]
        r2 = (r * r).sum(1)
        e = kb * ((r2 - d0 ** 2) ** 2).sum()
        gr = (4 * kb * (r2 - d0 ** 2))[:, None] * r
        rp, rq = r[P] * SP[:, None], r[Q] * SQ[:, None]
        c = (rp * rq).sum(1) + d0 ** 2 / 3
        e += ka * (c ** 2).sum()
        np.add.at(gr, P, (2 * ka * c)[:, None] * rq * SP[:, None])
        np.add.at(gr, Q, (2 * ka * c)[:, None] * rp * SQ[:, None])
        g = np.zeros_like(x)
        np.add.at(g, bj, gr)
        np.add.at(g, bi, -gr)
        return e, g[free].ravel()
    res = minimize(fg, x0[free].ravel(), jac=True, method="L-BFGS-B", options={"maxiter": 3000, "gtol": 1e-8})
    out = at.copy()
    x = x0.copy()
    x[free] = res.x.reshape(-1, 3)
    out.positions = x
    return out


def pandey_slab(a0, bilayers, vacuum, buckle=0.25):
    """Si(111)-(2x1) pi-bonded chain (Pandey) on the top face, bulk-terminated bottom face.
    Top bilayer atoms 1a, 1b, second-layer 2a, 2b: the bond 2b-3b is broken and 1b-3b formed,
    giving the 3-fold upper chain (1a-2b, pi-bonded) and the 4-fold lower chain (2a-1b) with 5-
    and 7-membered rings. The start geometry is relaxed with a Keating force field for the new
    topology (bottom bilayers fixed), then the upper chain is buckled by +-buckle."""
    at = rect111_slab(bilayers, a0, vacuum)
    i, j, S = neighbor_list("ijS", at, 2.6)
    z = at.positions[:, 2]
    levels = np.sort(np.unique(np.round(z, 2)))[::-1]
    L = [np.where(np.abs(z - lz) < 0.05)[0] for lz in levels]
    top, sec, third = L[0], L[1], L[2]
    assert len(top) == 2 and len(sec) == 2
    a1, b1 = top
    nbr = lambda k: [(int(jj), tuple(s)) for ii, jj, s in zip(i, j, S) if ii == k]
    cnt = {}
    for jj, s in nbr(a1):
        cnt[jj] = cnt.get(jj, 0) + 1
    b2 = [k for k in sec if cnt.get(k, 0) == 2][0]
    b3 = [jj for jj, s in nbr(b2) if jj in set(third)][0]
    bonds = [(int(ii), int(jj), tuple(int(v) for v in s)) for ii, jj, s in zip(i, j, S)
             if (ii < jj or (ii == jj and tuple(s) > (0, 0, 0))) and {int(ii), int(jj)} != {b2, b3}]
    best = min(((np.linalg.norm(at.positions[b3] + np.array([sx, sy, 0]) @ at.cell.array - at.positions[b1]),
                 (sx, sy, 0)) for sx in (-1, 0, 1) for sy in (-1, 0, 1)))
    bonds.append((int(b1), int(b3), best[1]))
    start = at.copy()
    start.positions[b2, 2] += 0.8
    start.positions[b1, 2] -= 0.8
    start.positions[b1] += 0.5 * (at.positions[b3] + np.array(best[1]) @ at.cell.array - at.positions[b1]) * [1, 1, 0]
    fixed = [k for k in range(len(at)) if z[k] < levels[::-1][4] + 0.05]
    out = keating_relax(start, bonds, fixed, d0=a0 * math.sqrt(3) / 4)
    out.positions[a1, 2] += buckle
    out.positions[b2, 2] -= buckle
    out.pbc = True
    return out, (int(a1), int(b2))


def find_dimers(at, lay, nl, rmax=2.55):
    """Dimers actually present after relaxation: pairs of atoms of an outermost layer (layer
    index of the bulk-terminated slab) closer than rmax."""
    out = []
    for face in (0, nl - 1):
        surf = [int(k) for k in np.where(lay == face)[0]]
        for m, p in enumerate(surf):
            for q in surf[m + 1:]:
                if np.linalg.norm(min_image(at, at.positions[q] - at.positions[p])) < rmax:
                    out.append((p, q))
    return out


def dimer_geometry(at, dimers):
    bonds, tilts = [], []
    for p, q in dimers:
        d = min_image(at, at.positions[q] - at.positions[p])
        r = np.linalg.norm(d)
        bonds.append(float(r))
        tilts.append(math.degrees(math.asin(abs(d[2]) / r)))
    return bonds, tilts


def buckling_pattern(at, dimers, lay, nl, flat_deg=3.0):
    """How the dimers of each (100) face buckle: 'p(2x1)' when every dimer of a face has its
    upper atom on the same side (in phase), 'p(2x2)' when neighbouring dimers alternate
    (antiphase, as in c(4x2)), 'flat' when no dimer tilts by more than flat_deg, 'mixed'
    otherwise (faces that differ, or flat and tilted dimers together)."""
    if not dimers:
        return "no dimers"
    per_face = []
    for face, sign in ((0, 1.0), (nl - 1, -1.0)):
        signs = []
        for p, q in sorted(d for d in dimers if lay[d[0]] == face):
            d = min_image(at, at.positions[q] - at.positions[p])
            tilt = math.degrees(math.asin(abs(d[2]) / np.linalg.norm(d)))
            # the upper atom's side along the dimer bond, seen from outside the face
            axis = int(np.argmax(np.abs(d[:2])))
            signs.append(0 if tilt < flat_deg else int(np.sign(sign * d[2] * d[axis])))
        if not signs:
            continue
        if all(x == 0 for x in signs):
            per_face.append("flat")
        elif 0 in signs:
            per_face.append("mixed")
        elif len(signs) == 1 or all(x == signs[0] for x in signs):
            per_face.append("p(2x1)")
        elif all(signs[k] != signs[k + 1] for k in range(len(signs) - 1)):
            per_face.append("p(2x2)")
        else:
            per_face.append("mixed")
    return per_face[0] if len(set(per_face)) == 1 else "mixed"


def pretty(pattern):
    return pattern.replace("2x", "2×")


def das111(n, a0, bilayers=8, vacuum=20.0, fixed_bilayers=3, dimer_bond=2.45, adatom_height=1.1):
    """Si(111) (2n+1)x(2n+1) dimer-adatom-stacking-fault (DAS) reconstruction (Takayanagi), built
    from its rules, unrelaxed, on `bilayers` bulk bilayers with a bulk-terminated 1x1 bottom face.
    In-plane units of the 1x1 lattice (u, v; N = 2n+1): the substrate's top atoms sit at integer
    sites, the atoms below them at integer + s, so the bulk continues a bilayer at +s and a
    stacking fault puts it at -s (the slab is turned by 180 degrees if needed to make s = (1/3, 1/3)).
    - dimer layer: an atom above every top substrate atom (vertical bond), except the cell
      corner, the corner hole: N^2 - 1 atoms;
    - rest layer: faulted (-s) in the triangle u + v < N, unfaulted (+s) in u + v > N, at the
      sites strictly inside each triangle: N(N - 1) atoms;
    - dimers: the 2n dimer-layer atoms on each triangle edge (u = 0, v = 0, u + v = N) pair up
      along it, n per edge, 3n per cell, placed `dimer_bond` apart;
    - adatoms on T4 sites (above a dimer-layer atom): (i, j) odd with i + j <= N - 1 in the
      faulted half, (N - i, N - j) in the unfaulted one, n(n + 1) per cell, each above three
      rest atoms.
    Atom counts are those of the literature model (7x7: 12 adatoms, 42 rest, 48 dimer-layer
    atoms). Unrelaxed: every layer flat at bulk heights, so an adatom starts 1.9 A above the atom
    of its T4 site (a relaxation opens it). Relaxed with the shipped potential, the 3x3, 5x5 and
    7x7 equal the silicon testing framework's slabs to 2.4, 0.1 and 0.0 meV per cell
    (tests/python/test_das111.py checks the 3x3). move_mask = 0 on the bottom `fixed_bilayers`
    bilayers (held fixed in relaxations)."""
    N = 2 * n + 1
    sub = slab111(a0, bilayers, vacuum) * (N, N, 1)
    cell = sub.cell.array

    def frac(p):
        return (p[:, :2] @ np.linalg.inv(cell[:2, :2])) * N     # 1x1 units

    def offset(z_lo, z_hi):
        sel = (sub.positions[:, 2] > z_lo) & (sub.positions[:, 2] < z_hi)
        return np.mod(frac(sub.positions[sel])[0], 1.0)

    for _ in range(2):
        z = sub.positions[:, 2]
        sub.positions[:, :2] -= sub.positions[np.argmax(z), :2]     # a top atom at the origin
        sub.wrap()
        s = np.mod(-offset(z.max() - 1.2, z.max() - 0.4), 1.0)      # top minus the layer below
        if np.allclose(s, 1.0 / 3, atol=0.02):
            break
        sub.positions[:, :2] *= -1.0                                  # turn by 180 degrees
        sub.wrap()
    assert np.allclose(s, 1.0 / 3, atol=0.02), s
    s = np.array([1.0, 1.0]) / 3
    ztop = sub.positions[:, 2].max()
    z_dimer = ztop + a0 * math.sqrt(3) / 4
    z_rest = z_dimer + a0 * math.sqrt(3) / 12
    sites = [(float(i), float(j)) for i in range(N) for j in range(N)]
    dimer = np.array([uv for uv in sites if uv != (0.0, 0.0)])
    rest = [np.array(uv) - s for uv in sites if sum(uv) - 2 * s[0] < N - 1e-6 and min(np.array(uv) - s) > 0]
    rest += [np.array(uv) + s for uv in sites if sum(uv) + 2 * s[0] > N + 1e-6]
    # dimers: consecutive pairs of the boundary atoms along each edge, pulled together
    for k in range(1, N, 2):
        for a, b, d in (((k, 0), (k + 1, 0), (1, 0)), ((0, k), (0, k + 1), (0, 1)),
                        ((k, N - k), (k + 1, N - k - 1), (1, -1))):
            ia = int(np.where((dimer == np.array(a, float) % N).all(axis=1))[0][0])
            ib = int(np.where((dimer == np.array(b, float) % N).all(axis=1))[0][0])
            mid = 0.5 * (np.array(a, float) + np.array(b, float))
            d = np.array(d, float) / np.linalg.norm(np.array(d, float) @ cell[:2, :2] / N)   # 1 A, in u, v
            dimer[ia], dimer[ib] = mid - 0.5 * dimer_bond * d, mid + 0.5 * dimer_bond * d
    ad = [(float(i), float(j)) for i in range(1, N, 2) for j in range(1, N, 2) if i + j <= N - 1]
    ad += [(N - i, N - j) for i, j in ad]
    uv = np.vstack([dimer, np.array(rest), np.array(ad)])
    z = np.concatenate([np.full(len(dimer), z_dimer), np.full(len(rest), z_rest),
                        np.full(len(ad), z_rest + adatom_height)])
    xy = (uv / N) @ cell[:2, :2]
    top = Atoms("Si%d" % len(uv), positions=np.column_stack([xy, z]), cell=cell, pbc=True)
    at = sub + top
    at.wrap()
    zb = sub.positions[:, 2].min()
    bottom = at.positions[:, 2] < zb + fixed_bilayers * a0 * math.sqrt(3) / 3 - 0.5
    at.arrays["move_mask"] = np.where(bottom, 0, 1).astype(int)
    at.center(vacuum=vacuum / 2, axis=2)
    return at
