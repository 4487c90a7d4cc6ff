"""soapgap.molecules: kernels between whole structures and learning on them (docs/molecules.md).

    from soapgap.molecules import read_molecules, structure_kernel, KernelRegression
    frames = read_molecules("actives.sdf")
    K = structure_kernel(frames, kind="rematch", gamma=0.1)

Modules:
    kernels         reading molecule files; structure kernels (average, match, rematch); kernel
                    distances; random selection (farthest-point sampling: soapgap.selection)
    learning        GP regression (delta-learning), SVM classification, atom-wise contributions,
                    models on frames, frame selection
    learning_curve  the command `soapgap learning-curve` (python3 -m soapgap.molecules.learning_curve)
"""

from .kernels import (DEFAULT_DESCRIPTOR, KINDS, QM9_UNITS, atomic_descriptors, kernel_distance, random_selection,
                      read_molecules, structure_kernel)
from .learning import (KernelRegression, MoleculeClassifier, MoleculeRegression, SVMClassifier, atom_contributions,
                       nearest_psd, noise_from_discrepancy, select_frames, smallest_eigenvalue)

__all__ = ["read_molecules", "QM9_UNITS", "structure_kernel", "atomic_descriptors", "kernel_distance",
           "random_selection", "DEFAULT_DESCRIPTOR", "KINDS", "smallest_eigenvalue",
           "nearest_psd", "noise_from_discrepancy", "KernelRegression", "SVMClassifier", "atom_contributions",
           "MoleculeRegression", "MoleculeClassifier", "select_frames"]
