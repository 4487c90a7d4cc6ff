"""Tests of soapgap.descriptors: values and gradients of the descriptors as a library.

Gradients against central finite differences of the values (a periodic Si cell whose
neighbours lie across the boundary, a primitive cell where atoms see images of themselves, and
a two-element cluster), strain gradients against strained cells, values against the
environments a shipped potential uses, and the errors for invalid parameters.
Needs PYTHONPATH=<build>/python; run by scripts/test.sh.
"""

from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

import soapgap
from soapgap.descriptors import SOAP, Descriptor, Distance2b

ROOT = Path(__file__).resolve().parents[2]
SI_POTENTIAL = ROOT / "potentials" / "Si" / "Si-PBE-soapgap.xml"
H = 1e-5  # finite-difference step, Angstrom (and strain)


def si_cell():
    """8-atom diamond cell, rattled: a cutoff of 4.5 A is beyond half the 5.43 A box, so
    neighbours are found across the boundary (several images of one atom for some)."""
    atoms = bulk("Si", "diamond", a=5.43, cubic=True)
    atoms.rattle(0.1, seed=3)
    return atoms


def cluster():
    """A non-periodic Si-C cluster of 7 atoms with distances between ~1.6 and ~4 A."""
    rng = np.random.default_rng(7)
    pos = [np.zeros(3)]
    while len(pos) < 7:
        p = rng.uniform(-2.2, 2.2, 3)
        if min(np.linalg.norm(p - q) for q in pos) > 1.6:
            pos.append(p)
    return Atoms("Si4C3", positions=pos)


def displaced(atoms, delta):
    a = atoms.copy()
    a.positions += delta
    return a


def strained(atoms, eps):
    a = atoms.copy()
    a.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + eps).T, scale_atoms=True)
    if not a.pbc.any():
        a.positions = atoms.positions @ (np.eye(3) + eps).T
    return a


def order(r):
    """Rows in a canonical order: pair rows (distance_2b) by centre, neighbour and distance, since
    the neighbour list's order of periodic images may change with the cell."""
    if r.neighbours is None:
        return np.arange(len(r.values))
    return np.lexsort((r.values[:, 0], r.neighbours, r.centres))


def difference(desc, plus, minus, what="values"):
    """Central difference of values (or weights), rows in the canonical order."""
    p, m = desc.compute(plus), desc.compute(minus)
    return (getattr(p, what)[order(p)] - getattr(m, what)[order(m)]) / (2 * H)


def check_position_gradients(desc, atoms, seed):
    r = desc.compute(atoms, gradients=True)
    n = len(atoms)
    # Every atom and direction: one column of the Jacobian against central differences.
    dense = r.dense_gradients()
    assert dense.shape[1] == n
    for j in range(n):
        for a in range(3):
            d = np.zeros((n, 3))
            d[j, a] = H
            fd = difference(desc, displaced(atoms, d), displaced(atoms, -d))
            np.testing.assert_allclose(
                dense[order(r), j, a, :], fd, rtol=1e-5, atol=1e-7, err_msg="atom %d dir %d" % (j, a)
            )
    # A random displacement of all atoms, through the sparse layout directly.
    d = np.random.default_rng(seed).normal(size=(n, 3))
    plus, minus = displaced(atoms, H * d), displaced(atoms, -H * d)
    fd = difference(desc, plus, minus)
    pred = np.zeros_like(r.values)
    rows, at = r.gradient_samples[:, 0], r.gradient_samples[:, 1]
    np.add.at(pred, rows, np.einsum("gaf,ga->gf", r.gradients, d[at]))
    np.testing.assert_allclose(pred[order(r)], fd, rtol=1e-5, atol=1e-7)
    fdw = difference(desc, plus, minus, "weights")
    predw = np.zeros_like(r.weights)
    np.add.at(predw, rows, np.einsum("ga,ga->g", r.weight_gradients, d[at]))
    np.testing.assert_allclose(predw[order(r)], fdw, rtol=1e-5, atol=1e-7)
    return r


def check_strain_gradients(desc, atoms):
    r = desc.compute(atoms, gradients=True)
    assert r.strain_gradients.shape == (len(r.values), 3, 3, r.values.shape[1])
    for a in range(3):
        for b in range(3):
            eps = np.zeros((3, 3))
            eps[a, b] = H
            plus, minus = strained(atoms, eps), strained(atoms, -eps)
            fd = difference(desc, plus, minus)
            np.testing.assert_allclose(
                r.strain_gradients[order(r), a, b], fd, rtol=1e-5, atol=1e-7, err_msg="eps %d%d" % (a, b)
            )
            fdw = difference(desc, plus, minus, "weights")
            np.testing.assert_allclose(r.weight_strain_gradients[order(r), a, b], fdw, rtol=1e-5, atol=1e-7)


def test_soap_periodic_gradients_cross_the_boundary():
    atoms = si_cell()
    desc = SOAP(n_max=4, l_max=3, cutoff=4.5, atom_sigma=0.5, species=["Si"])
    r = check_position_gradients(desc, atoms, seed=1)
    assert r.values.shape == (8, desc.dimension())
    np.testing.assert_array_equal(r.centres, np.arange(8))
    np.testing.assert_allclose(np.linalg.norm(r.values, axis=1), 1.0, rtol=1e-12)
    # Each row depends on every atom of this small cell (images folded), the centre included.
    for row in range(8):
        assert sorted(r.gradient_samples[r.gradient_samples[:, 0] == row, 1]) == list(range(8))
    # Translation invariance: a row's entries sum to zero.
    total = np.zeros_like(r.values)
    for g, (row, _, _) in enumerate(r.gradient_samples):
        total[row] += r.gradients[g].sum(axis=0)
    np.testing.assert_allclose(total, 0.0, atol=1e-12)


def test_soap_images_of_the_centre_itself():
    """2-atom primitive cell (lattice vectors 3.84 A < cutoff): each atom sees images of itself."""
    atoms = bulk("Si", "diamond", a=5.43)
    atoms.positions[1] += [0.05, -0.03, 0.02]
    desc = SOAP(n_max=4, l_max=3, cutoff=4.5, species=["Si"])
    r = check_position_gradients(desc, atoms, seed=4)
    assert sorted(map(tuple, r.gradient_samples[:, :2])) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    check_strain_gradients(desc, atoms)


def test_soap_periodic_strain_gradients():
    atoms = si_cell()
    atoms.set_cell(np.asarray(atoms.cell) + [[0, 0.2, 0.1], [0.1, 0, 0], [0, -0.15, 0]], scale_atoms=True)
    check_strain_gradients(SOAP(n_max=4, l_max=3, cutoff=4.5, species=["Si"]), atoms)


def test_soap_two_element_cluster_gradients():
    atoms = cluster()
    desc = SOAP(n_max=4, l_max=3, cutoff=4.0, atom_sigma=0.6, species=["C", "Si"], cutoff_transition_width=1.0)
    r = check_position_gradients(desc, atoms, seed=2)
    np.testing.assert_array_equal(r.groups, [1, 1, 1, 1, 0, 0, 0])  # species sorted: C, Si
    check_strain_gradients(desc, atoms)


def test_distance_2b_gradients():
    desc = Distance2b(cutoff=4.0, cutoff_transition_width=1.0, species=["Si"])
    r = check_position_gradients(desc, si_cell(), seed=3)
    assert r.neighbours is not None and r.values.shape[1] == 1
    check_strain_gradients(desc, si_cell())


def test_species_from_atoms_and_several_structures():
    frames = [si_cell(), cluster()]
    desc = SOAP(n_max=3, l_max=2, cutoff=4.0)  # species: C and Si, from the frames
    r = desc.compute(frames, gradients=True)
    one = desc.compute(frames[1], gradients=True)
    np.testing.assert_array_equal(r.structures, [0] * 8 + [1] * 7)
    np.testing.assert_array_equal(r.values[8:], one.values)
    sel = r.gradient_samples[:, 2] == 1
    np.testing.assert_array_equal(r.gradients[sel], one.gradients)
    np.testing.assert_array_equal(r.gradient_samples[sel, 0] - 8, one.gradient_samples[:, 0])
    plain = desc.compute(frames)
    assert plain.gradients is None and plain.strain_gradients is None
    np.testing.assert_array_equal(plain.values, r.values)


def test_values_are_the_potentials_environments():
    pot = soapgap.Potential(str(SI_POTENTIAL))
    atoms = bulk("Si", "diamond", a=5.45, cubic=True) * (2, 1, 1)
    atoms.rattle(0.05, seed=4)
    envs = pot.environments(atoms)
    assert len(envs) == len(pot.descriptors) >= 2
    for t, env in enumerate(envs):
        r = Descriptor.from_potential(pot, t).compute(atoms)
        np.testing.assert_array_equal(r.values, env["q"])  # bit for bit: the same neighbour list
        np.testing.assert_array_equal(r.weights, env["weight"])
        np.testing.assert_array_equal(r.centres, env["atom"])
    # The same term from explicit keys (its spec in the potential file: soap n_max=8 l_max=6 ...).
    soap_terms = [t for t, env in enumerate(envs) if env["type"] == "soap"]
    t = soap_terms[0]
    keys = dict(kv.split("=", 1) for kv in pot.descriptors[t].split()[1:])
    desc = SOAP(
        n_max=int(keys["n_max"]),
        l_max=int(keys["l_max"]),
        cutoff=float(keys["cutoff"]),
        atom_sigma=float(keys["atom_sigma"]),
        species=["Si"],
        cutoff_transition_width=float(keys["cutoff_transition_width"]),
    )
    # (its own neighbour list, of cutoff 5: the sums run in another order, to rounding)
    np.testing.assert_allclose(desc.compute(atoms).values, envs[t]["q"], rtol=0, atol=1e-14)
    # Gradients of a potential's term against its own values.
    check_position_gradients(Descriptor.from_potential(pot, soap_terms[-1]), si_cell(), seed=5)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: SOAP(n_max=0, l_max=4, cutoff=5.0, species=["Si"]), "n_max"),
        (lambda: SOAP(n_max=6, l_max=4, cutoff=-1.0, species=["Si"]), "cutoff"),
        (lambda: SOAP(n_max=6, l_max=4, cutoff=5.0, atom_sigma=0.0, species=["Si"]), "atom_sigma"),
        (lambda: SOAP(n_max=6, l_max=4, cutoff=5.0, species=["Si"], no_such_key=1), "no_such_key"),
        (lambda: Distance2b(cutoff=3.0, cutoff_transition_width=4.0, species=["Si"]), "cutoff_transition_width"),
        (lambda: Descriptor("sop n_max=4", species=["Si"]), "sop"),
        (lambda: SOAP(species=["Xx"]), "Xx"),
    ],
)
def test_bad_parameters_raise_value_error(make, words):
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    assert words in message and "\n" not in message.strip(), message


def test_element_not_in_species_raises_value_error():
    with pytest.raises(ValueError, match="Z=6"):
        SOAP(n_max=4, l_max=3, cutoff=4.0, species=["Si"]).compute(cluster())
