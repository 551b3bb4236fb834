"""Building blocks of the TD-MPC2 world model: normed MLPs, a vectorised Q ensemble, SimNorm
and the symlog two-hot discrete regression used for rewards and values.

Everything is written as plain tensor operations on pre-shaped parameters so that one call
runs a handful of large matrix products instead of many small ones (the ensemble is one
matmul for its shared first layer and batched matmuls after it).
"""

from __future__ import annotations

import itertools
import math
import warnings

import torch
import torch.nn.functional as F
from torch import nn


def symlog(x: torch.Tensor) -> torch.Tensor:
    """``sign(x) * log(1 + |x|)``."""
    return torch.sign(x) * torch.log1p(x.abs())


def symexp(x: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`symlog`."""
    return torch.sign(x) * torch.expm1(x.abs())


class TwoHot(nn.Module):
    """Discrete regression over ``num_bins`` bins spread evenly in symlog space.

    Args:
        num_bins: number of bins.
        vmin: lowest bin (symlog space).
        vmax: highest bin (symlog space).
    """

    def __init__(self, num_bins: int, vmin: float, vmax: float) -> None:
        super().__init__()
        self.num_bins, self.vmin, self.vmax = num_bins, float(vmin), float(vmax)
        self.bin_size = (self.vmax - self.vmin) / (num_bins - 1)
        self.register_buffer("bins", torch.linspace(vmin, vmax, num_bins), persistent=False)

    def decode(self, logits: torch.Tensor) -> torch.Tensor:
        """Expected value of the distribution given by ``logits`` (``(..., bins) -> (..., 1)``)."""
        return symexp(torch.softmax(logits, dim=-1) @ self.bins.unsqueeze(-1))

    def soft_ce(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Cross-entropy between ``logits`` and the two-hot encoding of ``target``.

        Args:
            logits: ``(..., bins)``.
            target: ``(..., 1)`` real values.

        Returns:
            Loss of shape ``(..., 1)``.
        """
        x = (symlog(target).clamp(self.vmin, self.vmax) - self.vmin) / self.bin_size
        low = x.floor().clamp(max=self.num_bins - 2)
        frac = x - low
        low = low.long()
        logp = F.log_softmax(logits, dim=-1)
        lp_low = logp.gather(-1, low)
        lp_high = logp.gather(-1, low + 1)
        return -((1.0 - frac) * lp_low + frac * lp_high)


_LOG2E = 1.4426950408889634


def _exp(x: torch.Tensor) -> torch.Tensor:
    """``e^x`` in place of ``x`` (a fresh buffer the caller owns) as ``2^(x log2 e)``: on CPU the
    vectorised ``exp2`` kernel with one extra product is over twice as fast as ``exp``; the
    result differs from ``exp`` by a relative ``|x| * 2^-24`` at most (the rounding of the product)."""
    if x.device.type != "cpu":
        return x.exp_()
    return x.mul_(_LOG2E).exp2_()


class _SimNorm(torch.autograd.Function):
    """Softmax over the last dim with a closed-form backward ``y * (g - sum(g * y))``."""

    @staticmethod
    def forward(ctx, v):
        e = _exp(v - v.amax(-1, keepdim=True))
        y = e.div_(e.sum(-1, keepdim=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        gy = g * y
        return gy.sub_(y * gy.sum(-1, keepdim=True))


def simnorm(x: torch.Tensor, group: int) -> torch.Tensor:
    """Simplicial normalisation: softmax over consecutive groups of ``group`` features."""
    shape = x.shape
    v = x.reshape(*shape[:-1], shape[-1] // group, group)
    # torch.softmax over a last dim of 8 is several times slower on CPU than exp/sum, and a
    # composed autograd graph of those steps costs more passes than the closed-form backward
    if torch.is_grad_enabled() and v.requires_grad:
        return _SimNorm.apply(v).reshape(shape)
    e = _exp(v - v.amax(-1, keepdim=True))
    return e.div_(e.sum(-1, keepdim=True)).reshape(shape)


class _Mish(torch.autograd.Function):
    """Closed-form forward that also produces the derivative, so the backward is one product;
    with ``p > 0`` it also applies inverted dropout to the output and folds the mask into the
    saved derivative (no mask tensor, no extra product in either direction)."""

    @staticmethod
    def forward(ctx, x, p=0.0):
        fused = _FUSED.get("mish") if x.device.type == "cpu" else None
        y, d = fused(x) if fused is not None else _mish_and_derivative(x)
        if p > 0:
            scale = 1.0 / (1.0 - p)
            drop = _bernoulli_positions(y.numel(), p, y.device)
            y.mul_(scale).view(-1).index_fill_(0, drop, 0.0)
            d.mul_(scale).view(-1).index_fill_(0, drop, 0.0)
        ctx.save_for_backward(d)
        return y

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        return g * d, None


def _mish_and_derivative(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    e = _exp(x.clamp(max=20.0))
    u = e + 1.0
    q = torch.addcmul(x.new_ones(()), u, u)  # (1 + e^x)^2 + 1
    y = torch.addcdiv(x, x, q, value=-2.0)  # x tanh(softplus(x)) = x - 2 x / q, as without autograd
    # mish'(x) = t + x sigmoid(x) (1 - t^2) with t = 1 - 2 / q, which is 1 + r (4 x e (1 + e) r - 2)
    # for r = 1 / q: one fused product and two in-place steps on buffers the forward already has
    r = q.reciprocal_()
    d = torch.addcmul(x.new_full((), -2.0), e.mul_(u).mul_(x), r, value=4.0).mul_(r).add_(1.0)
    return y, d


def _mish_pointwise(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # the same formulas, written for the compiler to fuse into one loop
    e = torch.exp(x.clamp(max=20.0))
    u = e + 1.0
    q = u * u + 1.0
    r = 1.0 / q
    return x - 2.0 * x * r, 1.0 + r * (4.0 * x * e * u * r - 2.0)


def _mish_pointwise_nograd(x: torch.Tensor) -> torch.Tensor:
    u = torch.exp(x.clamp(max=20.0)) + 1.0
    return x - 2.0 * x / (u * u + 1.0)


_FUSED: dict = {}


def use_fused_kernels(on: bool = True) -> None:
    """Compile Mish (and its derivative) into fused CPU kernels with ``torch.compile``.

    Process-wide and off by default: it needs a C++ compiler and compiles on first use (tens
    of seconds; inductor caches the result on disk for later processes), after which Mish runs
    as one loop instead of about ten passes over memory.
    """
    if not on:
        _FUSED.clear()
        return
    if not _FUSED:
        _FUSED["mish"] = _guarded(torch.compile(_mish_pointwise, dynamic=True), _mish_and_derivative)
        _FUSED["mish_nograd"] = _guarded(torch.compile(_mish_pointwise_nograd, dynamic=True), None)


def _guarded(compiled, eager):
    """``compiled``, falling back for good to the eager path (with a warning) when compiling
    fails, e.g. on a machine without a C++ compiler."""

    def call(x):
        try:
            return compiled(x)
        except Exception as exc:  # noqa: BLE001 -- inductor raises many kinds; the eager path is always right
            _FUSED.clear()
            warnings.warn(f"fused TD-MPC2 kernels unavailable ({type(exc).__name__}: {exc}); using the eager ones",
                          RuntimeWarning, stacklevel=3)
            return eager(x) if eager is not None else _mish_nograd(x)

    return call


def _mish_nograd(x: torch.Tensor) -> torch.Tensor:
    fused = _FUSED.get("mish_nograd") if x.device.type == "cpu" else None
    if fused is not None:
        return fused(x)
    # x t = x - 2 x / p with p = (1 + e^x)^2 + 1 = n + 2: one buffer updated in place and one
    # fused addcdiv; the absolute error stays within a few float32 ulps of |x|
    p = _exp(x.clamp(max=20.0)).add_(1.0).square_().add_(1.0)
    return torch.addcdiv(x, x, p, value=-2.0)


def mish(x: torch.Tensor) -> torch.Tensor:
    """``x * tanh(softplus(x))`` as ``x - 2 x / ((1 + e^x)^2 + 1)`` with in-place steps, several
    times faster on CPU than the native kernel. With autograd the forward also forms the
    derivative from the same intermediates and saves it instead of ``x``, so the backward is a
    single product (the native backward recomputes the transcendentals)."""
    if torch.is_grad_enabled() and x.requires_grad:
        return _Mish.apply(x)
    return _mish_nograd(x)


def mish_dropout(x: torch.Tensor, p: float) -> torch.Tensor:
    """``dropout(mish(x), p)`` (inverted dropout, the same draws as :func:`dropout`). On CPU with
    autograd the dropout is folded into the Mish function: its output and its saved derivative
    are scaled and zeroed at the dropped positions, so no mask is built or multiplied."""
    if p > 0 and x.device.type == "cpu" and torch.is_grad_enabled() and x.requires_grad \
            and not torch.compiler.is_compiling():
        return _Mish.apply(x, p)
    return dropout(mish(x), p) if p > 0 else mish(x)


def _bernoulli_positions(n: int, p: float, device: torch.device) -> torch.Tensor:
    """Flat indices of the successes of ``n`` i.i.d. Bernoulli(``p``) trials.

    The gaps between successes are i.i.d. Geometric(``p``), so drawing ~``n p`` gaps gives the
    exact same distribution as ``n`` uniform draws at a fraction of the cost for small ``p``.
    """
    mean = n * p
    k = int(mean + 6.0 * math.sqrt(mean) + 32)
    chunks, last = [], -1
    while last < n - 1:  # rarely more than one round; the gaps are memoryless
        pos = torch.empty(k, dtype=torch.int64, device=device).geometric_(p).cumsum_(0).add_(last)
        chunks.append(pos)
        last = int(pos[-1])
    pos = chunks[0] if len(chunks) == 1 else torch.cat(chunks)
    return pos[pos < n]


def dropout(x: torch.Tensor, p: float) -> torch.Tensor:
    """Inverted dropout. On CPU the dropped positions come from geometric gaps (a few thousand
    draws instead of one uniform per element; ``bernoulli_`` and ``rand_like`` are slow)."""
    scale = 1.0 / (1.0 - p)
    if x.device.type != "cpu" or torch.compiler.is_compiling():  # traced: keep one graph
        mask = (torch.rand_like(x) >= p).to(x.dtype).mul_(scale)
        return x * mask
    mask = torch.full_like(x, scale)
    mask.view(-1).index_fill_(0, _bernoulli_positions(mask.numel(), p, x.device), 0.0)
    return x * mask


def _trunc_normal(t: torch.Tensor, std: float = 0.02) -> torch.Tensor:
    return nn.init.trunc_normal_(t, std=std, a=-2 * std, b=2 * std)


class NormedMLP(nn.Module):
    """Linear -> LayerNorm -> Mish hidden layers, then a plain or SimNorm output layer.

    Args:
        in_dim: input size.
        hidden: hidden widths.
        out_dim: output size.
        out: ``"linear"`` (plain output), or ``"simnorm"`` (Linear -> LayerNorm -> SimNorm).
        simnorm_dim: SimNorm group size.
        zero_out: zero-initialise the output layer (reward heads start at 0).
    """

    def __init__(
        self,
        in_dim: int,
        hidden: list[int],
        out_dim: int,
        out: str = "linear",
        simnorm_dim: int = 8,
        zero_out: bool = False,
    ) -> None:
        super().__init__()
        dims = [in_dim, *hidden, out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(dims))
        n_norms = len(hidden) + (1 if out == "simnorm" else 0)
        self.norms = nn.ModuleList(nn.LayerNorm(d) for d in dims[1 : 1 + n_norms])
        self.out, self.simnorm_dim = out, simnorm_dim
        for lin in self.linears:
            _trunc_normal(lin.weight)
            nn.init.zeros_(lin.bias)
        if zero_out:
            nn.init.zeros_(self.linears[-1].weight)

    def forward(self, x: torch.Tensor, first: torch.Tensor | None = None) -> torch.Tensor:
        """Apply the network.

        Args:
            x: input ``(..., in_dim)``; ignored for the first layer when ``first`` is given.
            first: a precomputed pre-activation of the first layer (lets a caller share the
                part of the first product that does not change across samples).
        """
        n = len(self.linears)
        for i, lin in enumerate(self.linears):
            x = first if (i == 0 and first is not None) else F.linear(x, lin.weight, lin.bias)
            if i < n - 1:
                x = mish(F.layer_norm(x, (x.shape[-1],), self.norms[i].weight, self.norms[i].bias))
            elif self.out == "simnorm":
                x = F.layer_norm(x, (x.shape[-1],), self.norms[i].weight, self.norms[i].bias)
                x = simnorm(x, self.simnorm_dim)
        return x


class QEnsemble(nn.Module):
    """``num_q`` Q networks evaluated together.

    Each head is Linear -> LayerNorm -> Mish (-> Dropout) -> Linear -> LayerNorm -> Mish ->
    Linear(bins). The first layer of all heads is a single matrix product over the shared
    input; the others are batched products over heads.

    Args:
        num_q: heads.
        in_dim: input size (latent + action).
        hidden: hidden width.
        out_dim: output size (bins).
        dropout: dropout probability after the first layer, active in training mode.
    """

    def __init__(self, num_q: int, in_dim: int, hidden: int, out_dim: int, dropout: float) -> None:
        super().__init__()
        self.num_q, self.hidden, self.dropout = num_q, hidden, dropout
        self.w0 = nn.Parameter(_trunc_normal(torch.empty(in_dim, num_q * hidden)))
        self.b0 = nn.Parameter(torch.zeros(num_q, hidden))
        self.g0 = nn.Parameter(torch.ones(num_q, hidden))
        self.c0 = nn.Parameter(torch.zeros(num_q, hidden))
        self.w1 = nn.Parameter(_trunc_normal(torch.empty(num_q, hidden, hidden)))
        self.b1 = nn.Parameter(torch.zeros(num_q, 1, hidden))
        self.g1 = nn.Parameter(torch.ones(num_q, 1, hidden))
        self.c1 = nn.Parameter(torch.zeros(num_q, 1, hidden))
        self.w2 = nn.Parameter(torch.zeros(num_q, hidden, out_dim))  # zero init: values start at 0
        self.b2 = nn.Parameter(torch.zeros(num_q, 1, out_dim))

    def forward(
        self,
        x: torch.Tensor,
        heads: torch.Tensor | None = None,
        params: dict | None = None,
        fixed: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Logits of the selected heads.

        Args:
            x: input ``(B, in_dim)``, or its trailing features when ``fixed`` is given.
            heads: indices of the heads to evaluate, or ``None`` for all; when they name every
                head the logits come in ensemble order (callers reduce over heads).
            params: parameters to use instead of the module's own (the target ensemble).
            fixed: leading input features ``(B, f)`` kept apart from ``x`` (equivalent to
                ``cat([fixed, x], -1)``): with detached parameters and a detached ``fixed``
                the backward then only forms the gradient of the ``x`` features.

        Returns:
            ``(k, B, out_dim)`` logits for the ``k`` evaluated heads.
        """
        p = params if params is not None else self._params()
        w0, b0, g0, c0, w1, b1, g1, c1, w2, b2 = (p[k] for k in _Q_KEYS)
        k, h = self.num_q, self.hidden
        if heads is not None and heads.numel() == k:
            # every head in some order: callers reduce over heads (mean/min), so skip the gather
            heads = None
        if heads is not None:
            k = heads.numel()
            w0 = w0.view(w0.shape[0], self.num_q, h)[:, heads].reshape(w0.shape[0], k * h)
            b0, g0, c0 = b0[heads], g0[heads], c0[heads]
            w1, b1, g1, c1, w2, b2 = (t[heads] for t in (w1, b1, g1, c1, w2, b2))
        if fixed is None:
            y = torch.addmm(b0.reshape(k * h), x, w0)
        else:
            f = fixed.shape[-1]
            # the latent part carries no gradient, so the action part is added to it in place
            y = torch.addmm(b0.reshape(k * h), fixed, w0[:f]).addmm_(x, w0[f:])
        y = y.view(x.shape[0], k, h)
        y = torch.addcmul(c0, F.layer_norm(y, (h,)), g0)
        y = mish_dropout(y, self.dropout) if self.training and self.dropout > 0 else mish(y)
        y = torch.baddbmm(b1, y.transpose(0, 1), w1)
        y = mish(torch.addcmul(c1, F.layer_norm(y, (h,)), g1))
        return torch.baddbmm(b2, y, w2)

    def _params(self) -> dict:
        return {k: getattr(self, k) for k in _Q_KEYS}


_Q_KEYS = ("w0", "b0", "g0", "c0", "w1", "b1", "g1", "c1", "w2", "b2")


def param_count(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def gaussian_logprob(eps: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    """Log-density of ``mean + eps * std`` under N(mean, std), summed over the last dim."""
    return (-0.5 * eps.pow(2) - log_std).sum(-1, keepdim=True) - 0.5 * math.log(2 * math.pi) * eps.shape[-1]
