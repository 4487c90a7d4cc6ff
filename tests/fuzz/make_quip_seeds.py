#!/usr/bin/env python3
"""Writes the QUIP GAP XML seeds of tests/fuzz/corpus/quip (small files, inline sparse points),
after the generator quip_file() of tests/test_quip_potential.cpp. Run from anywhere:
    python3 tests/fuzz/make_quip_seeds.py
"""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "quip")

GLUE = """<Glue_params n_types="1"><per_type_data atomic_num="14" type="1">
 <density num_points="3" density_y1="-0.4" density_yn="0.0"><point a="1.0" rho="0.3"/><point a="2.0" rho="0.1"/><point a="3.0" rho="0.0"/></density>
 <potential_density num_points="3"><point rho="0.0" E="0.0"/><point rho="0.5" E="-0.2"/><point rho="1.5" E="-0.3"/></potential_density></per_type_data>
<per_pair_data type1="1" type2="1"><potential_pair num_points="3"><point r="1.5" E="2.0"/><point r="2.5" E="0.1"/><point r="3.2" E="0.0"/></potential_pair></per_pair_data></Glue_params>
"""


def sparse(n, dim, const=True):
    rows = []
    for s in range(n):
        vals = [0.01 * (j + 1) + 0.1 * s for j in range(dim - (1 if const else 0))]
        text = " ".join(repr(round(v, 6)) for v in vals) + (" 0.0" if const else "")
        alpha, cut = (1.3, 0.5) if s == 0 else (-0.7, 1.0)
        rows.append(f'<sparseX i="{s + 1}" alpha="{alpha}" sparseCutoff="{cut}">{text}</sparseX>')
    return "\n".join(rows)


def soap_coordinates(label, i, desc, dim, n=2, zeta="2.0"):
    return (f'<gpCoordinates label="{label}{i}" dimensions="{dim}" signal_variance="0.5" signal_mean="0.0" '
            f'sparsified="T" n_permutations="1" covariance_type="2" zeta="{zeta}" n_sparseX="{n}">\n'
            f"<descriptor>{desc}</descriptor>\n<permutation i=\"1\">1</permutation>\n{sparse(n, dim)}\n</gpCoordinates>")


def d2b_coordinates(label, i, desc, n=3):
    rows = "\n".join(f'<sparseX i="{s + 1}" alpha="{0.2 - 0.1 * s}" sparseCutoff="1.0">{1.8 + 0.5 * s}</sparseX>'
                     for s in range(n))
    return (f'<gpCoordinates label="{label}{i}" dimensions="1" signal_variance="0.5" signal_mean="0.0" '
            f'sparsified="T" n_permutations="1" covariance_type="1" n_sparseX="{n}">\n<theta>0.7</theta>\n'
            f"<descriptor>{desc}</descriptor>\n<permutation i=\"1\">1</permutation>\n{rows}\n</gpCoordinates>")


def gap_file(label, coords, glue=False, e0='<e0 Z="14" value="-158.5"/>', init=None):
    if init is None:
        init = (f"Sum init_args_pot1={{IP Glue}} init_args_pot2={{IP GAP label={label}}}" if glue
                else f"IP GAP label={label}")
    return (f"<{label}>\n<Potential label=\"{label}\" init_args=\"{init}\"/>\n" + (GLUE if glue else "") +
            f'<GAP_params label="{label}" gap_version="1600000000"><GAP_data do_core="{"T" if glue else "F"}">'
            f"{e0}</GAP_data>\n<gpSparse label=\"{label}\" n_coordinate=\"{len(coords)}\">\n" + "\n".join(coords) +
            f"\n</gpSparse></GAP_params>\n</{label}>\n")


SOAP1 = ("soap cutoff=3.5 cutoff_transition_width=0.5 l_max=1 n_max=3 atom_sigma=0.5 central_weight=1.0 "
         "n_species=1 species_Z={14} Z=14 n_sparseX=2 delta=0.5 covariance_type=dot_product sparse_method=cur_points")
# Two species, n_max=2 l_max=1: K = 4, 10 pairs x 2 + 1 = 21 numbers.
SOAP2 = ("soap cutoff=3.0 cutoff_transition_width=0.5 l_max=1 n_max=2 atom_sigma=0.5 central_weight=1.0 "
         "n_species=2 species_Z={{14 8}} Z={z}")

FILES = {
    "soap_glue.xml": gap_file("GAP_TEST", [soap_coordinates("GAP_TEST", 1, SOAP1, 13)], glue=True),
    "soap_only.xml": gap_file("GAP_TEST", [soap_coordinates("GAP_TEST", 1, SOAP1, 13)]),
    "two_species_d2b.xml": gap_file(
        "GAP_SIO",
        [soap_coordinates("GAP_SIO", 1, SOAP2.format(z=14), 21, zeta="4.0"),
         soap_coordinates("GAP_SIO", 2, SOAP2.format(z=8) + " central_reference_all_species=T", 21, zeta="4.0"),
         d2b_coordinates("GAP_SIO", 3, "distance_2b cutoff=3.5 cutoff_transition_width=0.8 Z1=14 Z2=8"),
         d2b_coordinates("GAP_SIO", 4, "distance_2b cutoff=3.0 cutoff_transition_width=0.5")],
        e0='<e0 Z="8" value="-432.5"/><e0 Z="14" value="-158.25"/>'),
}

# Minimised inputs of the bugs fixed (tests/fuzz/README.md), as regression seeds.
BASE = FILES["soap_glue.xml"]
FILES.update({
    "regression_empty.xml": "",
    "regression_unterminated_brace.xml": BASE.replace("species_Z={14}", "species_Z={14\n"),
    "regression_doctype.xml": '<!DOCTYPE GAP_TEST [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n' +
                              BASE.replace('<Potential label="GAP_TEST"', '<Potential label="&b;"'),
    "regression_alpha_overflow.xml": BASE.replace('alpha="1.3" sparseCutoff="0.5"',
                                                  'alpha="1e300" sparseCutoff="1e300"'),
    "regression_huge_integer.xml": BASE.replace("l_max=1 ", "l_max=1e30 "),
    "regression_nmax_overflow.xml": BASE.replace("n_max=3 ", "n_max=100000 "),
    "regression_big_dimensions.xml": BASE.replace('dimensions="13"', 'dimensions="100000000"'),
    "regression_z_above_118.xml": BASE.replace("species_Z={14}", "species_Z={14 500} n_species=2"),
    "regression_centre_twice.xml": BASE.replace(" Z=14 ", " Z={14 14} n_Z=2 "),
    "regression_dev_zero.xml": BASE.replace('n_sparseX="2"', 'n_sparseX="2" sparseX_filename="/dev/zero"'),
})

os.makedirs(OUT, exist_ok=True)
for name, text in FILES.items():
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)
    print(f"{os.path.join(OUT, name)}: {len(text)} bytes")
