#!/usr/bin/env bash
# Builds soapgap (library, command-line tool, GoogleTest suite) with AddressSanitizer and
# UndefinedBehaviorSanitizer (-DSOAPGAP_SANITIZE=ON, RelWithDebInfo) and runs the GoogleTest
# suite under them through ctest. Any sanitizer report fails the test that triggered it
# (halt_on_error / abort_on_error), and so this script.
#
#   tests/sanitize/run_sanitized_tests.sh [extra ctest arguments, e.g. -R Extxyz]
#
# Environment:
#   SOAPGAP_SANITIZE_BUILD_DIR  build directory (default build-sanitize/ of the checkout; reused, compiled through ccache)
#   SOAPGAP_JOBS                build jobs and ctest -j (default 2)
#   CXX                         compiler for a fresh build directory (GCC or Clang; default c++)
# Not run: the LAMMPS tests (not configured), install_and_find_package (it builds a consumer
# without sanitizers against the instrumented library, which cannot load the ASan runtime).
# LeakSanitizer is on (detect_leaks=1); no suppressions were needed (libgomp, OpenBLAS and
# libxml2 report nothing). Should one be needed, pass LSAN_OPTIONS=suppressions=FILE.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
die() { echo "run_sanitized_tests.sh: error: $*" >&2; exit 2; }

BUILD="${SOAPGAP_SANITIZE_BUILD_DIR:-$REPO/build-sanitize}"
JOBS="${SOAPGAP_JOBS:-2}"
command -v cmake >/dev/null || die "cmake not found (scripts/install-dependencies.sh installs it)"
command -v ctest >/dev/null || die "ctest not found (part of cmake)"
# A cached build of another checkout (e.g. a fresh clone in CI) cannot be reused by CMake:
# start it afresh rather than fail.
if [[ -f "$BUILD/CMakeCache.txt" ]] && ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$REPO" "$BUILD/CMakeCache.txt"; then
  echo "== $BUILD was configured for another source tree: configuring it afresh for $REPO"
  rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
fi
if [[ -f "$BUILD/CMakeCache.txt" ]] && ! grep -q '^SOAPGAP_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
  die "$BUILD holds a build without SOAPGAP_SANITIZE=ON; remove it or set SOAPGAP_SANITIZE_BUILD_DIR to another directory"
fi

# The same options for the build (gtest_discover_tests runs the test binary) and the tests;
# child processes (the CLI run by test_cli) inherit them.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

mkdir -p "$BUILD"
echo "== configuring $BUILD (SOAPGAP_SANITIZE=ON, RelWithDebInfo)"
cmake -S "$REPO" -B "$BUILD" -DSOAPGAP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSOAPGAP_BUILD_TESTS=ON -DSOAPGAP_BUILD_BENCHMARKS=OFF -DSOAPGAP_BUILD_PYTHON=OFF \
  -DSOAPGAP_BUILD_EXAMPLES=OFF -DSOAPGAP_CUDA_COMPILE_CHECK=OFF -DLAMMPS_SOURCE_DIR= -DLAMMPS_BINARY= \
  >"$BUILD/configure.log" 2>&1 || { tail -n 30 "$BUILD/configure.log" >&2; die "cmake configure failed (log: $BUILD/configure.log)"; }
echo "== building soapgap_tests and soapgap_cli (log: $BUILD/build.log)"
cmake --build "$BUILD" -j "$JOBS" --target soapgap_tests soapgap_cli >"$BUILD/build.log" 2>&1 ||
  { grep -E 'error|Error|ERROR' "$BUILD/build.log" | head -n 30 >&2; die "build failed (log: $BUILD/build.log)"; }

echo "== running the GoogleTest suite under ASan + UBSan (log: $BUILD/ctest.log)"
start=$(date +%s)
rc=0
ctest --test-dir "$BUILD" -j "$JOBS" --output-on-failure -LE lammps -E '^install_and_find_package$' "$@" \
  >"$BUILD/ctest.log" 2>&1 || rc=$?
elapsed=$(( $(date +%s) - start ))
tail -n 15 "$BUILD/ctest.log"
# A report that did not fail its test (it should not happen with the options above) fails here.
if grep -a -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$BUILD/ctest.log"; then
  echo "run_sanitized_tests.sh: sanitizer reports in $BUILD/ctest.log:" >&2
  grep -a -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$BUILD/ctest.log" | head -n 20 >&2
  rc=1
fi
if [[ $rc -ne 0 ]]; then
  echo "run_sanitized_tests.sh: FAILED after ${elapsed}s (full log: $BUILD/ctest.log)" >&2
  exit 1
fi
echo "run_sanitized_tests.sh: all tests passed under ASan + UBSan in ${elapsed}s"
