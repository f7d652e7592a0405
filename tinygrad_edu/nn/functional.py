"""The nn package as plain functions, like torch.nn.functional: layers, activations and losses without modules.

    import tinygrad_edu.nn.functional as F
    loss = F.cross_entropy(F.linear(x, w, b), labels)

linear, conv2d, pooling, unfold and fold are the core's composites (core/functional.py);
activations come from nn/activations.py and losses from nn/losses.py, where their formulas are
documented; softmax, log_softmax, logsumexp, dropout and batch_norm are defined here.
"""

import numpy as np

from ..core import Tensor, rng
from ..core.functional import (avg_pool2d, batch_norm_batch_statistics, conv2d, fold, linear,
                               max_pool2d, unfold)
from .embedding import embedding, layer_norm
from .activations import gaussian, heaviside, identity, leaky_relu, relu, saturated_linear, \
    sigmoid, step, tanh
from .losses import binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, \
    cross_entropy_cost, l2_penalty, log_likelihood_cost, mse_loss, nll_loss, one_hot, \
    quadratic_cost
from .smooth_activations import gelu, silu, softplus

__all__ = [
    "linear", "conv2d", "max_pool2d", "avg_pool2d", "unfold", "fold", "softmax", "log_softmax",
    "logsumexp", "heaviside", "step", "sigmoid", "identity", "saturated_linear", "tanh",
    "gaussian", "relu", "leaky_relu", "dropout", "batch_norm", "quadratic_cost",
    "cross_entropy_cost", "log_likelihood_cost", "mse_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "l2_penalty", "one_hot",
    "embedding", "layer_norm", "scaled_dot_product_attention",
    "gelu", "silu", "softplus",
]


def softmax(x, dim=-1):
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along `dim`, as torch.nn.functional.softmax (op Softmax)."""
    return x.softmax(dim)


def log_softmax(x, dim=-1):
    """log softmax(x)ᵢ = xᵢ − log Σⱼ e^(xⱼ) along `dim`, computed stably (op LogSoftmax)."""
    return x.log_softmax(dim)


def logsumexp(x, dim=None, keepdim=False):
    """log Σ e^x over `dim` (all elements when None), as torch.logsumexp (the op LogSumExp)."""
    return x.logsumexp(dim, keepdim)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    """softmax(Q Kᵀ / √E + mask) V, as torch's; documented in nn/attention.py, where it lives."""
    # imported here, not at the top: nn/attention.py builds on this module (dropout, relu)
    from .attention import scaled_dot_product_attention as attention
    return attention(query, key, value, attn_mask, dropout_p, is_causal, scale)


def dropout(x, p=0.5, training=True, inplace=False, *, generator=None):
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1 − p).

    The scaling keeps the expected value of every element unchanged, so nothing needs
    rescaling at evaluation time, when dropout does nothing (training=False). The mask is drawn
    from the package generator (see `tg.manual_seed`) and is a constant of the graph: the
    gradient is the upstream gradient times the same mask.

    Args:
        x: a Tensor.
        p: the probability of dropping an element, in [0, 1].
        training: apply dropout (True) or return x unchanged (False).
        inplace: accepted for PyTorch programs; a new tensor is returned either way.
        generator: a tg.Generator for the mask (tinygrad_edu's addition; PyTorch's dropout
            always draws from the default generator).
    """
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r}")
    if not training or p == 0.0:
        return x
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=dtype)
    else:
        keep = rng.numpy_generator(generator).random(x.shape) >= p
        mask = keep * np.asarray(1.0 / (1.0 - p), dtype=dtype)
    return x * Tensor(mask.astype(dtype, copy=False))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization over the channel dimension 1, as torch.nn.functional.batch_norm.

    Training (or without running statistics): each channel is normalized with the batch's
    mean μ and *biased* variance σ² = mean((x − μ)²):  x̂ = (x − μ)/√(σ² + eps), out = γ·x̂ + β.
    The running statistics (when given) are updated in place with the *unbiased* variance:
        running_mean ← (1 − momentum)·running_mean + momentum·μ
        running_var  ← (1 − momentum)·running_var  + momentum·σ²·m/(m − 1)   (m values/channel)
    Evaluation: x̂ = (x − running_mean)/√(running_var + eps), constants of the graph.

    Args:
        input: (N, C) or (N, C, L) (any (N, C, ...)).
        running_mean, running_var: Tensors of shape (C,), or None.
        weight, bias: γ and β of shape (C,), or None.
        training: use batch statistics (and update the running ones).
        momentum: the weight of the new batch in the running averages.
        eps: added to the variance for stability.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    for label, tensor in (("running_mean", running_mean), ("running_var", running_var),
                          ("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.shape != (channels,):
            raise ValueError(f"batch_norm: {label} has shape {tensor.shape}, but the input of "
                             f"shape {input.shape} has {channels} channels; it must have shape "
                             f"({channels},)")
    if training or running_mean is None or running_var is None:
        count = input.numpy().size // channels if channels else 0
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got an input of shape {input.shape}; use a batch of at least 2 "
                             f"examples, or call model.eval()")
        # the batch's statistics, once: for the BatchNorm op (one node, its rule in
        # core/ops/fused.py) and for the running statistics
        x = input.numpy()
        mean = x.mean(axis=dims, keepdims=True)
        centered = x - mean
        variance = np.mean(centered * centered, axis=dims, keepdims=True)
        inverse_std = 1 / np.sqrt(variance + eps)
        if training and running_mean is not None and running_var is not None:
            unbiased = variance.reshape(channels) * (count / (count - 1))
            # in place on the running statistics' storage (see Tensor.numpy)
            mean_array, var_array = running_mean.numpy(), running_var.numpy()
            mean_array[...] = (1 - momentum) * mean_array + momentum * mean.reshape(channels)
            var_array[...] = (1 - momentum) * var_array + momentum * unbiased
        ones = lambda value: Tensor(np.full(channels, value, dtype=x.dtype))
        return batch_norm_batch_statistics(input, ones(1) if weight is None else weight,
                                           ones(0) if bias is None else bias, mean,
                                           inverse_std, eps)
    else:
        dtype = input.dtype
        mean = running_mean.numpy().reshape(shape).astype(dtype, copy=False)
        inverse_std = (1.0 / np.sqrt(running_var.numpy().reshape(shape) + eps)).astype(dtype)
        normalized = (input - Tensor(mean)) * Tensor(inverse_std)
    out = normalized
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
