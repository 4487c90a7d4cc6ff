"""soapgap's descriptors as a library: values and exact gradients, per atom.

    from soapgap.descriptors import SOAP, Distance2b, Descriptor
    soap = SOAP(n_max=8, l_max=6, cutoff=5.0, atom_sigma=0.5, species=["Si", "O"])
    r = soap.compute(atoms)                       # one ase.Atoms, or a list of them
    r.values                                      # (n_rows, n_features)
    r = soap.compute(frames, gradients=True)
    r.gradient_samples, r.gradients, r.strain_gradients

The maths is the library's (Descriptor::compute and Descriptor::jacobian in
src/descriptors/), so the values are exactly the environments a potential with the same spec
uses: for SOAP the unit-length power spectrum q = p / |p| (conventions and feature order in
src/descriptors/soap.h), for distance_2b the pair distance with the cutoff weight in `weights`.
Descriptor.from_potential(potential, term) gives the descriptor of a potential's term.

Result (a DescriptorResult; arrays are numpy, indices int64):
  values            (n_rows, n_features): one row per environment. SOAP: one per atom, in
                    structure order then atom order. distance_2b: one per ordered pair i->j
                    within the cutoff (i's rows, j in `neighbours`).
  centres           (n_rows,): the atom (index in its structure) each row belongs to
  structures        (n_rows,): the structure (index in the list; 0 for a single Atoms)
  groups            (n_rows,): kernel group (SOAP: index of the centre's element in species)
  weights           (n_rows,): environment weight (SOAP: 1; distance_2b: the cutoff function)
  neighbours        (n_rows,): distance_2b only: the other atom of the pair
  n_atoms           list: the atom count of each structure
With gradients=True also, in a COO-like sparse layout:
  gradient_samples  (n_grad, 3): (row of values, atom index, structure index); for each row
                    the atoms its value depends on, sorted by index, the centre included
  gradients         (n_grad, 3, n_features): gradients[g, a, :] = d values[row] / d r[atom, a]
                    (Angstrom^-1). Periodic images of an atom are folded onto that atom; the
                    centre's entry is the derivative with respect to the centre's own position
                    (minus the sum over its neighbours' images, plus images of itself, which
                    cancel). Translation invariance: the entries of a row sum to zero.
  strain_gradients  (n_rows, 3, 3, n_features): [row, a, b, :] = d values[row] / d eps_ab
                    for the homogeneous deformation r -> (1 + eps) r of positions and cell
                    (ASE: atoms.set_cell(cell @ (I + eps).T, scale_atoms=True)); equal to
                    sum over the row's neighbour entries k of d q / d r_k,a * r_k,b.
  weight_gradients (n_grad, 3), weight_strain_gradients (n_rows, 3, 3): the same for weights.

Threads: compute uses OpenMP over atoms; set_num_threads(n) sets the count for the calling
thread (default: OMP_NUM_THREADS or all cores). Invalid parameters raise ValueError with the
library's message (the keys and ranges of docs/cli.md, "Descriptors and kernels").
"""

import numpy as _np

from ._soapgap import _Descriptor, _get_num_threads, _set_num_threads

__all__ = ["Descriptor", "SOAP", "Distance2b", "DescriptorResult", "set_num_threads", "get_num_threads"]


def set_num_threads(n):
    """Number of OpenMP threads soapgap uses for calls made from this thread."""
    _set_num_threads(int(n))


def get_num_threads():
    return _get_num_threads()


def _atomic_numbers(species):
    from ase.data import atomic_numbers

    out = []
    for s in species:
        if isinstance(s, str):
            if s not in atomic_numbers:
                raise ValueError("species: unknown element %r" % s)
            out.append(atomic_numbers[s])
        else:
            out.append(int(s))
    return sorted(set(out))


def _value_text(value):
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, (list, tuple)):
        return "{" + " ".join(_value_text(v) for v in value) + "}"
    return str(value)


def _structure(atoms):
    cell = atoms.cell
    cell = _np.asarray(getattr(cell, "array", cell), dtype=float)
    return (
        _np.asarray(atoms.get_atomic_numbers(), dtype=_np.int64),
        _np.asarray(atoms.positions, dtype=float),
        cell,
        _np.asarray(atoms.pbc, dtype=bool),
    )


class DescriptorResult:
    """Values (and gradients) of a descriptor; the layout is the module's docstring."""

    def __init__(self, arrays, descriptor, n_atoms):
        self.descriptor = descriptor
        self.n_atoms = list(n_atoms)  # atoms of each structure
        self.values = arrays["values"]
        self.centres = arrays["centres"]
        self.structures = arrays["structures"]
        self.groups = arrays["groups"]
        self.weights = arrays["weights"]
        self.neighbours = arrays.get("neighbours")
        self.gradient_samples = arrays.get("gradient_samples")
        self.gradients = arrays.get("gradients")
        self.strain_gradients = arrays.get("strain_gradients")
        self.weight_gradients = arrays.get("weight_gradients")
        self.weight_strain_gradients = arrays.get("weight_strain_gradients")

    @property
    def has_gradients(self):
        return self.gradients is not None

    def dense_gradients(self, structure=0):
        """Gradients of one structure's rows as a dense (n_rows_s, n_atoms, 3, n_features) array."""
        if self.gradients is None:
            raise ValueError("no gradients: compute(..., gradients=True)")
        rows = _np.flatnonzero(self.structures == structure)
        sel = self.gradient_samples[:, 2] == structure
        out = _np.zeros((len(rows), self.n_atoms[structure], 3, self.values.shape[1]))
        local = _np.searchsorted(rows, self.gradient_samples[sel, 0])
        out[local, self.gradient_samples[sel, 1]] = self.gradients[sel]
        return out

    def __repr__(self):
        return "<soapgap.descriptors.DescriptorResult %s rows=%d features=%d gradients=%s>" % (
            self.descriptor.type,
            self.values.shape[0],
            self.values.shape[1],
            self.has_gradients,
        )


class Descriptor:
    """A descriptor from its spec string, e.g. Descriptor("soap n_max=8 l_max=6 cutoff=5").

    species: the elements (symbols or atomic numbers) of the density channels and kernel
    groups, used where the spec names none (a spec's own species= wins). None: the elements of
    the atoms given to each compute() call (so the feature count can change between calls).
    Keys and defaults: docs/cli.md, "Descriptors and kernels"; errors raise ValueError.
    """

    def __init__(self, spec, species=None, _term_spec=False, _neighbour_cutoff=0.0):
        self._text = str(spec)
        self._neighbour_cutoff = float(_neighbour_cutoff)
        self._term_spec = _term_spec
        self._species = None if species is None else _atomic_numbers(species)
        self._cache = {}
        # Validates the parameters now (species: a placeholder when they come from the atoms).
        self._core(self._species if self._species is not None else [1])

    @classmethod
    def from_potential(cls, potential, term):
        """The descriptor of term `term` (0-based) of a soapgap.Potential (its species too); its
        values equal Potential.environments(atoms)[term]["q"] bit for bit (the same neighbour list)."""
        spec = potential.descriptors[term]
        return cls(spec, species=potential.atomic_numbers, _term_spec=True, _neighbour_cutoff=potential.cutoff)

    def _core(self, species):
        key = tuple(species)
        if key not in self._cache:
            self._cache[key] = _Descriptor(self._text, list(species), self._term_spec)
        return self._cache[key]

    @property
    def spec(self):
        """The canonical spec (parse it again for an identical descriptor); as given when the
        species come from the atoms."""
        return self._text if self._species is None else self._core(self._species).spec

    @property
    def type(self):
        return self._core([1] if self._species is None else self._species).type

    @property
    def cutoff(self):
        return self._core([1] if self._species is None else self._species).cutoff

    def dimension(self, species=None):
        """Number of features (for the given species; default: the descriptor's own)."""
        s = self._species if species is None else _atomic_numbers(species)
        if s is None:
            raise ValueError("dimension: species needed (the descriptor takes them from the atoms)")
        return self._core(s).dimension

    def compute(self, atoms, gradients=False):
        """Values (and, with gradients=True, the Jacobian) of one ase.Atoms or a list of them."""
        frames = [atoms] if hasattr(atoms, "get_atomic_numbers") else list(atoms)
        structures = [_structure(a) for a in frames]
        species = self._species
        if species is None:
            found = set()
            for s in structures:
                found.update(int(z) for z in _np.unique(s[0]))
            species = sorted(found) or [1]
        core = self._core(species)
        arrays = core.compute(structures, bool(gradients), self._neighbour_cutoff)
        return DescriptorResult(arrays, core, [len(s[0]) for s in structures])

    def __repr__(self):
        return "<soapgap.descriptors.Descriptor %r>" % self.spec


def _spec(kind, fixed, extra):
    items = [(k, v) for k, v in fixed if v is not None] + sorted(extra.items())
    return kind + "".join(" %s=%s" % (k, _value_text(v)) for k, v in items)


class SOAP(Descriptor):
    """SOAP power spectrum: SOAP(n_max=8, l_max=6, cutoff=5.0, atom_sigma=0.5, species=None,
    **keys) with any other key of the soap descriptor (cutoff_transition_width, central_weight,
    radial_basis, basis_error_exponent, central_reference_all_species, species_channels)."""

    def __init__(self, n_max=8, l_max=6, cutoff=5.0, atom_sigma=0.5, species=None, **keys):
        fixed = [("n_max", n_max), ("l_max", l_max), ("cutoff", cutoff), ("atom_sigma", atom_sigma)]
        super().__init__(_spec("soap", fixed, keys), species=species)


class Distance2b(Descriptor):
    """Pair distances: Distance2b(cutoff, cutoff_transition_width=0.5, species=None)."""

    def __init__(self, cutoff, species=None, **keys):
        super().__init__(_spec("distance_2b", [("cutoff", cutoff)], keys), species=species)
