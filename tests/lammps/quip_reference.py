"""Reference numbers from QUIP itself (quippy, from PyPI), for test_quip_import.py.

Runs under the Python of the reference virtual environment (scripts/install-test-references.sh
makes it: ~/.cache/soapgap/quippy-venv), never as part of soapgap. Commands:

  md XML DATA OUT.json      the LAMMPS example deck (in.gap) done by QUIP through ASE: velocity
                            Verlet, 1 fs, masses 28.0, 40 steps; potential energy (eV) and the
                            pressure tensor (bar) every 10 steps
  synthetic DIR             writes DIR/synthetic.xml, a two-element QUIP GAP (SOAP per centre
                            element with species_Z={14 8}, distance_2b terms, no core), whose
                            sparse points are QUIP SOAP vectors of a random Si/O structure
  eval XML IN.xyz OUT.json  energy, forces and stress of every frame of IN.xyz
"""
import json
import os
import sys

import ase.io
import numpy as np
from ase import Atoms, units
from ase.md.verlet import VelocityVerlet
from quippy.descriptors import Descriptor
from quippy.potential import Potential

EV_PER_A3_TO_BAR = 1.6021765e6  # LAMMPS metal units (nktv2p), so that the numbers compare directly


def potential(xml):
    return Potential("IP GAP", param_filename=xml)


def md(xml, data, out):
    atoms = ase.io.read(data, format="lammps-data", atom_style="atomic")
    atoms.set_atomic_numbers([14] * len(atoms))
    atoms.set_masses([28.0] * len(atoms))
    cwd = os.getcwd()
    os.chdir(os.path.dirname(os.path.abspath(xml)))  # QUIP opens the sparseX file from here
    atoms.calc = Potential("Potential xml_label=GAP_2015_2_20_0_10_54_35_765", param_filename=os.path.basename(xml))
    rows = []

    def record(step):
        v = atoms.get_volume()
        stress = atoms.get_stress(voigt=False, include_ideal_gas=False)
        kin = np.einsum("i,ij,ik->jk", atoms.get_masses(), atoms.get_velocities(), atoms.get_velocities())
        # LAMMPS' pressure tensor: (sum m v v + virial) / V, in bar
        p = (kin / v - stress) * EV_PER_A3_TO_BAR
        rows.append({"step": step, "pe": atoms.get_potential_energy(), "ke": atoms.get_kinetic_energy(),
                     "pxx": p[0, 0], "pyy": p[1, 1], "pzz": p[2, 2], "pxy": p[0, 1], "pxz": p[0, 2],
                     "pyz": p[1, 2], "press": np.trace(p) / 3})

    dyn = VelocityVerlet(atoms, timestep=1.0 * units.fs)
    record(0)
    for block in range(4):
        dyn.run(10)
        record(10 * (block + 1))
    os.chdir(cwd)
    json.dump(rows, open(out, "w"), indent=1)


def random_sio(n_si, n_o, box, seed, pbc=True):
    rng = np.random.default_rng(seed)
    pos = []
    while len(pos) < n_si + n_o:
        p = rng.uniform(0, box, 3)
        d = [np.linalg.norm((p - q) - box * np.round((p - q) / box)) if pbc else np.linalg.norm(p - q) for q in pos]
        if not d or min(d) > 1.5:
            pos.append(p)
    atoms = Atoms(numbers=[14] * n_si + [8] * n_o, positions=pos, cell=np.eye(3) * box, pbc=pbc)
    return atoms


def gp_coordinates(directory, label, i, desc, x, alpha, cov, zeta=None, theta=None, delta=1.0):
    """One <gpCoordinates>, its sparse points in a sparseX file beside the XML (as gap_fit does)."""
    sparse = f"synthetic_sparse_{i}.dat"
    np.savetxt(os.path.join(directory, sparse), x.reshape(-1), fmt="%.20e")
    lines = [f'    <gpCoordinates label="{label}{i}" dimensions="{x.shape[1]}" signal_variance="{delta!r}" '
             f'signal_mean="0.0" sparsified="T" n_permutations="1" covariance_type="{cov}" '
             + (f'zeta="{zeta!r}" ' if zeta else "") + f'n_sparseX="{len(x)}" sparseX_filename="{sparse}">']
    if theta is not None:
        lines.append(f"      <theta>{float(theta)!r}</theta>")
    lines.append(f"      <descriptor>{desc}</descriptor>")
    lines.append(f'      <permutation i="1">{" ".join(str(k + 1) for k in range(x.shape[1] if cov == 1 else 1))}</permutation>')
    for s, (row, a) in enumerate(zip(x, alpha), start=1):
        lines.append(f'      <sparseX i="{s}" alpha="{float(a)!r}" sparseCutoff="1.0"/>')
    lines.append("    </gpCoordinates>")
    return "\n".join(lines)


def synthetic(directory):
    label = "GAP_SYNTHETIC_SIO"
    rng = np.random.default_rng(7)
    env = random_sio(10, 14, 7.0, seed=3)
    soap = ("soap cutoff=4.0 cutoff_transition_width=0.6 l_max=3 n_max=4 atom_sigma=0.45 central_weight=0.7 "
            "n_species=2 species_Z={{14 8}} Z={z}{extra}")
    blocks = []
    for i, (z, extra) in enumerate([(14, ""), (8, " central_reference_all_species=T")], start=1):
        desc = soap.format(z=z, extra=extra)
        x = Descriptor(desc).calc(env)["data"]
        x = x[rng.permutation(len(x))[:6]]
        blocks.append(gp_coordinates(directory, label, i, desc, x, rng.normal(0, 0.05, len(x)), 2, zeta=4.0, delta=0.8))
    for i, desc in [(3, "distance_2b cutoff=3.5 cutoff_transition_width=0.8 Z1=14 Z2=8"),
                    (4, "distance_2b cutoff=3.0 cutoff_transition_width=0.5")]:
        x = rng.uniform(1.5, 3.2, (5, 1))
        blocks.append(gp_coordinates(directory, label, i, desc, x, rng.normal(0, 0.2, len(x)), 1, theta=0.7, delta=0.5))
    xml = f"""<{label}>
  <Potential label="{label}" init_args="IP GAP label={label}"/>
  <GAP_params label="{label}" gap_version="1600000000">
  <GAP_data do_core="F">
    <e0 Z="8" value="-432.5"/>
    <e0 Z="14" value="-158.25"/>
  </GAP_data>
  <gpSparse label="{label}" n_coordinate="4">
{chr(10).join(blocks)}
  </gpSparse>
  </GAP_params>
</{label}>
"""
    with open(os.path.join(directory, "synthetic.xml"), "w") as f:
        f.write(xml)
    frames = [random_sio(8, 12, 6.6, seed=11), random_sio(6, 6, 9.0, seed=12, pbc=False)]
    frames[0].positions += rng.normal(0, 0.05, frames[0].positions.shape)
    frames[1].cell = np.zeros((3, 3))
    ase.io.write(os.path.join(directory, "synthetic_frames.xyz"), frames, format="extxyz")


def evaluate(xml, frames, out):
    frames, out = os.path.abspath(frames), os.path.abspath(out)
    os.chdir(os.path.dirname(os.path.abspath(xml)))  # QUIP opens sparseX files from here
    calc = potential(os.path.basename(xml))
    rows = []
    for atoms in ase.io.read(frames, ":"):
        atoms.calc = calc
        row = {"energy": atoms.get_potential_energy(), "forces": atoms.get_forces().tolist()}
        if atoms.pbc.all():
            row["stress"] = atoms.get_stress().tolist()
        rows.append(row)
    json.dump(rows, open(out, "w"), indent=1)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "md":
        md(*sys.argv[2:5])
    elif cmd == "synthetic":
        synthetic(sys.argv[2])
    elif cmd == "eval":
        evaluate(*sys.argv[2:5])
    else:
        sys.exit(f"unknown command {cmd}")
