"""A text trace of backpropagation: every node of the graph, in the order backward() visits it, with its chain-rule step and numbers.

`loss.explain()` (or `explain(loss)`) replays the backward pass on the retained graph: it runs
the engine's own walk (`backward_walk`, through `trace.trace_backward`) and writes one line per
gradient an op sends back:

    step  op       chain-rule step                  shape  value
    1     Sum      δ(t2) = δ(loss) copied back       (2,)   [1, 1]
    2     Sigmoid  δ(t1) = δ(t2) ⊙ t2 ⊙ (1 − t2)    (2,)   [0.1966, 0.105]

δ(v) means the adjoint ∂C/∂v of tensor v, for the root C. The chain-rule step is the op's own
`chain_rule` in the rulebook (core/ops/), and the numbers are what its rule computed in the
walk, so the trace and the engine cannot disagree. Nothing is accumulated into any `.grad`:
the user's gradients stay as they were. The same trace feeds the graph pictures (viz) and the
HTML stepper (stepper).
"""

import numpy as np

from ..core import Tensor
from ..core import say
from .trace import (BackwardStep, BackwardTrace, SentGradient, chain_rule_steps, parameter_names,
                    tensor_labels, trace_backward)

__all__ = [
    "explain", "Explanation", "trace_backward", "BackwardTrace", "BackwardStep", "SentGradient",
    "chain_rule_steps", "tensor_labels", "summarize", "parameter_names",
]


# ---------------------------------------------------------------------------------------------
# Numbers in a few characters
# ---------------------------------------------------------------------------------------------

def summarize(value, max_elements=8, precision=4, one_line=True):
    """A short text for the values of a tensor or array.

    A scalar is shown in full, a tensor of at most `max_elements` elements in full (as a
    nested list), a larger one as `mean=… std=… min=… max=…`.

    Args:
        value: a Tensor, numpy array or number.
        max_elements: the largest size shown element by element.
        precision: significant digits.
        one_line: put a small matrix on one line (for a terminal table) instead of one row
            per line (for a picture).

    Returns:
        The text.

    Example:
        >>> summarize(tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
        '[[1, 2], [3, 4]]'
    """
    array = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
    if array.size == 0:
        return "[]"
    if array.dtype == np.bool_:
        array = array.astype(np.int8)
    if array.size == 1:
        return _number(array.reshape(()).item(), precision)
    if array.size <= max_elements:
        rows = _nested(array, precision)
        return rows.replace(",\n ", ", ") if one_line else rows
    # A NaN or an infinity must show up in the summary rather than raise a RuntimeWarning.
    with np.errstate(all="ignore"):
        data = array.astype(np.float64)
        parts = [("mean", np.mean(data)), ("std", np.std(data)), ("min", np.min(data)),
                 ("max", np.max(data))]
    return " ".join(f"{name}={_number(v, precision)}" for name, v in parts)


def _number(x, precision):
    if isinstance(x, (bool, np.bool_)):
        return str(int(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.{precision}g}"


def _nested(array, precision):
    if array.ndim == 1:
        return "[" + ", ".join(_number(v, precision) for v in array.tolist()) + "]"
    if array.ndim == 2:
        return "[" + ",\n ".join(_nested(row, precision) for row in array) + "]"
    return "[" + ", ".join(_nested(sub, precision) for sub in array) + "]"


# ---------------------------------------------------------------------------------------------
# The text
# ---------------------------------------------------------------------------------------------

class Explanation(str):
    """The text of explain(): a str that shows itself unquoted at the interactive prompt."""

    def __repr__(self):
        return str(self)


def _rows(trace, max_elements, precision):
    rows = []
    for step in trace.steps:
        first = True
        for sent in step.sent:
            if sent.gradient is None:
                continue
            rows.append((str(step.number) if first else "", step.op if first else "",
                         sent.equation, str(tuple(sent.gradient.shape)),
                         summarize(sent.gradient, max_elements, precision)))
            first = False
    return rows


def explain(tensor, markdown=False, gradient=None, params=None, max_elements=8, precision=4,
            notation=None):
    """A text trace of backpropagation from `tensor`, one line per gradient each op sends back.

    Steps come in the order backward() processes them (reverse topological order). Each line
    gives the chain-rule step derived from the op's rule in the rulebook (for example
    `δ(h) = δ(out) ⊙ out ⊙ (1 − out)` for Sigmoid), the gradient's shape and its numbers (in
    full for at most `max_elements` elements, else mean/std/min/max). A tensor used twice
    shows `+=` on its second contribution. The trace ends with every leaf's total gradient,
    which is what backward() would accumulate into `.grad`. Nothing is written to `.grad`.

    Args:
        tensor: the root, usually the scalar cost.
        markdown: return a Markdown table instead of aligned terminal text.
        gradient: ∂C/∂tensor when tensor is not a scalar.
        params: a module or a dict name -> tensor to label parameters (parameters named by
            nn.Module are labelled anyway).
        max_elements: largest tensor shown element by element.
        precision: significant digits of the numbers.
        notation: None, or "lecture": a Sequential's tensors are named x, wˡ, bˡ, zˡ, aˡ,
            y(x), C, so the steps read as the lecture's δ(z²) = δ(a²) ⊙ a² ⊙ (1 − a²).

    Returns:
        An Explanation (a str that prints itself unquoted at the prompt).

    Raises:
        RuntimeError: the graph was released by an earlier backward() (explain first, or use
            backward(retain_graph=True)), or tensor does not require grad.

    Example:
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
        >>> print((x * x).sum().explain())
    """
    trace = trace_backward(tensor, gradient=gradient, params=params, notation=notation)
    root_label = trace.label(trace.root)
    root_op = trace.root.grad_fn.name if trace.root.grad_fn is not None else "leaf"
    seed_text = summarize(trace.seed, max_elements, precision)
    head = say("explain.head", root=root_label, op=root_op, shape=tuple(trace.root.shape),
               steps=len(trace.steps))
    seed_line = f"δ({root_label}) = ∂C/∂{root_label} = {seed_text}   {say('explain.seed')}"
    rows = _rows(trace, max_elements, precision)
    header = tuple(say(f"explain.{k}") for k in ("step", "op", "rule", "shape", "value"))
    leaves = [t for t in trace.leaves if trace.adjoint(t) is not None]
    leaf_rows = [(f"δ({trace.label(t)})", str(tuple(t.shape)),
                  summarize(trace.adjoint(t), max_elements, precision)) for t in leaves]
    if markdown:
        lines = [f"**{head}**", "", seed_line.replace("   ", " "), "",
                 "| " + " | ".join(header) + " |", "|---|---|---|---|---|"]
        lines += ["| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in rows]
        if leaf_rows:
            lines += ["", say("explain.leaves", grad="`.grad`"), "",
                      f"| {' | '.join(say('explain.' + k) for k in ('gradient', 'shape', 'value'))} |",
                      "|---|---|---|"]
            lines += ["| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in leaf_rows]
        return Explanation("\n".join(lines) + "\n")
    lines = [head, seed_line, ""] + _aligned([header] + rows)
    if leaf_rows:
        lines += ["", say("explain.leaves", grad=".grad")]
        lines += ["  " + line for line in _aligned(leaf_rows)]
    return Explanation("\n".join(lines) + "\n")


def _aligned(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in rows]


def _markdown_cell(text):
    return text.replace("|", "\\|").replace("\n", " ") or " "
