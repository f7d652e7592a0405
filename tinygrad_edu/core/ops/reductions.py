"""Reductions: sums, maxima and the softmax family (stable: the max is subtracted before exponentiating).

Part of the rulebook (see ops/__init__.py for how to read a rule)."""

import numpy as np

from ..autograd import Op

__all__ = [
    "Sum", "Max", "Softmax", "LogSoftmax", "LogSumExp", "Cumsum",
]


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Op):
    """out = Σ x   (over `dims`)

    ∂out/∂x = 1 for every summed element, so the gradient is g copied (expanded) back
    saves: nothing (only shapes)
    """
    chain_rule = {"x": "δ(out) copied back to shape {shape}"}

    def forward(self, x, dims, keepdim):
        self.input_shape, self.dims = x.shape, dims
        return x.sum(axis=dims, keepdims=keepdim)

    def backward(self, grad_out):
        return grad_out.reshape(_kept_shape(self.input_shape, self.dims)).expand(self.input_shape)


class Max(Op):
    """out = max x   (over `dims`)

    ∂out/∂x = 1 at the maximum, 0 elsewhere; k tied maxima get 1/k each
    saves: that mask
    """
    chain_rule = {"x": "δ(out) at the maximum (shared by ties), 0 elsewhere"}

    def forward(self, x, dims, keepdim):
        self.dims = dims
        out_kd = np.max(x, axis=dims, keepdims=True)
        if self.needs_input_grad[0]:  # the mask is only for the backward pass
            mask = (x == out_kd).astype(x.dtype)
            mask /= mask.sum(axis=dims, keepdims=True)
            self.save_for_backward(mask)
        return out_kd if keepdim else out_kd.reshape(
            tuple(s for i, s in enumerate(x.shape) if i not in dims))

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out.reshape(_kept_shape(mask.shape, self.dims)) * mask


class Softmax(Op):
    """out_i = e^(x_i) / Σ_j e^(x_j)   (along `dim`)

    ∂out_i/∂x_j = out_i (δ_ij − out_j), so ∂C/∂x = out ⊙ (g − Σ_j g_j out_j)
    saves: out
    """
    chain_rule = {"x": "out ⊙ (δ(out) − Σ δ(out) ⊙ out)"}

    def forward(self, x, dim):
        self.dim = dim
        e = np.exp(x - x.max(axis=dim, keepdims=True))
        out = e / e.sum(axis=dim, keepdims=True)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return out * (grad_out - (grad_out * out).sum(dim=self.dim, keepdim=True))


class LogSoftmax(Op):
    """out_i = x_i − log Σ_j e^(x_j)   (along `dim`)

    ∂out_i/∂x_j = δ_ij − softmax_j, so ∂C/∂x = g − softmax ⊙ Σ_j g_j
    saves: out (softmax = e^out)
    """
    chain_rule = {"x": "δ(out) − softmax(x) ⊙ Σ δ(out)"}

    def forward(self, x, dim):
        self.dim = dim
        shifted = x - x.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out - out.exp() * grad_out.sum(dim=self.dim, keepdim=True)


class LogSumExp(Op):
    """out = log Σ e^(x)   (over `dims`)

    ∂out/∂x = e^(x − out) = softmax(x)
    saves: x (and uses out)
    """
    chain_rule = {"x": "δ(out) ⊙ e^(x − out)"}

    def forward(self, x, dims, keepdim):
        self.kept_shape = _kept_shape(x.shape, dims)
        m = x.max(axis=dims, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all −∞ (or +∞) rows: no shift, let log/exp decide
        with np.errstate(divide="ignore"):
            out_kd = np.log(np.exp(x - m).sum(axis=dims, keepdims=True)) + m
        self.save_for_backward(x)
        return out_kd if keepdim else out_kd.reshape(
            tuple(s for i, s in enumerate(x.shape) if i not in dims))

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        out_kd = self.output.reshape(self.kept_shape)
        return grad_out.reshape(self.kept_shape) * (x - out_kd).exp()


class Cumsum(Op):
    """out_i = x_1 + x_2 + … + x_i   (running sums along `dim`)

    ∂out_i/∂x_j = 1 for j ≤ i, so ∂C/∂x_j = Σ_{i ≥ j} g_i: the running sums of g taken from
    the end, written Σ g − cumsum(g) + g
    saves: nothing (only dim)
    """
    chain_rule = {"x": "running sums of δ(out) from the end along dim"}

    def forward(self, x, dim):
        self.dim = dim
        return np.cumsum(x, axis=dim)

    def backward(self, grad_out):
        total = grad_out.sum(self.dim, keepdim=True)
        return total - Cumsum.apply(grad_out, dim=self.dim) + grad_out
