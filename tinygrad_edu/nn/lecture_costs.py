"""The lecture's costs, as functions and as modules: quadratic, cross-entropy and log-likelihood, and the L2 penalty λ/(2n) Σ w².

They keep the lecture's normalization (÷ n, the batch size), which differs from PyTorch's
losses (torch_losses.py); losses.py has the table of the differences:

    quadratic_cost       C = 1/(2n) Σₓ ‖y(x) − a(x)‖²
    cross_entropy_cost   C = −1/n Σₓ Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)]
    log_likelihood_cost  C = −1/n Σₓ ln a_y(x)
    l2_penalty           λ/(2n) Σ_w w²   (n: the training-set size; added to the cost)
"""

import numpy as np

from ..core import Tensor, functional
from .loss_checks import (_check_indices, _check_input, _check_probabilities, _clamped_log,
                          _float_target, _target_array, checked_loss, sigmoid_logits,
                          softmax_logits)
from .module import Module

__all__ = [
    "quadratic_cost", "cross_entropy_cost", "log_likelihood_cost", "l2_penalty",
    "QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost",
]


def _lecture_targets(a, y, name):
    """Targets for the lecture's costs: y of a's shape (values, e.g. one-hot), or integer class
    indices of shape (n,) for a of shape (n, k), turned into one-hot rows."""
    _check_input(a, name)
    if a.ndim == 0:
        raise ValueError(f"{name}: expected activations of shape (n, k) (a batch of n examples), "
                         f"got a scalar")
    array = _target_array(y)
    if array.shape == a.shape:
        return _float_target(y, a)
    if array.dtype.kind in "iu" and a.ndim == 2 and array.shape == a.shape[:1]:
        _check_indices(array, a.shape[1], name, a.shape)
        rows = np.zeros(a.shape, dtype=a.dtype)
        rows[np.arange(a.shape[0]), array] = 1
        return Tensor(rows)
    raise ValueError(f"{name}: activations of shape {a.shape} and targets of shape "
                     f"{array.shape} (dtype {array.dtype.name}) do not fit; pass targets of shape "
                     f"{a.shape} (one-hot rows) or integer class indices of shape {a.shape[:1]}")


# ---------------------------------------------------------------------------------------------
# The lecture's costs
# ---------------------------------------------------------------------------------------------

@checked_loss("QuadraticCost")
def quadratic_cost(a, y):
    """The lecture's quadratic cost C = 1/(2n) Σₓ ‖y(x) − a(x)‖².

    n is the batch size (a.shape[0]); the norm sums over the k outputs. ∂C/∂a = (a − y)/n.
    This is MSELoss(reduction="sum")/(2n), i.e. k/2 · MSELoss() for k outputs.

    Args:
        a: the output activations, shape (n, k) (or (n,) for one output).
        y: targets of a's shape (one-hot rows), or integer class indices of shape (n,).

    Returns:
        The cost, a scalar Tensor.

    Example:
        >>> nn.functional.quadratic_cost(tg.tensor([[0.2, 0.8]]), tg.tensor([1]))   # ½(0.04+0.04)
        tensor(0.04)
    """
    target = _lecture_targets(a, y, "quadratic_cost (QuadraticCost)")
    # One fused SquaredError node (ops.py), equal to ((a − y)²).sum() · 1/(2n) (tested there).
    return functional.squared_error(a, target, 0.5 / a.shape[0])


@checked_loss("CrossEntropyCost")
def cross_entropy_cost(a, y):
    """The lecture's cross-entropy cost C = −1/n Σₓ Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)].

    For sigmoid outputs a = σ(z), ∂C/∂z = (a − y)/n: no σ′ factor, so no learning slowdown
    when an output neuron is saturated and wrong. When `a` is the output of a Sigmoid node of
    the graph, the cost is computed from z in one fused node (SigmoidCrossEntropy), so this
    holds exactly even where σ(z) rounds to 0 or 1 (z ≥ 17 in float32); otherwise logs are
    clamped at −100 (as in PyTorch's BCELoss), so a = 0 or 1 gives a finite cost and gradient.
    Equal to binary_cross_entropy(a, y, reduction="sum") / n.

    Args:
        a: sigmoid activations in [0, 1], shape (n, k).
        y: targets of a's shape (one-hot rows or any values in [0, 1]), or integer class
            indices of shape (n,).

    Returns:
        The cost, a scalar Tensor.
    """
    name = "cross_entropy_cost (CrossEntropyCost)"
    target = _lecture_targets(a, y, name)
    _check_probabilities(a, name)
    logits = sigmoid_logits(a)
    if logits is not None and not target.requires_grad:
        # a = σ(z) in the graph: one fused node from z, exact where σ saturates (see the docstring)
        return functional.sigmoid_cross_entropy(logits, target, scale=1.0 / a.shape[0])
    terms = target * _clamped_log(a) + (1 - target) * _clamped_log(1 - a)
    return terms.sum() * (-1.0 / a.shape[0])


@checked_loss("LogLikelihoodCost")
def log_likelihood_cost(a, y, from_logits=False):
    """The lecture's log-likelihood cost of a softmax output layer: C = −1/n Σₓ ln a_y(x).

    a_y is the activation of the correct class. As in the lecture, `a` is the softmax
    *activations* (probabilities; ln is clamped at −100). With from_logits=True, `a` is the
    logits z instead and ln softmax(z) is computed stably (log-softmax): use that when you
    can, it equals cross_entropy(z, y). When `a` is the output of a Softmax node of the graph,
    ln softmax(z) is taken from its logits z in the same way. For a = softmax(z),
    ∂C/∂z = (a − y)/n.

    Args:
        a: softmax activations (or logits with from_logits=True), shape (n, k).
        y: integer class indices (n,), or one-hot rows (n, k) (C = −1/n Σₓ Σⱼ yⱼ ln aⱼ).
        from_logits: whether `a` holds logits.

    Returns:
        The cost, a scalar Tensor.
    """
    name = "log_likelihood_cost (LogLikelihoodCost)"
    _check_input(a, name)
    if a.ndim != 2:
        raise ValueError(f"{name}: expected activations of shape (n, k), got {a.shape}")
    if not from_logits:
        _check_probabilities(a, name)
    array = _target_array(y)
    n = a.shape[0]
    logits = None if from_logits else softmax_logits(a)
    if logits is not None and not (isinstance(y, Tensor) and y.requires_grad):
        # a = softmax(z) in the graph: ln a_y from z (log-softmax), exact where a_y underflows
        return log_likelihood_cost(logits, y, from_logits=True)
    if array.dtype.kind in "iu" and array.shape == (n,):
        _check_indices(array, a.shape[1], name, a.shape)
        rows = np.arange(n)
        log_picked = (a.log_softmax(-1)[rows, array] if from_logits
                      else _clamped_log(a[rows, array]))
        return log_picked.sum() * (-1.0 / n)
    if array.shape == a.shape:
        target = _float_target(y, a)
        log_a = a.log_softmax(-1) if from_logits else _clamped_log(a)
        return (target * log_a).sum() * (-1.0 / n)
    raise ValueError(f"{name}: activations of shape {a.shape} and targets of shape {array.shape} "
                     f"(dtype {array.dtype.name}) do not fit; pass integer class indices of shape "
                     f"({n},) or one-hot rows of shape {a.shape}")


# ---------------------------------------------------------------------------------------------
# L2 regularization
# ---------------------------------------------------------------------------------------------

def l2_penalty(model, lam, n):
    """The lecture's L2 regularization term λ/(2n) Σ_w w², over the weights only.

    Added to the cost (C = C₀ + λ/(2n) Σ w²), it adds (λ/n)·w to each weight's gradient, so a
    gradient step becomes w → (1 − ηλ/n)·w − η ∂C₀/∂w: "weight decay". Here n is the size of
    the whole training set (not of the mini-batch). Biases (parameters whose name ends with
    "bias") and BatchNorm's scale and shift are not penalized, as in the lecture.

    With SGD, the same update is `optim.SGD(params, lr=η, weight_decay=λ/n)`, but only if the
    biases are put in a parameter group with weight_decay=0: weight_decay applies to every
    parameter it is given.

    Args:
        model: a Module.
        lam: λ ≥ 0.
        n: the number of training examples (> 0).

    Returns:
        A scalar Tensor (a constant 0 when λ = 0 or there are no weights).
    """
    # layers imports nn.functional, which imports these costs: importing layers at the top
    # would be a cycle, so BatchNorm's class is looked up when the penalty is computed.
    from .layers import _BatchNorm

    if not isinstance(model, Module):
        raise TypeError(f"l2_penalty: expected an nn.Module, got {type(model).__name__}")
    if lam < 0:
        raise ValueError(f"l2_penalty: lam (λ) must be non-negative, got {lam}")
    if n <= 0:
        raise ValueError(f"l2_penalty: n (the training-set size) must be positive, got {n}")
    total = None
    seen = set()
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            seen.update(id(p) for p in module._parameters.values() if p is not None)
            continue
        for name, parameter in module._parameters.items():
            if parameter is None or name.endswith("bias") or id(parameter) in seen:
                continue
            seen.add(id(parameter))
            if lam:
                squares = (parameter * parameter).sum()
                total = squares if total is None else total + squares
    if total is None:
        dtype = next((p.dtype for p in model.parameters()), np.dtype(np.float32))
        return Tensor(np.zeros((), dtype=dtype))
    return total * (lam / (2.0 * n))


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------

class QuadraticCost(Module):
    """The lecture's quadratic cost C = 1/(2n) Σₓ ‖y(x) − a(x)‖² (see `quadratic_cost`)."""

    def forward(self, a, y):
        return quadratic_cost(a, y)


class CrossEntropyCost(Module):
    """The lecture's cross-entropy cost on sigmoid outputs (see `cross_entropy_cost`)."""

    def forward(self, a, y):
        return cross_entropy_cost(a, y)


class LogLikelihoodCost(Module):
    """The lecture's log-likelihood cost −1/n Σ ln a_y of a softmax layer (see
    `log_likelihood_cost`); from_logits=True takes the logits instead (stable)."""

    def __init__(self, from_logits=False):
        super().__init__()
        self.from_logits = bool(from_logits)

    def forward(self, a, y):
        return log_likelihood_cost(a, y, self.from_logits)

    def extra_repr(self):
        return "from_logits=True" if self.from_logits else ""
