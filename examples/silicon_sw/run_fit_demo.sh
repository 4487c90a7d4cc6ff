#!/usr/bin/env bash
# The fitting walk-through: a silicon data set labelled by soapgap's own Stillinger-Weber
# implementation (bulk, hot bulk, vacancy, (001) surface), a 2-body + SOAP fit with
# `soapgap fit`, predictions with variances on held-out configurations with
# `soapgap eval --variance`, and `soapgap info`. Needs a build (scripts/build.sh).
# Outputs go to ${SOAPGAP_DEMO_DIR:-<repo>/demo-output}/fit-sw.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
out="${SOAPGAP_DEMO_DIR:-$root/demo-output}/fit-sw"
soapgap="$build/fitting/soapgap"
for f in "$soapgap" "$build/soapgap_example_sw_dataset"; do
  [ -x "$f" ] || { echo "run_fit_demo.sh: $f is missing: build first (bash scripts/build.sh)" >&2; exit 1; }
done
mkdir -p "$out"
echo "== 1. data: silicon configurations labelled by Stillinger-Weber"
"$build/soapgap_example_sw_dataset" "$out" 10 1
echo "== 2. fit: 2-body + SOAP sparse GP"
"$soapgap" fit --train "$out/train.xyz" --output "$out/Si_sw_demo.xml" \
  --descriptor "distance_2b cutoff=4.5 cutoff_transition_width=1.0 theta=0.4 delta=1.0 n_sparse=15" \
  --descriptor "soap n_max=8 l_max=6 cutoff=4.5 cutoff_transition_width=1.0 atom_sigma=0.5 zeta=4 delta=0.5 n_sparse=300" \
  --sigma-energy 0.001 --sigma-force 0.02 --sigma-virial 0.01 \
  --validate "$out/test.xyz" --report "$out/report" --seed 1
echo "== 3. eval with predicted variance on the held-out set"
"$soapgap" eval --potential "$out/Si_sw_demo.xml" --input "$out/test.xyz" --output "$out/test_predicted.xyz" --variance
echo "== 4. the potential file"
"$soapgap" info "$out/Si_sw_demo.xml"
echo "fit demo outputs in $out (potential, predictions with local_energy/local_variance, report/errors.md)"
