#!/usr/bin/env bash
# Reference codes of benchmarks/descriptors_vs_featomic_dscribe.py, from PyPI, in one virtual
# environment outside the clone (never a runtime dependency of soapgap):
#   featomic  SOAP power spectrum (metatensor's successor of librascal/rascaline)
#   dscribe   SOAP (its gto radial basis)
# The venv is made from Debian's /usr/bin/python3 with --system-site-packages, so that the
# soapgap module built for that interpreter imports in it (PYTHONPATH=<build>/python) and ASE and
# numpy come from Debian. VENV: $SOAPGAP_DESCRIPTOR_VENV, default ~/.cache/soapgap/descriptors-venv.
# Idempotent: does nothing when both import. Needs python3-venv and access to PyPI the first time.
set -euo pipefail
venv="${SOAPGAP_DESCRIPTOR_VENV:-$HOME/.cache/soapgap/descriptors-venv}"
check='import featomic, dscribe.descriptors'
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" 2>/dev/null; then
  exit 0
fi
echo "soapgap: installing featomic and dscribe from PyPI into $venv (benchmarks/descriptors_vs_featomic_dscribe.py)"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
/usr/bin/python3 -m venv --system-site-packages "$venv"
# numpy<2: the soapgap module's pybind11 (Debian 12: 2.10) predates numpy 2.
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check featomic dscribe "numpy<2"; then
  echo "soapgap: could not install featomic and dscribe from PyPI into $venv" >&2
  exit 1
fi
"$venv/bin/python" -c "$check" || { echo "soapgap: featomic or dscribe does not import in $venv" >&2; exit 1; }
