"""The whole training step as steps for the stepper page: the forward pass op by op with values, the cost, the backward pass (stepper_steps), then the optimizer's update of each parameter with its numbers.

    tg.viz.html(loss, "runs/step.html", optimizer=opt)   # forward, cost, backward, update

The forward steps read the same trace as the backward ones (`trace_backward`): its tensors in
the order they were made. The update steps run the optimizer's own `step()`, on a twin: a new
optimizer of the same kind with the same hyperparameters and state, over copies of the
parameters whose gradients are those of the trace. The page is a look at one step, not a
step: the caller's parameters, gradients and optimizer are not changed by drawing it, and
loss.backward() still works afterwards.
"""

import inspect

import numpy as np

from ..core import Tensor
from .explain import summarize

__all__ = ["forward_steps", "cost_step", "update_steps", "update_rule"]


def forward_steps(trace, max_elements=8, precision=4):
    """One dict per op in the order the forward pass ran them: the op, its formula, its inputs'
    values and its output's value (kind "forward")."""
    steps = []
    for number, step in enumerate(reversed(trace.steps), start=1):
        node, position = step.node, step.position
        inputs = []
        for index, parent in enumerate(node.grad_fn.inputs):
            inputs.append({"label": trace.labels[id(parent)],
                           "node": f"t{trace.positions[id(parent)]}",
                           "edge": f"e{position}_{index}", "shape": str(tuple(parent.shape)),
                           "value": summarize(parent, max_elements, precision, one_line=False)})
        steps.append({"kind": "forward", "number": number, "op_node": f"op{position}",
                      "tensor_node": f"t{position}", "op": step.op,
                      "formula": node.grad_fn.rule_summary(),
                      "output_label": trace.labels[id(node)],
                      "output_shape": str(tuple(node.shape)),
                      "output": summarize(node, max_elements, precision, one_line=False),
                      "inputs": inputs})
    return steps


def cost_step(trace, precision=6):
    """The step between the passes: the cost C the forward pass ended with (kind "cost")."""
    root = trace.root
    return {"kind": "cost", "tensor_node": f"t{trace.positions[id(root)]}",
            "label": trace.labels[id(root)], "shape": str(tuple(root.shape)),
            "value": summarize(root, 8, precision, one_line=False)}


def update_rule(optimizer, group):
    """The optimizer's rule for one parameter group, in the lecture's notation."""
    name = type(optimizer).__name__
    if name == "SGD":
        lines = []
        if group.get("weight_decay"):
            lines.append("g ← ∂C/∂w + λ w")
        else:
            lines.append("g = ∂C/∂w")
        if group.get("momentum"):
            lines.append("b ← g at the first step, then b ← μ b + (1 − τ) g")
            lines.append("w ← w − η (g + μ b)" if group.get("nesterov") else "w ← w − η b")
        else:
            lines.append("w ← w − η g   (the lecture's w → w − η ∂C/∂w)")
        return "\n".join(lines)
    if name in ("Adam", "AdamW"):
        decay = ("w ← w − η λ w  (decoupled weight decay, first)\n" if name == "AdamW"
                 and group.get("weight_decay") else "")
        coupled = "g ← ∂C/∂w + λ w\n" if name == "Adam" and group.get("weight_decay") else ""
        return (f"{decay}{coupled}t ← t + 1\nm ← β₁ m + (1 − β₁) g\nv ← β₂ v + (1 − β₂) g²\n"
                "m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)\nw ← w − η m̂ / (√v̂ + ε)")
    doc = inspect.cleandoc(type(optimizer).__doc__ or name)
    return doc.split("\n\n")[0]


def _hyperparameters(group):
    """The group's numbers (lr, momentum, betas, ...) for the panel."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in group.items()
            if key != "params" and isinstance(value, (int, float, tuple))}


def _buffers(state, max_elements, precision):
    shown = {}
    for key, value in (state or {}).items():
        if isinstance(value, np.ndarray) and value.ndim > 0:
            shown[key] = summarize(value, max_elements, precision, one_line=False)
        else:
            shown[key] = summarize(np.asarray(value), max_elements, precision)
    return shown


def _twin(optimizer, trace):
    """A new optimizer of the same kind, hyperparameters and state over copies of the
    parameters, each copy's .grad the parameter's ∂C/∂w from the trace: stepping it shows the
    real rule's numbers while the caller's parameters (whose version counters the graph
    checks), gradients and optimizer stay untouched."""
    copies, groups = [], []
    for group in optimizer.param_groups:
        params = []
        for p in group["params"]:
            twin = Tensor(np.array(p.numpy(), copy=True), requires_grad=True)
            adjoint = trace.adjoint(p)
            twin.grad = None if adjoint is None else Tensor(np.array(adjoint.numpy(), copy=True))
            copies.append((group, p, twin))
            params.append(twin)
        groups.append(dict({key: value for key, value in group.items() if key != "params"},
                           params=params))
    try:
        twin_optimizer = type(optimizer)(groups, **optimizer.defaults)
    except TypeError as error:
        raise TypeError(f"html: cannot show the update of {type(optimizer).__name__}: a copy of "
                        f"it could not be made from its defaults ({error})") from None
    twin_optimizer.load_state_dict(optimizer.state_dict())
    return twin_optimizer, copies


def update_steps(trace, optimizer, max_elements=8, precision=4):
    """One dict per parameter the optimizer updates (kind "update"): the rule, the
    hyperparameters, w before, ∂C/∂w (from the trace), the optimizer's buffers after the
    step, w after and Δw. The step is taken by a twin of the optimizer (see `_twin`)."""
    twin_optimizer, copies = _twin(optimizer, trace)
    before = [np.array(twin.numpy(), copy=True) for _, _, twin in copies]
    twin_optimizer.step()
    steps = []
    for (group, p, twin), value in zip(copies, before):
        if twin.grad is None:
            continue
        after = twin.numpy()
        position = trace.positions.get(id(p))
        steps.append({
            "kind": "update", "number": len(steps) + 1,
            "parameter": trace.labels.get(id(p)) or p.name or "w",
            "tensor_node": None if position is None else f"t{position}",
            "optimizer": type(optimizer).__name__, "rule": update_rule(optimizer, group),
            "hyperparameters": _hyperparameters(group), "shape": str(tuple(value.shape)),
            "before": summarize(value, max_elements, precision, one_line=False),
            "gradient": summarize(twin.grad, max_elements, precision, one_line=False),
            "buffers": _buffers(twin_optimizer.state.get(twin), max_elements, precision),
            "after": summarize(after, max_elements, precision, one_line=False),
            "change": summarize(after - value, max_elements, precision, one_line=False),
        })
    return steps
