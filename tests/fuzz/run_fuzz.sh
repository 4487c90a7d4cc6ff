#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (Clang 14, ASan + UBSan) and runs each on a copy
# of its seed corpus.
#
#   tests/fuzz/run_fuzz.sh [SECONDS_PER_TARGET] [RUNS]
#
# SECONDS_PER_TARGET (default 60; 0 = no time limit) is -max_total_time, RUNS (optional) is
# -runs: a target stops at whichever comes first. E.g. "run_fuzz.sh 0 1000000" runs exactly
# 10^6 inputs per target. Environment:
#   SOAPGAP_FUZZ_BUILD_DIR  build directory (default build-fuzz/ of the checkout; reused, compiled through ccache)
#   SOAPGAP_FUZZ_TARGETS    targets to run (default: all three)
#   SOAPGAP_JOBS            parallel build jobs (default 2)
#   CC, CXX                 compilers for a fresh build directory (default clang-14, clang++-14)
# Generated inputs, logs and crash files stay under the build directory (fuzz-runs/TARGET/),
# never in the repository. Exit status: 0 when no target found anything, 1 when one did
# (crash, sanitizer report, leak, timeout, out-of-memory), 2 for bad usage or a failed build.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
die() { echo "run_fuzz.sh: error: $*" >&2; exit 2; }

SECONDS_PER_TARGET="${1:-60}"
RUNS="${2:-}"
[[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || die "SECONDS_PER_TARGET must be a non-negative integer, got '$SECONDS_PER_TARGET' (usage: run_fuzz.sh [SECONDS_PER_TARGET] [RUNS])"
[[ -z "$RUNS" || "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS' (usage: run_fuzz.sh [SECONDS_PER_TARGET] [RUNS])"
[[ "$SECONDS_PER_TARGET" != 0 || -n "$RUNS" ]] || die "SECONDS_PER_TARGET=0 needs RUNS (otherwise the fuzzers would never stop)"
[[ $# -le 2 ]] || die "too many arguments (usage: run_fuzz.sh [SECONDS_PER_TARGET] [RUNS])"

BUILD="${SOAPGAP_FUZZ_BUILD_DIR:-$REPO/build-fuzz}"
JOBS="${SOAPGAP_JOBS:-2}"
TARGETS="${SOAPGAP_FUZZ_TARGETS:-fuzz_extxyz fuzz_potential_file fuzz_quip_potential}"
export CC="${CC:-clang-14}" CXX="${CXX:-clang++-14}"

command -v cmake >/dev/null || die "cmake not found (scripts/install-dependencies.sh installs it)"
command -v "$CXX" >/dev/null || die "$CXX not found: libFuzzer needs Clang (Debian 12: apt-get install clang-14 libclang-rt-14-dev, or scripts/install-dependencies.sh)"

# Configure (once; a build directory made with another compiler is refused, not reused).
# A cached build of another checkout (e.g. a fresh clone in CI) cannot be reused by CMake:
# start it afresh rather than fail.
if [[ -f "$BUILD/CMakeCache.txt" ]] && ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$REPO" "$BUILD/CMakeCache.txt"; then
  echo "== $BUILD was configured for another source tree: configuring it afresh for $REPO"
  rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
fi
if [[ -f "$BUILD/CMakeCache.txt" ]] && ! grep -q '^SOAPGAP_FUZZ:BOOL=ON' "$BUILD/CMakeCache.txt"; then
  die "$BUILD holds a build without SOAPGAP_FUZZ=ON; remove it or set SOAPGAP_FUZZ_BUILD_DIR to another directory"
fi
mkdir -p "$BUILD"
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  echo "== configuring $BUILD ($CXX, SOAPGAP_FUZZ=ON)"
fi
cmake -S "$REPO" -B "$BUILD" -DSOAPGAP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSOAPGAP_BUILD_TESTS=OFF -DSOAPGAP_BUILD_BENCHMARKS=OFF -DSOAPGAP_BUILD_PYTHON=OFF \
  -DSOAPGAP_BUILD_EXAMPLES=OFF -DSOAPGAP_CUDA_COMPILE_CHECK=OFF -DLAMMPS_SOURCE_DIR= -DLAMMPS_BINARY= \
  >"$BUILD/configure.log" 2>&1 || { tail -n 30 "$BUILD/configure.log" >&2; die "cmake configure failed (log: $BUILD/configure.log)"; }
echo "== building $TARGETS in $BUILD"
# shellcheck disable=SC2086
cmake --build "$BUILD" -j "$JOBS" --target $TARGETS >"$BUILD/build.log" 2>&1 ||
  { grep -E 'error|Error' "$BUILD/build.log" | head -n 30 >&2; die "build failed (log: $BUILD/build.log)"; }

# One thread each: reproducible runs, no thread start-up per input.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

declare -A CORPUS=([fuzz_extxyz]=extxyz [fuzz_potential_file]=potential [fuzz_quip_potential]=quip)
declare -A DICT=([fuzz_extxyz]=extxyz.dict [fuzz_potential_file]=potential_file.dict [fuzz_quip_potential]=quip_potential.dict)

found_any=0
summary=()
for target in $TARGETS; do
  [[ -n "${CORPUS[$target]:-}" ]] || die "unknown target $target (known: ${!CORPUS[*]})"
  exe="$BUILD/tests/fuzz/$target"
  work="$BUILD/fuzz-runs/$target"
  rm -rf "$work/corpus" "$work/artifacts"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$HERE/corpus/${CORPUS[$target]}"/* "$work/corpus/"
  seeds=$(ls "$work/corpus" | wc -l)
  args=(-dict="$HERE/${DICT[$target]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  [[ "$SECONDS_PER_TARGET" != 0 ]] && args+=(-max_total_time="$SECONDS_PER_TARGET")
  [[ -n "$RUNS" ]] && args+=(-runs="$RUNS")
  echo "== $target ($seeds seeds; log $work/fuzz.log)"
  echo "   $exe ${args[*]} $work/corpus"
  start=$(date +%s.%N)
  rc=0
  "$exe" "${args[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 || rc=$?
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log" | tail -n 1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/fuzz.log" | tail -n 1)
  elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
  size=$(ls "$work/corpus" | wc -l)
  artifacts=$(find "$work/artifacts" -type f | sort)
  if [[ $rc -ne 0 || -n "$artifacts" ]]; then
    found_any=1
    result="FOUND SOMETHING (exit status $rc)"
    echo "   $target found something; last lines of $work/fuzz.log:"
    grep -a -E 'ERROR|FUZZ BUG|runtime error|SUMMARY' "$work/fuzz.log" | head -n 5 | sed 's/^/     /'
    for a in $artifacts; do echo "   input: $a"; done
  else
    result="nothing found"
  fi
  line=$(printf '%-20s %10s execs %6ss %7s exec/s  corpus %4s -> %5s files  peak RSS %5s MB  %s' \
         "$target" "${execs:-?}" "$elapsed" "${rate:-?}" "$seeds" "$size" "${rss:-?}" "$result")
  echo "   $line"
  summary+=("$line")
done

echo
echo "== fuzzing summary (ASan + UBSan + libFuzzer, clang: $CXX; build $BUILD)"
printf '%s\n' "${summary[@]}"
if [[ $found_any -ne 0 ]]; then
  echo "run_fuzz.sh: some target found a problem: reproduce with <build>/tests/fuzz/<target> <input>" >&2
  exit 1
fi
