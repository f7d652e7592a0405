"""The backward pass as a record: every step of the engine's own walk, seen through its hook, with labels and the chain-rule text of each step.

`trace_backward(loss)` runs `backward_walk` (the very function `backward()` runs) with a hook that
keeps each step: the node, its upstream gradient δ(node), and the gradient its rule sent to each
input. Nothing is written to any `.grad`. explain(), the graph pictures and the stepper page
all read this record; the chain-rule text comes from each op's `chain_rule` in the rulebook.
"""

import re
from dataclasses import dataclass, field

from ..core import Tensor, backward_walk, detect_anomaly, guardrails, prepare_roots, topological_order
from .notation import check_notation, lecture_labels

__all__ = [
    "trace_backward", "BackwardTrace", "BackwardStep", "SentGradient", "chain_rule_steps",
    "input_names", "graph_tensors", "tensor_labels", "parameter_names",
]


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


def graph_tensors(roots, order):
    """Every tensor of the graph (leaves and op outputs), parents before children, once each."""
    seen, tensors = set(), []
    for node in order:
        for parent in node.grad_fn.inputs:
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
# The backward pass, recorded from the walk's hook
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
        return self.node.grad_fn.rule_text()

    @property
    def rule_summary(self):
        return self.node.grad_fn.rule_summary()


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
        return [t for t in self.tensors if t.is_leaf]


def trace_backward(root, gradient=None, params=None, notation=None):
    """Backpropagate from `root` without touching any `.grad`, recording every step.

    It is the engine's own walk (`backward_walk`, with a hook per step) on the retained graph,
    so the trace and backward() cannot disagree about a rule, a shape or a dtype.

    Args:
        root: the Tensor to backpropagate from (usually the scalar cost).
        gradient: ∂C/∂root when root is not a scalar (same shape as root).
        params: a module or a dict name -> tensor, to label parameters (see `tensor_labels`).
        notation: None, or "lecture" to label a layered network's tensors x, wˡ, bˡ, zˡ, aˡ,
            y(x), C (see notation.py), also inside the chain-rule steps.

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
    (root,), (seed,) = prepare_roots(root, gradient, "explain")
    order = topological_order(root)
    tensors = graph_tensors([root], order)
    positions = {id(t): k for k, t in enumerate(tensors)}
    labels = tensor_labels(tensors, params)
    check_notation(notation, "explain")
    if notation == "lecture":
        labels.update(lecture_labels(root, order, tensors))
    steps = []
    received = {id(root)}

    def record(node, grad_out, input_grads):
        step = BackwardStep(number=len(steps) + 1, node=node, position=positions[id(node)],
                            op=node.grad_fn.name, upstream=grad_out)
        equations = chain_rule_steps(node, labels)
        for index, (parent, g) in enumerate(zip(node.grad_fn.inputs, input_grads)):
            if g is None:
                step.sent.append(SentGradient(index, parent, None, False))
                continue
            accumulated = id(parent) in received
            received.add(id(parent))
            equation = equations[index].replace(" = ", " += ", 1) if accumulated \
                else equations[index]
            step.sent.append(SentGradient(index, parent, g, accumulated, equation))
        steps.append(step)
        adjoints[id(node)] = grad_out

    adjoints = {}
    for node in order:
        if node.grad_fn.released:
            raise RuntimeError(
                f"explain: cannot replay the backward pass: the graph was already released by "
                f"an earlier backward() (at op {node.grad_fn.name}). Draw or explain the graph "
                f"before loss.backward(), or call loss.backward(retain_graph=True)")
    # A replay is for looking: inside detect_anomaly() a NaN should show up in the trace, not
    # stop it, so anomaly checks are off while the rules run here (and the learner warning of
    # a NaN, which the real backward() gave already).
    with detect_anomaly(check_nan=False), guardrails.guardrails("off", guardrails.NonFiniteWarning):
        leaves = backward_walk([root], [seed], retain_graph=True, hook=record)
    adjoints.update({key: g for key, (t, g) in leaves.items()})
    return BackwardTrace(root, seed, steps, tensors, labels, positions, adjoints)


# ---------------------------------------------------------------------------------------------
# The chain-rule step of each op, from its `chain_rule` in the rulebook
# ---------------------------------------------------------------------------------------------

def input_names(op, count):
    """The names of an op's `count` tensor inputs, from its chain_rule (a, b / x / x, w, b);
    a variadic op's single name ending in ᵢ gives x0, x1, …"""
    names = list(op.chain_rule)
    if len(names) == 1 and names[0].endswith("ᵢ"):
        return [f"{names[0][:-1]}{i}" for i in range(count)]
    return (names + [f"input{i}" for i in range(len(names), count)])[:count]


def _right_hand_sides(op, count):
    rules = list(op.chain_rule.values())
    if len(rules) == 1 and list(op.chain_rule)[0].endswith("ᵢ"):
        return rules * count
    return (rules + [f"the rule of {op.name} applied to δ(out)"] * count)[:count]


def chain_rule_steps(node, labels=None):
    """The chain-rule step `δ(input) = …` for each input of the op that made `node`.

    The formula is the op's `chain_rule` in the rulebook; its symbolic names (a, b, x, out)
    are replaced by the tensors' labels.

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
    op = node.grad_fn
    if op is None:
        raise ValueError("chain_rule_steps: the tensor is a leaf (made by the user, not by an op), "
                         "so no rule produced it")
    inputs = op.inputs
    names = input_names(op, len(inputs))
    labels = labels or {}
    substitute = {"out": labels.get(id(node)) or node.name or "out"}
    for name, parent in zip(names, inputs):
        substitute[name] = labels.get(id(parent)) or parent.name or name
    pattern = re.compile(r"(?<![A-Za-z0-9_.])(" + "|".join(
        re.escape(n) for n in sorted(substitute, key=len, reverse=True)) + r")(?![A-Za-z0-9_])")
    steps = []
    for index, (parent, form) in enumerate(zip(inputs, _right_hand_sides(op, len(inputs)))):
        form = form.replace("{shape}", str(tuple(parent.shape)))
        rhs = pattern.sub(lambda m: substitute[m.group(1)], form)
        steps.append(f"δ({substitute[names[index]]}) = {rhs}")
    return steps
