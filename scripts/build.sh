#!/usr/bin/env bash
# Configures and builds soapgap (library, CLI, tests, benchmarks, examples) in
# ${SOAPGAP_BUILD_DIR:-build}. Idempotent: an existing build directory is reused.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
jobs="${SOAPGAP_JOBS:-$(nproc)}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build" -j "$jobs"
