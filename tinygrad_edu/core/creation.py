"""Constructors (tensor, zeros, randn, ...) and the functions of several tensors (cat, stack, where, maximum, minimum)."""

import numpy as np

from . import ops, rng
from .shapes import _normalize_dims, _shape_args, broadcast_shape
from .tensor import Tensor, _as_dtype, _to_array, float32, int64

__all__ = [
    "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "randint",
    "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "cat", "stack", "where",
    "maximum", "minimum",
]


# ---------------------------------------------------------------------------------------------
# Functions of several tensors
# ---------------------------------------------------------------------------------------------

def cat(tensors, dim=0):
    """Join tensors along an existing dimension; the gradient is sliced back to each input."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    first = tensors[0]
    (axis,) = _normalize_dims(dim, first.ndim, "cat", first.shape)
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != \
                first.shape[:axis] + first.shape[axis + 1:]:
            raise ValueError(f"cat: tensor {i} has shape {t.shape}, which does not match tensor 0's "
                             f"shape {first.shape} outside dim {axis}")
    return ops.Cat.apply(*tensors, dim=axis)


def stack(tensors, dim=0):
    """Join tensors of equal shape along a new dimension (cat of unsqueezed tensors)."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has "
                             f"{tensors[0].shape}; all must be equal")
    ndim = tensors[0].ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(f"stack: dim {dim} is out of range; use a dim in [{-ndim}, {ndim - 1}]")
    return cat([t.unsqueeze(dim % ndim) for t in tensors], dim=dim % ndim)


def where(condition, input, other):
    """Elementwise `input` where `condition` is true, else `other` (broadcasting all three)."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor, got {cond.dtype.name}; "
                        f"compare first (for example x > 0)")
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    if a is None and b is None:
        raise TypeError("where: at least one of input and other must be a Tensor")
    a = a if a is not None else b._operand(input)
    b = b if b is not None else a._operand(other)
    shape = broadcast_shape(broadcast_shape(cond.shape, a.shape, "where"), b.shape, "where")
    if a.shape != shape:
        a = a.expand(shape) if a.requires_grad else Tensor._make(np.broadcast_to(a._data, shape),
                                                                  False, None)
    if b.shape != shape:
        b = b.expand(shape) if b.requires_grad else Tensor._make(np.broadcast_to(b._data, shape),
                                                                  False, None)
    return ops.Where.apply(a, b, condition=np.broadcast_to(cond, shape))


def maximum(a, b):
    """Elementwise maximum; at ties each input gets half of the gradient (as in PyTorch)."""
    a = a if isinstance(a, Tensor) else b._operand(a)
    return a.maximum(b)


def minimum(a, b):
    """Elementwise minimum: −maximum(−a, −b)."""
    a = a if isinstance(a, Tensor) else b._operand(a)
    return a.minimum(b)


# ---------------------------------------------------------------------------------------------
# Constructors
# ---------------------------------------------------------------------------------------------

def tensor(data, dtype=None, requires_grad=False, name=None):
    """A new tensor holding a copy of `data` (number, nested list, numpy array or Tensor).

    Python floats become float32 (the default float dtype); numpy arrays keep their dtype.

    Example:
        >>> tg.tensor([[1, 2], [3, 4]], dtype=tg.float64, requires_grad=True)
    """
    array = _to_array(data, dtype)
    if isinstance(data, (np.ndarray, Tensor)) and array is (data._data if isinstance(data, Tensor) else data):
        array = array.copy()
    return Tensor(array, requires_grad=requires_grad, name=name)


def _float_dtype(dtype):
    dtype = _as_dtype(dtype) if dtype is not None else float32
    return dtype


def _make_shape(shape):
    return _shape_args(shape)


def zeros(*shape, dtype=None, requires_grad=False):
    return Tensor(np.zeros(_make_shape(shape), dtype=_float_dtype(dtype)), requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return Tensor(np.ones(_make_shape(shape), dtype=_float_dtype(dtype)), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = float32 if isinstance(fill_value, float) else np.asarray(fill_value).dtype
        if dtype == np.int_ and not isinstance(fill_value, (bool, np.bool_)):
            dtype = int64
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(np.full(shape, fill_value, dtype=_as_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = int64 if is_int else float32
    return Tensor(np.arange(start, end, step, dtype=_as_dtype(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return Tensor(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return Tensor(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*shape, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) from the package generator (see `manual_seed`)."""
    array = rng.default_generator().random(_make_shape(shape))
    return Tensor(array.astype(_float_dtype(dtype)), requires_grad)


def randn(*shape, dtype=None, requires_grad=False):
    """Standard normal samples from the package generator (see `manual_seed`)."""
    array = rng.default_generator().standard_normal(_make_shape(shape))
    return Tensor(array.astype(_float_dtype(dtype)), requires_grad)


def randint(low, high, size, dtype=None):
    size = (size,) if isinstance(size, int) else tuple(size)
    array = rng.default_generator().integers(low, high, size=size)
    return Tensor(array.astype(_as_dtype(dtype) or int64))


def zeros_like(t, dtype=None, requires_grad=False):
    return Tensor(np.zeros(t.shape, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return Tensor(np.ones(t.shape, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return Tensor(np.full(t.shape, fill_value, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def rand_like(t, dtype=None, requires_grad=False):
    return rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t, dtype=None, requires_grad=False):
    return randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)
