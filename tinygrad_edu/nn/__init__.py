"""Neural-network building blocks: Module and Parameter, layers, activations, costs and initializers.

    import tinygrad_edu as tg
    from tinygrad_edu import nn
    net = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    cost = nn.QuadraticCost()(net(x), labels)      # the lecture's C = 1/(2n) Σ‖y − a‖²
    cost.backward()

Functions (no modules) are in `nn.functional`; initializers in `nn.init`.
"""

from . import functional, init, utils
from .containers import ModuleDict, ParameterDict, ParameterList
from .activations import (LECTURE_ACTIVATIONS, Gaussian, Identity, LeakyReLU, LogSoftmax, ReLU,
                          SaturatedLinear, Sigmoid, Softmax, Step, Tanh)
from .layers import (AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear,
                     MaxPool2d, ModuleList, Sequential)
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyCost, CrossEntropyLoss,
                     LogLikelihoodCost, MSELoss, NLLLoss, QuadraticCost, l2_penalty)
from .module import IncompatibleKeys, Module, Parameter, RemovableHandle, functional_call
from .embedding import Embedding, LayerNorm
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .attention import MultiheadAttention, TransformerEncoderLayer, causal_mask
from .smooth_activations import GELU, SiLU, Softplus

__all__ = [
    "Module", "Parameter", "IncompatibleKeys", "functional_call", "functional", "init", "utils",
    "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Dropout", "BatchNorm1d",
    "BatchNorm2d", "Identity", "Sequential", "ModuleList",
    "Step", "Sigmoid", "SaturatedLinear", "Tanh", "Gaussian", "ReLU", "LeakyReLU", "Softmax",
    "LogSoftmax", "LECTURE_ACTIVATIONS",
    "QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost", "MSELoss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "l2_penalty",
    "Embedding", "LayerNorm", "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
    "MultiheadAttention", "TransformerEncoderLayer", "causal_mask",
    "utils", "ModuleDict", "ParameterList", "ParameterDict", "RemovableHandle", "GELU", "SiLU",
    "Softplus",
]
