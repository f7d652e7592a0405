"""Tests for tinygrad_edu.explain: the text trace of backpropagation on small known graphs, its numbers, Markdown, and the chain-rule step of every op in the rulebook."""

import importlib
import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.lens import explain as explain_module
from tinygrad_edu.core.autograd import topological_order
from tinygrad_edu.lens.explain import chain_rule_steps, explain, summarize, trace_backward


def rows(text):
    """The table rows of a terminal explanation: (step, op, equation, shape, value)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("step  op"))
    result = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        if not line.startswith(" "):
            step, op, rest = cells[0], cells[1], cells[2:]
        else:
            step, op, rest = "", "", cells
        result.append((step, op) + tuple(rest))
    return result


def neuron():
    """a = σ(x ⊙ w + b), C = Σ a: a sigmoid neuron with every tensor named."""
    x = tg.tensor([1.0, -2.0], requires_grad=True, name="x")
    w = tg.tensor([0.5, 3.0], requires_grad=True, name="w")
    b = tg.tensor([0.25, 0.25], requires_grad=True, name="b")
    xw = x * w
    xw.name = "xw"
    h = xw + b
    h.name = "h"
    a = h.sigmoid()
    a.name = "a"
    cost = a.sum()
    cost.name = "C"
    return x, w, b, h, a, cost


def test_sigmoid_neuron_trace_with_numbers():
    x, w, b, h, a, cost = neuron()
    text = explain(cost)
    table = rows(text)
    s = 1 / (1 + np.exp(-(x.numpy() * w.numpy() + b.numpy())))
    delta_h = s * (1 - s)
    assert [r[1] for r in table if r[1]] == ["Sum", "Sigmoid", "Add", "Mul"]
    assert table[0][2:] == ("δ(a) = δ(C) copied back to shape (2,)", "(2,)", "[1, 1]")
    assert table[1][2] == "δ(h) = δ(a) ⊙ a ⊙ (1 − a)"                  # the lecture's line
    assert table[1][4] == summarize(delta_h)
    assert table[2][2] == "δ(xw) = δ(h)" and table[3][2] == "δ(b) = δ(h)"
    assert table[4][2] == "δ(x) = δ(xw) ⊙ w" and table[4][4] == summarize(delta_h * w.numpy())
    assert table[5][2] == "δ(w) = δ(xw) ⊙ x" and table[5][4] == summarize(delta_h * x.numpy())
    assert "δ(C) = ∂C/∂C = 1" in text
    leaves = text.split("Leaves")[1]
    assert re.search(r"δ\(x\)\s+\(2,\)\s+" + re.escape(summarize(delta_h * w.numpy())), leaves)
    # the numbers are right: the same as backward()
    cost.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), delta_h * w.numpy(), rtol=1e-6)
    assert summarize(x.grad) == summarize(delta_h * w.numpy())


def test_trace_follows_backwards_order_and_leaves_grad_alone():
    x, w, b, h, a, cost = neuron()
    trace = trace_backward(cost)
    assert [step.node for step in trace.steps] == list(reversed(topological_order(cost)))
    assert x.grad is None and w.grad is None and b.grad is None
    np.testing.assert_allclose(trace.adjoint(h).numpy(), (a.numpy() * (1 - a.numpy())), rtol=1e-6)
    x.grad = tg.tensor([5.0, 5.0])
    explain(cost)
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


def test_reused_tensor_shows_plus_equals_and_the_total():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    table = rows(explain((x * x).sum()))
    mul = [r for r in table if r[1] == "Mul" or (r[1] == "" and r[2].startswith("δ(x)"))]
    assert [r[2] for r in mul] == ["δ(x) = δ(t1) ⊙ x", "δ(x) += δ(t1) ⊙ x"]
    assert [r[4] for r in mul] == ["[1, 2, 3]", "[1, 2, 3]"]
    assert "[2, 4, 6]" in explain((x * x).sum()).split("Leaves")[1]


def test_matrix_layer_uses_the_matmul_rule_and_summaries():
    tg.manual_seed(0)
    x = tg.tensor(tg.randn(4, 3), name="input")
    w = tg.tensor(tg.randn(3, 5), requires_grad=True, name="W")
    cost = (x @ w).tanh().sum()
    table = rows(explain(cost, max_elements=4))
    matmul = next(r for r in table if r[1] == "MatMul")
    assert matmul[2] == "δ(W) = inputᵀ @ δ(t2)" and matmul[3] == "(3, 5)"
    assert matmul[4].startswith("mean=") and "std=" in matmul[4]
    assert next(r for r in table if r[1] == "Tanh")[2] == "δ(t2) = δ(t3) ⊙ (1 − t3²)"
    assert not any("δ(input)" in r[2] for r in table)                # a constant gets nothing


def test_markdown_table():
    x, w, b, h, a, cost = neuron()
    text = explain(cost, markdown=True)
    lines = text.splitlines()
    header = lines.index("| step | op | chain-rule step | shape | value |")
    assert lines[header + 1] == "|---|---|---|---|---|"
    body = []
    for line in lines[header + 2:]:
        if not line.startswith("|"):
            break
        body.append(line)
    assert len(body) == 6 and all(line.count(" | ") == 4 for line in body)
    assert body[1].startswith("| 2 | Sigmoid | δ(h) = δ(a) ⊙ a ⊙ (1 − a) | (2,) |")
    assert "| δ(x) | (2,) |" in text
    y = tg.tensor([-1.0, 2.0], requires_grad=True, name="|y|")
    assert "δ(\\|y\\|)" in explain(y.abs().sum(), markdown=True)        # pipes escaped


def test_tensor_explain_delegates_and_prints_unquoted():
    x, w, b, h, a, cost = neuron()
    result = cost.explain()
    assert isinstance(result, explain_module.Explanation) and isinstance(result, str)
    assert result == explain(cost) and repr(result) == str(result)
    assert cost.explain(markdown=True).startswith("**Backpropagation from C")


def test_released_graph_and_bad_roots():
    x, w, b, h, a, cost = neuron()
    cost.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        explain(cost)
    with pytest.raises(RuntimeError, match="does not require grad"):
        explain(tg.tensor([1.0, 2.0]).sum())
    y = tg.tensor([1.0, 2.0], requires_grad=True, name="y") * 2.0
    with pytest.raises(RuntimeError, match="gradient="):
        explain(y)
    assert "[2, 0]" in explain(y, gradient=tg.tensor([1.0, 0.0])).split("Leaves")[1]
    with pytest.raises(TypeError, match="Tensor"):
        trace_backward([1.0])


def test_nan_inside_detect_anomaly_shows_in_the_trace_instead_of_raising():
    x = tg.tensor([0.0, 4.0], requires_grad=True, name="x")
    with tg.detect_anomaly():
        root = x.sqrt().sum()
        text = explain(root)                      # the rule's 1/(2·0) is shown, not raised
    assert "inf" in text


def test_parameter_labels_from_params():
    w = tg.tensor([[1.0, 2.0]], requires_grad=True)
    text = explain((w * 3.0).sum(), params={"layer.weight": w})
    assert "δ(layer.weight) = δ(t2) ⊙ t1" in text


def test_summarize():
    assert summarize(tg.tensor(3.14159)) == "3.142"
    assert summarize(np.array([[1, 2], [3, 4]])) == "[[1, 2], [3, 4]]"
    assert summarize(np.array([[1.0, 2.0], [3.0, 4.0]]), one_line=False) == "[[1, 2],\n [3, 4]]"
    assert summarize(np.arange(10.0)) == "mean=4.5 std=2.872 min=0 max=9"
    assert summarize(np.array([1.0, np.nan] * 10)).startswith("mean=nan")   # no RuntimeWarning
    assert summarize(np.array([True, False])) == "[1, 0]"
    assert summarize(np.zeros((0,))) == "[]"


def test_every_op_in_the_rulebook_has_a_chain_rule_step():
    """Every node of every graph in test_ops.py's table (one or more cases per op) gets a
    formula from its op's chain_rule in the rulebook, never the generic fallback."""
    test_ops = importlib.import_module("test_ops")  # tests/ is on sys.path under pytest
    seen = set()
    for case in test_ops.CASES:
        leaves = test_ops._leaves(case)
        outputs = case.fn(*leaves)
        outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
        for node in topological_order([o for o in outputs if o.requires_grad]):
            steps = chain_rule_steps(node)
            assert len(steps) == len(node.grad_fn.parents)
            for step in steps:
                assert "the rule of" not in step and "{shape}" not in step, (
                    f"{node.grad_fn.name}: give its chain_rule (core/ops/) one entry per "
                    f"input; got {step!r}")
                assert "δ(out)" in step, step
            seen.add(node.grad_fn.name)
    assert len(seen) >= 30 and {"Sigmoid", "Linear", "Expand", "Cat"} <= seen


def test_chain_rule_steps_substitutes_labels():
    x = tg.tensor([0.5], requires_grad=True)
    h = x.sigmoid()
    assert chain_rule_steps(h, {id(x): "z", id(h): "a"}) == ["δ(z) = δ(a) ⊙ a ⊙ (1 − a)"]
    a = tg.tensor([2.0], requires_grad=True)
    b = tg.tensor([3.0], requires_grad=True)
    q = a / b
    assert chain_rule_steps(q, {id(a): "p", id(b): "q", id(q): "r"}) == \
        ["δ(p) = δ(r) / q", "δ(q) = −δ(r) ⊙ p/q²"]
    assert chain_rule_steps(x.log(), {id(x): "x"})[0] == "δ(x) = δ(out) / x"
    with pytest.raises(ValueError, match="leaf"):
        chain_rule_steps(x)
