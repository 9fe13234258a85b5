"""``SINDy``: sparse identification of ODEs and PDEs with no tuning by default.

A scikit-learn style estimator (parameters in ``__init__``, ``fit``,
``predict``, ``score``, learned state ending in ``_``) around SINDy (Brunton,
Proctor & Kutz, PNAS 2016) and its PDE form (Rudy et al., Sci. Adv. 2017):

* formulation: the weak form by default (WSINDy, Messenger & Bortz 2021) —
  test-function integrals replace derivatives of noisy data — or the strong
  form with pointwise derivatives (``method="stlsq"`` / ``"sr3"``);
* candidate libraries (:mod:`sciml.discovery.candidates`), threshold and
  library chosen per equation by held-out error and an AIC-like penalty
  (:mod:`sciml.discovery.selection`);
* optimizers: MSTLS/STLSQ (support-cached), SR3, and bagging (E-SINDy,
  Fasel et al. 2022) with inclusion probabilities;
* a verdict with every fit (:mod:`sciml.discovery.verdict`): held-out R^2,
  the noise floor, the empty model, boundedness of the simulated model, and a
  bounded model preferred among near-equal candidates
  (:mod:`sciml.discovery.stability`).

The result is :attr:`SINDy.model_`, a :class:`~sciml.discovery.model.DiscoveredModel`
whose ``choices`` say what was chosen and why.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence

import numpy as np
import sympy as sp

from sciml.data.dataset import ODEDataset, PDEDataset
from sciml.discovery.candidates import ode_candidates, pde_candidates
from sciml.discovery.methods import METHODS
from sciml.discovery.model import DiscoveredModel
from sciml.discovery.regression import RegressionSystem, r2_scores
from sciml.discovery.selection import select_terms
from sciml.discovery.verdict import judge, summary
from sciml.errors import DiscoveryWarning, InputError
from sciml.symbolic import ModelSpec

__all__ = ["SINDy", "METHODS"]

#: alternatives within this many terms' worth of penalty of the best score are screened for boundedness
SCREEN_TOLERANCE = 2.0
#: at most this many alternatives per equation are screened
SCREEN_ALTERNATIVES = 4

class SINDy:
    """Discover ``d(state)/dt = f(state)`` (ODE) or ``u_t = N(u, u_x, …)`` (PDE) from data.

    Parameters
    ----------
    method : {"auto", "weak", "stlsq", "sr3", "ensemble"}
        ``auto``/``weak``: weak form with MSTLS; ``stlsq``/``sr3``: strong form
        with pointwise derivatives and that optimizer; ``ensemble``: weak form
        with bagging (coefficient spreads and inclusion probabilities).
    library : "auto", a spec string ("poly3", "poly2,fourier1", "poly2,order4") or a Library
        Candidate terms; "auto" lets polynomial degree 1–``max_degree`` with and
        without Fourier terms compete (ODE), or field monomials of degree
        1–``max_degree`` with derivatives of order 1–4 (PDE; twelve candidates).
        Sizes are counted first and bounded (see :mod:`sciml.discovery.candidates`).
    threshold : "auto" or float
        "auto" sweeps MSTLS thresholds; a number is an absolute coefficient
        threshold (as PySINDy's STLSQ).
    derivative : {"savgol", "fd", "spectral", "tv"}
        Pointwise derivatives for the strong form (ignored by the weak form).
    max_degree : int
        Highest polynomial degree tried when ``library="auto"`` (ODE and PDE).
    test_functions : dict, optional
        Weak-form settings: ODE ``radius``, ``degree``, ``tau``, ``stride``; PDE
        ``radii``, ``degrees``, ``tau``, ``max_rows``. Sized from the data's
        spectrum when absent.
    penalty : float
        Weight of the term count in the selection criterion (2: AIC-like).
    n_models, inclusion : int, float
        Ensemble size and the inclusion probability a term needs to stay.
    seed : int
        Seed for ensembles and row subsampling.
    progress : bool or "auto"
        Progress bars on stderr: ``"auto"`` shows them for fits that take more
        than a few seconds when stderr is a terminal.
    jobs : int or executor
        Worker processes for the ensemble's fits (1: this process), or an executor with ``map``
        (Ray's ``ray.util.multiprocessing.Pool``, ``mpi4py.futures.MPIPoolExecutor``, ...); the result
        does not depend on it.
    stability_check : bool
        Simulate the found ODE model over the data's window: the verdict's
        boundedness test, and a bounded model is preferred among candidates
        the selection cannot tell apart (:mod:`sciml.discovery.stability`).

    Attributes
    ----------
    model_ : DiscoveredModel
    coef_ : array (n_terms, n_equations), coefficients over ``terms_``
    terms_ : sequence of sympy expressions (the union library; built on access)
    system_ : RegressionSystem used for the fit
    """

    def __init__(self, method: str = "auto", library="auto", threshold="auto", derivative: str = "savgol",
                 max_degree: int = 3, test_functions: dict | None = None, penalty: float = 2.0,
                 n_models: int = 50, inclusion: float = 0.5, seed: int = 0, progress: bool | str = "auto",
                 jobs=1, stability_check: bool = True):
        self.method = method
        self.library = library
        self.threshold = threshold
        self.derivative = derivative
        self.max_degree = max_degree
        self.test_functions = test_functions
        self.penalty = penalty
        self.n_models = n_models
        self.inclusion = inclusion
        self.seed = seed
        self.progress = progress
        self.jobs = jobs
        self.stability_check = stability_check

    # -- parameters -------------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in ("method", "library", "threshold", "derivative", "max_degree",
                                              "test_functions", "penalty", "n_models", "inclusion", "seed",
                                              "progress", "jobs", "stability_check")}

    def set_params(self, **params) -> SINDy:
        for k, v in params.items():
            if k not in self.get_params():
                raise InputError(k, f"one of {sorted(self.get_params())}", k)
            setattr(self, k, v)
        return self

    def _validate(self):
        from sciml.discovery.derivatives import METHODS as DERIVATIVES

        if self.method not in METHODS:
            raise InputError("method", f"one of {', '.join(METHODS)}", repr(self.method))
        if isinstance(self.threshold, str):
            if self.threshold != "auto":
                raise InputError("threshold", "'auto' or a number >= 0", repr(self.threshold))
        elif isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float, np.floating)) \
                or not np.isfinite(self.threshold) or self.threshold < 0:
            raise InputError("threshold", "'auto' or a number >= 0", repr(self.threshold))
        if self.derivative not in DERIVATIVES:
            raise InputError("derivative", f"one of {', '.join(DERIVATIVES)}", repr(self.derivative))
        if isinstance(self.max_degree, bool) or not isinstance(self.max_degree, (int, np.integer)) \
                or not 1 <= self.max_degree <= 8:
            raise InputError("max_degree", "an integer from 1 to 8", repr(self.max_degree))
        if self.test_functions is not None and not isinstance(self.test_functions, dict):
            raise InputError("test_functions", "a dict of weak-form settings or None",
                             type(self.test_functions).__name__)
        if not (isinstance(self.penalty, (int, float)) and self.penalty >= 0):
            raise InputError("penalty", "a number >= 0", repr(self.penalty))
        if isinstance(self.n_models, bool) or not isinstance(self.n_models, (int, np.integer)) or self.n_models < 2:
            raise InputError("n_models", "an integer >= 2", repr(self.n_models))
        if not (isinstance(self.inclusion, (int, float)) and 0 < self.inclusion <= 1):
            raise InputError("inclusion", "a probability in (0, 1]", repr(self.inclusion))
        if not (isinstance(self.progress, bool) or self.progress == "auto"):
            raise InputError("progress", "True, False or 'auto'", repr(self.progress))
        if not isinstance(self.stability_check, bool):
            raise InputError("stability_check", "True or False", repr(self.stability_check))

    @property
    def _weak(self) -> bool:
        return self.method in ("auto", "weak", "ensemble")

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, data, t=None, u=None, names: Sequence[str] | None = None,
            input_names: Sequence[str] | None = None) -> SINDy:
        """Fit to ``data``: an ODE/PDE data set, or state samples ``y`` with times ``t`` (and inputs ``u``).

        ``y`` may be (nt, n), (ntraj, nt, n) with ``t`` (ntraj, nt), or a list of
        trajectories (arrays of any lengths) with a matching list of times.
        """
        self._validate()
        data = _as_data(data, t, u, names, input_names)
        if isinstance(data, PDEDataset):
            system, spec_args = self._pde_system(data)
        else:
            system, spec_args = self._ode_system(data)
        self.system_ = system
        self.terms_ = system.terms
        coef, choices, ensemble = self._select(system)
        if spec_args["kind"] == "ode" and self.stability_check:
            coef, choices, simulation, screening = self._screen(system, coef, choices, spec_args, data,
                                                                allow_swaps=self.method != "ensemble")
        else:
            why = "stability_check=False" if spec_args["kind"] == "ode" else "PDE models are not integrated"
            simulation, screening = {"bounded": None, "reason": f"not simulated ({why})"}, ""
        self.coef_ = coef
        self.model_ = self._model(system, coef, choices, ensemble, spec_args, data)
        verdict = judge(spec_args["states"], system.B, choices, [int(np.count_nonzero(coef[:, i]))
                                                                  for i in range(coef.shape[1])],
                        simulation, screening, system.info.get("noise_energy"))
        self.model_.spec.info["verdict"] = verdict
        if not verdict["ok"]:
            warnings.warn(summary(verdict), DiscoveryWarning, stacklevel=2)
        return self

    def _screen(self, system, coef, choices, spec_args, data, allow_swaps: bool):
        """The simulation check, swapping in a bounded near-equal candidate if the chosen model blows up."""
        from sciml.discovery.assemble import equation_terms
        from sciml.discovery.selection import Choice
        from sciml.discovery.stability import screen
        from sciml.discovery.stlsq import SupportSolver

        G, B = system.G, system.B
        solvers = [SupportSolver(G, B[:, i]) for i in range(B.shape[1])]

        def coefficients(selection):
            out = np.zeros_like(coef)
            for i, cols in enumerate(selection):
                if cols == start[i]:
                    out[:, i] = coef[:, i]
                elif cols:
                    mask = np.zeros(G.shape[1], dtype=bool)
                    mask[cols] = True
                    out[:, i] = solvers[i].refit(mask)
            return out

        def build(selection):
            c = coefficients(selection)
            rhs = [equation_terms(system, c[:, i], "ode")[0] for i in range(c.shape[1])]
            return DiscoveredModel(ModelSpec(kind="ode", states=list(spec_args["states"]), rhs=rhs,
                                             inputs=list(spec_args["inputs"])))

        start = [np.nonzero(coef[:, i])[0].tolist() for i in range(coef.shape[1])]
        tolerance = SCREEN_TOLERANCE * float(self.penalty) / system.n_eff
        alternatives = [[a for a in c.alternatives if a["score"] <= c.score + tolerance
                         and a["columns"] != start[i]][:SCREEN_ALTERNATIVES] if allow_swaps else []
                        for i, c in enumerate(choices)]
        selection, check, runs, swapped = screen(build, start, alternatives, data.trajectories())
        if swapped is None:
            note = "" if check["bounded"] else f"no bounded near-equal candidate ({runs} simulations)"
            return coef, choices, check, note
        alt = next(a for a in alternatives[swapped] if a["columns"] == selection[swapped])
        new = coefficients(selection)
        choices = list(choices)
        choices[swapped] = Choice(alt["library"], alt["threshold"], new[:, swapped], alt["cv_error"], alt["score"],
                                  choices[swapped].alternatives)
        state = spec_args["states"][swapped]
        return new, choices, check, (f"{state}: the best-scoring model was unbounded when simulated; a near-equal "
                                     f"bounded candidate was chosen ({runs} simulations)")

    def _ode_system(self, data):
        from sciml.discovery.candidates import MAX_ODE_TERMS
        from sciml.discovery.ode_regression import ode_system, regression_rows

        trajectories = data.trajectories()
        names, inputs = data.names, data.input_names
        variables = [sp.Symbol(n) for n in [*names, *inputs]]
        # the library may not outgrow the data: at most half as many terms as regression rows
        rows = regression_rows(trajectories, weak=self._weak, test_functions=self.test_functions)
        terms, libraries, notes = ode_candidates(self.library, variables, int(self.max_degree),
                                                 max_terms=min(MAX_ODE_TERMS, rows // 2))
        system = ode_system(trajectories, variables, terms, libraries, weak=self._weak,
                            test_functions=self.test_functions, derivative=self.derivative)
        system.info["notes"] = notes
        return system, {"kind": "ode", "states": list(names), "inputs": list(inputs)}

    def _pde_system(self, data: PDEDataset):
        from sciml.discovery.pde_regression import pde_system

        n_variables = sum(2 if np.iscomplexobj(v) else 1 for v in data.fields.values())
        union, candidates, notes = pde_candidates(self.library, n_variables, len(data.coords), int(self.max_degree))
        self.library_ = union
        system = pde_system(data, union, weak=self._weak, test_functions=self.test_functions,
                            derivative=self.derivative, seed=int(self.seed), candidates=candidates)
        system.info["notes"] = system.info.get("notes", []) + notes
        return system, {"kind": "pde", "states": list(data.fields), "coords": list(data.coords)}

    def _fit_factory(self):
        if self.method != "sr3":
            return None
        from sciml.discovery.sr3 import sr3_path

        return lambda G, b: sr3_path(G, b)

    def _select(self, system: RegressionSystem):
        from sciml.discovery.progress import progress_bar
        from sciml.discovery.stlsq import SupportSolver

        n_eq = system.B.shape[1]
        coef = np.zeros((system.G.shape[1], n_eq))
        choices, ensembles = [], []
        for i in progress_bar(range(n_eq), n_eq, self.progress, "selecting terms", "equation"):
            choice = select_terms(system.G, system.B[:, i], system.libraries, system.folds, system.n_eff,
                                  threshold=self.threshold, penalty=float(self.penalty), floor=system.floor,
                                  fit_factory=self._fit_factory())
            coef[:, i] = choice.coef
            choices.append(choice)
            ensembles.append(None)
            if self.method == "ensemble":
                from sciml.discovery.ensemble import bagging
                from sciml.discovery.progress import progress_enabled

                cols = np.asarray(system.libraries[choice.library])
                relative = isinstance(self.threshold, str)

                fit = functools.partial(_threshold_fit, cols=cols, lam=choice.threshold, relative=relative)
                result = bagging(system.G, system.B[:, i], fit, int(self.n_models), seed=int(self.seed) + i,
                                 progress=progress_enabled(self.progress), jobs=self.jobs)
                support = result.inclusion >= self.inclusion
                coef[:, i] = SupportSolver(system.G, system.B[:, i]).solve(support)
                ensembles[i] = result
        return coef, choices, ensembles

    def _model(self, system, coef, choices, ensembles, spec_args, data) -> DiscoveredModel:
        from sciml.discovery.assemble import equation_terms

        kind = spec_args["kind"]
        rhs, terms_info = [], []
        for i in range(coef.shape[1]):
            expr, info = equation_terms(system, coef[:, i], kind, ensembles[i])
            rhs.append(expr)
            terms_info.append(info)
        states = spec_args["states"]
        scores = {"r2": r2_scores(system.G, system.B, coef),
                  "cv_error": [c.cv_error for c in choices],
                  "n_terms": [int(np.count_nonzero(coef[:, i])) for i in range(coef.shape[1])]}
        auto_library = isinstance(self.library, str) and self.library == "auto"
        auto_threshold = isinstance(self.threshold, str)
        chosen = {"automatic": auto_library or auto_threshold,
                  "method": self.method if self.method != "auto" else "weak (auto)",
                  "formulation": system.info.get("formulation")}
        for key in ("test_function_radius", "test_function_degree", "derivative", "rows"):
            if key in system.info:
                chosen[key] = system.info[key]
        chosen["library"] = {s: c.library for s, c in zip(states, choices)}
        chosen["threshold"] = {s: float(f"{c.threshold:.4g}") for s, c in zip(states, choices)}
        chosen["candidates"] = {s: len(c.alternatives) for s, c in zip(states, choices)}
        folds = system.folds.description or f"{system.folds.n_folds} folds"
        chosen["selection"] = f"held-out error + {self.penalty:g}*terms/n_eff (n_eff={system.n_eff:.1f}, {folds})"
        if system.info.get("notes"):
            chosen["notes"] = list(system.info["notes"])
        if self.method == "ensemble":
            chosen["ensemble"] = f"{self.n_models} bootstrap models, inclusion >= {self.inclusion:g}"
        info = {"terms": terms_info, "scores": scores, "choices": chosen, "data": _data_info(data)}
        spec = ModelSpec(kind=kind, states=list(states), rhs=rhs, inputs=spec_args.get("inputs", []),
                         coords=spec_args.get("coords", []), info=info)
        return DiscoveredModel(spec)

    # -- using the fit ----------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise InputError("estimator", "a fitted SINDy (call fit first)", "an unfitted estimator")

    @property
    def equations(self) -> list[sp.Eq]:
        self._check_fitted()
        return self.model_.equations

    def predict(self, y, u=None) -> np.ndarray:
        """The fitted right-hand side at states ``y`` (ODE models)."""
        self._check_fitted()
        return self.model_.predict(y, u)

    def score(self, data, t=None, u=None) -> float:
        """Mean R^2 of the fitted coefficients on the regression system built from ``data``.

        For the weak form this is the fraction of the variance of the
        test-function integrals of the time derivative that the model explains.
        """
        self._check_fitted()
        data = _as_data(data, t, u, None, None, like=self.model_)
        if isinstance(data, PDEDataset) != (self.model_.kind == "pde"):
            raise InputError("data", f"{self.model_.kind.upper()} data like the fitted data", repr(data))
        if isinstance(data, PDEDataset):
            from sciml.discovery.pde_regression import pde_system

            system = pde_system(data, self.library_, weak=self._weak,
                                test_functions=self.test_functions, derivative=self.derivative)
        else:
            from sciml.discovery.ode_regression import ode_system

            variables = [sp.Symbol(n) for n in [*self.model_.states, *self.model_.inputs]]
            trajectories = data.trajectories()
            system = ode_system(trajectories, variables, self.terms_, {"all": list(range(len(self.terms_)))},
                                weak=self._weak, test_functions=self.test_functions, derivative=self.derivative)
        return float(np.mean(r2_scores(system.G, system.B, self.coef_)))


def _threshold_fit(G, b, cols, lam, relative):
    """One bagged fit: thresholded least squares on the selected library's columns (picklable)."""
    from sciml.discovery.stlsq import SupportSolver

    w = np.zeros(G.shape[1])
    w[cols] = SupportSolver(G[:, cols], b).threshold(lam, relative=relative)
    return w


def _data_info(data) -> dict:
    if isinstance(data, PDEDataset):
        ranges = {k: [float(c[0]), float(c[-1])] for k, c in data.coords.items()}
        ranges["t"] = [float(data.t[0]), float(data.t[-1])]
        return {"kind": "pde", "shape": list(data.shape), "ranges": ranges, "source": str(data.attrs.get("source", ""))}
    if isinstance(data, list):
        return {"kind": "ode", "trajectories": len(data)}
    return {"kind": "ode", "trajectories": data.n_trajectories, "samples": int(data.t.shape[-1]),
            "ranges": {"t": [float(data.t.min()), float(data.t.max())]},
            "source": str(data.attrs.get("source", ""))}


def _as_data(data, t, u, names, input_names, like=None):
    """A data set (or a list of (t, y, u) trajectories) from the accepted ``fit`` inputs."""
    if isinstance(data, (ODEDataset, PDEDataset)):
        if t is not None or u is not None:
            raise InputError("t, u", "nothing besides a data set (its times and inputs are inside it)", "values")
        return data
    if like is not None:
        names = like.states
        input_names = like.inputs or None
    if isinstance(data, (list, tuple)) and data and not np.isscalar(data[0]) and np.ndim(data[0]) == 2:
        if not isinstance(t, (list, tuple)) or len(t) != len(data):
            raise InputError("t", f"a list of {len(data)} time arrays, one per trajectory", type(t).__name__)
        us = u if u is not None else [None] * len(data)
        if len(us) != len(data):
            raise InputError("u", f"a list of {len(data)} input arrays", len(us))
        trajs = []
        first = None
        for i, (yi, ti, ui) in enumerate(zip(data, t, us)):
            d = ODEDataset(ti, yi, names=names, u=ui, input_names=input_names)
            first = first or d
            if d.names != first.names:
                raise InputError(f"data[{i}]", f"the states {first.names}", d.names)
            trajs += d.trajectories()
        out = list(trajs)
        return _TrajectoryList(out, first.names, first.input_names)
    if t is None:
        raise InputError("t", "the sample times of y (or pass a sciml data set)", None)
    return ODEDataset(t, data, names=names, u=u, input_names=input_names)


class _TrajectoryList(list):
    """Trajectories of different lengths, with their state and input names."""

    def __init__(self, items, names, input_names):
        super().__init__(items)
        self.names = list(names)
        self.input_names = list(input_names)
        self.attrs = {}
        self.n_trajectories = len(items)

    def trajectories(self):
        return list(self)
