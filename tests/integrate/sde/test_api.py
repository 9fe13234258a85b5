"""sdeint's interface: torchsde's shapes and conventions, and a clear InputError for each bad input."""

import warnings

import pytest
import torch

from sciml import sdeint
from sciml.errors import InputError, SolverError
from sciml.integrate.brownian import BrownianInterval

from .sde_problems import GBM, Neural


def y0(batch=4, d=3):
    return torch.full((batch, d), 0.5, dtype=torch.float64)


def test_shapes_logqp_extra_and_names():
    sde = Neural(d=3, m=2, noise_type="general", sde_type="ito")
    sde.prior = lambda t, y: -y
    ts = torch.linspace(0, 1, 5, dtype=torch.float64)
    assert sdeint(sde, y0(), ts, method="euler", dt=0.1).shape == (5, 4, 3)
    ys, log_ratio = sdeint(sde, y0(), ts, method="euler", dt=0.1, logqp=True, names={"prior_drift": "prior"})
    assert ys.shape == (5, 4, 3) and log_ratio.shape == (4, 4) and bool((log_ratio >= 0).all())
    strat = Neural(d=3, m=2, noise_type="general")
    ys, (f, g, z) = sdeint(strat, y0(), ts, method="reversible_heun", dt=0.1, extra=True)
    assert f.shape == (4, 3) and g.shape == (4, 3, 2) and z.shape == (4, 3)
    assert sdeint(strat, y0(), [0.0, 0.3], dt=0.1).shape == (2, 4, 3)  # a list of floats for ts


def test_outputs_land_on_the_requested_times():
    """Steps end at every output time (no interpolation): a zero-noise linear SDE gives Euler's exact products."""
    class Decay(torch.nn.Module):
        noise_type, sde_type = "diagonal", "ito"

        def f(self, t, y):
            return -y

        def g(self, t, y):
            return torch.zeros_like(y)

    ts = torch.tensor([0.0, 0.25, 0.55], dtype=torch.float64)
    ys = sdeint(Decay(), torch.ones(1, 1, dtype=torch.float64), ts, method="euler", dt=0.1)
    # [0, .25]: steps .1, .1, .05; [.25, .55]: .1, .1, .1
    expected = [1.0, 0.9 * 0.9 * 0.95, 0.9 * 0.9 * 0.95 * 0.9 ** 3]
    assert torch.allclose(ys[:, 0, 0], torch.tensor(expected, dtype=torch.float64), rtol=1e-12)


def test_same_brownian_motion_same_answer():
    sde = GBM()
    bm = BrownianInterval(0.0, 1.0, size=(4, 3), dtype=torch.float64, entropy=5)
    a = sdeint(sde, y0(), [0.0, 1.0], bm=bm, method="milstein", dt=0.01)
    b = sdeint(sde, y0(), [0.0, 1.0], bm=bm, method="milstein", dt=0.01)
    assert torch.equal(a, b)


def test_wrong_diffusion_shape_for_noise_type():
    sde = GBM()
    sde.noise_type = "general"  # g returns (batch, d), not (batch, d, m)
    with pytest.raises(InputError) as err:
        sdeint(sde, y0(), [0.0, 1.0], method="euler")
    assert err.value.argument == "sde.g(t, y)" and "general" in str(err.value)
    scalar = Neural(d=3, m=2, noise_type="general", sde_type="ito")
    scalar.noise_type = "scalar"
    with pytest.raises(InputError) as err:
        sdeint(scalar, y0(), [0.0, 1.0], method="euler")
    assert err.value.argument == "sde.g(t, y)" and "scalar" in str(err.value)


@pytest.mark.parametrize("method, noise, kind", [
    ("srk", "general", "ito"), ("milstein", "general", "ito"), ("midpoint", "diagonal", "ito"),
    ("euler", "diagonal", "stratonovich"), ("rk4", "diagonal", "ito")])
def test_method_not_supported_for_the_sde(method, noise, kind):
    m = 3 if noise == "diagonal" else 2
    sde = Neural(d=3, m=m, noise_type=noise, sde_type=kind)
    with pytest.raises(InputError) as err:
        sdeint(sde, y0(), [0.0, 1.0], method=method)
    assert err.value.argument == "method"


def test_ts_not_increasing_and_bm_of_the_wrong_size():
    sde = GBM()
    for ts in ([0.0, 1.0, 0.5], [0.0, 0.0], torch.tensor([[0.0, 1.0]])):
        with pytest.raises(InputError) as err:
            sdeint(sde, y0(), ts)
        assert err.value.argument == "ts"
    with pytest.raises(InputError) as err:
        sdeint(sde, y0(), torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True))
    assert err.value.argument == "ts"
    for size in ((4, 2), (5, 3), (4,)):
        bm = BrownianInterval(0.0, 1.0, size=size, dtype=torch.float64)
        with pytest.raises(InputError) as err:
            sdeint(sde, y0(), [0.0, 1.0], bm=bm, method="euler")
        assert err.value.argument == "bm"
    short = BrownianInterval(0.0, 0.5, size=(4, 3), dtype=torch.float64)
    with pytest.raises(InputError, match="covering ts"):
        sdeint(sde, y0(), [0.0, 1.0], bm=short, method="euler")
    no_area = BrownianInterval(0.0, 1.0, size=(4, 3), dtype=torch.float64)
    with pytest.raises(InputError, match="levy_area_approximation"):
        sdeint(sde, y0(), [0.0, 1.0], bm=no_area, method="srk")


@pytest.mark.parametrize("kwargs, argument", [
    ({"dt": 0.0}, "dt"), ({"dt": float("nan")}, "dt"), ({"rtol": -1.0}, "rtol"), ({"dt_min": 0}, "dt_min"),
    ({"options": {"grad_free": True}, "method": "euler"}, "options['grad_free']"),
    ({"names": {"drfit": "f"}}, "names['drfit']"), ({"adaptive": "yes"}, "adaptive"), ({"batch": "each"}, "batch"),
    ({"method": "srk", "bogus": 1}, "bogus"), ({"extra_solver_state": (torch.ones(1),), "method": "srk"},
                                               "extra_solver_state")])
def test_bad_arguments(kwargs, argument):
    with pytest.raises(InputError) as err:
        sdeint(GBM(), y0(), [0.0, 1.0], **kwargs)
    assert err.value.argument == argument


def test_bad_sde_and_state():
    class NoType:
        sde_type = "ito"

        def f(self, t, y):
            return y

    with pytest.raises(InputError) as err:
        sdeint(NoType(), y0(), [0.0, 1.0])
    assert err.value.argument == "sde.noise_type"
    sde = GBM()
    sde.sde_type = "ito-ish"
    with pytest.raises(InputError) as err:
        sdeint(sde, y0(), [0.0, 1.0])
    assert err.value.argument == "sde.sde_type"
    for bad in (torch.ones(3), torch.ones(2, 2, 2), torch.tensor([[float("nan")]]), [[1.0]]):
        with pytest.raises(InputError) as err:
            sdeint(GBM(), bad, [0.0, 1.0])
        assert err.value.argument == "y0"


def test_blow_up_raises_solver_error():
    class Explode(torch.nn.Module):
        noise_type, sde_type = "diagonal", "ito"

        def f(self, t, y):
            return y ** 3

        def g(self, t, y):
            return torch.zeros_like(y)

    with pytest.raises(SolverError):
        sdeint(Explode(), torch.full((1, 1), 10.0, dtype=torch.float64), [0.0, 1.0], method="euler", dt=0.1)


def test_adaptive_euler_warns_as_torchsde():
    with pytest.warns(UserWarning, match="not guaranteed"):
        sdeint(GBM(), y0(), [0.0, 0.2], method="euler", adaptive=True, dt=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sdeint(GBM(), y0(), [0.0, 0.2], method="milstein", adaptive=True, dt=0.05)


def test_independent_batch_gives_each_path_its_own_steps():
    """Ornstein–Uhlenbeck paths with rates 1 and 50: per-path adaptive steps follow each path's stiffness, and
    the moments match the closed form."""
    from .sde_problems import OU

    n = 400
    theta = torch.where(torch.arange(n) % 2 == 0, 1.0, 50.0)[:, None].double()
    sde = OU(theta=theta, mu=0.0, sigma=0.5)
    ys = sdeint(sde, torch.ones(n, 1, dtype=torch.float64), [0.0, 1.0], method="milstein", adaptive=True, dt=0.05,
                rtol=1e-2, atol=1e-2, batch="independent")
    for k, th in ((0, 1.0), (1, 50.0)):
        final = ys[-1, k::2, 0]
        var = 0.25 / (2 * th) * (1 - torch.exp(torch.tensor(-2 * th))).item()
        mean = torch.exp(torch.tensor(-th)).item()
        assert abs(float(final.mean()) - mean) < 4 * (var / (n // 2)) ** 0.5 + 0.02
    from sciml.integrate.sde import solve_sde

    sol = solve_sde(sde, torch.ones(n, 1, dtype=torch.float64), [0.0, 1.0], method="milstein", adaptive=True, dt=0.05,
                    rtol=1e-2, atol=1e-2, batch="independent")
    steps = sol.stats["n_steps"].float()
    assert float(steps[0::2].mean()) < 0.5 * float(steps[1::2].mean())
    assert sol.ys.shape == (2, n, 1) and bool((sol.status == 0).all())


def test_product_only_sdes():
    """An SDE defined by f_and_g_prod alone runs every method that needs no diffusion matrix; one that needs it
    is refused up front."""
    class ProdOnly(torch.nn.Module):
        noise_type, sde_type = "diagonal", "ito"

        def f_and_g_prod(self, t, y, v):
            return -y, 0.3 * y * v

    bm = BrownianInterval(0.0, 1.0, size=(4, 3), dtype=torch.float64, entropy=1, levy_area_approximation="space-time")
    ref = GBM(mu=-1.0, sigma=0.3)
    a = sdeint(ProdOnly(), y0(), [0.0, 1.0], bm=bm, method="euler", dt=0.1)
    b = sdeint(ref, y0(), [0.0, 1.0], bm=bm, method="euler", dt=0.1)
    assert torch.allclose(a, b, atol=1e-14)
    for method in ("milstein", "srk"):
        with pytest.raises(InputError) as err:
            sdeint(ProdOnly(), y0(), [0.0, 1.0], bm=bm, method=method, dt=0.1)
        assert err.value.argument == "sde"
    with pytest.raises(InputError) as err:
        sdeint(ProdOnly(), y0(), [0.0, 1.0], method="euler")  # the noise size cannot be inferred
    assert err.value.argument == "bm"
