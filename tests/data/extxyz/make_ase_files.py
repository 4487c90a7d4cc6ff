#!/usr/bin/python3
"""Writes ase_frames.xyz with ASE's extxyz writer (ASE 3.22) and ase_frames_ref.txt, the values
ASE reads back from it, as plain numbers for tests/test_extxyz.cpp.

Run from anywhere with Debian's python (which has ase):  /usr/bin/python3 make_ase_files.py
Reference format, one item per line, whitespace separated:
  frame <index>
  natoms <n>
  pbc <0|1> <0|1> <0|1>
  cell <9 numbers, rows are the lattice vectors>
  numbers <Z per atom>
  positions <3n numbers, atom-major>
  energy <E>                      (only when the frame has one)
  forces <3n numbers>             (only when the frame has them)
  virial <9 numbers, row-major>   (from the virial key, or -stress*volume)
  column <name> <type> <ncols> <values atom-major>   (each other per-atom array)
"""
import os

import numpy as np
import ase.io
from ase import Atoms
from ase.build import bulk, molecule
from ase.calculators.singlepoint import SinglePointCalculator

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(42)
frames = []

# 0: triclinic Si8, pbc T T F, energy, forces, stress, info and per-atom arrays of each type.
a = bulk('Si', 'diamond', a=5.43, cubic=True)
a.set_cell(a.cell + rng.uniform(-0.3, 0.3, (3, 3)), scale_atoms=True)
a.rattle(0.05, seed=1)
a.pbc = [True, True, False]
a.info['config_type'] = 'bulk rattled'
a.info['temperature'] = 300
a.info['smear'] = 0.1
a.info['flag'] = True
a.info['kpts'] = np.array([4, 4, 2])
a.info['weights'] = np.array([0.5, 0.25])
a.info['label'] = 'abc'
a.set_tags(np.arange(len(a)) % 3)
a.new_array('charge', rng.uniform(-1, 1, len(a)))
a.new_array('spin', rng.uniform(-1, 1, (len(a), 3)))
a.new_array('kind', np.array(['core' if i % 2 else 'shell' for i in range(len(a))]))
a.new_array('fixed', np.array([i % 2 == 0 for i in range(len(a))]))
a.calc = SinglePointCalculator(a, energy=-43.21, forces=rng.uniform(-1, 1, (len(a), 3)),
                               stress=rng.uniform(-0.01, 0.01, 6))
frames.append(a)

# 1: primitive Si2, fully periodic, virial in info (symmetric), sigma overrides.
b = bulk('Si', 'diamond', a=5.40)
b.rattle(0.02, seed=2)
v = rng.uniform(-1, 1, (3, 3))
b.info['virial'] = v + v.T
b.info['config_type'] = 'prim'
b.info['energy_sigma'] = 0.001
b.info['force_sigma'] = 0.05
b.info['virial_sigma'] = 0.02
b.calc = SinglePointCalculator(b, energy=-10.75, forces=rng.uniform(-1, 1, (len(b), 3)))
frames.append(b)

# 2: isolated atom, no cell (ASE writes no Lattice).
c = Atoms('Si', positions=[[0.0, 0.0, 0.0]])
c.info['config_type'] = 'isolated_atom'
c.calc = SinglePointCalculator(c, energy=-158.54496821)
frames.append(c)

# 3: fully periodic triclinic Cu4 with stress.
d = bulk('Cu', 'fcc', a=3.6, cubic=True)
d.set_cell(d.cell + rng.uniform(-0.2, 0.2, (3, 3)), scale_atoms=True)
d.rattle(0.03, seed=3)
d.calc = SinglePointCalculator(d, energy=-14.0, forces=rng.uniform(-1, 1, (len(d), 3)),
                               stress=rng.uniform(-0.02, 0.02, 6))
frames.append(d)

# 4: water molecule without labels.
e = molecule('H2O')
frames.append(e)

xyz = os.path.join(here, 'ase_frames.xyz')
ase.io.write(xyz, frames, format='extxyz')


def nums(x):
    return ' '.join(repr(float(v)) for v in np.ravel(x))


with open(os.path.join(here, 'ase_frames_ref.txt'), 'w') as f:
    for i, at in enumerate(ase.io.read(xyz, ':')):
        f.write('frame %d\n' % i)
        f.write('natoms %d\n' % len(at))
        f.write('pbc %s\n' % ' '.join('1' if p else '0' for p in at.pbc))
        f.write('cell %s\n' % nums(at.cell[:]))
        f.write('numbers %s\n' % ' '.join(str(z) for z in at.numbers))
        f.write('positions %s\n' % nums(at.positions))
        res = at.calc.results if at.calc is not None else {}
        if 'energy' in res:
            f.write('energy %s\n' % repr(float(res['energy'])))
        if 'forces' in res:
            f.write('forces %s\n' % nums(res['forces']))
        if 'virial' in at.info:
            f.write('virial %s\n' % nums(at.info['virial']))
        elif 'stress' in res:
            f.write('virial %s\n' % nums(-at.get_stress(voigt=False) * at.get_volume()))
        for name, arr in at.arrays.items():
            if name in ('numbers', 'positions', 'forces'):
                continue
            ncols = 1 if arr.ndim == 1 else arr.shape[1]
            kind = {'f': 'R', 'i': 'I', 'b': 'L'}.get(arr.dtype.kind, 'S')
            if kind == 'R':
                vals = nums(arr)
            elif kind == 'L':
                vals = ' '.join('T' if x else 'F' for x in np.ravel(arr))
            else:
                vals = ' '.join(str(x) for x in np.ravel(arr))
            # ASE reads the column "charge" into initial_charges
            name = {'initial_charges': 'charge'}.get(name, name)
            f.write('column %s %s %d %s\n' % (name, kind, ncols, vals))
