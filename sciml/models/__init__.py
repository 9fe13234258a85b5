"""Neural differential-equation models: ``nn.Module`` models over :mod:`sciml.integrate`, trained by :mod:`sciml.train`.

- :class:`NeuralODE` (Chen et al. 2018): ``forward(x)`` → end state, ``trajectory(x, t)``; solver,
  tolerances, ``sensitivity`` (direct / backsolve / checkpoint), batch mode, second order;
  field blocks :class:`Augmenter` (ANODE), :class:`DepthCat`, :class:`DepthVaryingLinear`,
  :class:`DataControl` ("Dissecting neural ODEs"); :class:`Regularization` (Finlay et al. 2020);
- :class:`CNF` (FFJORD): ``log_prob``, ``sample``; :class:`HamiltonianNN`, :class:`LagrangianNN`
  (with the symplectic solvers of :mod:`sciml.integrate`); :class:`Hypersolver` (Poli et al. 2020);
  :class:`DEQ` (Bai et al. 2019) with :func:`anderson`;
- :func:`fit` (on :class:`sciml.train.Trainer`) with :class:`Trajectories` and :class:`MultipleShooting`.

See ``docs/models.md``.
"""

from sciml.models.cnf import CNF
from sciml.models.deq import DEQ, Anderson, anderson
from sciml.models.fields import Augmenter, DataControl, DepthCat, DepthVaryingLinear
from sciml.models.fit import Trajectories, fit
from sciml.models.hamiltonian import HamiltonianNN, LagrangianNN
from sciml.models.hypersolver import CorrectionNet, Hypersolver
from sciml.models.neural_ode import NeuralODE
from sciml.models.regularization import Regularization
from sciml.models.shooting import MultipleShooting
from sciml.models.solver import SolveOptions

__all__ = ["NeuralODE", "CNF", "HamiltonianNN", "LagrangianNN", "Hypersolver", "CorrectionNet", "DEQ", "Anderson",
           "anderson", "Regularization", "SolveOptions", "Augmenter", "DataControl", "DepthCat", "DepthVaryingLinear",
           "fit", "Trajectories", "MultipleShooting"]
