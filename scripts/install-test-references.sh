#!/usr/bin/env bash
# Reference codes the tests compare soapgap against, from PyPI, in a virtual environment outside
# the clone (never a runtime dependency of soapgap):
#   quippy-ase  QUIP/GAP itself: QUIP-file import (tests/lammps/test_quip_import.py)
# Idempotent (see install-pypi-reference.sh).
set -euo pipefail
exec bash "$(dirname "$0")/install-pypi-reference.sh" "${SOAPGAP_REFERENCE_VENV:-$HOME/.cache/soapgap/quippy-venv}" \
  quippy-ase quippy.potential "the QUIP-import test"
