"""The Si(111) DAS part of the silicon validation (validate.py): the slabs (built by
si_structures.das111, or the silicon testing framework's files scaled to a0), their relaxation
in LAMMPS (move_mask = 0 atoms fixed, soapgap under mpirun) and surface energy, and soapgap's
predicted sigma on the relaxed slab per atom class (table, extxyz, top/side-view picture)."""
import math
import os
import re
import time

import numpy as np
from ase import Atoms
from ase.io import write
from ase.neighborlist import neighbor_list

import si_structures as si
import surfaces as sf
from surfaces import EV_A2_TO_J_M2


class Launcher:
    """Runs the next LAMMPS decks of `lmp` under mpirun -np N (a wrapper script in the work
    directory replaces args.lmp while the context is active)."""

    def __init__(self, lmp, nproc):
        self.lmp, self.nproc, self.saved = lmp, nproc, None

    def __enter__(self):
        if self.nproc > 1:
            w = self.lmp.args.workdir
            path = os.path.join(w, f"lmp_mpirun_np{self.nproc}.sh")
            with open(path, "w") as f:
                f.write("#!/bin/sh\nexec mpirun --oversubscribe --allow-run-as-root "
                        f"-np {self.nproc} {self.lmp.args.lmp} \"$@\"\n")
            os.chmod(path, 0o755)
            self.saved = self.lmp.args.lmp
            self.lmp.args.lmp = path
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            self.lmp.args.lmp = self.saved


def read_das(path):
    """The DAS extxyz with its move_mask column, read by hand: ASE 3.22 turns move_mask into a
    FixAtoms constraint that holds every atom of these files."""
    lines = open(path).read().splitlines()
    n = int(lines[0])
    head = lines[1]
    lat = np.array([float(x) for x in re.search(r'Lattice="([^"]+)"', head).group(1).split()]).reshape(3, 3)
    props = re.search(r"Properties=(\S+)", head).group(1).split(":")
    cols, k = {}, 0
    for name, typ, cnt in zip(props[0::3], props[1::3], props[2::3]):
        cols[name] = (k, int(cnt))
        k += int(cnt)
    rows = [l.split() for l in lines[2:2 + n]]
    p0 = cols["pos"][0]
    pos = np.array([[float(r[p0 + c]) for c in range(3)] for r in rows])
    mm = np.array([int(r[cols["move_mask"][0]]) for r in rows])
    return Atoms(["Si"] * n, positions=pos, cell=lat, pbc=True), mm


def das_slab(das_dir, nsize, a0):
    """The nsize x nsize DAS slab at lattice constant a0, fixed (move_mask = 0) atoms first:
    built (das_dir None) or the framework's file scaled to a0; also (nfixed, a0 of the file, scale)."""
    if das_dir is None:
        at = si.das111((nsize - 1) // 2, a0)
        mm, a_file, s = at.arrays.pop("move_mask"), a0, 1.0
    else:
        at, mm = read_das(os.path.join(das_dir, f"si111_{nsize}x{nsize}_8layer.xyz"))
        a_file = np.linalg.norm(at.cell[0]) / nsize * math.sqrt(2)
        s = a0 / a_file
        at.set_cell(at.cell.array * s, scale_atoms=True)
    # make the slab contiguous in z (one file has bottom atoms wrapped across the cell) and
    # centre it, so that write_data's wrap keeps it in one piece
    lz = at.cell[2, 2]
    z = at.positions[:, 2] % lz
    zs = np.sort(z)
    gaps = np.diff(np.append(zs, zs[0] + lz))              # cyclic gaps; the largest is the vacuum
    k = int(np.argmax(gaps))
    z = (z - zs[(k + 1) % len(zs)]) % lz                   # slab from 0 to its thickness
    at.positions[:, 2] = z + (lz - z.max()) / 2
    # fixed atoms first: `group fixed id 1:Nf`
    order = np.concatenate([np.where(mm == 0)[0], np.where(mm == 1)[0]])
    at = at[order]
    at.arrays["move_mask"] = mm[order]
    at.arrays["file_index"] = order
    return at, int((mm == 0).sum()), a_file, s


def relax_das(lmp, style, name, at, nfixed, fmax, maxiter, variance):
    """The surface demo's relax() with the first nfixed atoms (move_mask = 0) held fixed and the
    slab left unwrapped; adds the wall time."""
    t0 = time.time()
    res, out, d = sf.relax(lmp, style, name, at, fmax, maxiter, variance=variance, nfixed=nfixed, wrap=False)
    res["seconds"] = time.time() - t0
    return res, out, d


def das_energies(lmp, style, b, e111, sizes, das_dir, fmax, maxiter, nproc):
    out = {}
    for n in sizes:
        at, nfixed, a_file, s = das_slab(das_dir, n, b["a0"])
        want_var = style == "soapgap" and lmp.variance_ok
        name = f"{style}_das_{n}x{n}"
        with Launcher(lmp, nproc if style == "soapgap" else 1):
            res, relaxed, dump = relax_das(lmp, style, name, at, nfixed, fmax, maxiter, want_var)
        area = np.linalg.norm(np.cross(at.cell[0], at.cell[1]))
        g = (res["pe"] - len(at) * b["e_bulk"]) / area - e111
        rec = {"natoms": len(at), "nfixed": nfixed, "a0_file": a_file, "scale": s, "area": area,
               "pe": res["pe"], "fmax": res["fmax"], "steps": res["steps"], "cg_steps": res["cgsteps"],
               "seconds": res["seconds"], "mpi_ranks": nproc if style == "soapgap" else 1,
               "gamma_eV_A2": g, "gamma_Jm2": g * EV_A2_TO_J_M2}
        print(f"[{style}] DAS {n}x{n}: {len(at)} atoms ({nfixed} fixed), gamma {g:.5f} eV/A2, "
              f"fmax {res['fmax']:.2g} eV/A after {int(res['steps'])} steps, {res['seconds']:.0f} s", flush=True)
        if want_var and "c_var" in dump:
            rec["_relaxed"] = (relaxed, dump)
        out[n] = rec
    return out


# ----------------------------------------------------------------------------- sigma on the DAS
def classify_das(start, relaxed, rc=2.75):
    """Atom classes of a DAS slab from its start geometry (height layers of the free region
    counted from the top) and the relaxed bonds (cutoff rc): adatom (top layer), rest atom
    (3-fold atom of the next layer), adatom-bonded rest-layer atom, dimer atom (bonded to an
    atom of its own layer, the layer below the rest layer), other dimer-layer atom, corner-hole
    atom (3-fold atom of the layer below), subsurface (other free atoms), fixed bottom."""
    free = relaxed.arrays["move_mask"] == 1
    z = start.positions[:, 2]
    zf = np.sort(z[free])[::-1]
    levels, cur = [], [zf[0]]
    for v in zf[1:]:
        if cur[-1] - v > 0.45:
            levels.append(np.mean(cur))
            cur = []
        cur.append(v)
    levels.append(np.mean(cur))
    layer = np.array([int(np.argmin(np.abs(np.array(levels) - zz))) for zz in z])
    i, j = neighbor_list("ij", relaxed, rc)
    coord = np.bincount(i, minlength=len(relaxed))
    same = np.zeros(len(relaxed), bool)
    same[i[layer[i] == layer[j]]] = True
    cls = np.full(len(relaxed), "subsurface", dtype=object)
    cls[(layer == 0) & free] = "adatom"
    cls[(layer == 1) & free & (coord == 3)] = "rest atom"
    cls[(layer == 1) & free & (coord != 3)] = "rest layer, adatom-bonded"
    cls[(layer == 2) & free & ~same] = "dimer layer, other"
    cls[(layer == 2) & free & ~same & (coord >= 5)] = "below an adatom (dimer layer)"
    cls[(layer == 2) & free & same] = "dimer atom"
    cls[(layer == 3) & free & (coord == 3)] = "corner-hole atom"
    cls[~free] = "fixed, bulk-like"
    cls[~free & (coord < 4)] = "fixed bottom face (dangling bonds)"
    return cls, layer, coord


def sigma_report(w, n, rec, e_bulk):
    relaxed, dump = rec.pop("_relaxed")
    var = dump["c_var"]
    sigma = 1e3 * np.sqrt(np.clip(var, 0, None))
    cls, layer, coord = classify_das(start_positions(relaxed, rec), relaxed)
    at = relaxed.copy()
    at.arrays["variance"] = var
    at.arrays["sigma_meV"] = sigma
    at.arrays["local_energy"] = dump["c_pea"]
    at.arrays["forces"] = np.column_stack([dump["fx"], dump["fy"], dump["fz"]])
    at.arrays["coordination"] = coord
    at.arrays["layer_from_top"] = layer
    at.arrays["atom_class"] = np.array([c.replace(" ", "_").replace(",", "") for c in cls])
    at.info = {"style": "soapgap", "structure": f"Si(111) DAS {n}x{n}, relaxed (move_mask=0 atoms fixed)",
               "energy": float(dump["c_pea"].sum()), "sigma_unit": "meV"}
    path = os.path.join(w, f"soapgap_das_{n}x{n}_sigma.extxyz")
    write(path, at, format="extxyz")
    classes = {}
    for c in dict.fromkeys(cls):
        m = cls == c
        classes[c] = {"count": int(m.sum()), "mean_sigma_meV": float(sigma[m].mean()),
                      "max_sigma_meV": float(sigma[m].max())}
    order = np.argsort(-sigma)
    top = [{"index": int(k), "sigma_meV": float(sigma[k]), "class": str(cls[k]), "coordination": int(coord[k]),
            "z": float(relaxed.positions[k, 2])} for k in order[:10]]
    png = os.path.join(w, f"soapgap_das_{n}x{n}_sigma.png")
    try:
        plot_sigma(relaxed, sigma, cls, png, n)
    except Exception as e:   # matplotlib missing or broken: the numbers are still there
        print(f"[soapgap] no sigma picture: {e}", flush=True)
        png = None
    return {"size": n, "file": path, "png": png, "classes": classes, "top10": top,
            "max_sigma_meV": float(sigma.max()), "mean_sigma_free_meV": float(sigma[relaxed.arrays["move_mask"] == 1].mean())}


def start_positions(relaxed, rec):
    at = relaxed.copy()
    at.positions = rec["_start_positions"]
    return at


def plot_sigma(at, sigma, cls, png, n):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize
    free = at.arrays["move_mask"] == 1
    z = at.positions[:, 2]
    top = free & (z > z[free].max() - 4.5)           # adatoms down to the corner-hole atom
    fig, axes = plt.subplots(1, 2, figsize=(14, 6.2), gridspec_kw={"width_ratios": [1.35, 1]})
    norm = Normalize(vmin=0, vmax=float(np.percentile(sigma, 99.5)))
    ax = axes[0]
    k = np.where(top)[0]
    k = k[np.argsort(z[k])]
    # periodic images so the corner holes at the cell corners are visible whole
    c = at.cell.array
    xs, ys, cs, ss = [], [], [], []
    for sa in (0, -1):
        for sb in (0, -1):
            p = at.positions[k] + sa * c[0] + sb * c[1]
            xs.append(p[:, 0]); ys.append(p[:, 1]); cs.append(sigma[k])
            ss.append(np.where(cls[k] == "adatom", 140, np.where(z[k] > z[free].max() - 2.0, 70, 30)))
    sc = ax.scatter(np.concatenate(xs), np.concatenate(ys), c=np.concatenate(cs), s=np.concatenate(ss),
                    cmap="viridis", norm=norm, edgecolors="k", linewidths=0.3)
    corners = np.array([[0, 0], c[0, :2], c[0, :2] + c[1, :2], c[1, :2], [0, 0]])
    ax.plot(corners[:, 0], corners[:, 1], "r-", lw=1)
    xmin, xmax = -c[0, 0] * 0.25, c[0, 0] + c[1, 0] + 2
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(-c[1, 1] * 0.25, c[1, 1] + 2)
    ax.set_aspect("equal")
    ax.set_title(f"soapgap σ on relaxed Si(111) {n}×{n} DAS, top view\n(atoms within 4.5 Å of the top; "
                 "large = adatoms; red = cell)")
    ax.set_xlabel("x (Å)")
    ax.set_ylabel("y (Å)")
    fig.colorbar(sc, ax=ax, label="predicted σ (meV)")
    ax = axes[1]
    o = np.argsort(at.positions[:, 1])
    ax.scatter(at.positions[o, 0], z[o], c=sigma[o], cmap="viridis", norm=norm, s=14, edgecolors="k", linewidths=0.2)
    ax.axhline(z[~free].max() + 0.3, color="r", lw=0.8, ls="--")
    ax.set_title("side view (all atoms; below the dashed line: fixed, move_mask = 0)")
    ax.set_xlabel("x (Å)")
    ax.set_ylabel("z (Å)")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
