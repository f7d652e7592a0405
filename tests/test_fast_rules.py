"""The fast path of the walk (Op.rule_on_arrays): a rule that runs on arrays gives exactly the gradients of the same rule run on Tensors, and the walk takes it only when nothing is recorded and the rule is the op's own."""

import numpy as np
import pytest

import test_ops
import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.core import autograd

FAST_OPS = sorted(name for name, cls in autograd.registry.items() if cls.array_rule is not None)
FAST_CASES = [c for c in test_ops.CASES if set(c.ops) & set(FAST_OPS)]


def test_the_fast_ops_are_the_ones_the_mnist_steps_use():
    assert {"Linear", "Sigmoid", "Relu", "SquaredError", "Mul", "Add", "Sub", "Neg",
            "BatchNorm"} <= set(FAST_OPS)
    for name in FAST_OPS:  # every one has rows in the op table, so it is compared below
        assert any(name in c.ops for c in FAST_CASES), name


def _gradients(case, dtype, fast, monkeypatch):
    """The gradients of case.fn's inputs for a fixed upstream gradient, with the fast path on
    or off; also how many rules ran on arrays."""
    ran = []
    real = autograd._run_rule_on_arrays

    def counted(ctx, grad_out):
        ran.append(ctx.name)
        return real(ctx, grad_out)

    with monkeypatch.context() as patch:
        patch.setattr(autograd, "_run_rule_on_arrays", counted)
        if not fast:
            for name in FAST_OPS:
                patch.setattr(autograd.registry[name], "array_rule", None)
        leaves = test_ops._leaves(case, dtype)
        out = case.fn(*leaves)
        upstream = np.random.default_rng(7).standard_normal(out.shape).astype(out.dtype)
        out.backward(tg.Tensor(upstream))
    return [None if t.grad is None else t.grad.numpy() for t in leaves], ran


# every row in float64, and in float32 the rows that keep it (a Cast row goes through float64)
PAIRS = [(c, np.float64) for c in FAST_CASES] + [(c, np.float32) for c in FAST_CASES
                                                 if c.keeps_float32]


@pytest.mark.parametrize("case, dtype", PAIRS,
                         ids=[f"{c.id}-{np.dtype(d).name}" for c, d in PAIRS])
def test_a_rule_on_arrays_gives_the_gradients_of_the_rule_on_tensors(case, dtype, monkeypatch):
    fast, ran_fast = _gradients(case, dtype, True, monkeypatch)
    plain, ran_plain = _gradients(case, dtype, False, monkeypatch)
    assert ran_fast and not ran_plain  # the fast path ran, and only when switched on
    for ours, theirs in zip(fast, plain):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
            np.testing.assert_array_equal(ours, theirs)


def test_the_comparison_catches_a_rule_that_differs_on_arrays(monkeypatch):
    case = next(c for c in FAST_CASES if c.id == "sigmoid")
    real = autograd.registry["Sigmoid"].backward

    def differs_on_arrays(self, grad_out):
        g = real(self, grad_out)
        return g * 1.001 if type(g) is np.ndarray else g
    monkeypatch.setattr(autograd.registry["Sigmoid"], "backward", differs_on_arrays)
    monkeypatch.setattr(autograd.registry["Sigmoid"], "array_rule", differs_on_arrays)
    with pytest.raises(AssertionError):
        test_a_rule_on_arrays_gives_the_gradients_of_the_rule_on_tensors(case, np.float64,
                                                                          monkeypatch)


def test_a_batch_of_one_takes_matmuls_outer_product_path_on_arrays_too():
    layer = nn.Linear(784, 30)
    x = tg.randn(1, 784)
    layer(x).sigmoid().sum().backward()
    expected = (np.ones((1, 30)) * _sigmoid_slope(layer, x)).T @ x.numpy()
    np.testing.assert_allclose(layer.weight.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


def _sigmoid_slope(layer, x):
    z = x.numpy() @ layer.weight.numpy().T + layer.bias.numpy()
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def test_a_replaced_rule_create_graph_and_anomaly_run_on_tensors(monkeypatch):
    seen = []
    sigmoid = autograd.registry["Sigmoid"]
    real = sigmoid.backward

    def spy(self, grad_out):
        seen.append(type(grad_out))
        return real(self, grad_out)
    x = tg.tensor([0.3, -1.2], dtype=tg.float64, requires_grad=True)
    with monkeypatch.context() as patch:  # a student's rule (tg.exercises plants one like this)
        patch.setattr(sigmoid, "backward", spy)
        x.sigmoid().sum().backward()
    assert seen == [tg.Tensor]
    seen.clear()
    with monkeypatch.context() as patch:  # the op's own rule, watched where it is called
        patch.setattr(sigmoid, "backward", spy)
        patch.setattr(sigmoid, "array_rule", spy)
        x.sigmoid().sum().backward()
        (g,) = tg.grad(x.sigmoid().sum(), x, create_graph=True)
        with tg.detect_anomaly():
            x.sigmoid().sum().backward()
    assert seen == [np.ndarray, tg.Tensor, tg.Tensor]
    assert g.requires_grad  # create_graph: the rule's own ops were recorded


def test_a_gradient_passed_through_to_two_leaves_is_not_shared():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # Add sends δ(out) to both inputs
    a.grad.numpy()[0] = 99.0
    assert b.grad.numpy()[0] == 1.0
