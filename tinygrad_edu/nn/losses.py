"""Cost functions, as functions and as modules: the lecture's quadratic, cross-entropy and log-likelihood costs, PyTorch's losses, and the L2 penalty.

The lecture's costs have the lecture's normalization, which differs from PyTorch's:

    quadratic_cost       C = 1/(2n) Σₓ ‖y(x) − a(x)‖²
                         (MSELoss: the mean of (a − y)², without the ½, divided by n·k, not n)
    cross_entropy_cost   C = −1/n Σₓ Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)]
                         (BCELoss: the same sum, divided by n·k)
    log_likelihood_cost  C = −1/n Σₓ ln a_y(x)
                         (NLLLoss of ln a; CrossEntropyLoss of the logits z when a = softmax(z))

n is the number of examples in the batch, k the number of output neurons. Targets may be
one-hot rows (n, k) or class indices (n,) of an integer dtype. Every log of a probability is
clamped at −100, as in PyTorch's BCELoss, so a saturated output never gives inf or NaN.
"""

import math

import numpy as np

from ..core import Tensor, functional, maximum, where
from ..core import tensor as make_tensor
from .module import Module

__all__ = [
    "quadratic_cost", "cross_entropy_cost", "log_likelihood_cost", "mse_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    "l2_penalty", "one_hot",
    "QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost", "MSELoss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
]

_REDUCTIONS = ("mean", "sum", "none")
_LOG_FLOOR = -100.0


# ---------------------------------------------------------------------------------------------
# Helpers: checking inputs, targets and reductions
# ---------------------------------------------------------------------------------------------

def _check_input(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected the model's output as a Tensor, got a "
                        f"{type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: the model's output must be a float tensor, got "
                        f"{x.dtype.name}; use .float()")


def _check_reduction(reduction, name):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


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
        hint = ""
        if num_classes == 1:
            hint = ("; with a single output neuron pass the 0/1 targets as floats of the "
                    "output's shape (for example y.float().reshape(-1, 1))")
        raise ValueError(f"{name}: class index {value} (at position {position}) is out of range "
                         f"for {num_classes} classes (input of shape {input_shape}); class "
                         f"indices must be in [0, {num_classes - 1}]{hint}")


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
# The lecture's costs
# ---------------------------------------------------------------------------------------------

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


def cross_entropy_cost(a, y):
    """The lecture's cross-entropy cost C = −1/n Σₓ Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)].

    For sigmoid outputs a = σ(z), ∂C/∂z = (a − y)/n: no σ′ factor, so no learning slowdown
    when an output neuron is saturated and wrong. Logs are clamped at −100 (as in PyTorch's
    BCELoss), so a = 0 or 1 gives a finite cost and gradient. Equal to
    binary_cross_entropy(a, y, reduction="sum") / n.

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
    terms = target * _clamped_log(a) + (1 - target) * _clamped_log(1 - a)
    return terms.sum() * (-1.0 / a.shape[0])


def log_likelihood_cost(a, y, from_logits=False):
    """The lecture's log-likelihood cost of a softmax output layer: C = −1/n Σₓ ln a_y(x).

    a_y is the activation of the correct class. As in the lecture, `a` is the softmax
    *activations* (probabilities; ln is clamped at −100). With from_logits=True, `a` is the
    logits z instead and ln softmax(z) is computed stably (log-softmax): use that when you
    can, it equals cross_entropy(z, y). For a = softmax(z), ∂C/∂z = (a − y)/n.

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
# PyTorch's losses
# ---------------------------------------------------------------------------------------------

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


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy on probabilities, as PyTorch's BCELoss:

        ℓᵢ = −wᵢ [yᵢ · max(ln xᵢ, −100) + (1 − yᵢ) · max(ln(1 − xᵢ), −100)]

    averaged over all elements ("mean"), summed, or returned ("none"). The lecture's
    cross_entropy_cost(a, y) equals binary_cross_entropy(a, y, reduction="sum") / n.

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
    losses = -(y * _clamped_log(input) + (1 - y) * _clamped_log(1 - input))
    if weight is not None:
        losses = losses * _weight_tensor(weight, input)
    return _reduce(losses, reduction)


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
    _check_reduction(reduction, name)
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
    _check_reduction(reduction, name)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    array = _target_array(target)
    if (input.ndim == 2 and weight is None and not label_smoothing and reduction != "none"
            and not (isinstance(target, Tensor) and target.requires_grad)
            and (array.shape == input.shape and array.dtype.kind == "f"
                 or array.shape == input.shape[:1] and array.dtype.kind in "iu" and array.size
                 and 0 <= array.min() and array.max() < input.shape[1]
                 and not (0 <= ignore_index < input.shape[1] and (array == ignore_index).any()))):
        # The common case as one fused SoftmaxCrossEntropy node (ops.py; equal to the
        # composite below, tested there): the training hot path of every classifier.
        return functional.softmax_cross_entropy(input, array, reduction)
    rows, out_shape = _flatten_classes(input)
    log_probabilities = rows.log_softmax(-1)
    weight = _class_weight(weight, input, name)
    if array.dtype.kind == "f" and array.shape != out_shape:
        if array.shape != input.shape:
            raise ValueError(f"{name}: probability targets must have the input's shape "
                             f"{input.shape}, got {array.shape}; for class indices pass an "
                             f"integer tensor of shape {out_shape} (e.g. target.long())")
        if ignore_index != -100:
            raise ValueError(f"{name}: ignore_index only applies to class-index targets, not "
                             f"to probabilities")
        probabilities, _ = _flatten_classes(_float_target(target, input))
        if label_smoothing:
            probabilities = probabilities * (1 - label_smoothing) + label_smoothing / rows.shape[1]
        terms = probabilities * log_probabilities
        if weight is not None:
            terms = terms * weight
        losses = -terms.sum(dim=1)
        if reduction == "none":
            return losses.reshape(out_shape)
        return losses.sum() if reduction == "sum" else losses.sum() * (1.0 / rows.shape[0])
    indices = _class_indices(input, target, out_shape, name)
    return _nll_rows(log_probabilities, indices, weight, ignore_index, reduction, out_shape,
                     name, label_smoothing)


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
