"""Cross-entropy after a sigmoid (or a softmax) stays exact where the activation saturates (issue 10, case 9).

The lecture's point (lesson 03): with the cross-entropy cost, δᴸ = ∂C/∂z = (a − y)/n, with no
σ′ factor, so a saturated wrong neuron learns fast. Computed from a = σ(z) in float32, σ(17)
rounds to 1, ln(1 − a) is clamped, and ∂C/∂z comes out 0. The costs read the Sigmoid node of
the graph and compute from z in one fused node (SigmoidCrossEntropy) instead.
"""

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.lens.viz import to_dot

POINTS = [17.0, -17.0, 20.0, -20.0, 40.0, -40.0, 100.0, -100.0]
COSTS = {
    "CrossEntropyCost": (lambda a, y: nn.CrossEntropyCost()(a, y), lambda n, k: n),
    "BCELoss": (lambda a, y: nn.BCELoss()(a, y), lambda n, k: n * k),
    "F.binary_cross_entropy(sum)": (lambda a, y: F.binary_cross_entropy(a, y, reduction="sum"),
                                    lambda n, k: 1),
}


def _logits_and_targets(z, dtype):
    """A batch of 2 rows: the saturated neuron wrong in row 0 (y = 1 − [z > 0]), right in row 1."""
    wrong = 0.0 if z > 0 else 1.0
    logits = np.array([[z, 0.3], [z, -1.2]])
    targets = np.array([[wrong, 1.0], [1.0 - wrong, 0.0]])
    return tg.tensor(logits, dtype=dtype, requires_grad=True), tg.tensor(targets, dtype=dtype)


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("cost", list(COSTS))
@pytest.mark.parametrize("z", POINTS)
def test_gradient_is_a_minus_y_over_n_at_saturated_logits(z, cost, dtype):
    fn, divisor = COSTS[cost]
    logits, y = _logits_and_targets(z, dtype)
    out = fn(logits.sigmoid(), y)
    assert out.grad_fn.name == "SigmoidCrossEntropy"
    out.backward()
    n, k = logits.shape
    # the exact δ, from PyTorch's BCEWithLogitsLoss in float64
    z64 = torch.tensor(logits.numpy(), dtype=torch.float64, requires_grad=True)
    expected_loss = torch.nn.functional.binary_cross_entropy_with_logits(
        z64, torch.tensor(y.numpy(), dtype=torch.float64), reduction="sum") / divisor(n, k)
    expected_loss.backward()
    np.testing.assert_allclose(logits.grad.numpy(), z64.grad.numpy(), rtol=1e-5, atol=1e-15)
    # and to the last digit, also for the right neuron whose a − y is tiny: σ(z) − 1 = −σ(−z)
    z_, y_ = logits.numpy().astype(np.float64), y.numpy().astype(np.float64)
    delta = ((1 - y_) / (1 + np.exp(-z_)) - y_ / (1 + np.exp(z_))) / divisor(n, k)
    assert abs(delta[0, 0]) == pytest.approx(1 / divisor(n, k), rel=1e-6)  # wrong: |a − y| ≈ 1
    # (below the smallest normal float the Sigmoid op's capped exponent rounds σ: atol = tiny)
    np.testing.assert_allclose(logits.grad.numpy(), delta, rtol=1e-5, atol=np.finfo(dtype).tiny)
    assert logits.grad.dtype == dtype
    assert out.item() == pytest.approx(expected_loss.item(), rel=1e-5)


def test_without_the_sigmoid_node_the_float32_gradient_vanishes():
    """Why the fusion is needed: a·1 hides the Sigmoid node, and the composite's ∂C/∂z is 0
    at z = 17 in float32 (σ′(17) = 0 there: σ rounded to 1)."""
    logits, y = _logits_and_targets(17.0, tg.float32)
    out = nn.CrossEntropyCost()(logits.sigmoid() * 1.0, y)
    assert out.grad_fn.name != "SigmoidCrossEntropy"
    out.backward()
    assert logits.grad.numpy()[0, 0] == 0.0  # the learning slowdown the lecture says is gone


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_equals_composite_where_both_are_finite(dtype):
    generator = np.random.default_rng(3)
    z = generator.normal(0, 3, (5, 4))
    y = generator.uniform(0, 1, (5, 4))
    weight = generator.uniform(0.5, 2, 4)
    for fused, composite in [
        (lambda a: nn.CrossEntropyCost()(a, y), lambda a: nn.CrossEntropyCost()(a * 1.0, y)),
        (lambda a: F.binary_cross_entropy(a, y, weight=weight),
         lambda a: F.binary_cross_entropy(a * 1.0, y, weight=weight)),
        (lambda a: F.binary_cross_entropy(a, y, reduction="none"),
         lambda a: F.binary_cross_entropy(a * 1.0, y, reduction="none"))]:
        results = []
        for fn in (fused, composite):
            leaf = tg.tensor(z, dtype=dtype, requires_grad=True)
            out = fn(leaf.sigmoid())
            out.backward(tg.ones_like(out))
            results.append((out.numpy(), leaf.grad.numpy()))
        # float32's composite loses digits in 1 − σ(z) (that is the point of the fusion)
        tolerance = 1e-3 if dtype == np.float32 else 1e-12
        for f, c in zip(*results):
            np.testing.assert_allclose(f, c, rtol=tolerance, atol=tolerance)


def test_pictures_and_explain_show_the_fused_node():
    z = tg.tensor([[20.0, -1.0]], requires_grad=True, name="z")
    a = z.sigmoid()
    cost = nn.CrossEntropyCost()(a, [[0.0, 1.0]])
    dot = to_dot(cost)
    assert "SigmoidCrossEntropy" in dot
    assert '"Sigmoid"' not in dot and "label=Sigmoid" not in dot  # the cost reads z, not a
    text = cost.explain()
    assert "SigmoidCrossEntropy" in text and "σ(z) − y" in text


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("z", [20.0, 40.0, 100.0])
def test_log_likelihood_after_softmax_is_exact_too(z, dtype):
    """softmax([z, −z]) underflows for class 1 in float32 at z ≈ 45 (float64 at ≈ 370); the
    cost then takes ln softmax from the logits, so ∂C/∂z = (a − y)/n (as cross_entropy)."""
    logits = tg.tensor([[z, -z, 0.0], [0.5, 0.1, -0.3]], dtype=dtype, requires_grad=True)
    labels = [1, 0]
    cost = nn.LogLikelihoodCost()(logits.softmax(-1), labels)
    cost.backward()
    reference = torch.tensor(logits.numpy(), dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(reference, torch.tensor(labels)).backward()
    np.testing.assert_allclose(logits.grad.numpy(), reference.grad.numpy(), rtol=1e-5, atol=1e-30)
    # NLLLoss of log(softmax(z)) too (log(0) would be −inf, its gradient NaN)
    leaf = tg.tensor(logits.numpy(), requires_grad=True)
    with tg.guardrails("off", tg.NonFiniteWarning):  # ln 0 of the hidden Log node itself
        loss = nn.NLLLoss()(leaf.softmax(-1).log(), labels)
    loss.backward()
    np.testing.assert_allclose(leaf.grad.numpy(), reference.grad.numpy(), rtol=1e-5, atol=1e-30)
