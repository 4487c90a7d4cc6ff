#!/usr/bin/env bash
# Melt-quench amorphous silicon with the shipped potential in LAMMPS and compare its structure
# with the project's PBE relaxation of it (quench.py; issue 22, item 5). ~4 min on one core for
# 64 atoms. Outputs: ${SOAPGAP_DEMO_DIR:-<repo>/demo-output}/amorphous (asi.md, asi.json, asi.extxyz).
# Usage: examples/silicon_amorphous/run_quench.sh [--atoms 64|216|512] [--quench-ps 10] [--seed 1]
# Environment: as examples/silicon_lammps_env.sh (LAMMPS_BINARY + LAMMPS_SOURCE_DIR,
# SOAPGAP_BUILD_DIR, SOAPGAP_SI_POTENTIAL, PYTHON).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
workdir="${SOAPGAP_DEMO_DIR:-$root/demo-output}/amorphous"
script=run_quench.sh
. "$root/examples/silicon_lammps_env.sh"   # lmp, src, plugin, potential, python; die()
mkdir -p "$workdir"
start=$(date +%s)
"$python" "$here/quench.py" --lmp "$lmp" --plugin "$plugin" --potential "$potential" --workdir "$workdir" "$@" \
  || die "quench.py failed (decks and logs in $workdir)"
echo "Done in $(( $(date +%s) - start )) s. Table: $workdir/asi.md; numbers: $workdir/asi.json"
