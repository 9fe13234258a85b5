"""Networks for physics-informed training, each able to return its input derivatives.

- :class:`MLP`: the fully connected tanh network of Raissi, Perdikaris & Karniadakis (2019);
- :class:`FourierMLP`: an MLP on random Fourier features (Tancik et al. 2020; Wang, Wang &
  Perdikaris 2021) for multi-scale solutions;
- :class:`ModifiedMLP`: the modified MLP of Wang, Teng & Perdikaris (2021, "Understanding and
  mitigating gradient flow pathologies"), with two encoders gating every hidden layer.

Every network normalises its inputs to [-1, 1] over the domain's bounding box and
implements ``jet(X, first, pa, pb)`` (forward-mode derivatives, :mod:`sciml.pinn.jet`).
Any other ``torch.nn.Module`` mapping (N, d) to (N, fields) can be used too; its
derivatives are then taken by autograd.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sciml.errors import InputError
from sciml.pinn.jet import ACTIVATIONS, Jet, plain_activation

__all__ = ["MLP", "FourierMLP", "ModifiedMLP", "build_network", "NETWORKS"]


def _check_layers(hidden):
    if isinstance(hidden, int):
        raise InputError("hidden", "a sequence of layer widths, e.g. (64, 64, 64)", hidden)
    hidden = tuple(hidden)
    if not hidden or not all(isinstance(h, int) and h > 0 for h in hidden):
        raise InputError("hidden", "a non-empty sequence of positive layer widths", hidden)
    return hidden


def _check_activation(name):
    if name not in ACTIVATIONS:
        raise InputError("activation", f"one of {', '.join(ACTIVATIONS)}", repr(name))
    return name


class _Base(nn.Module):
    """Input normalisation and the ``spec`` used to rebuild the network from JSON."""

    def __init__(self, inputs, outputs):
        super().__init__()
        for name, v in (("inputs", inputs), ("outputs", outputs)):
            if not isinstance(v, int) or v < 1:
                raise InputError(name, "a positive integer", v)
        self.inputs, self.outputs = inputs, outputs
        self.register_buffer("shift", torch.zeros(inputs))
        self.register_buffer("scale", torch.ones(inputs))

    def set_bounds(self, low, high):
        """Map the box [low, high] onto [-1, 1] before the first layer."""
        low = torch.as_tensor(low, dtype=self.shift.dtype)
        high = torch.as_tensor(high, dtype=self.shift.dtype)
        self.shift.copy_((low + high) / 2)
        self.scale.copy_(2 / (high - low))
        return self

    def normalise(self, X):
        return (X - self.shift) * self.scale

    def spec(self) -> dict:
        return {"type": type(self).__name__, **self._spec()}


def _linear(a, b):
    layer = nn.Linear(a, b)
    nn.init.xavier_normal_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class MLP(_Base):
    """``MLP(inputs, outputs, hidden=(64, 64, 64), activation="tanh")``, Xavier-initialised."""

    def __init__(self, inputs, outputs, hidden=(64, 64, 64), activation="tanh"):
        super().__init__(inputs, outputs)
        self.hidden = _check_layers(hidden)
        self.activation = _check_activation(activation)
        widths = (inputs, *self.hidden)
        self.layers = nn.ModuleList(_linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.head = _linear(widths[-1], outputs)

    def _spec(self):
        return {"inputs": self.inputs, "outputs": self.outputs, "hidden": list(self.hidden),
                "activation": self.activation}

    def features(self, X):
        return self.normalise(X)

    def forward(self, X):
        act = plain_activation(self.activation)
        h = self.features(X)
        for layer in self.layers:
            h = act(layer(h))
        return self.head(h)

    def feature_jet(self, X, first, pa, pb):
        return None  # plain coordinates: the first layer takes the shortcut

    def plain_layers(self):
        """``(weights, biases, activation)``, head included, when this is the plain MLP on the normalised
        coordinates (so that :mod:`sciml.pinn.mlp_jet` may take its derivatives); None for subclasses
        that change the features or the forward pass."""
        cls = type(self)
        if cls.features is not MLP.features or cls.forward is not MLP.forward or cls.jet is not MLP.jet:
            return None
        layers = [*self.layers, self.head]
        return [layer.weight for layer in layers], [layer.bias for layer in layers], self.activation

    def jet(self, X, first, pa, pb):
        layers = list(self.layers)
        h = self.feature_jet(X, first, pa, pb)
        if h is None:
            h = Jet.input_layer(self.normalise(X), layers[0].weight, layers[0].bias, first, pa, pb,
                                self.scale)
            layers = layers[1:]
            h = h.activate(self.activation)
        for layer in layers:
            h = h.linear(layer.weight, layer.bias).activate(self.activation)
        return h.linear(self.head.weight, self.head.bias)


class FourierMLP(MLP):
    """An MLP on random Fourier features ``[cos(2 pi B x), sin(2 pi B x)]``, B ~ N(0, sigma^2).

    ``features`` is the number of frequencies; ``sigma`` sets their spread (large sigma for
    fine-scale solutions).
    """

    def __init__(self, inputs, outputs, hidden=(64, 64, 64), activation="tanh", features=64, sigma=1.0):
        if not isinstance(features, int) or features < 1:
            raise InputError("features", "a positive integer", features)
        if not sigma > 0:
            raise InputError("sigma", "a positive number", sigma)
        _Base.__init__(self, inputs, outputs)
        self.hidden = _check_layers(hidden)
        self.activation = _check_activation(activation)
        self.n_features, self.sigma = features, float(sigma)
        self.register_buffer("B", torch.randn(inputs, features) * sigma)
        widths = (2 * features, *self.hidden)
        self.layers = nn.ModuleList(_linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.head = _linear(widths[-1], outputs)

    def _spec(self):
        return {**super()._spec(), "features": self.n_features, "sigma": self.sigma}

    def features(self, X):
        z = 2 * math.pi * self.normalise(X) @ self.B
        return torch.cat([torch.cos(z), torch.sin(z)], dim=1)

    def feature_jet(self, X, first, pa, pb):
        z = Jet.input_layer(self.normalise(X), (2 * math.pi * self.B).T, None, first, pa, pb, self.scale)
        c, s = torch.cos(z.value), torch.sin(z.value)
        return Jet.concat([z.map(c, -s, -c), z.map(s, c, -s)])


class ModifiedMLP(_Base):
    """The modified MLP of Wang, Teng & Perdikaris (2021):
    ``U = s(X Wu), V = s(X Wv), H1 = s(X W1)``, ``Z_k = s(H_k W_k)``, ``H_{k+1} = (1 - Z_k) U + Z_k V``.
    """

    def __init__(self, inputs, outputs, hidden=(64, 64, 64), activation="tanh"):
        super().__init__(inputs, outputs)
        self.hidden = _check_layers(hidden)
        if len(set(self.hidden)) != 1:
            raise InputError("hidden", "equal widths for the modified MLP", self.hidden)
        self.activation = _check_activation(activation)
        w = self.hidden[0]
        self.encoder_u = _linear(inputs, w)
        self.encoder_v = _linear(inputs, w)
        self.first = _linear(inputs, w)
        self.layers = nn.ModuleList(_linear(w, w) for _ in self.hidden[1:])
        self.head = _linear(w, outputs)

    def _spec(self):
        return {"inputs": self.inputs, "outputs": self.outputs, "hidden": list(self.hidden),
                "activation": self.activation}

    def forward(self, X):
        act = plain_activation(self.activation)
        Xn = self.normalise(X)
        U, V = act(self.encoder_u(Xn)), act(self.encoder_v(Xn))
        H = act(self.first(Xn))
        for layer in self.layers:
            Z = act(layer(H))
            H = U + Z * (V - U)
        return self.head(H)

    def jet(self, X, first, pa, pb):
        Xn = self.normalise(X)

        def enc(layer):
            return Jet.input_layer(Xn, layer.weight, layer.bias, first, pa, pb, self.scale).activate(
                self.activation)

        U, V, H = enc(self.encoder_u), enc(self.encoder_v), enc(self.first)
        VU = V - U
        for layer in self.layers:
            Z = H.linear(layer.weight, layer.bias).activate(self.activation)
            H = U + Z * VU
        return H.linear(self.head.weight, self.head.bias)


NETWORKS = {"MLP": MLP, "FourierMLP": FourierMLP, "ModifiedMLP": ModifiedMLP}


def build_network(spec: dict) -> nn.Module:
    """Rebuild a network from its :meth:`spec` (as stored in a saved result's JSON)."""
    if not isinstance(spec, dict) or spec.get("type") not in NETWORKS:
        raise InputError("network spec", f"a dict with type among {', '.join(NETWORKS)}", repr(spec))
    kwargs = {k: v for k, v in spec.items() if k != "type"}
    return NETWORKS[spec["type"]](**kwargs)
