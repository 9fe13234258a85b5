"""The DeepXDE (PyTorch backend) side of benchmarks/pinn.py, set up as its examples do."""

from __future__ import annotations

import math
import os
import time

os.environ.setdefault("DDE_BACKEND", "pytorch")

import numpy as np  # noqa: E402

__all__ = ["dde_burgers", "dde_throughput", "dde_inverse"]


def _dde():
    import deepxde as dde

    return dde


class _Clock:
    """A DeepXDE callback that stops training at a deadline and records iteration times."""

    def __new__(cls, deadline):
        dde = _dde()

        class Clock(dde.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.deadline = deadline
                self.times = []

            def on_epoch_end(self):
                self.times.append(time.monotonic())
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    self.model.stop_training = True

        return Clock()


def _burgers_geometry():
    dde = _dde()
    geom = dde.geometry.Interval(-1, 1)
    return dde.geometry.GeometryXTime(geom, dde.geometry.TimeDomain(0, 1))


def _burgers_pde(nu):
    dde = _dde()

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - nu * dy_xx

    return pde


def _reference_grid(root):
    import h5py

    with h5py.File(root / "data" / "burgers_reference.h5", "r") as f:
        t, x, u = f["t"][:], f["coords"]["x"][:], f["fields"]["u"][:]
    T, X = np.meshgrid(t, x, indexing="ij")
    return np.stack([X.ravel(), T.ravel()], 1), u.ravel()


def _train_until(model, deadline, adam_share_deadline, lr=1e-3, external=None, loss_weights=None):
    """Adam until the first deadline, then L-BFGS until the second (DeepXDE's usual two stages)."""
    dde = _dde()
    import deepxde.optimizers.config as cfg

    model.compile("adam", lr=lr, external_trainable_variables=external, loss_weights=loss_weights)
    clock = _Clock(adam_share_deadline)
    model.train(iterations=10**8, display_every=10**9, callbacks=[clock], verbose=0)
    adam = len(clock.times)
    dde.optimizers.set_LBFGS_options(maxiter=10**8)
    cfg.LBFGS_options["iter_per_step"] = 50  # lets the clock stop it near the deadline
    cfg.LBFGS_options["fun_per_step"] = 63
    model.compile("L-BFGS", external_trainable_variables=external, loss_weights=loss_weights)
    clock = _Clock(deadline)
    model.train(callbacks=[clock], display_every=10**9, verbose=0)
    return adam, model.train_state.step - adam


def dde_burgers(budget, seed, network, points, root):
    """Same network, initial points and hard-constraint transform as sciml's side; float64."""
    dde = _dde()
    import torch

    dde.config.set_default_float("float64")
    dde.config.set_random_seed(seed)
    start = time.monotonic()
    geom = _burgers_geometry()
    from sciml.pde.sampling import unit_samples

    U = unit_samples(points, 2, "sobol", np.random.default_rng(seed))
    anchors = np.stack([-1 + 2 * U[:, 0], U[:, 1]], 1)
    data = dde.data.TimePDE(geom, _burgers_pde(0.01 / math.pi), [], num_domain=0, anchors=anchors)
    net = dde.nn.FNN([2, *network, 1], "tanh", "Glorot normal")
    net.apply_output_transform(
        lambda x, y: -torch.sin(math.pi * x[:, 0:1]) + x[:, 1:2] * (1 - x[:, 0:1] ** 2) * y)
    model = dde.Model(data, net)
    adam, lbfgs = _train_until(model, start + budget, start + 0.2 * budget)
    X, u = _reference_grid(root)
    pred = model.predict(X)[:, 0]
    rel = float(np.linalg.norm(pred - u) / np.linalg.norm(u))
    return {"rel_l2": rel, "adam": adam, "lbfgs": lbfgs, "wall_s": time.monotonic() - start}


def dde_throughput(case, iterations, seed=0):
    """DeepXDE's own example set-up; iterations per second of Adam."""
    dde = _dde()
    dde.config.set_random_seed(seed)
    if case == "burgers":
        dde.config.set_default_float("float32")
        geomtime = _burgers_geometry()
        geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 0.99))
        bc = dde.icbc.DirichletBC(geomtime, lambda x: 0, lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geomtime, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial)
        data = dde.data.TimePDE(geomtime, _burgers_pde(0.01 / np.pi), [bc, ic], num_domain=2540, num_boundary=80,
                                num_initial=160)
        net = dde.nn.FNN([2, 20, 20, 20, 1], "tanh", "Glorot normal")
        n_points = 2540 + 80 + 160
    else:
        dde.config.set_default_float("float64")
        re = 20.0
        lam = re / 2 - np.sqrt(re**2 / 4 + 4 * np.pi**2)
        geom = dde.geometry.Rectangle([-0.5, -0.5], [1, 1.5])

        def pde(x, u):
            u_vel, v_vel = u[:, 0:1], u[:, 1:2]
            u_x = dde.grad.jacobian(u, x, i=0, j=0)
            u_y = dde.grad.jacobian(u, x, i=0, j=1)
            v_x = dde.grad.jacobian(u, x, i=1, j=0)
            v_y = dde.grad.jacobian(u, x, i=1, j=1)
            p_x = dde.grad.jacobian(u, x, i=2, j=0)
            p_y = dde.grad.jacobian(u, x, i=2, j=1)
            u_xx = dde.grad.hessian(u, x, component=0, i=0, j=0)
            u_yy = dde.grad.hessian(u, x, component=0, i=1, j=1)
            v_xx = dde.grad.hessian(u, x, component=1, i=0, j=0)
            v_yy = dde.grad.hessian(u, x, component=1, i=1, j=1)
            return [u_vel * u_x + v_vel * u_y + p_x - (u_xx + u_yy) / re,
                    u_vel * v_x + v_vel * v_y + p_y - (v_xx + v_yy) / re,
                    u_x + v_y]

        def ue(x):
            return 1 - np.exp(lam * x[:, 0:1]) * np.cos(2 * np.pi * x[:, 1:2])

        def ve(x):
            return lam / (2 * np.pi) * np.exp(lam * x[:, 0:1]) * np.sin(2 * np.pi * x[:, 1:2])

        bcs = [dde.icbc.DirichletBC(geom, ue, lambda _, on: on, component=0),
               dde.icbc.DirichletBC(geom, ve, lambda _, on: on, component=1)]
        data = dde.data.PDE(geom, pde, bcs, num_domain=2000, num_boundary=400)
        net = dde.nn.FNN([2, 50, 50, 50, 50, 3], "tanh", "Glorot normal")
        n_points = 2400
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3)
    clock = _Clock(None)
    model.train(iterations=iterations, display_every=10**9, callbacks=[clock], verbose=0)
    t = clock.times
    k = max(len(t) // 10, 1)
    return {"it_per_s": (len(t) - 1 - k) / (t[-1] - t[k]), "points": n_points, "engine": "deepxde"}


def dde_inverse(budget, seed, network, points, root):
    """nu as a dde.Variable learned from the same 2,000 noisy observations (data loss weight 10, as sciml)."""
    dde = _dde()
    import importlib.util

    import torch

    dde.config.set_default_float("float64")
    dde.config.set_random_seed(seed)
    start = time.monotonic()
    spec = importlib.util.spec_from_file_location("burgers_inverse_dde", root / "problems" / "burgers_inverse.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    nu = dde.Variable(0.05)
    geom = _burgers_geometry()

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - nu * dy_xx

    obs = dde.icbc.PointSetBC(mod._points, mod._values[:, None])
    data = dde.data.TimePDE(geom, pde, [obs], num_domain=points, anchors=mod._points)
    net = dde.nn.FNN([2, *network, 1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    _train_until(model, start + budget, start + 0.2 * budget, external=[nu], loss_weights=[1, 10])
    value = float(nu.detach()) if isinstance(nu, torch.Tensor) else float(nu)
    true = mod.TRUE_NU
    return {"nu": value, "nu_error": abs(value - true) / true}
