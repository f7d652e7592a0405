"""tinygrad_edu: a readable reverse-mode autodiff framework on numpy for learning how neural networks learn.

    import tinygrad_edu as tg
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x.sigmoid() * x).sum()
    y.backward()          # x.grad now holds dy/dx
"""

import importlib

from .core import Generator, allclose, from_numpy, multinomial, randperm
from .core import get_default_dtype, set_default_dtype
from .core import DType, can_cast, finfo, float16, iinfo, int8, int16, promote_types, result_type, uint8
from .core import bernoulli, get_rng_state, initial_seed, normal, poisson, set_rng_state
from .core.rng import default as default_generator  # torch.default_generator (a tg.Generator)
from .core import device, get_default_device, set_default_device
from .core import Size, get_printoptions, inference_mode, set_printoptions
from .core import get_language, language, set_language
from .core import (AnomalyError, Tensor, arange, bool_, cat, detect_anomaly, enable_grad, eye,
                   float32, float64, full, full_like, grad, int32, int64, is_anomaly_enabled,
                   is_grad_enabled, linspace, manual_seed, maximum, minimum, no_grad, ones,
                   ones_like, rand, rand_like, randint, randn, randn_like, registry,
                   set_grad_enabled, stack, tensor, where, zeros, zeros_like)

from .core import torch_functions as _torch_functions
from .core.guardrails import (DoubleSoftmaxWarning, GradientAccumulationWarning, LearnerWarning,
                              NoGradientWarning, NonFiniteWarning, NonLeafGradWarning,
                              ReductionBroadcastWarning, SymmetricInitWarning, TrainModeWarning,
                              accumulate_grad, guardrails)  # learner warnings (README: Guardrails)

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn",
    "randint", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "cat", "stack",
    "where", "maximum", "minimum", "float32", "float64", "int32", "int64", "bool_",
    "float16", "int8", "int16", "uint8", "half", "short", "dtype", "finfo", "iinfo",
    "promote_types", "result_type", "can_cast",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "grad", "detect_anomaly",
    "is_anomaly_enabled", "AnomalyError", "registry", "manual_seed", "gradcheck", "gradgradcheck",
    "check_rules", "GradcheckError", "save", "load",
    "nn", "optim", "data", "utils", "train", "tune", "viz", "equations", "perceptron", "serialization",
    "explain", "plots", "float", "double", "long", "int", "bool", "Generator", "multinomial",
    "randperm", "allclose", "capture", "exercises", "live", "get_default_dtype", "set_default_dtype",
    "normal", "bernoulli", "poisson", "initial_seed", "get_rng_state", "set_rng_state",
    "default_generator", "device", "set_default_device", "get_default_device", "utils",
    "autograd", "cuda", "accelerator", "backends", "compat", "compile", "inference_mode", "Size",
    "set_printoptions", "get_printoptions", "from_numpy", "get_language", "set_language",
    "language",
    "guardrails", "accumulate_grad", "LearnerWarning",
    "GradientAccumulationWarning", "NonLeafGradWarning", "DoubleSoftmaxWarning",
    "NonFiniteWarning", "SymmetricInitWarning", "TrainModeWarning", "ReductionBroadcastWarning",
    "NoGradientWarning",
] + _torch_functions.__all__

# tg.tanh(t), tg.sum(t, 1), ...: the torch.* level, made from core/torch_functions.py's one table
globals().update({_name: getattr(_torch_functions, _name) for _name in _torch_functions.__all__})


def _explain(self, markdown=False, **options):  # options: gradient, params, notation, ...
    """A text trace of backpropagation from this tensor: one chain-rule step per node, with the
    numbers (see tinygrad_edu.lens.explain; the core itself imports none of the views)."""
    from .lens.explain import explain
    return explain(self, markdown=markdown, **options)


Tensor.explain = _explain

# Submodules are imported on first use (PEP 562): `import tinygrad_edu` stays fast and a
# lesson about tensors does not pay for graphviz, tqdm or the MNIST reader.
_SUBMODULES = {"nn": ".nn", "optim": ".optim", "data": ".data", "train": ".train",
               "tune": ".tune", "perceptron": ".perceptron", "serialization": ".serialization",
               "core": ".core", "ops": ".core.ops", "live": ".live", "viz": ".lens.viz",
               "explain": ".lens.explain", "equations": ".lens.equations", "plots": ".lens.plots",
               "utils": ".utils", "autograd": ".autograd", "compat": ".compat",
               "exercises": ".lens.exercises"}
_ACCELERATORS = {"cuda", "accelerator", "backends"}  # torch.cuda.is_available() is False
_LENS_FUNCTIONS = {"gradcheck", "gradgradcheck", "check_rules", "GradcheckError"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name], __name__)
    if name in _LENS_FUNCTIONS:
        return getattr(importlib.import_module(".lens.gradcheck", __name__), name)
    if name in ("save", "load"):
        return getattr(importlib.import_module(".serialization", __name__), name)
    if name == "capture":  # a captured training step (tinygrad_edu/captured)
        return importlib.import_module(".captured", __name__).capture
    if name in _ACCELERATORS:
        return getattr(importlib.import_module(".accelerators", __name__), name)
    if name == "compile":
        return importlib.import_module(".compat.missing", __name__).compile
    missing = importlib.import_module(".compat.missing", __name__).missing_attribute(name)
    if missing is not None:
        raise missing
    raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")

# PyTorch's dtype names (torch.float is float32, torch.long int64, torch.int int32). Last in
# the file: from here on these names are dtypes, not Python's builtins, in this module.
float, double, long, int, bool = float32, float64, int64, int32, bool_  # noqa: A001
half, short = float16, int16
dtype = DType  # the class, as torch.dtype: isinstance(t.dtype, tg.dtype)
