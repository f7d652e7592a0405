"""The Tensor methods that reduce over dimensions: sum, mean, var, std, max, min, norm, arg-max/min and the softmax family."""

import numpy as np

from . import autograd, guardrails, ops
from .shapes import _dim_keepdim, _normalize_dims, _reduction_dims

__all__ = ["ReduceMixin"]


class ReduceMixin:
    """Reductions of Tensor (mixed into the class; each one calls an op of the rulebook)."""

    __slots__ = ()

    # -- softmax family (numerically stable) -----------------------------------------------------
    def softmax(self, dim=-1):
        (dim,) = _normalize_dims(dim, self.ndim, "softmax", self.shape) if self.ndim else (None,)
        return ops.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim=-1):
        (dim,) = _normalize_dims(dim, self.ndim, "log_softmax", self.shape) if self.ndim else (None,)
        return ops.LogSoftmax.apply(self, dim=dim)

    def logsumexp(self, dim=None, keepdim=False, **kwargs):
        dim, keepdim = _dim_keepdim("logsumexp", dim, keepdim, kwargs)
        dims = _reduction_dims(dim, self.ndim, "logsumexp", self.shape)
        _refuse_empty(self, dims, "logsumexp")
        return ops.LogSumExp.apply(self, dims=dims, keepdim=keepdim)

    # -- reductions ------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, **kwargs):
        """Sum over `dim` (int, tuple or None for all); `axis`/`keepdims` are accepted too."""
        dim, keepdim = _dim_keepdim("sum", dim, keepdim, kwargs)
        dims = _reduction_dims(dim, self.ndim, "sum", self.shape)
        return _tagged(ops.Sum.apply(self, dims=dims, keepdim=keepdim), self, dims, keepdim)

    def mean(self, dim=None, keepdim=False, **kwargs):
        dim, keepdim = _dim_keepdim("mean", dim, keepdim, kwargs)
        dims = _reduction_dims(dim, self.ndim, "mean", self.shape)
        count = int(np.prod([self.shape[d] for d in dims])) if dims else 1
        if count == 0:
            raise ValueError(f"mean: cannot average over an empty dimension (shape {self.shape})")
        if self.dtype.kind not in "fc":
            raise TypeError(f"mean: needs a float tensor, got {self.dtype.name}; use .float()")
        return _tagged(ops.Sum.apply(self, dims=dims, keepdim=keepdim) * (1.0 / count), self,
                       dims, keepdim)

    def var(self, dim=None, keepdim=False, correction=1, unbiased=None, **kwargs):
        """Variance with Bessel's correction by default (divide by n − 1), as in PyTorch."""
        dim, keepdim = _dim_keepdim("var", dim, keepdim, kwargs)
        if unbiased is not None:
            correction = 1 if unbiased else 0
        dims = _reduction_dims(dim, self.ndim, "var", self.shape)
        count = int(np.prod([self.shape[d] for d in dims])) if dims else 1
        if count - correction <= 0:
            raise ValueError(f"var: {count} element(s) with correction={correction} leave no "
                             f"degrees of freedom; use correction=0 or more elements")
        centered = self - self.mean(dim=dims, keepdim=True)
        return (centered * centered).sum(dim=dims, keepdim=keepdim) * (1.0 / (count - correction))

    def std(self, dim=None, keepdim=False, correction=1, unbiased=None, **kwargs):
        return self.var(dim, keepdim, correction, unbiased, **kwargs).sqrt()

    def max(self, dim=None, keepdim=False, **kwargs):
        """The largest element (a tensor), as torch.max:

        * `t.max()`: the largest element; ties share the gradient equally (as torch.amax);
        * `t.max(dim)` with an int dim: PyTorch's named pair (values, indices), the gradient
          going to the element at `indices` (the first maximum);
        * `t.max(other)`: the elementwise maximum;
        * a tuple of dims, or numpy's `axis=`/`keepdims=`: the values only (as amax).
        """
        if isinstance(dim, autograd.Tensor):
            return self.maximum(dim)
        if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and not kwargs:
            return self._extreme_along(dim, keepdim, largest=True)
        return self.amax(dim, keepdim, **kwargs)

    def amax(self, dim=None, keepdim=False, **kwargs):
        """Largest element over `dim` (int, tuple or None); ties share the gradient equally."""
        dim, keepdim = _dim_keepdim("max", dim, keepdim, kwargs)
        dims = _reduction_dims(dim, self.ndim, "max", self.shape)
        if self._data.size == 0:
            raise ValueError(f"max: the tensor is empty (shape {self.shape})")
        return _tagged(ops.Max.apply(self, dims=dims, keepdim=keepdim), self, dims, keepdim)

    def min(self, dim=None, keepdim=False, **kwargs):
        """The smallest element, as `max` (an int dim gives (values, indices))."""
        if isinstance(dim, autograd.Tensor):
            return self.minimum(dim)
        if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and not kwargs:
            return self._extreme_along(dim, keepdim, largest=False)
        return self.amin(dim, keepdim, **kwargs)

    def amin(self, dim=None, keepdim=False, **kwargs):
        """Smallest element over `dim`: −amax(−x)."""
        dim, keepdim = _dim_keepdim("min", dim, keepdim, kwargs)
        dims = _reduction_dims(dim, self.ndim, "min", self.shape)
        return _tagged(-((-self).amax(dim=dim, keepdim=keepdim)), self, dims, keepdim)

    def norm(self, p=2, dim=None, keepdim=False):
        """The p-norm (‖x‖₂ by default) over `dim` (all elements by default), as torch.norm."""
        if p == 2:
            return (self * self).sum(dim, keepdim).sqrt()
        if p == 1:
            return self.abs().sum(dim, keepdim)
        if p == float("inf"):
            return self.abs().amax(dim, keepdim)
        if isinstance(p, (int, float)) and p > 0:
            return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)
        raise ValueError(f"norm: p must be a positive number or inf, got {p!r}")

    def argmax(self, dim=None, keepdim=False, **kwargs):
        """Index of the largest element (no gradient); over the flattened tensor when dim=None."""
        return self._arg(np.argmax, "argmax", dim, keepdim, kwargs)

    def argmin(self, dim=None, keepdim=False, **kwargs):
        return self._arg(np.argmin, "argmin", dim, keepdim, kwargs)

    def _arg(self, function, op, dim, keepdim, kwargs):
        dim, keepdim = _dim_keepdim(op, dim, keepdim, kwargs)
        if dim is None:
            _refuse_empty(self, tuple(range(self.ndim)), op)
            return autograd.Tensor._make(np.asarray(function(self._data), dtype=np.int64), False, None)
        (axis,) = _normalize_dims(dim, self.ndim, op, self.shape)
        _refuse_empty(self, (axis,), op)
        if self.ndim == 0:  # dim 0 or −1 of a 0-d tensor, as PyTorch: index 0
            return autograd.Tensor._make(np.zeros((), dtype=np.int64), False, None)
        result = function(self._data, axis=axis)
        if keepdim:
            result = np.expand_dims(result, axis)
        return autograd.Tensor._make(result.astype(np.int64), False, None)

    def sum_to_shape(self, shape):
        """Sum this tensor down to `shape`: the reverse of broadcasting (used by rules)."""
        shape = tuple(shape)
        if self.shape == shape:
            return self
        extra = self.ndim - len(shape)
        if extra < 0:
            raise ValueError(f"sum_to_shape: cannot reduce shape {self.shape} to the larger "
                             f"{shape}")
        dims = tuple(range(extra)) + tuple(
            extra + i for i, size in enumerate(shape) if size == 1 and self.shape[extra + i] != 1)
        out = ops.Sum.apply(self, dims=dims, keepdim=True) if dims else self
        return out.reshape(shape)


def _refuse_empty(t, dims, op):
    """A clear error for a reduction without an identity (max, logsumexp, argmax) over no elements."""
    if t._data.size == 0:
        empty = [d for d in dims if t.shape[d] == 0] or list(dims)
        raise ValueError(f"{op}: cannot reduce over an empty dimension (shape {t.shape}, "
                         f"dim {empty[0] if empty else None} has size 0): the result is not "
                         f"defined; check the slicing that made this tensor, or reduce over "
                         f"another dim")


def _tagged(out, source, dims, keepdim):
    """out, tagged for the guardrails when its dims will not line up if broadcast back against
    source (a reduction without keepdim over dims that are not the leading ones)."""
    if not keepdim and dims and dims[-1] >= len(dims):
        guardrails.tag_reduction(out, source.shape, dims)
    return out
