"""Linear algebra: the matrix product (numpy's rules for vectors, matrices and batches).

Part of the rulebook (see ops/__init__.py for how to read a rule)."""

import numpy as np

from ..autograd import Op
from ..messages import say

__all__ = [
    "MatMul", "array_product", "product",
]


def array_product(a, b):
    """a @ b of two numpy arrays, as MatMul computes it."""
    if a.ndim == 2 and b.ndim == 2 and a.shape[1] == 1:
        # An outer product (inner dimension 1, e.g. gᵀx for a batch of one example):
        # numpy's matmul takes a slow non-BLAS loop here, einsum is 4× faster.
        return np.einsum("i,j->ij", a[:, 0], b[0])
    return np.matmul(a, b)


def product(a, b):
    """a @ b in a rule that runs on Tensors and on arrays alike (Op.rule_on_arrays): two
    Tensors multiply as MatMul, two arrays with MatMul's own arithmetic."""
    return array_product(a, b) if type(a) is np.ndarray else a @ b


class MatMul(Op):
    """out = a @ b   (numpy's rules: 1-D vectors, 2-D matrices, batches that broadcast)

    ∂C/∂a = g @ bᵀ,   ∂C/∂b = aᵀ @ g   (summed over broadcast batch dimensions)
    saves: b if a needs a gradient, a if b does
    """
    chain_rule = {"a": "δ(out) @ bᵀ", "b": "aᵀ @ δ(out)"}

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                             f"{a.shape} and {b.shape}; use * to scale by a number")
        inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if a.shape[-1] != inner_b:
            raise ValueError(say("error.matmul_inner", a=a.shape, b=b.shape, inner_a=a.shape[-1],
                                 inner_b=inner_b, which=say("error.matmul_second_to_last" if b.ndim > 1
                                                            else "error.matmul_only")))
        try:
            out = array_product(a, b)
        except ValueError:
            raise ValueError(f"matmul: the batch dimensions of shapes {a.shape} and {b.shape} "
                             f"cannot be broadcast together") from None
        need = self.needs_input_grad  # (all False when nothing is recorded)
        self.shapes = (a.shape, b.shape)
        self.save_for_backward(a if need[1] else None, b if need[0] else None)
        return out

    def backward(self, grad_out):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        a_shape, b_shape = self.shapes
        if len(a_shape) == 2 and len(b_shape) == 2:
            return (grad_out @ b.T if need_a else None), (a.T @ grad_out if need_b else None)
        if len(a_shape) == 1 and len(b_shape) == 1:
            return (grad_out * b if need_a else None), (grad_out * a if need_b else None)
        # Promote vectors to matrices as numpy does, then undo it on the gradients.
        a2_shape = (1,) + a_shape if len(a_shape) == 1 else a_shape
        b2_shape = b_shape + (1,) if len(b_shape) == 1 else b_shape
        g2 = grad_out
        if len(a_shape) == 1:
            g2 = g2.unsqueeze(-2)
        if len(b_shape) == 1:
            g2 = g2.unsqueeze(-1)
        grad_a = grad_b = None
        if need_a:
            b2 = b.reshape(b2_shape)
            grad_a = (g2 @ b2.transpose(-1, -2)).sum_to_shape(a2_shape).reshape(a_shape)
        if need_b:
            a2 = a.reshape(a2_shape)
            grad_b = (a2.transpose(-1, -2) @ g2).sum_to_shape(b2_shape).reshape(b_shape)
        return grad_a, grad_b
