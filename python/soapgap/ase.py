"""ASE calculator for soapgap potentials.

    from soapgap.ase import SoapGapCalculator
    atoms.calc = SoapGapCalculator(potential="Si.xml")   # or potential=soapgap.Potential / soapgap.fit(...)
    atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress(), atoms.get_potential_energies()
    atoms.calc.results["local_variance"]                 # eV^2, per atom (when the file has variance data)
    SoapGapCalculator(potential="Si.xml", total_variance=True).results["energy_variance"]  # eV^2, O(N^2)

Stress follows ASE's convention: stress = -virial / volume (eV/A^3), only for cells periodic
in all three directions (otherwise get_stress() raises PropertyNotImplementedError).

Threads: an ASE calculator keeps the last structure and its results, so two threads sharing
one would read each other's results. SoapGapCalculator serialises its calls with a lock, so a
shared calculator is safe but serves one thread at a time; for parallel evaluations give each
thread its own calculator (they can share one soapgap.Potential, whose predict() runs
concurrently without the GIL).
"""

import threading

from ase.calculators.calculator import Calculator, all_changes

try:
    from ase.stress import full_3x3_to_voigt_6_stress
except ImportError:  # ASE without ase.stress (ASE 3.27+ has it only there)
    from ase.constraints import full_3x3_to_voigt_6_stress

from . import Potential

__all__ = ["SoapGapCalculator"]


class SoapGapCalculator(Calculator):
    """soapgap SOAP-GAP potential as an ASE calculator.

    potential: path of a potential file (soapgap's, or a QUIP/GAP XML file) or a soapgap.Potential
        (e.g. from soapgap.fit).
    quip_label: for a QUIP file with several GAPs, the label of the one to use (QUIP's xml_label).
    variance: predict local_variance (eV^2, per atom; as cheap as the energy) into results; None
        (default) does so when the potential has variance data.
    total_variance: with variance, also energy_variance, the variance of the total energy (off by
        default: its cost grows as N^2 in the atom count; 1,000 Si atoms: ~16 s against ~0.4 s).
    force_variance: also results['force_variances'] (N, eV^2/A^2: the trace of each atom's force
        covariance, the expected squared error of the force vector) and results['force_covariances']
        (N x 3 x 3); off by default (about 50 times the cost of the prediction, docs/python.md).
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress", "energies"]
    nolabel = True

    def __init__(self, potential, variance=None, total_variance=False, quip_label="", force_variance=False,
                 **kwargs):
        Calculator.__init__(self, **kwargs)
        if isinstance(potential, Potential):
            self.potential = potential
        else:
            self.potential = Potential(str(potential), quip_label)
        if variance is None:
            variance = self.potential.has_variance
        elif variance and not self.potential.has_variance:
            raise ValueError("variance requested but the potential has no variance data")
        self.variance = bool(variance)
        self.total_variance = bool(total_variance)
        self.force_variance = bool(force_variance)
        if self.force_variance and not self.potential.has_variance:
            raise ValueError("force_variance requested but the potential has no variance data")
        self._lock = threading.RLock()

    def get_property(self, name, atoms=None, allow_calculation=True):
        # ASE's get_property checks the stored atoms, calculates and reads self.results in
        # several steps: one thread at a time, so that it returns its own structure's result.
        with self._lock:
            return Calculator.get_property(self, name, atoms, allow_calculation)

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        with self._lock:
            self._calculate(atoms, properties, system_changes)

    def _calculate(self, atoms, properties, system_changes):
        Calculator.calculate(self, atoms, properties, system_changes)
        p = self.potential.predict(self.atoms, variance=self.variance, total_variance=self.total_variance,
                                   force_variance=self.force_variance)
        self.results = {
            "energy": p["energy"],
            "free_energy": p["energy"],
            "forces": p["forces"],
            "energies": p["local_energy"],
            "virial": p["virial"],
        }
        if self.atoms.pbc.all():
            stress = -p["virial"] / self.atoms.get_volume()
            self.results["stress"] = full_3x3_to_voigt_6_stress(stress)
        if self.variance:
            self.results["local_variance"] = p["local_variance"]
            if "energy_variance" in p:
                self.results["energy_variance"] = p["energy_variance"]
        if self.force_variance:
            self.results["force_variances"] = p["force_variances"]
            self.results["force_covariances"] = p["force_covariances"]
