"""Gradient clipping, as torch.nn.utils: clip_grad_norm_ and clip_grad_value_ (in place on the parameters' .grad)."""

import math
import numbers

import numpy as np

from ..core import Tensor, no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale every gradient by one factor so that their joint norm is at most max_norm.

    The total norm is that of all gradients joined into one vector; when it is above max_norm,
    each .grad is multiplied by max_norm / (total + 1e-6) (PyTorch's factor). The direction of
    the step is kept, only its length shrinks: clipping tames an exploding gradient, but it
    cannot revive a vanishing one.

    Args:
        parameters: a Tensor or an iterable of them (those without .grad are skipped).
        max_norm: the largest norm allowed.
        norm_type: p of the p-norm (2 by default, or math.inf for the largest |g|).
        error_if_nonfinite: raise when the total norm is NaN or infinite.

    Returns:
        The total norm before clipping, a 0-d Tensor.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real) or max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a number ≥ 0, got {max_norm!r}")
    parameters = _with_grads(parameters)  # a generator (model.parameters()) is read once
    grads = [p.grad.numpy() for p in parameters]
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    norm_type = float(norm_type)
    with np.errstate(over="ignore", invalid="ignore"):
        if norm_type == math.inf:
            total = max(float(np.abs(g).max()) if g.size else 0.0 for g in grads)
        else:
            total = sum(float((np.abs(g.astype(np.float64)) ** norm_type).sum()) for g in grads)
            total = total ** (1.0 / norm_type)
    if not math.isfinite(total):
        if error_if_nonfinite:
            raise RuntimeError(f"clip_grad_norm_: the total norm of the gradients is {total}; "
                               f"look for the NaN with tg.detect_anomaly(), or pass "
                               f"error_if_nonfinite=False")
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        with no_grad():
            for p in parameters:
                p.grad.mul_(coefficient)
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [−clip_value, clip_value], in place."""
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real) or clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be a number ≥ 0, got {clip_value!r}")
    with no_grad():
        for p in _with_grads(parameters):
            p.grad.clamp_(-clip_value, clip_value)
