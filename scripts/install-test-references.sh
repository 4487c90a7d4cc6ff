#!/usr/bin/env bash
# Reference codes the tests compare soapgap against, from PyPI, in a virtual environment outside
# the clone (never a runtime dependency of soapgap):
#   quippy-ase  QUIP/GAP itself: QUIP-file import (tests/lammps/test_quip_import.py)
# Idempotent: does nothing when the environment already has them. Needs python3-venv (installed
# by install-dependencies.sh) and access to PyPI the first time.
set -euo pipefail
venv="${SOAPGAP_REFERENCE_VENV:-$HOME/.cache/soapgap/quippy-venv}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import quippy.potential" 2>/dev/null; then
  exit 0
fi
echo "soapgap: installing the test references (quippy-ase from PyPI) into $venv"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
/usr/bin/python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check quippy-ase; then
  echo "soapgap: could not install quippy-ase from PyPI into $venv (the QUIP-import test needs it)" >&2
  exit 1
fi
"$venv/bin/python" -c "import quippy.potential" || { echo "soapgap: quippy does not import in $venv" >&2; exit 1; }
