"""Shape arithmetic without tensors: broadcasting, dims and keepdim, reshape sizes, with clear errors."""

import math

import numpy as np

from .messages import say

__all__ = ["broadcast_shape"]


def broadcast_shape(shape_a, shape_b, op="broadcast"):
    """The shape numpy broadcasting gives `shape_a` with `shape_b`, or a clear ValueError."""
    if len(shape_a) < len(shape_b):
        shape_a = (1,) * (len(shape_b) - len(shape_a)) + shape_a
    elif len(shape_b) < len(shape_a):
        shape_b = (1,) * (len(shape_a) - len(shape_b)) + shape_b
    result = []
    for a, b in zip(shape_a, shape_b):
        if a == b or b == 1:
            result.append(a)
        elif a == 1:
            result.append(b)
        else:
            raise ValueError(say("error.broadcast", op=op, a=tuple(shape_a), b=tuple(shape_b),
                                 size_a=a, size_b=b))
    return tuple(result)


def _normalize_dims(dim, ndim, op, shape):
    """dim (int, tuple or None) -> sorted tuple of non-negative axes, or a clear IndexError."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and 0 <= dim < ndim:
        return (dim,)
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)  # a float is named below
    result = []
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"{op}: dim must be an int, a tuple of ints or None, got {dim!r}")
        low, high = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
        if not low <= d <= high:
            raise IndexError(say("error.dim_range", op=op, dim=d, ndim=ndim, shape=shape,
                                 low=low, high=high))
        result.append(d % ndim if ndim > 0 else 0)
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: dim {dim!r} repeats an axis")
    return tuple(sorted(result))


def _reduction_dims(dim, ndim, op, shape):
    """The axes a reduction runs over: as _normalize_dims, but () for a 0-d tensor, which
    accepts dim 0 and −1 as in PyTorch (there is nothing to reduce: the value stays)."""
    dims = _normalize_dims(dim, ndim, op, shape)
    return dims if ndim else ()


def _dim_keepdim(op, dim, keepdim, kwargs):
    """Accept numpy's axis/keepdims beside PyTorch's dim/keepdim."""
    if kwargs:
        unknown = set(kwargs) - {"axis", "keepdims"}
        if unknown:
            raise TypeError(f"{op}: unexpected argument(s) {sorted(unknown)}")
        if "axis" in kwargs:
            dim = kwargs["axis"]
        if "keepdims" in kwargs:
            keepdim = kwargs["keepdims"]
    return dim, bool(keepdim)


def _shape_args(shape):
    if len(shape) == 1:
        if type(shape[0]) is tuple:
            shape = shape[0]
            for s in shape:
                if type(s) is not int:
                    return tuple(int(s) for s in shape)
            return shape  # the common case (shapes from .shape): no copy, no conversion
        if isinstance(shape[0], (tuple, list)):
            shape = shape[0]
    return tuple(int(s) for s in shape)


def _checked_sizes(shape, op):
    """`shape` (a tuple of ints) for a constructor, or a clear ValueError at a negative size."""
    for s in shape:
        if s < 0:
            raise ValueError(f"{op}: negative size {s} in shape {shape}; every size must be "
                             f">= 0 (unlike reshape, a constructor cannot infer a -1)")
    return shape


def _resolve_shape(shape, size, old_shape):
    unknown = shape.count(-1)
    if unknown > 1:
        raise ValueError(f"reshape: only one dimension can be -1 (inferred), got {shape} for a "
                         f"tensor of shape {old_shape} ({size} elements); give every size but "
                         f"one, e.g. reshape({', '.join(['-1'] + [str(s) for s in old_shape[1:]])})")
    if any(s < -1 for s in shape):
        raise ValueError(f"reshape: invalid size {min(shape)} in {shape}; sizes must be "
                         f"non-negative (or -1 for the one size to infer)")
    known = math.prod(s for s in shape if s != -1)
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"reshape: shape {old_shape} ({size} elements) cannot be reshaped to "
                             f"{shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise ValueError(say("error.reshape", old=old_shape, size=size, new=shape, known=known))
    return tuple(shape)
