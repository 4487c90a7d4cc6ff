"""soapgap: SOAP-GAP machine-learned interatomic potentials (Python bindings).

    import soapgap
    pot = soapgap.Potential("Si.xml")              # load a potential file
    pot.elements, pot.cutoff, pot.has_variance
    p = pot.predict(atoms, variance=False)         # dict: energy, forces, virial, local_energy
                                                   # (+ local_variance; + energy_variance with
                                                   #  total_variance=True, O(N^2) in the atoms)
    pot = soapgap.fit(list_of_atoms, descriptors=["soap n_max=8 l_max=6 cutoff=5 n_sparse=500"])
    pot.save("Si.xml")

    from soapgap.ase import SoapGapCalculator
    atoms.calc = SoapGapCalculator(potential="Si.xml")

Units: eV and Angstrom; virial in eV (= -dE/d(strain) = -stress * volume).
Errors in input (malformed files, unknown elements, invalid settings) raise ValueError with
soapgap's message; a missing potential file raises FileNotFoundError.
"""

from collections.abc import Mapping, Sequence  # noqa: F401 (type hints)
from typing import TYPE_CHECKING

import numpy as _np

from ._soapgap import Potential, __version__
from ._soapgap import _fit

if TYPE_CHECKING:
    from ase import Atoms

__all__ = ["Potential", "fit", "__version__"]


def _atomic_number(key):
    if isinstance(key, str):
        from ase.data import atomic_numbers

        if key not in atomic_numbers:
            raise ValueError("e0: unknown element %r" % key)
        return atomic_numbers[key]
    return int(key)


def _full_stress(stress):
    s = _np.asarray(stress, dtype=float)
    if s.shape == (6,):
        xx, yy, zz, yz, xz, xy = s
        return _np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])
    if s.size == 9:
        return s.reshape(3, 3)
    raise ValueError("stress: expected 6 (Voigt) or 9 numbers, got shape %s" % (s.shape,))


def _labels(atoms, index, energy_key, forces_key, virial_key, stress_key):
    """Reference energy, forces and virial of one configuration (None where absent).

    Taken from the attached calculator's results when present (as
    get_potential_energy()/get_forces()/get_stress() with allow_calculation=False: nothing
    is computed), else from atoms.info[energy_key], atoms.arrays[forces_key],
    atoms.info[virial_key] (3x3, eV) or atoms.info[stress_key] (eV/A^3, virial = -stress V).
    A virial in atoms.info wins over any stress (calculator or info), as in `soapgap fit`: ASE's
    extended XYZ reader moves a stored stress into the calculator and leaves the virial in info.
    """
    results = {}
    if getattr(atoms, "calc", None) is not None:
        results = getattr(atoms.calc, "results", {}) or {}
    energy = results.get("energy")
    if energy is None:
        energy = atoms.info.get(energy_key)
    forces = results.get("forces")
    if forces is None:
        forces = atoms.arrays.get(forces_key)
    virial = None
    stress = None
    if virial_key in atoms.info:  # as `soapgap fit` reads extended XYZ: a virial wins over a stress
        virial = _np.asarray(atoms.info[virial_key], dtype=float)
        if virial.size != 9:
            raise ValueError("configuration %d: info[%r] must hold 9 numbers" % (index, virial_key))
        virial = virial.reshape(3, 3)
    else:
        stress = results.get("stress")
        if stress is None:
            stress = atoms.info.get(stress_key)
    if stress is not None:
        if not atoms.pbc.all():
            raise ValueError("configuration %d: a stress needs a cell periodic in all three directions" % index)
        virial = -_full_stress(stress) * atoms.get_volume()
    if energy is not None:
        energy = float(energy)
    return energy, forces, virial


def fit(
    atoms_list: "Sequence[Atoms]",
    descriptors: "str | Sequence[str]",
    sigma_energy: float = 0.002,
    sigma_force: float = 0.1,
    sigma_virial: float = 0.05,
    e0: "Mapping[str | int, float] | None" = None,
    seed: int = 1,
    jitter: float = 1e-8,
    variance: bool = True,
    energy_key: str = "energy",
    forces_key: str = "forces",
    virial_key: str = "virial",
    stress_key: str = "stress",
    config_type_key: str = "config_type",
    config_type_sigma: "Mapping[str, tuple[float | None, float | None, float | None]] | None" = None,
    use_energies: bool = True,
    use_forces: bool = True,
    use_virials: bool = True,
) -> Potential:
    """Fits a sparse GP (SOAP-GAP) potential; the same fit as ``soapgap fit``.

    atoms_list: sequence of ase.Atoms with reference labels (see _labels for where they are
        read from); atoms.info[config_type_key] gives the configuration type, and
        info["energy_sigma"], ["force_sigma"], ["virial_sigma"] per-configuration sigmas.
    descriptors: term specs, as the CLI's --descriptor (e.g. "soap n_max=8 l_max=6 cutoff=5
        zeta=4 delta=0.2 n_sparse=500", "distance_2b cutoff=5 theta=0.5 delta=0.5 n_sparse=20").
    sigma_energy (eV/atom), sigma_force (eV/A), sigma_virial (eV/atom): expected errors.
    e0: {symbol or Z: isolated-atom energy, eV}; others from isolated-atom configurations or
        the mean energy per atom (as the CLI).
    config_type_sigma: {config_type: (sigma_energy, sigma_force, sigma_virial)}.
    variance: store the predicted-variance factors (two triangular M x M matrices).
    Returns a soapgap.Potential (``.save(path)`` writes it; usable by SoapGapCalculator).
    """
    if isinstance(descriptors, str):
        descriptors = [descriptors]
    configs = []
    for k, atoms in enumerate(atoms_list):
        energy, forces, virial = _labels(atoms, k, energy_key, forces_key, virial_key, stress_key)
        c = {"atoms": atoms, "energy": energy, "forces": forces, "virial": virial}
        if config_type_key and config_type_key in atoms.info:
            c["config_type"] = str(atoms.info[config_type_key])
        for key in ("energy_sigma", "force_sigma", "virial_sigma"):
            if key in atoms.info:
                c[key] = float(atoms.info[key])
        configs.append(c)
    if not any(
        (use_energies and c["energy"] is not None)
        or (use_forces and c["forces"] is not None)
        or (use_virials and c["virial"] is not None)
        for c in configs
    ):
        raise ValueError(
            "fit: nothing to fit: no energies (calculator or info[%r]), forces (calculator or arrays[%r]) "
            "or virials (calculator stress, info[%r] or info[%r]) among %d configurations"
            % (energy_key, forces_key, virial_key, stress_key, len(configs))
        )
    e0_map = {_atomic_number(k): float(v) for k, v in (e0 or {}).items()}
    cts = {}
    for name, sig in (config_type_sigma or {}).items():
        se, sf, sv = sig
        cts[str(name)] = (
            sigma_energy if se is None else float(se),
            sigma_force if sf is None else float(sf),
            sigma_virial if sv is None else float(sv),
        )
    if seed < 0:
        raise ValueError("fit: seed must be non-negative")
    provenance = {"command_line": "soapgap.fit (Python)", "training_file": "(ase.Atoms list)"}
    return _fit(
        configs,
        list(descriptors),
        float(sigma_energy),
        float(sigma_force),
        float(sigma_virial),
        e0_map,
        int(seed),
        float(jitter),
        bool(variance),
        bool(use_energies),
        bool(use_forces),
        bool(use_virials),
        cts,
        provenance,
    )
