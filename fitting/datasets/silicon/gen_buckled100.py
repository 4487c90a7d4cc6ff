"""Buckled Si(100) dimers on a relaxed subsurface (generate_structures.py's
surface_100_dimer_buckled_relaxed): the dimer atoms held at an imposed bond and tilt, every
other atom relaxed with a numpy implementation of the Tersoff (1988) Si potential."""
import math

import numpy as np
from ase.neighborlist import neighbor_list

from gen_common import A0, rattle, rng_for
from gen_surfaces import _slab100


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
