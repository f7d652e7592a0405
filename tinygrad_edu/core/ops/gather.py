"""Ops that pick or place values along one dimension by an index tensor: Gather, Scatter, ScatterAdd.

Part of the rulebook (see ops/__init__.py for how to read a rule). For dim = 1 of a 2-D x:
gather reads out[i][j] = x[i][index[i][j]], scatter writes out[i][index[i][j]] = src[i][j].
Each is the other's adjoint, so each rule is written with the other op.
"""

import numpy as np

from ..autograd import Op
from .shape import IndexAdd, SetItem

__all__ = ["Gather", "Scatter", "ScatterAdd", "along_key"]


def along_key(index, dim):
    """The numpy key that addresses x[..., index[...], ...] at every position of `index`."""
    grids = np.indices(index.shape, sparse=True)
    return tuple(index if d == dim else grids[d] for d in range(index.ndim))


def _leading(shape):
    return tuple(slice(0, s) for s in shape)


class Gather(Op):
    """out[i][j] = x[i][index[i][j]]   (dim = 1; likewise for any dim)

    ∂C/∂x = zeros of x's shape with g added where each value was read; a value read twice
    gets both gradients (ScatterAdd)
    saves: nothing (only the index and x's shape)
    """
    chain_rule = {"x": "zeros of shape {shape} with δ(out) added where index read them"}

    def forward(self, x, dim, index):
        self.dim, self.index, self.input_shape = dim, index, x.shape
        return x[along_key(index, dim)]

    def backward(self, grad_out):
        zeros = type(grad_out)(np.zeros(self.input_shape, dtype=grad_out.dtype))
        return ScatterAdd.apply(zeros, grad_out, dim=self.dim, index=self.index)


class ScatterAdd(Op):
    """out = x, then out[i][index[i][j]] += src[i][j]   (dim = 1; repeated places accumulate)

    ∂C/∂x = g,   ∂C/∂src[i][j] = g[i][index[i][j]]   (Gather; zero where src was not used)
    saves: nothing (only the index)
    """
    chain_rule = {"x": "δ(out)", "src": "δ(out) gathered at index"}

    def forward(self, x, src, dim, index):
        self.dim, self.index, self.src_shape = dim, index, src.shape
        out = x.copy()
        np.add.at(out, along_key(index, dim), src[_leading(index.shape)])
        return out

    def backward(self, grad_out):
        need_x, need_src = self.needs_input_grad
        return (grad_out if need_x else None), (_src_gradient(self, grad_out) if need_src else None)


class Scatter(Op):
    """out = x, then out[i][index[i][j]] = src[i][j]   (dim = 1; the old values are overwritten)

    ∂C/∂x = g with zeros where values were written,   ∂C/∂src[i][j] = g[i][index[i][j]]
    saves: nothing (only the index)
    """
    chain_rule = {"x": "δ(out) with zeros where index wrote", "src": "δ(out) gathered at index"}

    def forward(self, x, src, dim, index):
        self.dim, self.index, self.src_shape = dim, index, src.shape
        out = x.copy()
        out[along_key(index, dim)] = src[_leading(index.shape)]
        return out

    def backward(self, grad_out):
        need_x, need_src = self.needs_input_grad
        grad_x = SetItem.apply(grad_out, grad_out._operand(0), key=along_key(self.index, self.dim)) \
            if need_x else None
        return grad_x, (_src_gradient(self, grad_out) if need_src else None)


def _src_gradient(op, grad_out):
    """g gathered at the index, placed in a zeros tensor of src's shape when src is larger."""
    picked = Gather.apply(grad_out, dim=op.dim, index=op.index)
    if picked.shape == op.src_shape:
        return picked
    return IndexAdd.apply(picked, key=_leading(op.index.shape), shape=op.src_shape)
