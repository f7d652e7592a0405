"""THE RULEBOOK: every primitive op of tinygrad_edu, its forward on numpy arrays, its local derivative rule and its chain-rule step.

How to read a rule: `forward` receives numpy arrays and returns the output array; `backward`
receives `grad_out` = δ(out) = ∂C/∂out (a Tensor of the output's shape) and returns ∂C/∂input
for each input, by the chain rule ∂C/∂input = ∂C/∂out · ∂out/∂input. Rules are written with
Tensor operations, so the same rule, run under `create_graph=True`, records a graph of its own
and can be differentiated again (higher-order gradients). Binary ops may assume that inputs
which need a gradient already have the output's shape: broadcasting such an input is an
explicit Expand node, whose rule sums the gradient back.

`chain_rule` states the rule once more as text, one entry per tensor input (the input's name:
the right-hand side of δ(input) = …; a name ending in ᵢ stands for every input of a variadic
op): explain(), the backprop stepper and the graph pictures print it from there, and
tests/test_ops.py fails when an op lacks an entry per input.

The ops come in six families, one file each:

    elementwise.py   Add Sub Mul Div Neg Pow Maximum Where Clamp Cast Exp Log Sqrt Abs Sin Cos
                     Relu Sigmoid Tanh Erf Log1p Expm1 Rounding
    reductions.py    Sum Max Softmax LogSoftmax LogSumExp Cumsum
    linalg.py        MatMul
    shape.py         Reshape Permute Expand Index SetItem IndexAdd Clone Cat Pad Unfold
                     Fold
    fused.py         Linear SquaredError SoftmaxCrossEntropy SigmoidCrossEntropy BatchNorm
    gather.py        Gather Scatter ScatterAdd
    conv.py          Conv2d ConvTranspose2d Conv2dWeight MaxPool2d   (fast paths, see its top)

Every class registers itself in `autograd.registry`; tests/test_ops.py checks each rule
against finite differences and fails when an op has no test case.
"""

from .conv import Conv2d, Conv2dWeight, ConvTranspose2d, MaxPool2d
from .elementwise import (Abs, Add, Cast, Clamp, Cos, Div, Erf, Exp, Expm1, Log, Log1p, Maximum,
                          Mul, Neg, Pow, Relu, Rounding, Sigmoid, Sin, Sqrt, Sub, Tanh, Where)
from .fused import BatchNorm, Linear, SigmoidCrossEntropy, SoftmaxCrossEntropy, SquaredError
from .gather import Gather, Scatter, ScatterAdd
from .linalg import MatMul
from .reductions import Cumsum, LogSoftmax, LogSumExp, Max, Softmax, Sum
from .shape import (Cat, Clone, Expand, Fold, Index, IndexAdd, Pad, Permute, Reshape,
                    SetItem, Unfold)

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "MatMul", "Exp", "Log", "Sqrt", "Abs", "Sin", "Cos",
    "Relu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "LogSumExp", "Sum", "Max", "Reshape",
    "Permute", "Expand", "Index", "IndexAdd", "Cat", "Where", "Maximum", "Clamp", "Cast", "Pad",
    "Linear", "Unfold", "Fold", "SquaredError", "SoftmaxCrossEntropy", "SigmoidCrossEntropy",
    "SetItem", "Clone", "Erf",
    "Log1p", "Expm1", "Rounding", "Cumsum", "Gather", "Scatter", "ScatterAdd",
    "Conv2d", "ConvTranspose2d", "Conv2dWeight", "MaxPool2d", "BatchNorm",
]
