"""Weight initializers (PyTorch's and the lecture's), filling tensors in place from the package's random generator.

Every function draws from `tinygrad_edu.rng.numpy_generator(generator)`, so after `tg.manual_seed(s)`
a model is initialized identically every time. Samples are drawn in float64 and cast to the
tensor's dtype, so a float32 and a float64 model seeded alike hold the same numbers (up to
rounding), and `normal_` after `manual_seed(s)` gives exactly what `tg.randn` gives.

The fan-in n_in of a weight is the number of inputs each output sums over: `in_features` for a
Linear weight (out, in), `in_channels · kh · kw` for a Conv2d weight (out, in, kh, kw).
"""

import math

import numpy as np

from ..core import rng
from ..core import Tensor, no_grad

__all__ = [
    "calculate_gain", "uniform_", "normal_", "zeros_", "ones_", "constant_", "xavier_uniform_",
    "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "lecture_normal_",
    "lecture_scaled_normal_", "init_lecture", "fan_in_and_fan_out", "trunc_normal_",
    "orthogonal_", "sparse_", "eye_", "dirac_",
]


def _check_tensor(tensor, caller):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.{caller}: expected a Tensor (or nn.Parameter), got "
                        f"{type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"init.{caller}: only floating-point tensors can be initialized, this one "
                        f"has dtype {tensor.dtype.name}")


def _fill(tensor, values):
    """Write `values` into the tensor's own array (in place: optimizers keep their reference).

    copy_ first replaces a read-only array (a view of a constant) by a writable copy.
    """
    with no_grad():
        return tensor.copy_(values)


def fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: (in, out) for (out, in); × kh·kw for (out, in, kh, kw).

    Raises:
        ValueError: for tensors with fewer than 2 dimensions (a bias has no fan-in of its own).
    """
    if tensor.ndim < 2:
        raise ValueError(f"init: fan-in and fan-out are defined for weights of at least 2 "
                         f"dimensions, got shape {tensor.shape}; for a bias use uniform_ or "
                         f"normal_ with the weight's fan-in")
    receptive_field = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation, as in PyTorch: keeps activations' variance stable.

    linear/conv/sigmoid: 1,  tanh: 5/3,  relu: √2,  leaky_relu(a): √(2 / (1 + a²)),  selu: 3/4.
    """
    simple = {"linear": 1.0, "identity": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
              "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4}
    if nonlinearity in simple:
        return simple[nonlinearity]
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of "
                     f"{sorted(simple) + ['leaky_relu']}")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples of U(a, b); returns the tensor."""
    _check_tensor(tensor, "uniform_")
    if not a <= b:
        raise ValueError(f"init.uniform_: the lower bound a={a} is larger than b={b}")
    return _fill(tensor, rng.numpy_generator(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples of N(mean, std²); returns the tensor."""
    _check_tensor(tensor, "normal_")
    if std < 0:
        raise ValueError(f"init.normal_: std must be non-negative, got {std}")
    return _fill(tensor, rng.numpy_generator(generator).standard_normal(tensor.shape) * std + mean)


def constant_(tensor, val):
    """Fill with the value `val`; returns the tensor."""
    _check_tensor(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot/Xavier: U(−b, b) with b = gain · √(6 / (fan_in + fan_out))."""
    _check_tensor(tensor, "xavier_uniform_")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, rng.numpy_generator(generator).uniform(-bound, bound, tensor.shape))


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot/Xavier: N(0, σ²) with σ = gain · √(2 / (fan_in + fan_out))."""
    _check_tensor(tensor, "xavier_normal_")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, rng.numpy_generator(generator).standard_normal(tensor.shape) * std)


def _kaiming_std(tensor, a, mode, nonlinearity, caller):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init.{caller}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He/Kaiming: U(−b, b) with b = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    With a = √5 (PyTorch's Linear and Conv2d default) gain = √(1/3), so b = 1/√fan_in.
    """
    _check_tensor(tensor, "kaiming_uniform_")
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return _fill(tensor, rng.numpy_generator(generator).uniform(-bound, bound, tensor.shape))


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He/Kaiming: N(0, σ²) with σ = gain / √fan, gain = calculate_gain(nonlinearity, a)."""
    _check_tensor(tensor, "kaiming_normal_")
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    return _fill(tensor, rng.numpy_generator(generator).standard_normal(tensor.shape) * std)


def lecture_normal_(tensor):
    """The lecture's "large weight initialization": N(0, 1) for every weight and bias.

    With n_in inputs of size ~1, z = Σ wᵢxᵢ + b then has a standard deviation of about √n_in
    (≈ 28 for MNIST's 784 pixels), so sigmoid neurons start saturated and learn slowly.
    """
    return normal_(tensor, 0.0, 1.0)


def lecture_scaled_normal_(tensor):
    """The lecture's improved initialization (Nielsen): N(0, 1/n_in), i.e. σ = 1/√n_in.

    z = Σ wᵢxᵢ + b then has a standard deviation of about 1, so sigmoid neurons start in
    their sensitive range. n_in is the fan-in (see the module docstring).
    """
    fan_in, _ = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, 1.0 / math.sqrt(fan_in))


def init_lecture(model, scaled=True):
    """Initialize a model as in the lecture's network: weights N(0, 1/n_in) and biases N(0, 1).

    Applies to every Linear (and, by the same rule with n_in = in_channels·kh·kw, every Conv2d)
    layer of `model`, in the order of `model.modules()`.

    Args:
        model: a Module.
        scaled: True for the improved N(0, 1/n_in) weights, False for the "large" N(0, 1).

    Returns:
        The model.

    Example:
        >>> tg.manual_seed(0)
        >>> net = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(),
        ...                                          nn.Linear(30, 10), nn.Sigmoid()))
    """
    from .layers import Conv2d, Linear
    from .module import Module

    if not isinstance(model, Module):
        raise TypeError(f"init_lecture: expected an nn.Module, got {type(model).__name__}")
    for module in model.modules():
        if isinstance(module, (Linear, Conv2d)):
            if scaled:
                lecture_scaled_normal_(module.weight)
            else:
                lecture_normal_(module.weight)
            if module.bias is not None:
                lecture_normal_(module.bias)
    return model


# PyTorch's private name for it, used by code copied from torch.nn's reset_parameters()
_calculate_fan_in_and_fan_out = fan_in_and_fan_out


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std²) restricted to [a, b] (redrawn until inside; a and b are absolute
    bounds, as in PyTorch, not multiples of std)."""
    _check_tensor(tensor, "trunc_normal_")
    if std < 0 or not a < b:
        raise ValueError(f"init.trunc_normal_: need std >= 0 and a < b, got std={std}, a={a}, b={b}")
    if std == 0 and not a <= mean <= b:
        raise ValueError(f"init.trunc_normal_: std=0 puts every value at mean={mean}, outside [a, b]")
    draw = rng.numpy_generator(generator)
    values = draw.standard_normal(tensor.shape) * std + mean
    outside = (values < a) | (values > b)
    while outside.any():  # each round keeps the accepted values (at least P[a ≤ X ≤ b] of them)
        values[outside] = draw.standard_normal(int(outside.sum())) * std + mean
        outside = (values < a) | (values > b)
    return _fill(tensor, values)


def orthogonal_(tensor, gain=1.0, generator=None):
    """Fill a (rows, cols...) tensor with a (semi-)orthogonal matrix times `gain`: orthonormal
    rows when rows ≤ cols, orthonormal columns otherwise (Saxe et al. 2013, as PyTorch: the
    Q of a QR decomposition of a Gaussian matrix, with R's diagonal signs folded in)."""
    _check_tensor(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(f"init.orthogonal_: needs at least 2 dimensions, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = int(np.prod(tensor.shape[1:]))
    flat = rng.numpy_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor with N(0, std²) and set ⌈sparsity · rows⌉ random entries of each
    column to zero (Martens 2010, as PyTorch)."""
    _check_tensor(tensor, "sparse_")
    if tensor.ndim != 2:
        raise ValueError(f"init.sparse_: only 2-D tensors are supported, got shape {tensor.shape}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"init.sparse_: sparsity must be in [0, 1], got {sparsity}")
    rows, cols = tensor.shape
    draw = rng.numpy_generator(generator)
    values = draw.standard_normal((rows, cols)) * std
    zeros = int(math.ceil(sparsity * rows))
    for column in range(cols):
        values[draw.permutation(rows)[:zeros], column] = 0.0
    return _fill(tensor, values)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal; rectangular is fine)."""
    _check_tensor(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"init.eye_: only 2-D tensors are supported, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: the convolution then passes
    its input channels through unchanged (in each of `groups` groups)."""
    _check_tensor(tensor, "dirac_")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"init.dirac_: only 3-, 4- and 5-D tensors are supported, got shape "
                         f"{tensor.shape}")
    if tensor.shape[0] % groups:
        raise ValueError(f"init.dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups={groups}")
    per_group = tensor.shape[0] // groups
    values = np.zeros(tensor.shape)
    centre = tuple(size // 2 for size in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + centre] = 1.0
    return _fill(tensor, values)
