"""SDEs with known solutions for the SDE tests (float64)."""

import math

import torch


class GBM(torch.nn.Module):
    """dX = mu X dt + sigma X dW (Itô), or its Stratonovich form; X_t = X_0 exp((mu - sigma²/2) t + sigma W_t)."""

    noise_type = "diagonal"

    def __init__(self, mu=0.5, sigma=0.8, sde_type="ito"):
        super().__init__()
        self.sde_type = sde_type
        self.mu = torch.nn.Parameter(torch.tensor(mu, dtype=torch.float64))
        self.sigma = torch.nn.Parameter(torch.tensor(sigma, dtype=torch.float64))

    def f(self, t, y):
        if self.sde_type == "ito":
            return self.mu * y
        return (self.mu - 0.5 * self.sigma ** 2) * y

    def g(self, t, y):
        return self.sigma * y

    def exact(self, y0, t, W):
        return y0 * torch.exp((self.mu - 0.5 * self.sigma ** 2) * t + self.sigma * W)


class ScalarGBM(GBM):
    """GBM as a scalar-noise SDE: g of shape (batch, d, 1)."""

    noise_type = "scalar"

    def g(self, t, y):
        return (self.sigma * y).unsqueeze(-1)


class Additive(torch.nn.Module):
    """Rackauckas & Nie's additive-noise example: dX = (b/√(1+t) - X/(2(1+t))) dt + a b/√(1+t) dW,
    X_t = X_0/√(1+t) + b (t + a W_t)/√(1+t)."""

    noise_type = "additive"
    sde_type = "ito"

    def __init__(self, a=0.5, b=0.8):
        super().__init__()
        self.a, self.b = a, b

    def f(self, t, y):
        return self.b / torch.sqrt(1 + t) - y / (2 * (1 + t))

    def g(self, t, y):
        return (self.a * self.b / torch.sqrt(1 + t)).expand(y.shape[0], y.shape[1], 1)

    def exact(self, y0, t, W):
        return y0 / math.sqrt(1 + t) + self.b * (t + self.a * W) / math.sqrt(1 + t)


class OU(torch.nn.Module):
    """dX = theta (mu - X) dt + sigma dW: E X_t = mu + (x0 - mu) e^{-θt}, Var X_t = σ²/(2θ) (1 - e^{-2θt})."""

    noise_type = "diagonal"
    sde_type = "ito"

    def __init__(self, theta=1.5, mu=0.3, sigma=0.6):
        super().__init__()
        self.theta, self.mu, self.sigma = theta, mu, sigma

    def f(self, t, y):
        return self.theta * (self.mu - y)

    def g(self, t, y):
        return torch.full_like(y, self.sigma)

    def moments(self, x0, t):
        mean = self.mu + (x0 - self.mu) * math.exp(-self.theta * t)
        var = self.sigma ** 2 / (2 * self.theta) * (1 - math.exp(-2 * self.theta * t))
        return mean, var


class Neural(torch.nn.Module):
    """A small neural SDE of any noise type (Stratonovich unless told). Its diagonal diffusion is element-wise
    (``g_i`` depends on ``y_i`` only), as diagonal noise requires (torchsde's convention)."""

    def __init__(self, d=3, m=2, noise_type="diagonal", sde_type="stratonovich", seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.noise_type, self.sde_type, self.d, self.m = noise_type, sde_type, d, m
        out = {"diagonal": d, "scalar": d, "general": d * m, "additive": d * m}[noise_type]
        self.drift = torch.nn.Sequential(torch.nn.Linear(d + 1, 16), torch.nn.Tanh(), torch.nn.Linear(16, d)).double()
        self.diffusion = torch.nn.Sequential(torch.nn.Linear(d + 1, 16), torch.nn.Tanh(), torch.nn.Linear(16, out),
                                             torch.nn.Sigmoid()).double()
        self.scale = torch.nn.Parameter(torch.randn(d, dtype=torch.float64))
        self.shift = torch.nn.Parameter(torch.randn(d, dtype=torch.float64))
        self.bias = torch.nn.Parameter(torch.randn(d, dtype=torch.float64))

    def _ty(self, t, y):
        return torch.cat([t.expand(y.shape[0], 1), y], dim=1)

    def f(self, t, y):
        return self.drift(self._ty(t, y))

    def g(self, t, y):
        if self.noise_type == "diagonal":
            return 0.3 * torch.sigmoid(self.scale * y + self.shift * t + self.bias)
        if self.noise_type == "additive":
            out = self.diffusion(self._ty(t, torch.zeros_like(y)))
        else:
            out = self.diffusion(self._ty(t, y))
        out = 0.3 * out
        if self.noise_type == "diagonal":
            return out
        if self.noise_type == "scalar":
            return out.unsqueeze(-1)
        return out.view(y.shape[0], self.d, self.m)
