"""The replay of a Program as one generated Python function: a line per instruction, each a bound `forward` of a reused op object.

Interpreting the instruction list (look up the op, make its object, gather its operands by
slot) cost about 4 µs per instruction, as much as W1's arithmetic itself (bench_mnist.py,
batch 10); the generated function pays a plain call per instruction. Its text is the same
program that `.source` prints, with each op's forward as the callee.
"""

import functools

import numpy as np

__all__ = ["build_replay"]


def _keeper(ctx):
    """A save_for_backward for a reused op object: the arrays stay readable as ctx.kept_arrays."""
    def save_for_backward(*arrays):
        ctx.kept_arrays = arrays
    return save_for_backward


def build_replay(program):
    """A function replay(inputs, params) -> (loss array, [gradient array or None per parameter])."""
    names = {slot: f"s{slot}" for slot in range(program.n_slots)}
    namespace = {"asarray": np.asarray}
    lines = ["def replay(inputs, params):"]
    lines.append(f"    ({', '.join(names[s] for s in program.arg_slots)},) = inputs")
    lines.append(f"    ({', '.join(names[s] for s in program.param_slots)},) = params")
    for slot, array in program.constants.items():
        namespace[names[slot]] = array
    for number, op in enumerate(program.instructions):
        ctx = op.op_class.__new__(op.op_class)
        ctx.needs_input_grad = op.needs_input_grad
        if any(not isinstance(key, str) for key, _ in op.kept):
            ctx.save_for_backward = _keeper(ctx)
        forward = functools.partial(ctx.forward, **op.params) if op.params else ctx.forward
        namespace[f"f{number}"], namespace[f"ctx{number}"] = forward, ctx
        arguments = [names[s] for s in op.inputs] + [f"{k}={names[s]}" for k, s in op.param_slots]
        call = f"f{number}({', '.join(arguments)})"
        lines.append(f"    {names[op.out]} = {f'asarray({call})' if op.scalar else call}")
        for key, slot in op.kept:
            source = f"ctx{number}.{key}" if isinstance(key, str) else \
                f"ctx{number}.kept_arrays[{key}]"
            lines.append(f"    {names[slot]} = {source}")
    grads = ", ".join("None" if s is None else names[s] for s in program.grad_slots)
    lines.append(f"    return {names[program.loss_slot]}, [{grads}]")
    exec(compile("\n".join(lines), "<tg.capture replay>", "exec"), namespace)  # noqa: S102
    return namespace["replay"]
