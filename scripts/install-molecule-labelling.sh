#!/usr/bin/env bash
# Installs the Debian 12 packages that regenerate the small-molecule data set
# (fitting/datasets/molecules: enumerate.py, label.py): RDKit for the enumeration and the
# starting geometries, xtb for GFN2-xTB, psi4 for B3LYP and CCSD(T), ASE for the extxyz
# output. Not needed to build or test soapgap (the labelled data are committed).
# Idempotent: does nothing (not even apt-get update) when everything is already installed.
# Run as root, or as a user with sudo.
set -euo pipefail

PACKAGES=(
  python3 python3-numpy python3-ase   # the scripts (Debian's /usr/bin/python3) and extxyz output
  python3-rdkit                       # enumeration, canonical SMILES, ETKDG + MMFF geometries
  xtb                                 # GFN2-xTB optimisation and energies (6.5.1 in Debian 12)
  psi4                                # B3LYP/6-31G* optimisation, CCSD(T)/cc-pVDZ (1.3.2 in Debian 12)
)

exec bash "$(dirname "$0")/install-dependencies.sh" --packages "soapgap (molecule labelling)" "${PACKAGES[@]}"
