"""The smooth relatives of ReLU used by modern networks: GELU, SiLU and Softplus, as functions and as modules (as torch.nn).

Each is composed from the rulebook's primitives (erf, σ, eˣ, ln), so its derivative comes from
their rules; the docstrings state f and f′.
"""

import math

from ..core import Tensor, where
from ..core.functional import erf
from .module import Module

__all__ = ["gelu", "silu", "softplus", "GELU", "SiLU", "Softplus"]


def _check(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got a {type(x).__name__}; wrap it first with "
                        f"tg.tensor(...)")


def gelu(x, approximate="none"):
    """The Gaussian error linear unit f(x) = x · Φ(x), Φ the standard normal's CDF.

    Exact (approximate="none", PyTorch's default): Φ(x) = ½(1 + erf(x/√2)), so
    f′(x) = Φ(x) + x · e^(−x²/2)/√(2π). approximate="tanh" uses GPT-2's
    ½(1 + tanh(√(2/π)(x + 0.044715x³))) instead.

    Raises:
        ValueError: an approximate other than "none" or "tanh".
    """
    _check(x, "gelu")
    if approximate == "none":
        return x * 0.5 * (erf(x * (1 / math.sqrt(2))) + 1)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (inner.tanh() + 1)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x):
    """The sigmoid linear unit (swish) f(x) = x · σ(x);   f′(x) = σ(x)(1 + x(1 − σ(x)))."""
    _check(x, "silu")
    return x * x.sigmoid()


def softplus(x, beta=1.0, threshold=20.0):
    """A smooth ReLU: f(x) = (1/β) ln(1 + e^(βx));   f′(x) = σ(βx).

    As in PyTorch, f(x) = x where βx > threshold (there the two agree to float precision, and
    e^(βx) would overflow); the exponent is clipped at the threshold so no branch overflows.

    Raises:
        ValueError: beta that is not positive.
    """
    _check(x, "softplus")
    if not beta > 0:
        raise ValueError(f"softplus: beta must be positive, got {beta!r}")
    scaled = x * beta
    smooth = (scaled.clamp(max=threshold).exp() + 1).log() * (1 / beta)
    return where(scaled.numpy() > threshold, x, smooth)


class GELU(Module):
    """x · Φ(x) as a layer (see `gelu`); approximate="none" (exact) or "tanh"."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x · σ(x) as a layer (see `silu`)."""

    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return silu(x)


class Softplus(Module):
    """(1/β) ln(1 + e^(βx)) as a layer (see `softplus`)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        if not beta > 0:
            raise ValueError(f"Softplus: beta must be positive, got {beta!r}")
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"
