"""PyTorch's losses, as functions and as modules: MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss and NLLLoss.

Each follows torch.nn.functional (arguments, reductions "mean" | "sum" | "none", class
weights, ignore_index, label_smoothing) and is compared with PyTorch in the tests. Their
normalization is PyTorch's (a mean over all elements, or over the weight of the targets),
not the lecture's ÷ n: see losses.py for the table of the differences.
"""

import numpy as np

from ..core import Tensor, functional, guardrails, maximum
from ..core import tensor as make_tensor
from .loss_checks import (_check_indices, _check_input, _check_probabilities, _clamped_log,
                          _float_target, _log_of_softmax_logits, _target_array, checked_loss,
                          sigmoid_logits)
from .module import Module

__all__ = [
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "nll_loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
]

_REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------------------------------------
# Checking reductions, shapes and weights
# ---------------------------------------------------------------------------------------------

def _check_reduction(reduction, name):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _check_same_shape(x, target, name, extra=""):
    shape = _target_array(target).shape
    if shape != x.shape:
        raise ValueError(f"{name}: input of shape {x.shape} and target of shape {shape} differ; "
                         f"they must be equal (reshape the target, e.g. "
                         f"target.reshape{tuple(x.shape)}){extra}")


def _reduce(losses, reduction):
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _weight_tensor(weight, like):
    if weight is None:
        return None
    return Tensor(_target_array(weight).astype(like.dtype))


# ---------------------------------------------------------------------------------------------
# The losses
# ---------------------------------------------------------------------------------------------

@checked_loss("MSELoss")
def mse_loss(input, target, reduction="mean"):
    """Mean squared error, as PyTorch's MSELoss: ℓᵢ = (xᵢ − yᵢ)², averaged over ALL elements.

    Unlike the lecture's quadratic cost there is no ½ and the mean runs over n·k elements:
    quadratic_cost = k/2 · mse_loss for (n, k) outputs. Shapes must be equal (PyTorch would
    broadcast with a warning; here a mismatch is an error, as it is nearly always a bug).

    Args:
        input: predictions, any shape.
        target: same shape (float; integers are converted).
        reduction: "mean" (default), "sum" or "none" (per element).
    """
    name = "mse_loss (MSELoss)"
    _check_input(input, name)
    _check_reduction(reduction, name)
    _check_same_shape(input, target, name, "; for class indices use one_hot(target, k) or "
                      "quadratic_cost, which accepts indices")
    difference = input - _float_target(target, input)
    return _reduce(difference * difference, reduction)


@checked_loss("BCELoss")
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy on probabilities, as PyTorch's BCELoss:

        ℓᵢ = −wᵢ [yᵢ · max(ln xᵢ, −100) + (1 − yᵢ) · max(ln(1 − xᵢ), −100)]

    averaged over all elements ("mean"), summed, or returned ("none"). The lecture's
    cross_entropy_cost(a, y) equals binary_cross_entropy(a, y, reduction="sum") / n. When
    `input` is the output of a Sigmoid node of the graph, the loss is computed from its logits
    z in one fused node (as BCEWithLogitsLoss), so ∂ℓ/∂z = σ(z) − y stays exact where σ(z)
    rounds to 0 or 1, and the loss is not clamped at 100 there (PyTorch's BCELoss is).

    Args:
        input: probabilities in [0, 1] (e.g. sigmoid outputs).
        target: same shape, values in [0, 1].
        weight: optional rescaling of each element, broadcast to the input's shape.
        reduction: "mean", "sum" or "none".
    """
    name = "binary_cross_entropy (BCELoss)"
    _check_input(input, name)
    _check_reduction(reduction, name)
    _check_same_shape(input, target, name)
    _check_probabilities(input, name)
    y = _float_target(target, input)
    logits = sigmoid_logits(input)
    if logits is not None and not y.requires_grad:
        # input = σ(z) in the graph: one fused node from z, exact where σ saturates
        return functional.sigmoid_cross_entropy(logits, y, weight, reduction)
    losses = -(y * _clamped_log(input) + (1 - y) * _clamped_log(1 - input))
    if weight is not None:
        losses = losses * _weight_tensor(weight, input)
    return _reduce(losses, reduction)


@checked_loss("BCEWithLogitsLoss")
def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable formula, as PyTorch's BCEWithLogitsLoss:

        ℓᵢ = max(xᵢ, 0) − xᵢ·yᵢ + ln(1 + e^(−|xᵢ|))        (= BCE(σ(xᵢ), yᵢ), never overflowing)

    and with pos_weight p (a weight for positive examples, per class):
        ℓᵢ = (1 − yᵢ)·xᵢ + (1 + (p − 1)·yᵢ)·[max(−xᵢ, 0) + ln(1 + e^(−|xᵢ|))].
    ∂ℓ/∂x = σ(x) − y (without pos_weight): finite for any logits, even ±1000.

    Args:
        input: logits, any shape.
        target: same shape, values in [0, 1].
        weight: optional rescaling of each element (broadcast).
        reduction: "mean", "sum" or "none".
        pos_weight: optional weight of positive examples, broadcast along the last dimension.
    """
    name = "binary_cross_entropy_with_logits (BCEWithLogitsLoss)"
    _check_input(input, name)
    guardrails.check_loss_input("BCEWithLogitsLoss", input)
    _check_reduction(reduction, name)
    _check_same_shape(input, target, name)
    y = _float_target(target, input)
    # softplus(−x) = ln(1 + eˣ) − x... written with e^(−|x|) ≤ 1 so nothing overflows; the
    # Maximum op gives ½ at a tie, so the gradient at x = 0 is exactly σ(0) − y.
    softplus_of_negative = maximum(-input, 0.0) + (1 + (-input.abs()).exp()).log()
    if pos_weight is None:
        losses = (1 - y) * input + softplus_of_negative
    else:
        log_weight = 1 + (_weight_tensor(pos_weight, input) - 1) * y
        losses = (1 - y) * input + log_weight * softplus_of_negative
    if weight is not None:
        losses = losses * _weight_tensor(weight, input)
    return _reduce(losses, reduction)


def _flatten_classes(input):
    """(input as (M, C) with the class dimension last, the shape of the per-example losses)."""
    if input.ndim == 1:
        return input.reshape(1, input.shape[0]), ()
    if input.ndim == 2:
        return input, input.shape[:1]
    # (N, C, d1, ...): move the classes to the end, then one row per position
    dims = (0,) + tuple(range(2, input.ndim)) + (1,)
    per_example = (input.shape[0],) + input.shape[2:]
    return input.permute(*dims).reshape(-1, input.shape[1]), per_example


def _nll_rows(log_probabilities, indices, weight, ignore_index, reduction, out_shape, name,
              label_smoothing=0.0):
    """The negative log-likelihood of rows (M, C) of log-probabilities for integer `indices`."""
    rows, classes = log_probabilities.shape
    flat = indices.reshape(-1).astype(np.int64)
    _check_indices(flat, classes, name, log_probabilities.shape, ignore_index)
    valid = flat != ignore_index
    all_valid = bool(valid.all())
    safe = flat if all_valid else np.where(valid, flat, 0)
    picked = log_probabilities[np.arange(rows), safe]
    dtype = log_probabilities.dtype
    if weight is None and all_valid:
        if reduction != "none" and not label_smoothing:
            # the common case, in as few graph nodes as possible: −(1/n) Σ ln p_y
            return picked.sum() * (-1.0 / rows if reduction == "mean" else -1.0)
        losses, denominator = -picked, float(rows)
    else:
        per_row = (np.ones(rows, dtype=dtype) if weight is None else weight.numpy()[safe]) * valid
        losses = picked * Tensor((-per_row).astype(dtype))
        denominator = float(per_row.sum())
    if label_smoothing:
        # PyTorch: (1 − ε)·nll + ε/C · Σ_c (−w_c ln p_c), ignored rows counting 0
        scaled = log_probabilities if weight is None else log_probabilities * weight
        smooth = -scaled.sum(dim=1)
        if not all_valid:
            smooth = smooth * Tensor(valid.astype(dtype))
        losses = losses * (1 - label_smoothing) + smooth * (label_smoothing / classes)
    if reduction == "none":
        return losses.reshape(out_shape)
    total = losses.sum()
    if reduction == "sum":
        return total
    # mean: divided by the number (or the total class weight) of non-ignored targets; when
    # every target is ignored that is 0/0, NaN, as in PyTorch
    return total * (1.0 / denominator if denominator else float("nan"))


@checked_loss("NLLLoss")
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood, as PyTorch's NLLLoss: ℓᵢ = −w_{yᵢ} · input[i, yᵢ].

    `input` holds log-probabilities (e.g. from log_softmax). "mean" divides by Σᵢ w_{yᵢ} (the
    number of examples without class weights); targets equal to ignore_index count for nothing.

    Args:
        input: log-probabilities (N, C), (C,) or (N, C, d1, ...).
        target: integer class indices (N,), () or (N, d1, ...).
        weight: optional weight per class, shape (C,).
        ignore_index: a target value that is skipped.
        reduction: "mean", "sum" or "none".
    """
    name = "nll_loss (NLLLoss)"
    _check_input(input, name)
    guardrails.check_loss_input("NLLLoss", input)
    _check_reduction(reduction, name)
    logits = _log_of_softmax_logits(input)
    if logits is not None:
        input = logits.log_softmax(-1)  # log(softmax(z)) is −inf where softmax underflows
    rows, out_shape = _flatten_classes(input)
    indices = _class_indices(input, target, out_shape, name)
    weight = _class_weight(weight, input, name)
    return _nll_rows(rows, indices, weight, ignore_index, reduction, out_shape, name)


def _class_indices(input, target, out_shape, name):
    array = _target_array(target)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: class indices must be integers, got dtype {array.dtype.name} "
                        f"(shape {array.shape}); use target.long(), or pass probabilities of the "
                        f"input's shape {input.shape} to cross_entropy")
    if array.shape != out_shape:
        raise ValueError(f"{name}: input of shape {input.shape} needs class indices of shape "
                         f"{out_shape}, got {array.shape}")
    return array


def _class_weight(weight, input, name):
    if weight is None:
        return None
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    tensor = _weight_tensor(weight, input)
    if tensor.shape != (classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({classes},), "
                         f"got {tensor.shape}")
    return tensor


@checked_loss("CrossEntropyLoss")
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Softmax cross-entropy on logits, as PyTorch's CrossEntropyLoss.

    With class indices:   ℓᵢ = −w_{yᵢ} · log_softmax(xᵢ)[yᵢ]      ("mean": ÷ Σᵢ w_{yᵢ})
    With probabilities:   ℓᵢ = −Σ_c w_c · y_ic · log_softmax(xᵢ)_c  ("mean": ÷ number of rows)
    log_softmax is computed stably, so logits of ±1000 give finite losses and gradients; for
    one example ∂ℓ/∂x = softmax(x) − y. label_smoothing ε replaces the target by
    (1 − ε)·y + ε/C (for indices: (1 − ε)·ℓ + ε/C · Σ_c −w_c log_softmax(x)_c, as PyTorch).

    Args:
        input: logits (N, C), (C,) or (N, C, d1, ...).
        target: integer class indices (N,) (or (), (N, d1, ...)), or float probabilities /
            one-hot rows of the input's shape.
        weight: optional weight per class, shape (C,).
        ignore_index: an index target value that is skipped (indices only).
        reduction: "mean", "sum" or "none".
        label_smoothing: ε in [0, 1].

    Returns:
        The loss (a scalar Tensor, or per example with reduction="none").
    """
    name = "cross_entropy (CrossEntropyLoss)"
    _check_input(input, name)
    guardrails.check_loss_input("CrossEntropyLoss", input)
    _check_reduction(reduction, name)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    array = _target_array(target)
    if _fits_the_fused_node(input, target, array, weight, ignore_index, reduction,
                            label_smoothing):
        # The common case as one fused SoftmaxCrossEntropy node (ops.py; equal to the
        # composite below, tested there): the training hot path of every classifier.
        return functional.softmax_cross_entropy(input, array, reduction)
    rows, out_shape = _flatten_classes(input)
    log_probabilities = rows.log_softmax(-1)
    weight = _class_weight(weight, input, name)
    if array.dtype.kind == "f" and array.shape != out_shape:
        return _probability_cross_entropy(log_probabilities, input, target, array, weight,
                                          ignore_index, reduction, label_smoothing, out_shape,
                                          name)
    indices = _class_indices(input, target, out_shape, name)
    return _nll_rows(log_probabilities, indices, weight, ignore_index, reduction, out_shape,
                     name, label_smoothing)


def _fits_the_fused_node(input, target, array, weight, ignore_index, reduction,
                         label_smoothing):
    """Whether cross_entropy can be the one SoftmaxCrossEntropy node: logits (N, C) without
    class weights, smoothing or a per-example result, and a constant target that is either
    probabilities of the input's shape or valid class indices (N,), none of them ignored."""
    return bool(
        input.ndim == 2 and weight is None and not label_smoothing and reduction != "none"
        and not (isinstance(target, Tensor) and target.requires_grad)
        and (array.shape == input.shape and array.dtype.kind == "f"
             or array.shape == input.shape[:1] and array.dtype.kind in "iu" and array.size
             and 0 <= array.min() and array.max() < input.shape[1]
             and not (0 <= ignore_index < input.shape[1] and (array == ignore_index).any())))


def _probability_cross_entropy(log_probabilities, input, target, array, weight, ignore_index,
                               reduction, label_smoothing, out_shape, name):
    """ℓᵢ = −Σ_c w_c · y_ic · log_softmax(xᵢ)_c for probability targets (rows of the input's
    shape), from the rows (M, C) of log-probabilities; "mean" divides by the number of rows."""
    if array.shape != input.shape:
        raise ValueError(f"{name}: probability targets must have the input's shape "
                         f"{input.shape}, got {array.shape}; for class indices pass an "
                         f"integer tensor of shape {out_shape} (e.g. target.long())")
    if ignore_index != -100:
        raise ValueError(f"{name}: ignore_index only applies to class-index targets, not "
                         f"to probabilities")
    rows, classes = log_probabilities.shape
    probabilities, _ = _flatten_classes(_float_target(target, input))
    if label_smoothing:
        probabilities = probabilities * (1 - label_smoothing) + label_smoothing / classes
    terms = probabilities * log_probabilities
    if weight is not None:
        terms = terms * weight
    losses = -terms.sum(dim=1)
    if reduction == "none":
        return losses.reshape(out_shape)
    return losses.sum() if reduction == "sum" else losses.sum() * (1.0 / rows)


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------

class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


def _weight_buffer(weight):
    """A copy of a loss's weight as a float Tensor (numpy arrays keep their float dtype)."""
    if weight is None:
        return None
    weight = make_tensor(weight)
    return weight if weight.dtype.kind == "f" else weight.float()


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _weight_buffer(weight))


class MSELoss(_Loss):
    """Mean squared error (x − y)² (see `mse_loss`); reduction "mean" | "sum" | "none"."""

    def forward(self, input, target):
        return mse_loss(input, target, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities (see `binary_cross_entropy`)."""

    def forward(self, input, target):
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid + binary cross-entropy on logits, stable (see `binary_cross_entropy_with_logits`)."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", _weight_buffer(pos_weight))

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy on logits, with index or probability targets (see `cross_entropy`)."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got "
                             f"{label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = float(label_smoothing)

    def forward(self, input, target):
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)

    def extra_repr(self):
        parts = [super().extra_repr()] if super().extra_repr() else []
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(parts)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (see `nll_loss`)."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)
