#!/usr/bin/env bash
# Fits the shipped silicon potential potentials/Si/Si-PBE-soapgap.xml from the project's own
# DFT data (fitting/datasets/silicon: Quantum ESPRESSO, PBE) and writes its fit report
# (report/errors.md, report/errors.json, and the parity plots report/parity_{energy,forces}.png
# from parity.py). This is the full command; it takes ~1 min on 2 cores.
# Model: a 2-body term, a short-range SOAP (4.5 A, n_max 10, l_max 8, 1200 sparse points:
# chosen by cross-validation, README.md "Model selection") and a smooth long-range SOAP (6.5 A,
# atom_sigma 1): the long-range term is what lets the (111) slabs and bulk diamond be fitted
# together (see README.md, "Model choice").
# Usage: potentials/Si/fit.sh [path/to/soapgap]
# Environment: SOAPGAP_FIT_SEED (sparse-point selection, default 1: the shipped file) and
# SOAPGAP_FIT_OUT (folder for Si-PBE-soapgap.xml and report/, default this one): the fit-to-fit
# spread in README.md ("Errors") is `SOAPGAP_FIT_SEED=2 SOAPGAP_FIT_OUT=/tmp/seed2 potentials/Si/fit.sh`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
soapgap="${1:-$root/build/fitting/soapgap}"
data="$root/fitting/datasets/silicon"
out="${SOAPGAP_FIT_OUT:-$here}"
mkdir -p "$out"
"$soapgap" fit \
  --train "$data/train.xyz" --validate "$data/test.xyz" \
  --output "$out/Si-PBE-soapgap.xml" --report "$out/report" --seed "${SOAPGAP_FIT_SEED:-1}" \
  --descriptor "distance_2b cutoff=5.0 cutoff_transition_width=1.0 theta=0.5 delta=1.0 n_sparse=30" \
  --descriptor "soap n_max=10 l_max=8 cutoff=4.5 cutoff_transition_width=1.0 atom_sigma=0.5 zeta=4 delta=4.0 n_sparse=1200" \
  --descriptor "soap n_max=6 l_max=4 cutoff=6.5 cutoff_transition_width=1.5 atom_sigma=1.0 zeta=4 delta=1.0 n_sparse=600" \
  --sigma-energy 0.001 --sigma-force 0.05 --sigma-virial 0.05
/usr/bin/python3 "$here/parity.py" --soapgap "$soapgap" --potential "$out/Si-PBE-soapgap.xml" --out "$out/report"
