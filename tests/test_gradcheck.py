"""Tests that the gradient checkers bite: planted wrong rules fail gradcheck and are named by the localizer, and the error reports say where and by how much."""

import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.core import ops
from tinygrad_edu.lens.gradcheck import GradcheckError, RuleReport, check_rules


def leaf(*shape, seed=0, low=None):
    data = np.random.default_rng(seed).standard_normal(shape)
    if low is not None:
        data = low + np.abs(data)
    return tg.tensor(data, requires_grad=True)


# ---------------------------------------------------------------------------------------------
# Planted wrong rules: each must fail gradcheck, and the localizer must name its op
# ---------------------------------------------------------------------------------------------

def sigmoid_derivative_is_sigma(self, grad_out):
    """σ′ = σ: the classic slip (forgetting the (1 − σ) factor)."""
    (out,) = self.saved_tensors
    return grad_out * out


def mul_swapped(self, grad_out):
    """∂(a·b)/∂a = a instead of b (a and b read from the node: Mul saves only what it needs)."""
    a, b = self.inputs
    return grad_out * a, grad_out * b


def matmul_no_transpose(self, grad_out):
    """∂C/∂A = G @ B instead of G @ Bᵀ (shapes still fit for square matrices)."""
    a, b = self.saved_tensors
    return grad_out @ b, a.T @ grad_out


def exp_off_by_factor(self, grad_out):
    (out,) = self.saved_tensors
    return grad_out * out * 1.01


def sum_forgets_nothing_but_scales(self, grad_out):
    """A Sum rule that halves the gradient."""
    return grad_out.reshape(ops.reductions._kept_shape(self.input_shape, self.dims)).expand(
        self.input_shape) * 0.5


def network(x, w1, w2):
    """A lecture-sized network: the planted op is one node among several."""
    return ((x @ w1).sigmoid() @ w2).tanh().sum()


PLANTED = [
    ("Sigmoid", "backward", sigmoid_derivative_is_sigma,
     network, lambda: (leaf(3, 3), leaf(3, 3, seed=1), leaf(3, 2, seed=2))),
    ("Mul", "backward", mul_swapped,
     lambda a, b, c: ((a * b).exp() + c).sum(), lambda: (leaf(2, 3), leaf(2, 3, seed=1),
                                                        leaf(2, 3, seed=2))),
    ("MatMul", "backward", matmul_no_transpose,
     network, lambda: (leaf(3, 3), leaf(3, 3, seed=1), leaf(3, 3, seed=2))),
    ("Exp", "backward", exp_off_by_factor,
     lambda x: x.exp().log_softmax().sum() + x.exp().sum(), lambda: (leaf(2, 3),)),
    ("Sum", "backward", sum_forgets_nothing_but_scales,
     lambda x, w: (x @ w).sin().sum(1).exp().sum(), lambda: (leaf(2, 3), leaf(3, 2, seed=1))),
]


@pytest.mark.parametrize("op, method, wrong, fn, make_inputs", PLANTED,
                         ids=[p[0] for p in PLANTED])
def test_planted_wrong_rule_is_caught_and_named(monkeypatch, op, method, wrong, fn, make_inputs):
    inputs = make_inputs()
    assert tg.gradcheck(fn, inputs)                      # the true rule passes ...
    monkeypatch.setattr(getattr(ops, op), method, wrong)
    with pytest.raises(GradcheckError) as info:          # ... the planted one does not
        tg.gradcheck(fn, inputs)
    error = info.value
    assert error.culprit is not None
    assert error.culprit.op == op
    assert not error.culprit.ok
    assert f"op {op}" in str(error)
    assert "the first op whose local rule is wrong" in str(error)
    assert error.max_relative_error > 1e-3


def test_planted_rule_makes_only_its_own_node_fail(monkeypatch):
    monkeypatch.setattr(ops.Sigmoid, "backward", sigmoid_derivative_is_sigma)
    x, w1, w2 = leaf(3, 3), leaf(3, 3, seed=1), leaf(3, 2, seed=2)
    reports = check_rules(network(x, w1, w2))
    assert [r.op for r in reports] == ["MatMul", "Sigmoid", "MatMul", "Tanh", "Sum"]
    assert [r.ok for r in reports] == [True, False, True, True, True]
    bad = reports[1]
    assert "Sigmoid" in bad.describe() and "wrong" in bad.describe()
    assert bad.input_shapes == [(3, 3)]


def test_planted_rule_also_fails_the_op_table_check(monkeypatch):
    """The same check the op table runs (tests/test_ops.py) fails on the planted rule."""
    monkeypatch.setattr(ops.Sigmoid, "backward", sigmoid_derivative_is_sigma)
    assert not tg.gradcheck(lambda a: a.sigmoid(), leaf(3, 4), raise_exception=False)


def test_wrong_second_derivative_passes_gradcheck_but_fails_gradgradcheck(monkeypatch):
    """A rule whose value is right but which detaches what it saved: first derivatives agree,
    second derivatives (the rule differentiated again) do not."""
    def detached_rule(self, grad_out):
        (out,) = self.saved_tensors
        out = out.detach()
        return grad_out * (1 - out * out)

    x = leaf(2, 3)
    assert tg.gradgradcheck(lambda t: t.tanh(), x)
    monkeypatch.setattr(ops.Tanh, "backward", detached_rule)
    assert tg.gradcheck(lambda t: t.tanh(), x)
    with pytest.raises(GradcheckError) as info:
        tg.gradgradcheck(lambda t: t.tanh(), x)
    assert "a detached or non-differentiable step" in str(info.value)


def test_a_detached_step_is_reported_as_graph_building_not_a_rule():
    x = leaf(3, 4)
    with pytest.raises(GradcheckError) as info:
        tg.gradcheck(lambda t: t * t.detach(), x)
    assert info.value.culprit is None
    assert "every op's local rule agrees" in str(info.value)
    # analytic = x, numeric = 2x: the ratio tells which it is
    np.testing.assert_allclose(info.value.numeric, 2 * info.value.analytic, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# The error report
# ---------------------------------------------------------------------------------------------

def test_error_names_input_element_values_and_worst_relative_error(monkeypatch):
    monkeypatch.setattr(ops.Sigmoid, "backward", sigmoid_derivative_is_sigma)
    a = leaf(2, 2)
    b = leaf(3, 4, seed=1)
    with pytest.raises(GradcheckError) as info:
        # input 0 has a correct gradient, input 1 a wrong one
        tg.gradcheck(lambda a, b: a.exp().sum() + b.sigmoid(), (a, b), localize=False)
    error = info.value
    message = str(error)
    assert error.input_index == 1
    assert "input 1 (shape (3, 4))" in message
    assert len(error.element) == 2 and all(type(e) is int for e in error.element)
    assert f"element {error.element}" in message
    assert f"analytic {error.analytic:.6g}" in message
    assert f"numeric {error.numeric:.6g}" in message
    assert re.search(r"worst relative error \d", message)
    assert error.culprit is None  # localize=False
    # the values are the true ones: with a vector v, analytic = v·σ, numeric = v·σ(1 − σ)
    s = 1 / (1 + np.exp(-b.numpy()[error.element]))
    assert error.analytic / error.numeric == pytest.approx(1 / (1 - s), rel=1e-5)
    # relative error per element: |v·σ − v·σ(1 − σ)| / |v·σ(1 − σ)| = σ/(1 − σ) = eᵇ
    assert error.max_relative_error == pytest.approx(np.exp(b.numpy().max()), rel=1e-4)


def test_raise_exception_false_returns_false(monkeypatch):
    monkeypatch.setattr(ops.Mul, "backward", mul_swapped)
    a, b = leaf(3), leaf(3, seed=1)
    assert tg.gradcheck(lambda a, b: a * b, (a, b), raise_exception=False) is False
    assert tg.gradgradcheck(lambda a, b: (a * b).exp(), (a, b), raise_exception=False) is False


def test_warns_on_float32_inputs_and_checks_a_float64_copy():
    x = tg.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match=r"gradcheck: input 0 is float32.*float64"):
        assert tg.gradcheck(lambda t: t.sin(), x)
    assert x.dtype == np.float32 and x.grad is None     # the user's tensor is untouched
    with pytest.warns(UserWarning, match="gradgradcheck: input 0 is float32"):
        assert tg.gradgradcheck(lambda t: t.sin(), x)


def test_no_warning_for_float64_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.gradcheck(lambda t: t.sin(), leaf(3))


def test_inputs_are_not_modified_and_grads_not_accumulated():
    x = leaf(2, 3)
    before = x.numpy().copy()
    tg.gradcheck(lambda t: (t * t).sum(), x)
    tg.gradgradcheck(lambda t: (t * t).sum(), x)
    np.testing.assert_array_equal(x.numpy(), before)
    assert x.grad is None


def test_several_outputs_and_non_tensor_arguments():
    def fn(a, scale, b):
        return a * scale, (a @ b).tanh()

    assert tg.gradcheck(fn, (leaf(2, 3), 3.0, leaf(3, 2, seed=1)))
    assert tg.gradgradcheck(fn, (leaf(2, 3), 3.0, leaf(3, 2, seed=1)))


def test_only_inputs_that_require_grad_are_checked():
    frozen = tg.tensor(np.ones((2, 3)))
    assert tg.gradcheck(lambda a, c: a * c, (leaf(2, 3), frozen))


def test_an_output_independent_of_an_input_checks_a_zero_gradient():
    assert tg.gradcheck(lambda a, b: a.sin(), (leaf(3), leaf(3, seed=1)))
    with pytest.raises(GradcheckError):   # and a real dependence with no gradient is caught
        tg.gradcheck(lambda a, b: a.sin() + b.detach(), (leaf(3), leaf(3, seed=1)))


def test_no_input_requires_grad_is_a_clear_error():
    with pytest.raises(ValueError, match="gradcheck: no input requires grad"):
        tg.gradcheck(lambda a: a * 2, tg.tensor([1.0, 2.0], dtype=tg.float64))


def test_fn_returning_a_non_tensor_is_a_clear_error():
    with pytest.raises(TypeError, match="gradcheck: the function returned a float"):
        tg.gradcheck(lambda a: 1.0, leaf(2))


# ---------------------------------------------------------------------------------------------
# check_rules on its own
# ---------------------------------------------------------------------------------------------

def test_check_rules_reports_every_node_of_a_correct_graph():
    x, w = leaf(4, 3), leaf(2, 3, seed=1)
    x.name, w.name = "x", "w"
    b = tg.tensor(np.zeros(2), requires_grad=True)
    out = tg.nn.functional.linear(x, w, b).relu()
    out.name = "hidden"
    reports = check_rules(out.sum())
    assert all(isinstance(r, RuleReport) for r in reports)
    assert [r.op for r in reports] == ["Linear", "Relu", "Sum"]
    assert all(r.ok for r in reports)
    assert reports[0].input_names == ["x", "w", None]
    assert reports[1].tensor_name == "hidden"
    assert "rule agrees with finite differences" in reports[0].describe()
    assert "inputs named ['x', 'w']" in reports[0].describe()


def test_check_rules_samples_large_inputs():
    """Inputs larger than max_elements are checked on a random sample (it stays fast)."""
    x = leaf(40, 30)
    reports = check_rules(x.sigmoid().sum(), max_elements=64)
    assert [r.op for r in reports] == ["Sigmoid", "Sum"] and all(r.ok for r in reports)


def test_check_rules_runs_ops_in_float64_even_for_a_float32_graph(monkeypatch):
    x = tg.randn(3, 3, requires_grad=True)
    reports = check_rules(x.exp().sum())
    assert all(r.ok for r in reports)   # float32 finite differences would fail atol 1e-5
    monkeypatch.setattr(ops.Exp, "backward", exp_off_by_factor)
    assert [r.ok for r in check_rules(x.exp().sum())] == [False, True]


# ---------------------------------------------------------------------------------------------
# Kinks: where the derivative is not defined, gradcheck explains it and blames no rule
# ---------------------------------------------------------------------------------------------

def _kink_point(*shape):
    """float64 zeros with a few smooth elements mixed in (the kinks are at the zeros)."""
    data = np.zeros(shape)
    data.reshape(-1)[1::3] = np.linspace(0.5, 1.5, data.reshape(-1)[1::3].size)
    return tg.tensor(data, requires_grad=True)


KINKS = [
    ("Relu", lambda x: x.relu().sum(), lambda: _kink_point(2, 3), (0, 0)),
    ("Clamp", lambda x: (x.clamp(0.0, 2.0) * 3).sum(), lambda: _kink_point(2, 3), (0, 0)),
    # a three-way tie: amax's rule gives each 1/3, central differences 1/2 (a two-way tie passes:
    # both give 1/2)
    ("Max", lambda x: x.amax(1).exp().sum(),
     lambda: tg.tensor([[1.0, 1.0, 1.0], [0.3, 2.0, 0.1]], dtype=tg.float64, requires_grad=True),
     (0, 0)),
    ("Relu", lambda x: ((x @ tg.eye(3, dtype=tg.float64)).relu() * (x + 2).sin()).sum(),
     lambda: _kink_point(2, 3), (0, 0)),
]


@pytest.mark.parametrize("op, fn, make_input, element", KINKS, ids=[k[0] for k in KINKS])
def test_a_kink_is_explained_and_no_rule_is_blamed(op, fn, make_input, element):
    x = make_input()
    with pytest.raises(GradcheckError) as info:
        tg.gradcheck(fn, x)
    error, message = info.value, str(info.value)
    assert error.culprit is None and "local rule is wrong" not in message
    assert [k.op for k in error.kinks] == [op]
    kink = error.kinks[0]
    assert kink.kink and not kink.ok and kink.element == element
    assert f"sits on a kink of {op} at element {element}" in message
    assert "the derivative is not defined there" in message
    assert "fix: check at a point off the kink" in message
    assert kink.left != pytest.approx(kink.right)
    # the explanation is right: moved off the kink by a small random offset, the function passes
    offset = np.random.default_rng(0).uniform(0.05, 0.2, x.shape)
    assert tg.gradcheck(fn, tg.tensor(x.numpy() + offset, requires_grad=True))


def test_abs_at_zero_passes_because_its_rule_takes_the_mean_of_the_slopes():
    """|x| at 0: central differences give (|ε| − |−ε|)/2ε = 0 and the rule gives sign(0) = 0, so
    they agree and there is nothing to explain (unlike ReLU, whose rule takes the left slope)."""
    assert tg.gradcheck(lambda x: (x.abs() * 3 + x).sum(), _kink_point(2, 3))


def test_a_kink_of_the_whole_function_is_explained_without_a_node():
    """where(x > 0, x, 0): each op is smooth, the comparison makes the kink."""
    x = _kink_point(2, 3)
    with pytest.raises(GradcheckError) as info:
        tg.gradcheck(lambda t: tg.where(t > 0, t, t * 0).sum(), x)
    message = str(info.value)
    assert "the function has a kink at element (0, 0) of input 0" in message
    assert "every op's local rule agrees" not in message and info.value.culprit is None
    with pytest.raises(GradcheckError, match="the function has a kink at element"):
        tg.gradcheck(lambda t: t.relu().sum(), x, localize=False)


def test_a_wrong_rule_is_still_named_beside_a_kink(monkeypatch):
    """A Relu rule that halves the gradient: wrong at the smooth elements, so Relu is blamed
    although other elements sit on its kink."""
    def relu_halved(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask * 0.5

    x = _kink_point(2, 3)
    monkeypatch.setattr(ops.Relu, "backward", relu_halved)
    with pytest.raises(GradcheckError) as info:
        tg.gradcheck(lambda t: t.relu().sum(), x)
    assert info.value.culprit is not None and info.value.culprit.op == "Relu"
    assert not info.value.culprit.kink
    assert info.value.culprit.element in [(0, 1), (1, 1)]  # a smooth element (value ≠ 0)
    assert "the first op whose local rule is wrong: op Relu" in str(info.value)


def test_a_planted_rule_at_a_smooth_point_of_high_curvature_is_not_called_a_kink(monkeypatch):
    """x⁴ at x = 3 curves strongly (f″ = 108): the one-sided slopes differ by h·f″, which
    shrinks with h, so it is no kink, and the planted wrong Pow rule is named."""
    def pow_off(self, grad_out):
        return tuple(g * 1.01 if g is not None else None for g in _true_pow(self, grad_out))

    x = tg.tensor([3.0, -2.5, 4.0], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda t: (t ** 4).sum(), x)
    _true_pow = ops.Pow.backward
    monkeypatch.setattr(ops.Pow, "backward", lambda self, g: _as_pair(pow_off(self, g)))
    with pytest.raises(GradcheckError) as info:
        tg.gradcheck(lambda t: (t ** 4).sum(), x)
    assert info.value.culprit is not None and info.value.culprit.op == "Pow"
    assert info.value.kinks == []


def _as_pair(grads):
    return grads if len(grads) > 1 else grads[0]
