"""Random tensors drawn from distributions: normal (all of torch.normal's forms), bernoulli and poisson.

Each draws from the default generator (see manual_seed) or from `generator=`. The samples
are constants: no gradient reaches mean or std (PyTorch records a node whose gradient is
zero; here the result simply does not require grad). For a draw that gradients flow through
(the reparameterization trick), write `mean + std * tg.randn(shape)`.
"""

import numbers

import numpy as np

from . import dtypes, rng
from .shapes import _shape_args
from .tensor import Tensor

__all__ = ["normal", "bernoulli", "poisson"]


def _check_std(std, caller):
    values = std.numpy() if isinstance(std, Tensor) else np.asarray(std)
    if not (values >= 0).all():  # also catches NaN
        raise RuntimeError(f"{caller}: expects all elements of std >= 0.0, got "
                           f"{values.min() if values.size else values}")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Samples of N(mean, std²), as torch.normal in its four forms:

        normal(mean_tensor, std_tensor)    elementwise (the shapes broadcast)
        normal(mean_tensor, std=1.0)       shape of mean
        normal(mean=0.0, std_tensor)       shape of std
        normal(mean, std, size)            numbers, and a size

    Raises:
        RuntimeError: a negative std.
        TypeError: numbers for both mean and std without a size.

    Example:
        >>> tg.normal(tg.zeros(3), tg.tensor([1.0, 2.0, 3.0]))   # one draw per std
    """
    _check_std(std, "normal")
    draw = rng.numpy_generator(generator)
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with numbers for mean and std give a size, e.g. "
                            "normal(0.0, 1.0, size=(3,)), or pass a tensor for mean or std")
        dtype = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        noise = draw.standard_normal(_shape_args((size,) if isinstance(size, int) else size))
        return Tensor((noise * std + mean).astype(dtype), requires_grad=requires_grad)
    if size is not None:
        raise TypeError("normal: size is only for numbers as mean and std; the shape comes "
                        "from the tensors here")
    kind = [t for t in tensors if t.dtype.kind == "f"]
    dtype = kind[0].dtype if kind else dtypes.get_default_dtype()
    shape = np.broadcast_shapes(*[t.shape for t in tensors])
    values = [v.numpy() if isinstance(v, Tensor) else v for v in (mean, std)]
    noise = draw.standard_normal(shape)
    return Tensor((noise * values[1] + values[0]).astype(dtype))


def _probabilities(values, caller):
    array = values.numpy() if isinstance(values, Tensor) else np.asarray(values, dtype=float)
    if not ((array >= 0) & (array <= 1)).all():
        raise RuntimeError(f"{caller}: expects all probabilities in [0, 1], got values from "
                           f"{array.min()} to {array.max()}")
    return array


def bernoulli(input, p=None, *, generator=None):
    """1 with probability p, else 0, elementwise (torch.bernoulli): p is each element of
    `input`, or the number `p` for every element; the result has input's (float) dtype.

    Raises:
        RuntimeError: probabilities outside [0, 1].
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: expected a Tensor of probabilities, got {type(input).__name__}")
    if p is not None and (isinstance(p, bool) or not isinstance(p, numbers.Real)):
        raise TypeError(f"bernoulli: p must be a number, got {p!r}")
    probabilities = _probabilities(input if p is None else np.full(input.shape, float(p)),
                                   "bernoulli")
    dtype = input.dtype if input.dtype.kind == "f" else dtypes.get_default_dtype()
    draws = rng.numpy_generator(generator).random(input.shape) < probabilities
    return Tensor(draws.astype(dtype))


def poisson(input, generator=None):
    """Poisson samples, one per element with that element as its rate λ (torch.poisson).

    Raises:
        RuntimeError: a negative (or NaN) rate.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson: expected a Tensor of rates, got {type(input).__name__}")
    rates = input.numpy()
    if not (rates >= 0).all():
        raise RuntimeError("poisson: every rate λ must be >= 0")
    dtype = input.dtype if input.dtype.kind == "f" else dtypes.get_default_dtype()
    return Tensor(rng.numpy_generator(generator).poisson(rates).astype(dtype))
