"""The Tensor: a numpy array that remembers how it was made, so that backward() can differentiate it.

Its storage, autograd methods, arithmetic and elementwise functions live here (each one calls an op
of the rulebook); reductions are in reduce_methods.py, shape methods in shape_methods.py, the
in-place ones (add_, t[i] = v, +=) in inplace.py, and the constructors in creation.py.
"""

import math
import numbers

import numpy as np

from . import autograd, dtypes, guardrails, ops
from . import devices as _device
from . import printing
from .messages import say
from .inplace import InPlaceMixin
from .reduce_methods import ReduceMixin
from .shape_methods import ShapeMixin
from .torch_methods import TorchMethodsMixin
from .shapes import _normalize_dims, broadcast_shape

__all__ = ["Tensor", "broadcast_shape", "float16", "float32", "float64", "uint8", "int8", "int16",
           "int32", "int64", "bool_"]

# PyTorch's dtypes, each a DType wrapping a numpy dtype (core/dtypes.py): print(t.dtype) gives
# torch.float32, and numpy takes them wherever it takes a dtype
float16, float32, float64 = (dtypes.as_dtype(d) for d in (np.float16, np.float32, np.float64))
uint8, int8, int16 = (dtypes.as_dtype(d) for d in (np.uint8, np.int8, np.int16))
int32, int64, bool_ = (dtypes.as_dtype(d) for d in (np.int32, np.int64, np.bool_))

_DTYPE_NAMES = {"float": float32, "float32": float32, "double": float64, "float64": float64,
                "int": int64, "long": int64, "int64": int64, "int32": int32, "bool": bool_}


_TYPE_NAMES = {float32: "torch.FloatTensor", float64: "torch.DoubleTensor",
               float16: "torch.HalfTensor", int64: "torch.LongTensor", int32: "torch.IntTensor",
               int16: "torch.ShortTensor", int8: "torch.CharTensor", uint8: "torch.ByteTensor",
               bool_: "torch.BoolTensor"}


def _as_dtype(dtype):
    if dtype is None:
        return None
    if isinstance(dtype, dtypes.DType):  # tg.float64: its numpy dtype (numpy's own np.dtype(d)
        return dtype.dtype               # reads it 15 times slower, as an attribute)
    if isinstance(dtype, str) and dtype in _DTYPE_NAMES:
        return _DTYPE_NAMES[dtype].dtype
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype: {dtype!r} is not a dtype; use tg.float32, tg.float64, "
                        f"tg.int64 or tg.bool_") from None


def _to_array(data, dtype=None):
    """numpy array for `data`: Python floats become float32 (the default float dtype), numpy
    arrays keep their dtype unless `dtype` is given, and Tensors give their data."""
    dtype = _as_dtype(dtype)
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "OSUV":
            _refuse_non_numbers(data)
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    if isinstance(data, (str, bytes)) or (dtype is not None and _holds_strings(data)):
        _refuse_non_numbers(data)  # np.array would make a str tensor, or parse "1.0" silently
    if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in _flatten_once(data)):
        data = _tensors_to_lists(data)
    try:
        array = np.array(data, dtype=dtype)
    except (ValueError, TypeError) as error:
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} {data!r:.80}: "
                        f"{error}; pass a number, a (nested) list of numbers of equal "
                        f"lengths, or a numpy array") from None
    if array.dtype.kind in "OSUV":
        _refuse_non_numbers(data)
    if dtype is None and array.dtype == np.float64 and not isinstance(data, np.generic):
        array = array.astype(dtypes.get_default_dtype())
    return array


def _refuse_non_numbers(data):
    raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} {data!r:.80}: it "
                    f"holds strings, other non-numbers or ragged lists; pass numbers (convert "
                    f"text first, e.g. float(s)), a (nested) list of numbers of equal lengths, or "
                    f"a numeric numpy array")


def _holds_strings(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return isinstance(data, (str, bytes))


def _flatten_once(data):
    return data if isinstance(data, (list, tuple)) else [data]


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(d) for d in data]
    return data


_CONSTANTS = {}


def _promoted(a, b):
    """a and b cast to the dtype PyTorch gives their binary op (the rule is in dtypes.py)."""
    dtype = dtypes.result_type(a._data, b._data)
    return (a if a._data.dtype == dtype else a.to(dtype),
            b if b._data.dtype == dtype else b.to(dtype))


def _true_division(a, b):
    """Ints divided give floats of the default dtype, as in PyTorch (numpy gives float64)."""
    dtype = dtypes.get_default_dtype()
    return a.to(dtype), b.to(dtype)


class Tensor(ReduceMixin, ShapeMixin, TorchMethodsMixin, InPlaceMixin):
    """An n-dimensional array with reverse-mode automatic differentiation.

    Attributes:
        data: a Tensor sharing this tensor's memory, outside the graph (PyTorch's `.data`:
            `p.data -= lr * p.grad` changes p without being recorded); `.numpy()` gives the
            numpy array that holds the values.
        grad: the gradient (a Tensor) accumulated by backward(), or None.
        requires_grad: whether operations on this tensor are recorded for backward().
        name: an optional label, shown by the graph pictures and error messages.

    Example:
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """

    __slots__ = ("_data", "requires_grad", "_ctx", "__dict__", "__weakref__")
    # The rest lives in the instance dict only once set (leaves, named, retained tensors, views,
    # tensors changed in place); the class defaults keep the op outputs' hot path to 3 writes.
    grad = guardrails.NonLeafGrad()  # None; read from user code on a non-leaf, it warns
    name = None
    _retain = False
    _base = None           # the tensor whose storage this one views (it holds the version)
    _view_of = None        # (source tensor, view op class, its params) for a view
    _version_count = 0     # in-place changes of the storage (kept on the base, see _version)
    _history = None        # {version: earlier node} once a recorded in-place op moved it on
    _stepped = False       # guardrails: a gradient that optimizer.step() used
    _reduced_from = None   # guardrails: (source shape, dims) of a reduction without keepdim
    __array_ufunc__ = None  # numpy defers to Tensor's reflected operators: array * tensor works

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self._data = _to_array(data, dtype)
        self.grad = None
        self.requires_grad = False
        self.name = name
        self._ctx = None
        self._retain = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, requires_grad, ctx):
        """Wrap an op's output without any checks (the hot path of Op.apply)."""
        t = cls.__new__(cls)
        t._data = data
        t.requires_grad = requires_grad
        t._ctx = ctx
        return t

    # -- basic properties ----------------------------------------------------------------------
    @property
    def shape(self):
        """The sizes of the dimensions: a tuple that prints as torch.Size([3, 4])."""
        return printing.Size(self._data.shape)

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        """The element type, as torch.float32 (a DType: equal to the numpy dtype it wraps)."""
        return dtypes.as_dtype(self._data.dtype)

    @property
    def is_leaf(self):
        """True for tensors made by the user (not by an op that recorded a graph)."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The op node that created this tensor, or None for leaves."""
        return self._ctx

    @property
    def T(self):
        """The transpose: dimensions reversed."""
        if self._data.ndim == 2:
            return ops.Permute.apply(self, dims=(1, 0))
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim=None):
        return self.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel  # PyTorch's older name

    def item(self):
        if self._data.size != 1:
            raise ValueError(say("error.item", shape=self.shape))
        return self._data.reshape(()).item()

    def numpy(self):
        """The numpy array holding the values (shared, not copied).

        Unlike PyTorch, a tensor that requires grad gives it too (reading values is what a
        learner does most); writing into it is not recorded nor counted by the version counter.
        """
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor with shape {self.shape} is "
                               f"ambiguous; use .any() or .all()")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__  # __eq__ is elementwise, so identity is the hash

    def __repr__(self):
        extras = []
        if self.dtype not in (float32, int64, bool_):
            extras.append(f"dtype=torch.{self.dtype.name}")
        if self._ctx is not None:
            extras.append(f"grad_fn={self._ctx!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return printing.format_tensor(self._data, extras)

    # -- autograd --------------------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """Ask (or stop asking) for this leaf's gradient; returns self."""
        if requires_grad and self._data.dtype.kind not in "fc":
            raise TypeError(f"requires_grad: only floating-point tensors can require gradients, "
                            f"this one has dtype {self.dtype.name}; convert it first with "
                            f".float() (or .double())")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_: this tensor was computed by an op; use .detach() "
                               "to get a tensor that does not require grad")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep `.grad` of this non-leaf tensor after backward() (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retain = self._ctx is not None
        autograd.seen.retained = True
        return self

    def detach(self):
        """A new leaf sharing the storage (and, as in PyTorch, its version counter), cut off
        from the graph."""
        out = Tensor._make(self._data, False, None)
        out._base = self if self._base is None else self._base
        return out

    @property
    def data(self):
        """A Tensor sharing this tensor's memory that is not part of the graph.

        As in PyTorch, changes made through it are not seen by autograd (not recorded, and
        not counted by the version counter): `p.data -= lr * p.grad` is the classic update.
        """
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value):
        value = value._data if isinstance(value, Tensor) else _to_array(value)
        if value.shape != self._data.shape and self._ctx is not None:
            raise RuntimeError(f"data: cannot give a tensor made by an op ({self._ctx.name}) "
                               f"values of another shape ({value.shape} for {self.shape})")
        self._data = value

    @property
    def _version(self):
        """How many times this tensor's storage was changed in place (PyTorch's `_version`)."""
        return (self if self._base is None else self._base)._version_count

    def clone(self):
        """A copy with its own storage; gradients flow through it to this tensor."""
        return ops.Clone.apply(self)

    def contiguous(self):
        """A C-contiguous tensor with the same values (self when it already is one)."""
        return self if self._data.flags.c_contiguous else self.clone()

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Backpropagate from this tensor: accumulate d self / d leaf into each leaf's `.grad`.

        Args:
            gradient: d C / d self, needed when self is not a scalar (same shape as self).
            retain_graph: keep the saved values for another backward (default: create_graph).
            create_graph: record the backward pass itself, for higher-order gradients.

        Raises:
            RuntimeError: self does not require grad, is not a scalar and no gradient was
                given, or its graph was released by an earlier backward().
        """
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # -- dtype conversions -----------------------------------------------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """This tensor with another dtype (differentiable between float dtypes), as torch's
        `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)`; the device must be the CPU."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, _device.device) or _device.is_device_name(arg):
                _device.as_device(arg, "to")
            else:
                dtype = arg
        _device.as_device(device, "to")
        dtype = self.dtype if dtype is None else _as_dtype(dtype)
        if copy:
            return self.clone().to(dtype)
        if dtype == self.dtype:
            return self
        if self.requires_grad and dtype.kind in "fc":
            return ops.Cast.apply(self, dtype=dtype)
        return Tensor._make(self._data.astype(dtype), False, None)

    @property
    def device(self):
        """Where the values live: always the CPU (torch.device('cpu'))."""
        return _device.CPU

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        _device.as_device("cuda", "cuda")

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def long(self):
        return self.to(int64)

    def int(self):
        return self.to(int32)

    def bool(self):
        return self.to(bool_)

    def type(self, dtype=None):
        """Without an argument PyTorch's type name ('torch.FloatTensor'); else `to(dtype)`."""
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype, f"torch.{self.dtype.name}")
        return self.to(dtype)

    # -- operand coercion and broadcasting ------------------------------------------------------
    def _operand(self, other):
        """`other` as a Tensor: Python numbers take this tensor's float dtype (as in PyTorch)."""
        if isinstance(other, Tensor):
            return other
        if type(other) is float or type(other) is int:
            # Constants such as the 1 in (1 − σ) recur in every backward pass: reuse them.
            key = (other, self._data.dtype)
            constant = _CONSTANTS.get(key)
            if constant is None:
                constant = self._number_operand(other)
                # −0.0 == 0.0 and NaN != NaN as dict keys: those are never cached, nor a
                # float beside an int tensor (its dtype follows set_default_dtype)
                if len(_CONSTANTS) < 4096 and (other != 0 or type(other) is int) \
                        and other == other and (key[1].kind == "f" or type(other) is int):
                    constant._data.flags.writeable = False
                    _CONSTANTS[key] = constant
            return constant
        return self._number_operand(other)

    def _number_operand(self, other):
        if isinstance(other, numbers.Number) and not isinstance(other, bool):
            dtype = dtypes.number_dtype(other, self._data.dtype)  # PyTorch's rule, dtypes.py
            return Tensor._make(np.asarray(other, dtype=dtype), False, None)
        array = _to_array(other)
        if array.dtype.kind == "f" and self._data.dtype.kind == "f" and array.ndim == 0:
            array = array.astype(self._data.dtype)
        return Tensor._make(array, False, None)

    def _broadcast_pair(self, other, op):
        """(a, b) ready for a binary op: an input that requires grad and must be broadcast gets an
        explicit Expand node, so its gradient is summed back (and the picture shows where)."""
        b = other if type(other) is Tensor else self._operand(other)
        a = self
        if a._data.dtype is not b._data.dtype and a._data.dtype != b._data.dtype:
            a, b = _promoted(a, b)
        if a._data.shape != b._data.shape:
            if (b._data.ndim == 0 and not b.requires_grad) or (a._data.ndim == 0
                                                              and not a.requires_grad):
                return a, b  # a constant number: numpy broadcasts it, nothing to sum back
            shape = broadcast_shape(a._data.shape, b._data.shape, op)
            if a._reduced_from is not None or b._reduced_from is not None:  # guardrails
                guardrails.check_reduction_broadcast(a, b, op)
            if autograd.is_grad_enabled():  # nothing is summed back when nothing is recorded
                if a.requires_grad and a._data.shape != shape:
                    a = a.expand(shape)
                if b.requires_grad and b._data.shape != shape:
                    b = b.expand(shape)
        return a, b

    # -- arithmetic ------------------------------------------------------------------------------
    def add(self, other):
        a, b = self._broadcast_pair(other, "add")
        return ops.Add.apply(a, b)

    def sub(self, other):
        a, b = self._broadcast_pair(other, "sub")
        return ops.Sub.apply(a, b)

    def mul(self, other):
        a, b = self._broadcast_pair(other, "mul")
        return ops.Mul.apply(a, b)

    def div(self, other):
        a, b = self._broadcast_pair(other, "div")
        if a._data.dtype.kind in "biu":
            a, b = _true_division(a, b)
        return ops.Div.apply(a, b)

    def pow(self, exponent):
        a, b = self._broadcast_pair(exponent, "pow")
        return ops.Pow.apply(a, b)

    def neg(self):
        return ops.Neg.apply(self)

    def matmul(self, other):
        return ops.MatMul.apply(self, self._operand(other))

    __add__ = add
    __sub__ = sub
    __mul__ = mul
    __truediv__ = div
    __pow__ = pow
    __neg__ = neg
    __matmul__ = matmul

    def __radd__(self, other):
        b, a = self._operand(other)._broadcast_pair(self, "add")
        return ops.Add.apply(b, a)

    def __rsub__(self, other):
        b, a = self._operand(other)._broadcast_pair(self, "sub")
        return ops.Sub.apply(b, a)

    def __rmul__(self, other):
        b, a = self._operand(other)._broadcast_pair(self, "mul")
        return ops.Mul.apply(b, a)

    def __rtruediv__(self, other):
        b, a = self._operand(other)._broadcast_pair(self, "div")
        if a._data.dtype.kind in "biu":
            b, a = _true_division(b, a)
        return ops.Div.apply(b, a)

    def __rpow__(self, other):
        b, a = self._operand(other)._broadcast_pair(self, "pow")
        return ops.Pow.apply(b, a)

    def __rmatmul__(self, other):
        return ops.MatMul.apply(self._operand(other), self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    # -- comparisons (no gradient: they return bool tensors) -------------------------------------
    def _compare(self, other, function, op):
        other_data = self._operand(other)._data
        if other_data.shape != self._data.shape:
            broadcast_shape(self._data.shape, other_data.shape, op)
        return Tensor._make(function(self._data, other_data), False, None)

    def __eq__(self, other):
        return self._compare(other, np.equal, "eq")

    def __ne__(self, other):
        return self._compare(other, np.not_equal, "ne")

    def __lt__(self, other):
        return self._compare(other, np.less, "lt")

    def __le__(self, other):
        return self._compare(other, np.less_equal, "le")

    def __gt__(self, other):
        return self._compare(other, np.greater, "gt")

    def __ge__(self, other):
        return self._compare(other, np.greater_equal, "ge")

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self):
        if self.dtype != bool_:
            raise TypeError(f"~: only bool tensors can be inverted, this one is {self.dtype.name}")
        return Tensor._make(~self._data, False, None)

    def __and__(self, other):
        return self._compare(other, np.logical_and, "and")

    def __or__(self, other):
        return self._compare(other, np.logical_or, "or")

    def any(self, dim=None, keepdim=False):
        dims = None if dim is None else _normalize_dims(dim, self.ndim, "any", self.shape)
        return Tensor._make(np.asarray(self._data.any(axis=dims, keepdims=keepdim)), False, None)

    def all(self, dim=None, keepdim=False):
        dims = None if dim is None else _normalize_dims(dim, self.ndim, "all", self.shape)
        return Tensor._make(np.asarray(self._data.all(axis=dims, keepdims=keepdim)), False, None)

    def isnan(self):
        return Tensor._make(np.isnan(self._data), False, None)

    def isfinite(self):
        return Tensor._make(np.isfinite(self._data), False, None)

    # -- elementwise functions -------------------------------------------------------------------
    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def log10(self):
        """log₁₀ x = ln x / ln 10 (a composite: its gradient comes from Log and Mul)."""
        return self.log() * (1 / math.log(10))

    def sqrt(self):
        return ops.Sqrt.apply(self)

    def abs(self):
        return ops.Abs.apply(self)

    def sin(self):
        return ops.Sin.apply(self)

    def cos(self):
        return ops.Cos.apply(self)

    def relu(self):
        return ops.Relu.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self)

    def tanh(self):
        return ops.Tanh.apply(self)

    def square(self):
        return self * self

    def sign(self):
        return Tensor._make(np.sign(self._data), False, None)

    def clamp(self, min=None, max=None):
        """Limit every element to [min, max]; the gradient is 1 inside, 0 where clamped."""
        if min is None and max is None:
            raise ValueError("clamp: give min, max or both")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            out = self
            if min is not None:
                out = out.maximum(min)
            if max is not None:
                out = out.minimum(max)
            return out
        if min is not None and max is not None and min > max:
            raise ValueError(f"clamp: min={min} is larger than max={max}")
        return ops.Clamp.apply(self, low=min, high=max)

    clip = clamp

    def maximum(self, other):
        """Elementwise maximum; at ties each input gets half of the gradient (as in PyTorch)."""
        a, b = self._broadcast_pair(other, "maximum")
        return ops.Maximum.apply(a, b)

    def minimum(self, other):
        """Elementwise minimum: −maximum(−a, −b)."""
        return -((-self).maximum(-self._operand(other)))



autograd.use_tensor_class(Tensor)
