"""SDE methods: each a small stepper ``step(term, t0, t1, dt, y, dW, U, A, extra) -> (y1, extra1)``.

A stepper sees only the term (drift, diffusion and their products) and the Brownian statistics of the
step (increment ``dW``, space-time area ``U``, Lévy area ``A``), never the Brownian object, so one
generic loop drives every method with increments sampled for the whole grid at once. ``dt`` is a float
(joint mode) or a ``(B, 1)`` tensor (independent batch). :data:`METHODS` is the table of which method
takes which SDE type, noise type and Lévy-area approximation (torchsde 0.2.6's table).
"""

from __future__ import annotations

from sciml.integrate.sde.names import LEVY_AREA_APPROXIMATIONS as LEVY
from sciml.integrate.sde.names import NOISE_TYPES as NOISE
from sciml.integrate.sde.names import SDE_TYPES
from sciml.integrate.sde.tableaus import SRA1, SRI2W1

__all__ = ["METHODS", "Stepper"]

_ALL_NOISE = tuple(NOISE.all())
_ALL_LEVY = tuple(LEVY.all())


class Stepper:
    """One method: its table row and its step. ``needs``: which Brownian statistics it uses."""

    name = ""
    sde_types: tuple = ()
    noise_types: tuple = _ALL_NOISE
    levy_areas: tuple = _ALL_LEVY
    needs_U = False
    needs_A = False
    needs_g = False  # needs the full diffusion matrix, not only products g·v
    adjoint_ok = True  # usable on the adjoint SDE (which offers products only)
    stateful = False  # carries extra solver state between steps

    def strong_order(self, noise_type: str) -> float:
        return 0.5 if noise_type == NOISE.general else 1.0

    def init_extra(self, term, t0, y0) -> tuple:
        return ()

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        raise NotImplementedError


class Euler(Stepper):
    """Euler–Maruyama (Itô): ``y + f dt + g dW``; strong order 0.5 (1.0 for additive noise)."""

    name, sde_types = "euler", (SDE_TYPES.ito,)

    def strong_order(self, noise_type):
        return 1.0 if noise_type == NOISE.additive else 0.5

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        f, gdw = term.f_and_g_prod(t0, y, dW)
        return y + f * dt + gdw, extra


class Milstein(Stepper):
    """Milstein: ``y + f dt + g dW + ½ Σ (∂g_k/∂y g_k)(dW_k² - dt)`` (Itô; ``dW_k²`` for Stratonovich),
    strong order 1.0 for commutative noise. ``grad_free``: the derivative replaced by the difference
    ``(g(y + f dt + g√dt) - g(y))/√dt`` (Kloeden & Platen 1992, §11.1), so no autograd is needed."""

    name, sde_types = "milstein", (SDE_TYPES.ito, SDE_TYPES.stratonovich)
    noise_types = (NOISE.additive, NOISE.diagonal, NOISE.scalar)

    needs_g = True  # the derivative term differentiates g itself (not needed for additive noise)

    def __init__(self, sde_type: str = SDE_TYPES.ito, grad_free: bool = False):
        self.ito = sde_type == SDE_TYPES.ito
        self.grad_free = grad_free
        self.adjoint_ok = not grad_free

    def strong_order(self, noise_type):
        return 1.0

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        v = dW * dW - dt if self.ito else dW * dW
        if self.grad_free and term.noise_type != NOISE.additive:
            f, g = term.f_and_g(t0, y)
            flat = g.squeeze(-1) if g.dim() == 3 else g
            sqrt_dt = dt ** 0.5
            y_shift = (y + f * dt if self.ito else y) + flat * sqrt_dt
            g_shift = term.g(t0, y_shift)
            return y + f * dt + term.prod(g, dW) + term.prod(g_shift - g, v) / (2 * sqrt_dt), extra
        f = term.f(t0, y)
        gdw, gdg = term.gdg_prod(t0, y, dW, 0.5 * v)
        return y + f * dt + gdw + gdg, extra


class SRK(Stepper):
    """Rößler's stochastic Runge–Kutta methods of strong order 1.5 (Itô): SRA1 for additive noise,
    SRI2W1 for diagonal and scalar noise. Every stage's drift and diffusion is evaluated once."""

    name, sde_types = "srk", (SDE_TYPES.ito,)
    noise_types = (NOISE.additive, NOISE.diagonal, NOISE.scalar)
    levy_areas = (LEVY.space_time, LEVY.davie, LEVY.foster)
    needs_U = True
    adjoint_ok = False

    def __init__(self, noise_type: str = NOISE.diagonal):
        self.tableau = SRA1 if noise_type == NOISE.additive else SRI2W1
        self.needs_g = noise_type != NOISE.additive
        tab = self.tableau
        later = range(tab.stages)
        # a stage's drift (diffusion) is needed if it enters the update or a later stage
        self.need_f = [tab.alpha[s] != 0 or any(tab.a0[j][s] != 0 or (tab.a1 and tab.a1[j][s] != 0)
                                               for j in later if j > s) for s in later]

    def strong_order(self, noise_type):
        return 1.5

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        if self.tableau.kind == "additive":
            return self._additive(term, t0, dt, y, dW, U), extra
        return self._diagonal(term, t0, dt, y, dW, U), extra

    def _diagonal(self, term, t0, dt, y0, dW, U):
        tab = self.tableau
        sqrt_dt = dt ** 0.5
        I_k0 = U / dt
        I_kk = (dW * dW - dt) * 0.5
        I_kkk = (dW * dW * dW - 3 * dt * dW) / 6
        fs, gs = [], []
        y1 = y0
        for s in range(tab.stages):
            H0, H1 = y0, y0
            for j in range(s):
                if tab.a0[s][j]:
                    H0 = H0 + (tab.a0[s][j] * dt) * fs[j]
                if tab.b0[s][j]:
                    H0 = H0 + tab.b0[s][j] * gs[j] * I_k0
                if tab.a1[s][j]:
                    H1 = H1 + (tab.a1[s][j] * dt) * fs[j]
                if tab.b1[s][j]:
                    H1 = H1 + (tab.b1[s][j] * sqrt_dt) * gs[j]
            f = term.f(t0 + tab.c0[s] * dt, H0) if self.need_f[s] else None
            g = term.g(t0 + tab.c1[s] * dt, H1)
            g_flat = g.squeeze(-1) if g.dim() == 3 else g
            fs.append(f)
            gs.append(g_flat)
            weight = tab.beta1[s] * dW + (tab.beta2[s] / sqrt_dt) * I_kk + tab.beta3[s] * I_k0 \
                + (tab.beta4[s] / dt) * I_kkk
            if tab.alpha[s]:
                y1 = y1 + (tab.alpha[s] * dt) * f
            y1 = y1 + term.prod(g, weight)
        return y1

    def _additive(self, term, t0, dt, y0, dW, U):
        tab = self.tableau
        I_k0 = U / dt
        cache = {}

        def g_prod(c, v):  # the diffusion does not depend on y; evaluate it once per time node
            if not term.has_g:
                return term.g_prod(t0 + c * dt, y0, v)
            if c not in cache:
                cache[c] = term.g(t0 + c * dt, y0)
            return term.prod(cache[c], v)

        fs = []
        y1 = y0
        for i in range(tab.stages):
            H0 = y0
            for j in range(i):
                if tab.a0[i][j]:
                    H0 = H0 + (tab.a0[i][j] * dt) * fs[j]
                if tab.b0[i][j]:
                    H0 = H0 + g_prod(tab.c1[j], tab.b0[i][j] * I_k0)
            f = term.f(t0 + tab.c0[i] * dt, H0)
            fs.append(f)
            y1 = y1 + (tab.alpha[i] * dt) * f + g_prod(tab.c1[i], tab.beta1[i] * dW + tab.beta2[i] * I_k0)
        return y1


class Heun(Stepper):
    """Stochastic Heun (Stratonovich), strong order 1.0 for commutative noise (Burrage, Burrage & Tian 2004)."""

    name, sde_types = "heun", (SDE_TYPES.stratonovich,)

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        f, gdw = term.f_and_g_prod(t0, y, dW)
        f1, gdw1 = term.f_and_g_prod(t1, y + f * dt + gdw, dW)
        return y + ((f + f1) * dt + gdw + gdw1) * 0.5, extra


class Midpoint(Stepper):
    """Explicit midpoint (Stratonovich): evaluate at ``y + ½(f dt + g dW)``, then take the full step."""

    name, sde_types = "midpoint", (SDE_TYPES.stratonovich,)

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        f, gdw = term.f_and_g_prod(t0, y, dW)
        f1, gdw1 = term.f_and_g_prod(t0 + 0.5 * dt, y + (f * dt + gdw) * 0.5, dW)
        return y + f1 * dt + gdw1, extra


class EulerHeun(Stepper):
    """Euler–Heun (Stratonovich): Euler in the drift, the trapezoidal rule in the diffusion."""

    name, sde_types = "euler_heun", (SDE_TYPES.stratonovich,)

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        f, gdw = term.f_and_g_prod(t0, y, dW)
        gdw1 = term.g_prod(t1, y + gdw, dW)
        return y + f * dt + (gdw + gdw1) * 0.5, extra


class LogODE(Stepper):
    """Log-ODE method (Stratonovich, any noise): the midpoint rule on the ODE driven by the step's
    increment and Lévy area, ``f dt + g dW + Σ (∂g_l/∂y) g_k A_kl`` (Lie–Trotter; Foster, Lyons &
    Oberhauser 2020); needs Davie's or Foster's Lévy-area approximation."""

    name, sde_types = "log_ode", (SDE_TYPES.stratonovich,)
    levy_areas = (LEVY.davie, LEVY.foster)
    needs_A = True
    needs_g = True
    adjoint_ok = False

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        f, gdw = term.f_and_g_prod(t0, y, dW)
        t_half = t0 + 0.5 * dt
        y_half = y + (f * dt + gdw) * 0.5
        f1, gdw1 = term.f_and_g_prod(t_half, y_half, dW)
        return y + f1 * dt + gdw1 + term.dg_ga(t_half, y_half, A), extra


class ReversibleHeun(Stepper):
    """Reversible Heun (Stratonovich; Kidger, Foster, Li & Lyons, NeurIPS 2021): algebraically
    reversible, so its adjoint reconstructs the forward states exactly and gives the exact gradient of
    the discrete solution. Extra state ``(f, g, z)``; strong order 0.5 (1.0 for additive noise)."""

    name, sde_types = "reversible_heun", (SDE_TYPES.stratonovich,)
    needs_g = True
    adjoint_ok = False
    stateful = True

    def strong_order(self, noise_type):
        return 1.0 if noise_type == NOISE.additive else 0.5

    def init_extra(self, term, t0, y0):
        f, g = term.f_and_g(t0, y0)
        return f, g, y0

    def step(self, term, t0, t1, dt, y, dW, U, A, extra):
        f0, g0, z0 = extra
        z1 = 2 * y - z0 + f0 * dt + term.prod(g0, dW)
        f1, g1 = term.f_and_g(t1, z1)
        y1 = y + (f0 + f1) * (0.5 * dt) + term.prod(g0 + g1, 0.5 * dW)
        return y1, (f1, g1, z1)


class _AdjointReversibleHeunMarker(Stepper):
    """Names the reversible adjoint; only valid as ``adjoint_method`` of ``reversible_heun``."""

    name, sde_types = "adjoint_reversible_heun", (SDE_TYPES.stratonovich,)


def make_stepper(method: str, sde_type: str, noise_type: str, options: dict) -> Stepper:
    if method == "milstein":
        return Milstein(sde_type, bool(options.get("grad_free", False)))
    if method == "srk":
        return SRK(noise_type)
    return METHODS[method]


METHODS = {
    "euler": Euler(), "milstein": Milstein(), "srk": SRK(), "heun": Heun(), "midpoint": Midpoint(),
    "euler_heun": EulerHeun(), "log_ode": LogODE(), "reversible_heun": ReversibleHeun(),
    "adjoint_reversible_heun": _AdjointReversibleHeunMarker(),
}
