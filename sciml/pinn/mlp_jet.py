"""Forward-mode derivatives of a plain MLP with a hand-written reverse pass (the ``"fused"`` engine).

:mod:`sciml.pinn.jet` propagates a Taylor jet (value, first and second input derivatives)
through any network built from its operations and leaves the loss gradient to autograd,
which records every elementwise product of the chain rule as a node of its own. For the
plain fully connected network ``z_l = W_l h_{l-1} + b_l``, ``h_l = s(z_l)`` of Raissi,
Perdikaris & Karniadakis (2019) the jet and its adjoint are written out here instead:

- forward, per layer: one matmul for all channels stacked as a ``(C, N, w)`` tensor (value,
  ``m`` first derivatives, ``p`` second derivatives: the layout of the "forward Laplacian"
  of Li et al. 2023), then ``h = s(z)``, ``h_i = s'(z) z_i``, ``h_ab = s'(z) z_ab + s''(z) z_a z_b``;
- backward, per layer: the adjoint of those three formulas (it needs ``s'''``), then one
  matmul for the weight gradient and one for the gradient of the layer below, both over
  the stacked channels.

The matmul count is that of autograd through the jet; what goes is autograd's bookkeeping
and part of its elementwise work. The first layer's derivative channels are the constant
columns of its weight, so they cost no matmul.

``tanh`` is evaluated as ``tanh(z) = 2 sigmoid(2z) - 1`` with the factors and the shift
folded into the neighbouring layers' matmuls and biases: the network carries
``(h + 1) / 2`` (and half the derivative channels), and its activation is the sigmoid,
whose derivatives are short products of ``s`` and ``s (1 - s)`` and whose evaluation costs
half that of ``tanh`` on the CPU.

Only gradients with respect to the weights and biases are returned: the points must not
require grad (derivatives of order above two, taken by autograd from the second ones,
go through :mod:`sciml.pinn.jet`; :class:`sciml.pinn.derivatives.NetworkDerivatives`
falls back to it).
"""

from __future__ import annotations

from collections import OrderedDict

import torch

from sciml.errors import InputError

__all__ = ["fused_mlp_jet", "FUSED_ACTIVATIONS"]


#: free CPU scratch buffers by (shape, dtype), least recently used first (see _Lease)
_POOL: OrderedDict = OrderedDict()
_POOL_BYTES = [0]
_POOL_LIMIT = 256 * 2**20


class _Lease:
    """Scratch tensors taken from a pool and given back when the lease ends.

    Fresh CPU tensors of a megabyte come from the C allocator, which may hand freed memory back
    to the system at the end of a step, so that the next step pays a page fault per 4 KiB it
    writes (in a VM each costs microseconds). A forward pass keeps its lease in the autograd
    context, so that its buffers stay untouched until the graph is freed (backward may run
    several times with ``retain_graph=True``); a backward pass ends its own lease when it
    returns. The pool keeps at most ``_POOL_LIMIT`` bytes, dropping the shapes used least
    recently; devices other than the CPU have caching allocators and bypass it.
    """

    __slots__ = ("tensors",)

    def __init__(self):
        self.tensors = []

    def take(self, shape, like):
        if like.device.type != "cpu":
            return torch.empty(shape, dtype=like.dtype, device=like.device)
        key = (tuple(shape), like.dtype)
        free = _POOL.get(key)
        if free:
            t = free.pop()
            _POOL_BYTES[0] -= t.numel() * t.element_size()
        else:
            t = torch.empty(key[0], dtype=like.dtype)
        self.tensors.append(t)
        return t

    def end(self):
        for t in self.tensors:
            key = (tuple(t.shape), t.dtype)
            _POOL.setdefault(key, []).append(t)
            _POOL.move_to_end(key)
            _POOL_BYTES[0] += t.numel() * t.element_size()
        self.tensors = []
        while _POOL_BYTES[0] > _POOL_LIMIT and _POOL:
            _, dropped = _POOL.popitem(last=False)
            _POOL_BYTES[0] -= sum(t.numel() * t.element_size() for t in dropped)

    def __del__(self):
        try:
            self.end()
        except Exception:  # noqa: BLE001 - at interpreter shutdown the pool may be gone already
            pass


def _sigmoid(z, out, ws):
    s = torch.sigmoid(z, out=out)
    f1 = torch.addcmul(s, s, s, value=-1, out=ws.take(s.shape, s))  # s (1 - s)
    return s, f1, torch.addcmul(f1, s, f1, value=-2, out=ws.take(s.shape, s))  # s (1 - s) (1 - 2 s)


def _sigmoid3(s, f1, f2, ws):
    # the third derivative is f1 (1 - 6 f1), with f1 = s (1 - s)
    return torch.addcmul(f1, f1, f1, value=-6, out=ws.take(s.shape, s))


def _sin(z, out, ws):
    a = torch.sin(z, out=out)
    return a, torch.cos(z, out=ws.take(a.shape, a)), torch.neg(a, out=ws.take(a.shape, a))


def _sin3(a, f1, f2, ws):
    return torch.neg(f1, out=ws.take(a.shape, a))


#: name -> (alpha, beta, gamma, f, f3) with ``s(z) = beta f(alpha z) + gamma``: the network
#: runs on ``z~ = alpha z`` and carries ``h~ = (h - gamma) / beta``; ``f(z, out, ws)`` writes f
#: into ``out`` and returns ``(f, f', f'')``, ``f3`` gives ``f'''``.
FUSED_ACTIVATIONS = {"tanh": (2.0, 2.0, -1.0, _sigmoid, _sigmoid3), "sin": (1.0, 1.0, 0.0, _sin, _sin3)}


def _ones(n, like):
    key = (n, like.dtype, like.device)
    one = _ONES.get(key)
    if one is None:
        one = _ONES[key] = torch.ones(n, dtype=like.dtype, device=like.device)
    return one


_ONES: dict = {}


def _bias(W, b, alpha, gamma):
    """``alpha (b + gamma W 1)``: with ``z~ = alpha beta W h~ + this``, ``z~ = alpha (W h + b)`` for
    the carried input ``h~ = (h - gamma) / beta``."""
    if gamma:
        return torch.addmv(b, W, _ones(W.shape[1], W), beta=alpha, alpha=alpha * gamma)
    return b if alpha == 1 else b * alpha


def _mm(A, B, factor, out):
    """``factor A B`` into ``out`` (the factor is applied by the matmul itself)."""
    if factor == 1:
        return torch.mm(A, B, out=out)
    return torch.addmm(out, A, B, beta=0, alpha=factor, out=out)


def _activate_backward(f3_of, G, Z, m, pairs, f, products, ws):
    """The adjoint of a hidden layer's activation: the gradient at the (scaled) pre-activations
    from ``G`` at the carried outputs, written over ``G``. ``Z[c]`` is the pre-activation's
    channel c, ``products[q]`` the ``z_a z_b`` of pair q, ``f`` the activation's derivatives."""
    h, f1, f2 = f
    shape = h.shape
    Gc = G.unbind(0)
    # dL/dz = f' G_0 + f'' sum_c G_c z_c + f''' sum_q G_q z_a z_b (+ the first-order channels'
    # own terms), gathered before G is scaled in place
    t = torch.mul(Gc[1], Z[1], out=ws.take(shape, h))
    for c in range(2, len(Gc)):
        t.addcmul_(Gc[c], Z[c])
    cross = [(torch.mul(Gc[1 + m + q], f2, out=ws.take(shape, h)),
              torch.mul(Gc[1 + m + q], products[q], out=ws.take(shape, h))) for q in range(len(pairs))]
    G.mul_(f1)
    GZ0 = Gc[0]
    GZ0.addcmul_(f2, t)
    if pairs:
        f3 = f3_of(h, f1, f2, ws)
        for (i, j), (sg, gp) in zip(pairs, cross):
            GZ0.addcmul_(f3, gp)
            if i == j:
                Gc[1 + i].addcmul_(sg, Z[1 + i], value=2)
            else:
                Gc[1 + i].addcmul_(sg, Z[1 + j])
                Gc[1 + j].addcmul_(sg, Z[1 + i])
    return G


def _first_backward(f3_of, G, c, cc, m, pairs, f, ws):
    """Layer one's adjoint: ``(dL/dz~, dL/dc)``, ``c`` the constant first-derivative rows and
    ``cc`` their pair products (the carried ``h_i = f'(z~) c_i``, ``h_ab = f''(z~) c_a c_b``)."""
    h, f1, f2 = f
    Gc = G.unbind(0)
    t = torch.mul(Gc[1], c[0], out=ws.take(h.shape, h))
    for i in range(1, m):
        t.addcmul_(Gc[1 + i], c[i])
    gc = torch.mul(G[1:1 + m], f1, out=ws.take((m, *h.shape), h)).sum(1)
    u = None
    for q, (i, j) in enumerate(pairs):
        Gq = Gc[1 + m + q]
        sq = torch.mul(Gq, f2, out=ws.take(h.shape, h)).sum(0)
        if i == j:
            gc[i].addcmul_(sq, c[i], value=2)
        else:
            gc[i].addcmul_(sq, c[j])
            gc[j].addcmul_(sq, c[i])
        u = torch.mul(Gq, cc[q], out=ws.take(h.shape, h)) if u is None else u.addcmul_(Gq, cc[q])
    GZ0 = Gc[0].mul_(f1)
    GZ0.addcmul_(f2, t)
    if u is not None:
        GZ0.addcmul_(f3_of(h, f1, f2, ws), u)
    return GZ0, gc


class _FusedJet(torch.autograd.Function):
    @staticmethod
    def forward(ctx, activation, first, pairs, Xn, scale, *params):
        alpha, beta, gamma, f_of, _ = FUSED_ACTIVATIONS[activation]
        Ws, bs = params[0::2], params[1::2]
        m, p = len(first), len(pairs)
        C, N = 1 + m + p, Xn.shape[0]
        ws = _Lease()
        # layer one: z~ = alpha (W Xn + b); dz~/dX_i = alpha scale_i W[:, i], a constant row; no d2z
        every = first == tuple(range(Xn.shape[1]))
        W1T = Ws[0].T if every else Ws[0].T[list(first)]
        c = W1T * (scale if every else scale[list(first)]).mul(alpha).unsqueeze(1)  # (m, w)
        cc = torch.stack([c[i] * c[j] for i, j in pairs]) if pairs else None
        w = Ws[0].shape[0]
        z0 = torch.addmm(bs[0], Xn, Ws[0].T, beta=alpha, alpha=alpha, out=ws.take((N, w), Xn))
        H = ws.take((C, N, w), Xn)
        f = f_of(z0, H[0], ws)
        torch.mul(f[1], c.unsqueeze(1), out=H[1:1 + m])
        if p:
            torch.mul(f[2], cc.unsqueeze(1), out=H[1 + m:])
        saved, inputs = [(f, None)], [H]
        for W, b in zip(Ws[1:-1], bs[1:-1]):
            w = W.shape[0]
            Z = _mm(H.view(C * N, -1), W.T, alpha * beta, ws.take((C * N, w), Xn)).view(C, N, w)
            Zc = Z.unbind(0)
            Zc[0].add_(_bias(W, b, alpha, gamma))
            H = ws.take((C, N, w), Xn)
            f = f_of(Zc[0], H[0], ws)
            torch.mul(Z[1:], f[1], out=H[1:])
            products = []
            for q, (i, j) in enumerate(pairs):
                P = torch.mul(Zc[1 + i], Zc[1 + j], out=ws.take((N, w), Xn))
                H[1 + m + q].addcmul_(f[2], P)
                products.append(P)
            saved.append((f, (Zc, products)))
            inputs.append(H)
        out = Ws[-1].shape[0]
        H2 = H.view(C * N, -1)
        # one field: a matrix-vector product (the matmul with one column is several times slower)
        Y = torch.mv(H2, Ws[-1][0]) if out == 1 else torch.mm(H2, Ws[-1].T)
        if beta != 1:
            Y.mul_(beta)
        Y = Y.view(C, N, out)
        Y[0] += _bias(Ws[-1], bs[-1], 1.0, gamma)
        ctx.set_materialize_grads(False)
        ctx.activation, ctx.pairs, ctx.m, ctx.first, ctx.every = activation, pairs, m, first, every
        ctx.layers, ctx.inputs, ctx.lease = saved, inputs, ws
        ctx.save_for_backward(Xn, scale, c, cc, *Ws)
        # one output per (channel, field), so that autograd hands back only the gradients in use
        return tuple(Y.permute(0, 2, 1).reshape(-1, N).unbind(0)) if Y.shape[2] > 1 else tuple(Y[:, :, 0].unbind(0))

    @staticmethod
    def backward(ctx, *grads_out):
        ws = _Lease()
        try:
            return _FusedJet._backward(ctx, grads_out, ws)
        finally:
            ws.end()

    @staticmethod
    def _backward(ctx, grads_out, ws):
        alpha, beta, gamma, _, f3_of = FUSED_ACTIVATIONS[ctx.activation]
        Xn, scale, c, cc, *Ws = ctx.saved_tensors
        m, pairs = ctx.m, ctx.pairs
        H = ctx.inputs[-1]
        C, N = H.shape[0], H.shape[1]
        out = Ws[-1].shape[0]
        zero = None
        gys = []
        for g in grads_out:
            if g is None:
                zero = H.new_zeros(N) if zero is None else zero
                g = zero
            gys.append(g)
        GY = torch.stack(gys)
        GY = GY.view(C * N, 1) if out == 1 else GY.view(C, out, N).transpose(1, 2).reshape(C * N, out)
        n_layers = len(Ws)
        grads = [None] * (2 * n_layers)

        def weight_grads(k, GZ2, H2, aw, ab, gw):
            # z = aw W h + ab b + gw W 1  =>  dW = aw dL/dz^T h + gw (sum dL/dz0) 1^T, db = ab sum dL/dz0
            gb = GZ2[:N].sum(0)
            if gw:
                grads[2 * k] = torch.addmm(gb.unsqueeze(1).expand(-1, H2.shape[1]), GZ2.T, H2, beta=gw, alpha=aw)
            else:
                grads[2 * k] = torch.mm(GZ2.T, H2) if aw == 1 else torch.mm(GZ2.T, H2).mul_(aw)
            grads[2 * k + 1] = gb if ab == 1 else gb.mul_(ab)

        H2 = H.view(C * N, -1)
        if out == 1:  # matrix-vector and outer products rather than one-column matmuls
            gy = GY[:, 0]
            gb = gy[:N].sum(0, keepdim=True)
            grads[-2] = torch.mv(H2.T, gy).mul_(beta).add_(gb, alpha=gamma).unsqueeze(0)
            grads[-1] = gb
            G = torch.mul(GY, Ws[-1], out=ws.take(H2.shape, H))
            if beta != 1:
                G.mul_(beta)
            G = G.view(C, N, -1)
        else:
            weight_grads(n_layers - 1, GY, H2, beta, 1.0, gamma)
            G = _mm(GY, Ws[-1], beta, ws.take(H2.shape, H)).view(C, N, -1)
        for k in range(n_layers - 2, 0, -1):
            f, (Z, products) = ctx.layers[k]
            GZ2 = _activate_backward(f3_of, G, Z, m, pairs, f, products, ws).view(C * N, -1)
            weight_grads(k, GZ2, ctx.inputs[k - 1].view(C * N, -1), alpha * beta, alpha, alpha * gamma)
            G = _mm(GZ2, Ws[k], alpha * beta, ws.take((C * N, Ws[k].shape[1]), H)).view(C, N, -1)
        # layer one: z~ = alpha (W Xn + b), c_i = alpha scale_i W[:, i]
        GZ0, gc = _first_backward(f3_of, G, c, cc, m, pairs, ctx.layers[0][0], ws)
        gW = torch.mm(Xn.T, GZ0).T.mul_(alpha)
        sc = (scale if ctx.every else scale[list(ctx.first)]).mul(alpha).unsqueeze(1)
        gc = gc.mul_(sc).T
        if ctx.every:
            gW += gc
        else:
            gW[:, list(ctx.first)] += gc
        grads[0], grads[1] = gW, GZ0.sum(0).mul_(alpha)
        return (None, None, None, None, None, *grads)


def fused_mlp_jet(X, weights, biases, activation, first, pairs, shift=None, scale=None):
    """Value, first and second input derivatives of a plain MLP at the points ``X``.

    ``weights``/``biases``: the layers, head last (``h = s(W h + b)`` for all but the head);
    ``activation``: a key of :data:`FUSED_ACTIVATIONS`; ``first``: the input indices
    differentiated; ``pairs``: ``(i, j)`` positions into ``first``, one per second derivative;
    ``shift``/``scale``: the input normalisation ``(X - shift) * scale``. Returns a
    tuple of ``(1 + len(first) + len(pairs)) * outputs`` tensors of shape (N,), channel-major
    (value, first derivatives, second derivatives, each for every output), whose gradients
    reach ``weights`` and ``biases``, not ``X``.
    """
    if activation not in FUSED_ACTIVATIONS:
        raise InputError("activation", f"one of {', '.join(FUSED_ACTIVATIONS)}", repr(activation))
    if not isinstance(X, torch.Tensor) or X.ndim != 2:
        raise InputError("X", "a (N, d) tensor", getattr(X, "shape", type(X).__name__))
    if X.requires_grad:
        raise InputError("X", "points that do not require grad (input gradients go through sciml.pinn.jet)",
                         "X.requires_grad=True")
    if len(weights) != len(biases) or len(weights) < 2:
        raise InputError("weights", "as many weights as biases, at least two layers", (len(weights), len(biases)))
    d = X.shape[1]
    first = tuple(int(i) for i in first)
    pairs = tuple((int(i), int(j)) for i, j in pairs)
    if not first or len(set(first)) != len(first) or any(not 0 <= i < d for i in first):
        raise InputError("first", f"distinct input indices below {d}, at least one", first)
    if any(not (0 <= i < len(first) and 0 <= j < len(first)) for i, j in pairs):
        raise InputError("pairs", f"pairs of positions below {len(first)}", pairs)
    if scale is None:
        scale = X.new_ones(d)
    Xn = (X if shift is None else X - shift) * scale
    params = [t for wb in zip(weights, biases) for t in wb]
    return _FusedJet.apply(activation, first, pairs, Xn, scale, *params)
