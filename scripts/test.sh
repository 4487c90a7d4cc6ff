#!/usr/bin/env bash
# The whole test suite: installs the Debian packages it needs, builds, and runs every test
# (GoogleTest through ctest). Fails when a test fails or when no test was found.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-dependencies.sh"
bash "$root/scripts/build.sh"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
cd "$build"
ctest --output-on-failure --no-tests=error -j "${SOAPGAP_JOBS:-$(nproc)}"
