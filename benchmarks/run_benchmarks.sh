#!/usr/bin/env bash
# Builds bench_soap_gap if needed, runs it with the default thread count and with one thread,
# and prints the two summary tables (see benchmarks/README.md).
#
# Environment (all optional):
#   BUILD_DIR    build directory (default: <repo>/build; configured as Release if new)
#   THREADS      thread settings to run, in order (default: "default 1"); "default" runs with
#                OMP_NUM_THREADS / OPENBLAS_NUM_THREADS unset, a number N sets both to N
#   MIN_TIME     --benchmark_min_time in seconds (default 0.5)
#   REPETITIONS  --benchmark_repetitions; the summary uses the median (default 5)
#   CELLS        N x N x N conventional diamond cells, 8 N^3 atoms (default 4: 512 atoms)
#   JOBS         make -j (default 2)
# Extra arguments go to the benchmark (e.g. --benchmark_filter=gap18).
# Logs and JSON results: $BUILD_DIR/benchmarks/bench_soap_gap.threads-<T>.{log,json}
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
THREADS=${THREADS:-default 1}
MIN_TIME=${MIN_TIME:-0.5}
REPETITIONS=${REPETITIONS:-5}
CELLS=${CELLS:-4}
JOBS=${JOBS:-2}

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
fi
make -C "$BUILD_DIR" -j"$JOBS" bench_soap_gap
BIN="$BUILD_DIR/benchmarks/bench_soap_gap"
OUT_DIR="$BUILD_DIR/benchmarks"

summaries=()
start=$(date +%s)
for t in $THREADS; do
  log="$OUT_DIR/bench_soap_gap.threads-$t.log"
  json="$OUT_DIR/bench_soap_gap.threads-$t.json"
  args=(--cells="$CELLS" --benchmark_min_time="$MIN_TIME" --benchmark_repetitions="$REPETITIONS"
        --benchmark_display_aggregates_only=true --benchmark_out="$json" --benchmark_out_format=json "$@")
  echo
  echo "######## threads: $t ########"
  if [[ "$t" == default ]]; then
    (unset OMP_NUM_THREADS OPENBLAS_NUM_THREADS; "$BIN" "${args[@]}") 2>&1 | tee "$log"
  else
    OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "$BIN" "${args[@]}" 2>&1 | tee "$log"
  fi
  summaries+=("$(sed -n '/^==== soapgap SOAP-GAP summary/,/^==== end of summary/p' "$log")")
done

echo
echo "################ summaries (median of $REPETITIONS repetitions, min_time ${MIN_TIME}s; $(($(date +%s) - start)) s) ################"
for s in "${summaries[@]}"; do
  echo "$s"
  echo
done
