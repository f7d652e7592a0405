"""Grad mode and anomaly mode (per thread, like PyTorch), and where in the user's code an op was made.

`no_grad()` turns the recording of the graph off; `detect_anomaly()` checks every forward
output and every gradient for NaN and infinity and names the op, the tensor and the line of
user code. The engine (autograd.py) reads these switches; nothing here knows about tensors
beyond their `.numpy()`, `.shape` and `.name`.
"""

import functools
import linecache
import os
import sys
import threading

import numpy as np

__all__ = [
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled", "detect_anomaly",
    "is_anomaly_enabled", "AnomalyError", "user_site", "user_site_exact", "describe_site",
    "check_finite",
]


# ---------------------------------------------------------------------------------------------
# Grad mode and anomaly mode (per thread, like PyTorch)
# ---------------------------------------------------------------------------------------------

class _State(threading.local):
    grad_enabled = True
    anomaly = False


_state = _State()


def is_grad_enabled():
    """True when new operations are recorded in the graph."""
    return _state.grad_enabled


class _ModeSwitch:
    """Sets one field of the per-thread state for a `with` block or a decorated function, and
    puts the previous value back afterwards (nesting and exceptions included)."""

    field = None

    def __init__(self, value):
        self.value = bool(value)
        self.previous = []

    def __enter__(self):
        self.previous.append(getattr(_state, self.field))
        setattr(_state, self.field, self.value)
        return self

    def __exit__(self, *exc_info):
        setattr(_state, self.field, self.previous.pop())
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self._fresh():  # one switch per call: calls in other threads keep their own
                return function(*args, **kwargs)
        return wrapper

    def _fresh(self):
        switch = object.__new__(type(self))
        switch.value, switch.previous = self.value, []
        return switch


class set_grad_enabled(_ModeSwitch):
    """Context manager and decorator that turns graph recording on or off.

    Example:
        >>> with tg.set_grad_enabled(False):
        ...     y = x * 2          # y.requires_grad is False
    """

    field = "grad_enabled"

    def __init__(self, mode=True):
        super().__init__(mode)

    @property
    def mode(self):
        return self.value


class _BareDecorator:
    """Lets `@tg.no_grad` decorate without parentheses too, as in PyTorch 2."""

    def __new__(cls, *args):
        if len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        return super().__new__(cls)


class no_grad(_BareDecorator, set_grad_enabled):
    """Context manager and decorator: operations inside are not recorded (evaluation, updates).

    Example:
        >>> with tg.no_grad():
        ...     w -= lr * w.grad
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(_BareDecorator, set_grad_enabled):
    """Context manager and decorator: record operations again inside a `no_grad` block."""

    def __init__(self):
        super().__init__(True)


class inference_mode(_BareDecorator, set_grad_enabled):
    """torch.inference_mode: context manager and decorator that records nothing (as no_grad).

    PyTorch also marks the tensors made inside as inference tensors, which autograd later
    refuses; here they are ordinary tensors that do not require grad (the same numbers).
    `inference_mode(False)` records again.
    """

    def __init__(self, mode=True):
        super().__init__(not mode)


class AnomalyError(RuntimeError):
    """Raised inside `detect_anomaly()` at the first NaN or infinity an op produces."""


class detect_anomaly(_ModeSwitch):
    """Context manager and decorator: find the op where a NaN or an infinity was born.

    Inside it, every op's forward output and every gradient of the backward pass is checked;
    the first non-finite value raises `AnomalyError` naming the op, the tensor's name, the line
    of user code that created the op, and whether it happened in the forward or the backward
    pass. It makes every op slower, so use it to debug, not to train.

    Example:
        >>> with tg.detect_anomaly():
        ...     x.log().sum().backward()    # AnomalyError: Log ... forward ... line 12 ...
    """

    field = "anomaly"

    def __init__(self, check_nan=True):
        super().__init__(check_nan)

    @property
    def check_nan(self):
        return self.value


def is_anomaly_enabled():
    """True inside `detect_anomaly()`."""
    return _state.anomaly


# The whole tinygrad_edu package (core, nn, train, ...): a "user line" is outside all of it.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_INSIDE = {}  # code object -> True when it belongs to tinygrad_edu (paths are resolved once)


def user_site(key):
    """(code, instruction offset) of the first caller outside tinygrad_edu, or None.

    Recorded by every op that saves tensors for its rule, so that an error at backward() can
    name the line of user code that made the op. It is on the hot path, and making a Python
    frame object costs about 0.2 µs: walking the 5 to 8 frames between an op and the user's
    code slowed the lecture's training step (W3 of benchmarks/bench_mnist.py) by 6%. So the
    depth of the user's frame and its code are remembered per `key` (the op's class), and a
    call looks at that one frame; only when it holds other code (another path) is the stack
    walked again. When one op class is reached at several depths in one program, the line can
    then be an outer line of user code on the same stack; detect_anomaly() always walks.
    """
    cached = _DEPTHS.get(key)
    if cached is not None:
        depth, code = cached
        try:
            frame = sys._getframe(depth)
        except ValueError:  # a shallower stack than last time: walk it
            pass
        else:
            if frame.f_code is code:
                return code, frame.f_lasti  # the line is looked up only for an error
    getframe = sys._getframe
    try:
        depth = 2  # 0: user_site, 1: Op.apply, 2: the Tensor method or function that called it
        while True:
            frame = getframe(depth)
            if not _inside(frame.f_code):
                _DEPTHS[key] = (depth, frame.f_code)
                return frame.f_code, frame.f_lasti
            depth += 1
    except ValueError:  # the stack ended inside tinygrad_edu
        return None


def user_site_exact():
    """Like user_site, always walking the stack (detect_anomaly: exactness over speed)."""
    frame = sys._getframe(2)
    while frame is not None:
        if not _inside(frame.f_code):
            return frame.f_code, frame.f_lasti
        frame = frame.f_back
    return None


_DEPTHS = {}  # key -> (depth, code) of the user's frame last time


def _inside(code):
    known = _INSIDE.get(code)
    if known is None:
        known = _INSIDE[code] = os.path.abspath(code.co_filename).startswith(_PACKAGE_DIR)
    return known


def describe_site(site):
    """'File "...", line N: <source line>' for a site (code, instruction offset) from user_site()."""
    if site is None:
        return "(created inside tinygrad_edu)"
    code, offset = site
    lineno = next((line for start, end, line in code.co_lines() if start <= offset < end),
                  code.co_firstlineno)
    line = linecache.getline(code.co_filename, lineno).strip()
    return f'File "{code.co_filename}", line {lineno}: {line}'


def check_finite(array, op, phase, site, detail, inputs=()):
    """Raise AnomalyError when `array` (an op's output or gradient) holds NaN or infinity."""
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        kind = "NaN" if np.isnan(array).any() else "infinity"
        element = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        lines = [f"{op.name}: {phase} pass produced {kind} ({detail}, shape {array.shape}), "
                 f"first at element {element}."]
        inherited = False
        # Show the inputs at that element: log(0), 0/0 or √0 in the backward pass is then
        # visible at a glance, and an input that was already NaN points further back.
        for index, t in enumerate(inputs):
            name = f" {t.name!r}" if t.name else ""
            text = f"  input {index}{name} of shape {t.shape}"
            values = t.numpy()
            if values.shape == array.shape:
                text += f" is {values[element].item()} there"
            elif values.size == 1:
                text += f" is {values.reshape(()).item()}"
            if values.dtype.kind in "fc" and not np.isfinite(values).all():
                inherited = True
                text += " and already holds NaN or infinity"
            lines.append(text)
        lines.append(f"  the op was created at {describe_site(site)}")
        lines.append(f"  rule: {op.rule_summary()}")
        if inherited:
            lines.append("  fix: the bad value was made before this op (in the data, a "
                         "parameter spoiled by an earlier update, or code run outside "
                         "detect_anomaly); check those with np.isfinite")
        else:
            lines.append("  fix: keep the op's inputs inside its domain (for example clamp "
                         "before log or sqrt, add a small epsilon, or lower the learning rate)")
        raise AnomalyError("\n".join(lines))
