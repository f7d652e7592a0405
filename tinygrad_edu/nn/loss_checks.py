"""What every cost and loss checks first: the model's output, the targets (values, one-hot rows or class indices), probabilities; plus one_hot and the log clamped at −100.

The lecture's costs (lecture_costs.py) and PyTorch's losses (torch_losses.py) share these, so
a bad input gets the same clear error from both, and a saturated output the same finite log.
"""

import functools
import math

import numpy as np

from ..core import Tensor, guardrails, say, where

__all__ = ["one_hot", "sigmoid_logits", "softmax_logits"]

_LOG_FLOOR = -100.0


def _check_input(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected the model's output as a Tensor, got a "
                        f"{type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(say("error.loss_float", loss=name, dtype=x.dtype.name))

def _target_array(target):
    """The numpy array of a target given as a Tensor, numpy array or list."""
    if isinstance(target, Tensor):
        return target.numpy()
    array = np.asarray(target)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"targets must be numbers, got {type(target).__name__}")
    return array


def _float_target(target, like):
    """The target as a float Tensor of `like`'s dtype (a float Tensor target keeps its graph)."""
    dtype = like.dtype
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        return target if target.dtype == dtype else target.to(dtype)
    return Tensor(np.asarray(_target_array(target), dtype=dtype))


def _check_indices(indices, num_classes, name, input_shape, ignore_index=None):
    """Raise a clear error for a class index outside [0, num_classes)."""
    bad = (indices < 0) | (indices >= num_classes)
    if ignore_index is not None:
        bad &= indices != ignore_index
    if bad.any():
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        value = int(indices[position]) if indices.ndim else int(indices)
        hint = say("error.class_index_one_output") if num_classes == 1 else ""
        raise ValueError(say("error.class_index", loss=name, value=value, position=position,
                             classes=num_classes, shape=input_shape, last=num_classes - 1)
                         + hint)


def one_hot(indices, num_classes=-1, dtype=None):
    """Rows of zeros with a 1 at each class index: (n,) -> (n, num_classes), as in PyTorch.

    Args:
        indices: integer class indices (Tensor, numpy array or list), any shape.
        num_classes: the number of classes (−1: the largest index + 1).
        dtype: the result's dtype (default int64, as in PyTorch; pass tg.float32 for targets).

    Returns:
        A Tensor of shape indices.shape + (num_classes,), requires_grad=False.
    """
    array = _target_array(indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"one_hot: class indices must be integers, got dtype {array.dtype.name}")
    if num_classes == -1:
        num_classes = int(array.max()) + 1 if array.size else 0
    _check_indices(array, num_classes, "one_hot", tuple(array.shape) + (num_classes,))
    out = np.zeros(array.shape + (num_classes,), dtype=dtype or np.int64)
    np.put_along_axis(out, array[..., None].astype(np.intp), 1, axis=-1)
    return Tensor(out)


def _clamped_log(p):
    """max(ln p, −100) for probabilities p, with a finite gradient 1/p wherever it flows.

    Where p is 0 (a saturated sigmoid or softmax in float32), ln p = −∞ would give an infinite
    cost and a NaN gradient; clamping the log at −100 as PyTorch's BCELoss does keeps both
    finite. The gradient is 1/p where p is at least the smallest normal number of its dtype
    (so 1/p cannot overflow) and 0 below, where the log is (nearly) clamped anyway: at p = 0
    the clamped log is flat, so its gradient is 0 (PyTorch's BCELoss returns a clipped ±1e12
    there instead; through a sigmoid both become 0, since σ′ = 0 when σ is exactly 0 or 1).
    """
    data = p.numpy()
    threshold = max(math.exp(_LOG_FLOOR), float(np.finfo(data.dtype).tiny))
    flows = data >= threshold
    if flows.all():  # the usual case: one Log node, and ln p ≥ −100 already
        return p.log()
    with np.errstate(divide="ignore"):
        floor = np.maximum(np.log(data), _LOG_FLOOR).astype(data.dtype)
    safe = where(flows, p, 1.0)  # ln 1 = 0 where no gradient flows: never ln 0
    return where(flows, safe.log(), Tensor(floor))


def _check_probabilities(a, name):
    data = a.numpy()
    inside = (data >= 0) & (data <= 1)
    if not inside.all():
        position = tuple(int(i) for i in np.argwhere(~inside)[0])
        raise ValueError(f"{name}: every activation must be a probability in [0, 1], got "
                         f"{float(data[position])!r} at position {position} (input of shape "
                         f"{a.shape}); "
                         f"apply a sigmoid (or softmax) first, or use the loss that takes logits")


def sigmoid_logits(a):
    """The logits z when `a` is the output of a Sigmoid node of the graph (a = σ(z)), else None.

    The cross-entropy costs then compute from z in one stable node (SigmoidCrossEntropy), so
    ∂C/∂z = (a − y)/n holds exactly even where σ(z) rounds to 0 or 1. Read through the graph's
    public face only (grad_fn, its name and inputs); a changed in place since is not fused.
    """
    node = a.grad_fn
    if node is None or node.name != "Sigmoid" or a._version != 0:
        return None
    return node.inputs[0]


def softmax_logits(a):
    """The logits z when `a` is the output of a Softmax node over its last dimension, else None."""
    node = a.grad_fn
    if node is None or node.name != "Softmax" or a._version != 0 or a.ndim != 2:
        return None
    if node.params.get("dim") not in (1, -1):
        return None
    return node.inputs[0]


def _log_of_softmax_logits(x):
    """The logits z when `x` is log(softmax(z)) over the last dimension of (n, k), else None."""
    node = x.grad_fn
    if node is None or node.name != "Log" or x._version != 0:
        return None
    return softmax_logits(node.inputs[0])


def checked_loss(label):
    """Decorate a loss function: a NaN or infinite value is said out loud, naming the input
    that holds NaN (core/guardrails.py); a finite value costs one float check."""
    def decorate(function):
        @functools.wraps(function)
        def loss(input, target, *args, **kwargs):
            out = function(input, target, *args, **kwargs)
            guardrails.check_loss_value(label, out, (("output", input), ("target", target)))
            return out
        return loss
    return decorate
