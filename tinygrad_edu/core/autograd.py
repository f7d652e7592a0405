"""The autograd engine: the Op base class (a graph node), the op registry, grad modes, and backward().

Every differentiable operation is a subclass of `Op` (see ops.py, the rulebook). Calling
`SomeOp.apply(*tensors, **params)` runs its numpy `forward`, and, when gradients are wanted,
records a node that remembers the op, its parent tensors and what the rule needs. `backward()`
walks these nodes in reverse topological order and calls each op's `backward` rule.
"""

import functools
import linecache
import os
import sys
import threading

import numpy as np

__all__ = [
    "Op", "registry", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "detect_anomaly", "is_anomaly_enabled", "AnomalyError", "backward", "grad",
    "topological_order",
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


class no_grad(set_grad_enabled):
    """Context manager and decorator: operations inside are not recorded (evaluation, updates).

    Example:
        >>> with tg.no_grad():
        ...     w -= lr * w.grad
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Context manager and decorator: record operations again inside a `no_grad` block."""

    def __init__(self):
        super().__init__(True)


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


# the whole tinygrad_edu package (core, nn, train, ...): a "user line" is outside all of it
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_frame():
    """(filename, line number, source line) of the first caller outside tinygrad_edu."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_PACKAGE_DIR):
            line = linecache.getline(filename, frame.f_lineno).strip()
            return filename, frame.f_lineno, line
        frame = frame.f_back
    return None


def _describe_site(site):
    if site is None:
        return "(created inside tinygrad_edu)"
    filename, lineno, line = site
    return f'File "{filename}", line {lineno}: {line}'


def _check_finite(array, op, phase, site, detail, inputs=()):
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
            if t.data.shape == array.shape:
                text += f" is {t.data[element].item()} there"
            elif t.data.size == 1:
                text += f" is {t.data.reshape(()).item()}"
            if t.data.dtype.kind in "fc" and not np.isfinite(t.data).all():
                inherited = True
                text += " and already holds NaN or infinity"
            lines.append(text)
        lines.append(f"  the op was created at {_describe_site(site)}")
        lines.append(f"  rule: {op.rule_summary()}")
        if inherited:
            lines.append("  fix: the bad value was made before this op (in the data, a "
                         "parameter spoiled by an earlier update, or code run outside "
                         "detect_anomaly); check those with np.isfinite")
        else:
            lines.append("  fix: keep the op's inputs inside its domain (for example clamp "
                         "before log or sqrt, add a small epsilon, or lower the learning rate)")
        raise AnomalyError("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# The Op base class: forward on numpy arrays, backward rule on Tensors, a node of the graph
# ---------------------------------------------------------------------------------------------

registry = {}
"""Every primitive op class by name: the rulebook's table of contents (filled by subclassing)."""

# The marker of a released node's saved values: its own object, so that it can never be
# mistaken for what an op saved (an op that saves nothing has ()).
_RELEASED = ("released by backward()",)


class Op:
    """Base class of every primitive op: subclasses define `forward` and `backward`.

    `forward(*arrays, **params)` computes the output from numpy arrays and calls
    `save_for_backward` with the arrays the rule needs. `backward(grad_out)` receives the
    upstream gradient (a Tensor) and returns one gradient per tensor input (a Tensor, or None
    when that input needs none). Rules are written with Tensor operations, so under
    `create_graph=True` the backward pass builds a graph of its own (higher-order gradients).
    """

    __slots__ = ("parents", "params", "__dict__")
    # Defaults read through the class, so the hot path does not have to set them.
    saved = None
    output = None
    site = None
    needs_input_grad = (False,) * 8

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        registry[cls.__name__] = cls

    # -- the recording step (hot path: kept lean) --------------------------------------------
    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors `inputs` and record it in the graph when a gradient is wanted."""
        ctx = cls.__new__(cls)
        requires_grad = False
        if _state.grad_enabled:
            for t in inputs:
                if t.requires_grad:
                    requires_grad = True
                    break
        if requires_grad:
            ctx.needs_input_grad = tuple([t.requires_grad for t in inputs])
            ctx.parents = inputs
            ctx.params = params
        # (needs_input_grad otherwise stays the class default: all False)
        arity = len(inputs)
        if arity == 2:  # the common cases without building a list of arrays
            data = ctx.forward(inputs[0].data, inputs[1].data, **params)
        elif arity == 1:
            data = ctx.forward(inputs[0].data, **params)
        else:
            data = ctx.forward(*[t.data for t in inputs], **params)
        out = Tensor._make(data, requires_grad, ctx if requires_grad else None)
        if type(data) is not np.ndarray:
            # numpy returns scalars for 0-d results; keep .data an array (and saved ones in sync)
            scalar, data = data, np.asarray(data)
            out.data = data
            if ctx.saved:
                ctx.saved = tuple(data if s is scalar else s for s in ctx.saved)
        if _state.anomaly:
            ctx.site = _user_frame()
            _check_finite(data, ctx, "forward", ctx.site, "output", inputs)
        return out

    def save_for_backward(self, *arrays):
        """Keep the arrays the backward rule needs (inputs, the output or intermediates)."""
        self.saved = arrays

    @property
    def saved_tensors(self):
        """The saved arrays as Tensors: an input's array comes back as that input Tensor and the
        output's array as the output Tensor, so higher-order gradients flow through them."""
        if self.saved is _RELEASED:
            raise RuntimeError(_RELEASED_MESSAGE.format(op=self.name))
        result = []
        for array in self.saved:
            for parent in self.parents:
                if parent.data is array:
                    result.append(parent)
                    break
            else:
                if self.output is not None and self.output.data is array:
                    result.append(self.output)
                else:
                    result.append(Tensor._make(array, False, None))
        return result

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward is not written")

    def backward(self, grad_out):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward is not written")

    # -- descriptions for error messages, the graph pictures and explain() ---------------------
    @property
    def name(self):
        return type(self).__name__

    @classmethod
    def rule_summary(cls):
        """The first line of the op's docstring: its formula."""
        doc = (cls.__doc__ or cls.__name__).strip().splitlines()
        return doc[0].strip() if doc else cls.__name__

    @classmethod
    def rule_text(cls):
        """The op's whole docstring: formula, local derivatives, what it saves."""
        import inspect
        return inspect.cleandoc(cls.__doc__ or cls.__name__)

    def release(self):
        """Drop the saved values (memory); a later backward through this node is an error."""
        self.saved = _RELEASED

    @property
    def released(self):
        return self.saved is _RELEASED

    def __repr__(self):
        return f"<{self.name}Backward>"


_RELEASED_MESSAGE = (
    "backward: the graph of this tensor was already released by an earlier backward() "
    "(at op {op}); call backward(retain_graph=True) the first time if you need to "
    "backpropagate twice, or recompute the forward pass")


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------

def topological_order(roots):
    """Non-leaf tensors reachable from `roots`, parents before children (no recursion).

    The walk is keyed by `id()`, since `Tensor.__eq__` is elementwise. backward() visits this
    list in reverse; the graph pictures and explain() use the very same order.
    """
    if not isinstance(roots, (list, tuple)):
        roots = [roots]
    order = []
    visited = set()
    stack = [(root, False) for root in roots if root._ctx is not None]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._ctx.parents:
            if parent._ctx is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order


def call_rule(node, grad_out):
    """Run the backward rule of `node`'s op for upstream gradient `grad_out`; returns a tuple."""
    ctx = node._ctx
    if ctx.saved is _RELEASED:
        raise RuntimeError(_RELEASED_MESSAGE.format(op=ctx.name))
    ctx.output = node
    try:
        grads = ctx.backward(grad_out)
    finally:
        ctx.output = None
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(ctx.parents):
        raise RuntimeError(f"{ctx.name}.backward returned {len(grads)} gradients for "
                           f"{len(ctx.parents)} inputs; return one per input (None if unused)")
    return grads


def _run_backward(roots, root_grads, retain_graph, create_graph, capture=None):
    """Backpropagate `root_grads` from `roots`. Accumulates into leaves' .grad, or, when
    `capture` (a list of tensors) is given, returns their gradients and touches no .grad.

    This loop runs once per node per training step, so it is written for speed: it is
    call_rule() inlined, with the per-parent checks reduced to identity tests where it can.
    """
    order = topological_order(roots)
    grads = {}
    for root, root_grad in zip(roots, root_grads):
        key = id(root)
        grads[key] = grads[key] + root_grad if key in grads else root_grad
    captured = None if capture is None else {id(t): None for t in capture}
    state = _state
    anomaly = state.anomaly
    grad_was_enabled = state.grad_enabled
    state.grad_enabled = create_graph  # the rules' own ops are recorded only for create_graph
    try:
        for node in reversed(order):
            grad_out = grads.pop(id(node), None)
            if grad_out is None:
                continue
            if captured is not None:
                if id(node) in captured:
                    captured[id(node)] = grad_out
            elif node._retain:
                node.grad = grad_out if node.grad is None else node.grad + grad_out
            ctx = node._ctx
            if ctx.saved is _RELEASED:
                raise RuntimeError(_RELEASED_MESSAGE.format(op=ctx.name))
            ctx.output = node
            if anomaly:
                # ops run inside the rule belong to this node's backward pass: its gradients are
                # checked below and reported as this op's, not as a forward pass of (say) Div
                _state.anomaly = False
                try:
                    parent_grads = ctx.backward(grad_out)
                finally:
                    _state.anomaly = True
            else:
                parent_grads = ctx.backward(grad_out)
            ctx.output = None
            parents = ctx.parents
            if type(parent_grads) is not tuple:
                parent_grads = (parent_grads,)
            if len(parent_grads) != len(parents):
                raise RuntimeError(f"{ctx.name}.backward returned {len(parent_grads)} gradients "
                                   f"for {len(parents)} inputs; return one per input (None if "
                                   f"unused)")
            for index in range(len(parents)):
                parent = parents[index]
                parent_grad = parent_grads[index]
                if parent_grad is None or not parent.requires_grad:
                    continue
                array, target = parent_grad.data, parent.data
                if array.dtype is not target.dtype and array.dtype != target.dtype:
                    parent_grad = parent_grad.to(target.dtype)
                if array.shape != target.shape:
                    raise RuntimeError(
                        f"{ctx.name}.backward: the gradient for input {index} has shape "
                        f"{array.shape} but that input has shape {target.shape}; a rule must "
                        f"reduce its gradient to its input's shape (sum_to_shape)")
                if anomaly:
                    _check_finite(parent_grad.data, ctx, "backward", getattr(ctx, "site", None),
                                  f"the gradient it sends to input {index}", parents)
                key = id(parent)
                if parent._ctx is None:
                    if captured is not None:
                        if key in captured:
                            previous = captured[key]
                            captured[key] = parent_grad if previous is None else previous + parent_grad
                    elif parent.grad is None:
                        if not create_graph and (array is grad_out.data
                                                 or not array.flags.writeable):
                            # A gradient passed through unchanged (Add) or a broadcast view
                            # (Sum) may be shared: each leaf gets its own writable .grad.
                            parent_grad = Tensor._make(np.array(parent_grad.data), False, None)
                        parent.grad = parent_grad
                    else:
                        parent.grad = parent.grad + parent_grad
                elif key in grads:
                    grads[key] = grads[key] + parent_grad
                else:
                    grads[key] = parent_grad
            if not retain_graph:
                ctx.saved = _RELEASED
    finally:
        state.grad_enabled = grad_was_enabled
    if captured is not None:
        return [captured[id(t)] for t in capture]
    return None


def _prepare_roots(outputs, grad_outputs, caller):
    if type(outputs) is Tensor and (grad_outputs is None or type(grad_outputs) is Tensor):
        # One output (every loss.backward()): skip the list handling below.
        if outputs.requires_grad and (
                grad_outputs.data.shape == outputs.data.shape if grad_outputs is not None
                else outputs.data.size == 1):
            if grad_outputs is None:
                grad_outputs = Tensor._make(np.ones(outputs.data.shape, dtype=outputs.data.dtype),
                                            False, None)
            return (outputs,), (grad_outputs,)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{caller}: got {len(outputs)} outputs but {len(grad_outputs)} "
                         f"grad_outputs; give one gradient per output")
    roots, root_grads = [], []
    for index, (out, gradient) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"{caller}: output {index} is a {type(out).__name__}, not a Tensor")
        if not out.requires_grad:
            raise RuntimeError(
                f"{caller}: output {index} does not require grad (no input had "
                f"requires_grad=True, or it was computed under no_grad()); create the leaves "
                f"you want gradients for with requires_grad=True")
        if gradient is None:
            if out.data.size != 1:
                raise RuntimeError(
                    f"{caller}: the output has shape {out.shape}, so the gradient to start from is "
                    f"ambiguous; reduce it to a scalar first (for example .sum() or .mean()), "
                    f"or pass gradient= (a tensor of shape {out.shape})")
            gradient = Tensor._make(np.ones(out.shape, dtype=out.data.dtype), False, None)
        else:
            if not isinstance(gradient, Tensor):
                gradient = Tensor(np.asarray(gradient, dtype=out.data.dtype))
            if gradient.shape != out.shape:
                raise RuntimeError(f"{caller}: gradient has shape {gradient.shape} but the output "
                                   f"has shape {out.shape}; they must be equal")
        roots.append(out)
        root_grads.append(gradient)
    return roots, root_grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate d tensors / d leaf into every leaf's `.grad` (see `Tensor.backward`)."""
    roots, root_grads = _prepare_roots(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    for root, gradient in zip(roots, root_grads):
        if root._ctx is None:  # a leaf's gradient with respect to itself
            root.grad = gradient if root.grad is None else root.grad + gradient
    _run_backward(roots, root_grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, like `torch.autograd.grad`.

    Unlike backward(), nothing is accumulated into `.grad`. With `create_graph=True` the
    returned gradients are themselves part of a graph, so they can be differentiated again.

    Args:
        outputs: a Tensor or a sequence of Tensors.
        inputs: a Tensor or a sequence of Tensors that require grad.
        grad_outputs: the vector of the vector-Jacobian product, one per output (None: ones
            for scalar outputs).
        retain_graph: keep the saved values for another backward (default: create_graph).
        create_graph: record the backward pass, for higher-order derivatives.
        allow_unused: return None for an input the outputs do not depend on, instead of
            raising.

    Returns:
        A tuple with one gradient Tensor (or None) per input.

    Example:
        >>> x = tg.tensor(3.0, requires_grad=True)
        >>> (dy,) = tg.grad(x ** 3, x, create_graph=True)   # 3x² = 27
        >>> (d2y,) = tg.grad(dy, x)                          # 6x = 18
    """
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for index, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {index} does not require grad; pass tensors "
                               f"created with requires_grad=True (or outputs of ops on them)")
    roots, root_grads = _prepare_roots(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    results = _run_backward(roots, root_grads, retain_graph, create_graph, capture=inputs)
    for index, (t, g) in enumerate(zip(inputs, results)):
        for root, root_grad in zip(roots, root_grads):
            if root is t and root._ctx is None:  # a non-leaf root was captured by the walk
                results[index] = root_grad if g is None else g + root_grad
                g = results[index]
        if results[index] is None and not allow_unused:
            raise RuntimeError(f"grad: input {index} (shape {t.shape}) was not used to compute "
                               f"the outputs; pass allow_unused=True to get None for it")
    return tuple(results)


from .tensor import Tensor  # noqa: E402  (circular: Tensor's methods call ops built on Op)
