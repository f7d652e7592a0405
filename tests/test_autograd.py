"""Tests of the autograd engine: accumulation, graph release, grad modes, tg.grad, higher-order derivatives, anomaly detection and every bad-input error."""

import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.core import autograd, ops
from tinygrad_edu.core.autograd import call_rule, topological_order

# numpy's own wording: none of it may leak into our error messages
NUMPY_TEXTS = ("operands could not be broadcast", "Input operand", "core dimension",
               "not aligned", "is out of bounds for array of dimension", "cannot reshape array",
               "axes don't match array", "all the input array dimensions")


def t64(data, requires_grad=True):
    return tg.tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------
# Graph structure: reuse, diamonds, accumulation
# ---------------------------------------------------------------------------------------------

def test_reused_node_x_times_x():
    x = t64([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_same_tensor_used_three_times():
    x = t64(2.0)
    (x + x + x * x).backward()        # 2 + 2x
    assert x.grad.item() == pytest.approx(6.0)


def test_diamond():
    """x -> a -> (b, c) -> out: a's gradient is the sum of both paths."""
    x = t64([0.5, -1.0])
    a = x.exp()
    out = (a * 2 + a.sin()).sum()
    out.backward()
    e = np.exp(x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), e * (2 + np.cos(e)))


def test_diamond_visits_each_node_once():
    x = t64([0.5, -1.0])
    a = x.exp()
    out = (a * 2 + a.sin()).sum()
    order = topological_order(out)
    assert len(order) == len({id(n) for n in order}) == 5       # exp, mul, sin, add, sum
    assert order[0] is a and order[-1] is out                  # parents first
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.grad_fn.parents:
            if parent.grad_fn is not None:
                assert position[id(parent)] < position[id(node)]


def test_gradients_accumulate_over_two_backwards():
    x = t64([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])


def test_leaves_only_get_grad_non_leaves_none():
    x = t64([1.0, 2.0])
    hidden = x * 2
    out = (hidden * hidden).sum()
    out.backward()
    assert x.is_leaf and not hidden.is_leaf
    with pytest.warns(tg.NonLeafGradWarning, match="was read"):  # as PyTorch warns
        assert hidden.grad is None and out.grad is None
    np.testing.assert_allclose(x.grad.numpy(), 8 * x.numpy())


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = t64([1.0, 2.0])
    hidden = (x * 2).retain_grad()
    out = (hidden * hidden).sum()
    out.retain_grad()
    out.backward()
    np.testing.assert_allclose(hidden.grad.numpy(), 2 * hidden.numpy())
    assert out.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="retain_grad: this tensor does not require grad"):
        tg.tensor([1.0]).retain_grad()


def test_tensors_that_need_no_grad_get_none():
    x, c = t64([1.0, 2.0]), t64([3.0, 4.0], requires_grad=False)
    (x * c).sum().backward()
    assert c.grad is None and not c.requires_grad
    np.testing.assert_allclose(x.grad.numpy(), c.numpy())


def test_no_graph_without_requires_grad():
    a = tg.tensor([1.0, 2.0])
    out = (a * 2).exp().sum()
    assert not out.requires_grad and out.grad_fn is None and out.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        out.backward()


def test_gradients_keep_the_leaf_dtype():
    x32 = tg.tensor([1.0, 2.0], requires_grad=True)
    x64 = t64([1.0, 2.0])
    (x32 * x64).sum().backward()       # mixed: the product is float64
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64


def test_backward_with_an_explicit_gradient_is_a_vector_jacobian_product():
    x = t64([1.0, 2.0, 3.0])
    y = x * x
    y.backward(tg.tensor([1.0, 0.0, -1.0], dtype=tg.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, -6.0])


def test_backward_on_a_leaf():
    x = t64([1.0, 2.0])
    x.backward(tg.ones(2, dtype=tg.float64))
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


# ---------------------------------------------------------------------------------------------
# Grad modes
# ---------------------------------------------------------------------------------------------

def test_no_grad_context_manager():
    x = t64([1.0])
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator_and_enable_grad_inside():
    x = t64([1.0])

    @tg.no_grad()
    def evaluate(t):
        with tg.enable_grad():
            inner = t * 2
        return t * 2, inner

    outer, inner = evaluate(x)
    assert not outer.requires_grad and inner.requires_grad
    assert evaluate.__name__ == "evaluate"   # functools.wraps


def test_enable_grad_decorator():
    x = t64([1.0])

    @tg.enable_grad()
    def record(t):
        return t * 2

    with tg.no_grad():
        assert record(x).requires_grad
        assert not (x * 2).requires_grad


def test_set_grad_enabled_context_decorator_and_nesting():
    x = t64([1.0])
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with tg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @tg.set_grad_enabled(False)
    def frozen(t):
        return t * 2

    assert not frozen(x).requires_grad


def test_grad_mode_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with tg.no_grad():
            1 / 0
    assert tg.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with tg.no_grad():
        worker = threading.Thread(target=lambda: seen.append(tg.is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


def test_detach_cuts_the_graph_and_shares_data():
    x = t64([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.numpy() is x.numpy()
    (x * x.detach()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x.numpy())  # not 2x: the detached factor is constant


# ---------------------------------------------------------------------------------------------
# Depth, graph release, retain_graph
# ---------------------------------------------------------------------------------------------

def test_a_100000_deep_chain_backpropagates_without_recursion():
    x = t64(1.0)
    y = x
    for _ in range(100_000):
        y = y * 0.99999
    y.backward()
    assert x.grad.item() == pytest.approx(0.99999 ** 100_000, rel=1e-9)


def test_second_backward_through_a_released_graph_is_an_error():
    x = t64([1.0, 2.0])
    out = (x.exp() * x).sum()
    out.backward()
    with pytest.raises(RuntimeError) as info:
        out.backward()
    message = str(info.value)
    assert "already released" in message and "retain_graph=True" in message


def test_a_shared_subgraph_is_released_too():
    x = t64([1.0, 2.0])
    z = x.sin()
    z.sum().backward()
    with pytest.raises(RuntimeError, match="released.*at op Sin"):
        (z * 2).sum().backward()


def test_retain_graph_allows_two_backwards():
    x = t64([1.0, 2.0])
    out = (x.exp() * x).sum()
    out.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    np.testing.assert_allclose(first, np.exp(x.numpy()) * (1 + x.numpy()))


def test_release_frees_saved_values():
    x = t64([1.0, 2.0])
    y = x.exp()
    (y * 1.0).sum().backward()
    assert y.grad_fn.released


# ---------------------------------------------------------------------------------------------
# tg.grad, like torch.autograd.grad
# ---------------------------------------------------------------------------------------------

def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x, w = t64([1.0, 2.0]), t64([3.0, -1.0])
    out = (x * w).sum()
    gx, gw = tg.grad(out, [x, w])
    np.testing.assert_allclose(gx.numpy(), w.numpy())
    np.testing.assert_allclose(gw.numpy(), x.numpy())
    assert x.grad is None and w.grad is None
    (single,) = tg.grad((x * x).sum(), x)
    np.testing.assert_allclose(single.numpy(), 2 * x.numpy())


def test_grad_with_grad_outputs():
    x = t64([1.0, 2.0, 3.0])
    (g,) = tg.grad(x * x, x, grad_outputs=tg.tensor([1.0, -1.0, 0.5], dtype=tg.float64))
    np.testing.assert_allclose(g.numpy(), [2.0, -4.0, 3.0])
    (g,) = tg.grad(x * x, x, grad_outputs=np.array([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())


def test_grad_of_several_outputs_sums_them():
    x = t64([1.0, 2.0])
    (g,) = tg.grad([(x * x).sum(), (x * 3).sum()], x)
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy() + 3)


def test_grad_allow_unused():
    x, unused = t64([1.0]), t64([2.0])
    with pytest.raises(RuntimeError, match="input 1 .* was not used.*allow_unused=True"):
        tg.grad((x * 2).sum(), [x, unused])
    gx, gu = tg.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_grad_of_an_output_with_respect_to_itself():
    x = t64([1.0, 2.0])
    y = x * 2
    (g,) = tg.grad(y, y, grad_outputs=tg.ones(2, dtype=tg.float64))
    np.testing.assert_allclose(g.numpy(), [1.0, 1.0])


def test_grad_without_create_graph_gives_constants():
    x = t64([1.0, 2.0])
    (g,) = tg.grad((x ** 3).sum(), x)
    assert not g.requires_grad
    (g,) = tg.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad


def test_grad_errors():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad: input 0 does not require grad"):
        tg.grad((x * 2).sum(), tg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="grad: the output has shape \\(2,\\)"):
        tg.grad(x * 2, x)
    with pytest.raises(ValueError, match="grad: got 1 outputs but 2 grad_outputs"):
        tg.grad((x * 2).sum(), x, grad_outputs=[None, None])
    with pytest.raises(TypeError, match="grad: output 0 is a float"):
        tg.grad(1.0, x)


# ---------------------------------------------------------------------------------------------
# Higher-order derivatives
# ---------------------------------------------------------------------------------------------

def test_hessian_vector_product_matches_the_analytic_hessian():
    """f(x) = ½ xᵀAx + Σ sin xᵢ  has Hessian H = (A + Aᵀ)/2 − diag(sin x)."""
    generator = np.random.default_rng(0)
    a = generator.standard_normal((4, 4))
    v = generator.standard_normal(4)
    x = t64(generator.standard_normal(4))
    A = tg.tensor(a)
    f = (x @ (A @ x)) * 0.5 + x.sin().sum()
    (g,) = tg.grad(f, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), (a + a.T) / 2 @ x.numpy() + np.cos(x.numpy()))
    (hv,) = tg.grad((g * tg.tensor(v)).sum(), x, retain_graph=True)
    hessian = (a + a.T) / 2 - np.diag(np.sin(x.numpy()))
    np.testing.assert_allclose(hv.numpy(), hessian @ v, rtol=1e-12)
    # the full Hessian, row by row
    rows = [tg.grad(g[i], x, retain_graph=True)[0].numpy() for i in range(4)]
    np.testing.assert_allclose(np.stack(rows), hessian, rtol=1e-12)


def test_second_derivative_of_tanh():
    x = t64(np.linspace(-2, 2, 7))
    (first,) = tg.grad(x.tanh().sum(), x, create_graph=True)
    (second,) = tg.grad(first.sum(), x)
    t = np.tanh(x.numpy())
    np.testing.assert_allclose(first.numpy(), 1 - t ** 2)
    np.testing.assert_allclose(second.numpy(), -2 * t * (1 - t ** 2), rtol=1e-12, atol=1e-15)


def test_third_derivative_of_sigmoid_via_backward_create_graph():
    x = t64([0.3])
    x.sigmoid().sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    (second,) = tg.grad(first.sum(), x, create_graph=True)
    (third,) = tg.grad(second.sum(), x)
    s = 1 / (1 + np.exp(-0.3))
    assert third.item() == pytest.approx(s * (1 - s) * (1 - 6 * s + 6 * s * s), rel=1e-10)


def test_newtons_method_converges_on_a_1d_function():
    """Minimise f(x) = eˣ − 2x (minimum at ln 2) with x ← x − f′(x)/f″(x)."""
    x = t64(3.0)
    steps = 0
    while True:
        f = x.exp() - 2 * x
        (d1,) = tg.grad(f, x, create_graph=True)
        (d2,) = tg.grad(d1, x)
        step = d1.item() / d2.item()
        x = t64(x.item() - step)
        steps += 1
        if abs(step) < 1e-14 or steps > 20:
            break
    assert x.item() == pytest.approx(np.log(2.0), abs=1e-14)
    assert steps < 10    # quadratic convergence


# ---------------------------------------------------------------------------------------------
# Bad inputs: clear errors from us, never numpy's own text
# ---------------------------------------------------------------------------------------------

def _raises(exception, fn):
    with pytest.raises(exception) as info:
        fn()
    message = str(info.value)
    for text in NUMPY_TEXTS:
        assert text not in message, f"numpy's text leaked: {message}"
    return message


def test_matmul_shape_mismatch_message():
    a, b = tg.ones(3, 2, requires_grad=True), tg.ones(3, 2)
    message = _raises(ValueError, lambda: a @ b)
    assert message.startswith("matmul:")
    assert "(3, 2) and (3, 2)" in message and "2 != 3" in message and "transpose" in message


def test_matmul_batch_mismatch_message():
    message = _raises(ValueError, lambda: tg.ones(2, 3, 4) @ tg.ones(3, 4, 2))
    assert "matmul" in message and "(2, 3, 4)" in message and "(3, 4, 2)" in message


def test_matmul_of_a_scalar_message():
    message = _raises(ValueError, lambda: tg.tensor(2.0) @ tg.ones(2))
    assert "matmul" in message and "at least 1 dimension" in message


@pytest.mark.parametrize("name, fn", [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b),
    ("maximum", lambda a, b: tg.maximum(a, b)), ("where", lambda a, b: tg.where(a > 0, a, b)),
    ("lt", lambda a, b: a < b),
])
def test_broadcasting_mismatch_message(name, fn):
    a, b = tg.ones(2, 3, requires_grad=True), tg.ones(4, 1, 2)
    message = _raises(ValueError, lambda: fn(a, b))
    assert message.startswith(f"{name}:")
    assert "(1, 2, 3)" in message and "(4, 1, 2)" in message and "3 vs 2" in message
    assert "cannot be broadcast" in message


def test_backward_on_a_non_scalar_without_gradient():
    message = _raises(RuntimeError, lambda: (tg.ones(2, 3, requires_grad=True) * 2).backward())
    assert "backward" in message and "(2, 3)" in message and ".sum()" in message


def test_gradient_asked_of_an_integer_tensor():
    message = _raises(TypeError, lambda: tg.tensor([1, 2], requires_grad=True))
    assert "requires_grad" in message and "int64" in message and ".float()" in message
    message = _raises(TypeError, lambda: tg.arange(3).requires_grad_())
    assert "int64" in message
    message = _raises(TypeError, lambda: tg.tensor([True]).requires_grad_())
    assert "bool" in message


def test_gradient_of_the_wrong_shape():
    x = tg.ones(2, 3, requires_grad=True)
    message = _raises(RuntimeError, lambda: (x * 2).backward(tg.ones(3, 2)))
    assert "backward" in message and "(3, 2)" in message and "(2, 3)" in message


@pytest.mark.parametrize("name, fn", [
    ("sum", lambda x: x.sum(2)), ("mean", lambda x: x.mean(-3)), ("max", lambda x: x.max(5)),
    ("softmax", lambda x: x.softmax(2)), ("log_softmax", lambda x: x.log_softmax(-3)),
    ("logsumexp", lambda x: x.logsumexp(2)), ("argmax", lambda x: x.argmax(2)),
    ("transpose", lambda x: x.transpose(0, 2)), ("squeeze", lambda x: x.squeeze(2)),
    ("unsqueeze", lambda x: x.unsqueeze(3)), ("cat", lambda x: tg.cat([x, x], dim=2)),
    ("flatten", lambda x: x.flatten(2)), ("var", lambda x: x.var(2)),
])
def test_invalid_dim(name, fn):
    x = tg.ones(2, 3, requires_grad=True)
    message = _raises(IndexError, lambda: fn(x))
    assert message.startswith(f"{name}:")
    assert "out of range" in message and "use a dim in" in message


def test_dim_of_the_wrong_type_and_repeated_dims():
    x = tg.ones(2, 3)
    assert "dim must be an int" in _raises(TypeError, lambda: x.sum(1.5))
    assert "repeats an axis" in _raises(ValueError, lambda: x.sum((1, -1)))


@pytest.mark.parametrize("fn, words", [
    (lambda: tg.ones(2, 3).reshape(4), ("reshape", "(2, 3)", "(4,)")),
    (lambda: tg.ones(2, 3).reshape(-1, -1), ("reshape", "-1",)),
    (lambda: tg.ones(2, 3).permute(0, 0), ("permute", "(2, 3)")),
    (lambda: tg.ones(2, 3).expand(3, 3), ("expand", "(2, 3)", "(3, 3)")),
    (lambda: tg.cat([tg.ones(2, 3), tg.ones(3, 4)]), ("cat", "(3, 4)", "(2, 3)")),
    (lambda: tg.stack([tg.ones(2), tg.ones(3)]), ("stack", "(3,)", "(2,)")),
    (lambda: tg.nn.functional.linear(tg.ones(2, 3), tg.ones(4, 2), tg.ones(4)),
     ("linear", "(2, 3)", "(4, 2)")),
    (lambda: tg.nn.functional.linear(tg.ones(2, 3), tg.ones(4, 3), tg.ones(3)),
     ("linear", "bias", "(4,)")),
    (lambda: tg.nn.functional.conv2d(tg.ones(1, 2, 4, 4), tg.ones(3, 3, 2, 2)),
     ("conv2d", "2 channels", "3")),
    (lambda: tg.nn.functional.conv2d(tg.ones(2, 4, 4), tg.ones(3, 2, 2, 2)), ("conv2d", "4-D")),
    (lambda: tg.nn.functional.unfold(tg.ones(1, 1, 2, 2), 3), ("unfold", "3×3", "2×2")),
    (lambda: tg.ones(2, 3).var(1, correction=3), ("var", "correction=3")),
    (lambda: tg.ones(2, 3).clamp(), ("clamp",)),
    (lambda: tg.ones(2, 3).clamp(1.0, 0.0), ("clamp", "min=1.0", "max=0.0")),
])
def test_shape_errors_name_the_op_and_shapes(fn, words):
    message = _raises(ValueError, fn)
    assert message.startswith(words[0] + ":"), message
    for word in words[1:]:
        assert word in message, message


def test_index_errors_name_the_tensor_shape():
    message = _raises(IndexError, lambda: tg.ones(3)[5])
    assert message.startswith("index:") and "(3,)" in message


def test_a_rule_returning_the_wrong_shape_is_caught_and_named(monkeypatch):
    monkeypatch.setattr(ops.Exp, "backward", lambda self, g: g.sum())
    x = tg.ones(2, 3, requires_grad=True)
    message = _raises(RuntimeError, lambda: x.exp().sum().backward())
    assert "Exp.backward" in message and "shape ()" in message and "(2, 3)" in message


def test_a_rule_returning_the_wrong_number_of_gradients_is_caught(monkeypatch):
    monkeypatch.setattr(ops.Mul, "backward", lambda self, g: g)
    x = tg.ones(2, requires_grad=True)
    message = _raises(RuntimeError, lambda: (x * x).sum().backward())
    assert "Mul.backward returned 1 gradients for 2 inputs" in message


def test_errors_do_not_chain_numpy_tracebacks():
    with pytest.raises(ValueError) as info:
        tg.ones(2, 3, 4) @ tg.ones(3, 4, 2)
    assert info.value.__cause__ is None and info.value.__suppress_context__


# ---------------------------------------------------------------------------------------------
# Anomaly detection and the engine's helpers
# ---------------------------------------------------------------------------------------------

def test_detect_anomaly_names_the_op_the_phase_and_the_user_line():
    x = t64([-1.0, 1.0])
    with tg.detect_anomaly():
        with pytest.raises(tg.AnomalyError) as info:
            x.log()                                                  # the culprit line
    message = str(info.value)
    assert message.startswith("Log: forward pass produced NaN")
    assert "test_autograd.py" in message and "x.log()" in message


def test_detect_anomaly_in_the_backward_pass():
    x = t64([0.0, 4.0])

    @tg.detect_anomaly()
    def run():
        x.sqrt().sum().backward()

    with pytest.raises(tg.AnomalyError) as info:
        run()
    message = str(info.value)
    # the Div inside Sqrt's rule is part of Sqrt's backward, so Sqrt is named
    assert message.startswith("Sqrt: backward pass produced infinity")
    assert "input 0" in message and "x.sqrt()" in message
    assert not tg.is_anomaly_enabled()


def test_without_anomaly_mode_nan_passes_with_a_learner_warning():
    x = t64([-1.0])
    with pytest.warns(tg.NonFiniteWarning, match="Log: the forward pass produced NaN"):
        assert np.isnan(x.log().numpy()).all()


def test_call_rule_runs_one_node():
    x = t64([1.0, 2.0])
    y = x.sin()
    (g,) = call_rule(y, tg.ones(2, dtype=tg.float64))
    np.testing.assert_allclose(g.numpy(), np.cos(x.numpy()))


def test_op_nodes_describe_their_rule():
    y = t64([1.0]).sigmoid()
    node = y.grad_fn
    assert node.name == "Sigmoid" and repr(node) == "<SigmoidBackward0>"
    assert "σ" in node.rule_summary() and "saves" in node.rule_text()
    assert node.parents[0].shape == (1,) and node.params == {}
    assert set(autograd.registry) >= {"Add", "Mul", "MatMul", "Sigmoid", "Sum", "Expand"}
