"""THE RULEBOOK: every primitive op of tinygrad_edu, its forward on numpy arrays and its local derivative rule.

How to read a rule: `forward` receives numpy arrays and returns the output array; `backward`
receives `grad_out` = ∂C/∂out (a Tensor of the output's shape) and returns ∂C/∂input for each
input, by the chain rule ∂C/∂input = ∂C/∂out · ∂out/∂input. Rules are written with Tensor
operations, so the same rule, run under `create_graph=True`, records a graph of its own and can
be differentiated again (higher-order gradients). Binary ops may assume that inputs which need
a gradient already have the output's shape: broadcasting such an input is an explicit Expand
node, whose rule sums the gradient back.

Every class here registers itself in `autograd.registry`; tests/test_ops.py checks each rule
against finite differences and fails when an op has no test case.
"""

import numpy as np

from .autograd import Op
from .tensor import Tensor

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "MatMul", "Exp", "Log", "Sqrt", "Abs", "Sin", "Cos",
    "Relu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "LogSumExp", "Sum", "Max", "Reshape",
    "Permute", "Expand", "Index", "IndexAdd", "Cat", "Where", "Maximum", "Clamp", "Cast", "Pad",
    "Linear", "Unfold", "Fold", "SquaredError", "SoftmaxCrossEntropy",
]


_EXP_LIMITS = {}


def _exp_limit(dtype):
    """ln of the largest finite number of a float dtype: e^x overflows above it."""
    limit = _EXP_LIMITS.get(dtype)
    if limit is None:
        # Rounded to the dtype, ln(max) can land just above it (float32: 88.722839 > ln max),
        # so step down until e^limit is finite in that dtype.
        limit = np.asarray(np.log(np.finfo(dtype).max), dtype=dtype)
        with np.errstate(over="ignore"):
            while not np.isfinite(np.exp(limit)):
                limit = np.nextafter(limit, np.zeros((), dtype))
        limit = _EXP_LIMITS[dtype] = float(limit)
    return limit


def _constant(array):
    """A Tensor that takes no part in differentiation (masks, signs)."""
    return Tensor._make(np.asarray(array), False, None)


# ---------------------------------------------------------------------------------------------
# Elementwise arithmetic
# ---------------------------------------------------------------------------------------------

class Add(Op):
    """out = a + b

    ∂out/∂a = 1,   ∂out/∂b = 1
    saves: nothing
    """

    def forward(self, a, b):
        return a + b

    def backward(self, grad_out):
        return grad_out, grad_out


class Sub(Op):
    """out = a − b

    ∂out/∂a = 1,   ∂out/∂b = −1
    saves: nothing
    """

    def forward(self, a, b):
        return a - b

    def backward(self, grad_out):
        return grad_out, (-grad_out if self.needs_input_grad[1] else None)


class Mul(Op):
    """out = a ⊙ b   (elementwise)

    ∂out/∂a = b,   ∂out/∂b = a
    saves: a, b
    """

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad_out):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        return (grad_out * b if need_a else None), (grad_out * a if need_b else None)


class Div(Op):
    """out = a / b

    ∂out/∂a = 1/b,   ∂out/∂b = −a/b²
    saves: a, b
    """

    def forward(self, a, b):
        self.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return a / b

    def backward(self, grad_out):
        a, b = self.saved_tensors
        grad_a = grad_out / b
        return grad_a, (-grad_a * a / b if self.needs_input_grad[1] else None)


class Neg(Op):
    """out = −x

    ∂out/∂x = −1
    saves: nothing
    """

    def forward(self, x):
        return -x

    def backward(self, grad_out):
        return -grad_out


class Pow(Op):
    """out = a ** b

    ∂out/∂a = b · a^(b−1),   ∂out/∂b = a^b · ln a   (only computed when b needs a gradient)
    saves: a, b, out
    """

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.power(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad_out):
        a, b, out = self.saved_tensors
        grad_a = grad_out * b * a ** (b - 1)
        grad_b = grad_out * out * a.log() if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Maximum(Op):
    """out = max(a, b)   (elementwise)

    ∂out/∂a = 1 where a > b, ½ where a = b, 0 elsewhere;   ∂out/∂b = 1 − ∂out/∂a
    saves: the mask ∂out/∂a
    """

    def forward(self, a, b):
        mask = (a > b) + 0.5 * (a == b)
        self.save_for_backward(mask.astype(np.result_type(a, b)))
        return np.maximum(a, b)

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask, grad_out * (1 - mask)


class Where(Op):
    """out = a where condition else b   (condition: a fixed bool array)

    ∂out/∂a = 1 where condition, else 0;   ∂out/∂b = 1 − ∂out/∂a
    saves: the condition as a 0/1 mask
    """

    def forward(self, a, b, condition):
        self.save_for_backward(condition.astype(np.result_type(a, b)))
        return np.where(condition, a, b)

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask, grad_out * (1 - mask)


class Clamp(Op):
    """out = min(max(x, low), high)

    ∂out/∂x = 1 where low ≤ x ≤ high, else 0
    saves: that 0/1 mask
    """

    def forward(self, x, low, high):
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        self.save_for_backward(inside.astype(x.dtype))
        return np.clip(x, low, high)

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask


class Cast(Op):
    """out = x converted to another float dtype

    ∂out/∂x = 1 (the gradient is converted back to x's dtype)
    saves: nothing
    """

    def forward(self, x, dtype):
        self.input_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad_out):
        return grad_out.to(self.input_dtype)


# ---------------------------------------------------------------------------------------------
# Elementwise functions
# ---------------------------------------------------------------------------------------------

class Exp(Op):
    """out = eˣ

    ∂out/∂x = eˣ = out
    saves: out
    """

    def forward(self, x):
        with np.errstate(over="ignore"):
            out = np.exp(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out * out


class Log(Op):
    """out = ln x

    ∂out/∂x = 1/x
    saves: x
    """

    def forward(self, x):
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return grad_out / x


class Sqrt(Op):
    """out = √x

    ∂out/∂x = 1 / (2√x) = 1 / (2·out)
    saves: out
    """

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out / (out * 2)


class Abs(Op):
    """out = |x|

    ∂out/∂x = sign(x)   (0 at x = 0, as in PyTorch)
    saves: sign(x)
    """

    def forward(self, x):
        self.save_for_backward(np.sign(x))
        return np.abs(x)

    def backward(self, grad_out):
        (sign,) = self.saved_tensors
        return grad_out * sign


class Sin(Op):
    """out = sin x

    ∂out/∂x = cos x
    saves: x
    """

    def forward(self, x):
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return grad_out * x.cos()


class Cos(Op):
    """out = cos x

    ∂out/∂x = −sin x
    saves: x
    """

    def forward(self, x):
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return -(grad_out * x.sin())


class Relu(Op):
    """out = max(x, 0)

    ∂out/∂x = 1 where x > 0, else 0
    saves: that 0/1 mask
    """

    def forward(self, x):
        positive = x > 0
        self.save_for_backward(positive.astype(x.dtype))
        return x * positive

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask


class Sigmoid(Op):
    """out = σ(x) = 1 / (1 + e⁻ˣ)

    ∂out/∂x = σ(x)(1 − σ(x)) = out · (1 − out)
    saves: out
    """

    def forward(self, x):
        # 1 / (1 + e⁻ˣ) is accurate on both sides (no 1 − tiny cancellation); only e⁻ˣ could
        # overflow, so its exponent is capped at ln(largest float): that changes σ(x) only where
        # it is below the smallest normal float, and it never gives inf or NaN.
        out = 1 / (1 + np.exp(np.minimum(-x, _exp_limit(x.dtype))))
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out * out * (1 - out)


class Tanh(Op):
    """out = tanh x

    ∂out/∂x = 1 − tanh²x = 1 − out²
    saves: out
    """

    def forward(self, x):
        out = np.tanh(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out * (1 - out * out)


# ---------------------------------------------------------------------------------------------
# Softmax family (stable: the max is subtracted before exponentiating)
# ---------------------------------------------------------------------------------------------

class Softmax(Op):
    """out_i = e^(x_i) / Σ_j e^(x_j)   (along `dim`)

    ∂out_i/∂x_j = out_i (δ_ij − out_j), so ∂C/∂x = out ⊙ (g − Σ_j g_j out_j)
    saves: out
    """

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


# ---------------------------------------------------------------------------------------------
# Matrix product and the fused Linear layer
# ---------------------------------------------------------------------------------------------

class MatMul(Op):
    """out = a @ b   (numpy's rules: 1-D vectors, 2-D matrices, batches that broadcast)

    ∂C/∂a = g @ bᵀ,   ∂C/∂b = aᵀ @ g   (summed over broadcast batch dimensions)
    saves: a, b
    """

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                             f"{a.shape} and {b.shape}; use * to scale by a number")
        inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if a.shape[-1] != inner_b:
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied (inner dimensions "
                f"{a.shape[-1]} != {inner_b}); the last dimension of the first must equal the "
                f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the second "
                f"(transpose one of them?)")
        try:
            if a.ndim == 2 and b.ndim == 2 and a.shape[1] == 1:
                # An outer product (inner dimension 1, e.g. gᵀx for a batch of one example):
                # numpy's matmul takes a slow non-BLAS loop here, einsum is 4× faster.
                out = np.einsum("i,j->ij", a[:, 0], b[0])
            else:
                out = np.matmul(a, b)
        except ValueError:
            raise ValueError(f"matmul: the batch dimensions of shapes {a.shape} and {b.shape} "
                             f"cannot be broadcast together") from None
        self.save_for_backward(a, b)
        return out

    def backward(self, grad_out):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:
            return (grad_out @ b.T if need_a else None), (a.T @ grad_out if need_b else None)
        if a.ndim == 1 and b.ndim == 1:
            return (grad_out * b if need_a else None), (grad_out * a if need_b else None)
        # Promote vectors to matrices as numpy does, then undo it on the gradients.
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g2 = grad_out
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        grad_a = (g2 @ b2.transpose(-1, -2)).sum_to_shape(a2.shape).reshape(a.shape) \
            if need_a else None
        grad_b = (a2.transpose(-1, -2) @ g2).sum_to_shape(b2.shape).reshape(b.shape) \
            if need_b else None
        return grad_a, grad_b


class Linear(Op):
    """out = x @ wᵀ + b   (fused: one node for a dense layer; x (..., in), w (out, in), b (out,))

    ∂C/∂x = g @ w,   ∂C/∂w = gᵀ @ x,   ∂C/∂b = Σ_batch g   (batch dims flattened)
    saves: x, w
    Equal to the composite matmul + expand + add (tested), but one node instead of four.
    """

    def forward(self, x, w, b):
        if x.ndim == 0 or x.shape[-1] != w.shape[1]:
            raise ValueError(f"linear: input of shape {x.shape} does not fit a weight of shape "
                             f"{w.shape}: the input's last dimension must be in_features = "
                             f"{w.shape[1]}")
        if b.shape != (w.shape[0],):
            raise ValueError(f"linear: bias of shape {b.shape} does not fit a weight of shape "
                             f"{w.shape}; it must have shape ({w.shape[0]},)")
        self.save_for_backward(x, w)
        out = x @ w.T
        out += b
        return out

    def backward(self, grad_out):
        x, w = self.saved_tensors
        need_x, need_w, need_b = self.needs_input_grad
        if grad_out.ndim == 2:
            g2, x2 = grad_out, x
        else:
            g2 = grad_out.reshape(-1, w.shape[0])
            x2 = x.reshape(-1, w.shape[1])
        grad_x = grad_out @ w if need_x else None
        grad_w = g2.T @ x2 if need_w else None
        grad_b = g2.sum(0) if need_b else None
        return grad_x, grad_w, grad_b


# ---------------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------------

def _kept_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Op):
    """out = Σ x   (over `dims`)

    ∂out/∂x = 1 for every summed element, so the gradient is g copied (expanded) back
    saves: nothing (only shapes)
    """

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


# ---------------------------------------------------------------------------------------------
# Shape ops (no arithmetic: gradients are moved back where the values came from)
# ---------------------------------------------------------------------------------------------

class Reshape(Op):
    """out = x with a new shape (same elements, same order)

    ∂C/∂x = g reshaped back to x's shape
    saves: nothing (only x's shape)
    """

    def forward(self, x, shape):
        self.input_shape = x.shape
        return x.reshape(shape)

    def backward(self, grad_out):
        return grad_out.reshape(self.input_shape)


class Permute(Op):
    """out = x with its dimensions reordered (transpose is the two-dimension case)

    ∂C/∂x = g permuted back by the inverse permutation
    saves: nothing (only the permutation)
    """

    def forward(self, x, dims):
        self.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return x.transpose(dims)

    def backward(self, grad_out):
        return grad_out.permute(*self.inverse)


class Expand(Op):
    """out = x broadcast to `shape`

    Each input element was copied to several outputs, so its gradient is the sum of
    theirs over the broadcast axes.
    saves: nothing (only x's shape)
    """

    def forward(self, x, shape):
        self.input_shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, grad_out):
        return grad_out.sum_to_shape(self.input_shape)


def _is_basic_key(key):
    parts = key if isinstance(key, tuple) else (key,)
    return not any(isinstance(p, np.ndarray) for p in parts)


class Index(Op):
    """out = x[key]   (ints, slices, None, Ellipsis, integer arrays, boolean masks)

    ∂C/∂x = zeros with g added at the indexed places; an element picked twice gets both
    gradients (IndexAdd)
    saves: nothing (only the key and x's shape)
    """

    def forward(self, x, key):
        self.input_shape, self.key = x.shape, key
        return x[key]

    def backward(self, grad_out):
        return IndexAdd.apply(grad_out, key=self.key, shape=self.input_shape)


class IndexAdd(Op):
    """out = zeros(shape) with g added at out[key]   (the adjoint of Index; repeats accumulate)

    ∂C/∂g = (∂C/∂out)[key]
    saves: nothing (only the key)
    """

    def forward(self, g, key, shape):
        self.key = key
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic_key(key):
            out[key] = g  # basic indexing never picks an element twice
        else:
            np.add.at(out, key, g)
        return out

    def backward(self, grad_out):
        return Index.apply(grad_out, key=self.key)


class Cat(Op):
    """out = [x₁, x₂, …] joined along `dim`

    ∂C/∂xᵢ = the slice of g where xᵢ was placed
    saves: nothing (only the sizes)
    """

    def forward(self, *xs, dim):
        self.dim = dim
        self.bounds = np.cumsum([0] + [x.shape[dim] for x in xs])
        return np.concatenate(xs, axis=dim)

    def backward(self, grad_out):
        before = (slice(None),) * self.dim
        return tuple(grad_out[before + (slice(int(start), int(stop)),)]
                     for start, stop in zip(self.bounds[:-1], self.bounds[1:]))


class Pad(Op):
    """out = x with zeros around its last two dimensions (padding = top, bottom, left, right)

    ∂C/∂x = the inner (unpadded) part of g
    saves: nothing (only the padding)
    """

    def forward(self, x, padding):
        top, bottom, left, right = padding
        self.inner = (Ellipsis, slice(top, top + x.shape[-2]), slice(left, left + x.shape[-1]))
        widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
        return np.pad(x, widths)

    def backward(self, grad_out):
        return grad_out[self.inner]


def _unfold_shapes(height, width, kernel, stride):
    kh, kw = kernel
    sh, sw = stride
    if height < kh or width < kw:
        raise ValueError(f"unfold: a {kh}×{kw} kernel does not fit an input of {height}×{width}; "
                         f"use padding or a smaller kernel")
    return (height - kh) // sh + 1, (width - kw) // sw + 1


class Unfold(Op):
    """out[n, i, j, :] = the patch x[n, :, i·s : i·s+kh, j·s : j·s+kw], flattened (im2col)

    Turns a convolution into one matrix product. Each input pixel is copied into every
    patch that covers it, so ∂C/∂x adds up the gradients of those copies (Fold).
    x: (N, C, H, W) -> out: (N, H_out, W_out, C·kh·kw)
    saves: nothing (only shapes)
    """

    def forward(self, x, kernel, stride):
        n, c, h, w = x.shape
        self.input_shape, self.kernel, self.stride = x.shape, kernel, stride
        out_h, out_w = _unfold_shapes(h, w, kernel, stride)
        windows = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))
        windows = windows[:, :, ::stride[0], ::stride[1]][:, :, :out_h, :out_w]
        return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, out_h, out_w, -1)

    def backward(self, grad_out):
        return Fold.apply(grad_out, input_shape=self.input_shape, kernel=self.kernel,
                          stride=self.stride)


class Fold(Op):
    """out = the sum of every patch of `cols` put back at its place (col2im, the adjoint of Unfold)

    cols: (N, H_out, W_out, C·kh·kw) -> out: (N, C, H, W)
    ∂C/∂cols = Unfold(g)
    saves: nothing (only shapes)
    """

    def forward(self, cols, input_shape, kernel, stride):
        n, c, h, w = input_shape
        kh, kw = kernel
        sh, sw = stride
        self.kernel, self.stride = kernel, stride
        _, out_h, out_w, _ = cols.shape
        patches = cols.reshape(n, out_h, out_w, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
        out = np.zeros(input_shape, dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                out[:, :, i:i + sh * (out_h - 1) + 1:sh, j:j + sw * (out_w - 1) + 1:sw] += \
                    patches[:, :, i, j]
        return out

    def backward(self, grad_out):
        return Unfold.apply(grad_out, kernel=self.kernel, stride=self.stride)


# ---------------------------------------------------------------------------------------------
# Fused costs (one node each instead of five to eight; tested against their composites)
# ---------------------------------------------------------------------------------------------

class SquaredError(Op):
    """out = scale · Σ (a − y)²   (the lecture's quadratic cost uses scale = 1/(2n))

    ∂out/∂a = 2·scale·(a − y),   ∂out/∂y = −2·scale·(a − y)
    saves: a, y
    Equal to the composite ((a − y) ** 2).sum() * scale (tested), in one node instead of four.
    """

    def forward(self, a, y, scale):
        self.scale = scale
        self.save_for_backward(a, y)
        difference = a - y
        return np.asarray(np.vdot(difference, difference) * scale, dtype=difference.dtype)

    def backward(self, grad_out):
        a, y = self.saved_tensors
        grad_a = (a - y) * (grad_out * (2 * self.scale))
        return grad_a, (-grad_a if self.needs_input_grad[1] else None)


class SoftmaxCrossEntropy(Op):
    """out = −scale · Σᵢ Σⱼ pᵢⱼ · log softmax(xᵢ)ⱼ   (logits x (n, k); p = one-hot class targets or
    class probabilities; scale = 1/n for the mean)

    ∂out/∂x = scale · (softmax(x) − p)
    saves: x (the targets p are a constant)
    Equal to the composite −(log_softmax(x) · p).sum() · scale (tested), in one node instead of
    five, and stable at any logit size (log-softmax subtracts the row maximum).
    """

    def forward(self, x, targets, scale):
        self.scale = scale
        if targets.ndim == 1:
            probabilities = np.zeros(x.shape, dtype=x.dtype)
            probabilities[np.arange(x.shape[0]), targets] = 1
        else:
            probabilities = targets.astype(x.dtype, copy=False)
        self.targets = probabilities
        self.save_for_backward(x)
        shifted = x - x.max(axis=1, keepdims=True)
        log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return np.asarray(-scale * np.vdot(probabilities, log_probabilities), dtype=x.dtype)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return (x.softmax(1) - self.targets) * (grad_out * self.scale)
