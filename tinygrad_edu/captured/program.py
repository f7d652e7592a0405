"""Trace one training step into a program: the list of rulebook forwards (forward pass and backward rules) it ran, with where each input comes from.

How the trace sees the backward rules: the rules are written with Tensor operations, so a
backward walk with create_graph=True records every operation a rule performs as a node of the
graph. The gradients of the parameters are then the roots of one graph whose nodes are the
forward pass followed by the rules' arithmetic, and a topological order of it is the program.
The walk's hook says which rule each backward node belongs to (for `.source`).

A program's operands ("refs") are slots in one list of arrays: the step's inputs, the
parameters' storage, constants, each instruction's output, and the arrays an op keeps for its
rule (a mask it saved, the patches Conv2d keeps), read from the op object after its forward.
"""

from dataclasses import dataclass, field

import numpy as np

from ..core import Tensor, backward_walk, topological_order

__all__ = ["Instruction", "Program", "trace_step"]


@dataclass
class Instruction:
    """One call `op_class().forward(*inputs, **params)`; its output goes to slot `out`."""

    op_class: type
    needs_input_grad: tuple
    inputs: tuple                 # slots
    params: dict                  # constant keyword arguments
    param_slots: tuple            # (keyword, slot): keyword arguments that are arrays
    out: int
    kept: tuple = ()              # (attribute name or saved position, slot) read after forward
    phase: str = "forward"        # "forward", or the rule this belongs to: "Linear (v3)"
    scalar: bool = False          # a 0-d output (numpy may return it as a scalar, not an array)


@dataclass
class Program:
    """The captured step: instructions over slots, and what the slots hold."""

    instructions: list
    n_slots: int
    arg_slots: tuple              # slot of each step input
    param_slots: tuple            # slot of each parameter's storage
    grad_slots: tuple             # slot of each parameter's gradient (None: it got none)
    loss_slot: int
    constants: dict               # slot -> array (the same array every call)
    names: dict = field(default_factory=dict)   # slot -> name for .source
    signature: tuple = ()         # shapes and dtypes of the inputs it was traced with


class _Slots:
    """Numbers the arrays a trace meets, by identity (arrays are kept alive meanwhile)."""

    def __init__(self):
        self.by_id, self.keep, self.constants, self.names = {}, [], {}, {}

    def new(self, array, name):
        slot = len(self.keep)
        self.keep.append(array)
        if array is not None:
            self.by_id[id(array)] = slot
        self.names[slot] = name
        return slot

    def find(self, array):
        return self.by_id.get(id(array))

    def operand(self, array, prefix="c"):
        slot = self.find(array)
        if slot is None:  # made outside the recorded ops: a constant of the program
            slot = self.new(array, f"{prefix}{len(self.constants)}")
            self.constants[slot] = array
        return slot


def _kept_arrays(node):
    """Arrays the op object holds after its forward (its rule may read them): name -> array."""
    ctx = node.grad_fn
    kept = {}
    for key, value in vars(ctx).items():
        if isinstance(value, np.ndarray) and key != "saved":
            kept[key] = value
    known = [node.numpy()] + [p.numpy() for p in ctx.parents]  # the rule reads these as edges
    try:
        saved = ctx.saved_tensors
    except TypeError:  # an op that saved nothing
        saved = ()
    for position, t in enumerate(saved):
        if t is not None and all(t.numpy() is not a for a in known):
            kept[position] = t.numpy()
    return kept


def _label_rules(forward_ids, labels, rule_names):
    """The walk's hook: the new nodes behind each rule's gradients belong to that rule."""
    def hook(node, grad_out, input_grads):
        grads = [g for g in input_grads if g is not None and g.grad_fn is not None]
        rule = f"{node.grad_fn.name} ({rule_names.get(id(node), '?')})"
        for made in topological_order(grads) if grads else ():
            if id(made) not in forward_ids and id(made) not in labels:
                labels[id(made)] = (len(labels), rule)
    return hook


def trace_step(loss_of, args, params, param_names, arg_names):
    """Run loss_of(*args) and its backward walk once (create_graph), and build the Program.

    Returns (program, loss Tensor, gradient arrays per parameter (None if unused)).
    """
    slots = _Slots()
    arg_slots = tuple(slots.new(a.numpy(), name) for a, name in zip(args, arg_names))
    param_slots = tuple(slots.new(p.numpy(), name) for p, name in zip(params, param_names))
    loss = loss_of(*args)
    if not isinstance(loss, Tensor) or loss.numel() != 1 or loss.grad_fn is None:
        raise TypeError(f"capture: the step function must return a scalar loss Tensor that "
                        f"depends on the parameters, got {type(loss).__name__}")
    forward = topological_order(loss)
    forward_ids = {id(n) for n in forward}
    kept = {id(n): _kept_arrays(n) for n in forward}   # before the walk frees or clears them
    names = {id(n): f"v{i}" for i, n in enumerate(forward)}
    labels = {}
    seed = Tensor(np.ones(loss.shape, dtype=loss.dtype))
    leaves = backward_walk([loss], [seed], retain_graph=True, create_graph=True,
                           hook=_label_rules(forward_ids, labels, names))
    grads = [leaves.get(id(p), (None, None))[1] for p in params]
    roots = [loss] + [g for g in grads if g is not None and g.grad_fn is not None]
    order = topological_order(roots)
    position = {id(n): i for i, n in enumerate(order)}
    order.sort(key=lambda n: (id(n) not in forward_ids, labels.get(id(n), (0,))[0],
                              position[id(n)]))
    instructions = [_instruction(n, slots, kept.get(id(n), {}), names,
                                 labels.get(id(n), (0, "forward"))[1]) for n in order]
    for number, instruction in enumerate(i for i in instructions if i.phase != "forward"):
        slots.names[instruction.out] = f"d{number}"
    _check_order(instructions, slots)
    grad_slots = tuple(None if g is None else slots.operand(g.numpy(), "g") for g in grads)
    program = Program(instructions, len(slots.keep), arg_slots, param_slots, grad_slots,
                      slots.find(loss.numpy()), dict(slots.constants), dict(slots.names),
                      signature([a.numpy() for a in args]))
    return program, loss, [None if g is None else g.numpy() for g in grads]


def _instruction(node, slots, kept, names, phase):
    ctx = node.grad_fn
    inputs = tuple(slots.operand(t.numpy()) for t in ctx.parents)
    params, param_slots = {}, []
    for key, value in ctx.params.items():
        if isinstance(value, np.ndarray):  # an array of the step (targets, kept patches)
            param_slots.append((key, slots.operand(value)))
        else:
            params[key] = value
    needs = tuple(ctx.needs_input_grad) if phase == "forward" else (False,) * len(inputs)
    out = slots.new(node.numpy(), names.get(id(node), f"d{len(slots.keep)}"))
    kept_slots = tuple((key, slots.new(array, f"{slots.names[out]}.{key}" if isinstance(key, str)
                                       else f"{slots.names[out]}.saved[{key}]"))
                       for key, array in kept.items())
    return Instruction(type(ctx), needs, inputs, params, tuple(param_slots), out, kept_slots,
                       phase, node.numpy().ndim == 0)


def _check_order(instructions, slots):
    """Every operand made by an instruction is made before it is read; unread kept arrays are
    dropped (the replay need not fetch them)."""
    made = {i.out for i in instructions} | {s for i in instructions for _, s in i.kept}
    defined, read = set(), set()
    for instruction in instructions:
        operands = instruction.inputs + tuple(s for _, s in instruction.param_slots)
        missing = [s for s in operands if s in made and s not in defined]
        if missing:
            raise RuntimeError(f"capture: {instruction.op_class.__name__} reads "
                               f"{[slots.names[s] for s in missing]} before they are made")
        read.update(operands)
        defined.add(instruction.out)
        defined.update(s for _, s in instruction.kept)
    for instruction in instructions:
        instruction.kept = tuple((key, s) for key, s in instruction.kept if s in read)


def signature(arrays):
    """What a captured program assumes of its inputs (arrays): their shapes and dtypes."""
    return tuple((a.shape, a.dtype.str) for a in arrays)
