"""Gradient clipping, as torch.nn.utils: scale all gradients down when their joint norm is too large, or clamp each entry."""

import math
import numbers

import numpy as np

from ...core import Tensor, no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _with_grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _norm_type(norm_type, caller):
    if isinstance(norm_type, str) and norm_type == "inf":
        return math.inf
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real) or norm_type <= 0:
        raise ValueError(f"{caller}: norm_type must be a positive number or inf, got {norm_type!r}")
    return float(norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """‖(‖g₁‖, ‖g₂‖, …)‖ₚ: the p-norm of all the tensors together, as one long vector.

    Raises:
        RuntimeError: with error_if_nonfinite, a NaN or infinite norm.
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    arrays = [t.numpy() for t in tensors]
    p = _norm_type(norm_type, "get_total_norm")
    if not arrays:
        return Tensor(np.zeros((), dtype=np.float32))
    dtype = np.result_type(*arrays)
    if p == math.inf:
        total = max(float(np.abs(a).max()) if a.size else 0.0 for a in arrays)
    else:
        # an infinite or NaN gradient gives an infinite or NaN norm (reported below), silently
        with np.errstate(over="ignore", invalid="ignore"):
            norms = np.array([np.sum(np.abs(a.astype(np.float64)) ** p) ** (1 / p)
                              for a in arrays])
            total = float(np.sum(norms ** p) ** (1 / p))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, "
            f"so they cannot be clipped; look for the NaN or infinite gradient "
            f"(tg.detect_anomaly()), or pass error_if_nonfinite=False")
    return Tensor(np.asarray(total, dtype=dtype))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place."""
    coefficient = float(max_norm) / (float(total_norm.item() if isinstance(total_norm, Tensor)
                                           else total_norm) + 1e-6)
    if coefficient < 1.0:
        with no_grad():
            for p in _with_grads(parameters):
                p.grad.mul_(coefficient)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients so that their joint norm is at most `max_norm` (as PyTorch).

    The gradients of all parameters together form one vector g; when ‖g‖ₚ > max_norm each is
    multiplied by max_norm / (‖g‖ₚ + 1e-6): the direction is kept, the step shortened.

    Args:
        parameters: a Tensor or an iterable of them (their .grad is clipped; None is skipped).
        max_norm: the largest allowed norm.
        norm_type: p of the p-norm (2 by default; math.inf or "inf" for the largest |entry|).
        error_if_nonfinite: raise when the norm is NaN or infinite (else the gradients become
            NaN, as in PyTorch).

    Returns:
        The total norm before clipping (a 0-d Tensor).

    Example:
        >>> loss.backward()
        >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    parameters = _with_grads(parameters)
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a number >= 0, got {max_norm!r}")
    total = get_total_norm([p.grad for p in parameters], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry to [−clip_value, clip_value], in place (as PyTorch)."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    with no_grad():
        for p in _with_grads(parameters):
            p.grad.clamp_(-clip_value, clip_value)
