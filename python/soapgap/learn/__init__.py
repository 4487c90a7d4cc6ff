"""soapgap learn: active learning as one command (docs/active-learning.md).

    /usr/bin/python3 -m soapgap.learn learn.toml        (= soapgap learn learn.toml)

Modules:
    loop        ActiveLearner: held-out errors, MD with the predicted variance, selection,
                labelling, refit, resumable (main() is the command)
    config      read_config: the TOML file, read and checked in one place
    labellers   the reference methods (LAMMPS pair styles, ASE calculators, QE, your own)
    lammps_run  LAMMPS data files, dumps and logs; running LAMMPS with the plugin
    report      report.md / report.png / history.json
The selection helpers (farthest-point sampling, Spearman) are soapgap.selection, shared with
soapgap.molecules.
"""

from .config import LearnConfig, TaskConfig, read_config
from .labellers import AseLabeller, Labeller, LammpsLabeller, label_all, make_labeller
from .lammps_run import with_vacuum_of
from .loop import ActiveLearner, main

__all__ = ["ActiveLearner", "main", "with_vacuum_of", "read_config", "LearnConfig", "TaskConfig", "make_labeller",
           "Labeller", "LammpsLabeller", "AseLabeller", "label_all"]
