"""The optimizer's update in a replayed step: SGD's rule as numpy on the parameters' storage, any other optimizer through its own step().

The SGD update repeats optim.SGD's arithmetic operation for operation (the same numpy calls,
in the same order and dtypes), so a replayed step gives bit-for-bit the weights of an eager
one; its hyperparameters and momentum buffers are read from the optimizer at every call, so
a learning-rate scheduler and a later eager step see one state.
"""

import numpy as np

from ..core import Tensor
from ..optim import SGD

__all__ = ["make_update", "update_lines"]


def make_update(optimizer, params):
    """A function grads -> None that applies `optimizer`'s update for these gradients."""
    if type(optimizer) is not SGD:
        def update_by_step(grads):
            for p, g in zip(params, grads):
                p.grad = None if g is None else Tensor(g)
            optimizer.step()
            optimizer.zero_grad()
        return update_by_step
    position = {id(p): i for i, p in enumerate(params)}  # (Tensor == is elementwise)
    groups = [(group, [position[id(p)] for p in group["params"]])
              for group in optimizer.param_groups]
    scratch = {}

    def update_sgd(grads):
        for group, indices in groups:
            lr, momentum = group["lr"], group["momentum"]
            weight_decay = group["weight_decay"]
            for index in indices:
                g = grads[index]
                if g is None:
                    continue
                p = params[index]
                array = p.numpy()
                if momentum == 0 and weight_decay == 0:  # SGD's hot path: into a reused buffer
                    buffer = scratch.get(index)
                    if buffer is None:
                        buffer = scratch[index] = np.empty_like(array)
                    np.multiply(g, lr, buffer)
                    np.subtract(array, buffer, array)
                    continue
                _sgd_general(optimizer, group, p, array, g)
    return update_sgd


def _sgd_general(optimizer, group, p, array, g):
    momentum, weight_decay = group["momentum"], group["weight_decay"]
    if weight_decay != 0:
        g = g + weight_decay * array
    if momentum != 0:
        state = optimizer.state.setdefault(p, {})
        buffer = state.get("momentum_buffer")
        if buffer is None:
            buffer = state["momentum_buffer"] = np.array(g, dtype=array.dtype, copy=True)
        else:
            buffer *= momentum
            buffer += (1 - group["dampening"]) * g
        g = g + momentum * buffer if group["nesterov"] else buffer
    np.subtract(array, group["lr"] * g, out=array)


def update_lines(optimizer, params, names, grad_names):
    """The update as lines of Python, for .source (names and grad_names align with params)."""
    if type(optimizer) is not SGD:
        return [f"{type(optimizer).__name__}.step() on the gradients "
                f"({', '.join(g for g in grad_names if g)})"]
    position = {id(p): i for i, p in enumerate(params)}
    lines = []
    for group in optimizer.param_groups:
        lr, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
        for p in group["params"]:
            name, g = names[position[id(p)]], grad_names[position[id(p)]]
            if g is None:
                continue
            if decay:
                lines.append(f"{g} = {g} + {decay} * {name}")
            if momentum:
                share = "" if group["dampening"] == 0 else f"{1 - group['dampening']} * "
                lines.append(f"buffer_{name} = {momentum} * buffer_{name} + {share}{g}")
                g = f"({g} + {momentum} * buffer_{name})" if group["nesterov"] \
                    else f"buffer_{name}"
            lines.append(f"{name} -= {lr} * {g}")
    return lines
