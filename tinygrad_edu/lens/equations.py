"""The four equations of backpropagation (BP1-BP4) in closed form for layered networks, checked against autograd.

For a network of Linear layers with elementwise activations (a Sequential such as
`Linear(784, 30), Sigmoid(), Linear(30, 10), Sigmoid()`), the lecture computes the gradient
without any graph, layer by layer, from the weighted inputs zˡ = wˡaˡ⁻¹ + bˡ and the
activations aˡ = σ(zˡ):

    BP1   δᴸ = ∇ₐC ⊙ σ′(zᴸ)                      the error of the output layer L
    BP2   δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)           the error of a hidden layer, from the next one
    BP3   ∂C/∂bˡⱼ = δˡⱼ                           bias gradient
    BP4   ∂C/∂wˡⱼₖ = aˡ⁻¹ₖ δˡⱼ                    weight gradient

Layers are numbered as in the lecture (and Nielsen's book): layer 1 is the input, so the
first Linear module holds w², b² and the last one wᴸ, bᴸ.

Mini-batches and the 1/n (how this module handles them): the cost of a batch of n examples
is the average C = (1/n) Σₓ Cₓ. The δ's above are per example, δˡₓ = ∂Cₓ/∂zˡₓ, one row per
example (whole batch at once: rows of an (n, size) array, so (wˡ⁺¹)ᵀδˡ⁺¹ is `δ @ w`). The
1/n appears only in BP3 and BP4, which average over the batch:
    ∂C/∂bˡ = (1/n) Σₓ δˡₓ,      ∂C/∂wˡ = (1/n) Σₓ δˡₓ (aˡ⁻¹ₓ)ᵀ = (1/n) δˡᵀ aˡ⁻¹.
Autograd differentiates the averaged C, so its ∂C/∂zˡ row for example x equals δˡₓ / n; the
comparison multiplies it by n.

Costs, with the lecture's normalizations (y: the desired outputs, one row per example):
    "quadratic"       C = 1/(2n) Σₓ ‖y − a‖²                      ∇ₐCₓ = a − y
    "cross_entropy"   C = −1/n Σₓ Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)]   ∇ₐCₓ = (a − y) / (a(1 − a))
With a sigmoid output layer and the cross-entropy, σ′(zᴸ) = a(1 − a) cancels: δᴸ = a − y,
so a saturated output neuron still learns fast (no learning slowdown).

    report = tg.equations.compare(model, x, y, "cross_entropy")
    print(report)              # one row per equation and layer, worst absolute/relative error
    assert report.ok

compare() returns an EquationReport (equation_report.py: the rows, the verdict, the table).
"""

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from ..core import Tensor, enable_grad, grad, no_grad
from .equation_report import EquationReport, EquationRow, _row

__all__ = [
    "Activation", "ACTIVATIONS", "Cost", "COSTS", "backprop", "closed_form", "compare",
    "BackpropTerms", "EquationReport", "EquationRow",
]


# ---------------------------------------------------------------------------------------------
# σ and σ′ of every supported activation module, and the two costs
# ---------------------------------------------------------------------------------------------

class Activation(NamedTuple):
    """σ and σ′ of an activation, as numpy functions `f(z, module)` (module: its settings)."""

    function: Callable
    derivative: Callable


def _sigmoid(z, module=None):
    # The two branches never overflow: e^(−|z|) ≤ 1.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_prime(z, module=None):
    s = _sigmoid(z)
    return s * (1 - s)


def _tanh(z, module=None):
    return np.tanh(z)


def _tanh_prime(z, module=None):
    return 1 - np.tanh(z) ** 2


def _relu(z, module=None):
    return np.maximum(z, 0)


def _relu_prime(z, module=None):
    return (z > 0).astype(z.dtype)  # 0 at z = 0, as the Relu rule


def _identity(z, module=None):
    return z


def _identity_prime(z, module=None):
    return np.ones_like(z)


def _slope(module):
    return getattr(module, "negative_slope", 0.01)


def _leaky_relu(z, module=None):
    return np.where(z > 0, z, _slope(module) * z)


def _leaky_relu_prime(z, module=None):
    return np.where(z > 0, 1.0, _slope(module)).astype(z.dtype)


def _gaussian(z, module=None):
    return np.exp(-z * z)


def _gaussian_prime(z, module=None):
    return -2 * z * np.exp(-z * z)


def _saturated_linear(z, module=None):
    return np.clip(z, 0, 1)


def _saturated_linear_prime(z, module=None):
    return ((z >= 0) & (z <= 1)).astype(z.dtype)  # 1 at the kinks, as the Clamp rule


ACTIVATIONS = {
    "Sigmoid": Activation(_sigmoid, _sigmoid_prime),                    # σ′ = σ(1 − σ)
    "Tanh": Activation(_tanh, _tanh_prime),                             # 1 − tanh²
    "ReLU": Activation(_relu, _relu_prime),                             # 1 for z > 0, else 0
    "Identity": Activation(_identity, _identity_prime),                 # 1
    "LeakyReLU": Activation(_leaky_relu, _leaky_relu_prime),            # 1 or negative_slope
    "Gaussian": Activation(_gaussian, _gaussian_prime),                 # −2z e^(−z²)
    "SaturatedLinear": Activation(_saturated_linear, _saturated_linear_prime),  # 1 on [0, 1]
}
"""Activation module class name -> Activation(σ, σ′) used by the closed-form equations.

Keyed by class name (a subclass finds its base's entry), so a lesson or a test can plant a
wrong derivative without importing nn, e.g.
`monkeypatch.setitem(ACTIVATIONS, "Sigmoid", Activation(_sigmoid, _sigmoid))`, and watch
compare() name BP1/BP2 and the layer. A Linear followed directly by another Linear (no
activation module between) uses "Identity".
"""


class Cost(NamedTuple):
    """A cost: its value C for a batch (numpy), ∇ₐCₓ per example, and C on Tensors (autograd)."""

    value: Callable
    gradient: Callable
    tensor: Callable


def _quadratic_value(a, y):
    return float(((a - y) ** 2).sum() / (2 * len(a)))


def _quadratic_gradient(a, y):
    return a - y


def _quadratic_tensor(a, y):
    difference = a - y
    return (difference * difference).sum() * (1.0 / (2 * a.shape[0]))


def _cross_entropy_value(a, y):
    return float(-(y * np.log(a) + (1 - y) * np.log(1 - a)).sum() / len(a))


def _cross_entropy_gradient(a, y):
    return (a - y) / (a * (1 - a))


def _cross_entropy_tensor(a, y):
    return -(y * a.log() + (1 - y) * (1 - a).log()).sum() * (1.0 / a.shape[0])


COSTS = {
    "quadratic": Cost(_quadratic_value, _quadratic_gradient, _quadratic_tensor),
    "cross_entropy": Cost(_cross_entropy_value, _cross_entropy_gradient, _cross_entropy_tensor),
}
"""The lecture's two costs by name: C = 1/(2n) Σ‖y − a‖² and C = −1/n ΣΣ[y ln a + (1−y) ln(1−a)]."""


# ---------------------------------------------------------------------------------------------
# Reading the model
# ---------------------------------------------------------------------------------------------

@dataclass
class _Layer:
    number: int            # the lecture's l (2 for the first Linear)
    linear: object
    index: int             # position of the Linear module in the model
    activation: object     # the activation module, or None (identity)
    activation_index: object

    @property
    def activation_name(self):
        return _activation_key(self.activation) if self.activation is not None else "Identity"

    def module_description(self):
        """Where the layer lives, e.g. "model[2] Linear(30→10) + Sigmoid"."""
        weight = self.linear.weight
        return (f"model[{self.index}] {type(self.linear).__name__}"
                f"({weight.shape[1]}→{weight.shape[0]}) + {self.activation_name}")

    def describe(self):
        return f"layer {self.number} ({self.module_description()})"


def _is_linear(module):
    return hasattr(module, "weight") and hasattr(module, "in_features") and \
        hasattr(module, "out_features")


def _activation_key(module):
    for cls in type(module).__mro__:
        if cls.__name__ in ACTIVATIONS:
            return cls.__name__
    return None


def _layers(model):
    try:
        modules = list(model)
    except TypeError:
        raise TypeError(f"equations: expected a Sequential of Linear and activation modules "
                        f"(something iterable), got {type(model).__name__}") from None
    layers = []
    for index, module in enumerate(modules):
        if _is_linear(module):
            if module.weight.ndim != 2:
                raise ValueError(f"equations: model[{index}] has a weight of shape "
                                 f"{module.weight.shape}; a Linear weight is (out, in)")
            layers.append(_Layer(len(layers) + 2, module, index, None, None))
        elif _activation_key(module) is not None:
            if not layers:
                raise ValueError(f"equations: model[{index}] ({type(module).__name__}) comes "
                                 f"before any Linear layer; the equations need Linear, "
                                 f"activation, Linear, activation, …")
            if layers[-1].activation is not None:
                raise ValueError(f"equations: model[{index}] ({type(module).__name__}) follows "
                                 f"another activation; put a Linear between activations")
            layers[-1].activation = module
            layers[-1].activation_index = index
        else:
            raise ValueError(
                f"equations: model[{index}] is a {type(module).__name__}, which BP1-BP4 do not "
                f"cover; the model must be Linear layers and elementwise activations "
                f"({', '.join(sorted(ACTIVATIONS))}); add an entry to equations.ACTIVATIONS "
                f"for a new elementwise activation")
    if not layers:
        raise ValueError("equations: the model has no Linear layer")
    return layers


def _as_array(value, name):
    if isinstance(value, Tensor):
        value = value.numpy()
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"equations: {name} must hold numbers, got dtype {array.dtype}")
    return array


def _inputs(model, x, y, cost):
    if cost not in COSTS:
        raise ValueError(f"equations: cost must be one of {sorted(COSTS)}, got {cost!r}")
    layers = _layers(model)
    x = _as_array(x, "x").astype(np.float64)
    if x.ndim == 1:
        x = x[None, :]
    first, last = layers[0].linear.weight, layers[-1].linear.weight
    if x.ndim != 2 or x.shape[1] != first.shape[1]:
        raise ValueError(f"equations: x must be (n, {first.shape[1]}) (one example per row) for "
                         f"the first layer, got shape {x.shape}")
    y = _as_array(y, "y")
    outputs = last.shape[0]
    if y.dtype.kind in "iu" and y.ndim == 1 and y.shape[0] == x.shape[0] and outputs > 1:
        # class labels: the lecture's desired output is their one-hot row y(x)
        if y.min() < 0 or y.max() >= outputs:
            raise ValueError(f"equations: labels must be in [0, {outputs - 1}], got "
                             f"{y.min()}..{y.max()}")
        y = np.eye(outputs)[y]
    y = y.astype(np.float64)
    if y.ndim == 1:
        y = y[None, :] if x.shape[0] == 1 else y[:, None]
    if y.shape != (x.shape[0], outputs):
        raise ValueError(f"equations: y must be ({x.shape[0]}, {outputs}) (desired outputs, one "
                         f"row per example) or ({x.shape[0]},) class labels, got {y.shape}")
    return layers, x, y


# ---------------------------------------------------------------------------------------------
# The closed form
# ---------------------------------------------------------------------------------------------

@dataclass
class BackpropTerms:
    """Every quantity of the closed-form backward pass, in float64, whole batch at once.

    Lists run over the Linear layers (lecture's l = 2 … L): `zs[i]` (n, size), `activations[i]`
    aˡ (n, size) with `inputs` a¹ = x, `deltas[i]` δˡ per example (n, size), `grads[i]`
    (∂C/∂wˡ, ∂C/∂bˡ).
    """

    inputs: np.ndarray
    zs: list
    activations: list
    deltas: list
    grads: list
    cost: float
    layers: list = field(repr=False, default_factory=list)


def _weights(layer):
    w = layer.linear.weight.numpy().astype(np.float64)
    bias = getattr(layer.linear, "bias", None)
    b = np.zeros(w.shape[0]) if bias is None else bias.numpy().astype(np.float64)
    return w, b


def _sigma(layer):
    return ACTIVATIONS[layer.activation_name]


def _forward(layers, x):
    zs, activations, a = [], [], x
    for layer in layers:
        w, b = _weights(layer)
        z = a @ w.T + b
        a = _sigma(layer).function(z, layer.activation)
        zs.append(z)
        activations.append(a)
    return zs, activations


def _check_cost_domain(cost, a, layers):
    if cost == "cross_entropy" and not ((a > 0) & (a < 1)).all():
        raise ValueError(
            f"equations: the cross-entropy needs outputs strictly inside (0, 1), but the output "
            f"layer ({layers[-1].activation_name}) gives values in [{a.min():.3g}, {a.max():.3g}]; "
            f"use a Sigmoid output layer (or the quadratic cost)")


def closed_form(model, x, y, cost="quadratic"):
    """BP1-BP4 on a whole mini-batch with vectorized numpy (float64), no autograd at all.

    Args:
        model: a Sequential of nn.Linear and elementwise activation modules.
        x: inputs (n, in) (Tensor or array); a single example (in,) is a batch of one.
        y: desired outputs (n, out), or int class labels (n,) (turned into one-hot rows).
        cost: "quadratic" or "cross_entropy".

    Returns:
        BackpropTerms with every zˡ, aˡ, δˡ and gradient.

    Raises:
        ValueError: an unsupported module, bad shapes, an unknown cost, or cross-entropy with
            outputs outside (0, 1).
    """
    layers, x, y = _inputs(model, x, y, cost)
    zs, activations = _forward(layers, x)
    _check_cost_domain(cost, activations[-1], layers)
    n = x.shape[0]
    deltas = [None] * len(layers)
    last = layers[-1]
    # BP1: the output error.
    sigma_prime = _sigma(last).derivative(zs[-1], last.activation)
    deltas[-1] = COSTS[cost].gradient(activations[-1], y) * sigma_prime
    # BP2: each hidden layer's error from the next layer's, (wˡ⁺¹)ᵀδˡ⁺¹ as rows: δ @ w.
    for i in range(len(layers) - 2, -1, -1):
        w_next, _ = _weights(layers[i + 1])
        deltas[i] = (deltas[i + 1] @ w_next) * _sigma(layers[i]).derivative(
            zs[i], layers[i].activation)
    grads = []
    for i in range(len(layers)):
        previous = x if i == 0 else activations[i - 1]
        grad_b = deltas[i].sum(axis=0) / n             # BP3, averaged over the batch
        grad_w = deltas[i].T @ previous / n            # BP4, averaged over the batch
        grads.append((grad_w, grad_b))
    return BackpropTerms(x, zs, activations, deltas, grads,
                         COSTS[cost].value(activations[-1], y), layers)


def backprop(model, x, y, cost="quadratic"):
    """The gradient of the cost by BP1-BP4: [(∂C/∂wˡ, ∂C/∂bˡ) for each Linear layer].

    Args:
        model: a Sequential of nn.Linear and elementwise activation modules (Sigmoid, Tanh,
            ReLU, Identity, LeakyReLU, Gaussian, SaturatedLinear).
        x: inputs (n, in); y: desired outputs (n, out) or class labels (n,).
        cost: "quadratic" (C = 1/(2n) Σ‖y − a‖²) or "cross_entropy".

    Returns:
        A list of (grad_w, grad_b) numpy float64 arrays, shapes (out, in) and (out,), first
        layer first: what autograd puts in `.weight.grad` and `.bias.grad`.

    Example:
        >>> grads = tg.equations.backprop(model, x, y, "quadratic")
        >>> grads[0][0].shape == model[0].weight.shape
        True
    """
    return closed_form(model, x, y, cost).grads


# ---------------------------------------------------------------------------------------------
# The comparison with autograd
# ---------------------------------------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _autograd_terms(model, layers, x, y, cost):
    """Autograd's ∂C/∂zˡ (times n: per-example δ), ∂C/∂wˡ and ∂C/∂bˡ, through the modules."""
    dtype = layers[0].linear.weight.dtype
    xt = Tensor(x.astype(dtype))
    yt = Tensor(y.astype(dtype))
    with no_grad():
        model(xt)  # the model's own call labels its parameters ("0.weight"), as in training
    zs, h = [], xt
    modules = list(model)
    with enable_grad():
        for index, module in enumerate(modules):
            h = module(h)
            if _is_linear(module):
                zs.append(h)
        c = COSTS[cost].tensor(h, yt)
    weights = [layer.linear.weight for layer in layers]
    biases = [layer.linear.bias for layer in layers
              if getattr(layer.linear, "bias", None) is not None]
    results = grad(c, zs + weights + biases, allow_unused=True)
    n = x.shape[0]
    count = len(layers)
    deltas = [None if g is None else g.numpy().astype(np.float64) * n for g in results[:count]]
    grad_ws = [None if g is None else g.numpy().astype(np.float64)
               for g in results[count:2 * count]]
    grad_bs, bias_results = [], iter(results[2 * count:])
    for layer in layers:
        if getattr(layer.linear, "bias", None) is None:
            grad_bs.append(None)
        else:
            g = next(bias_results)
            grad_bs.append(None if g is None else g.numpy().astype(np.float64))
    # The tolerance follows the least precise parameter (a float32 bias beside float64 weights).
    dtypes = [p.dtype for p in weights + biases if p.dtype.kind == "f"]
    return deltas, grad_ws, grad_bs, min(dtypes, key=lambda d: d.itemsize, default=dtype)


def compare(model, x, y, cost="quadratic", rtol=None, atol=None):
    """Check BP1-BP4 against autograd on one mini-batch, equation by equation, layer by layer.

    Each row compares one closed-form quantity with autograd's: δᴸ (BP1), the hidden δˡ (BP2),
    ∂C/∂bˡ (BP3), ∂C/∂wˡ (BP4). Two errors per row: along the closed-form chain (as
    backprop would compute it) and "alone", with the equation fed autograd's own δ: a wrong
    equation fails alone, while the rows below it only inherit its error. Autograd runs in
    the model's dtype (δ's are autograd's ∂C/∂zˡ times n, see the module docstring); the
    closed form in float64.

    Args:
        model: a Sequential of nn.Linear and elementwise activation modules.
        x: inputs (n, in); y: desired outputs (n, out) or class labels (n,).
        cost: "quadratic" or "cross_entropy".
        rtol, atol: a row passes when max abs error ≤ atol + rtol · max|autograd|; defaults
            fit the model's dtype (1e-4 and 1e-8 for float32, 1e-9 and 1e-14 for float64).

    Returns:
        An EquationReport: `.ok`, `.max_abs_error`, `.rows`, `.failures`, and a readable str
        whose verdict names each wrong equation and its layer.

    Example:
        >>> report = tg.equations.compare(model, x, y, "cross_entropy")
        >>> report.ok, report.max_abs_error < 1e-5
        (True, True)
    """
    terms = closed_form(model, x, y, cost)
    layers, x64 = terms.layers, terms.inputs
    y64 = _inputs(model, x, y, cost)[2]
    ag_deltas, ag_ws, ag_bs, dtype = _autograd_terms(model, layers, x64, y64, cost)
    if rtol is None:
        rtol = 1e-4 if dtype == np.float32 else 1e-9
    if atol is None:
        atol = 1e-8 if dtype == np.float32 else 1e-14
    rows = []
    for i in range(len(layers) - 1, -1, -1):
        rows += _layer_rows(terms, i, y64, cost, (ag_deltas, ag_ws, ag_bs), rtol, atol)
    return EquationReport(rows, cost, x64.shape[0], np.dtype(dtype).name, rtol, atol)


def _layer_rows(terms, i, y, cost, autograd, rtol, atol):
    """The rows of the i-th Linear layer: its δ-equation (BP1 at the output, BP2 below), BP3
    (when the layer has a bias) and BP4, each along the closed-form chain and alone."""
    ag_deltas, ag_ws, ag_bs = autograd
    layers, x = terms.layers, terms.inputs
    layer = layers[i]
    l = layer.number
    sup = str(l).translate(_SUPERSCRIPTS)
    description = layer.module_description()
    sigma_prime = _sigma(layer).derivative(terms.zs[i], layer.activation)
    # The δ-equation, alone: BP1 needs no other δ; BP2 takes autograd's δˡ⁺¹.
    if i == len(layers) - 1:
        equation = "BP1"
        alone = COSTS[cost].gradient(terms.activations[-1], y) * sigma_prime
    else:
        equation = "BP2"
        w_next, _ = _weights(layers[i + 1])
        alone = (ag_deltas[i + 1] @ w_next) * sigma_prime
    rows = [_row(equation, l, description, f"δ{sup}", terms.deltas[i], alone, ag_deltas[i],
                 rtol, atol)]
    n = x.shape[0]
    previous = x if i == 0 else terms.activations[i - 1]
    reference_delta = ag_deltas[i]
    if reference_delta is None:  # autograd found no path to zˡ: its gradient is zero
        reference_delta = np.zeros_like(terms.deltas[i])
    if ag_bs[i] is not None:
        rows.append(_row("BP3", l, description, f"∂C/∂b{sup}", terms.grads[i][1],
                         reference_delta.sum(axis=0) / n, ag_bs[i], rtol, atol))
    rows.append(_row("BP4", l, description, f"∂C/∂w{sup}", terms.grads[i][0],
                     reference_delta.T @ previous / n, ag_ws[i], rtol, atol))
    return rows
