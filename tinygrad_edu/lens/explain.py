"""A text trace of backpropagation: every node of the graph, in the order backward() visits it, with its chain-rule step and numbers.

`loss.explain()` (or `explain(loss)`) replays the backward pass on the retained graph: it walks
`autograd.topological_order(loss)` in reverse, exactly as backward() does, runs each op's rule
with `autograd.call_rule`, and writes one line per gradient an op sends back:

    step  op       chain-rule step                  shape  value
    1     Sum      δ(t2) = δ(loss) copied back       (2,)   [1, 1]
    2     Sigmoid  δ(t1) = δ(t2) ⊙ t2 ⊙ (1 − t2)    (2,)   [0.1966, 0.105]

δ(v) means the adjoint ∂C/∂v of tensor v, for the root C. The chain-rule step is derived from
the op's own docstring in the rulebook (ops.py), so the trace and the code can never disagree
about which rule ran. Nothing is accumulated into any `.grad`: the user's gradients stay as
they were. The same replay (`trace_backward`) feeds the graph pictures and the HTML stepper of
tinygrad_edu.viz.
"""

import inspect
import re
from dataclasses import dataclass, field

import numpy as np

from ..core import autograd
from ..core.autograd import no_grad, topological_order
from ..core.tensor import Tensor

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
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
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
# Names for the tensors of a graph
# ---------------------------------------------------------------------------------------------

def parameter_names(params):
    """{id(tensor): name} from a module (its `named_parameters()`), a dict name -> tensor, a
    list of (name, tensor) pairs, or None.

    Raises:
        TypeError: `params` is none of these.
    """
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        pairs = list(params.named_parameters())
    elif isinstance(params, dict):
        pairs = list(params.items())
    elif isinstance(params, (list, tuple)):
        pairs = list(params)
    else:
        raise TypeError(f"params: expected a module, a dict name -> tensor or a list of (name, "
                        f"tensor) pairs, got {type(params).__name__}")
    names = {}
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], Tensor)):
            raise TypeError(f"params: every entry must be a (name, Tensor) pair, got {pair!r:.80}")
        names.setdefault(id(pair[1]), str(pair[0]))
    return names


def _all_tensors(roots, order):
    """Every tensor of the graph (leaves and op outputs), parents before children, once each."""
    seen, tensors = set(), []
    for node in order:
        for parent in node._ctx.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                tensors.append(parent)
        if id(node) not in seen:
            seen.add(id(node))
            tensors.append(node)
    for root in roots:
        if id(root) not in seen:
            seen.add(id(root))
            tensors.append(root)
    return tensors


def tensor_labels(tensors, params=None):
    """{id(tensor): label} for `tensors`: a parameter's name (from `params`), else the tensor's
    `.name`, else `t<k>` with k its position in `tensors`. Repeated names get a suffix `_2`, …"""
    names = parameter_names(params)
    labels, used = {}, set()
    for k, t in enumerate(tensors):
        label = names.get(id(t)) or t.name or f"t{k}"
        label = str(label)
        if label in used:
            suffix = 2
            while f"{label}_{suffix}" in used:
                suffix += 1
            label = f"{label}_{suffix}"
        used.add(label)
        labels[id(t)] = label
    return labels


# ---------------------------------------------------------------------------------------------
# The backward pass, replayed and recorded
# ---------------------------------------------------------------------------------------------

@dataclass
class SentGradient:
    """The gradient one op sends back to one of its inputs (an edge of the backward picture).

    Attributes:
        index: which input of the op (0, 1, …).
        parent: that input tensor.
        gradient: ∂C/∂parent through this edge (a Tensor), or None when the input needs no
            gradient (a constant).
        accumulated: True when the input had already received a gradient from an earlier
            step, so this one is added to it (a tensor used twice: δ(x) += …).
        equation: the chain-rule step in text, e.g. "δ(h) = δ(out) ⊙ out ⊙ (1 − out)".
    """

    index: int
    parent: Tensor
    gradient: object
    accumulated: bool
    equation: str = ""


@dataclass
class BackwardStep:
    """One node of the backward pass: its upstream gradient, the rule that ran, what it sent."""

    number: int
    node: Tensor
    position: int
    op: str
    upstream: Tensor
    sent: list = field(default_factory=list)

    @property
    def rule_text(self):
        """The op's docstring from the rulebook: formula, local derivatives, what it saves."""
        return self.node._ctx.rule_text()

    @property
    def rule_summary(self):
        return self.node._ctx.rule_summary()


@dataclass
class BackwardTrace:
    """The backward pass from `root`, replayed step by step on the retained graph.

    Attributes:
        root: the tensor backpropagation starts from.
        seed: its gradient ∂C/∂root (ones for a scalar).
        steps: one BackwardStep per non-leaf tensor, in the order backward() visits them.
        tensors: every tensor of the graph (leaves included), parents first.
        labels: {id(tensor): label}.
        positions: {id(tensor): k}, k the index in `tensors` (the `t<k>`/`op<k>` of pictures).
        adjoints: {id(tensor): ∂C/∂tensor} for every tensor that received a gradient.
    """

    root: Tensor
    seed: Tensor
    steps: list
    tensors: list
    labels: dict
    positions: dict
    adjoints: dict

    def label(self, t):
        return self.labels[id(t)]

    def adjoint(self, t):
        """∂C/∂t (a Tensor), or None when no gradient reached t."""
        return self.adjoints.get(id(t))

    @property
    def leaves(self):
        return [t for t in self.tensors if t._ctx is None]


def trace_backward(root, gradient=None, params=None):
    """Replay backpropagation from `root` without touching any `.grad`, recording every step.

    It is the engine's own walk (reverse `topological_order`, `call_rule` per node, gradients
    converted to each input's dtype and summed where a tensor is used twice), with every
    intermediate result kept.

    Args:
        root: the Tensor to backpropagate from (usually the scalar cost).
        gradient: ∂C/∂root when root is not a scalar (same shape as root).
        params: a module or a dict name -> tensor, to label parameters (see `tensor_labels`).

    Returns:
        A BackwardTrace.

    Raises:
        TypeError: root is not a Tensor.
        RuntimeError: root does not require grad, is not a scalar without `gradient`, or its
            graph was released by backward() (call backward(retain_graph=True) first, or
            explain before backward).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace_backward: expected a Tensor, got {type(root).__name__}")
    (root,), (seed,) = autograd._prepare_roots(root, gradient, "explain")
    order = topological_order(root)
    tensors = _all_tensors([root], order)
    positions = {id(t): k for k, t in enumerate(tensors)}
    labels = tensor_labels(tensors, params)
    adjoints = {id(root): seed}
    steps = []
    # A replay is for looking: inside detect_anomaly() a NaN should show up in the trace, not
    # stop it, so anomaly checks are off while the rules run here.
    with no_grad(), autograd.detect_anomaly(check_nan=False):
        for node in reversed(order):
            upstream = adjoints.get(id(node))
            if upstream is None:  # pragma: no cover - every non-leaf here descends from root
                continue
            try:
                parent_grads = autograd.call_rule(node, upstream)
            except RuntimeError as error:
                raise RuntimeError(
                    f"explain: cannot replay the backward pass: {error}. Draw or explain the "
                    f"graph before loss.backward(), or call loss.backward(retain_graph=True)"
                ) from None
            step = BackwardStep(number=len(steps) + 1, node=node, position=positions[id(node)],
                                op=node._ctx.name, upstream=upstream)
            for index, (parent, g) in enumerate(zip(node._ctx.parents, parent_grads)):
                if g is None or not parent.requires_grad:
                    step.sent.append(SentGradient(index, parent, None, False))
                    continue
                if g.data.dtype != parent.data.dtype:
                    g = Tensor._make(g.data.astype(parent.data.dtype), False, None)
                previous = adjoints.get(id(parent))
                step.sent.append(SentGradient(index, parent, g, previous is not None))
                adjoints[id(parent)] = g if previous is None else previous + g
            steps.append(step)
    trace = BackwardTrace(root, seed, steps, tensors, labels, positions, adjoints)
    for step in steps:
        equations = chain_rule_steps(step.node, labels)
        for sent in step.sent:
            if sent.gradient is not None:
                equation = equations[sent.index]
                if sent.accumulated:
                    equation = equation.replace(" = ", " += ", 1)
                sent.equation = equation
    return trace


# ---------------------------------------------------------------------------------------------
# The chain-rule step of each op, derived from its docstring in the rulebook
# ---------------------------------------------------------------------------------------------

# Ops whose docstring states the rule in words (shape ops, reductions) get a short formula here;
# every other op's step is read from the "∂out/∂a = …" or "∂C/∂a = …" lines of its docstring.
# Placeholders: input names of the op's forward(), `out`, and {shape} (the input's shape). A
# tuple gives one formula per input.
_WORDED_RULES = {
    "Maximum": ("δ(out) where a > b (half of it where a = b), else 0",
                "δ(out) where b > a (half of it where a = b), else 0"),
    "Where": ("δ(out) where condition, else 0", "δ(out) where not condition, else 0"),
    "Sum": "δ(out) copied back to shape {shape}",
    "Expand": "δ(out) summed over the broadcast axes to shape {shape}",
    "Reshape": "δ(out) reshaped back to {shape}",
    "Permute": "δ(out) permuted back to {shape}",
    "Cast": "δ(out) converted back to x's dtype",
    "Index": "zeros of shape {shape} with δ(out) added at the indexed places",
    "IndexAdd": "δ(out)[key]",
    "Cat": "the slice of δ(out) where this input was placed",
    "Pad": "the unpadded middle of δ(out)",
    "Unfold": "Fold(δ(out)): each pixel gets the sum of its patches' gradients",
    "Fold": "Unfold(δ(out))",
    "Max": "δ(out) at the maximum (shared by ties), 0 elsewhere",
    "Softmax": "out ⊙ (δ(out) − Σ δ(out) ⊙ out)",
    "LogSoftmax": "δ(out) − softmax(x) ⊙ Σ δ(out)",
    "LogSumExp": "δ(out) ⊙ e^(x − out)",
}

_DERIVATIVE = re.compile(r"∂(out|C)/∂([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)(?=[,;]\s{2,}∂|$)",
                         re.MULTILINE)
_SIGNATURES = {}


def _input_names(op_class, count):
    """The names of an op's tensor inputs, from its forward() signature (a, b / x / x, w, b)."""
    key = (op_class, count)
    if key not in _SIGNATURES:
        names = []
        for p in list(inspect.signature(op_class.forward).parameters.values())[1:]:
            if p.kind == p.VAR_POSITIONAL:
                names.extend(f"{p.name}{i}" for i in range(count - len(names)))
                break
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                names.append(p.name)
        names = (names + [f"input{i}" for i in range(len(names), count)])[:count]
        _SIGNATURES[key] = names
    return _SIGNATURES[key]


def _strip_comment(expression):
    # "a^b · ln a   (only computed when …)": a remark after wide spacing is prose, not math.
    expression = re.split(r"\s{2,}", expression.strip())[0]
    if " = " in expression:  # "σ(x)(1 − σ(x)) = out · (1 − out)": the last form uses saved values
        expression = expression.split(" = ")[-1]
    return expression.replace(" · ", " ⊙ ").strip()


def _is_product_of_atoms(expression):
    """True for `b`, `out ⊙ (1 − out)`, `b ⊙ a^(b−1)`: safe to write after `δ(out) ⊙`."""
    for factor in expression.split(" ⊙ "):
        if " " in factor and not (factor.startswith("(") and factor.endswith(")")
                                  and _balanced(factor[1:-1])):
            return False
    return True


def _balanced(text):
    depth = 0
    for character in text:
        depth += character == "("
        depth -= character == ")"
        if depth < 0:
            return False
    return depth == 0


def _local_form(kind, expression):
    """The right-hand side δ(input) = … for one parsed derivative of the docstring."""
    expression = _strip_comment(expression)
    if kind == "C":  # already a chain-rule formula in the upstream gradient g
        return re.sub(r"(?<![A-Za-z0-9_])g(?![A-Za-z0-9_])", "δ(out)", expression)
    if expression == "1":
        return "δ(out)"
    if expression in ("−1", "-1"):
        return "−δ(out)"
    match = re.fullmatch(r"1\s*/\s*(.+)", expression)
    if match:
        denominator = match.group(1)
        if " " in denominator and not (denominator.startswith("(") and denominator.endswith(")")):
            denominator = f"({denominator})"
        return f"δ(out) / {denominator}"
    if _is_product_of_atoms(expression):
        if expression.startswith(("−", "-")):  # ∂out/∂b = −a/b²  ->  −δ(out) ⊙ a/b²
            return f"−δ(out) ⊙ {expression[1:]}"
        return f"δ(out) ⊙ {expression}"
    return f"δ(out) ⊙ ({expression})"


def _rule_forms(op_class, count):
    """{input position: right-hand side with symbolic names} for an op class."""
    names = _input_names(op_class, count)
    worded = _WORDED_RULES.get(op_class.__name__)
    if worded is not None:
        if isinstance(worded, tuple):
            return dict(enumerate(worded)), names
        return {i: worded for i in range(count)}, names
    forms = {}
    for kind, name, expression in _DERIVATIVE.findall(op_class.rule_text()):
        if name in names and names.index(name) not in forms:
            forms[names.index(name)] = _local_form(kind, expression)
    return forms, names


def chain_rule_steps(node, labels=None):
    """The chain-rule step `δ(input) = …` for each input of the op that made `node`.

    The formula comes from the op's docstring in the rulebook; the op's symbolic names (a, b,
    x, out) are replaced by the tensors' labels.

    Args:
        node: a non-leaf Tensor.
        labels: {id(tensor): label}; by default the tensors' names or "out"/"a"/"b"/"x".

    Returns:
        A list of strings, one per input.

    Example:
        >>> h = x.sigmoid()
        >>> chain_rule_steps(h, {id(x): "z", id(h): "a"})
        ['δ(z) = δ(a) ⊙ a ⊙ (1 − a)']
    """
    ctx = node._ctx
    if ctx is None:
        raise ValueError("chain_rule_steps: the tensor is a leaf (made by the user, not by an op), "
                         "so no rule produced it")
    parents = ctx.parents
    forms, names = _rule_forms(type(ctx), len(parents))
    labels = labels or {}
    substitute = {"out": labels.get(id(node)) or node.name or "out"}
    for name, parent in zip(names, parents):
        substitute[name] = labels.get(id(parent)) or parent.name or name
    pattern = re.compile(r"(?<![A-Za-z0-9_.])(" + "|".join(
        re.escape(n) for n in sorted(substitute, key=len, reverse=True)) + r")(?![A-Za-z0-9_])")
    steps = []
    for index, parent in enumerate(parents):
        form = forms.get(index, f"the rule of {ctx.name} applied to δ(out)")
        form = form.replace("{shape}", str(tuple(parent.shape)))
        rhs = pattern.sub(lambda m: substitute[m.group(1)], form)
        steps.append(f"δ({substitute[names[index]]}) = {rhs}")
    return steps


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


def explain(tensor, markdown=False, gradient=None, params=None, max_elements=8, precision=4):
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

    Returns:
        An Explanation (a str that prints itself unquoted at the prompt).

    Raises:
        RuntimeError: the graph was released by an earlier backward() (explain first, or use
            backward(retain_graph=True)), or tensor does not require grad.

    Example:
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
        >>> print((x * x).sum().explain())
    """
    trace = trace_backward(tensor, gradient=gradient, params=params)
    root_label = trace.label(trace.root)
    root_op = trace.root._ctx.name if trace.root._ctx is not None else "leaf"
    seed_text = summarize(trace.seed, max_elements, precision)
    head = (f"Backpropagation from {root_label} ({root_op}, shape {tuple(trace.root.shape)}): "
            f"{len(trace.steps)} steps in reverse topological order")
    seed_line = f"δ({root_label}) = ∂C/∂{root_label} = {seed_text}   (the seed)"
    rows = _rows(trace, max_elements, precision)
    leaves = [t for t in trace.leaves if trace.adjoint(t) is not None]
    leaf_rows = [(f"δ({trace.label(t)})", str(tuple(t.shape)),
                  summarize(trace.adjoint(t), max_elements, precision)) for t in leaves]
    if markdown:
        lines = [f"**{head}**", "", seed_line.replace("   ", " "), "",
                 "| step | op | chain-rule step | shape | value |", "|---|---|---|---|---|"]
        lines += ["| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in rows]
        if leaf_rows:
            lines += ["", "Leaves (what backward() accumulates into `.grad`):", "",
                      "| gradient | shape | value |", "|---|---|---|"]
            lines += ["| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in leaf_rows]
        return Explanation("\n".join(lines) + "\n")
    header = ("step", "op", "chain-rule step", "shape", "value")
    lines = [head, seed_line, ""] + _aligned([header] + rows)
    if leaf_rows:
        lines += ["", "Leaves (what backward() accumulates into .grad):"]
        lines += ["  " + line for line in _aligned(leaf_rows)]
    return Explanation("\n".join(lines) + "\n")


def _aligned(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in rows]


def _markdown_cell(text):
    return text.replace("|", "\\|").replace("\n", " ") or " "
