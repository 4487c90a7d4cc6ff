#!/usr/bin/env bash
# Reference codes the benchmarks compare soapgap against, from PyPI, in a virtual environment
# outside the clone (never a runtime dependency of soapgap):
#   dscribe  REMatchKernel, the reference of benchmarks/rematch_vs_dscribe.py
# Idempotent: does nothing when the environment already has them. Needs python3-venv and access
# to PyPI the first time.
set -euo pipefail
venv="${SOAPGAP_BENCHMARK_VENV:-$HOME/.cache/soapgap/dscribe-venv}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import dscribe.kernels" 2>/dev/null; then
  exit 0
fi
echo "soapgap: installing the benchmark references (dscribe from PyPI) into $venv"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
/usr/bin/python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check dscribe; then
  echo "soapgap: could not install dscribe from PyPI into $venv" >&2
  exit 1
fi
"$venv/bin/python" -c "import dscribe.kernels" || { echo "soapgap: dscribe does not import in $venv" >&2; exit 1; }
