"""A captured program printed as readable Python: the forward pass, each backward rule's arithmetic in the walk's order, the update.

Every line is one instruction of the replay (an op of the rulebook applied to arrays), so the
text is exactly what a replayed step computes; the comments quote the op's formula (forward)
or the chain-rule step it belongs to (backward).
"""

import numpy as np

from ..core import registry
from .updates import update_lines

__all__ = ["program_source"]


def _value(value, names):
    if isinstance(value, np.ndarray):
        return names.get(id(value), f"array{value.shape}")
    if isinstance(value, np.dtype) or isinstance(value, type):
        return getattr(value, "name", getattr(value, "__name__", repr(value)))
    return repr(value)


def _constant(array):
    if array.size <= 4:
        return f"np.array({array.tolist()!r}, dtype={array.dtype.name})"
    return f"a constant array of shape {array.shape} ({array.dtype.name})"


def program_source(program, optimizer, params, eager_reason=None):
    """The program as a Python function, one instruction per line."""
    names = dict(program.names)
    param_names = [names[s] for s in program.param_slots]
    grad_names = []
    for slot, name in zip(program.grad_slots, param_names):
        if slot is not None:
            names[slot] = f"grad_{name}"
        grad_names.append(None if slot is None else names[slot])
    inputs = ", ".join(names[s] for s in program.arg_slots)
    forward = sum(i.phase == "forward" for i in program.instructions)
    lines = [f"def captured_step({inputs}):",
             f'    """{forward} forward operations, {len(program.instructions) - forward} of '
             f'backpropagation, then {type(optimizer).__name__}\'s update."""']
    if eager_reason:
        lines.append(f"    # NOT REPLAYED (runs eagerly): {eager_reason}")
    lines.append(f"    # parameters: {', '.join(param_names)}")
    for slot, array in sorted(program.constants.items()):
        lines.append(f"    {names[slot]} = {_constant(array)}")
    lines.append("    # -- forward pass")
    phase, backward_started = "forward", False
    for instruction in program.instructions:
        if instruction.phase != phase:
            phase = instruction.phase
            if not backward_started:
                backward_started = True
                lines.append(f"    # -- backward pass: δ({names[program.loss_slot]}) = 1, then "
                             f"each op's rule, last op first")
            lines.append(f"    # rule of {phase}: {_rule_text(phase)}")
        lines.append(_line(instruction, names))
    lines.append(f"    # -- the update ({type(optimizer).__name__})")
    lines += [f"    {line}" for line in update_lines(optimizer, params, param_names, grad_names)]
    lines.append(f"    return {names[program.loss_slot]}")
    return "\n".join(lines)


def _rule_text(phase):
    op = registry.get(phase.split(" ")[0])
    if op is None:
        return ""
    return "; ".join(f"δ({k}) = {v}" for k, v in op.chain_rule.items())


def _line(instruction, names):
    arguments = [names[s] for s in instruction.inputs]
    arguments += [f"{k}={_value(v, {})}" for k, v in instruction.params.items()]
    arguments += [f"{k}={names[s]}" for k, s in instruction.param_slots]
    outputs = [names[instruction.out]] + [names[s] for _, s in instruction.kept]
    text = f"    {', '.join(outputs)} = {instruction.op_class.__name__}({', '.join(arguments)})"
    if instruction.phase == "forward":
        text = f"{text:<60s}  # {instruction.op_class.rule_summary().split('   (')[0]}"
    return text
