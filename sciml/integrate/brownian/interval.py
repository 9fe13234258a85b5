"""Brownian motion on an interval, queried on any subinterval in any order with consistent answers.

The interval ``[t0, t1]`` is a tree: a node is a subinterval whose increment ``W`` (and space-time
Lévy area ``H``) is known; splitting it at points ``c_1 < … < c_{k-1}`` samples the ``k`` children
jointly, *conditioned* on the node's own values, from one seed that the node's position in the tree
determines. Conditioning Gaussians on linear constraints is one regression: draw the children
unconditioned (``W_k ~ N(0, h_k)``, ``H_k ~ N(0, h_k/12)``, independent), then add
``Cov(X, S) Cov(S)⁻¹ (s - S)`` where ``S = (ΣW_k, H_total)`` are the parent's values recomputed
from the draws (``Cov(S) = diag(h, h/12)``). For ``k = 2`` this is the Brownian bridge and the
bridge for ``H`` of Foster, Lyons & Oberhauser (2020); for a solver's whole step grid it samples
every increment in one ``randn`` call instead of one bridge per step. A node's children are
recomputed from its seed when they drop out of the LRU cache (``cache_size``), so memory stays
bounded and the same query always gets the same answer.

Semantics follow torchsde's ``BrownianInterval`` (Kidger, Foster, Li & Lyons, "Efficient and
accurate gradients for neural SDEs", NeurIPS 2021): ``entropy`` seeds the whole path; with
``halfway_tree=True`` the tree is the dyadic one, so the path depends on ``entropy`` alone (not on
the order of queries); ``tol`` rounds query times; ``dt`` (or the average of the first queries)
shapes a shallow dependency tree so that sequential queries stay cheap in both directions.
"""

from __future__ import annotations

import math
import warnings
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from numbers import Real

import numpy as np
import torch

from sciml.errors import InputError
from sciml.integrate.brownian.base import LEVY_AREA_APPROXIMATIONS, OwnBrownian, mix_seed, random_entropy
from sciml.integrate.brownian.levy import combine, conditional_split, h_to_u, levy_area

__all__ = ["BrownianInterval"]

_WARMUP = 100  # queries before the dependency tree is shaped from their average length (as torchsde)


class _Node:
    """A subinterval; ``cuts`` (its children's boundaries) once split, ``kids`` the children split further."""

    __slots__ = ("start", "end", "parent", "index", "seed", "cuts", "cuts_np", "kids")

    def __init__(self, start: float, end: float, parent, index: int, seed: int):
        self.start = start
        self.end = end
        self.parent = parent
        self.index = index
        self.seed = seed
        self.cuts = None
        self.cuts_np = None
        self.kids = None


class _Block:
    """The sampled children of one node: increments, space-time areas and Lévy-area noise, stacked."""

    __slots__ = ("W", "H", "noise", "lengths")

    def __init__(self, W, H, noise, lengths):
        self.W, self.H, self.noise, self.lengths = W, H, noise, lengths


class _LRU(OrderedDict):
    def __init__(self, size):
        super().__init__()
        self.max_size = size

    def get(self, key):
        value = super().get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key, value):
        if self.max_size == 0:
            return
        self[key] = value
        if self.max_size is not None and len(self) > self.max_size:
            self.popitem(last=False)


def _is_scalar(x) -> bool:
    return (isinstance(x, Real) and not isinstance(x, bool)) or (isinstance(x, torch.Tensor) and x.numel() == 1)


class BrownianInterval(OwnBrownian):
    """Brownian motion on ``[t0, t1]`` (torchsde's signature and semantics).

    ``size``: the shape of one sample: ``()`` a scalar motion, ``(B,)`` a batch of scalar motions,
    ``(B, m)`` (or more leading batch dimensions) ``m``-dimensional motions. ``levy_area_approximation``
    ∈ ``none`` / ``space-time`` / ``davie`` / ``foster`` says what queries may return besides the
    increment (``return_U``: space-time; ``return_A``: Davie or Foster). ``entropy`` seeds the path
    (default: drawn from numpy's global generator, as torchsde). ``W``/``H``: the increment and
    space-time area over the whole interval, if known. ``cache_size``: nodes whose children are
    kept (``None``: all; ``0``: none). ``pool_size`` is accepted for compatibility and unused.
    """

    def __init__(self, t0=0.0, t1=1.0, size=None, dtype=None, device=None, entropy=None, dt=None, tol=0.0,
                 pool_size: int = 8, cache_size: int | None = 45, halfway_tree: bool = False,
                 levy_area_approximation: str = "none", W=None, H=None):
        for name, v in (("t0", t0), ("t1", t1)):
            if not _is_scalar(v):
                raise InputError(name, "a float or a 0-dim tensor", type(v).__name__)
        t0, t1 = float(t0), float(t1)
        if not (math.isfinite(t0) and math.isfinite(t1)) or t0 > t1:
            raise InputError("t1", f"a finite time no smaller than t0={t0}", t1)
        if dt is not None:
            if not _is_scalar(dt) or not float(dt) > 0:
                raise InputError("dt", "a positive float or None", dt)
            dt = float(dt)
        if not isinstance(tol, Real) or tol < 0 or not math.isfinite(tol):
            raise InputError("tol", "a non-negative float", tol)
        if halfway_tree:
            if tol <= 0:
                raise InputError("tol", "a positive tolerance with halfway_tree=True", tol)
            if dt is not None:
                raise InputError("dt", "None with halfway_tree=True (the tree is the dyadic one)", dt)
        if levy_area_approximation not in LEVY_AREA_APPROXIMATIONS:
            raise InputError("levy_area_approximation", f"one of {', '.join(LEVY_AREA_APPROXIMATIONS)}",
                             repr(levy_area_approximation))
        if cache_size is not None and (isinstance(cache_size, bool) or not isinstance(cache_size, int)
                                       or cache_size < 0):
            raise InputError("cache_size", "None or a non-negative integer", repr(cache_size))
        if entropy is None:
            entropy = random_entropy()
        elif isinstance(entropy, bool) or not isinstance(entropy, (int, np.integer)):
            raise InputError("entropy", "an integer seed or None", type(entropy).__name__)
        size, dtype, device = _tensor_info(W, H, size, dtype, device)

        self._size = size
        self._dtype = dtype
        self._device = device
        self._entropy = int(entropy)
        self._levy_area_approximation = levy_area_approximation
        self._dt = dt
        self._tol = float(tol)
        self._pool_size = pool_size
        self._cache_size = cache_size
        self._halfway_tree = bool(halfway_tree)
        self._have_H = levy_area_approximation != "none"
        self._have_A = levy_area_approximation in ("davie", "foster")
        self._batch_only = len(size) < 2  # no channel dimension: the Lévy area is zero
        self._ndigits = None if tol == 0 else -int(math.log10(tol))
        self._cache = _LRU(cache_size)
        self._generator = torch.Generator(device=device)

        t0, t1 = self._round(t0), self._round(t1)
        self._root = _Node(t0, t1, None, 0, mix_seed(self._entropy, 0))
        self._last = self._root
        g = self._generator
        g.manual_seed(mix_seed(self._entropy, 1))
        if W is None:
            W = torch.randn(size, generator=g, dtype=dtype, device=device) * math.sqrt(t1 - t0)
        if self._have_H:
            g.manual_seed(mix_seed(self._entropy, 2))
            if H is None:
                H = torch.randn(size, generator=g, dtype=dtype, device=device) * math.sqrt((t1 - t0) / 12)
        else:
            H = None
        self._root_value = (W, H)
        self._n_queries = -_WARMUP
        self._mean_dt = 0.0
        self._tree_dt = t1 - t0
        if dt is not None and not halfway_tree:
            self._shape_tree(dt)

    # ------------------------------------------------------------------ public protocol
    def __call__(self, ta, tb=None, return_U: bool = False, return_A: bool = False):
        if tb is None:
            warnings.warn(f"{type(self).__name__} is optimised for interval-based queries, not point evaluation.",
                          stacklevel=2)
            ta, tb = self._root.start, ta
        ta, tb = self._clamp(float(ta), "ta"), self._clamp(float(tb), "tb")
        if ta > tb:
            raise InputError("ta, tb", "ta <= tb", f"ta={ta}, tb={tb}")
        if ta == tb:
            W, H, A = self._zeros()
        else:
            self._observe(tb - ta)
            W, H, A = self._query(ta, tb)
        return self._pack(W, H, A, tb - ta, return_U, return_A)

    def increments(self, times, return_U: bool = False, return_A: bool = False):
        """Increments (and ``U``, ``A`` if asked) over every cell of the increasing grid ``times``, stacked:
        one joint sample for all the new cells instead of one bridge per step."""
        times = [self._clamp(float(t), "times") for t in times]
        if any(b <= a for a, b in zip(times[:-1], times[1:])):
            raise InputError("times", "strictly increasing times inside the interval", "repeated or unordered times")
        self._check_need(return_U, return_A)
        if self._halfway_tree:  # the dyadic tree cannot take a k-way split; query cell by cell
            out = [self._query(a, b) for a, b in zip(times[:-1], times[1:])]
            W = torch.stack([o[0] for o in out])
            H = torch.stack([o[1] for o in out]) if self._have_H else None
            A = torch.stack([o[2] for o in out]) if self._have_A else None
        else:
            self._insert(self._root, times)
            W, H, A = self._collect(self._root, times)
        if not return_U:
            return W, None, A if return_A else None
        lengths = torch.tensor(np.diff(times), dtype=self._dtype, device=self._device)
        lengths = lengths.view(-1, *([1] * len(self._size)))
        return W, h_to_u(W, H, lengths), A if return_A else None

    # ------------------------------------------------------------------ tree
    def _round(self, x: float) -> float:
        return x if self._ndigits is None else round(x, self._ndigits)

    def _clamp(self, t: float, name: str) -> float:
        start, end = self._root.start, self._root.end
        if t < start:
            warnings.warn(f"Should have {name}>=t0 but got {name}={t} and t0={start}.", stacklevel=3)
            t = start
        elif t > end:
            warnings.warn(f"Should have {name}<=t1 but got {name}={t} and t1={end}.", stacklevel=3)
            t = end
        return self._round(t)

    def _check_need(self, return_U, return_A):
        if return_U and not self._have_H:
            raise InputError("levy_area_approximation", "'space-time', 'davie' or 'foster' to return U",
                             repr(self._levy_area_approximation))
        if return_A and not self._have_A:
            raise InputError("levy_area_approximation", "'davie' or 'foster' to return A",
                             repr(self._levy_area_approximation))

    def _query(self, ta: float, tb: float):
        node = self._last
        while node.parent is not None and not (node.start <= ta and tb <= node.end):
            node = node.parent
        if self._halfway_tree:
            for t in (ta, tb):
                self._insert_dyadic(node, t)
        else:
            self._insert(node, [ta, tb])
        runs = self._atoms(node, [ta, tb])
        pieces = []
        for run in runs:
            pieces.extend(self._run_pieces(run))
        last = runs[-1][0]
        self._last = last if last is not None else self._root
        return combine(pieces, ta, tb, self._have_H, self._have_A, self._batch_only)

    def _child(self, node: _Node, i: int) -> _Node:
        kid = node.kids.get(i)
        if kid is None:
            kid = _Node(node.cuts[i], node.cuts[i + 1], node, i, mix_seed(node.seed, i + 3))
            node.kids[i] = kid
        return kid

    def _split(self, node: _Node, points) -> None:
        node.cuts = [node.start, *points, node.end]
        node.cuts_np = np.asarray(node.cuts)
        node.kids = {}

    def _insert(self, top: _Node, points) -> None:
        """Make every point (inside ``top``) a node boundary; a leaf takes all its points in one k-way split."""
        stack = [(top, [p for p in points if top.start < p < top.end])]
        while stack:
            node, pts = stack.pop()
            if not pts:
                continue
            if node.cuts is None:
                self._split(node, pts)
                continue
            cuts = node.cuts
            idx = np.searchsorted(node.cuts_np, pts, side="right") - 1
            groups = {}
            for p, i in zip(pts, idx.tolist()):
                if cuts[i] != p:
                    groups.setdefault(i, []).append(p)
            for i, group in groups.items():
                stack.append((self._child(node, i), group))

    def _insert_dyadic(self, node: _Node, t: float) -> None:
        """Halfway tree: split at (rounded) midpoints until ``t`` is a boundary."""
        while node.start < t < node.end:
            if node.cuts is None:
                self._split(node, [self._round(0.5 * (node.start + node.end))])
            i = bisect_right(node.cuts, t) - 1
            if node.cuts[i] == t:
                return
            node = self._child(node, i)

    def _atoms(self, top: _Node, times):
        """The coarsest nodes covering ``[times[0], times[-1]]`` that no grid point cuts, as ordered runs
        ``(parent, i0, i1)`` of consecutive children (``(None, 0, 1)``: the whole interval)."""
        lo, hi = times[0], times[-1]
        t_np = np.asarray(times)
        if len(times) == 2 and top.start == lo and top.end == hi:  # a node asked for exactly: its own value
            if top.parent is None:
                return [(None, 0, 1)]
            return [(top.parent, top.index, top.index + 1)]
        runs = []
        stack = [top]
        while stack:
            item = stack.pop()
            if isinstance(item, tuple):
                runs.append(item)
                continue
            node = item
            cuts = node.cuts
            i_a = max(0, bisect_right(cuts, lo) - 1)
            i_b = min(len(cuts) - 2, bisect_left(cuts, hi) - 1)
            left = node.cuts_np[i_a:i_b + 1]
            right = node.cuts_np[i_a + 1:i_b + 2]
            inner = (np.searchsorted(t_np, right, side="left") - np.searchsorted(t_np, left, side="right")) > 0
            items = []
            run_start = None
            for j, cut_inside in enumerate(inner.tolist()):
                i = i_a + j
                if cut_inside:
                    if run_start is not None:
                        items.append((node, run_start, i))
                        run_start = None
                    items.append(self._child(node, i))
                elif run_start is None:
                    run_start = i
            if run_start is not None:
                items.append((node, run_start, i_b + 1))
            stack.extend(reversed(items))
        return runs

    # ------------------------------------------------------------------ values
    def _block(self, node: _Node) -> _Block:
        block = self._cache.get(node)
        if block is not None:
            return block
        chain = [node]
        parent_block = None
        while chain[-1].parent is not None:
            parent_block = self._cache.get(chain[-1].parent)
            if parent_block is not None:
                break
            chain.append(chain[-1].parent)
        for n in reversed(chain):
            if n.parent is None:
                W, H = self._root_value
            else:
                W = parent_block.W[n.index]
                H = None if parent_block.H is None else parent_block.H[n.index]
            parent_block = self._sample_children(n, W, H)
            self._cache.put(n, parent_block)
        return parent_block

    def _sample_children(self, node: _Node, W, H) -> _Block:
        cuts = node.cuts_np
        k = len(cuts) - 1
        h = node.end - node.start
        expand = (k, *([1] * len(self._size)))
        lengths_np = np.diff(cuts)
        lengths = torch.tensor(lengths_np, dtype=self._dtype, device=self._device).view(expand)
        g = self._generator
        g.manual_seed(node.seed)
        Z = torch.randn((2 if self._have_H else 1, k, *self._size), generator=g, dtype=self._dtype,
                        device=self._device)
        offsets = None
        if self._have_H:
            mids = 0.5 * (cuts[1:] + cuts[:-1])
            offsets = torch.tensor((0.5 * (node.start + node.end) - mids) / h, dtype=self._dtype,
                                   device=self._device).view(expand)
        Wk, Hk = conditional_split(W, H, lengths, offsets, h, Z)
        noise = None
        if self._have_A and not self._batch_only:
            g.manual_seed(mix_seed(node.seed, 1))
            noise = torch.randn((k, *self._size, self._size[-1]), generator=g, dtype=self._dtype,
                                device=self._device)
        return _Block(Wk, Hk, noise, lengths)

    def _root_pieces(self):
        W, H = self._root_value
        A = None
        if self._have_A:
            noise = None
            if not self._batch_only:
                self._generator.manual_seed(mix_seed(self._entropy, 3))
                noise = torch.randn((*self._size, self._size[-1]), generator=self._generator, dtype=self._dtype,
                                    device=self._device)
            A = levy_area(W, H, self._root.end - self._root.start, noise, self._levy_area_approximation,
                          self._batch_only)
        return [(W, H, A, self._root.start, self._root.end)]

    def _run_values(self, run):
        """Stacked ``(W, H, A)`` of the children ``i0:i1`` of a run."""
        node, i0, i1 = run
        block = self._block(node)
        W = block.W[i0:i1]
        H = None if block.H is None else block.H[i0:i1]
        A = None
        if self._have_A:
            lengths = block.lengths[i0:i1].unsqueeze(-1)
            A = levy_area(W, H, lengths, None if block.noise is None else block.noise[i0:i1],
                          self._levy_area_approximation, self._batch_only)
        return W, H, A

    def _run_pieces(self, run):
        if run[0] is None:
            return self._root_pieces()
        node, i0, i1 = run
        W, H, A = self._run_values(run)
        cuts = node.cuts
        return [(W[j], None if H is None else H[j], None if A is None else A[j], cuts[i0 + j], cuts[i0 + j + 1])
                for j in range(i1 - i0)]

    def _collect(self, top: _Node, times):
        """Stacked values of the grid cells: slices of blocks when every atom is one cell (the usual case)."""
        runs = self._atoms(top, times)
        n_atoms = sum(i1 - i0 for _, i0, i1 in runs)
        if n_atoms == len(times) - 1:
            parts = [self._root_pieces_stacked() if r[0] is None else self._run_values(r) for r in runs]
            if len(parts) == 1:
                return parts[0]
            cat = [torch.cat([p[j] for p in parts]) if parts[0][j] is not None else None for j in range(3)]
            return tuple(cat)
        pieces = []
        for run in runs:
            pieces.extend(self._run_pieces(run))
        out, j = [], 0
        for a, b in zip(times[:-1], times[1:]):
            cell = []
            while j < len(pieces) and pieces[j][4] <= b:
                cell.append(pieces[j])
                j += 1
            out.append(combine(cell, a, b, self._have_H, self._have_A, self._batch_only))
        return tuple(torch.stack([o[i] for o in out]) if out[0][i] is not None else None for i in range(3))

    def _root_pieces_stacked(self):
        W, H, A, _, _ = self._root_pieces()[0]
        return W[None], None if H is None else H[None], None if A is None else A[None]

    def _zeros(self):
        z = torch.zeros(self._size, dtype=self._dtype, device=self._device)
        A = None
        if self._have_A:
            A = z.clone() if self._batch_only else torch.zeros((*self._size, self._size[-1]), dtype=self._dtype,
                                                                 device=self._device)
        return z, z.clone() if self._have_H else None, A

    def _pack(self, W, H, A, h, return_U, return_A):
        self._check_need(return_U, return_A)
        if return_U:
            U = h_to_u(W, H, h)
            return (W, U, A) if return_A else (W, U)
        return (W, A) if return_A else W

    # ------------------------------------------------------------------ dependency tree
    def _observe(self, length: float) -> None:
        """After a warm-up, shape the tree from the average query length (unless ``dt`` was given)."""
        if self._dt is not None or self._halfway_tree:
            return
        self._n_queries += 1
        if self._n_queries <= 0:
            return
        self._mean_dt += (length - self._mean_dt) / self._n_queries
        if self._mean_dt < 0.5 * self._tree_dt:
            self._shape_tree(self._mean_dt)

    def _shape_tree(self, dt: float) -> None:
        """Cut every leaf longer than ``0.8 · dt · min(cache_size, 100)`` into pieces of about that length, so
        that a query never walks up a long chain of ancestors (torchsde's dependency tree, k-way)."""
        self._tree_dt = min(self._tree_dt, dt)
        cache = 100 if self._cache_size is None else min(self._cache_size, 100)
        piece = max(self._tree_dt * max(cache, 1) * 0.8, 1e-300)
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node.cuts is None:
                n = int((node.end - node.start) / piece)
                if n >= 2:
                    points = [self._round(node.start + (node.end - node.start) * i / n) for i in range(1, n)]
                    points = sorted({p for p in points if node.start < p < node.end})
                    if points:
                        self._split(node, points)
                continue
            for i in range(len(node.cuts) - 1):
                if node.cuts[i + 1] - node.cuts[i] > 2 * piece:
                    stack.append(self._child(node, i))

    # ------------------------------------------------------------------ properties
    def __repr__(self):
        dt = None if self._dt is None else f"{self._dt:.3f}"
        return (f"{type(self).__name__}(t0={self._root.start:.3f}, t1={self._root.end:.3f}, size={self._size}, "
                f"dtype={self._dtype}, device={self._device!r}, entropy={self._entropy}, dt={dt}, tol={self._tol}, "
                f"pool_size={self._pool_size}, cache_size={self._cache_size}, "
                f"levy_area_approximation={self._levy_area_approximation!r})")

    @property
    def entropy(self):
        return self._entropy

    @property
    def dt(self):
        return self._dt

    @property
    def tol(self):
        return self._tol

    @property
    def pool_size(self):
        return self._pool_size

    @property
    def cache_size(self):
        return self._cache_size

    @property
    def halfway_tree(self):
        return self._halfway_tree

    @property
    def t0(self):
        return self._root.start

    @property
    def t1(self):
        return self._root.end


def _tensor_info(W, H, size, dtype, device):
    """``size``, ``dtype`` and ``device`` from the arguments and from ``W``/``H``, which must agree."""
    tensors = []
    for name, x in (("W", W), ("H", H)):
        if x is None:
            continue
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise InputError(name, "a floating-point tensor", type(x).__name__)
        tensors.append((name, x))
    if size is None and not tensors:
        raise InputError("size", "the shape of one sample (or W or H to imply it)", None)
    if size is not None:
        try:
            size = tuple(int(s) for s in size)
        except TypeError:
            raise InputError("size", "a tuple of ints", repr(size)) from None
        if any(s < 0 for s in size):
            raise InputError("size", "non-negative dimensions", size)
    for name, x in tensors:
        if size is not None and tuple(x.shape) != size:
            raise InputError(name, f"shape {size} (the size)", tuple(x.shape))
        size = tuple(x.shape)
        if dtype is not None and x.dtype != dtype:
            raise InputError(name, f"dtype {dtype}", x.dtype)
        dtype = x.dtype
        if device is not None and x.device != torch.device(device):
            raise InputError(name, f"device {device}", x.device)
        device = x.device
    dtype = torch.get_default_dtype() if dtype is None else dtype
    device = torch.device("cpu") if device is None else torch.device(device)
    if not dtype.is_floating_point:
        raise InputError("dtype", "a floating-point dtype", dtype)
    return size, dtype, device
