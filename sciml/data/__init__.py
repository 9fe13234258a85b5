"""Data sets for discovery: the ``dataset/1`` HDF5 format, CSV, and synthetic generators.

``load(path)`` / ``save(dataset, path)`` read and write files (atomically);
``make(name, noise=…, seed=…)`` regenerates the reference data sets
(Lorenz, Lotka–Volterra, Van der Pol, Duffing, pendulum, Burgers, KdV,
Kuramoto–Sivashinsky, lambda–omega reaction–diffusion). See docs/data-format.md.
"""

from sciml.data.dataset import Dataset, ODEDataset, PDEDataset
from sciml.data.files import load, save
from sciml.data.noise import add_noise
from sciml.data.registry import GENERATORS, make

__all__ = ["Dataset", "ODEDataset", "PDEDataset", "load", "save", "add_noise", "make", "GENERATORS"]
