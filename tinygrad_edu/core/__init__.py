"""The core: Tensor, the autograd engine, the rulebook of ops and the functional composites.

It imports nothing from the rest of tinygrad_edu. Everything outside it (nn, optim, the
learner's view in lens/, training, tuning) uses only the public names exported here.
"""

from . import autograd, dtypes, function, functional, guardrails, ops, rng, torch_functions
from .guardrails import (DoubleSoftmaxWarning, GradientAccumulationWarning, LearnerWarning,
                         NoGradientWarning, NonFiniteWarning, NonLeafGradWarning,
                         ReductionBroadcastWarning, SymmetricInitWarning, TrainModeWarning,
                         accumulate_grad)
from .autograd import (AnomalyError, Op, backward, backward_walk, call_rule, detect_anomaly,
                       enable_grad, grad, increment_version, is_anomaly_enabled,
                       is_grad_enabled, no_grad, prepare_roots, registry, set_grad_enabled, topological_order)
from .creation import (allclose, arange, cat, eye, full, full_like, linspace, maximum, minimum, ones,
                       ones_like, rand, rand_like, randint, randn, randn_like, stack, tensor,
                       where, zeros, zeros_like)
from .creation import from_numpy, multinomial, randperm
from .dtypes import get_default_dtype, set_default_dtype
from .function import Function
from .modes import inference_mode
from .language import get_language, language, set_language
from .messages import say
from .printing import Size, get_printoptions, set_printoptions
from .devices import as_device, device, is_device_name, get_default_device, set_default_device

Device = device  # the class under a name that does not shadow `device=` arguments
from .rng import Generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from .sampling import bernoulli, normal, poisson
from .tensor import Tensor, bool_, broadcast_shape, float32, float64, int32, int64
from .tensor import float16, int8, int16, uint8
from .dtypes import DType, can_cast, finfo, iinfo, promote_types
from .dtypes import torch_result_type as result_type

__all__ = [
    "autograd", "functional", "ops", "rng",
    "Tensor", "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn",
    "randint", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "cat", "stack",
    "where", "maximum", "minimum", "broadcast_shape", "float32", "float64", "int32", "int64",
    "bool_", "float16", "int8", "int16", "uint8", "DType", "can_cast", "finfo", "iinfo",
    "promote_types", "result_type", "Op", "registry", "backward", "backward_walk", "call_rule", "prepare_roots", "increment_version", "grad",
    "topological_order", "no_grad",
    "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly",
    "is_anomaly_enabled", "AnomalyError", "manual_seed", "torch_functions", "Generator",
    "multinomial", "randperm", "allclose", "function", "Function",
    "dtypes", "get_default_dtype", "set_default_dtype", "normal", "bernoulli", "poisson",
    "initial_seed", "get_rng_state", "set_rng_state",
    "device", "Device", "as_device", "is_device_name",
    "set_default_device", "get_default_device", "inference_mode", "Size", "set_printoptions",
    "get_printoptions", "from_numpy", "get_language", "set_language", "language", "say",
    "guardrails", "LearnerWarning",
    "GradientAccumulationWarning", "NonLeafGradWarning", "DoubleSoftmaxWarning",
    "NonFiniteWarning", "SymmetricInitWarning", "TrainModeWarning", "ReductionBroadcastWarning",
    "NoGradientWarning", "accumulate_grad",
] + torch_functions.__all__

# tg.tanh(t), tg.sum(t, 1), ...: the torch.* level, made from torch_functions' one table
globals().update({name: getattr(torch_functions, name) for name in torch_functions.__all__})
