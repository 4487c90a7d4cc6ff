#!/usr/bin/env bash
# The molecules results (docs/molecules.md, docs/molecules/results.md): builds soapgap's Python module if needed and
# runs make_results.py on fitting/datasets/molecules/labelled.xyz. Extra arguments go to it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  bash "$root/scripts/install-dependencies.sh"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j2 --target _soapgap >/dev/null
PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}" exec /usr/bin/python3 "$root/examples/molecules/make_results.py" "$@"
