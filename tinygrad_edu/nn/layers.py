"""The layers: Linear, Conv2d, pooling, Flatten, Dropout, BatchNorm, and the containers Sequential and ModuleList."""

import collections
import math

import numpy as np

from ..core import functional as core
from ..core import Tensor, guardrails, is_grad_enabled
from . import functional as F
from . import init
from .activations import Identity
from .module import Module, Parameter

__all__ = [
    "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Dropout", "BatchNorm1d",
    "BatchNorm2d", "Identity", "Sequential", "ModuleList",
]


def _positive_int(value, what, owner):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {what} must be a positive int, got {value!r}")
    return int(value)


def _pair(value, what, owner, minimum=1):
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or
                             v < minimum for v in pair):
        raise ValueError(f"{owner}: {what} must be an int ≥ {minimum} or a pair of them, got "
                         f"{value!r}")
    return tuple(int(v) for v in pair)


def _empty_parameter(shape, dtype):
    return Parameter(np.empty(shape, dtype=np.dtype(dtype or np.float32)))


class Linear(Module):
    """A fully connected layer: out = x @ Wᵀ + b, with W of shape (out_features, in_features).

    It is the lecture's layer of neurons, z = w·a + b for every neuron at once, computed by the
    fused Linear op (one graph node). PyTorch's default initialization: W and b are drawn
    from U(−1/√in_features, 1/√in_features) (kaiming_uniform_ with a = √5); use
    nn.init.init_lecture for the lecture's N(0, 1/n_in) weights and N(0, 1) biases.

    Args:
        in_features: inputs per example (n_in).
        out_features: neurons in the layer.
        bias: whether the layer has a bias b.
        dtype: float32 (default) or float64.

    Example:
        >>> layer = nn.Linear(784, 30)
        >>> layer(tg.randn(10, 784)).shape
        (10, 30)
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features", "Linear")
        self.out_features = _positive_int(out_features, "out_features", "Linear")
        self.weight = _empty_parameter((self.out_features, self.in_features), dtype)
        if bias:
            self.bias = _empty_parameter((self.out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: U(±1/√in_features) for the weight and the bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return core.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Conv2d(Module):
    """A 2-D convolution (cross-correlation, as in PyTorch): (N, C_in, H, W) -> (N, C_out, H', W').

    H' = ⌊(H + 2·padding − kernel) / stride⌋ + 1, and the same for W'. Weight (C_out, C_in, kh,
    kw), bias (C_out,), both from U(±1/√(C_in·kh·kw)) as PyTorch does. Computed as im2col
    (Unfold) followed by one matrix product (functional.conv2d).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: an int or a pair (kh, kw).
        stride: an int or a pair.
        padding: zeros added on each side, an int or a pair.
        bias: whether to add a bias per output channel.
        dtype: float32 (default) or float64.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 dtype=None):
        super().__init__()
        self.in_channels = _positive_int(in_channels, "in_channels", "Conv2d")
        self.out_channels = _positive_int(out_channels, "out_channels", "Conv2d")
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = _pair(stride, "stride", "Conv2d")
        self.padding = _pair(padding, "padding", "Conv2d", minimum=0)
        self.weight = _empty_parameter((self.out_channels, self.in_channels) + self.kernel_size,
                                       dtype)
        if bias:
            self.bias = _empty_parameter((self.out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: U(±1/√fan_in) for weight and bias, fan_in = C_in·kh·kw."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            bound = 1.0 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2d: expected an input of shape (N, {self.in_channels}, H, W), "
                             f"got {x.shape}")
        return core.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        owner = type(self).__name__
        self.kernel_size = _pair(kernel_size, "kernel_size", owner)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", owner)
        self.padding = _pair(padding, "padding", owner, minimum=0)
        if any(p > k // 2 for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{owner}: padding {self.padding} must be at most half the kernel "
                             f"size {self.kernel_size}")

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """The largest value of each window, per channel: (N, C, H, W) -> (N, C, H', W').

    stride defaults to kernel_size (non-overlapping windows); padded cells never win. The
    gradient goes to the maximum of each window (split equally among ties).
    """

    def forward(self, x):
        return core.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """The mean of each window, per channel: (N, C, H, W) -> (N, C, H', W').

    stride defaults to kernel_size. Padding adds zeros that count in the mean (PyTorch's
    default count_include_pad=True). Each input gets 1/(kh·kw) of its windows' gradients.
    """

    def forward(self, x):
        if self.padding != (0, 0):
            ph, pw = self.padding
            x = x.pad2d((ph, ph, pw, pw))
        return core.avg_pool2d(x, self.kernel_size, self.stride)


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (N, C, H, W) -> (N, C·H·W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout (see nn.functional.dropout): in training mode each element is zeroed
    with probability p and the others scaled by 1/(1 − p); in eval mode it does nothing."""

    def __init__(self, p=0.5, inplace=False, *, generator=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.generator = generator  # a tg.Generator for the masks (None: the default one)

    def forward(self, x):
        if self.training and self.p and not is_grad_enabled():
            guardrails.train_mode_under_no_grad(self)
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self):
        return f"p={self.p}"


class _BatchNorm(Module):
    _expected_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None):
        super().__init__()
        owner = type(self).__name__
        self.num_features = _positive_int(num_features, "num_features", owner)
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{owner}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = np.dtype(dtype or np.float32)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(self.num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.numpy()[...] = 0
            self.running_var.numpy()[...] = 1
            self.num_batches_tracked.numpy()[...] = 0

    def forward(self, x):
        if x.ndim not in self._expected_dims or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected an input of shape "
                             f"{self._shape_text.format(C=self.num_features)}, got {x.shape}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and not is_grad_enabled():
            guardrails.train_mode_under_no_grad(self)
        if self.training and self.track_running_stats:
            batches = self.num_batches_tracked.numpy()
            batches += 1  # in place on the buffer's storage (see Tensor.numpy)
            if self.momentum is None:  # a cumulative (equal-weight) average of all batches
                momentum = 1.0 / float(batches)
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs, per feature C, exactly as PyTorch.

    Training: normalize with the batch mean and biased variance, then γ·x̂ + β; update
    running_mean and running_var (unbiased) with `momentum` (None: cumulative average).
    Evaluation: normalize with the running statistics. See nn.functional.batch_norm.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: weight of each new batch in the running averages (or None).
        affine: learn γ (weight, init 1) and β (bias, init 0).
        track_running_stats: keep running statistics (else always use the batch's).
    """

    _expected_dims = (2, 3)
    _shape_text = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) images, per channel C (statistics over N, H, W)."""

    _expected_dims = (4,)
    _shape_text = "(N, {C}, H, W)"


class Sequential(Module):
    """Layers applied one after the other: Sequential(a, b, c)(x) = c(b(a(x))).

    Submodules are named "0", "1", ... (or by the keys of an OrderedDict); the container can
    be indexed (a slice gives a Sequential), measured with len, iterated and appended to.

    Example:
        >>> net = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
        >>> net[0].weight.shape, len(net)
        ((30, 784), 4)
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], collections.OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def _index(self, index):
        size = len(self._modules)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{type(self).__name__}: indices must be ints or slices, got "
                            f"{type(index).__name__}")
        if not -size <= index < size:
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for "
                             f"{size} modules")
        return int(index) % size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(collections.OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._index(index)]

    def __setitem__(self, index, module):
        key = list(self._modules)[self._index(index)]
        self.add_module(key, module)

    def __delitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            del items[index]
        else:
            del items[self._index(index)]
        self._rebuild(items)

    def _rebuild(self, items):
        """Re-register `items` under the names "0", "1", ... (after a deletion)."""
        for name in list(self._modules):
            delattr(self, name)
        numbered = all(name.isdigit() for name, _ in items)
        for index, (name, module) in enumerate(items):
            self.add_module(str(index) if numbered else name, module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add a layer at the end; returns self."""
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        items = list(self._modules.items())
        size = len(items)
        if not -size <= index <= size:
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range")
        items.insert(index, (None, module))  # Python's list.insert rule for negative indices
        self._rebuild([(str(i), m) for i, (_, m) in enumerate(items)])
        return self


class ModuleList(Module):
    """A list of modules that registers them (plain Python lists would hide their parameters)."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        values = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(values[index])
        return values[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward: iterate over it in your module's "
                                  "forward")
