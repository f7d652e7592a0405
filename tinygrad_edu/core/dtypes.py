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

The dtypes themselves are `DType` objects (tg.float32, t.dtype): each wraps a numpy dtype,
prints as PyTorch's (`torch.float32`), and equals and hashes as the numpy dtype it wraps, so
`t.dtype == np.float32`, `np.zeros(3, dtype=t.dtype)` and `{np.dtype("float32"): ...}[t.dtype]`
all work (numpy reads a DType through its `.dtype` attribute).
"""

import numbers

import numpy as np

__all__ = ["DType", "as_dtype", "finfo", "iinfo", "get_default_dtype", "set_default_dtype",
           "promote_types", "can_cast", "torch_result_type", "result_type", "floating",
           "number_dtype"]


class DType:
    """A tensor's element type, as torch.dtype: `torch.float32` when printed, the numpy
    dtype it wraps when compared, hashed or given to numpy (`np.dtype(tg.float32)`).

    One DType per numpy dtype (`t.dtype is tg.float32` holds, as in PyTorch). PyTorch's
    attributes `is_floating_point`, `is_complex`, `is_signed` and `itemsize` are here; numpy's
    `kind`, `name`, `str`, `char`, `type` and `byteorder` are read from the wrapped dtype, so
    code written for numpy's dtypes keeps working (any other: `np.dtype(t.dtype).attribute`).
    """

    __slots__ = ("dtype",)  # the numpy dtype; numpy reads it under this name

    def __init__(self, numpy_dtype):
        self.dtype = np.dtype(numpy_dtype)

    def __repr__(self):
        return f"torch.{self.dtype.name}"

    def __str__(self):
        return repr(self)

    def __eq__(self, other):
        if other.__class__ is DType:  # the usual case first: a dtype check in an op
            return self is other or self.dtype == other.dtype
        if other is None:  # numpy reads None as float64 (np.dtype(None)); torch says unequal
            return False
        try:
            return self.dtype == np.dtype(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __hash__(self):
        return hash(self.dtype)

    # numpy's attributes, read from the wrapped dtype (for code written for numpy's dtypes)
    kind = property(lambda self: self.dtype.kind)
    name = property(lambda self: self.dtype.name)
    str = property(lambda self: self.dtype.str)
    char = property(lambda self: self.dtype.char)
    type = property(lambda self: self.dtype.type)
    byteorder = property(lambda self: self.dtype.byteorder)

    def __reduce__(self):  # pickled and copied as the same interned object
        return as_dtype, (self.dtype.str,)

    @property
    def is_floating_point(self):
        return self.dtype.kind == "f"

    @property
    def is_complex(self):
        return self.dtype.kind == "c"

    @property
    def is_signed(self):
        return self.dtype.kind in "fic"

    @property
    def itemsize(self):
        """Bytes per element."""
        return self.dtype.itemsize

    def to_real(self):
        """The dtype itself (tinygrad_edu's dtypes are all real)."""
        return self


_INTERNED = {}


def as_dtype(numpy_dtype):
    """The one DType for a numpy dtype (or anything np.dtype accepts, such as a DType)."""
    found = _INTERNED.get(numpy_dtype)
    if found is None:
        found = DType(numpy_dtype)
        found = _INTERNED.setdefault(found.dtype, found)
        _INTERNED[numpy_dtype] = found
    return found


def finfo(dtype=None):
    """numpy's finfo of a float dtype (eps, max, min, tiny, ...); of the default float dtype
    when none is given, as torch.finfo."""
    return np.finfo(np.dtype(get_default_dtype() if dtype is None else dtype))


def iinfo(dtype):
    """numpy's iinfo of an integer dtype (max, min, bits), as torch.iinfo."""
    return np.iinfo(np.dtype(dtype))

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_float = np.dtype(np.float32)


def get_default_dtype():
    """The dtype of floats made from Python numbers and of zeros(), randn(), ... (float32)."""
    return as_dtype(_default_float)


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


def promote_types(type1, type2):
    """torch.promote_types: the dtype of a binary op on two tensors of these dtypes."""
    return as_dtype(result_type(np.empty(1, np.dtype(type1)), np.empty(1, np.dtype(type2))))


def can_cast(from_, to):
    """torch.can_cast: False when the cast goes down a category (float to int, int to bool)."""
    return _category(np.dtype(from_)) <= _category(np.dtype(to))


def torch_result_type(tensor1, tensor2):
    """torch.result_type: the dtype of a binary op on these two tensors or Python numbers."""
    def alone(number):  # a Python number's own dtype: bool, int64 or the default float
        return number_dtype(number, np.dtype(np.bool_)) if isinstance(number, numbers.Integral) \
            else _default_float
    if not hasattr(tensor1, "dtype"):
        tensor1, tensor2 = tensor2, tensor1
    if not hasattr(tensor1, "dtype"):
        return as_dtype(number_dtype(tensor2, alone(tensor1)))
    if not hasattr(tensor2, "dtype"):
        return as_dtype(number_dtype(tensor2, np.dtype(tensor1.dtype)))
    return as_dtype(result_type(tensor1, tensor2))
