"""Learner warnings: the silent traps of training code said out loud, once per line of the user's code.

Each kind of trap has its own `LearnerWarning` subclass, and each message says what happened,
at which line of the user's code, why it matters, the fix, and how to silence that kind.
`guardrails("off" | "warn" | "error")` sets the mode for every kind (or for some), as a call
or for a `with` block. The checks are placed where they cost nothing on the training hot path:
at `step()`, at the loss, in the accumulation branch of `backward()`, on a broadcast that
needs one anyway, and for NaN and infinity in numpy's own floating-point error callback.

Why numpy's callback: an op that overflows (e^1000), divides by zero or makes NaN (0/0, √−1)
raises a floating-point flag that numpy checks after every operation anyway. With its mode
set to "call" (numpy's `seterr`) numpy calls `_numpy_error` only then, so the check is free
while nothing goes wrong. The callback finds the op in the stack and reports it as a
`NonFiniteWarning`; a floating-point error outside any op (the user's own numpy code) is
reported as numpy itself would, as a RuntimeWarning. `guardrails("off")` gives numpy its own
settings back.
"""

import math
import os
import sys
import warnings

import numpy as np

from .modes import _inside, _state, describe_site

__all__ = [
    "LearnerWarning", "GradientAccumulationWarning", "NonLeafGradWarning",
    "DoubleSoftmaxWarning", "NonFiniteWarning", "SymmetricInitWarning", "TrainModeWarning",
    "ReductionBroadcastWarning", "NoGradientWarning", "guardrails", "accumulate_grad",
    "learner_warning", "reset", "mark_stepped", "WARNING_KINDS", "numpy_errors_reported",
]


class LearnerWarning(UserWarning):
    """A result that is probably not what the learner meant, although no rule was broken."""


class GradientAccumulationWarning(LearnerWarning):
    """backward() added to a gradient that optimizer.step() had already used (no zero_grad())."""


class NonLeafGradWarning(LearnerWarning):
    """.grad of a tensor made by an op was read: backward() never fills it (a rebound parameter)."""


class DoubleSoftmaxWarning(LearnerWarning):
    """A loss that applies a softmax (or a sigmoid) itself was given probabilities."""


class NonFiniteWarning(LearnerWarning):
    """An op produced infinity or NaN (overflow, division by zero, an invalid value), or a loss
    was given an input that holds NaN or infinity."""


class SymmetricInitWarning(LearnerWarning):
    """A layer's units start identical (all-zero or constant weights), so they stay identical."""


class TrainModeWarning(LearnerWarning):
    """Dropout or BatchNorm ran in training mode under no_grad() (an evaluation without eval())."""


class ReductionBroadcastWarning(LearnerWarning):
    """A reduction without keepdim was broadcast back against its source along the wrong axis."""


class NoGradientWarning(LearnerWarning):
    """optimizer.step() found no gradient on any parameter (backward() missing or disconnected)."""


WARNING_KINDS = (GradientAccumulationWarning, NonLeafGradWarning, DoubleSoftmaxWarning,
                 NonFiniteWarning, SymmetricInitWarning, TrainModeWarning,
                 ReductionBroadcastWarning, NoGradientWarning)

_MODES = ("off", "warn", "error")
_modes = {kind: "warn" for kind in WARNING_KINDS}  # the mode of each kind (process-wide)
_seen = set()  # (kind, what, site): each warning once per line of the user's code


# ---------------------------------------------------------------------------------------------
# The switch
# ---------------------------------------------------------------------------------------------

class guardrails:
    """Turn the learner warnings off, on ("warn", the default) or into errors ("error").

    Called, it sets the mode for the rest of the program; as a `with` block, only inside it.
    With kinds given, only those kinds change.

    Args:
        mode: "off", "warn" or "error" (each warning is then raised as an exception).
        *kinds: LearnerWarning subclasses to set (default: all of them).

    Example:
        >>> tg.guardrails("error")                          # a course that wants failures
        >>> with tg.guardrails("off", tg.DoubleSoftmaxWarning):
        ...     loss = nn.CrossEntropyLoss()(probabilities, y)   # meant, and known
    """

    def __init__(self, mode="warn", *kinds):
        if mode not in _MODES:
            raise ValueError(f"guardrails: mode must be one of {_MODES}, got {mode!r}")
        for kind in kinds:
            if kind not in WARNING_KINDS:
                raise TypeError(f"guardrails: {kind!r} is not a kind of learner warning; use "
                                f"one of {[k.__name__ for k in WARNING_KINDS]}")
        self.kinds = kinds or WARNING_KINDS
        self.previous = {kind: _modes[kind] for kind in self.kinds}
        for kind in self.kinds:
            _modes[kind] = mode
        _numpy_errors(any(m != "off" for m in _modes.values()))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _modes.update(self.previous)
        _numpy_errors(any(m != "off" for m in _modes.values()))
        return False


class accumulate_grad(guardrails):
    """Say that gradients are meant to add up across optimizer steps (no GradientAccumulationWarning).

    Summing the gradients of several mini-batches before one step() needs nothing: only a
    backward() onto a gradient that step() already used warns. Use this, called once or as a
    `with` block, when that too is intended.
    """

    def __init__(self):
        super().__init__("off", GradientAccumulationWarning)


def reset():
    """Forget which warnings were already shown, so each can fire again (tests, notebooks)."""
    _seen.clear()


def mode_of(kind):
    return _modes[kind]


# ---------------------------------------------------------------------------------------------
# Saying it: the user's line, once
# ---------------------------------------------------------------------------------------------

def _user_site():
    """(code, offset) of the innermost frame outside tinygrad_edu (and numpy's Python layer,
    which a floating-point error can be reported from), or None."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if not _inside(code) and not code.co_filename.startswith(_NUMPY_DIRECTORY):
            return code, frame.f_lasti
        frame = frame.f_back
    return None


def _line_of(site):
    code, offset = site
    lineno = next((line for start, end, line in code.co_lines() if start <= offset < end),
                  code.co_firstlineno)
    return code.co_filename, lineno or code.co_firstlineno


def learner_warning(kind, what, why, fix, site=None, key=None):
    """Warn (or raise, in "error" mode) with a message in the four parts, once per site.

    Args:
        kind: the LearnerWarning subclass.
        what: what happened (first line of the message).
        why: why it matters.
        fix: how to fix it.
        site: the user's (code, offset); default: the innermost frame outside tinygrad_edu.
        key: what makes two warnings at one site different (default: `what`).
    """
    mode = _modes[kind]
    if mode == "off":
        return
    if site is None:
        site = _user_site()
    seen_key = (kind, what if key is None else key, None if site is None else _line_of(site))
    if seen_key in _seen:
        return
    _seen.add(seen_key)
    name = kind.__name__
    message = (f"{what}\n  at {describe_site(site)}\n  why: {why}\n  fix: {fix}\n"
               f"  silence this kind: tg.guardrails(\"off\", tg.{name}), or "
               f"warnings.filterwarnings(\"ignore\", category=tg.{name})")
    if mode == "error":
        raise kind(message)
    if site is None:
        warnings.warn(message, kind, stacklevel=3)
    else:
        filename, lineno = _line_of(site)
        warnings.warn_explicit(message, kind, filename, lineno,
                               module=os.path.splitext(os.path.basename(filename))[0])


# ---------------------------------------------------------------------------------------------
# GradientAccumulationWarning: optimizers mark the gradient they used; backward() looks
# ---------------------------------------------------------------------------------------------

def mark_stepped(grad):
    """Called by optimizer.step() on a gradient it used: adding to it later is worth a word."""
    grad._stepped = True


def accumulated_after_step(t):
    """Called by backward() when it adds into a .grad that step() used (see mark_stepped)."""
    if _modes[GradientAccumulationWarning] == "off" or not t.grad._data.any():
        return  # zeroed by hand (p.grad.numpy()[...] = 0): a fresh start
    name = f" {t.name!r}" if t.name else ""
    learner_warning(
        GradientAccumulationWarning,
        f"backward() added this step's gradient to the gradient of parameter{name} (shape "
        f"{tuple(t.shape)}) that optimizer.step() had already used: zero_grad() was not "
        f"called in between",
        "gradients accumulate in .grad (that is how a tensor used twice gets both "
        "contributions), so every step now uses the sum of all earlier gradients: the steps "
        "grow and the training goes wrong without an error",
        "call optimizer.zero_grad() (or model.zero_grad()) before loss.backward() in each step; "
        "if the gradients are meant to add up across steps, say so once with "
        "tg.accumulate_grad()")


# ---------------------------------------------------------------------------------------------
# NonLeafGradWarning: .grad of a tensor made by an op (a descriptor that leaves never reach)
# ---------------------------------------------------------------------------------------------

class NonLeafGrad:
    """The class attribute Tensor.grad. A leaf has its own .grad (set in __init__ and by
    backward), so reading it never comes here; only tensors made by ops that were never given
    a .grad do, and there a read from the user's code of a non-leaf warns (as PyTorch does)."""

    def __get__(self, t, owner=None):
        if t is None:
            return None
        if t._ctx is not None and not t._retain and _modes[NonLeafGradWarning] != "off" \
                and not _inside(sys._getframe(1).f_code):
            _non_leaf_grad(t)
        return None


def _non_leaf_grad(t):
    name = f" {t.name!r}" if t.name else ""
    learner_warning(
        NonLeafGradWarning,
        f".grad of a tensor{name} (shape {tuple(t.shape)}) made by op {t._ctx.name} was read; "
        f"it is None, and backward() will not fill it: only leaves (tensors you created with "
        f"requires_grad=True) get a .grad",
        "this is what rebinding a parameter does: `w = w - lr * w.grad` makes a new tensor "
        "(the output of Sub) and names it w, so the next backward() gives the new w no "
        "gradient and the old one is no longer updated",
        "update the parameter in place without recording it: `with tg.no_grad(): w -= lr * "
        "w.grad`, then `w.grad = None` (or use optim.SGD); to see the gradient of an "
        "intermediate tensor, call .retain_grad() on it before backward()")


# ---------------------------------------------------------------------------------------------
# NonFiniteWarning: numpy's floating-point error callback names the op and the user's line
# ---------------------------------------------------------------------------------------------

_OPS_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops") + os.sep
_IN_OPS = {}
_NUMPY_DIRECTORY = os.path.dirname(os.path.abspath(np.__file__)) + os.sep
_FP_KINDS = {"overflow": "infinity (an overflow: a value too large for the dtype)",
             "divide by zero": "infinity (a division by zero, or the log of 0)",
             "invalid value": "NaN (an invalid value: 0/0, ∞ − ∞, 0·∞, or √ or ln of a "
                              "negative number)"}


def _in_ops(code):
    known = _IN_OPS.get(code)
    if known is None:
        known = _IN_OPS[code] = os.path.abspath(code.co_filename).startswith(_OPS_DIRECTORY)
    return known


def _op_in_stack(frame):
    """(op, "forward" | "backward") of the op whose forward or rule raised the flag, or None."""
    found = None
    while frame is not None and frame.f_code.co_filename.startswith(_NUMPY_DIRECTORY):
        frame = frame.f_back  # numpy's own Python layer (np.sum -> _methods._sum -> the ufunc)
    while frame is not None and _inside(frame.f_code):
        code = frame.f_code
        if code.co_name in ("forward", "backward") and _in_ops(code):
            op = frame.f_locals.get("self")
            if code.co_name == "backward":
                return op, "backward"  # the ops a rule runs belong to that rule
            if found is None:
                found = op, "forward"
        frame = frame.f_back
    return found


def _anomaly_in_rule(frame):
    """True inside a rule run by detect_anomaly()'s walk (autograd._run_rule_under_anomaly
    turns the anomaly flag off for the ops of a rule, then checks the rule's gradients)."""
    while frame is not None and _inside(frame.f_code):
        if frame.f_code.co_name == "_run_rule_under_anomaly":
            return True
        frame = frame.f_back
    return False


def _numpy_error(kind, flag):
    """numpy's callback (mode "call") for a floating-point error in any numpy operation."""
    frame = sys._getframe(1)
    found = _op_in_stack(frame)
    if found is None or found[0] is None:
        # Not an op: report it as numpy's default ("warn") would, at the caller's line.
        warnings.warn(f"{kind} encountered in a numpy operation", RuntimeWarning, stacklevel=2)
        return
    if _state.anomaly or _modes[NonFiniteWarning] == "off" or _anomaly_in_rule(frame):
        return  # detect_anomaly() reports it, with the op's inputs
    op, phase = found
    _non_finite_op(op, phase, kind)


def _non_finite_op(op, phase, kind):
    name = op.name
    result = _FP_KINDS.get(kind, kind)
    if phase == "forward":
        what = f"{name}: the forward pass produced {result}"
    else:
        what = (f"{name}: its backward rule produced {result} in a gradient (the op was created "
                f"at {describe_site(op.site)})")
    learner_warning(
        NonFiniteWarning, what,
        "an inf or a NaN spreads: inf/inf and inf − inf are NaN, a NaN in the cost makes every "
        "gradient NaN, and one update then spoils every weight; nothing stops the training",
        _non_finite_fix(name, kind) + "; `with tg.detect_anomaly():` shows the op's inputs there",
        key=(name, phase, kind))


def _non_finite_fix(name, kind):
    if name in ("Exp", "Pow") and kind == "overflow":
        return ("subtract the largest value before exp (z − z.max(dim, keepdim=True)), or use "
                "z.softmax(dim), z.log_softmax(dim) or a loss that takes logits "
                "(nn.CrossEntropyLoss, nn.BCEWithLogitsLoss), which are stable")
    if name in ("Log", "Div") or kind == "divide by zero":
        return ("keep the values away from 0: clamp first (x.clamp(min=1e-12)) or add a small "
                "epsilon; for the log of a softmax or a sigmoid use log_softmax or a loss that "
                "takes logits")
    if name in ("Sqrt", "Pow") and kind == "invalid value":
        return "keep the input non-negative: clamp(min=0) before the root, or add an epsilon"
    if kind == "overflow":
        return ("the values are enormous: the training probably diverged; lower the learning "
                "rate, or normalize the inputs")
    return "check the op's inputs for inf, 0 and negative numbers"


def numpy_errors_reported(**kinds):
    """np.errstate for an op's forward whose numpy call may overflow, divide by zero or make NaN:
    those kinds go to _numpy_error (which names the op) in every thread and in every mode."""
    return np.errstate(call=_numpy_error, **{kind: "call" for kind in kinds})


_saved_numpy_modes = None


def _numpy_errors(on):
    """Route numpy's floating-point errors through _numpy_error (on) or give numpy back its own
    settings (off). Only the kinds left at numpy's default "warn" are routed: a program that
    asked numpy to ignore or raise keeps that."""
    global _saved_numpy_modes
    if on and _saved_numpy_modes is None:
        current = np.geterr()
        routed = {k: "call" for k in ("over", "divide", "invalid") if current[k] == "warn"}
        _saved_numpy_modes = (current, np.geterrcall())
        np.seterrcall(_numpy_error)
        np.seterr(**routed)
    elif not on and _saved_numpy_modes is not None:
        modes, callback = _saved_numpy_modes
        np.seterr(**modes)
        np.seterrcall(callback)
        _saved_numpy_modes = None


_numpy_errors(True)


# ---------------------------------------------------------------------------------------------
# ReductionBroadcastWarning: makemore's P = N / N.sum(1) on a square N
# ---------------------------------------------------------------------------------------------

def tag_reduction(out, source_shape, dims):
    """Called by sum/mean/max/min without keepdim over dims that are not the leading ones: if
    `out` is broadcast back against a tensor of `source_shape`, its axes will not line up."""
    out._reduced_from = (source_shape, dims)


def check_reduction_broadcast(a, b, op):
    """Called by a binary op that broadcasts, when an operand carries a reduction's tag."""
    for reduced, other in ((a, b), (b, a)):
        tag = reduced._reduced_from
        if tag is None:
            continue
        source_shape, dims = tag
        if tuple(other.shape) != tuple(source_shape):
            continue
        kept = [axis for axis in range(len(source_shape)) if axis not in dims]
        lined_up = list(range(len(source_shape) - len(kept), len(source_shape)))
        if kept == lined_up:
            continue
        dims_text = dims[0] if len(dims) == 1 else dims
        learner_warning(
            ReductionBroadcastWarning,
            f"{op}: a tensor of shape {tuple(reduced.shape)}, reduced over dim {dims_text} of "
            f"a tensor of shape {tuple(source_shape)} without keepdim, is broadcast against a "
            f"tensor of that shape {tuple(other.shape)}: broadcasting lines up its dims with "
            f"dims {tuple(lined_up)}, but they came from dims {tuple(kept)}",
            "the sizes happen to match (a square matrix), so there is no error, but each "
            "element is combined with the reduction of another row or column: for "
            "P = N / N.sum(1), row i is divided by the sums of the columns, not by its own sum",
            f"keep the reduced dims: .sum({dims_text}, keepdim=True) (the same for mean, max, "
            f"min), so the result has shape "
            f"{tuple(1 if i in dims else s for i, s in enumerate(source_shape))} and broadcasts "
            f"along the right axis")
        return


# ---------------------------------------------------------------------------------------------
# At optimizer.step(): no gradient at all; units that start identical
# ---------------------------------------------------------------------------------------------

def no_gradient_at_step(optimizer, count):
    learner_warning(
        NoGradientWarning,
        f"{optimizer}.step() found no gradient: none of its {count} parameters has a .grad, so "
        f"nothing was updated",
        "backward() was not called since the last zero_grad(), or the loss was not computed "
        "from these parameters (a model built anew, or the parameters of another model)",
        "call loss.backward() before optimizer.step(), and build the optimizer from the "
        "parameters of the model that computes the loss: optim.SGD(model.parameters(), lr)")


def _constant(array):
    return array.size > 0 and bool((array == array.reshape(-1)[0]).all())


def check_symmetric_init(params):
    """At the first step: a weight matrix whose rows (units) are equal, with equal biases, that
    feeds a next matrix whose columns are equal: those units get equal gradients forever."""
    for index, w in enumerate(params):
        if w.ndim < 2 or w.shape[0] < 2:
            continue
        rows = w._data.reshape(w.shape[0], -1)
        if not (rows == rows[:1]).all():
            continue
        after = params[index + 1:]
        bias = after[0] if after and after[0].ndim == 1 and after[0].shape[0] == w.shape[0] \
            else None
        if bias is not None and not _constant(bias._data):
            continue
        following = next((p for p in after if p.ndim == 2 and p.shape[1] == w.shape[0]), None)
        if following is None or not (following._data == following._data[:, :1]).all():
            continue
        value = float(rows.reshape(-1)[0])
        learner_warning(
            SymmetricInitWarning,
            f"the {w.shape[0]} units of the layer with weights of shape {tuple(w.shape)} start "
            f"identical: every row of its weights is the same (all {value:g}), its biases are "
            f"equal, and the next weights of shape {tuple(following.shape)} have equal columns",
            "identical units compute the same value and receive the same gradient, so they stay "
            "identical forever (the symmetry is never broken): the layer works like a single "
            "unit, however wide it is",
            "initialize the weights randomly: keep nn.Linear's default initialization, or call "
            "nn.init.normal_ / nn.init.kaiming_uniform_ on them (biases may start at 0)")
        return


# ---------------------------------------------------------------------------------------------
# TrainModeWarning: Dropout or BatchNorm in training mode under no_grad()
# ---------------------------------------------------------------------------------------------

def train_mode_under_no_grad(layer):
    """Called by Dropout and BatchNorm when they run in training mode with grad mode off."""
    name = type(layer).__name__
    effect = ("drops a random half of the activations (p = {:g}) and rescales the rest, so "
              "predictions change from run to run".format(layer.p) if name == "Dropout" else
              "normalizes with this batch's statistics (and updates its running averages), so a "
              "prediction depends on the other examples of the batch")
    learner_warning(
        TrainModeWarning,
        f"{name} ran in training mode under no_grad(): this looks like an evaluation, but the "
        f"model was not switched to evaluation mode",
        f"in training mode {name} {effect}: the accuracy you measure is noisy and lower than "
        f"the model's",
        "call model.eval() before evaluating (and model.train() before training again), or "
        "use tinygrad_edu.train.evaluate, which does both", key=name)


# ---------------------------------------------------------------------------------------------
# At the loss: probabilities given to a loss that takes logits; a NaN or an inf
# ---------------------------------------------------------------------------------------------

_LOGIT_LOSSES = {
    # loss: (the op whose output it should not get, what the loss does itself, the fix)
    "CrossEntropyLoss": ("Softmax", "applies log_softmax to its input itself",
                         "pass the logits (the last Linear layer's output, before any softmax) "
                         "to nn.CrossEntropyLoss; keep softmax for reading probabilities"),
    "BCEWithLogitsLoss": ("Sigmoid", "applies the sigmoid to its input itself",
                          "pass the logits (before the sigmoid) to nn.BCEWithLogitsLoss, or "
                          "keep the sigmoid and use nn.BCELoss"),
    "NLLLoss": ("Softmax", "expects log-probabilities (it only picks −input[y])",
                "apply log_softmax instead of softmax (nn.LogSoftmax), or pass the logits to "
                "nn.CrossEntropyLoss"),
}


def check_loss_input(loss, x):
    """Called by a loss on its input: a probability layer's output where logits belong."""
    node = x.grad_fn
    expected = _LOGIT_LOSSES[loss]
    if node is None or node.name != expected[0]:
        return
    op, does, fix = expected
    learner_warning(
        DoubleSoftmaxWarning,
        f"{loss} got the output of a {op} op, but it {does}",
        f"the {op.lower()} is then applied twice: the outputs are squeezed towards uniform "
        f"probabilities, the gradients shrink, and learning is slow (or stalls) without an "
        f"error" if loss != "NLLLoss" else
        "−softmax is not a log-likelihood: the loss is bounded in [−1, 0] and its gradients "
        "are tiny, so learning is slow without an error",
        fix, key=loss)


def check_loss_value(loss, out, inputs):
    """Called by a loss on its value: when it is NaN or infinite, say which input holds NaN."""
    data = out._data
    if data.size == 1:
        if math.isfinite(data.item()):
            return
    elif np.isfinite(data).all():
        return
    if _state.anomaly:
        return
    for label, t in inputs:
        values = t._data if hasattr(t, "_data") else np.asarray(t)
        if values.dtype.kind in "fc" and not np.isfinite(values).all():
            kind = "NaN" if np.isnan(values).any() else "infinity"
            element = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
            what = f"{loss}: the loss is {_kind_of(data)}: {label} holds {kind}, first at element {element}"
            fix = ("find where it was made: check the data with np.isfinite, or run the forward "
                   "pass inside `with tg.detect_anomaly():`, which names the op that made it" if
                   label.startswith("the target") else
                   "the model's output was already spoiled: `with tg.detect_anomaly():` names "
                   "the op that made it; often a diverged update (lower the learning rate) or a "
                   "NaN in the inputs")
            break
    else:
        what = f"{loss}: the loss is {_kind_of(data)}, although its inputs are finite"
        fix = "use a loss that takes logits (it never takes the log of 0), or clamp the input"
    learner_warning(
        NonFiniteWarning, what,
        "a NaN or infinite loss gives NaN gradients, and the next step spoils every weight; "
        "nothing stops the training", fix, key=(loss, what))


def _kind_of(data):
    return "NaN" if np.isnan(data).any() else "infinite"
