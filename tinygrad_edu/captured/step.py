"""tg.capture: a training step traced once, then replayed as the bare numpy calls of the rulebook (no Tensors, no graph, no walk).

    step = tg.capture(lambda x, y: loss_fn(model(x), y), optimizer, model=model)
    for x, y in batches:
        loss = step(x, y)        # forward, backward and optimizer step; the loss as a 0-d array
    print(step.source)           # the captured program: the arithmetic backprop performs

The first two calls run eagerly and trace (see program.py); when both traces agree (same
operations, same constants), later calls replay the program: each instruction is one op's
`forward` on arrays, the gradients land in arrays, and the optimizer's update is applied to
the parameters' storage. When an input's shape or dtype differs from the traced one, the call
runs eagerly and says so; when the traces disagree (a constant that changes, such as a dropout
mask or targets built inside the step, or BatchNorm statistics updated outside the graph) the
step stays eager for good and `eager_reason` says why.
"""

import inspect
import warnings

import numpy as np

from ..core import Tensor, increment_version
from .program import signature, trace_step
from .replay import build_replay
from .source import program_source
from .updates import make_update

__all__ = ["capture", "CapturedStep"]


def capture(loss_of, optimizer, model=None):
    """Capture the training step of `loss_of` (inputs -> scalar loss Tensor) and `optimizer`.

    Args:
        loss_of: the forward pass, loss_of(*inputs) -> loss; the inputs are Tensors or arrays,
            passed to every call (never built inside, or they would be constants).
        optimizer: updates the parameters of its groups after each backward pass (optim.SGD's
            update is replayed as numpy; any other optimizer's step() is called on the
            gradients).
        model: optional nn.Module: its parameter names name the program's arrays, and its
            buffers are checked (a step that changes them outside the graph is not captured).

    Returns:
        A CapturedStep: call it like the step; `.source` is the program, `.replaying` says
        whether it replays.
    """
    return CapturedStep(loss_of, optimizer, model)


class CapturedStep:
    """A training step that traces itself twice and then replays its numpy program."""

    def __init__(self, loss_of, optimizer, model=None):
        self.loss_of, self.optimizer, self.model = loss_of, optimizer, model
        self.params = [p for group in optimizer.param_groups for p in group["params"]]
        names = {id(p): name for name, p in model.named_parameters()} if model else {}
        self.param_names = [_identifier(names.get(id(p), f"p{i}"))
                            for i, p in enumerate(self.params)]
        try:
            self.arg_names = [_identifier(n) for n in inspect.signature(loss_of).parameters]
        except (TypeError, ValueError):  # a builtin or a callable without a signature
            self.arg_names = []
        self.program = None       # the latest trace
        self.replaying = False
        self.eager_reason = None  # why this step stays eager, once it is decided
        self.calls = 0
        self._update = self._replay_program = None

    # -- calling --------------------------------------------------------------------------------
    def __call__(self, *inputs):
        arrays = [x.numpy() if isinstance(x, Tensor) else np.asarray(x) for x in inputs]
        self.calls += 1
        if self.replaying:
            if signature(arrays) == self.program.signature:
                return self._replay(arrays)
            args = [x if isinstance(x, Tensor) else Tensor(x) for x in arrays]
            warnings.warn(f"capture: the inputs have shapes/dtypes {signature(arrays)}, the "
                          f"step was captured for {self.program.signature}; this call runs "
                          f"eagerly (capture another step for these shapes)", stacklevel=2)
            return self._eager(args)
        args = [x if isinstance(x, Tensor) else Tensor(x) for x in arrays]
        if self.eager_reason is not None:
            return self._eager(args)
        return self._trace(args)

    def _eager(self, args):
        loss = self.loss_of(*args)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.numpy()

    def _trace(self, args):
        buffers = self._buffers()
        program, loss, grads = trace_step(self.loss_of, args, self.params, self.param_names,
                                           self._names_of_inputs(len(args)))
        self.optimizer.zero_grad()
        for p, g in zip(self.params, grads):
            if g is not None:
                p.grad = Tensor(np.array(g))
        self.optimizer.step()
        self.optimizer.zero_grad()
        reason = self._disagreement(self.program, program, buffers)
        if reason is not None:
            self._give_up(reason)
        elif self.program is not None:
            self.replaying = True
            self._update = make_update(self.optimizer, self.params)
            self._replay_program = build_replay(program)
        self.program = program
        return loss.numpy()

    def _names_of_inputs(self, n):
        names = self.arg_names if len(self.arg_names) == n else []
        return names or [f"input{i}" for i in range(n)]

    def _give_up(self, reason):
        self.eager_reason = reason
        warnings.warn(f"capture: {reason}; this step runs eagerly from now on", stacklevel=4)

    def _buffers(self):
        if self.model is None:
            return None
        return [(name, b.numpy().copy()) for name, b in self.model.named_buffers()
                if b is not None]

    def _disagreement(self, first, second, buffers):
        """Why the second trace cannot stand for every later call (None: it can)."""
        if buffers is not None:
            for (name, before), b in zip(buffers, self.model.buffers()):
                if not np.array_equal(before, b.numpy()):
                    return (f"the step changes the buffer {name!r} outside the graph (BatchNorm's "
                            f"running statistics in training mode?); use model.eval() for those "
                            f"layers or train them eagerly")
        if first is None:
            return None
        if _shape_of(first) != _shape_of(second):
            return ("the two traced calls ran different operations (control flow that depends "
                    "on the data, or different shapes)")
        for slot, array in second.constants.items():
            other = first.constants.get(slot)
            if other is None or other.shape != array.shape or not np.array_equal(other, array):
                return (f"the constant {second.names[slot]} (shape {array.shape}) changed between "
                        f"calls: it is made inside the step (a dropout mask, targets converted "
                        f"inside the step?); pass it as an input, or run this step eagerly")
        return None

    # -- replaying ------------------------------------------------------------------------------
    def _replay(self, arrays):
        loss, grads = self._replay_program(arrays, [p.numpy() for p in self.params])
        self._update(grads)
        for p in self.params:
            increment_version(p)  # as the optimizer does: saved copies of p are now stale
        return loss

    @property
    def source(self):
        """The captured program as readable Python (after the first call)."""
        if self.program is None:
            return "# not captured yet: call the step once"
        return program_source(self.program, self.optimizer, self.params, self.eager_reason)


def _shape_of(program):
    return [(i.op_class, i.inputs, i.out, sorted(map(repr, i.params.items())), i.param_slots,
             i.kept) for i in program.instructions]


def _identifier(name):
    name = "".join(c if c.isalnum() else "_" for c in name)
    return f"layer{name}" if name[:1].isdigit() else name
