"""The rest of PyTorch's Tensor API that programs from courses use: split, chunk, repeat, gather, scatter, index_select, cumsum, sort, topk, rounding, log2/log1p/expm1 ...

Mixed into Tensor. Each method calls an op of the rulebook (Gather, Scatter, ScatterAdd,
Cumsum, Log1p, Expm1, Rounding) or is a composite of other methods, so its gradient comes
from the rules that are already there.
"""

import math

import numpy as np

from . import autograd, guardrails, ops, return_types
from .shapes import _normalize_dims

__all__ = ["TorchMethodsMixin"]


def _one_dim(dim, tensor, op):
    if tensor.ndim == 0:
        _normalize_dims(dim, 0, op, tensor.shape)
        return None
    return _normalize_dims(dim, tensor.ndim, op, tensor.shape)[0]


def _index_array(index, op, ndim=None):
    """An int64 numpy array from an index Tensor/array/list, checked to be integer."""
    array = index.numpy() if isinstance(index, autograd.Tensor) else np.asarray(index)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor (int64), got dtype "
                        f"{array.dtype.name}; convert it with .long()")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{op}: index must have as many dimensions as the tensor ({ndim}), "
                         f"got shape {array.shape}")
    return array.astype(np.int64, copy=False)


def _check_along(x_shape, index, dim, op, other=None):
    """index fits x (and src): every size ≤ theirs off `dim`, every value in [−n, n) along it."""
    for d, size in enumerate(index.shape):
        limits = [x_shape[d]] if d != dim else []
        if other is not None:
            limits.append(other[d])
        if any(size > limit for limit in limits):
            raise ValueError(f"{op}: index of shape {index.shape} is larger than the tensor of "
                             f"shape {x_shape} in dimension {d}")
    n = x_shape[dim]
    if index.size and (index.min() < -n or index.max() >= n):
        bad = index.max() if index.max() >= n else index.min()
        raise IndexError(f"{op}: index {int(bad)} is out of range for dimension {dim} of size "
                         f"{n}; use indices in [0, {n - 1}]")
    return index % n if n else index


class TorchMethodsMixin:
    """More of PyTorch's Tensor methods (mixed into the class)."""

    __slots__ = ()

    def __format__(self, spec):
        """f"{t:.3f}" formats a 0-d tensor's number, as PyTorch does; other tensors print whole."""
        if self.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    # -- dtypes --------------------------------------------------------------------------------
    def half(self):
        return self.to(np.float16)

    def short(self):
        return self.to(np.int16)

    def byte(self):
        return self.to(np.uint8)

    def char(self):
        return self.to(np.int8)

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return self.dtype.is_complex

    def element_size(self):
        """Bytes per element (4 for float32)."""
        return self.dtype.itemsize

    # -- shapes and sizes ------------------------------------------------------------------------
    def ndimension(self):
        return self.ndim

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def t(self):
        """The transpose of a matrix (a vector or a scalar is returned as is), as torch.t."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape "
                             f"{self.shape}; use transpose(dim0, dim1) or permute")
        return self if self.ndim < 2 else self.transpose(0, 1)

    def split(self, split_size_or_sections, dim=0):
        """Pieces along `dim`: of `split_size` each (the last may be smaller), or of the sizes in a list."""
        axis = _normalize_dims(dim, self.ndim, "split", self.shape)[0]
        n = self.shape[axis]
        if isinstance(split_size_or_sections, (int, np.integer)):
            size = int(split_size_or_sections)
            if size <= 0:
                raise ValueError(f"split: split_size must be positive, got {size}")
            sizes = [min(size, n - start) for start in range(0, n, size)] or [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise ValueError(f"split: the sections {sizes} add up to {sum(sizes)}, but "
                                 f"dimension {axis} has size {n}")
        before = (slice(None),) * axis
        bounds = np.cumsum([0] + sizes)
        return tuple(self[before + (slice(int(a), int(b)),)] for a, b in zip(bounds[:-1], bounds[1:]))

    def chunk(self, chunks, dim=0):
        """`chunks` pieces (or fewer) along `dim`, each of ⌈n / chunks⌉ elements but the last."""
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        axis = _normalize_dims(dim, self.ndim, "chunk", self.shape)[0]
        return self.split(max(1, math.ceil(self.shape[axis] / chunks)), axis)

    def repeat(self, *sizes):
        """This tensor tiled `sizes[d]` times along each dimension d, as torch.repeat (np.tile)."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat: give at least one count per dimension ({self.ndim} for "
                             f"shape {self.shape}), got {sizes}")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        # (r₀, s₀, r₁, s₁, …): each dimension preceded by its count, then merged pairwise
        interleaved = tuple(v for size in shape for v in (1, size))
        expanded = tuple(v for r, size in zip(sizes, shape) for v in (r, size))
        return self.reshape(interleaved).expand(expanded).reshape(
            tuple(r * size for r, size in zip(sizes, shape)))

    # -- picking and placing along a dimension --------------------------------------------------
    def index_select(self, dim, index):
        """The slices at positions `index` (1-D int tensor) along `dim`."""
        axis = _normalize_dims(dim, self.ndim, "index_select", self.shape)[0]
        array = _index_array(index, "index_select", 1)
        n = self.shape[axis]
        if array.size and (array.min() < -n or array.max() >= n):
            raise IndexError(f"index_select: index {int(array.max() if array.max() >= n else array.min())} "
                             f"is out of range for dimension {axis} of size {n}")
        return self[(slice(None),) * axis + (array,)]

    def gather(self, dim, index):
        """out[i][j] = self[i][index[i][j]] for dim = 1 (likewise for any dim), as torch.gather."""
        axis = _normalize_dims(dim, self.ndim, "gather", self.shape)[0]
        array = _check_along(self.shape, _index_array(index, "gather", self.ndim), axis, "gather")
        return ops.Gather.apply(self, dim=axis, index=array)

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        """A copy with self[i][index[i][j]] = src[i][j] (dim = 1), as torch.scatter; `src`
        may be a number (or give `value=`); reduce="add" adds instead of overwriting."""
        if reduce not in (None, "add"):
            raise ValueError(f"scatter: reduce={reduce!r} is not supported; use None or 'add'")
        src = value if src is None else src
        axis = _normalize_dims(dim, self.ndim, "scatter", self.shape)[0]
        array = _index_array(index, "scatter", self.ndim)
        if not isinstance(src, autograd.Tensor):
            src = self._operand(src).expand(array.shape)
        array = _check_along(self.shape, array, axis, "scatter", src.shape)
        op = ops.ScatterAdd if reduce == "add" else ops.Scatter
        return op.apply(self, src.to(self.dtype), dim=axis, index=array)

    def scatter_add(self, dim, index, src):
        """A copy with self[i][index[i][j]] += src[i][j] (dim = 1; repeats accumulate)."""
        return self.scatter(dim, index, src, reduce="add")

    # -- order ------------------------------------------------------------------------------------
    def _order(self, dim, descending, op):
        axis = _one_dim(dim, self, op)
        if axis is None:
            return None, np.zeros((), dtype=np.int64)
        data = self.numpy()
        keys = -data if descending and data.dtype.kind != "b" else (~data if descending else data)
        return axis, np.argsort(keys, axis=axis, kind="stable").astype(np.int64)

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) sorted along `dim` (equal values keep their order), as torch.sort."""
        axis, order = self._order(dim, descending, "sort")
        if axis is None:
            return return_types.sort(self, autograd.Tensor(order))
        return return_types.sort(ops.Gather.apply(self, dim=axis, index=order), autograd.Tensor(order))

    def argsort(self, dim=-1, descending=False, stable=False):
        return autograd.Tensor(self._order(dim, descending, "argsort")[1])

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """(values, indices) of the k largest (or smallest) along `dim`, largest first."""
        axis, order = self._order(dim, largest, "topk")
        n = 1 if axis is None else self.shape[axis]
        if not 0 <= k <= n:
            raise ValueError(f"topk: k={k} is out of range for a dimension of size {n}")
        if axis is None:
            return return_types.topk(self, autograd.Tensor(order))
        order = np.take(order, np.arange(k), axis=axis)
        return return_types.topk(ops.Gather.apply(self, dim=axis, index=order), autograd.Tensor(order))

    def cumsum(self, dim, dtype=None):
        """Running sums along `dim`: out_i = x_1 + … + x_i."""
        source = self if dtype is None else self.to(dtype)
        if source.dtype.kind in "biu" and dtype is None:
            source = source.long()
        axis = _one_dim(dim, source, "cumsum")
        return source if axis is None else ops.Cumsum.apply(source, dim=axis)

    def _extreme_along(self, dim, keepdim, largest):
        """PyTorch's max(dim) / min(dim): the values (gradient to the chosen element only) and
        the indices of the first maximum (minimum)."""
        op = "max" if largest else "min"
        pair = return_types.max if largest else return_types.min
        axis = _one_dim(dim, self, op)
        if axis is None:
            return pair(self, autograd.Tensor(np.zeros((), dtype=np.int64)))
        if self.shape[axis] == 0:
            raise IndexError(f"{op}: dimension {axis} of shape {self.shape} is empty")
        choose = np.argmax if largest else np.argmin
        index = choose(self.numpy(), axis=axis, keepdims=True).astype(np.int64)
        values = ops.Gather.apply(self, dim=axis, index=index)
        if not keepdim:
            values, index = values.squeeze(axis), index.squeeze(axis)
            if axis >= 1:  # its dims will not line up if broadcast back against self
                guardrails.tag_reduction(values, self.shape, (axis,))
        return pair(values, autograd.Tensor(index))

    # -- products with PyTorch's shape rules ----------------------------------------------------
    def mm(self, other):
        """Matrix product of two 2-D tensors (torch.mm: no broadcasting)."""
        return self._product(other, "mm", 2, 2)

    def bmm(self, other):
        """Batched matrix product of two 3-D tensors with the same batch size."""
        if self.ndim == 3 and getattr(other, "ndim", 0) == 3 and self.shape[0] != other.shape[0]:
            raise ValueError(f"bmm: batch sizes differ: {self.shape} and {other.shape}")
        return self._product(other, "bmm", 3, 3)

    def mv(self, other):
        return self._product(other, "mv", 2, 1)

    def dot(self, other):
        return self._product(other, "dot", 1, 1)

    def outer(self, other):
        """The outer product of two vectors: out[i][j] = a[i] · b[j]."""
        if self.ndim != 1 or getattr(other, "ndim", 0) != 1:
            raise ValueError(f"outer: needs two vectors, got shapes {self.shape} and "
                             f"{getattr(other, 'shape', None)}")
        return self.unsqueeze(1) * other.unsqueeze(0)

    def _product(self, other, op, ndim_a, ndim_b):
        if not isinstance(other, autograd.Tensor):
            raise TypeError(f"{op}: expected a Tensor, got {type(other).__name__}")
        if self.ndim != ndim_a or other.ndim != ndim_b:
            raise ValueError(f"{op}: needs {ndim_a}-D and {ndim_b}-D tensors, got shapes "
                             f"{self.shape} and {other.shape}; use matmul (@) for other shapes")
        return self.matmul(other)

    # -- the functions PyTorch also offers as methods ------------------------------------------
    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        from . import creation  # creation.py builds on Tensor, so it is imported when used
        return creation.allclose(self, other, rtol, atol, equal_nan)

    def multinomial(self, num_samples, replacement=False, generator=None):
        from . import creation
        return creation.multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self, p=None, *, generator=None):
        """1 with probability x (or the number p), else 0, elementwise (torch.bernoulli)."""
        from . import sampling  # sampling.py builds on Tensor, so it is imported when used
        return sampling.bernoulli(self, p, generator=generator)

    def where(self, condition, other):
        """self where `condition` holds, else `other` (torch's x.where(c, y) = where(c, x, y))."""
        from . import creation
        return creation.where(condition, self, other)

    # -- elementwise -----------------------------------------------------------------------------
    def log2(self):
        """log₂ x = ln x / ln 2 (a composite: its gradient comes from Log and Mul)."""
        return self.log() * (1 / math.log(2))

    def log1p(self):
        return ops.Log1p.apply(self)

    def expm1(self):
        return ops.Expm1.apply(self)

    def floor(self):
        return self._rounded("floor")

    def ceil(self):
        return self._rounded("ceil")

    def round(self, decimals=0):
        return self._rounded("round", decimals)

    def _rounded(self, mode, decimals=0):
        if self.dtype.kind not in "fc":  # integers are already whole (torch returns a copy)
            return autograd.Tensor(self.numpy().copy())
        return ops.Rounding.apply(self, mode=mode, decimals=decimals)
