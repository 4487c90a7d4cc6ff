#!/usr/bin/env bash
# Instruction count of one prediction (benchmarks/instruction_count.cpp) under callgrind, compared
# with the number recorded in benchmarks/instruction_count.txt: fails when it is more than 10 %
# above (a performance regression that timing noise on shared machines would hide), and says so
# when it is more than 10 % below (record the new number). Single-threaded, and OpenBLAS is told
# its kernel type (OPENBLAS_CORETYPE=Haswell) so that the count does not depend on the CPU model.
#   benchmarks/instruction_count.sh BINARY            check
#   benchmarks/instruction_count.sh BINARY --record   write the measured count to the file
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
record="${2:-}"
recorded_file="$here/instruction_count.txt"
command -v valgrind >/dev/null || { echo "instruction_count: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell \
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
  --toggle-collect='*evaluate_once*' "$bin" >"$out/stdout" 2>"$out/stderr" ||
  { cat "$out/stderr" >&2; echo "instruction_count: valgrind run failed" >&2; exit 1; }
count="$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$out/cg.out")"
[ -n "$count" ] && [ "$count" -gt 0 ] || { echo "instruction_count: no instruction count in the callgrind output" >&2; exit 1; }
if [ "$record" = "--record" ]; then
  printf '%s\n' "$count" >"$recorded_file"
  echo "instruction_count: recorded $count instructions in $recorded_file"
  exit 0
fi
recorded="$(grep -o '^[0-9]*' "$recorded_file" | head -n1)"
ratio="$(awk -v c="$count" -v r="$recorded" 'BEGIN { printf "%.4f", c / r }')"
echo "instruction_count: $count instructions for one prediction (recorded $recorded, ratio $ratio)"
if awk -v x="$ratio" 'BEGIN { exit !(x > 1.10) }'; then
  echo "instruction_count: FAILED: more than 10 % above the recorded count (a performance regression?)" >&2
  exit 1
fi
if awk -v x="$ratio" 'BEGIN { exit !(x < 0.90) }'; then
  echo "instruction_count: more than 10 % below the recorded count: record it with $0 $bin --record"
fi
