"""Small networks and checks shared by the model tests."""

import io

import torch
from torch import nn

F64 = torch.float64


def mlp(n_in, n_out, hidden=16, act=nn.Tanh, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_in, hidden), act(), nn.Linear(hidden, n_out)).double()


def assert_every_parameter_has_a_gradient(model, exempt=()):
    missing = [name for name, p in model.named_parameters()
               if name not in exempt and (p.grad is None or not bool(p.grad.abs().sum() > 0))]
    assert not missing, f"no gradient reached {missing}"


def roundtrip(model, make):
    """Save ``model``'s state dict, load it with weights_only=True into ``make()``; return the new model."""
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    fresh = make()
    fresh.load_state_dict(torch.load(buf, weights_only=True))
    return fresh
