"""The autograd engine: the Op base class (a node of the graph), the op registry, and THE backward walk.

Every differentiable operation is a subclass of `Op` (the rulebook, ops/). Calling
`SomeOp.apply(*tensors, **params)` runs its numpy `forward` and, when a gradient is wanted,
records a node that remembers the op, its input tensors, their versions and what the rule
needs. `backward_walk` visits the nodes in reverse topological order and calls each op's
`backward` rule once, adding up the adjoints δ(v) = ∂C/∂v in a table. `backward()` puts the
leaves' totals into `.grad`, `grad()` returns them, and every view of the learner (explain,
the stepper, the pictures) is told of each step through the walk's hook.
"""

import inspect

import numpy as np

from . import guardrails
from .messages import say
from .node_names import AccumulateGrad, NodeName
from .views import _share_storage, _version, increment_version, refresh_view, seen
from .modes import (AnomalyError, _state, check_finite, describe_site, detect_anomaly,
                    enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad,
                    set_grad_enabled, user_site, user_site_exact)

__all__ = [
    "Op", "registry", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "detect_anomaly", "is_anomaly_enabled", "AnomalyError", "backward_walk", "backward", "grad",
    "topological_order", "call_rule", "prepare_roots", "use_tensor_class", "increment_version",
    "NodeName", "AccumulateGrad",
]

# The engine makes the outputs of ops, seeds and copies as Tensors; tensor.py hands it the class
# (use_tensor_class), so this file needs no import of tensor.py and the imports stay a tree:
# tensor -> ops -> autograd -> modes.
Tensor = None


def use_tensor_class(cls):
    """Called once by tensor.py: the class of the tensors the engine creates."""
    global Tensor
    Tensor = cls


registry = {}
"""Every primitive op class by name: the rulebook's table of contents (filled by subclassing)."""

# The marker of a released node's saved values: its own object, so that it can never be
# mistaken for what an op saved (an op that saves nothing has ()).
_RELEASED = ("released by backward()",)

_RELEASED_MESSAGE = (
    "backward: the graph of this tensor was already released by an earlier backward() "
    "(at op {op}); call backward(retain_graph=True) the first time if you need to "
    "backpropagate twice, or recompute the forward pass")


# ---------------------------------------------------------------------------------------------
# The Op base class: forward on numpy arrays, backward rule on Tensors, a node of the graph
# ---------------------------------------------------------------------------------------------

class Op:
    """Base class of every primitive op: subclasses define `forward`, `backward` and `chain_rule`.

    `forward(*arrays, **params)` computes the output from numpy arrays and calls
    `save_for_backward` with the arrays the rule needs. `backward(grad_out)` receives the
    upstream gradient (a Tensor) and returns one gradient per tensor input (a Tensor, or None
    when that input needs none). Rules are written with Tensor operations, so under
    `create_graph=True` the backward pass builds a graph of its own (higher-order gradients).
    `chain_rule` is the same rule as text, {input name: right-hand side of δ(input) = …}.

    A recorded node has `parents` (its input tensors), `params` (the op's other arguments),
    `versions` (each input's version when the op ran) and `site` (the user's line, for ops
    that saved tensors).
    """

    __slots__ = ("parents", "params", "__dict__")
    # Defaults read through the class, so the hot path does not have to set them.
    chain_rule = {}
    is_view = False  # True for ops whose output shares the input's memory (reshape, slicing)
    saved = None
    output = None
    output_version = 0
    output_slots = ()  # positions in `saved` that hold the output (set by in-place ops)
    site = None
    needs_input_grad = (False,) * 8
    # Fast path (issue 8; bench_mnist's W1/W3 steps, see README: Speed): an op whose rule uses
    # only operations numpy arrays also have (* + − /, @, .T, reshape, sum(0)) sets this, and
    # a walk that records nothing (no create_graph, no detect_anomaly) runs the very same rule
    # on the arrays instead of on Tensors. Tested against the Tensor run in tests/test_fast_rules.py.
    rule_on_arrays = False
    array_rule = None  # that class's own backward (set by __init_subclass__)
    on_arrays = False  # True while the walk runs this node's rule on arrays

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        registry[cls.__name__] = cls
        # the rule written for arrays and Tensors alike; a rule replaced later (a student's
        # rule planted by tg.exercises, a test's wrong rule) runs on Tensors, as any rule
        cls.array_rule = cls.__dict__.get("backward") if cls.__dict__.get("rule_on_arrays") else None

    # -- the recording step (hot path: kept lean) --------------------------------------------
    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors `inputs` and record it in the graph when a gradient is wanted."""
        ctx = cls.__new__(cls)
        record = False
        if _state.grad_enabled:
            for t in inputs:
                if t.requires_grad:
                    record = True
                    break
        if record:
            ctx._remember(inputs, params)
        arity = len(inputs)
        if arity == 2:  # the common cases without building a list of arrays
            data = ctx.forward(inputs[0]._data, inputs[1]._data, **params)
        elif arity == 1:
            data = ctx.forward(inputs[0]._data, **params)
        else:
            data = ctx.forward(*[t._data for t in inputs], **params)
        if type(data) is not np.ndarray:
            # numpy returns scalars for 0-d results; keep the storage an array (saved ones too)
            scalar, data = data, np.asarray(data)
            if ctx.saved:
                ctx.saved = tuple(data if s is scalar else s for s in ctx.saved)
        if record:
            out = Tensor._make(data, True, ctx)
            if ctx.saved:
                ctx.site = user_site(cls)  # for the error when a saved tensor is changed in place
        else:
            out = Tensor._make(data, False, None)
        if cls.is_view:
            _share_storage(out, inputs[0], cls, params)
        if _state.anomaly:
            ctx.site = user_site_exact()
            check_finite(data, ctx, "forward", ctx.site, "output", inputs)
        return out

    def _remember(self, inputs, params):
        """What a node of the graph keeps: its inputs, which of them need a gradient, the op's
        other arguments, and each input's version (to refuse a rule whose inputs changed)."""
        if seen.history:  # a view of a tensor moved on by an in-place op is made anew
            for t in inputs:
                if t._view_of is not None:
                    refresh_view(t)
        self.parents = inputs
        self.params = params
        self.needs_input_grad = tuple([t.requires_grad for t in inputs])
        self.versions = tuple([(t if t._base is None else t._base)._version_count
                               for t in inputs])

    def save_for_backward(self, *arrays):
        """Keep the arrays the backward rule needs (inputs, the output or intermediates)."""
        self.saved = arrays

    @property
    def inputs(self):
        """The input tensors as the op saw them. An input changed in place by a recorded op
        since then has become a new node; its earlier self is kept in its history."""
        parents = self.parents
        if not seen.history:
            return parents
        for t in parents:
            if t._history is not None:
                return tuple(t if t._history is None else t._history.get(v, t)
                             for t, v in zip(parents, self.versions))
        return parents

    @property
    def saved_tensors(self):
        """The saved arrays as Tensors: an input's array comes back as that input Tensor and the
        output's array as the output Tensor, so higher-order gradients flow through them.

        Raises RuntimeError when such a tensor was changed in place since the op saved it."""
        saved = self.saved
        if saved is _RELEASED:
            raise RuntimeError(_RELEASED_MESSAGE.format(op=self.name))
        if self.output_slots:
            result = self._saved_tensors_of_inplace_op()
            return [t if t is None else t._data for t in result] if self.on_arrays else result
        inputs = self.inputs if seen.history else self.parents
        versions = self.versions
        on_arrays = self.on_arrays  # the fast path's rule gets the (checked) arrays themselves
        result = []
        for array in saved:
            if array is None:  # not needed for the gradients asked for
                result.append(None)
                continue
            for index, parent in enumerate(inputs):
                if parent._data is array:
                    base = parent._base
                    if (parent if base is None else base)._version_count != versions[index]:
                        self._check_version(f"input {index}", parent, versions[index])
                    result.append(array if on_arrays else parent)
                    break
            else:
                out = self.output
                if out is not None and out._data is array:
                    self._check_version("output", out, self.output_version)
                    result.append(array if on_arrays else out)
                else:  # an intermediate (a mask, softmax(x))
                    result.append(array if on_arrays else Tensor._make(array, False, None))
        return result

    def _saved_tensors_of_inplace_op(self):
        """saved_tensors of an in-place op, whose output shares its first input's storage:
        the slots in output_slots are the output (changed by the op itself), not the input."""
        output_slots, out = self.output_slots, self.output
        inputs = self.inputs if seen.history else self.parents
        result = []
        for slot, array in enumerate(self.saved):
            if array is None or slot not in output_slots:
                result.append(None if array is None else self._tensor_for(array, inputs))
            elif out is not None and out._data is array:
                self._check_version("output", out, self.output_version)
                result.append(out)
            else:
                result.append(Tensor._make(array, False, None))
        return result

    def _tensor_for(self, array, inputs):
        for index, parent in enumerate(inputs):
            if parent._data is array:
                self._check_version(f"input {index}", parent, self.versions[index])
                return parent
        return Tensor._make(array, False, None)

    def _check_version(self, which, t, saved_version):
        """Raise when `t` (saved by this op at `saved_version`) was changed in place since."""
        base = t._base
        if (t if base is None else base)._version_count != saved_version:
            raise RuntimeError(self._modified_message(which, t, saved_version))

    def _modified_message(self, which, t, saved_version):
        name = f" {t.name!r}" if t.name else ""
        return say("error.modified", op=self.name, which=which, name=name, shape=tuple(t.shape),
                   saved=saved_version, now=_version(t), site=describe_site(self.site))

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward is not written")

    def backward(self, grad_out):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward is not written")

    @classmethod
    def params_for_float64(cls, params):
        """The params that run this op on float64 copies of its inputs (gradcheck)."""
        return params

    # -- descriptions for error messages, the graph pictures and explain() ---------------------
    @property
    def name(self):
        return NodeName(type(self).__name__)

    @property
    def next_functions(self):
        """PyTorch's view of the graph from this node: one (node, 0) pair per input, the
        input's grad_fn, AccumulateGrad for a leaf that requires grad, None otherwise."""
        return tuple((t._ctx if t._ctx is not None else
                      AccumulateGrad(t) if t.requires_grad else None, 0) for t in self.inputs)

    @classmethod
    def rule_summary(cls):
        """The first line of the op's docstring: its formula."""
        doc = (cls.__doc__ or cls.__name__).strip().splitlines()
        return doc[0].strip() if doc else cls.__name__

    @classmethod
    def rule_text(cls):
        """The op's whole docstring: formula, local derivatives, what it saves."""
        return inspect.cleandoc(cls.__doc__ or cls.__name__)

    @property
    def released(self):
        return self.saved is _RELEASED

    def __repr__(self):
        return f"<{self.name}Backward0>"  # PyTorch's style (MulBackward0)


# ---------------------------------------------------------------------------------------------
# The engine: topological order, one rule call, THE walk
# ---------------------------------------------------------------------------------------------

def topological_order(roots):
    """Non-leaf tensors reachable from `roots`, inputs before the tensors made from them.

    Iterative (an explicit stack, no recursion limit) and keyed by `id()`, since
    `Tensor.__eq__` is elementwise. backward_walk visits this list in reverse.
    """
    if not isinstance(roots, (list, tuple)):
        roots = [roots]
    order = []
    visited = set()
    stack = [(root, False) for root in roots if root._ctx is not None]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        for parent in (ctx.inputs if seen.history else ctx.parents):  # (see Op.inputs)
            if parent._ctx is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order


def call_rule(node, grad_out):
    """Run the rule of the op that made `node` for δ(node) = `grad_out`: one gradient per input.

    Checks what the rule returned: one gradient per input, each of its input's shape, converted
    to its input's dtype (None for an input that needs none). Inside detect_anomaly() every
    gradient is checked for NaN and infinity.
    """
    return _run_rule(node, grad_out, node._ctx.inputs)


def _run_rule(node, grad_out, inputs):
    ctx = node._ctx
    if ctx.saved is _RELEASED:
        raise RuntimeError(_RELEASED_MESSAGE.format(op=ctx.name))
    ctx.output = node
    try:
        if _state.anomaly:
            grads = _run_rule_under_anomaly(ctx, grad_out)
        elif type(ctx).array_rule is type(ctx).backward and not _state.grad_enabled:
            grads = _run_rule_on_arrays(ctx, grad_out)
        else:
            grads = ctx.backward(grad_out)
    finally:
        ctx.output = None
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(inputs):
        raise RuntimeError(f"{ctx.name}.backward returned {len(grads)} gradients for "
                           f"{len(inputs)} inputs; return one per input (None if unused)")
    for index, parent in enumerate(inputs):
        g = grads[index]
        if g is not None and (not parent.requires_grad or g._data.dtype != parent._data.dtype
                              or g._data.shape != parent._data.shape):
            grads = _checked_gradients(ctx, grads, inputs)  # a wrong shape, a dtype to repair
            break
    if _state.anomaly:
        for index, g in enumerate(grads):
            if g is not None:
                check_finite(g._data, ctx, "backward", ctx.site,
                             f"the gradient it sends to input {index}", inputs)
    return grads


def _run_rule_on_arrays(ctx, grad_out):
    """The fast path (see Op.rule_on_arrays): the rule on δ(out)'s array and the saved arrays;
    its arrays come back as Tensors (one Tensor per distinct array, δ(out) itself if passed on,
    so backward() still sees a gradient shared by two inputs)."""
    ctx.on_arrays = True
    try:
        arrays = ctx.backward(grad_out._data)
    finally:
        ctx.on_arrays = False
    if type(arrays) is not tuple:
        arrays = (arrays,)
    made = {id(grad_out._data): grad_out}
    grads = []
    for array in arrays:
        if array is not None:
            tensor = made.get(id(array))
            if tensor is None:
                tensor = made[id(array)] = Tensor._make(np.asarray(array), False, None)
            array = tensor
        grads.append(array)
    return tuple(grads)


def _run_rule_under_anomaly(ctx, grad_out):
    # ops run inside a rule belong to this node's backward pass: its gradients are checked
    # as this op's (in _run_rule), not as a forward pass of (say) Div
    _state.anomaly = False
    try:
        return ctx.backward(grad_out)
    finally:
        _state.anomaly = True


def _checked_gradients(ctx, grads, inputs):
    """The rule's gradients made fit: None for an input that needs none, each converted to its
    input's dtype; a gradient of the wrong shape is an error in the rule."""
    checked = list(grads)
    for index, parent in enumerate(inputs):
        g = grads[index]
        if g is None:
            continue
        if not parent.requires_grad:
            checked[index] = None
            continue
        array, target = g._data, parent._data
        if array.shape != target.shape:
            raise RuntimeError(
                f"{ctx.name}.backward: the gradient for input {index} has shape "
                f"{array.shape} but that input has shape {target.shape}; a rule must reduce "
                f"its gradient to its input's shape (sum_to_shape)")
        if array.dtype != target.dtype:
            checked[index] = g.to(target.dtype)
    return tuple(checked)


def backward_walk(roots, root_grads, retain_graph=False, create_graph=False, hook=None):
    """Backpropagate: THE walk that backward(), grad() and every view of the learner share.

    Visits the non-leaf tensors in reverse topological order. For each, δ(node) is complete
    (every tensor made from it came earlier), so the op's rule runs once and each input's
    gradient is added to that input's adjoint δ(input). `hook(node, grad_out, input_grads)`,
    when given, is told of each step; it must not change what it is given.

    Args:
        roots: the tensors to start from (outputs that require grad).
        root_grads: δ(root) for each root, of its shape.
        retain_graph: keep the saved values for another walk (else each node is released).
        create_graph: record the rules' own ops, so the gradients can be differentiated again.
        hook: a function called as hook(node, grad_out, input_grads) after each rule.

    Returns:
        {id(tensor): (tensor, δ(tensor))} for every leaf that received a gradient (and every
        root that is a leaf).
    """
    adjoints = {}  # id(tensor) -> δ(tensor), summed over every use of the tensor
    leaves = {}    # id(tensor) -> tensor, for the tensors the walk does not visit
    for root, root_grad in zip(roots, root_grads):
        key = id(root)
        adjoints[key] = root_grad if key not in adjoints else adjoints[key] + root_grad
        if root._ctx is None:
            leaves[key] = root
    grad_was_enabled = _state.grad_enabled
    _state.grad_enabled = create_graph  # the rules' ops are recorded only for create_graph
    try:
        for node in reversed(topological_order(roots)):
            grad_out = adjoints.pop(id(node), None)
            if grad_out is None:
                continue
            ctx = node._ctx
            inputs = ctx.inputs if seen.history else ctx.parents  # (see Op.inputs)
            input_grads = _run_rule(node, grad_out, inputs)
            if hook is not None:
                hook(node, grad_out, input_grads)
            for parent, g in zip(inputs, input_grads):
                if g is not None:
                    key = id(parent)
                    previous = adjoints.get(key)
                    adjoints[key] = g if previous is None else previous + g
                    if parent._ctx is None:
                        leaves[key] = parent
            if not retain_graph:
                ctx.saved = _RELEASED  # free the saved arrays; a second walk says so
    finally:
        _state.grad_enabled = grad_was_enabled
    return {key: (t, adjoints[key]) for key, t in leaves.items()}


# ---------------------------------------------------------------------------------------------
# backward() and grad(): the walk, and what is done with the leaves' gradients
# ---------------------------------------------------------------------------------------------

def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate ∂tensors/∂leaf into every leaf's `.grad` (see `Tensor.backward`).

    Non-leaf tensors that called `retain_grad()` keep their δ in `.grad` too (told by the
    walk's hook).
    """
    roots, root_grads = prepare_roots(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    hook = _keep_retained_grad if seen.retained else None
    leaves = backward_walk(roots, root_grads, retain_graph, create_graph, hook)
    owned = {id(g) for g in root_grads}
    for t, g in leaves.values():
        if t.grad is not None:
            if t.grad._stepped:  # guardrails: adding to a gradient that step() already used
                guardrails.accumulated_after_step(t)
            t.grad = t.grad + g
            continue
        if not create_graph and (id(g) in owned or not g._data.flags.writeable):
            # A gradient passed through unchanged (Add sends one tensor to both inputs) or a
            # broadcast view (Sum) may be shared: each leaf gets its own writable .grad.
            g = Tensor._make(np.array(g._data), False, None)
        owned.add(id(g))
        t.grad = g


def _keep_retained_grad(node, grad_out, input_grads):
    if node._retain:
        node.grad = grad_out if node.grad is None else node.grad + grad_out


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
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for index, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {index} does not require grad; pass tensors "
                               f"created with requires_grad=True (or outputs of ops on them)")
    roots, root_grads = prepare_roots(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    wanted = {id(t) for t in inputs}
    found = {}

    def capture(node, grad_out, input_grads):  # a non-leaf input: its δ when the walk reaches it
        if id(node) in wanted:
            found[id(node)] = grad_out

    leaves = backward_walk(roots, root_grads, retain_graph, create_graph, capture)
    results = []
    for index, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None and id(t) in leaves:
            g = leaves[id(t)][1]
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {index} (shape {t.shape}) was not used to compute "
                               f"the outputs; pass allow_unused=True to get None for it")
        results.append(g)
    return tuple(results)


def prepare_roots(outputs, grad_outputs, caller):
    """(roots, δ(roots)) from the arguments of backward() or grad(), checked."""
    if type(outputs) is Tensor and outputs._view_of is not None:
        refresh_view(outputs)
    if type(outputs) is Tensor and (grad_outputs is None or type(grad_outputs) is Tensor):
        # One output (every loss.backward()): skip the list handling below.
        if outputs.requires_grad and (
                grad_outputs._data.shape == outputs._data.shape if grad_outputs is not None
                else outputs._data.size == 1):
            if grad_outputs is None:
                grad_outputs = Tensor._make(np.ones(outputs._data.shape,
                                                    dtype=outputs._data.dtype), False, None)
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
        roots.append(_checked_root(out, index, caller))
        root_grads.append(_root_gradient(out, gradient, caller))
    return roots, root_grads


def _checked_root(out, index, caller):
    if not isinstance(out, Tensor):
        raise TypeError(f"{caller}: output {index} is a {type(out).__name__}, not a Tensor")
    if out._view_of is not None:
        refresh_view(out)
    if not out.requires_grad:
        raise RuntimeError(say("error.no_grad_root", caller=caller, index=index))
    return out


def _root_gradient(out, gradient, caller):
    if gradient is None:
        if out._data.size != 1:
            raise RuntimeError(say("error.backward_scalar", caller=caller, shape=out.shape))
        return Tensor._make(np.ones(out.shape, dtype=out._data.dtype), False, None)
    if not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient, dtype=out._data.dtype))
    if gradient.shape != out.shape:
        raise RuntimeError(f"{caller}: gradient has shape {gradient.shape} but the output "
                           f"has shape {out.shape}; they must be equal")
    return gradient
