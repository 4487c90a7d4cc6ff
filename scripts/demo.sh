#!/usr/bin/env bash
# The main job: installs what it needs, builds soapgap, then runs the silicon demo:
# a data set labelled by the Stillinger-Weber potential (bulk, hot bulk, vacancy, (001)
# surface), a SOAP-GAP fit with `soapgap fit`, predictions with `soapgap eval --variance`
# on held-out configurations, and `soapgap info`. Results go to ${SOAPGAP_DEMO_DIR:-demo-output}.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-dependencies.sh"
bash "$root/scripts/build.sh"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
out="${SOAPGAP_DEMO_DIR:-$root/demo-output}"
mkdir -p "$out"
soapgap="$build/fitting/soapgap"

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
echo "demo outputs in $out (potential, predictions with local_energy/local_variance, report/errors.md)"
