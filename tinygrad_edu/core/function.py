"""Custom ops written as PyTorch writes them (torch.autograd.Function): each call becomes a node of the graph, like a built-in op.

    class Cube(tg.autograd.Function):
        '''out = x³

        δ(x) = δ(out) ⊙ 3x²
        '''
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 3 * x * x

    y = Cube.apply(x)      # y.grad_fn.name() == "CubeBackward"

The node is a `FunctionNode` (an `Op`): the walk runs its backward like any rule, gradcheck's
rule localizer re-runs it on float64 copies, and the pictures, explain() and the stepper show
the Function's docstring as its rule. Lines `δ(name) = …` of the docstring, named after
forward's parameters, are its chain-rule text.
"""

import inspect
import re

from .autograd import NodeName, Op, registry
from .modes import is_grad_enabled, no_grad
from .tensor import Tensor

__all__ = ["Function", "FunctionNode", "FunctionCtx", "once_differentiable"]

_TENSOR = object()  # marks a tensor argument's position in a call's arguments
_RULE_LINE = re.compile(r"^\s*δ\(([^)]+)\)\s*=\s*(.+?)\s*$")


class FunctionNode(Op):
    """The graph node of one call of a Function; it is also the `ctx` that forward and
    backward receive (as in PyTorch, where ctx is the grad_fn).

    params: `function` (the Function class), `template` (the positional arguments with
    tensors replaced by a marker) and `kwargs`.
    """

    def forward(self, *arrays, function, template, kwargs):
        needs = iter(self.__dict__.get("needs_input_grad") or (False,) * len(arrays))
        inputs = iter(arrays)
        arguments, needs_input_grad, names = [], [], _parameter_names(function)
        tensor_names = []
        for position, value in enumerate(template):
            if value is _TENSOR:
                value = Tensor._make(next(inputs), False, None)
                needs_input_grad.append(next(needs))
                tensor_names.append(names[position] if position < len(names) else f"input{position}")
            else:
                needs_input_grad.append(False)
            arguments.append(value)
        self.needs_input_grad = tuple(needs_input_grad)
        self.chain_rule = _chain_rule(function, tensor_names)
        self.non_differentiable = set()
        with no_grad():
            result = function.forward(self, *arguments, **kwargs)
        return self._split_outputs(result, function)

    def _split_outputs(self, result, function):
        """The one differentiable output's array; the others are kept for Function.apply."""
        outputs = result if isinstance(result, tuple) else (result,)
        for index, out in enumerate(outputs):
            if not isinstance(out, Tensor):
                raise TypeError(f"{function.__name__}.forward: output {index} is a "
                                f"{type(out).__name__}; return Tensors (tg.tensor(...) for numbers)")
        differentiable = [i for i, out in enumerate(outputs)
                          if id(out._data) not in self.non_differentiable]
        if len(differentiable) > 1:
            raise NotImplementedError(
                f"{function.__name__}.forward returned {len(differentiable)} differentiable "
                f"outputs; a tinygrad_edu graph node has one output: return one tensor (cat "
                f"them and split after apply), or mark the others with "
                f"ctx.mark_non_differentiable")
        self.output_index = differentiable[0] if differentiable else 0
        self.outputs = outputs if isinstance(result, tuple) else None
        return outputs[self.output_index]._data

    def backward(self, grad_out):
        function = self.params["function"]
        template = self.params["template"]
        if self.outputs is None:
            grads_out = (grad_out,)
        else:  # PyTorch hands zeros to backward for the outputs without a gradient
            grads_out = tuple(grad_out if i == self.output_index else
                              Tensor._make(out._data * 0, False, None)
                              for i, out in enumerate(self.outputs))
        grads = function.backward(self, *grads_out)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(template):
            raise RuntimeError(
                f"{function.__name__}.backward returned an incorrect number of gradients "
                f"(expected {len(template)}, got {len(grads)}): return one per argument of "
                f"forward (after ctx), None for the arguments that are not tensors")
        result = []
        for position, (value, g) in enumerate(zip(template, grads)):
            if value is not _TENSOR:
                continue
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(f"{function.__name__}.backward: the gradient for argument "
                                f"{position} is a {type(g).__name__}; return a Tensor or None")
            result.append(g)
        return tuple(result)

    # -- the ctx API of torch.autograd.Function --------------------------------------------------
    def save_for_backward(self, *tensors):
        """Keep tensors for backward; read them back as ctx.saved_tensors (checked for
        in-place changes, like a built-in op's)."""
        for index, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: argument {index} is a {type(t).__name__}; "
                                f"save only Tensors (or None); keep other values as ctx attributes")
        self.saved = tuple(None if t is None else t._data for t in tensors)

    @property
    def saved_tensors(self):
        return tuple(Op.saved_tensors.fget(self))

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient (indices, masks): they come out with requires_grad=False."""
        self.non_differentiable.update(id(t._data) for t in tensors)

    def set_materialize_grads(self, value):
        """Accepted: backward always receives tensors here (zeros for unused outputs)."""

    def mark_dirty(self, *tensors):
        raise NotImplementedError("mark_dirty: in-place Functions are not supported in "
                                  "tinygrad_edu; return a new tensor from forward instead")

    # -- descriptions: the Function's own, not this class's --------------------------------------
    @property
    def name(self):
        return NodeName(self.params["function"].__name__)

    def rule_summary(self):
        return self.params["function"].rule_summary()

    def rule_text(self):
        return self.params["function"].rule_text()

    def __repr__(self):
        return f"<{self.name}Backward>"


# A Function's node is not a primitive of the rulebook (it has no rule of its own), so it
# stays out of the registry that the rulebook's tests enumerate.
del registry["FunctionNode"]
FunctionCtx = FunctionNode


def _parameter_names(function):
    """forward's parameter names after ctx (x, w, ...), for the chain-rule text."""
    parameters = list(inspect.signature(function.forward).parameters.values())[1:]
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _chain_rule(function, tensor_names):
    """{input name: right-hand side} from the docstring's `δ(name) = …` lines (else a pointer
    to backward), in the order of the tensor inputs."""
    found = {}
    for line in (function.__doc__ or "").splitlines():
        match = _RULE_LINE.match(line)
        if match:
            found[match.group(1).strip()] = match.group(2)
    return {name: found.get(name, f"{function.__name__}.backward(ctx, δ(out))")
            for name in tensor_names}


class Function:
    """Base class of a custom op with its own derivative rule, as torch.autograd.Function.

    Subclass it with two static methods: `forward(ctx, *args)` computes the output from
    Tensors (gradients are not recorded inside it) and may call `ctx.save_for_backward`;
    `backward(ctx, *grad_outputs)` returns one gradient per argument of forward (None for
    arguments that are not tensors or need none). Call it as `MyFunction.apply(*args)`.

    ctx offers `save_for_backward`, `saved_tensors`, `needs_input_grad` (one bool per
    argument), `mark_non_differentiable`, and any attribute you set (`ctx.scale = 2`).
    Its docstring is its rule text in the pictures, explain() and the stepper.

    Limits: one differentiable output per call (more outputs are fine when the rest are
    marked non-differentiable); no in-place Functions (`mark_dirty`).
    """

    def __init__(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__}: a Function is not instantiated; call "
                           f"{type(self).__name__}.apply(...) (forward and backward are static)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function.forward(ctx, *args) must be written by the subclass")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("Function.backward(ctx, *grad_outputs) must be written by the "
                                  "subclass")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on `args` and record the call as one node of the graph."""
        if cls.forward is Function.forward:
            raise NotImplementedError(f"{cls.__name__}.forward(ctx, *args) is not written")
        tensors = tuple(a for a in args if isinstance(a, Tensor))
        params = {"function": cls, "kwargs": kwargs,
                  "template": tuple(_TENSOR if isinstance(a, Tensor) else a for a in args)}
        if is_grad_enabled() and any(t.requires_grad for t in tensors):
            out = FunctionNode.apply(*tensors, **params)
            return _assemble_outputs(out, out._ctx)
        ctx = FunctionNode.__new__(FunctionNode)  # nothing to record: forward only
        ctx.params = params
        data = ctx.forward(*[t._data for t in tensors], **params)
        return _assemble_outputs(Tensor._make(data, False, None), ctx)

    @classmethod
    def rule_summary(cls):
        """The first line of the docstring: the formula."""
        return Op.rule_summary.__func__(cls)

    @classmethod
    def rule_text(cls):
        """The whole docstring: formula, derivatives, what it saves."""
        return Op.rule_text.__func__(cls)


def _assemble_outputs(out, ctx):
    """The tuple forward returned, with `out` (the node's output) in its place, or `out`."""
    if ctx.non_differentiable and id(out._data) in ctx.non_differentiable:
        out = Tensor._make(out._data, False, None)
    if ctx.outputs is None:
        return out
    return tuple(out if i == ctx.output_index else Tensor._make(o._data, False, None)
                 for i, o in enumerate(ctx.outputs))


def once_differentiable(backward):
    """Accepted for PyTorch programs: marks a backward that is not itself differentiable
    (here it simply runs; its ops are recorded only under create_graph)."""
    return backward
