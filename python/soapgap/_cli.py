"""The `soapgap` console command of a pip-installed soapgap (pyproject.toml: soapgap._cli:main).

Replaces this process by the command-line tool shipped in the package (soapgap/bin/soapgap),
with the same arguments. Its Python subcommands (soapgap learn, learning-curve,
cross-validate) run with this interpreter and this package (SOAPGAP_PYTHON and
SOAPGAP_PYTHONPATH, unless already set).
"""

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def executable():
    """Path of the soapgap command-line tool that belongs to this package.

    The wheel ships it as soapgap/bin/soapgap; in the build tree (PYTHONPATH=build/python) it
    is build/fitting/soapgap. Raises FileNotFoundError when neither is there.
    """
    candidates = [
        os.path.join(_PACKAGE_DIR, "bin", "soapgap"),
        os.path.join(_PACKAGE_DIR, os.pardir, os.pardir, "fitting", "soapgap"),
    ]
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.normpath(path)
    raise FileNotFoundError(
        "the soapgap command-line tool is not installed with this package (looked for %s)"
        % " and ".join(os.path.normpath(c) for c in candidates)
    )


def main():
    try:
        exe = executable()
    except FileNotFoundError as e:
        sys.stderr.write("soapgap: %s\n" % e)
        return 1
    os.environ.setdefault("SOAPGAP_PYTHON", sys.executable)
    os.environ.setdefault("SOAPGAP_PYTHONPATH", os.path.dirname(_PACKAGE_DIR))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(exe, ["soapgap"] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
