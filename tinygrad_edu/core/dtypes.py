"""PyTorch's dtype rules in one place: the default float dtype, and the type promotion of the binary ops.

PyTorch's rule (https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc): the
categories are bool < integer < floating. Of two tensors both with dimensions (or both 0-d),
the higher category wins, and within one category the larger dtype (float32 with int64 gives
float32, float32 with float64 float64). A 0-d tensor decides the dtype only when its category
is higher than the dimensioned tensor's; a Python number only when its category is higher
than the tensor's, and then it takes the default dtype of its category (int64, or the default
float dtype). numpy's rules differ (float32 with int64 gives float64), hence this module.

    float32 tensor  op  int64 tensor / Python float   -> float32
    int64 tensor    op  Python float                  -> the default float dtype (float32)
    bool tensor     op  int64 tensor / Python int     -> int64
    int tensor      /   int tensor                    -> the default float dtype
    sigmoid, exp, log, ... of an int or bool tensor   -> the default float dtype
"""

import numbers

import numpy as np

__all__ = ["get_default_dtype", "set_default_dtype", "result_type", "floating",
           "number_dtype"]

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_float = np.dtype(np.float32)


def get_default_dtype():
    """The dtype of floats made from Python numbers and of zeros(), randn(), ... (float32)."""
    return _default_float


def set_default_dtype(dtype):
    """Make `dtype` (float32, float64 or float16) the default float dtype, as torch does.

    Raises:
        TypeError: a dtype that is not a floating-point one.
    """
    global _default_float
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype not in _FLOATS:
        raise TypeError(f"set_default_dtype: only floating-point dtypes (float32, float64, "
                        f"float16) can be the default, got {dtype!r}")
    _default_float = dtype


def _category(dtype):
    kind = dtype.kind
    return 0 if kind == "b" else 1 if kind in "iu" else 2 if kind == "f" else 3


def result_type(a, b):
    """The dtype of a binary op on numpy arrays a and b, by PyTorch's rule (see above); a
    0-d array stands for a 0-d tensor or a Python number already given its dtype."""
    da, db = a.dtype, b.dtype
    if da == db:
        return da
    ca, cb = _category(da), _category(db)
    if (a.ndim == 0) == (b.ndim == 0):
        if ca == cb:
            return np.promote_types(da, db)
        return da if ca > cb else db
    dimensioned, zero_d = (da, db) if b.ndim == 0 else (db, da)
    cd, cz = (ca, cb) if b.ndim == 0 else (cb, ca)
    return zero_d if cz > cd else dimensioned


def number_dtype(number, tensor_dtype):
    """The dtype a Python number takes beside a tensor of `tensor_dtype` (its category decides
    only when higher: an int beside a bool tensor is int64, a float beside an int tensor is
    the default float dtype)."""
    if isinstance(number, (bool, np.bool_)):
        return tensor_dtype if tensor_dtype.kind != "b" else np.dtype(np.bool_)
    if isinstance(number, numbers.Integral):
        return np.dtype(np.int64) if tensor_dtype.kind == "b" else tensor_dtype
    return tensor_dtype if tensor_dtype.kind in "fc" else _default_float


def floating(array):
    """`array` itself when it holds floats, else as the default float dtype (for exp, log, σ,
    ... of an int tensor, and for true division of ints)."""
    if array.dtype.kind in "fc":
        return array
    return array.astype(_default_float)
