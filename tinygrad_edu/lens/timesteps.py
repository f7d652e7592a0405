"""Backpropagation through time made visible: which nodes each time step of a recurrent layer made, the unrolled picture with one box per step, explain() naming the step, and ‖∂L/∂h_t‖ across the steps.

    with record_steps() as steps:           # while recording, nn.RNN/LSTM/GRU report each step
        output, h_n = rnn(x)
    loss = output[-1].sum()
    draw_unrolled(loss, steps, "runs/unrolled.svg")                  # one cluster per step
    draw_unrolled(loss, steps, "runs/steps.svg", collapse=True)     # one box per step
    print(loss.explain())                   # tensors read h[t=2], f[t=1], mul[t=0], ...
    gradient_norms_through_time(loss, steps)   # [‖∂L/∂h_0‖, ..., ‖∂L/∂h_T−1‖]

A step's nodes are those its outputs (h_t, c_t) depend on, back to its inputs x_t and h_{t−1}:
the cell's ops, drawn inside the step's frame; the weights are leaves outside every frame,
shared by all steps, which is why their gradient is a sum over time.
"""

import contextlib
from dataclasses import dataclass, field

import numpy as np

from ..core import Tensor, grad
from ..nn.recurrent import add_step_listener

__all__ = ["record_steps", "StepRecord", "TimeStep", "unrolled_dot", "draw_unrolled",
           "gradient_norms_through_time", "plot_gradients_through_time"]

_PLOT_HINT = ("plotting needs matplotlib, an optional extra: pip install tinygrad-edu[plot] "
              "(or pip install matplotlib)")


@dataclass
class TimeStep:
    """One step of one recurrent layer: where it sits, its tag, its nodes and its outputs."""

    layer: int
    direction: int
    time: int
    tag: str
    ids: set = field(default_factory=set)
    outputs: dict = field(default_factory=dict)

    @property
    def label(self):
        return "step " + self.tag.strip("[]")


class StepRecord:
    """The time steps reported by the recurrent layers while `record_steps()` was active.

    It can be passed as `collapse=` to tg.viz.to_dot / draw: it groups the graph's nodes by
    step (its `dot_groups`).
    """

    def __init__(self, name_tensors=True):
        self.steps = []
        self.name_tensors = name_tensors
        self._claimed = set()

    def _tag(self, layer, direction, time):
        if layer == 0 and direction == 0:
            return f"[t={time}]"
        return f"[l{layer}{'r' if direction else ''},t={time}]"

    def listen(self, layer, direction, time, inputs, outputs):
        """The listener the layers call after each step (see nn.recurrent.add_step_listener)."""
        step = TimeStep(layer, direction, time, self._tag(layer, direction, time),
                        outputs=dict(outputs))
        x_t, previous = inputs[0], {id(t) for t in inputs[1:]}
        stack = list(outputs.values())
        while stack:
            t = stack.pop()
            if id(t) in self._claimed or id(t) in previous or t.grad_fn is None:
                continue
            self._claimed.add(id(t))
            step.ids.add(id(t))
            if self.name_tensors:
                base = "x" if t is x_t else (t.name or t.grad_fn.name.lower())
                t.name = f"{base}{step.tag}"
            if t is not x_t:  # the input x_t belongs to the step; what made it does not
                stack.extend(t.grad_fn.inputs)
        self.steps.append(step)

    def dot_groups(self, tensors):
        """([(label, ids)], {id(tensor): group index}) for the viz module: one group per step."""
        present = {id(t) for t in tensors}
        groups, members = [], {}
        for step in self.steps:
            ids = step.ids & present
            if not ids:
                continue
            index = len(groups)
            groups.append((step.label, ids))
            for i in ids:
                members[i] = index
        return groups, members

    def hidden_states(self, layer=None, direction=0):
        """h_t of one layer in time order (the last layer by default)."""
        if layer is None:
            layer = max((s.layer for s in self.steps), default=0)
        chosen = sorted((s for s in self.steps if s.layer == layer and s.direction == direction),
                        key=lambda s: s.time)
        return [s.outputs["h"] for s in chosen]

    def step_of(self, tensor):
        """The TimeStep that made `tensor`, or None."""
        for step in self.steps:
            if id(tensor) in step.ids:
                return step
        return None

    def __len__(self):
        return len(self.steps)


@contextlib.contextmanager
def record_steps(name_tensors=True):
    """Record the time steps of every recurrent layer called inside the block.

    Args:
        name_tensors: name each step's tensors after the step (h[t=2], f[t=0], x[t=1], ...),
            so that explain() and the pictures say which step a node belongs to.

    Yields:
        A StepRecord.
    """
    record = StepRecord(name_tensors)
    remove = add_step_listener(record.listen)
    try:
        yield record
    finally:
        remove()


def unrolled_dot(tensor, steps, collapse=False, rankdir="LR", **options):
    """DOT text of the unrolled graph: a frame around each step's nodes, or one box per step.

    Args:
        tensor: the root (usually the loss).
        steps: the StepRecord of the forward pass.
        collapse: draw each step as one box ("step t=3" and the shapes of its outputs).
        rankdir: "LR" puts time from left to right.
        options: passed on to tg.viz.to_dot (values, backward, params, title, ...).
    """
    from .viz import to_dot
    return to_dot(tensor, collapse=steps, collapse_style="box" if collapse else "cluster",
                  rankdir=rankdir, **options)


def draw_unrolled(tensor, steps, path, collapse=False, rankdir="LR", **options):
    """Render unrolled_dot with graphviz to `path` (svg, png, pdf or dot); returns the path."""
    from .viz import render
    return render(unrolled_dot(tensor, steps, collapse, rankdir, **options), path)


def gradient_norms_through_time(loss, steps, layer=None, direction=0):
    """‖∂L/∂h_t‖ for t = 0 … T−1 (the adjoint of each hidden state, over the whole batch).

    The adjoint of h_t collects every path from h_t to the loss: through the later steps
    (δh_t = W_hhᵀ (act′ ⊙ δh_{t+1}) + …) and through the output at t. Read from the end:
    if it shrinks by a steady factor per step, the early steps hardly learn (vanishing); if it
    grows, the updates explode. Nothing is written to `.grad`; the graph is retained.

    Args:
        loss: a scalar that depends on the recorded steps.
        steps: the StepRecord.
        layer, direction: which layer (the last by default) and direction.

    Returns:
        A list of floats in time order.
    """
    hidden = steps.hidden_states(layer, direction)
    if not hidden:
        raise ValueError("gradient_norms_through_time: the record has no steps of that layer; "
                         "call the recurrent layer inside `with record_steps() as steps:`")
    grads = grad(loss, hidden, retain_graph=True, allow_unused=True)
    return [0.0 if g is None else float(np.linalg.norm(g.numpy().astype(np.float64)))
            for g in grads]


def plot_gradients_through_time(curves, path=None, title="‖∂L/∂h_t‖ through time"):
    """One line per curve (label -> norms in time order), log scale; saved to `path` if given.

    Returns:
        The matplotlib Figure.
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(_PLOT_HINT) from error
    figure, axes = plt.subplots(figsize=(6.4, 4.0))
    for label, norms in curves.items():
        values = np.maximum(np.asarray(norms, dtype=np.float64), 1e-30)
        axes.semilogy(range(len(values)), values, marker="o", markersize=3, label=label)
    axes.set_xlabel("time step t")
    axes.set_ylabel("‖∂L/∂h_t‖")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    if path is not None:
        import os
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        figure.savefig(path)
    plt.close(figure)
    return figure
