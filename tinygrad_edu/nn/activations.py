"""Activation functions, as functions and as modules: the lecture's six (step, sigmoid, linear, saturated linear, tanh, Gaussian) plus ReLU, LeakyReLU, Softmax and LogSoftmax.

(softmax and log_softmax as functions live in nn/functional.py, as in torch.nn.functional;
their rules are the ops Softmax and LogSoftmax of the rulebook, core/ops.)

Each is composed from the rulebook's primitives (ops.py), so its derivative comes from their
rules; the docstrings state f and f′ so a test can compare them with finite differences.
"""

from ..core import Tensor, where
from .module import Module

__all__ = [
    "heaviside", "step", "sigmoid", "identity", "saturated_linear", "tanh", "gaussian", "relu",
    "leaky_relu", "LECTURE_ACTIVATIONS",
    "Step", "Sigmoid", "Identity", "SaturatedLinear", "Tanh", "Gaussian", "ReLU", "LeakyReLU",
    "Softmax", "LogSoftmax",
]


def _check(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got a {type(x).__name__}; wrap it first with "
                        f"tg.tensor(...)")


# ---------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------

def heaviside(x):
    """The perceptron's step: f(x) = 1 if x > 0 else 0.

    f′(x) = 0 for every x ≠ 0 (and undefined at 0), so no gradient could ever flow through it:
    the output is a constant that does not require grad. Backpropagation cannot train a
    network of step neurons; that is why the lecture moves on to the sigmoid (a smooth step).
    Use the perceptron learning rule (tinygrad_edu.perceptron) for them instead.

    Returns:
        A tensor of x's dtype holding 0s and 1s, with requires_grad=False.
    """
    _check(x, "heaviside")
    return Tensor((x.numpy() > 0).astype(x.dtype))


step = heaviside


def sigmoid(x):
    """The sigmoid σ(x) = 1 / (1 + e⁻ˣ), a smooth step from 0 to 1.

    σ′(x) = σ(x)(1 − σ(x)), largest (¼) at x = 0 and tiny for |x| ≫ 1 (saturation).
    """
    _check(x, "sigmoid")
    return x.sigmoid()


def identity(x):
    """The lecture's linear activation f(x) = x;   f′(x) = 1. Returns x itself."""
    return x


def saturated_linear(x):
    """The lecture's saturated linear activation: f(x) = 0 for x < 0, x for 0 ≤ x ≤ 1, 1 for x > 1.

    That is clamp(x, 0, 1) (MATLAB's `satlin`). f′(x) = 1 for 0 < x < 1 and 0 for x < 0 or
    x > 1; at the kinks x = 0 and x = 1 the rule uses 1 (as PyTorch's clamp does).
    """
    _check(x, "saturated_linear")
    return x.clamp(0.0, 1.0)


def tanh(x):
    """The hyperbolic tangent tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) = 2σ(2x) − 1, from −1 to 1.

    tanh′(x) = 1 − tanh²x.
    """
    _check(x, "tanh")
    return x.tanh()


def gaussian(x):
    """The Gaussian activation f(x) = e^(−x²), a bump of height 1 at 0.

    f′(x) = −2x · e^(−x²).
    """
    _check(x, "gaussian")
    return (-(x * x)).exp()


def relu(x):
    """The rectified linear unit f(x) = max(x, 0).

    f′(x) = 1 for x > 0, 0 for x < 0 (0 at x = 0, as in PyTorch).
    """
    _check(x, "relu")
    return x.relu()


def leaky_relu(x, negative_slope=0.01):
    """Leaky ReLU: f(x) = x for x > 0, negative_slope · x otherwise.

    f′(x) = 1 for x > 0, negative_slope for x ≤ 0 (as in PyTorch), so a neuron that is "off"
    still learns a little.
    """
    _check(x, "leaky_relu")
    return where(x.numpy() > 0, x, x * negative_slope)


# ---------------------------------------------------------------------------------------------
# Modules (each calls its function above)
# ---------------------------------------------------------------------------------------------

class Step(Module):
    """The perceptron's step f(x) = 1 if x > 0 else 0, as a layer (see `heaviside`).

    f′ = 0 almost everywhere, so its output does not require grad: gradients stop here.
    """

    def forward(self, x):
        return heaviside(x)


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e⁻ˣ);   σ′(x) = σ(x)(1 − σ(x))."""

    def forward(self, x):
        return x.sigmoid()


class Identity(Module):
    """f(x) = x, f′(x) = 1: the lecture's linear activation, or a placeholder layer.

    Accepts (and ignores) any constructor arguments, like PyTorch's nn.Identity.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class SaturatedLinear(Module):
    """f(x) = clamp(x, 0, 1): 0 below 0, x on [0, 1], 1 above;  f′ = 1 on (0, 1), else 0."""

    def forward(self, x):
        return saturated_linear(x)


class Tanh(Module):
    """tanh x;   tanh′(x) = 1 − tanh²x."""

    def forward(self, x):
        return x.tanh()


class Gaussian(Module):
    """f(x) = e^(−x²);   f′(x) = −2x e^(−x²)."""

    def forward(self, x):
        return gaussian(x)


class ReLU(Module):
    """f(x) = max(x, 0);   f′(x) = 1 for x > 0, else 0."""

    def forward(self, x):
        return x.relu()


class LeakyReLU(Module):
    """f(x) = x for x > 0, negative_slope·x otherwise;   f′ = 1 or negative_slope."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
            raise TypeError(f"LeakyReLU: negative_slope must be a number, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """aⱼ = e^(zⱼ) / Σₖ e^(zₖ) along `dim` (default −1, the class dimension of (n, k) data).

    ∂aⱼ/∂zₖ = aⱼ(δⱼₖ − aₖ). Computed stably: the maximum is subtracted before exponentiating.
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return x.softmax(self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log aⱼ = zⱼ − log Σₖ e^(zₖ) along `dim` (default −1), computed stably (never log 0).

    ∂/∂zₖ of the j-th output = δⱼₖ − aₖ. Followed by NLLLoss it is CrossEntropyLoss on logits.
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return x.log_softmax(self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


# The lecture's table of activations, by name (for lessons, plots and the tests).
LECTURE_ACTIVATIONS = {
    "step": heaviside, "sigmoid": sigmoid, "linear": identity,
    "saturated_linear": saturated_linear, "tanh": tanh, "gaussian": gaussian,
}
