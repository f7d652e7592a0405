"""tinygrad_edu: a readable reverse-mode autodiff framework on numpy for learning how neural networks learn.

    import tinygrad_edu as tg
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x.sigmoid() * x).sum()
    y.backward()          # x.grad now holds dy/dx
"""

import importlib

from .autograd import (AnomalyError, detect_anomaly, enable_grad, grad, is_anomaly_enabled,
                       is_grad_enabled, no_grad, registry, set_grad_enabled)
from .gradcheck import GradcheckError, check_rules, gradcheck, gradgradcheck
from .rng import manual_seed
from .tensor import (Tensor, arange, bool_, cat, eye, float32, float64, full, full_like, int32,
                     int64, linspace, maximum, minimum, ones, ones_like, rand, rand_like, randint,
                     randn, randn_like, stack, tensor, where, zeros, zeros_like)

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn",
    "randint", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "cat", "stack",
    "where", "maximum", "minimum", "float32", "float64", "int32", "int64", "bool_",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "grad", "detect_anomaly",
    "is_anomaly_enabled", "AnomalyError", "registry", "manual_seed", "gradcheck", "gradgradcheck",
    "check_rules", "GradcheckError", "save", "load",
    "nn", "optim", "data", "train", "tune", "viz", "equations", "perceptron", "serialization",
    "functional", "explain", "plots",
]

# Submodules are imported on first use (PEP 562): `import tinygrad_edu` stays fast and a
# lesson about tensors does not pay for graphviz, tqdm or the MNIST reader.
_SUBMODULES = {"nn", "optim", "data", "train", "tune", "viz", "equations", "perceptron",
               "serialization", "functional", "explain", "ops", "plots"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        return getattr(importlib.import_module(".serialization", __name__), name)
    raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")
