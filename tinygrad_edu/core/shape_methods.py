"""The Tensor methods that move values without arithmetic: reshape, view, flatten, (un)squeeze, permute, transpose, expand, indexing and padding."""

import numpy as np

from . import ops
from .indexing import check_key, normalize_key
from .shapes import _normalize_dims, _resolve_shape, _shape_args

__all__ = ["ShapeMixin"]


class ShapeMixin:
    """Shape methods of Tensor (mixed into the class; each one calls an op of the rulebook)."""

    __slots__ = ()

    # -- shape ops -------------------------------------------------------------------------------
    def reshape(self, *shape):
        shape = _shape_args(shape)
        if shape == self._data.shape:
            return self
        new_shape = _resolve_shape(shape, self._data.size, self.shape)
        if new_shape == self.shape:
            return self
        return ops.Reshape.apply(self, shape=new_shape)

    def view(self, *shape):
        return self.reshape(*shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start = _normalize_dims(start_dim, self.ndim, "flatten", self.shape)[0]
        end = _normalize_dims(end_dim, self.ndim, "flatten", self.shape)[0]
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape[:start] + (int(np.prod(self.shape[start:end + 1])),) + self.shape[end + 1:]
        return self.reshape(shape)

    def unsqueeze(self, dim):
        ndim = self.ndim + 1
        if not -ndim <= dim < ndim:
            raise IndexError(f"unsqueeze: dim {dim} is out of range for a result of {ndim} "
                             f"dimensions; use a dim in [{-ndim}, {ndim - 1}]")
        dim = dim % ndim
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        dims = _normalize_dims(dim, self.ndim, "squeeze", self.shape)
        return self.reshape(tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1)))

    def permute(self, *dims):
        dims = _shape_args(dims)
        if sorted(d % self.ndim if self.ndim else d for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} dimensions "
                             f"of a tensor of shape {self.shape}")
        dims = tuple(d % self.ndim for d in dims)
        if dims == tuple(range(self.ndim)):
            return self
        return ops.Permute.apply(self, dims=dims)

    def transpose(self, dim0, dim1):
        d0, d1 = (_normalize_dims(d, self.ndim, "transpose", self.shape)[0] for d in (dim0, dim1))
        if self.ndim == 0:  # transpose(0, 0) of a 0-d tensor, as PyTorch: the same values
            return self.permute()
        dims = list(range(self.ndim))
        dims[d0], dims[d1] = dims[d1], dims[d0]
        return self.permute(*dims)

    def expand(self, *shape):
        """Broadcast to `shape` without copying (−1 keeps a dimension)."""
        shape = _shape_args(shape)
        if len(shape) < self.ndim:
            raise ValueError(f"expand: cannot expand shape {self.shape} to fewer dimensions "
                             f"{shape}")
        own = (1,) * (len(shape) - self.ndim) + self.shape
        shape = tuple(o if s == -1 else s for s, o in zip(shape, own))
        for s, o in zip(shape, own):
            if o != 1 and o != s:
                raise ValueError(f"expand: shape {self.shape} cannot be expanded to {shape} (a "
                                 f"dimension must match or be 1)")
        if shape == self.shape:
            return self
        return ops.Expand.apply(self, shape=shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, key):
        key = normalize_key(key)
        check_key(self._data, key, "index")  # numpy's exact rules, checked before recording
        return ops.Index.apply(self, key=key)

    def pad2d(self, padding):
        """Zero-pad the last two dimensions by `padding` (int or (top, bottom, left, right))."""
        if isinstance(padding, int):
            padding = (padding,) * 4
        if self.ndim < 2:
            raise ValueError(f"pad2d: needs at least 2 dimensions, got shape {self.shape}")
        if padding == (0, 0, 0, 0):
            return self
        return ops.Pad.apply(self, padding=tuple(int(p) for p in padding))

    def view_as(self, other):
        """This tensor reshaped to other's shape."""
        return self.reshape(other.shape)

    def masked_fill(self, mask, value):
        """A copy with `value` where `mask` is True (those elements get no gradient)."""
        return self.clone().masked_fill_(mask, value)

    def tril(self, diagonal=0):
        """The lower triangle of the last two dims (zeros above `diagonal`), as torch.tril."""
        return self._triangle(np.tril, diagonal, "tril")

    def triu(self, diagonal=0):
        """The upper triangle of the last two dims (zeros below `diagonal`), as torch.triu."""
        return self._triangle(np.triu, diagonal, "triu")

    def _triangle(self, keep, diagonal, op):
        if self.ndim < 2:
            raise ValueError(f"{op}: needs at least 2 dimensions, got shape {self.shape}")
        mask = keep(np.ones(self.shape[-2:], dtype=bool), diagonal)
        return self.masked_fill(~np.broadcast_to(mask, self.shape), 0)

