"""Composites built from the rulebook's primitives, and thin wrappers of its fused ops: no derivative rules here.

Only the core-level composites live here. Activations and softmax are Tensor methods
(x.relu(), x.softmax(dim)); cat, stack, where, maximum and minimum are tg-level functions;
the torch.nn.functional-style names for all of them are in tinygrad_edu/nn/functional.py.
"""

import numpy as np

from . import ops
from .creation import where
from .tensor import Tensor, broadcast_shape

__all__ = [
    "batch_norm_batch_statistics", "linear", "conv2d", "conv2d_by_unfold", "max_pool2d", "max_pool2d_by_max", "avg_pool2d",
    "unfold", "fold", "squared_error", "softmax_cross_entropy", "sigmoid_cross_entropy", "erf",
]


def _pair(value, name):
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{name}: expected an int or a pair of ints, got {value!r}")
    return value


def linear(x, weight, bias=None):
    """x @ weightᵀ + bias, with weight of shape (out_features, in_features) as in PyTorch.

    With a bias this is the fused `Linear` op (one graph node); without, a plain matmul.
    """
    if bias is None:
        if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ValueError(f"linear: input of shape {x.shape} does not fit a weight of shape "
                             f"{weight.shape}: the input's last dimension must be "
                             f"in_features = {weight.shape[1]}")
        return x @ weight.T
    return ops.Linear.apply(x, weight, bias)


def unfold(x, kernel_size, stride=1, padding=0):
    """Patches of x (N, C, H, W) as rows: (N, H_out, W_out, C·kh·kw), the im2col of a convolution."""
    if x.ndim != 4:
        raise ValueError(f"unfold: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    x = x.pad2d(_pair(padding, "unfold") * 2 if isinstance(padding, int) else
                (padding[0], padding[0], padding[1], padding[1]))
    return ops.Unfold.apply(x, kernel=_pair(kernel_size, "unfold"), stride=_pair(stride, "unfold"))


def fold(cols, output_size, kernel_size, stride=1):
    """Sum the patches `cols` (N, H_out, W_out, C·kh·kw) back into an image of `output_size`."""
    return ops.Fold.apply(cols, input_shape=tuple(output_size), kernel=_pair(kernel_size, "fold"),
                          stride=_pair(stride, "fold"))


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D cross-correlation, as torch.nn.functional.conv2d: x (N, C, H, W), weight (O, C, kh, kw).

    One node of the primitive Conv2d (ops/conv.py), whose rule is the two adjoint convolutions.
    It equals the definition written with simpler rules, `conv2d_by_unfold` (tested), and is
    its fast path: W4 of benchmarks/bench_conv.py spent most of its step in that composite's
    transposed patch copy and Fold loop. Without a bias, the op adds a constant zero bias.
    """
    _check_conv(x, weight, "conv2d")
    if bias is None:
        bias = weight._operand(np.zeros(weight.shape[0], dtype=weight.dtype))
    elif bias.shape != (weight.shape[0],):
        raise ValueError(f"conv2d: bias of shape {bias.shape} does not fit a weight of shape "
                         f"{weight.shape}; it must have shape ({weight.shape[0]},)")
    return ops.Conv2d.apply(x, weight, bias, stride=_pair(stride, "conv2d"),
                            padding=_pair(padding, "conv2d"))


def conv2d_by_unfold(x, weight, bias=None, stride=1, padding=0):
    """conv2d by its definition: unfold (im2col: every patch a row) followed by one matrix product.

    The plain rule that conv2d's primitive replaces: its gradient comes from the rules of Pad,
    Unfold, Linear/MatMul and the shape ops, so every step can be read in the graph.
    """
    _check_conv(x, weight, "conv2d")
    n = x.shape[0]
    out_channels, _, kh, kw = weight.shape
    cols = unfold(x, (kh, kw), stride, padding)
    _, out_h, out_w, patch = cols.shape
    out = linear(cols.reshape(n * out_h * out_w, patch), weight.reshape(out_channels, patch), bias)
    return out.reshape(n, out_h, out_w, out_channels).permute(0, 3, 1, 2)


def _check_conv(x, weight, name):
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D input (N, C, H, W) and a 4-D weight "
                         f"(O, C, kh, kw), got shapes {x.shape} and {weight.shape}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"{name}: the input has {x.shape[1]} channels but the weight expects "
                         f"{weight.shape[1]} (weight shape {weight.shape})")


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Largest value of each window, per channel: x (N, C, H, W) -> (N, C, H_out, W_out).

    Windows that tile the image (stride = kernel, no padding: the usual 2×2 pool) take the fast
    path, the primitive MaxPool2d (ops/conv.py; W4 of benchmarks/bench_conv.py); any other
    window is the plain rule, `max_pool2d_by_max` (tested equal).
    """
    if x.ndim != 4:
        raise ValueError(f"max_pool2d: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    kernel = _pair(kernel_size, "max_pool2d")
    stride = kernel if stride is None else _pair(stride, "max_pool2d")
    no_padding = _pair(padding, "max_pool2d") == (0, 0)
    if stride == kernel and no_padding and x.shape[2] >= kernel[0] and x.shape[3] >= kernel[1]:
        return ops.MaxPool2d.apply(x, kernel=kernel)
    return max_pool2d_by_max(x, kernel, stride, padding)


def max_pool2d_by_max(x, kernel_size, stride=None, padding=0):
    """max_pool2d as the plain rule: a Max over each window (gathered by Unfold or a reshape)."""
    if x.ndim != 4:
        raise ValueError(f"max_pool2d: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    kernel = _pair(kernel_size, "max_pool2d")
    stride = kernel if stride is None else _pair(stride, "max_pool2d")
    n, c, h, w = x.shape
    if _pair(padding, "max_pool2d") != (0, 0):  # (nn.MaxPool2d passes (0, 0))
        # Padded cells must never win the max, so they hold −∞ rather than 0.
        ph, pw = _pair(padding, "max_pool2d")
        padded = x.pad2d((ph, ph, pw, pw))
        border = np.ones(padded.shape, dtype=bool)
        border[..., ph:ph + h, pw:pw + w] = False
        x = where(border, -np.inf, padded)
        h, w = h + 2 * ph, w + 2 * pw
    kh, kw = kernel
    if stride == kernel and h % kh == 0 and w % kw == 0:
        # Non-overlapping windows: put each window's kh·kw cells on a leading axis, so the max
        # is an elementwise maximum of whole slices, not a reduction over many tiny rows.
        windows = x.reshape(n, c, h // kh, kh, w // kw, kw).permute(3, 5, 0, 1, 2, 4)
        return windows.reshape(kh * kw, n, c, h // kh, w // kw).amax(dim=0)
    cols = ops.Unfold.apply(x.reshape(n * c, 1, h, w), kernel=kernel, stride=stride)
    pooled = cols.amax(dim=-1)
    return pooled.reshape(n, c, pooled.shape[1], pooled.shape[2])


def avg_pool2d(x, kernel_size, stride=None):
    """Mean of each window, per channel: x (N, C, H, W) -> (N, C, H_out, W_out)."""
    kernel = _pair(kernel_size, "avg_pool2d")
    stride = kernel if stride is None else _pair(stride, "avg_pool2d")
    n, c, h, w = x.shape
    cols = ops.Unfold.apply(x.reshape(n * c, 1, h, w), kernel=kernel, stride=stride)
    pooled = cols.mean(dim=-1)
    return pooled.reshape(n, c, pooled.shape[1], pooled.shape[2])


def batch_norm_batch_statistics(x, weight, bias, mean, inverse_std, eps):
    """γ ⊙ (x − μ) · r + β with the batch's μ and r = 1/√(σ² + eps) per channel (arrays of
    shape (1, C, 1, ...), computed by the caller from x) as one fused `BatchNorm` node, whose
    rule is the whole batch-norm gradient (it recomputes μ and r from x)."""
    return ops.BatchNorm.apply(x, weight, bias, mean=mean, inverse_std=inverse_std, eps=eps)


def squared_error(a, y, scale=1.0):
    """scale · Σ (a − y)² as one fused node (the lecture's quadratic cost is scale = 1/(2n)).

    `y` may be a Tensor or an array of a's shape (or broadcastable to it).
    """
    y = y if isinstance(y, Tensor) else a._operand(y)
    if y.shape != a.shape:
        shape = broadcast_shape(a.shape, y.shape, "squared_error")
        if shape != a.shape:
            raise ValueError(f"squared_error: targets of shape {y.shape} would broadcast the "
                             f"activations of shape {a.shape} to {shape}; give targets of shape "
                             f"{a.shape}")
        # A constant target is broadcast as a read-only view (no copy, no Expand node).
        y = y.expand(shape) if y.requires_grad else Tensor(np.broadcast_to(y.numpy(), shape))
    return ops.SquaredError.apply(a, y, scale=float(scale))


def softmax_cross_entropy(logits, targets, reduction="mean"):
    """−Σ p · log softmax(logits) as one fused, stable node (PyTorch's CrossEntropyLoss).

    Args:
        logits: (n, k) scores.
        targets: class indices (n,) of an integer dtype, or probabilities / one-hot (n, k)
            (a Tensor that does not require grad, or an array).
        reduction: "mean" (divide by n) or "sum".
    """
    if logits.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: expected logits of shape (n, classes), got "
                         f"{logits.shape}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"softmax_cross_entropy: reduction must be 'mean' or 'sum' for the fused "
                         f"op, got {reduction!r}")
    target = targets.numpy() if isinstance(targets, Tensor) else np.asarray(targets)
    n, k = logits.shape
    if target.ndim == 1:
        if target.dtype.kind not in "iu":
            raise TypeError(f"softmax_cross_entropy: class-index targets must be integers, got "
                            f"{target.dtype.name}; use .long() or pass one-hot targets of shape "
                            f"({n}, {k})")
        if target.shape[0] != n:
            raise ValueError(f"softmax_cross_entropy: {n} rows of logits but {target.shape[0]} "
                             f"targets")
        outside = target[(target < 0) | (target >= k)]
        if outside.size:
            raise ValueError(f"softmax_cross_entropy: class index {int(outside[0])} is out of "
                             f"range for {k} classes (valid: 0..{k - 1})")
    elif target.shape != logits.shape:
        raise ValueError(f"softmax_cross_entropy: targets of shape {target.shape} do not match "
                         f"logits of shape {logits.shape}; give class indices ({n},) or "
                         f"probabilities ({n}, {k})")
    scale = 1.0 / n if reduction == "mean" else 1.0
    return ops.SoftmaxCrossEntropy.apply(logits, targets=target, scale=scale)


def erf(x):
    """The error function erf x, elementwise (op Erf); torch.erf. The exact GELU uses it."""
    if not isinstance(x, Tensor):
        raise TypeError(f"erf: expected a Tensor, got a {type(x).__name__}")
    return ops.Erf.apply(x)


def sigmoid_cross_entropy(logits, targets, weight=None, reduction="mean", scale=None):
    """The cross-entropy of σ(logits) as one fused, stable node (the loss of BCEWithLogitsLoss).

    Args:
        logits: z, any shape.
        targets: y of z's shape, values in [0, 1] (a Tensor that does not require grad, or an
            array).
        weight: optional weight per element, broadcast to z's shape.
        reduction: "mean" (over all elements), "sum" or "none" (per element).
        scale: instead of the reduction, the factor of the sum (the lecture's cost: 1/n).
    """
    target = targets.numpy() if isinstance(targets, Tensor) else np.asarray(targets)
    if target.shape != logits.shape:
        raise ValueError(f"sigmoid_cross_entropy: targets of shape {target.shape} do not match "
                         f"logits of shape {logits.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"sigmoid_cross_entropy: reduction must be 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")
    dtype = logits.dtype
    target = target.astype(dtype, copy=False)
    if weight is not None:
        weight = weight.numpy() if isinstance(weight, Tensor) else np.asarray(weight)
        weight = np.broadcast_to(weight.astype(dtype, copy=False), logits.shape)
    if scale is None and reduction != "none":
        scale = 1.0 / max(logits.numpy().size, 1) if reduction == "mean" else 1.0
    return ops.SigmoidCrossEntropy.apply(logits, targets=target, weight=weight,
                                         scale=None if scale is None else float(scale))
