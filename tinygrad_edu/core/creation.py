"""Constructors (tensor, zeros, randn, ...) and the functions of several tensors (cat, stack, where, maximum, minimum)."""

import numpy as np

from . import dtypes, ops, rng
from .devices import with_device
from .shapes import _checked_sizes, _normalize_dims, _shape_args, broadcast_shape
from .tensor import Tensor, _as_dtype, _to_array, float32, int64

__all__ = [
    "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "randint",
    "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "cat", "stack", "where",
    "maximum", "minimum", "randperm", "multinomial", "allclose", "from_numpy",
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
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(f"cat: tensor {i} is 0-d (a scalar) and has no dimension to join "
                             f"along; use tg.stack to make a 1-d tensor of scalars, or "
                             f"t.reshape(1) first")
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

    Python floats become the default float dtype (float32, see set_default_dtype); numpy arrays
    keep their dtype.

    Example:
        >>> tg.tensor([[1, 2], [3, 4]], dtype=tg.float64, requires_grad=True)
    """
    array = _to_array(data, dtype)
    if isinstance(data, (np.ndarray, Tensor)) and array is (data._data if isinstance(data, Tensor) else data):
        array = array.copy()
    return Tensor(array, requires_grad=requires_grad, name=name)


def _float_dtype(dtype):
    dtype = _as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    return dtype


def _make_shape(shape, op):
    """The sizes given to a constructor (ints, or one tuple or list of them), checked."""
    flat = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    for s in flat:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be ints, got {s!r} ({type(s).__name__}) in "
                            f"{tuple(flat)}; e.g. {op}(2, 3) or {op}((2, 3))")
    return _checked_sizes(_shape_args(shape), op)


def _check_count(value, what, op):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {what} must be an int, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{op}: {what} must be >= 0, got {value}")


def _check_fill_value(value, op):
    """A number (or a 0-d array/tensor of numbers); strings and other objects are refused."""
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    if array.ndim != 0 or array.dtype.kind not in "biufc":
        raise TypeError(f"{op}: fill_value must be a number, got {value!r:.60} "
                        f"({type(value).__name__}); e.g. {op}((2, 3), 0.5)")


def zeros(*shape, dtype=None, requires_grad=False):
    return Tensor(np.zeros(_make_shape(shape, "zeros"), dtype=_float_dtype(dtype)), requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return Tensor(np.ones(_make_shape(shape, "ones"), dtype=_float_dtype(dtype)), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    _check_fill_value(fill_value, "full")
    shape = _make_shape((shape,), "full")
    if dtype is None:
        dtype = dtypes.get_default_dtype() if isinstance(fill_value, float) else \
            np.asarray(fill_value).dtype
        if dtype == np.int_ and not isinstance(fill_value, (bool, np.bool_)):
            dtype = int64
    return Tensor(np.full(shape, fill_value, dtype=_as_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must not be 0 (from {start} to {end}); e.g. step=1")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = int64 if is_int else dtypes.get_default_dtype()
    return Tensor(np.arange(start, end, step, dtype=_as_dtype(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    _check_count(steps, "steps", "linspace")
    return Tensor(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    _check_count(n, "n (the number of rows)", "eye")
    if m is not None:
        _check_count(m, "m (the number of columns)", "eye")
    return Tensor(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*shape, dtype=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) from the package generator (see `manual_seed`) or `generator`."""
    array = rng.numpy_generator(generator).random(_make_shape(shape, "rand"))
    return Tensor(array.astype(_float_dtype(dtype)), requires_grad)


def randn(*shape, dtype=None, requires_grad=False, generator=None):
    """Standard normal samples from the package generator (see `manual_seed`) or `generator`."""
    array = rng.numpy_generator(generator).standard_normal(_make_shape(shape, "randn"))
    return Tensor(array.astype(_float_dtype(dtype)), requires_grad)


def randint(low, high=None, size=None, dtype=None, generator=None):
    """Integers in [low, high) (or [0, low) given only high and size, as torch.randint(10, (3,)))."""
    if size is None:
        if high is None or isinstance(high, int):
            raise TypeError("randint: give the size, e.g. randint(0, 10, (3,)) or randint(10, (3,))")
        low, high, size = 0, low, high
    size = _make_shape((size,), "randint")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be larger than low ({low})")
    array = rng.numpy_generator(generator).integers(low, high, size=size)
    return Tensor(array.astype(_as_dtype(dtype) or int64))


def randperm(n, generator=None, dtype=None):
    """A random permutation of 0 … n−1 (int64)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    return Tensor(rng.numpy_generator(generator).permutation(n).astype(_as_dtype(dtype) or int64))


def multinomial(input, num_samples, replacement=False, generator=None):
    """Indices drawn with probabilities proportional to the rows of `input` (as torch.multinomial).

    Args:
        input: a 1-D or 2-D tensor of non-negative weights (need not sum to 1).
        num_samples: how many indices to draw per row.
        replacement: draw with replacement (else each index at most once per row).
        generator: a tg.Generator to draw from (default: the package's, see manual_seed).

    Returns:
        An int64 tensor of shape (num_samples,) or (rows, num_samples).
    """
    weights = input.numpy() if isinstance(input, Tensor) else np.asarray(input, dtype=float)
    if weights.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-D or 2-D, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1]).astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueError("multinomial: the weights must be finite and non-negative")
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError("multinomial: every row needs a positive weight somewhere (a row sums "
                         "to 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement "
                         f"from {rows.shape[1]} categories; pass replacement=True")
    draw = rng.numpy_generator(generator)
    out = np.stack([draw.choice(rows.shape[1], num_samples, replace=replacement, p=row / total)
                    for row, total in zip(rows, totals)])
    return Tensor(out.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every |input − other| ≤ atol + rtol·|other| (as torch.allclose)."""
    a = input.numpy() if isinstance(input, Tensor) else np.asarray(input)
    b = other.numpy() if isinstance(other, Tensor) else np.asarray(other)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def zeros_like(t, dtype=None, requires_grad=False):
    return Tensor(np.zeros(t.shape, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return Tensor(np.ones(t.shape, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    _check_fill_value(fill_value, "full_like")
    return Tensor(np.full(t.shape, fill_value, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def rand_like(t, dtype=None, requires_grad=False, generator=None):
    return rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, generator=generator)


def randn_like(t, dtype=None, requires_grad=False, generator=None):
    return randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, generator=generator)


def from_numpy(array):
    """A tensor sharing the memory of a numpy array (as torch.from_numpy: changes show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    return Tensor(array)


# PyTorch's `device=` (and `pin_memory=`) on every factory, checked in one place (devices.py)
# so that the signatures above stay about values; only the CPU is accepted.
for _name in ("tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn",
              "randint", "randperm", "zeros_like", "ones_like", "full_like", "rand_like",
              "randn_like"):
    globals()[_name] = with_device(globals()[_name])
del _name
