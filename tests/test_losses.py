"""Tests of the costs in tinygrad_edu.nn: the lecture's costs against hand-computed numbers, PyTorch's losses against their formulas in numpy and against PyTorch, stability, errors, and the L2 penalty."""

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(2024)
LOGITS = RNG.normal(0, 2, (6, 4))
INDICES = np.array([0, 3, 1, 1, 2, 0])
ONE_HOT = np.eye(4)[INDICES]
PROBABILITIES = RNG.dirichlet(np.ones(4), size=6)
SIGMOID_OUT = 1 / (1 + np.exp(-LOGITS))
BINARY = (RNG.random((6, 4)) > 0.5).astype(float)


def leaf(array):
    return tg.Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def numpy_reduce(losses, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](losses)


def numpy_log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def value_and_grad(function, x, *args, upstream=None):
    """(loss value, d loss / d x) with an upstream gradient of ones (or `upstream`)."""
    t = leaf(x)
    out = function(t, *args)
    gradient = np.ones(out.shape) if upstream is None else upstream
    out.backward(tg.Tensor(gradient))
    return out.numpy(), t.grad.numpy()


def torch_value_and_grad(torch, function, x, *args):
    t = torch.tensor(x, requires_grad=True)
    out = function(t, *args)
    out.backward(torch.ones_like(out))
    return out.detach().numpy(), t.grad.numpy()


# ---------------------------------------------------------------------------------------------
# The lecture's costs, against numbers computed by hand
# ---------------------------------------------------------------------------------------------

def test_quadratic_cost_by_hand():
    a = tg.tensor([[0.2, 0.8], [0.6, 0.4]], dtype=tg.float64, requires_grad=True)
    # C = 1/(2·2) [(1 − .2)² + (0 − .8)² + (0 − .6)² + (1 − .4)²] = (0.64 + 0.64 + 0.36 + 0.36)/4
    for y in (tg.tensor([0, 1]), tg.tensor([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1])):
        cost = nn.QuadraticCost()(a, y)
        assert cost.item() == pytest.approx(0.5)
    a.grad = None
    F.quadratic_cost(a, [0, 1]).backward()
    # ∂C/∂a = (a − y)/n
    np.testing.assert_allclose(a.grad.numpy(), [[-0.4, 0.4], [0.3, -0.3]])
    assert F.quadratic_cost(tg.tensor([[0.2, 0.8]]), tg.tensor([1])).item() == pytest.approx(0.04)


def test_quadratic_cost_is_k_over_2_times_mse():
    a = tg.Tensor(SIGMOID_OUT)
    assert F.quadratic_cost(a, INDICES).item() == pytest.approx(
        4 / 2 * F.mse_loss(a, tg.Tensor(ONE_HOT)).item())


def test_cross_entropy_cost_by_hand():
    a = tg.tensor([[0.9, 0.2], [0.3, 0.6]], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([0, 1])
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.7) + math.log(0.6)) / 2
    cost = nn.CrossEntropyCost()(a, y)
    assert cost.item() == pytest.approx(expected, rel=1e-12)
    cost.backward()
    # ∂C/∂a = (a − y) / (n · a(1 − a))
    onehot = np.array([[1, 0], [0, 1]])
    np.testing.assert_allclose(a.grad.numpy(),
                               (a.numpy() - onehot) / (2 * a.numpy() * (1 - a.numpy())))
    assert F.cross_entropy_cost(a, onehot.astype(np.float64)).item() == pytest.approx(expected)


def test_cross_entropy_cost_with_sigmoid_has_no_sigma_prime():
    # the lecture's point: ∂C/∂z = (σ(z) − y)/n, even for a saturated, wrong neuron
    z = tg.tensor([[-8.0, 8.0]], dtype=tg.float64, requires_grad=True)
    F.cross_entropy_cost(z.sigmoid(), [[1.0, 0.0]]).backward()
    np.testing.assert_allclose(z.grad.numpy(),
                               [[1 / (1 + math.exp(8)) - 1, 1 / (1 + math.exp(-8))]], rtol=1e-9)
    w = tg.tensor([[-8.0, 8.0]], dtype=tg.float64, requires_grad=True)
    F.quadratic_cost(w.sigmoid(), [[1.0, 0.0]]).backward()
    assert np.abs(w.grad.numpy()).max() < 1e-3  # the quadratic cost learns slowly there


def test_cross_entropy_cost_equals_bce_sum_over_n():
    a, y = tg.Tensor(SIGMOID_OUT), tg.Tensor(BINARY)
    assert F.cross_entropy_cost(a, y).item() == pytest.approx(
        F.binary_cross_entropy(a, y, reduction="sum").item() / 6, rel=1e-12)


def test_log_likelihood_cost_by_hand_and_from_logits():
    a = tg.tensor([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]], dtype=tg.float64, requires_grad=True)
    expected = -(math.log(0.7) + math.log(0.5)) / 2
    assert nn.LogLikelihoodCost()(a, tg.tensor([0, 2])).item() == pytest.approx(expected)
    assert F.log_likelihood_cost(a, np.eye(3)[[0, 2]]).item() == pytest.approx(expected)
    z = leaf(LOGITS)
    a = z.softmax(-1)
    cost = F.log_likelihood_cost(a, INDICES)
    cost.backward()
    # for a softmax layer, ∂C/∂z = (a − y)/n, as for sigmoid + cross-entropy
    np.testing.assert_allclose(z.grad.numpy(), (a.numpy() - ONE_HOT) / 6, rtol=1e-10, atol=1e-14)
    for target in (INDICES, ONE_HOT):
        from_logits = nn.LogLikelihoodCost(from_logits=True)(leaf(LOGITS), target)
        assert from_logits.item() == pytest.approx(cost.item(), rel=1e-12)
        assert from_logits.item() == pytest.approx(F.cross_entropy(leaf(LOGITS), INDICES).item())
    assert repr(nn.LogLikelihoodCost(from_logits=True)) == "LogLikelihoodCost(from_logits=True)"


def test_lecture_costs_gradcheck():
    assert tg.gradcheck(lambda a: F.quadratic_cost(a, INDICES), leaf(SIGMOID_OUT))
    assert tg.gradcheck(lambda a: F.cross_entropy_cost(a, BINARY), leaf(SIGMOID_OUT))
    assert tg.gradcheck(lambda a: F.log_likelihood_cost(a, INDICES), leaf(PROBABILITIES))
    assert tg.gradcheck(lambda z: F.log_likelihood_cost(z, ONE_HOT, from_logits=True),
                        leaf(LOGITS))


def test_lecture_costs_errors():
    a = tg.rand(4, 3)
    with pytest.raises(ValueError, match=r"quadratic_cost \(QuadraticCost\): activations of "
                                         r"shape \(4, 3\) and targets of shape \(4, 2\)"):
        F.quadratic_cost(a, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="class index 3 .* out of range for 3 classes"):
        F.cross_entropy_cost(a, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="with a single output neuron"):
        F.cross_entropy_cost(tg.rand(4, 1), [0, 1, 1, 0])
    with pytest.raises(ValueError, match=r"must be a probability in \[0, 1\], got 1.5 at "
                                         r"position \(1, 2\)"):
        F.cross_entropy_cost(tg.tensor([[0.5, 0.5, 0.5], [0.5, 0.5, 1.5]]), [0, 1])
    with pytest.raises(ValueError, match="apply a sigmoid"):
        F.log_likelihood_cost(tg.tensor([[np.nan, 1.0]]), [0])


# ---------------------------------------------------------------------------------------------
# PyTorch's losses: numpy formulas and PyTorch
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    target = RNG.normal(size=LOGITS.shape)
    value, grad = value_and_grad(lambda x: nn.MSELoss(reduction)(x, target), LOGITS)
    np.testing.assert_allclose(value, numpy_reduce((LOGITS - target) ** 2, reduction))
    scale = {"mean": 1 / LOGITS.size, "sum": 1, "none": 1}[reduction]
    np.testing.assert_allclose(grad, 2 * (LOGITS - target) * scale)
    assert tg.gradcheck(lambda x: F.mse_loss(x, target, reduction), leaf(LOGITS))
    torch = pytest.importorskip("torch")
    their = torch_value_and_grad(torch, torch.nn.MSELoss(reduction=reduction), LOGITS,
                                 torch.tensor(target))
    np.testing.assert_allclose(value, their[0], rtol=1e-12)
    np.testing.assert_allclose(grad, their[1], rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss(reduction, weighted):
    weight = RNG.random(4) + 0.5 if weighted else None
    value, grad = value_and_grad(
        lambda x: nn.BCELoss(weight=weight, reduction=reduction)(x, BINARY), SIGMOID_OUT)
    losses = -(BINARY * np.log(SIGMOID_OUT) + (1 - BINARY) * np.log(1 - SIGMOID_OUT))
    if weighted:
        losses = losses * weight
    np.testing.assert_allclose(value, numpy_reduce(losses, reduction), rtol=1e-6)
    assert tg.gradcheck(lambda x: F.binary_cross_entropy(x, BINARY, weight, reduction),
                        leaf(SIGMOID_OUT))
    torch = pytest.importorskip("torch")
    loss = torch.nn.BCELoss(weight=None if weight is None else torch.tensor(weight),
                            reduction=reduction)
    their = torch_value_and_grad(torch, loss, SIGMOID_OUT, torch.tensor(BINARY))
    np.testing.assert_allclose(value, their[0], rtol=1e-6)
    np.testing.assert_allclose(grad, their[1], rtol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"pos_weight": True}])
def test_bce_with_logits_loss(reduction, options):
    weight = RNG.random(4) + 0.5 if options.get("weight") else None
    pos_weight = RNG.random(4) * 3 if options.get("pos_weight") else None
    logits = LOGITS.copy()
    logits[0, 0] = 0.0  # the gradient at exactly 0 must be σ(0) − y
    value, grad = value_and_grad(
        lambda x: nn.BCEWithLogitsLoss(weight, reduction, pos_weight)(x, BINARY), logits)
    sigma = 1 / (1 + np.exp(-logits))
    p = 1.0 if pos_weight is None else pos_weight
    losses = -(p * BINARY * np.log(sigma) + (1 - BINARY) * np.log(1 - sigma))
    d_losses = p * BINARY * (sigma - 1) + (1 - BINARY) * sigma
    if weight is not None:
        losses, d_losses = losses * weight, d_losses * weight
    np.testing.assert_allclose(value, numpy_reduce(losses, reduction), rtol=1e-10)
    scale = 1 / logits.size if reduction == "mean" else 1
    np.testing.assert_allclose(grad, d_losses * scale, rtol=1e-10, atol=1e-15)
    assert tg.gradcheck(
        lambda x: F.binary_cross_entropy_with_logits(x, BINARY, weight, reduction, pos_weight),
        leaf(LOGITS))
    torch = pytest.importorskip("torch")
    loss = torch.nn.BCEWithLogitsLoss(
        weight=None if weight is None else torch.tensor(weight), reduction=reduction,
        pos_weight=None if pos_weight is None else torch.tensor(pos_weight))
    their = torch_value_and_grad(torch, loss, logits, torch.tensor(BINARY))
    np.testing.assert_allclose(value, their[0], rtol=1e-10)
    np.testing.assert_allclose(grad, their[1], rtol=1e-10, atol=1e-15)


def numpy_cross_entropy(z, target, weight=None, label_smoothing=0.0, ignore_index=-100):
    """Per-example losses and the mean's denominator, written from PyTorch's documentation."""
    log_p = numpy_log_softmax(z)
    classes = z.shape[1]
    w = np.ones(classes) if weight is None else weight
    if target.dtype.kind == "f":
        y = target * (1 - label_smoothing) + label_smoothing / classes
        return -(w * y * log_p).sum(axis=1), len(z)
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    nll = -w[safe] * log_p[np.arange(len(z)), safe] * valid
    smooth = -(w * log_p).sum(axis=1) * valid
    losses = (1 - label_smoothing) * nll + label_smoothing / classes * smooth
    return losses, (w[safe] * valid).sum()


CE_CASES = [
    ("indices", {}),
    ("indices", {"weight": True}),
    ("indices", {"label_smoothing": 0.2}),
    ("indices", {"weight": True, "label_smoothing": 0.1, "ignore_index": 1}),
    ("indices", {"ignore_index": 3}),
    ("one_hot", {}),
    ("probabilities", {}),
    ("probabilities", {"weight": True, "label_smoothing": 0.3}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind,options", CE_CASES, ids=[f"{k}-{sorted(o)}" for k, o in CE_CASES])
def test_cross_entropy_loss(kind, options, reduction):
    target = {"indices": INDICES, "one_hot": ONE_HOT, "probabilities": PROBABILITIES}[kind]
    weight = np.array([0.5, 2.0, 1.0, 1.5]) if options.get("weight") else None
    smoothing = options.get("label_smoothing", 0.0)
    ignore = options.get("ignore_index", -100)
    loss = nn.CrossEntropyLoss(weight, ignore, reduction, smoothing)
    value, grad = value_and_grad(lambda x: loss(x, target), LOGITS)
    losses, denominator = numpy_cross_entropy(LOGITS, target, weight, smoothing, ignore)
    expected = {"mean": losses.sum() / denominator, "sum": losses.sum(), "none": losses}
    np.testing.assert_allclose(value, expected[reduction], rtol=1e-10)
    assert tg.gradcheck(lambda x: loss(x, target), leaf(LOGITS))
    torch = pytest.importorskip("torch")
    theirs = torch.nn.CrossEntropyLoss(weight=None if weight is None else torch.tensor(weight),
                                       ignore_index=ignore, reduction=reduction,
                                       label_smoothing=smoothing)
    their = torch_value_and_grad(torch, theirs, LOGITS, torch.tensor(target))
    np.testing.assert_allclose(value, their[0], rtol=1e-10)
    np.testing.assert_allclose(grad, their[1], rtol=1e-10, atol=1e-15)


def test_cross_entropy_gradient_is_softmax_minus_target():
    _, grad = value_and_grad(lambda x: F.cross_entropy(x, INDICES, reduction="sum"), LOGITS)
    np.testing.assert_allclose(grad, np.exp(numpy_log_softmax(LOGITS)) - ONE_HOT, atol=1e-12)


def test_cross_entropy_other_input_shapes_match_torch():
    torch = pytest.importorskip("torch")
    images = RNG.normal(size=(2, 4, 3, 5))  # (N, C, d1, d2): a class score per pixel
    pixel_targets = RNG.integers(0, 4, size=(2, 3, 5))
    single, single_target = LOGITS[0], np.array(2)
    for logits, target in ((images, pixel_targets), (single, single_target)):
        for reduction in REDUCTIONS:
            ours = value_and_grad(lambda x: F.cross_entropy(x, target, reduction=reduction),
                                  logits)
            theirs = torch_value_and_grad(
                torch, lambda t: torch.nn.functional.cross_entropy(
                    t, torch.tensor(target), reduction=reduction), logits)
            np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
            np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"ignore_index": 0}])
def test_nll_loss(reduction, options):
    weight = np.array([1.0, 0.2, 3.0, 0.7]) if options.get("weight") else None
    ignore = options.get("ignore_index", -100)
    log_p = numpy_log_softmax(LOGITS)
    value, grad = value_and_grad(lambda x: nn.NLLLoss(weight, ignore, reduction)(x, INDICES),
                                 log_p)
    losses, denominator = numpy_cross_entropy(LOGITS, INDICES, weight, 0.0, ignore)
    expected = {"mean": losses.sum() / denominator, "sum": losses.sum(), "none": losses}
    np.testing.assert_allclose(value, expected[reduction], rtol=1e-10)
    assert tg.gradcheck(lambda x: F.nll_loss(x, INDICES, weight, ignore, reduction), leaf(log_p))
    torch = pytest.importorskip("torch")
    theirs = torch.nn.NLLLoss(weight=None if weight is None else torch.tensor(weight),
                              ignore_index=ignore, reduction=reduction)
    their = torch_value_and_grad(torch, theirs, log_p, torch.tensor(INDICES))
    np.testing.assert_allclose(value, their[0], rtol=1e-10)
    np.testing.assert_allclose(grad, their[1], rtol=1e-10)


def test_log_softmax_then_nll_is_cross_entropy():
    z = tg.Tensor(LOGITS)
    assert F.nll_loss(nn.LogSoftmax(dim=1)(z), INDICES).item() == pytest.approx(
        nn.CrossEntropyLoss()(z, INDICES).item(), rel=1e-12)


def test_all_targets_ignored_gives_nan_like_torch():
    with pytest.warns(tg.NonFiniteWarning, match="CrossEntropyLoss: the loss is NaN"):
        value = F.cross_entropy(tg.Tensor(LOGITS), np.full(6, -100))
    assert math.isnan(value.item())


# ---------------------------------------------------------------------------------------------
# Stability
# ---------------------------------------------------------------------------------------------

def _finite_value_and_grad(function, x, dtype):
    t = tg.Tensor(np.array(x, dtype=dtype), requires_grad=True)
    # underflow (e^−2000 → 0) is harmless and numpy ignores it by default; the rest must not occur
    with warnings.catch_warnings(), np.errstate(divide="raise", over="raise", invalid="raise"):
        warnings.simplefilter("error")
        out = function(t)
        out.backward()
    assert np.isfinite(out.numpy()).all(), out
    assert np.isfinite(t.grad.numpy()).all(), t.grad
    return out.item(), t.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logit_losses_are_stable_at_plus_minus_1000(dtype):
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    value, grad = _finite_value_and_grad(lambda x: nn.CrossEntropyLoss()(x, [1, 1]), logits,
                                         dtype)
    assert value == pytest.approx(1000.0, rel=1e-3)  # example 0 is wrong by 2000 in logit
    np.testing.assert_allclose(grad[0], [0.5, -0.5, 0.0], atol=1e-6)
    targets = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    value, grad = _finite_value_and_grad(lambda x: nn.BCEWithLogitsLoss()(x, targets), logits,
                                         dtype)
    # |σ(x) − y| is 1 for the two confidently wrong entries, ~0 elsewhere (÷ 6 for the mean)
    np.testing.assert_allclose(grad, (1 / (1 + np.exp(-np.clip(logits, -50, 50))) - targets) / 6,
                               atol=1e-7)
    assert value == pytest.approx((1000 + 1000 + math.log(2) + 999) / 6, rel=1e-5)
    _finite_value_and_grad(lambda x: F.cross_entropy(x, [1, 1], label_smoothing=0.1), logits,
                           dtype)
    _finite_value_and_grad(lambda x: F.log_likelihood_cost(x, [1, 1], from_logits=True), logits,
                           dtype)


def numpy_bce(a, y):
    """PyTorch's BCELoss formula (sum), logs clamped at −100, in float64."""
    a = a.astype(np.float64)
    with np.errstate(divide="ignore"):
        return -(y * np.maximum(np.log(a), -100) + (1 - y) * np.maximum(np.log(1 - a), -100)).sum()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probability_losses_are_stable_when_saturated(dtype):
    # probabilities of exactly 0 and 1, confidently wrong: ln 0 is clamped at −100 (PyTorch)
    a = np.array([[1.0, 0.0], [0.0, 0.5]])
    y = np.array([[0.0, 1.0], [0.0, 1.0]])
    value, grad = _finite_value_and_grad(lambda x: F.binary_cross_entropy(x, y, reduction="sum"),
                                         a, dtype)
    assert value == pytest.approx(200 + math.log(2), rel=1e-6)
    # where the clamp is active the clamped log is flat (gradient 0; PyTorch instead returns
    # its own ±1e12); elsewhere the exact ∂/∂a: +1/(1 − a) for y = 0, −1/a for y = 1
    np.testing.assert_allclose(grad, [[0.0, 0.0], [1.0, -2.0]], rtol=1e-6)
    value, _ = _finite_value_and_grad(lambda x: F.cross_entropy_cost(x, y), a, dtype)
    assert value == pytest.approx((200 + math.log(2)) / 2, rel=1e-6)
    _finite_value_and_grad(lambda x: F.log_likelihood_cost(x, [1, 0]), a, dtype)
    # through a saturated sigmoid (σ(±1000) is 0 or 1, or a denormal, in float32) in the graph,
    # the costs are computed from the logits (issue 10): exact, not clamped at 100 per element
    z = np.array([[1000.0, -1000.0], [-1000.0, 0.0]])
    for loss, exact in ((lambda x: F.binary_cross_entropy(x.sigmoid(), y, reduction="sum"),
                         2000 + math.log(2)),   # 1000 + 1000 + ln 2
                        (lambda x: F.cross_entropy_cost(x.sigmoid(), y) * 2, 2000 + math.log(2)),
                        (lambda x: F.log_likelihood_cost(x.softmax(-1), [1, 0]) * 2,
                         3000.0)):               # −ln softmax: 2000 and 1000
        value, _ = _finite_value_and_grad(loss, z, dtype)
        assert value == pytest.approx(exact, rel=1e-6)
    # the same probabilities given as values (no Sigmoid node to read z from) are clamped
    sigmoid = tg.Tensor(z.astype(dtype)).sigmoid().numpy()
    assert _finite_value_and_grad(lambda x: F.binary_cross_entropy(x, y, reduction="sum"),
                                  sigmoid.astype(np.float64), dtype)[0] \
        == pytest.approx(numpy_bce(sigmoid, y), rel=1e-6)
    torch = pytest.importorskip("torch")
    reference = torch.nn.functional.binary_cross_entropy(
        torch.tensor(a, dtype=torch.float64), torch.tensor(y), reduction="sum").item()
    assert F.binary_cross_entropy(tg.Tensor(a), y, reduction="sum").item() == \
        pytest.approx(reference)


def test_saturated_costs_pass_anomaly_detection():
    # no op may even produce an inf or NaN on the way (detect_anomaly checks every node)
    z = tg.tensor([[1000.0, -1000.0], [-1000.0, 0.0]], requires_grad=True)
    y = [[0.0, 1.0], [0.0, 1.0]]
    with tg.detect_anomaly():
        for loss in (F.cross_entropy_cost(z.sigmoid(), y), F.binary_cross_entropy(z.sigmoid(), y),
                     F.binary_cross_entropy_with_logits(z, y), F.cross_entropy(z, [0, 1]),
                     F.log_likelihood_cost(z.softmax(-1), [1, 0])):
            loss.backward()
    assert np.isfinite(z.grad.numpy()).all()


def test_clamped_log_gradient_where_the_log_is_not_clamped():
    # a tiny but representable probability keeps its exact gradient −y/a
    a = tg.tensor([[1e-30, 1 - 1e-7]], dtype=tg.float64, requires_grad=True)
    F.cross_entropy_cost(a, [[1.0, 1.0]]).backward()
    np.testing.assert_allclose(a.grad.numpy(), [[-1e30, -1 / (1 - 1e-7)]], rtol=1e-9)
    zero = tg.tensor([[0.0, 1.0]], dtype=tg.float64, requires_grad=True)
    cost = F.cross_entropy_cost(zero, [[1.0, 1.0]])
    cost.backward()
    assert cost.item() == pytest.approx(100.0)
    np.testing.assert_array_equal(zero.grad.numpy(), [[0.0, -1.0]])


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_loss_errors_name_the_loss_the_shapes_and_the_fix():
    x = tg.randn(4, 3)
    with pytest.raises(ValueError, match=r"mse_loss \(MSELoss\): input of shape \(4, 3\) and "
                                         r"target of shape \(4,\) differ.*one_hot"):
        nn.MSELoss()(x, tg.tensor([0, 1, 2, 0]))
    with pytest.raises(ValueError, match=r"BCEWithLogitsLoss.*\(4, 1\).*\(4,\).*reshape"):
        nn.BCEWithLogitsLoss()(tg.randn(4, 1), tg.tensor([0.0, 1.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.*class index 3 \(at position "
                                         r"\(2,\)\) is out of range for 3 classes"):
        nn.CrossEntropyLoss()(x, tg.tensor([0, 1, 3, 0]))
    with pytest.raises(ValueError, match="class index -1"):
        nn.NLLLoss()(x, tg.tensor([0, -1, 2, 0]))
    with pytest.raises(TypeError, match=r"class indices must be integers.*target.long\(\)"):
        nn.CrossEntropyLoss()(x, tg.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(ValueError, match=r"needs class indices of shape \(4,\), got \(4, 1\)"):
        nn.CrossEntropyLoss()(x, tg.tensor([[0], [1], [2], [0]]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(x, [0, 1, 2, 0], reduction="avg")
    with pytest.raises(ValueError, match=r"BCELoss.*probability in \[0, 1\]"):
        nn.BCELoss()(x, tg.zeros(4, 3))
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(3,\)"):
        F.cross_entropy(x, [0, 1, 2, 0], weight=[1.0, 2.0])
    with pytest.raises(TypeError, match="float tensor"):
        F.mse_loss(tg.tensor([1, 2]), tg.tensor([1, 2]))


def test_one_hot():
    out = F.one_hot(tg.tensor([2, 0, 1]), 4)
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.int64)[[2, 0, 1]])
    assert out.dtype == np.int64
    assert F.one_hot(np.array([[1], [3]])).shape == (2, 1, 4)
    assert F.one_hot([1, 0], 2, dtype=tg.float32).dtype == np.float32
    with pytest.raises(ValueError, match="out of range"):
        F.one_hot([5], 3)


# ---------------------------------------------------------------------------------------------
# L2 regularization
# ---------------------------------------------------------------------------------------------

def test_l2_penalty_covers_weights_only():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sigmoid(), nn.Conv2d(1, 1, 1),
                        nn.Linear(4, 2))
    lam, n = 5.0, 50000
    penalty = nn.l2_penalty(net, lam, n)
    weights = [net[0].weight, net[3].weight, net[4].weight]
    expected = lam / (2 * n) * sum((w.numpy().astype(np.float64) ** 2).sum() for w in weights)
    assert penalty.item() == pytest.approx(expected, rel=1e-6)
    penalty.backward()
    for w in weights:  # ∂/∂w = (λ/n)·w
        np.testing.assert_allclose(w.grad.numpy(), lam / n * w.numpy(), rtol=1e-6)
    for name, p in net.named_parameters():
        if name.endswith("bias") or name.startswith("1."):
            assert p.grad is None, name
    assert F.l2_penalty(net, 0.0, n).item() == 0.0


def test_l2_penalty_makes_gradient_descent_decay_weights():
    layer = nn.Linear(2, 1, bias=False)
    w0 = layer.weight.numpy().copy()
    lr, lam, n = 0.5, 0.1, 10
    nn.l2_penalty(layer, lam, n).backward()  # C₀ = 0: only the decay acts
    with tg.no_grad():
        layer.weight -= lr * layer.weight.grad
    np.testing.assert_allclose(layer.weight.numpy(), (1 - lr * lam / n) * w0, rtol=1e-6)


def test_l2_penalty_errors():
    with pytest.raises(TypeError, match="expected an nn.Module"):
        nn.l2_penalty([tg.zeros(2)], 0.1, 10)
    with pytest.raises(ValueError, match="non-negative"):
        nn.l2_penalty(nn.Linear(2, 2), -1.0, 10)
    with pytest.raises(ValueError, match="training-set size"):
        nn.l2_penalty(nn.Linear(2, 2), 1.0, 0)


def test_loss_modules_repr_and_state():
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.1)) == \
        "CrossEntropyLoss(reduction='sum', label_smoothing=0.1)"
    assert list(nn.CrossEntropyLoss(weight=[1.0, 2.0]).state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
