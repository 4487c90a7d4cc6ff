"""Issue 21 (nothing lost) from Python: a SoapGapCalculator shared by threads returns each
thread's own results, and errors about a structure without a name do not start with an empty
name ("": positions contain NaN).

Needs the build tree as test_soapgap.py does (PYTHONPATH=<build>/python, $SOAPGAP_BUILD_DIR).
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import ase.io
import numpy as np
import pytest
from ase.build import bulk

import soapgap
from soapgap.ase import SoapGapCalculator

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SOAPGAP_BUILD_DIR", ROOT / "build"))
DATASET_PROGRAM = Path(os.environ.get("SOAPGAP_EXAMPLE_SW_DATASET", BUILD / "soapgap_example_sw_dataset"))
MODEL = [
    "distance_2b cutoff=4 theta=0.5 delta=0.5 n_sparse=5",
    "soap n_max=4 l_max=3 cutoff=4 atom_sigma=0.5 zeta=2 delta=0.5 n_sparse=30",
]


@pytest.fixture(scope="module")
def potential(tmp_path_factory):
    d = tmp_path_factory.mktemp("sw")
    subprocess.run([str(DATASET_PROGRAM), str(d), "4", "3"], check=True, capture_output=True)
    return soapgap.fit(ase.io.read(d / "train.xyz", ":"), descriptors=MODEL, seed=1)


class SlowPotential:
    """A Potential whose predict() also waits 5 ms without the GIL (as a large structure would
    take), so that the calculations of several threads overlap on every call."""

    def __init__(self, potential):
        self.potential = potential
        self.has_variance = potential.has_variance

    def predict(self, atoms, **options):
        result = self.potential.predict(atoms, **options)
        time.sleep(0.005)
        return result


def structures():
    out = []
    for k, reps in enumerate([(1, 1, 1), (2, 1, 1), (2, 2, 1)]):
        a = bulk("Si", "diamond", a=5.43, cubic=True).repeat(reps)
        a.rattle(stdev=0.08, seed=k)
        out.append(a)
    return out


def test_shared_calculator_returns_each_threads_own_results(potential):
    """Three threads, three structures of different sizes, one calculator: every energy and
    force array must be the one of the thread's own structure (ASE's calculator keeps one state,
    so without the lock a thread could read another structure's results)."""
    frames = structures()
    reference = []
    for a in frames:
        a.calc = SoapGapCalculator(potential=potential)
        reference.append((a.get_potential_energy(), a.get_forces().copy()))
    shared = SoapGapCalculator(potential=potential)
    shared.potential = SlowPotential(potential)  # the threads' calculations always overlap
    for a in frames:
        a.calc = shared
    problems = []

    def work(k):
        a = frames[k]
        for step in range(60):
            a.positions[0, 0] += 1e-4 * (-1) ** step  # a new state each time: a real calculation
            try:
                e, f = a.get_potential_energy(), a.get_forces()
            except Exception as error:  # e.g. another thread reset the results meanwhile
                problems.append(f"thread {k} step {step}: {type(error).__name__}: {error}")
                continue
            finally:
                a.positions[0, 0] -= 1e-4 * (-1) ** step
            if f.shape != reference[k][1].shape or abs(e - reference[k][0]) > 0.05 * len(a):
                problems.append(f"thread {k} step {step}: energy {e} for {len(a)} atoms, expected ~{reference[k][0]}")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: every interleaving shows
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(len(frames))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not problems, problems[:5]


def test_error_about_an_unnamed_structure_has_no_empty_name(potential):
    a = bulk("Si", "diamond", a=5.43, cubic=True)
    a.positions[1, 0] = np.nan
    with pytest.raises(Exception) as info:
        potential.predict(a)
    message = str(info.value)
    assert "NaN" in message
    assert not message.startswith(":"), message
