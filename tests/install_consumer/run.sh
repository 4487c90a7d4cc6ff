#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then configures, builds and runs a
# downstream project that uses find_package(soapgap), and the installed CLI.
set -euo pipefail
build="$1"; src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
"$tmp/prefix/bin/soapgap" --version
cmake -S "$src" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/consumer" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib:${LD_LIBRARY_PATH:-}" "$tmp/consumer/consumer"
# The installed Python package, imported by Debian's interpreter from the prefix (not the build).
pydir="$tmp/prefix/lib/python3/dist-packages"
if [ -d "$build/python/soapgap" ]; then   # the bindings were built: they must be installed too
  (cd "$tmp" && PYTHONPATH="$pydir" /usr/bin/python3 -c '
import soapgap, soapgap.ase, sys
assert soapgap.__file__.startswith(sys.argv[1]), soapgap.__file__
print("installed python package:", soapgap.__file__)' "$pydir")
fi
