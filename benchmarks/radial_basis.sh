#!/usr/bin/env bash
# Held-out errors of soapgap's default radial basis against radial_basis=quip (QUIP's
# EQUISPACED_GAUSS construction) at several (n_max, l_max), everything else equal: the same
# Stillinger-Weber-labelled silicon (soapgap_example_sw_dataset: 40 training and 20 test
# configurations of bulk, hot bulk, (001) surface and vacancy cells), the same 2-body term, SOAP
# cutoff 5 A, atom_sigma 0.5, zeta 4, 300 sparse points (CUR, seed 1), sigmas 1 meV/atom,
# 0.03 eV/A, 0.05 eV/atom. Issue 22, item 0. About 2 minutes on 2 cores.
#
#   bash benchmarks/radial_basis.sh [BUILD_DIR] ["N L" ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
shift || true
grid=("$@")
[ ${#grid[@]} -gt 0 ] || grid=("6 6" "8 6" "10 8" "10 12" "12 12")
work="$(mktemp -d /tmp/soapgap-radial-basis-XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$build/soapgap_example_sw_dataset" "$work" 10 1 >/dev/null
cd "$work"
printf '| n_max | l_max | basis | energy RMSE (meV/atom) | force RMSE (eV/A) |\n|---|---|---|---|---|\n'
for nl in "${grid[@]}"; do
  read -r n l <<< "$nl"
  for basis in soapgap quip; do
    tag="n${n}l${l}_${basis}"
    soap="soap n_max=$n l_max=$l cutoff=5 cutoff_transition_width=1 atom_sigma=0.5 zeta=4 delta=1 n_sparse=300"
    [ "$basis" = soapgap ] || soap="$soap radial_basis=$basis"
    "$build/fitting/soapgap" fit --train train.xyz --output "$tag.xml" --quiet --seed 1 \
      --descriptor "distance_2b cutoff=5 theta=0.5 delta=0.5 n_sparse=20" --descriptor "$soap" \
      --sigma-energy 0.001 --sigma-force 0.03 --sigma-virial 0.05 >/dev/null
    "$build/fitting/soapgap" eval --potential "$tag.xml" --input test.xyz --output "$tag.xyz" --quiet \
      --report "$tag" >/dev/null
    /usr/bin/python3 -c "
import json, sys
o = json.load(open('$tag/errors.json'))['overall']
print('| $n | $l | $basis | %.3f | %.4f |' % (1000 * o['energy_per_atom']['rmse'], o['force']['rmse']))"
  done
done
