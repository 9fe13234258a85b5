"""Compound-Poisson jumps: exact jump times, the Merton jump-diffusion mean against its closed form."""

import math

import pytest
import torch

from sciml import sdeint
from sciml.errors import InputError
from sciml.integrate.sde import CompoundPoisson

from .sde_problems import GBM


class Still(torch.nn.Module):
    noise_type, sde_type = "diagonal", "ito"

    def f(self, t, y):
        return torch.zeros_like(y)

    def g(self, t, y):
        return torch.zeros_like(y)


def test_jumps_happen_at_their_exact_times():
    """Jumping by the jump time itself: the state is the sum of the times, whatever the step."""
    n = 2000
    y0 = torch.zeros(n, 1, dtype=torch.float64)
    jumps = CompoundPoisson(rate=1.5, jump=lambda t, y, mark: t.expand_as(y), entropy=1)
    ys = [sdeint(Still(), y0, [0.0, 2.0], method="euler", dt=dt, jumps=jumps)[-1] for dt in (0.5, 0.01)]
    assert torch.allclose(ys[0], ys[1], atol=1e-12)
    # E Σ τ_i = λ ∫_0^T t dt = λ T² / 2
    assert abs(float(ys[0].mean()) - 1.5 * 2.0) < 4 * math.sqrt(1.5 * 8 / 3 / n)


@pytest.mark.parametrize("method", ["euler", "srk"])
def test_merton_jump_diffusion_mean(method):
    """dX = μX dt + σX dW, X → X e^Y at rate λ, Y ~ N(m, s²): E X_T = X_0 exp(μT + λT (e^{m + s²/2} - 1))."""
    mu, sigma, lam, m, s, n = 0.1, 0.2, 2.0, -0.1, 0.2, 8000
    jumps = CompoundPoisson(rate=lam, mark=torch.distributions.Normal(torch.tensor([m]), torch.tensor([s])),
                            jump=lambda t, y, mark: y * (torch.exp(mark) - 1), entropy=3)
    y0 = torch.ones(n, 1, dtype=torch.float64)
    with torch.no_grad():
        final = sdeint(GBM(mu=mu, sigma=sigma), y0, [0.0, 1.0], method=method, dt=0.02, jumps=jumps)[-1, :, 0]
    expected = math.exp(mu + lam * (math.exp(m + s * s / 2) - 1))
    assert abs(float(final.mean()) - expected) < 4 * float(final.std()) / math.sqrt(n)


def test_no_rate_no_jumps_and_bad_jump_terms():
    sde = GBM()
    y0 = torch.ones(3, 1, dtype=torch.float64)
    from sciml.integrate.brownian import BrownianInterval

    bm = BrownianInterval(0.0, 1.0, size=(3, 1), dtype=torch.float64, entropy=1)
    plain = sdeint(sde, y0, [0.0, 1.0], bm=bm, method="euler", dt=0.1)
    with_none = sdeint(sde, y0, [0.0, 1.0], bm=bm, method="euler", dt=0.1, jumps=CompoundPoisson(rate=0.0))
    assert torch.equal(plain, with_none)
    with pytest.raises(InputError) as err:
        CompoundPoisson(rate=-1.0)
    assert err.value.argument == "rate"
    with pytest.raises(InputError) as err:
        sdeint(sde, y0, [0.0, 1.0], method="milstein", adaptive=True, jumps=CompoundPoisson(rate=1.0))
    assert err.value.argument == "adaptive"
    with pytest.raises(InputError) as err:
        sdeint(sde, y0, [0.0, 1.0], method="euler", jumps=CompoundPoisson(rate=50.0, jump=lambda t, y, k: k[:, :0]))
    assert err.value.argument == "jump(t, y, mark)"
