"""The cases of benchmarks/models.py: spiral, FFJORD, HNN, regularisation, hypersolver, DEQ.

Each case takes a settings object (full or --quick) and returns ``{"rows": [...], **summary}``.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import torch
from models_anchors import TDCNF, TDAugmenter, TDNeuralODE, td_autograd_trace, torchdiffeq
from ode_speed import interleaved_medians
from torch import nn

from sciml.integrate import odeint, odeint_adjoint
from sciml.models import (
    CNF,
    DEQ,
    Anderson,
    CorrectionNet,
    HamiltonianNN,
    Hypersolver,
    NeuralODE,
    Regularization,
    Trajectories,
    anderson,
    fit,
)

# --- 1. the DiffEqFlux spiral -------------------------------------------------------------------------------

SPIRAL_A = torch.tensor([[-0.1, 2.0], [-2.0, -0.1]])


def spiral_data(dtype=torch.float32):
    """u0 = (2, 0), du/dt = (u³) A, 30 points on [0, 1.5] (DiffEqFlux's neural ODE example)."""
    A = SPIRAL_A.to(torch.float64)
    u0 = torch.tensor([[2.0, 0.0]], dtype=torch.float64)
    t = torch.linspace(0, 1.5, 30, dtype=torch.float64)
    with torch.no_grad():
        y = odeint(lambda t, u: (u ** 3) @ A, u0, t, method="dopri8", rtol=1e-12, atol=1e-12)
    return u0.to(dtype), t.to(dtype), y.to(dtype)


class CubicNet(nn.Module):
    """DiffEqFlux's ``Chain(x -> x.^3, Dense(2, 50, tanh), Dense(50, 2))``; counts its calls."""

    def __init__(self, seed=0, dtype=torch.float32):
        super().__init__()
        torch.manual_seed(seed)
        self.net = nn.Sequential(nn.Linear(2, 50), nn.Tanh(), nn.Linear(50, 2)).to(dtype)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.net(x ** 3)


class TimeField(nn.Module):
    """``(t, y) -> net(y)`` for the solvers that call ``func(t, y)``."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, t, y):
        return self.net(y)


def _sum_squares(pred, target):
    return torch.sum((pred - target) ** 2)


def spiral_case(s) -> dict:
    u0, t, y = spiral_data()
    kw = dict(rtol=1e-3, atol=1e-6)  # DiffEqFlux's defaults (Tsit5, reltol 1e-3, abstol 1e-6)
    steps, lr = s.spiral_steps, 0.05
    results = {}

    def plain(name, solve, method="dopri5"):
        def run():
            net = CubicNet()
            field = TimeField(net)
            opt = torch.optim.Adam(net.parameters(), lr=lr)
            for _ in range(steps):
                opt.zero_grad()
                loss = _sum_squares(solve(field, u0, t, method=method, **kw), y)
                loss.backward()
                opt.step()
            results[name] = (float(loss.detach()), net.calls)
        return run

    def via_fit(name, solver, sensitivity):
        def run():
            net = CubicNet()
            node = NeuralODE(net, solver=solver, sensitivity=sensitivity, **kw)
            r = fit(node, Trajectories(t, y.transpose(0, 1)), loss=_sum_squares, steps=steps, lr=lr,
                    log_every=steps, final_log=False)
            results[name] = (r.history["loss"][-1], net.calls)
        return run

    def torchdyn_run(name, sensitivity):
        def run():
            net = CubicNet()
            model = TDNeuralODE(net, solver="dopri5", sensitivity=sensitivity, atol_adjoint=kw["atol"],
                                rtol_adjoint=kw["rtol"], **kw)
            opt = torch.optim.Adam(net.parameters(), lr=lr)
            for _ in range(steps):
                opt.zero_grad()
                _, pred = model(u0, t)
                loss = _sum_squares(pred, y)
                loss.backward()
                opt.step()
            results[name] = (float(loss.detach()), net.calls)
        return run

    runs = {"sciml odeint dopri5": plain("sciml odeint dopri5", odeint),
            "sciml odeint_adjoint dopri5": plain("sciml odeint_adjoint dopri5", odeint_adjoint),
            "sciml NeuralODE+fit dopri5": via_fit("sciml NeuralODE+fit dopri5", "dopri5", "direct"),
            "sciml NeuralODE+fit adjoint": via_fit("sciml NeuralODE+fit adjoint", "dopri5", "adjoint")}
    if torchdiffeq is not None:
        runs["torchdiffeq odeint dopri5"] = plain("torchdiffeq odeint dopri5", torchdiffeq.odeint)
        runs["torchdiffeq odeint_adjoint dopri5"] = plain("torchdiffeq odeint_adjoint dopri5",
                                                          torchdiffeq.odeint_adjoint)
    if TDNeuralODE is not None:
        runs["torchdyn NeuralODE dopri5"] = torchdyn_run("torchdyn NeuralODE dopri5", "autograd")
        runs["torchdyn NeuralODE adjoint"] = torchdyn_run("torchdyn NeuralODE adjoint", "adjoint")
    med = interleaved_medians(runs, s.spiral_repeats)
    rows = [{"case": "spiral", "variant": name, "s": sec, "final_loss": results[name][0],
             "nfe_total": results[name][1]} for name, sec in med.items()]
    out = {"rows": rows, "steps": steps}
    ratio = {}
    for ours, theirs in (("sciml odeint dopri5", "torchdiffeq odeint dopri5"),
                         ("sciml odeint_adjoint dopri5", "torchdiffeq odeint_adjoint dopri5"),
                         ("sciml NeuralODE+fit dopri5", "torchdyn NeuralODE dopri5"),
                         ("sciml NeuralODE+fit adjoint", "torchdyn NeuralODE adjoint")):
        if theirs in med:
            ratio[f"{ours} / {theirs}"] = med[ours] / med[theirs]
    out["time_ratios"] = ratio
    return out


# --- 2. FFJORD on toy densities -----------------------------------------------------------------------------


def toy_data(name: str, n: int, seed: int) -> torch.Tensor:
    """FFJORD's toy sets: ``moons`` (scikit-learn, noise 0.1, scaled) and ``8gaussians`` (radius 4/√2)."""
    rng = np.random.default_rng(seed)
    if name == "moons":
        from sklearn.datasets import make_moons

        x = make_moons(n, noise=0.1, random_state=seed)[0] * 2 + np.array([-1.0, -0.2])
    elif name == "8gaussians":
        r = 1 / math.sqrt(2)
        centers = 4 * np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (r, r), (r, -r), (-r, r), (-r, -r)])
        x = (rng.normal(size=(n, 2)) * 0.5 + centers[rng.integers(0, 8, n)]) / 1.414
    else:
        raise ValueError(name)
    return torch.tensor(x, dtype=torch.float32)


def density_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 64), nn.Softplus(), nn.Linear(64, 64), nn.Softplus(), nn.Linear(64, 2))


def gaussian_nll(train: torch.Tensor, test: torch.Tensor) -> float:
    mean, cov = train.double().mean(0), torch.cov(train.double().T)
    return float(-torch.distributions.MultivariateNormal(mean, cov).log_prob(test.double()).mean())


def _batches(x, batch, steps, seed):
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        yield x[torch.randint(0, len(x), (batch,), generator=g)]


def train_sciml_cnf(train, s, regularization=None, seed=0):
    cnf = CNF(density_net(seed), dim=2, solver="dopri5", rtol=s.cnf_tol, atol=s.cnf_tol, trace="exact",
              regularization=regularization)
    nfe = []
    start = time.perf_counter()
    opt = torch.optim.Adam(cnf.parameters(), lr=s.cnf_lr)
    for batch in _batches(train, s.cnf_batch, s.cnf_steps, seed):  # the same batches as torchdyn's loop
        opt.zero_grad()
        loss = -cnf.log_prob(batch).mean() + sum(cnf.penalties.values())
        nfe.append(cnf.stats["n_f_evals"])
        loss.backward()
        opt.step()
    return cnf, time.perf_counter() - start, nfe


def sciml_test_nll(cnf, test, tol=1e-6):
    evaluator = CNF(cnf.vf, dim=2, solver="dopri5", rtol=tol, atol=tol, trace="exact")
    with torch.no_grad():
        value = float(-evaluator.log_prob(test).mean())
    return value, evaluator.stats["n_f_evals"]


def train_torchdyn_cnf(train, s, seed=0):
    net = density_net(seed)
    prior = torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))

    def model(tol):
        return nn.Sequential(TDAugmenter(augment_idx=1, augment_dims=1),
                             TDNeuralODE(TDCNF(net, trace_estimator=td_autograd_trace), solver="dopri5",
                                         sensitivity="autograd", atol=tol, rtol=tol))

    def log_prob(m, x):
        _, xtrj = m(x)
        end = xtrj[-1]
        return prior.log_prob(end[:, 1:]) - end[:, 0]

    m = model(s.cnf_tol)
    start = time.perf_counter()
    opt = torch.optim.Adam(net.parameters(), lr=s.cnf_lr)
    for batch in _batches(train, s.cnf_batch, s.cnf_steps, seed):
        opt.zero_grad()
        loss = -log_prob(m, batch).mean()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start

    def test_nll(test):
        with torch.no_grad():
            return float(-log_prob(model(1e-6), test).mean())

    return seconds, test_nll


def plot_density(cnf, data, path: Path, title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = torch.linspace(-4, 4, 120)
    grid = torch.stack(torch.meshgrid(g, g, indexing="xy"), -1).reshape(-1, 2)
    with torch.no_grad():
        density = cnf.log_prob(grid).exp().reshape(120, 120)
        samples = cnf.sample(2000, generator=torch.Generator().manual_seed(0))
    fig, ax = plt.subplots(1, 3, figsize=(10.5, 3.5))
    ax[0].scatter(*data[:2000].T, s=1)
    ax[0].set_title("data")
    ax[1].scatter(*samples.T, s=1, color="C1")
    ax[1].set_title("sciml CNF samples")
    ax[2].imshow(density.numpy(), extent=(-4, 4, -4, 4), origin="lower", cmap="magma")
    ax[2].set_title("sciml CNF density")
    for a in ax:
        a.set_xlim(-4, 4)
        a.set_ylim(-4, 4)
        a.set_aspect("equal")
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def ffjord_case(s) -> dict:
    rows = []
    for name in s.ffjord_sets:
        train, test = toy_data(name, 20_000, 0), toy_data(name, 5_000, 1)
        cnf, sec, nfe = train_sciml_cnf(train, s)
        nll, nfe_eval = sciml_test_nll(cnf, test)
        row = {"case": "ffjord", "dataset": name, "gaussian_nll": gaussian_nll(train, test), "sciml_nll": nll,
               "sciml_s": sec, "sciml_nfe_last": nfe[-1], "steps": s.cnf_steps}
        if TDNeuralODE is not None:
            td_sec, td_nll = train_torchdyn_cnf(train, s)
            row.update(torchdyn_nll=td_nll(test), torchdyn_s=td_sec)
        plot = Path(s.out) / f"ffjord_{name}.png"
        plot_density(cnf, train, plot, f"{name}: test NLL {nll:.3f} (Gaussian {row['gaussian_nll']:.3f})")
        row["plot"] = str(plot)
        rows.append(row)
    return {"rows": rows}


# --- 3. Hamiltonian network vs a plain neural ODE: energy over 100 periods ----------------------------------

SYSTEMS = {  # Greydanus et al.'s ideal spring and pendulum: H(q, p), dq/dt, dp/dt, test state, period
    "spring": (lambda q, p: q ** 2 + p ** 2, lambda q, p: 2 * p, lambda q, p: -2 * q, (0.7, 0.0), math.pi),
    "pendulum": (lambda q, p: 3 * (1 - torch.cos(q)) + p ** 2, lambda q, p: 2 * p, lambda q, p: -3 * torch.sin(q),
                 (1.2, 0.0), None),
}


def _pendulum_period(q0):
    """Period of H = 3(1 − cos q) + p² from rest at q0: T = 4K(sin²(q0/2)) / √6."""
    from scipy.special import ellipk

    return 4 * float(ellipk(math.sin(q0 / 2) ** 2)) / math.sqrt(6)


def hnn_data(system: str, n_traj=50, n_points=30, noise=0.1, seed=0):
    H, dq, dp, _, _ = SYSTEMS[system]
    g = torch.Generator().manual_seed(seed)
    lo, hi = (0.1, 1.0) if system == "spring" else (1.3, 2.3)
    xs, dxs = [], []
    t = torch.linspace(0, 3, n_points, dtype=torch.float64)
    for _ in range(n_traj):
        x0 = torch.randn(2, dtype=torch.float64, generator=g)
        x0 = x0 / x0.norm() * (torch.rand(1, dtype=torch.float64, generator=g) * (hi - lo) + lo).sqrt()
        traj = odeint(lambda t, x: torch.stack([dq(x[0], x[1]), dp(x[0], x[1])]), x0, t, rtol=1e-10, atol=1e-10)
        xs.append(traj)
        dxs.append(torch.stack([dq(traj[:, 0], traj[:, 1]), dp(traj[:, 0], traj[:, 1])], -1))
    x, dx = torch.cat(xs), torch.cat(dxs)
    return x + noise * torch.randn(x.shape, dtype=x.dtype, generator=g), dx


def _mlp(n_in, n_out, hidden, seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                         nn.Linear(hidden, n_out)).double()


def _derivative_loss(model, batch):
    x, dx = batch
    return torch.mean((model(None, x) - dx) ** 2)


def hnn_case(s) -> dict:
    rows = []
    for system in ("spring", "pendulum"):
        H, _, _, x0, period = SYSTEMS[system]
        period = period or _pendulum_period(x0[0])
        T = 100 * period
        x, dx = hnn_data(system)
        models = {
            "neural ODE": TimeField(_mlp(2, 2, s.hnn_hidden, 0)),
            "HNN": HamiltonianNN(_mlp(2, 1, s.hnn_hidden, 0)),
            "HNN separable": HamiltonianNN(kinetic=_mlp(1, 1, s.hnn_hidden, 0), potential=_mlp(1, 1, s.hnn_hidden, 1)),
        }
        start = torch.tensor([list(x0)], dtype=torch.float64)
        e0 = float(H(start[:, 0], start[:, 1]))
        for name, model in models.items():
            result = fit(model, (x, dx), objective=_derivative_loss, steps=s.hnn_steps, lr=1e-3)
            solvers = [("dopri5", {"rtol": 1e-9, "atol": 1e-9})]
            if name == "HNN separable":
                solvers += [("leapfrog", {"step_size": s.hnn_step}), ("rk4", {"step_size": s.hnn_step})]
            for solver, opts in solvers:
                node = NeuralODE(model, solver=solver, t_span=(0.0, T), **opts)
                t0 = time.perf_counter()
                with torch.no_grad():
                    xs = node.trajectory(start, torch.linspace(0, T, 2001, dtype=torch.float64))
                energy = H(xs[:, 0, 0], xs[:, 0, 1])
                drift = (energy - e0).abs() / e0
                row = {"case": "hnn", "system": system, "model": name, "solver": solver, "periods": 100,
                       "train_loss": result.loss, "rel_energy_drift_end": float(drift[-1]),
                       "rel_energy_drift_max": float(drift.max()), "nfe": node.nfe,
                       "s": time.perf_counter() - t0}
                if isinstance(model, HamiltonianNN):  # the model's own energy: the integrator's part of the drift
                    with torch.no_grad():
                        learned = (model.hamiltonian(xs[:, 0]) - model.hamiltonian(start)[0]).abs()
                    row["learned_H_err_first10pc"] = float(learned[:200].max())
                    row["learned_H_err_last10pc"] = float(learned[-200:].max())
                rows.append(row)
    summary = {}
    for system in ("spring", "pendulum"):
        node = next(r for r in rows if r["system"] == system and r["model"] == "neural ODE")
        hnn = next(r for r in rows if r["system"] == system and r["model"] == "HNN")
        summary[f"{system}: neural ODE / HNN drift"] = node["rel_energy_drift_max"] / hnn["rel_energy_drift_max"]
    return {"rows": rows, "ratios": summary}


# --- 4. kinetic + Jacobian regularisation: NFE at equal test error ------------------------------------------


def regularization_case(s) -> dict:
    train, test = toy_data("moons", 20_000, 0), toy_data("moons", 5_000, 1)
    rows = []
    for label, reg in (("none", None), ("kinetic+jacobian", Regularization(kinetic=s.reg_weight,
                                                                          jacobian=s.reg_weight))):
        cnf, sec, nfe = train_sciml_cnf(train, s, regularization=reg)
        nll, nfe_eval = sciml_test_nll(cnf, test, tol=1e-5)
        rows.append({"case": "regularization", "regularization": label, "weight": s.reg_weight if reg else 0.0,
                     "test_nll": nll, "nfe_forward_eval_tol1e-5": nfe_eval,
                     "nfe_forward_train_last20": float(np.mean(nfe[-20:])), "s": sec, "steps": s.cnf_steps})
    return {"rows": rows, "nfe_ratio": rows[0]["nfe_forward_eval_tol1e-5"] / rows[1]["nfe_forward_eval_tol1e-5"]}


# --- 5. hypersolver: error against NFE ----------------------------------------------------------------------


def hypersolver_case(s) -> dict:
    u0, t, y = spiral_data(torch.float64)
    net = CubicNet(dtype=torch.float64)
    node = NeuralODE(net, solver="dopri5", rtol=1e-6, atol=1e-8)
    fit(node, Trajectories(t, y.transpose(0, 1)), loss=_sum_squares, steps=s.hyper_node_steps, lr=0.05)
    field = TimeField(net)
    g = torch.Generator().manual_seed(0)
    starts = y[torch.randint(0, 30, (s.hyper_train + 64,), generator=g), 0]
    starts = starts + 0.1 * torch.randn(starts.shape, dtype=starts.dtype, generator=g)
    train_x0, test_x0 = starts[:-64], starts[-64:]
    t1 = 1.5
    grid = torch.linspace(0, t1, s.hyper_train_steps + 1, dtype=torch.float64)
    with torch.no_grad():
        accurate = odeint(field, train_x0, grid, method="dopri8", rtol=1e-11, atol=1e-11)
        exact_end = odeint(field, test_x0, torch.tensor([0.0, t1], dtype=torch.float64), method="dopri8",
                           rtol=1e-11, atol=1e-11)[-1]
    rows = []
    hypers = {}
    for base in ("euler", "midpoint"):
        torch.manual_seed(1)
        hs = Hypersolver(field, CorrectionNet(2, hidden=64).double(), base=base, step_size=t1 / s.hyper_train_steps)
        fit(hs, Trajectories(grid, accurate.transpose(0, 1)), objective=hs.residual_objective(grid),
            steps=s.hyper_fit_steps, lr=3e-3, params=list(hs.correction.parameters()))
        hypers[base] = hs

    def err(end):
        return float((end - exact_end).abs().max(-1).values.mean())

    with torch.no_grad():
        for n in s.hyper_grid:
            h = t1 / n
            tt = torch.tensor([0.0, t1], dtype=torch.float64)
            for method in ("euler", "midpoint", "rk4"):
                net.calls = 0
                end = odeint(field, test_x0, tt, method=method, options={"step_size": h})[-1]
                rows.append({"case": "hypersolver", "method": method, "steps": n, "nfe": net.calls, "error": err(end)})
            for base, trained in hypers.items():
                hs = Hypersolver(field, trained.correction, base=base, step_size=h)
                net.calls = 0
                end = hs.trajectory(test_x0, tt)[-1]
                rows.append({"case": "hypersolver", "method": f"hyper{base}", "steps": n, "nfe": net.calls,
                             "error": err(end), "trained_at_steps": s.hyper_train_steps})
        for tol in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6):
            net.calls = 0
            end = odeint(field, test_x0, torch.tensor([0.0, t1], dtype=torch.float64), method="dopri5", rtol=tol,
                         atol=tol)[-1]
            rows.append({"case": "hypersolver", "method": "dopri5", "rtol": tol, "nfe": net.calls, "error": err(end)})
    return {"rows": rows}


# --- 6. DEQ on scikit-learn's digits ------------------------------------------------------------------------


class DigitsCell(nn.Module):
    """``z ↦ tanh(W z + U x + b)``, W started at spectral norm 0.9 (a slow contraction: a deep layer)."""

    def __init__(self, n_in=64, n_z=64, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.W = nn.Linear(n_z, n_z, bias=False)
        self.U = nn.Linear(n_in, n_z)
        with torch.no_grad():
            self.W.weight.mul_(0.9 / torch.linalg.matrix_norm(self.W.weight, 2))
        self.calls = 0

    def forward(self, z, x):
        self.calls += 1
        return torch.tanh(self.W(z) + self.U(x))


class Unrolled(nn.Module):
    """The same cell applied ``k`` times from zero, backpropagated through every application."""

    def __init__(self, cell, k):
        super().__init__()
        self.cell, self.k = cell, k

    def forward(self, x):
        z = torch.zeros(x.shape[0], self.cell.W.in_features, dtype=x.dtype)
        for _ in range(self.k):
            z = self.cell(z, x)
        return z


def deq_case(s) -> dict:
    from sklearn.datasets import load_digits

    X, labels = load_digits(return_X_y=True)
    X = torch.tensor(X / 16.0, dtype=torch.float32)
    labels = torch.tensor(labels)
    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
    train, test = perm[:1437], perm[1437:]
    tol = 1e-4
    rows = []

    def iterations(cell, x):
        """(Anderson, plain fixed-point) iterations to the relative residual ``tol``."""
        with torch.no_grad():
            _, info = anderson(lambda z: cell(z, x), torch.zeros(len(x), 64), Anderson(tol=tol, max_iter=500))
            z, picard = torch.zeros(len(x), 64), 0
            while picard < 2000:
                new = cell(z, x)
                picard += 1
                if float(((new - z).norm(dim=-1) / new.norm(dim=-1)).max()) < tol:
                    break
                z = new
        return info["iterations"], picard

    anderson_init, k = iterations(DigitsCell(), X[train[:256]])
    for label, make in (("DEQ (Anderson, implicit backward)",
                         lambda c: DEQ(c, solver=Anderson(tol=tol, max_iter=100))),
                        (f"unrolled ({k} iterations, backprop)", lambda c: Unrolled(c, k))):
        c = DigitsCell()
        layer = make(c)
        model = nn.Sequential(layer, nn.Linear(64, 10))
        start = time.perf_counter()
        result = fit(model, (X[train], labels[train]), loss="cross_entropy", steps=s.deq_steps, lr=1e-2,
                     batch_size=128)
        sec = time.perf_counter() - start
        with torch.no_grad():
            acc = float((model(X[test]).argmax(-1) == labels[test]).float().mean())
        row = {"case": "deq", "model": label, "test_accuracy": acc, "train_loss": result.loss,
               "s_per_step": sec / s.deq_steps, "steps": s.deq_steps}
        if isinstance(layer, DEQ):
            xb = X[train[:128]]
            out = layer(xb)
            out.sum().backward()
            trained = iterations(c, X[train[:256]])
            row.update(forward_iterations=layer.stats["forward_iterations"],
                       backward_iterations=layer.stats.get("backward_iterations"),
                       trained_anderson_iterations=trained[0], trained_plain_iterations=trained[1])
        else:
            row.update(forward_iterations=k, backward_iterations=k)
        rows.append(row)
    return {"rows": rows, "anderson_iterations_at_init": anderson_init, "plain_iterations_at_init": k}


CASES = {"spiral": spiral_case, "ffjord": ffjord_case, "hnn": hnn_case, "regularization": regularization_case,
         "hypersolver": hypersolver_case, "deq": deq_case}
