#!/usr/bin/env bash
# Runs (or resumes) the silicon PBE active learning of learn.toml in the background at nice 19.
# Needs the project's build (build/fitting/soapgap, build/lammps-plugin) and its LAMMPS
# (scripts/build.sh); pw.x from Debian (scripts/install-dependencies.sh). Output: run/ (see
# docs/active-learning.md); log: run/learn.log. Stop: kill -- -$(cat run/learn.pid).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
paths="$(ls -d "$HOME"/.cache/soapgap/lammps-*/lammps-paths.env 2>/dev/null | tail -1 || true)"
[ -n "$paths" ] || { echo "run.sh: no LAMMPS in ~/.cache/soapgap (run scripts/build.sh)" >&2; exit 1; }
# shellcheck disable=SC1090
source "$paths"
export PATH="$(dirname "$LAMMPS_BINARY"):$PATH"
export OMP_NUM_THREADS=1
mkdir -p "$here/run"
cd "$here"
setsid nice -n 19 "$root/build/fitting/soapgap" learn learn.toml >> run/learn.out 2>&1 < /dev/null &
echo $! > run/learn.pid
echo "soapgap learn started (pid $(cat run/learn.pid)); log: $here/run/learn.log"
