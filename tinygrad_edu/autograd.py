"""`torch.autograd` under PyTorch's name: grad, backward, the grad modes, gradcheck and the engine's other public names.

Every look-up is forwarded (first to the core's engine, tinygrad_edu.core.autograd, then to
the package itself for gradcheck / gradgradcheck), so `torch.autograd.grad` is `tg.grad`.
"""

import importlib

import tinygrad_edu.core as _core
from tinygrad_edu.core import autograd as _engine

__all__ = ["grad", "backward", "no_grad", "enable_grad", "set_grad_enabled", "detect_anomaly",
           "gradcheck", "gradgradcheck", "Variable", "graph", "increment_version"]

Variable = _core.Tensor  # PyTorch's old wrapper is the Tensor itself today


def __getattr__(name):
    if name == "graph":  # torch.autograd.graph.increment_version
        return importlib.import_module(__name__)
    for source in (_engine, _core):
        if hasattr(source, name) and not name.startswith("_"):
            return getattr(source, name)
    package = importlib.import_module("tinygrad_edu")
    if name in ("gradcheck", "gradgradcheck"):
        return getattr(package, name)
    raise AttributeError(f"torch.autograd: tinygrad_edu has no autograd.{name}")
