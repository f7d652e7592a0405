"""Tests for tinygrad_edu.equations: BP1-BP4 in closed form against autograd on random networks, the lecture's observations about δᴸ, and a planted wrong σ′ caught and named."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import equations, nn
from tinygrad_edu.lens.equations import ACTIVATIONS, Activation, backprop, closed_form, compare

ACTIVATION_MODULES = {
    "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh, "ReLU": nn.ReLU, "Identity": nn.Identity,
    "LeakyReLU": lambda: nn.LeakyReLU(0.2), "Gaussian": nn.Gaussian,
    "SaturatedLinear": nn.SaturatedLinear,
}


def network(sizes, hidden, output="Sigmoid", dtype=tg.float32, seed=0):
    """Linear layers of `sizes` with `hidden` activations between and `output` at the end."""
    tg.manual_seed(seed)
    modules = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        modules.append(nn.Linear(fan_in, fan_out, dtype=dtype))
        last = i == len(sizes) - 2
        name = output if last else hidden[i % len(hidden)]
        if name is not None:
            modules.append(ACTIVATION_MODULES[name]())
    return nn.Sequential(*modules)


def batch(model, n=6, seed=0, labels=False):
    generator = np.random.default_rng(seed)
    first = next(iter(model)).weight.shape[1]
    last = [m for m in model if hasattr(m, "weight")][-1].weight.shape[0]
    x = generator.standard_normal((n, first)).astype(np.float32)
    if labels:
        return x, generator.integers(0, last, n)
    return x, generator.uniform(0.05, 0.95, (n, last)).astype(np.float32)


def autograd_grads(model, x, y, cost):
    """(.grad of every weight and bias) by loss.backward() with the nn costs."""
    a = model(tg.tensor(x))
    target = tg.tensor(y)
    loss = (nn.QuadraticCost() if cost == "quadratic" else nn.CrossEntropyCost())(a, target)
    model.zero_grad()
    loss.backward()
    layers = [m for m in model if hasattr(m, "weight")]
    return [(m.weight.grad.numpy(), m.bias.grad.numpy()) for m in layers]


# ---------------------------------------------------------------------------------------------
# BP1-BP4 agree with autograd
# ---------------------------------------------------------------------------------------------

CONFIGS = [
    ([3, 2], ["Sigmoid"], "Sigmoid"),                                    # one layer: BP1 only
    ([4, 5, 3], ["Tanh"], "Sigmoid"),
    ([5, 4, 4, 3], ["ReLU", "LeakyReLU"], "Sigmoid"),
    ([4, 6, 5, 4, 3, 2], ["Sigmoid", "Gaussian", "Tanh", "SaturatedLinear"], "Sigmoid"),
    ([3, 4, 2], ["Identity"], "Sigmoid"),
    ([3, 4, 2], [None], "Sigmoid"),                                      # Linear, Linear: identity
]


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
@pytest.mark.parametrize("sizes,hidden,output", CONFIGS,
                         ids=["-".join(map(str, c[0])) + "-" + "-".join(map(str, c[1]))
                              for c in CONFIGS])
def test_equations_agree_with_autograd(sizes, hidden, output, cost):
    model = network(sizes, hidden, output)
    x, y = batch(model, n=7)
    report = compare(model, x, y, cost)
    assert report.ok, str(report)
    assert report.max_abs_error < 1e-5
    layers = len(sizes) - 1
    assert len(report.rows) == 3 * layers
    assert [r.equation for r in report.rows[::3]] == ["BP1"] + ["BP2"] * (layers - 1)
    assert [r.layer for r in report.rows[::3]] == list(range(layers + 1, 1, -1))
    # backprop() gives what loss.backward() leaves in .grad
    for (gw, gb), (aw, ab) in zip(backprop(model, x, y, cost), autograd_grads(model, x, y, cost)):
        np.testing.assert_allclose(gw, aw, rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(gb, ab, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("output", ["Sigmoid", "Tanh", "ReLU", "Identity", "Gaussian"])
def test_quadratic_cost_with_any_output_activation_float64(output):
    model = network([4, 5, 3], ["Tanh"], output, dtype=tg.float64, seed=3)
    x, y = batch(model, n=5, seed=3)
    report = compare(model, x, y, "quadratic")
    assert report.ok and report.dtype == "float64" and report.rtol == 1e-9
    assert report.max_abs_error < 1e-12


def test_labels_are_one_hot_desired_outputs():
    model = network([4, 3, 3], ["Sigmoid"], "Sigmoid")
    x, labels = batch(model, labels=True)
    one_hot = np.eye(3)[labels]
    for (gw, gb), (hw, hb) in zip(backprop(model, x, labels, "cross_entropy"),
                                  backprop(model, x, one_hot, "cross_entropy")):
        np.testing.assert_array_equal(gw, hw)
        np.testing.assert_array_equal(gb, hb)
    assert compare(model, tg.tensor(x), tg.tensor(labels), "cross_entropy").ok


def test_layer_without_bias_has_no_bp3_row():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid())
    x, y = batch(model)
    report = compare(model, x, y, "quadratic")
    assert report.ok
    assert [(r.equation, r.layer) for r in report.rows] == \
        [("BP1", 3), ("BP3", 3), ("BP4", 3), ("BP2", 2), ("BP4", 2)]
    assert backprop(model, x, y, "quadratic")[0][1].shape == (4,)


def test_compare_leaves_dot_grad_alone():
    model = network([3, 4, 2], ["Sigmoid"])
    x, y = batch(model)
    compare(model, x, y, "quadratic")
    assert all(p.grad is None for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# The lecture's observations
# ---------------------------------------------------------------------------------------------

def autograd_output_error(model, x, y, cost):
    """n · ∂C/∂zᴸ from autograd: the per-example δᴸ."""
    h = tg.tensor(x)
    for module in model:
        h = module(h)
        if hasattr(module, "weight"):
            z = h
    z.retain_grad()
    cost_module = nn.QuadraticCost() if cost == "quadratic" else nn.CrossEntropyCost()
    cost_module(h, tg.tensor(y)).backward()
    return z.grad.numpy() * len(x), z.numpy(), h.numpy()


def test_cross_entropy_with_sigmoid_output_has_no_sigma_prime_factor():
    model = network([4, 5, 3], ["Tanh"], "Sigmoid", dtype=tg.float64, seed=1)
    with tg.no_grad():
        model[2].weight.numpy()[...] *= 12    # large output weights: saturated output neurons
    x, _ = batch(model, seed=1)
    x = x.astype(np.float64) * 4            # saturated hidden neurons too
    with tg.no_grad():
        a = model(tg.tensor(x)).numpy()
    y = (a < 0.5).astype(np.float64)       # every output neuron is wrong
    delta, z, a = autograd_output_error(model, x, y, "cross_entropy")
    np.testing.assert_allclose(delta, a - y, rtol=1e-9, atol=1e-12)      # δᴸ = a − y
    sigma_prime = a * (1 - a)
    assert np.abs(delta - (a - y) * sigma_prime).max() > 0.3             # no σ′ factor
    terms = closed_form(model, x, y, "cross_entropy")
    np.testing.assert_allclose(terms.deltas[-1], a - y, rtol=1e-7, atol=1e-10)
    # saturated and wrong: with the quadratic cost the same neuron barely learns
    quadratic, _, _ = autograd_output_error(model, x, y, "quadratic")
    saturated = sigma_prime < 0.01
    assert saturated.sum() >= 3
    assert (np.abs(delta[saturated]) > 0.5).all()
    assert (np.abs(quadratic[saturated]) < 0.01).all()


def test_quadratic_cost_output_error_carries_sigma_prime():
    model = network([4, 5, 3], ["Tanh"], "Sigmoid", dtype=tg.float64, seed=2)
    x, y = batch(model, seed=2)
    y = y.astype(np.float64)
    delta, z, a = autograd_output_error(model, x, y, "quadratic")
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(delta, (a - y) * s * (1 - s), rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(closed_form(model, x, y, "quadratic").deltas[-1], delta,
                               rtol=1e-9, atol=1e-14)


def test_batch_mean_puts_one_over_n_in_bp3_bp4_only():
    model = network([3, 4, 2], ["Sigmoid"], dtype=tg.float64)
    x, y = batch(model, n=4)
    once = closed_form(model, x, y, "quadratic")
    twice = closed_form(model, np.concatenate([x, x]), np.concatenate([y, y]), "quadratic")
    np.testing.assert_allclose(twice.deltas[0][:4], once.deltas[0])       # δ per example
    for (w1, b1), (w2, b2) in zip(once.grads, twice.grads):               # gradients: averages
        np.testing.assert_allclose(w1, w2)
        np.testing.assert_allclose(b1, b2)
    single = closed_form(model, x[0], y[0], "quadratic")                  # one example = batch of 1
    np.testing.assert_allclose(single.grads[-1][1], once.deltas[-1][0])


# ---------------------------------------------------------------------------------------------
# A wrong σ′ is caught and named
# ---------------------------------------------------------------------------------------------

def test_planted_wrong_sigmoid_derivative_is_named(monkeypatch):
    model = network([4, 5, 4, 3], ["Sigmoid", "Tanh"], "Sigmoid")
    x, y = batch(model)
    assert compare(model, x, y, "quadratic").ok
    monkeypatch.setitem(ACTIVATIONS, "Sigmoid", Activation(equations._sigmoid,
                                                           equations._sigmoid))   # σ′ := σ
    report = compare(model, x, y, "quadratic")
    assert not report.ok
    # BP1 at the output (sigmoid) and BP2 at layer 2 (sigmoid); not layer 3 (tanh): its BP2
    # only inherits the error from above
    assert {(r.equation, r.layer) for r in report.failures} == {("BP1", 4), ("BP2", 2)}
    assert not report.row("BP2", 3).ok and report.row("BP2", 3).local_ok
    text = str(report)
    assert "BP1 at layer 4" in text and "BP2 at layer 2" in text and "BP2 at layer 3" not in text
    assert "σ′" in text and "ACTIVATIONS" in text
    assert report.max_abs_error > 1e-3


def test_planted_wrong_tanh_derivative_spares_bp1(monkeypatch):
    model = network([4, 5, 3], ["Tanh"], "Sigmoid")
    x, y = batch(model)
    monkeypatch.setitem(ACTIVATIONS, "Tanh", Activation(equations._tanh,
                                                        lambda z, m=None: 1 - np.tanh(z)))
    report = compare(model, x, y, "cross_entropy")
    assert [(r.equation, r.layer) for r in report.failures] == [("BP2", 2)]
    assert report.row("BP1", 3).ok and not report.row("BP4", 2).ok
    assert "BP2 at layer 2 (model[0] Linear(4→5) + Tanh)" in str(report)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

def test_errors_name_the_problem():
    tg.manual_seed(0)
    x = np.zeros((2, 3), dtype=np.float32)
    y = np.zeros((2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match=r"model\[1\] is a Dropout"):
        compare(nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.5)), x, y)
    with pytest.raises(ValueError, match="before any Linear"):
        compare(nn.Sequential(nn.Sigmoid(), nn.Linear(3, 2)), x, y)
    with pytest.raises(ValueError, match="follows another activation"):
        compare(nn.Sequential(nn.Linear(3, 2), nn.Sigmoid(), nn.Tanh()), x, y)
    model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
    with pytest.raises(ValueError, match="cost must be one of"):
        compare(model, x, y, "hinge")
    with pytest.raises(ValueError, match=r"x must be \(n, 3\)"):
        compare(model, np.zeros((2, 4)), y)
    with pytest.raises(ValueError, match=r"y must be \(2, 2\)"):
        compare(model, x, np.zeros((2, 3)))
    negative = nn.Sequential(nn.Linear(3, 2), nn.Identity())
    with tg.no_grad():
        negative[0].bias.numpy()[...] = -1.0
    with pytest.raises(ValueError, match=r"strictly inside \(0, 1\).*Identity"):
        compare(negative, x, y, "cross_entropy")
    with pytest.raises(TypeError, match="Sequential"):
        compare(nn.Linear(3, 2), x, y)


def test_report_text_is_a_table():
    model = network([3, 4, 2], ["Tanh"])
    x, y = batch(model)
    report = compare(model, x, y, "cross_entropy")
    lines = str(report).splitlines()
    assert "cost 'cross_entropy', batch n = 6" in lines[0]
    assert lines[1].split()[:4] == ["layer", "equation", "quantity", "shape"]
    assert lines[2].split()[:4] == ["3", "BP1", "δ³", "(6,"]
    assert lines[-1].startswith("BP1-BP4 agree with autograd")
    assert report.row("BP4", 2).quantity == "∂C/∂w²"
    with pytest.raises(KeyError):
        report.row("BP1", 2)
