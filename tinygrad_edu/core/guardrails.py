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

from .messages import say
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
    message = say("warning.frame", what=what, site=describe_site(site), why=why, fix=fix,
                  name=kind.__name__)
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
    learner_warning(GradientAccumulationWarning,
                    say("accumulation.what", name=name, shape=tuple(t.shape)),
                    say("accumulation.why"), say("accumulation.fix"))


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
    learner_warning(NonLeafGradWarning,
                    say("non_leaf.what", name=name, shape=tuple(t.shape), op=t._ctx.name),
                    say("non_leaf.why"), say("non_leaf.fix"))


# ---------------------------------------------------------------------------------------------
# NonFiniteWarning: numpy's floating-point error callback names the op and the user's line
# ---------------------------------------------------------------------------------------------

_OPS_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops") + os.sep
_IN_OPS = {}
_NUMPY_DIRECTORY = os.path.dirname(os.path.abspath(np.__file__)) + os.sep
_FP_KINDS = ("overflow", "divide by zero", "invalid value")  # numpy's names; fp.* in messages


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
    result = say(f"fp.{kind}") if kind in _FP_KINDS else kind
    if phase == "forward":
        what = say("non_finite.forward", op=name, result=result)
    else:
        what = say("non_finite.backward", op=name, result=result, site=describe_site(op.site))
    learner_warning(NonFiniteWarning, what, say("non_finite.why"),
                    say("non_finite.anomaly", fix=_non_finite_fix(name, kind)),
                    key=(name, phase, kind))


def _non_finite_fix(name, kind):
    if name in ("Exp", "Pow") and kind == "overflow":
        return say("non_finite.fix_exp")
    if name in ("Log", "Div") or kind == "divide by zero":
        return say("non_finite.fix_zero")
    if name in ("Sqrt", "Pow") and kind == "invalid value":
        return say("non_finite.fix_root")
    if kind == "overflow":
        return say("non_finite.fix_overflow")
    return say("non_finite.fix_other")


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
        kept_shape = tuple(1 if i in dims else s for i, s in enumerate(source_shape))
        learner_warning(
            ReductionBroadcastWarning,
            say("reduction.what", op=op, shape=tuple(reduced.shape), dims=dims_text,
                source=tuple(source_shape), other=tuple(other.shape), lined_up=tuple(lined_up),
                kept=tuple(kept)),
            say("reduction.why"), say("reduction.fix", dims=dims_text, kept_shape=kept_shape))
        return


# ---------------------------------------------------------------------------------------------
# At optimizer.step(): no gradient at all; units that start identical
# ---------------------------------------------------------------------------------------------

def no_gradient_at_step(optimizer, count):
    learner_warning(NoGradientWarning,
                    say("no_gradient.what", optimizer=optimizer, count=count),
                    say("no_gradient.why"), say("no_gradient.fix"))


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
            say("symmetric.what", units=w.shape[0], shape=tuple(w.shape), value=f"{value:g}",
                following=tuple(following.shape)),
            say("symmetric.why"), say("symmetric.fix"))
        return


# ---------------------------------------------------------------------------------------------
# TrainModeWarning: Dropout or BatchNorm in training mode under no_grad()
# ---------------------------------------------------------------------------------------------

def train_mode_under_no_grad(layer):
    """Called by Dropout and BatchNorm when they run in training mode with grad mode off."""
    name = type(layer).__name__
    effect = (say("train_mode.dropout", p=f"{layer.p:g}") if name == "Dropout" else
              say("train_mode.batch_norm"))
    learner_warning(TrainModeWarning, say("train_mode.what", layer=name),
                    say("train_mode.why", layer=name, effect=effect), say("train_mode.fix"),
                    key=name)


# ---------------------------------------------------------------------------------------------
# At the loss: probabilities given to a loss that takes logits; a NaN or an inf
# ---------------------------------------------------------------------------------------------

# loss -> the op whose output it should not get (what the loss does itself and the fix are
# the sentences logits.<loss>.does and logits.<loss>.fix)
_LOGIT_LOSSES = {"CrossEntropyLoss": "Softmax", "BCEWithLogitsLoss": "Sigmoid", "NLLLoss": "Softmax"}


def check_loss_input(loss, x):
    """Called by a loss on its input: a probability layer's output where logits belong."""
    node = x.grad_fn
    op = _LOGIT_LOSSES[loss]
    if node is None or node.name != op:
        return
    learner_warning(
        DoubleSoftmaxWarning,
        say("logits.what", loss=loss, op=op, does=say(f"logits.{loss}.does")),
        say("logits.why", op_lower=op.lower()) if loss != "NLLLoss" else say("logits.why_nll"),
        say(f"logits.{loss}.fix"), key=loss)


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
    for role, t in inputs:  # role: "output" (the model's) or "target"
        label = say(f"loss_value.{role}")
        values = t._data if hasattr(t, "_data") else np.asarray(t)
        if values.dtype.kind in "fc" and not np.isfinite(values).all():
            kind = say("value.NaN" if np.isnan(values).any() else "value.infinity")
            element = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
            what = say("loss_value.input", loss=loss, value=_kind_of(data), label=label,
                       kind=kind, element=element)
            fix = say("loss_value.fix_target" if role == "target" else "loss_value.fix_output")
            break
    else:
        what = say("loss_value.finite_inputs", loss=loss, value=_kind_of(data))
        fix = say("loss_value.fix_finite")
    learner_warning(NonFiniteWarning, what, say("loss_value.why"), fix, key=(loss, what))


def _kind_of(data):
    return say("value.NaN" if np.isnan(data).any() else "value.infinite")
