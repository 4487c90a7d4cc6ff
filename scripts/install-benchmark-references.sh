#!/usr/bin/env bash
# Reference codes the benchmarks compare soapgap against, from PyPI, in a virtual environment
# outside the clone (never a runtime dependency of soapgap):
#   dscribe  REMatchKernel, the reference of benchmarks/rematch_vs_dscribe.py
# Idempotent (see install-pypi-reference.sh).
set -euo pipefail
exec bash "$(dirname "$0")/install-pypi-reference.sh" "${SOAPGAP_BENCHMARK_VENV:-$HOME/.cache/soapgap/dscribe-venv}" \
  dscribe dscribe.kernels "benchmarks/rematch_vs_dscribe.py"
