"""The core: Tensor, the autograd engine, the rulebook of ops and the functional composites.

It imports nothing from the rest of tinygrad_edu. Everything outside it (nn, optim, the
learner's view in lens/, training, tuning) uses only the public names exported here.
"""

from . import autograd, functional, guardrails, ops, rng, torch_functions
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
from .creation import multinomial, randperm
from .rng import Generator, manual_seed
from .tensor import Tensor, bool_, broadcast_shape, float32, float64, int32, int64
from .torch_functions import (abs, all, any, argmax, argmin, clamp, clip, clone, cos, detach, exp,
                              flatten, isfinite, isnan, log, log10, log_softmax, logsumexp, matmul,
                              mean, neg, norm, numel, permute, pow, relu, reshape, sigmoid, sign,
                              sin, softmax, sqrt, square, squeeze, std, sum, tanh, transpose,
                              unsqueeze, var)

__all__ = [
    "autograd", "functional", "ops", "rng",
    "Tensor", "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn",
    "randint", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "cat", "stack",
    "where", "maximum", "minimum", "broadcast_shape", "float32", "float64", "int32", "int64",
    "bool_", "Op", "registry", "backward", "backward_walk", "call_rule", "prepare_roots", "increment_version", "grad",
    "topological_order", "no_grad",
    "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly",
    "is_anomaly_enabled", "AnomalyError", "manual_seed", "torch_functions", "Generator",
    "multinomial", "randperm", "allclose", "guardrails", "LearnerWarning",
    "GradientAccumulationWarning", "NonLeafGradWarning", "DoubleSoftmaxWarning",
    "NonFiniteWarning", "SymmetricInitWarning", "TrainModeWarning", "ReductionBroadcastWarning",
    "NoGradientWarning", "accumulate_grad",
] + torch_functions.__all__
