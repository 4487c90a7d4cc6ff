"""Checks a pip-installed soapgap (run by run_pip_install_test.sh with the venv's interpreter).

    check_installed.py POTENTIAL REFERENCE.xyz INPUT.xyz

The package comes from the venv (not from the source tree), every module of it imports;
SoapGapCalculator's energy, forces,
per-atom energies and stress on the configurations of INPUT.xyz equal those of REFERENCE.xyz
(`soapgap eval` of the build tree, or of the installed command) to 1e-12 relative.
"""
import importlib
import os
import pkgutil
import sys

import ase.io
import numpy as np

import soapgap
from soapgap.ase import SoapGapCalculator

TOLERANCE = 1e-12


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


def main():
    potential, reference_file, input_file = sys.argv[1:4]
    prefix = os.path.realpath(sys.prefix)
    if not os.path.realpath(soapgap.__file__).startswith(prefix + os.sep):
        sys.exit("check_installed: soapgap imported from %s, not from the venv %s" % (soapgap.__file__, prefix))
    modules = []
    name = "soapgap"
    try:  # walk_packages imports each subpackage itself before listing it
        for info in pkgutil.walk_packages(soapgap.__path__, "soapgap."):
            name = info.name
            if not name.endswith("__main__"):
                importlib.import_module(name)
                modules.append(name)
    except Exception as e:  # noqa: BLE001 (any failure of an import)
        sys.exit("check_installed: import %s failed on Python %s: %s: %s"
                 % (name, sys.version.split()[0], type(e).__name__, e))
    configs = ase.io.read(input_file, ":")
    reference = ase.io.read(reference_file, ":")
    if len(configs) != len(reference) or not configs:
        sys.exit("check_installed: %d configurations in %s, %d in %s" % (len(configs), input_file, len(reference), reference_file))
    calc = SoapGapCalculator(potential=potential)
    worst = 0.0
    for i, (atoms, ref) in enumerate(zip(configs, reference)):
        atoms.calc = calc
        checks = {
            "energy": (atoms.get_potential_energy(), ref.get_potential_energy()),
            "forces": (atoms.get_forces(), ref.get_forces()),
            "local_energy": (atoms.get_potential_energies(), ref.arrays["local_energy"]),
            "stress": (atoms.get_stress(), ref.get_stress()),
        }
        for name, (got, want) in checks.items():
            r = rel(got, want)
            worst = max(worst, r)
            if not r <= TOLERANCE:
                sys.exit("check_installed: configuration %d: %s differs from %s by %.3g (relative; tolerance %g)"
                         % (i, name, reference_file, r, TOLERANCE))
    print("check_installed: soapgap %s from %s (%d modules import); SoapGapCalculator = soapgap eval on %d configurations "
          "(energy, forces, local energies, stress; largest relative difference %.2g)"
          % (soapgap.__version__, os.path.dirname(soapgap.__file__), len(modules), len(configs), worst))


if __name__ == "__main__":
    main()
