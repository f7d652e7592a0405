"""The op table: every rule of the rulebook and every public Tensor method checked against numpy (forward), finite differences (gradcheck) and second derivatives (gradgradcheck).

Each row of CASES is one small function of tensors, its numpy reference, how to draw its
inputs (kept away from kinks: no ties for max, no zeros for abs and relu, no values on clamp
bounds, positive inputs for sqrt, log and a tensor exponent) and the registry ops it must
record. Four tests run over every row: forward vs numpy (float64 and float32), the ops
recorded, gradcheck, and gradgradcheck. Coverage tests then fail when an op of
`autograd.registry`, or a public method of Tensor, has no row.
"""

import importlib
import math
import importlib.util
import pathlib
import pkgutil
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.core import autograd, ops
from tinygrad_edu.core import functional as F
from tinygrad_edu.core.autograd import topological_order
from tinygrad_edu.nn import functional as NF


# ---------------------------------------------------------------------------------------------
# Input generators: each returns a function of a numpy Generator (so every case is seeded)
# ---------------------------------------------------------------------------------------------

def randn(*shape):
    return lambda g: g.standard_normal(shape)


def away(*shape, low=0.3):
    """Random signs, magnitudes in [low, low + 1): far from the kink at 0 (abs, relu)."""
    return lambda g: np.where(g.random(shape) < 0.5, -1.0, 1.0) * (low + g.random(shape))


def positive(*shape):
    """Values in [0.5, 2): inside the domain of log, sqrt and a tensor exponent's base."""
    return lambda g: 0.5 + 1.5 * g.random(shape)


def distinct(*shape):
    """All different, at least 0.2 apart: no ties for max/min, whatever the reduced dims."""
    def draw(g):
        n = int(np.prod(shape))
        return ((g.permutation(n) - n / 2) * 0.3 + 0.1 * g.random(n)).reshape(shape)
    return draw


def const(array):
    return lambda g: np.array(array, dtype=np.float64)


def outside(*shape, low=-0.5, high=0.5):
    """Values at least 0.15 away from both clamp bounds `low` and `high`."""
    def draw(g):
        x = g.uniform(-1.5, 1.5, shape)
        for bound in (low, high):
            if bound is not None:
                near = np.abs(x - bound) < 0.15
                x = np.where(near, bound + np.sign(x - bound + 1e-9) * 0.2, x)
        return x
    return draw


# ---------------------------------------------------------------------------------------------
# numpy references for the composite layers (direct loops: the most literal definition)
# ---------------------------------------------------------------------------------------------

def np_pad(x, p):
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p, p), (p, p)])


def np_unfold(x, k, s=1, p=0):
    x = np_pad(x, p)
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, oh, ow, c * k * k))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, -1)
    return out


def np_fold(cols, shape, k, s=1):
    out = np.zeros(shape)
    n, c = shape[:2]
    for i in range(cols.shape[1]):
        for j in range(cols.shape[2]):
            out[:, :, i * s:i * s + k, j * s:j * s + k] += cols[:, i, j].reshape(n, c, k, k)
    return out


def np_conv2d(x, w, b=None, stride=1, padding=0):
    """Cross-correlation by its definition:
    out[n,o,i,j] = Σ_c,u,v x[n,c,i·s+u,j·s+v] · w[o,c,u,v] + b[o]."""
    x = np_pad(x, padding)
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for b_ in range(n):
        for oc in range(o):
            for i in range(oh):
                for j in range(ow):
                    patch = x[b_, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    out[b_, oc, i, j] = (patch * w[oc]).sum() + (0.0 if b is None else b[oc])
    return out


def np_conv_transpose2d(g, w, size, s, p):
    """The adjoint of np_conv2d in x: every output gradient spread back over its patch."""
    n, _, oh, ow = g.shape
    _, c, kh, kw = w.shape
    out = np.zeros((n, c, size[0] + 2 * p, size[1] + 2 * p))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.einsum("no,ocuv->ncuv",
                                                                       g[:, :, i, j], w)
    return out[:, :, p:p + size[0], p:p + size[1]]


def np_conv2d_weight(x, g, k, s, p):
    """The adjoint of np_conv2d in w: Σ over batch and places of gradient × patch."""
    x = np_pad(x, p)
    out = np.zeros((g.shape[1], x.shape[1]) + tuple(k))
    for i in range(g.shape[2]):
        for j in range(g.shape[3]):
            out += np.einsum("no,ncuv->ocuv", g[:, :, i, j],
                             x[:, :, i * s:i * s + k[0], j * s:j * s + k[1]])
    return out


def np_pool_hw(x, k, reduce):
    """Pooling with a kh×kw window and stride = window."""
    n, c, h, w = x.shape
    oh, ow = h // k[0], w // k[1]
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * k[0]:(i + 1) * k[0], j * k[1]:(j + 1) * k[1]],
                                     axis=(2, 3))
    return out


def np_pool(x, k, s, reduce, padding=0, pad_value=0.0):
    if padding:
        x = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)],
                   constant_values=pad_value)
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_logsumexp(x, axis=None, keepdims=False):
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def np_scatter(x, src, add_at):
    """x with src placed (add_at=None) or added (np.add.at) along dim 1 by the row's index."""
    out = x.copy()
    index = GATHER_INDEX if add_at else SCATTER_INDEX
    for i in range(index.shape[0]):
        for j in range(index.shape[1]):
            if add_at:
                out[i, index[i, j]] += src[i, j]
            else:
                out[i, index[i, j]] = src[i, j]
    return out


def np_add_at(shape, key, g):
    out = np.zeros(shape)
    np.add.at(out, key, g)
    return out


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

@dataclass
class Case:
    """One row: `fn` on Tensors, `ref` on float64 arrays, the input draws, the ops it records."""

    id: str
    fn: object
    ref: object
    inputs: tuple
    ops: tuple
    covers: tuple = ()
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3
    keeps_float32: bool = True


ARR34 = np.arange(12, dtype=np.float64).reshape(3, 4) / 7 + 0.5     # a numpy operand (positive)
ROW4 = np.array([0.5, -1.0, 2.0, 1.5])
MASK34 = np.array([[True, False, True, False], [False, False, True, True],
                   [True, True, False, True]])
IDX = np.array([2, 0, 2, 1, 2])                                      # repeats: gradients accumulate
LABELS = np.array([3, 0, 3])
GATHER_INDEX = np.array([[0, 3, 3, 1, 2], [2, 2, 0, 1, 0], [3, 1, 0, 0, 2]])   # repeats accumulate
SCATTER_INDEX = np.array([[0, 3], [2, 1], [1, 0]])                         # distinct per row
PROBABILITIES = np.array([[0.1, 0.2, 0.3, 0.4], [1.0, 0, 0, 0], [0.25, 0.25, 0.5, 0]])
BINARY = np.array([[0, 1, 0.3, 1], [1, 0, 0.5, 0], [0.2, 1, 1, 0]])  # targets in [0, 1]


def np_batch_norm(x, w, b, eps=1e-5):
    """Training-mode batch norm over every dimension but 1, with the biased variance."""
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    centered = x - x.mean(axis=dims, keepdims=True)
    normalized = centered / np.sqrt((centered ** 2).mean(axis=dims, keepdims=True) + eps)
    return normalized * w.reshape(shape) + b.reshape(shape)


def np_sigmoid_cross_entropy(z, y):
    """−[y ln σ(z) + (1 − y) ln(1 − σ(z))] = ln(1 + eᶻ) − y·z, elementwise."""
    return np.logaddexp(0, z) - y * z

def _changed(method, *args):
    """fn of a row: clone the first input, change the clone in place with `method`, return it
    (in-place ops on a tensor in the graph are recorded: their gradient flows to the input)."""
    def fn(a, *others):
        y = a.clone()
        result = getattr(y, method)(*others, *args)
        assert result is y
        return y
    return fn


def _assigned(key):
    """fn of a row: y = a.clone(); y[key] = b; return y."""
    def fn(a, b):
        y = a.clone()
        y[key] = b
        return y
    return fn


def _np_assigned(key):
    def ref(a, b):
        y = a.copy()
        y[key] = b
        return y
    return ref


CASES = [
    # -- Add / Sub / Mul / Div (tensor ⊕ tensor, broadcasting, scalars, numpy arrays, reflected)
    Case("add", lambda a, b: a + b, np.add, (randn(3, 4), randn(3, 4)), ("Add",), ("__add__",)),
    Case("add_method_broadcast_row", lambda a, b: a.add(b), np.add, (randn(3, 4), randn(4)),
         ("Add", "Expand"), ("add",)),
    Case("add_broadcast_both", lambda a, b: a + b, np.add, (randn(3, 1), randn(1, 4)),
         ("Add", "Expand")),
    Case("add_broadcast_rank", lambda a, b: a + b, np.add, (randn(2, 1, 4), randn(3, 1)),
         ("Add", "Expand")),
    Case("add_scalar", lambda a: a + 2.5, lambda a: a + 2.5, (randn(3, 4),), ("Add",)),
    Case("radd_scalar", lambda a: 2.5 + a, lambda a: 2.5 + a, (randn(3, 4),), ("Add",),
         ("__radd__",)),
    Case("radd_numpy", lambda a: ROW4 + a, lambda a: ROW4 + a, (randn(3, 4),), ("Add",),
         ("__radd__",), keeps_float32=False),
    Case("pos", lambda a: +a * 1.0, lambda a: a * 1.0, (randn(3),), ("Mul",), ("__pos__",)),
    Case("sub", lambda a, b: a - b, np.subtract, (randn(3, 4), randn(3, 4)), ("Sub",),
         ("__sub__",)),
    Case("sub_method_broadcast", lambda a, b: a.sub(b), np.subtract, (randn(2, 3, 4), randn(3, 1)),
         ("Sub", "Expand"), ("sub",)),
    Case("rsub_scalar", lambda a: 1 - a, lambda a: 1 - a, (randn(3, 4),), ("Sub",), ("__rsub__",)),
    Case("rsub_numpy", lambda a: ARR34 - a, lambda a: ARR34 - a, (randn(4),), ("Sub", "Expand"),
         ("__rsub__",), keeps_float32=False),
    Case("mul", lambda a, b: a * b, np.multiply, (randn(3, 4), randn(3, 4)), ("Mul",),
         ("__mul__",)),
    Case("mul_method_broadcast", lambda a, b: a.mul(b), np.multiply, (randn(4, 1), randn(3)),
         ("Mul", "Expand"), ("mul",)),
    Case("rmul_scalar", lambda a: 3 * a, lambda a: 3 * a, (randn(3, 4),), ("Mul",), ("__rmul__",)),
    Case("rmul_numpy", lambda a: ARR34 * a, lambda a: ARR34 * a, (randn(3, 4),), ("Mul",),
         ("__rmul__",), keeps_float32=False),
    Case("square", lambda a: a.square(), np.square, (randn(3, 4),), ("Mul",), ("square",)),
    Case("x_times_x", lambda a: a * a * a, lambda a: a ** 3, (randn(5),), ("Mul",)),
    Case("div", lambda a, b: a / b, np.divide, (randn(3, 4), away(3, 4)), ("Div",),
         ("__truediv__",)),
    Case("div_method_broadcast", lambda a, b: a.div(b), np.divide, (randn(3, 4), away(4)),
         ("Div", "Expand"), ("div",)),
    Case("div_scalar", lambda a: a / 4.0, lambda a: a / 4.0, (randn(3, 4),), ("Div",)),
    Case("rdiv_scalar", lambda a: 2 / a, lambda a: 2 / a, (away(3, 4),), ("Div",),
         ("__rtruediv__",)),
    Case("rdiv_numpy", lambda a: ARR34 / a, lambda a: ARR34 / a, (away(3, 4),), ("Div",),
         ("__rtruediv__",), keeps_float32=False),
    Case("neg", lambda a: -a, np.negative, (randn(3, 4),), ("Neg",), ("__neg__",)),
    Case("neg_method", lambda a: a.neg(), np.negative, (randn(2, 3),), ("Neg",), ("neg",)),

    # -- Pow: scalar and tensor exponents, reflected
    Case("pow_int", lambda a: a ** 3, lambda a: a ** 3, (randn(3, 4),), ("Pow",), ("__pow__",)),
    Case("pow_half", lambda a: a ** 0.5, np.sqrt, (positive(3, 4),), ("Pow",)),
    Case("pow_negative", lambda a: a.pow(-2), lambda a: a ** -2.0, (away(3, 4),), ("Pow",),
         ("pow",)),
    Case("pow_tensor", lambda a, b: a ** b, np.power, (positive(3, 4), randn(3, 4)), ("Pow",)),
    Case("pow_tensor_broadcast", lambda a, b: a ** b, np.power, (positive(3, 4), randn(4)),
         ("Pow", "Expand")),
    Case("rpow_scalar", lambda b: 2 ** b, lambda b: 2.0 ** b, (randn(3, 4),), ("Pow",),
         ("__rpow__",)),
    Case("rpow_numpy", lambda b: ARR34 ** b, lambda b: ARR34 ** b, (randn(3, 4),), ("Pow",),
         ("__rpow__",), keeps_float32=False),

    # -- MatMul: numpy's rules for 1-D, 2-D and broadcast batches
    Case("matmul_2d", lambda a, b: a @ b, np.matmul, (randn(2, 3), randn(3, 4)), ("MatMul",),
         ("__matmul__",)),
    Case("matmul_method", lambda a, b: a.matmul(b), np.matmul, (randn(3, 3), randn(3, 2)),
         ("MatMul",), ("matmul",)),
    Case("matmul_vec_vec", lambda a, b: a @ b, np.matmul, (randn(3), randn(3)), ("MatMul",)),
    Case("matmul_vec_mat", lambda a, b: a @ b, np.matmul, (randn(3), randn(3, 4)), ("MatMul",)),
    Case("matmul_mat_vec", lambda a, b: a @ b, np.matmul, (randn(2, 3), randn(3)), ("MatMul",)),
    Case("matmul_batch_mat", lambda a, b: a @ b, np.matmul, (randn(2, 2, 3), randn(3, 4)),
         ("MatMul",)),
    Case("matmul_mat_batch", lambda a, b: a @ b, np.matmul, (randn(2, 3), randn(2, 3, 2)),
         ("MatMul",)),
    Case("matmul_batch_broadcast", lambda a, b: a @ b, np.matmul,
         (randn(2, 1, 2, 3), randn(3, 3, 2)), ("MatMul",)),
    Case("matmul_vec_batch", lambda a, b: a @ b, np.matmul, (randn(3), randn(2, 3, 4)),
         ("MatMul",)),
    Case("matmul_batch_vec", lambda a, b: a @ b, np.matmul, (randn(2, 3, 4), randn(4)),
         ("MatMul",)),
    Case("rmatmul_numpy", lambda b: ARR34.T @ b, lambda b: ARR34.T @ b, (randn(3, 2),),
         ("MatMul",), ("__rmatmul__",), keeps_float32=False),

    # -- elementwise functions
    Case("exp", lambda a: a.exp(), np.exp, (randn(3, 4),), ("Exp",), ("exp",)),
    Case("exp_0d", lambda a: a.exp(), np.exp, (randn(),), ("Exp",)),
    Case("log", lambda a: a.log(), np.log, (positive(3, 4),), ("Log",), ("log",)),
    Case("log10", lambda a: a.log10(), np.log10, (positive(3, 4),), ("Log", "Mul"), ("log10",)),
    Case("sqrt", lambda a: a.sqrt(), np.sqrt, (positive(3, 4),), ("Sqrt",), ("sqrt",)),
    Case("abs", lambda a: a.abs(), np.abs, (away(3, 4),), ("Abs",), ("abs",)),
    Case("abs_builtin", lambda a: abs(a), np.abs, (away(2, 3),), ("Abs",), ("__abs__",)),
    Case("sin", lambda a: a.sin(), np.sin, (randn(3, 4),), ("Sin",), ("sin",)),
    Case("erf", lambda a: F.erf(a), np.vectorize(math.erf, otypes=[float]), (randn(3, 4),), ("Erf",),
         ("F.erf",)),
    Case("cos", lambda a: a.cos(), np.cos, (randn(3, 4),), ("Cos",), ("cos",)),
    Case("relu", lambda a: a.relu(), lambda a: np.maximum(a, 0), (away(3, 4),), ("Relu",),
         ("relu",)),
    Case("relu_functional", NF.relu, lambda a: np.maximum(a, 0), (away(2, 3, 2),), ("Relu",),
         ("NF.relu",)),
    Case("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), (randn(3, 4),),
         ("Sigmoid",), ("sigmoid",)),
    Case("sigmoid_functional", NF.sigmoid, lambda a: 1 / (1 + np.exp(-a)), (randn(5),),
         ("Sigmoid",), ("NF.sigmoid",)),
    Case("tanh", lambda a: a.tanh(), np.tanh, (randn(3, 4),), ("Tanh",), ("tanh",)),
    Case("tanh_functional", NF.tanh, np.tanh, (randn(2, 3),), ("Tanh",), ("NF.tanh",)),

    # -- softmax family
    Case("softmax_last", lambda a: a.softmax(), lambda a: np_softmax(a, -1), (randn(3, 4),),
         ("Softmax",), ("softmax",)),
    Case("softmax_dim0", lambda a: a.softmax(0), lambda a: np_softmax(a, 0), (randn(3, 4),),
         ("Softmax",)),
    Case("softmax_3d_middle", lambda a: NF.softmax(a, dim=1), lambda a: np_softmax(a, 1),
         (randn(2, 3, 2),), ("Softmax",), ("NF.softmax",)),
    Case("softmax_negative_dim", lambda a: a.softmax(-2), lambda a: np_softmax(a, 1),
         (randn(2, 3, 2),), ("Softmax",)),
    Case("log_softmax_last", lambda a: a.log_softmax(), lambda a: np.log(np_softmax(a, -1)),
         (randn(3, 4),), ("LogSoftmax",), ("log_softmax",)),
    Case("log_softmax_dim0", lambda a: NF.log_softmax(a, 0), lambda a: np.log(np_softmax(a, 0)),
         (randn(3, 4),), ("LogSoftmax",), ("NF.log_softmax",)),
    Case("softmax_0d", lambda a: a.softmax() * a, lambda a: a * 1.0, (randn(),), ("Softmax",)),
    Case("log_softmax_0d", lambda a: a.log_softmax() + a, lambda a: a, (randn(),),
         ("LogSoftmax",)),
    Case("logsumexp_all", lambda a: a.logsumexp(), lambda a: np_logsumexp(a), (randn(3, 4),),
         ("LogSumExp",), ("logsumexp",)),
    Case("logsumexp_dim", lambda a: a.logsumexp(1), lambda a: np_logsumexp(a, 1),
         (randn(3, 4),), ("LogSumExp",)),
    Case("logsumexp_negative_keepdim", lambda a: a.logsumexp(-1, keepdim=True),
         lambda a: np_logsumexp(a, -1, True), (randn(2, 3, 4),), ("LogSumExp",)),
    Case("logsumexp_tuple", lambda a: NF.logsumexp(a, (0, 2)), lambda a: np_logsumexp(a, (0, 2)),
         (randn(2, 3, 2),), ("LogSumExp",), ("NF.logsumexp",)),
    Case("logsumexp_numpy_kwargs", lambda a: a.logsumexp(axis=0, keepdims=True),
         lambda a: np_logsumexp(a, 0, True), (randn(3, 4),), ("LogSumExp",)),

    # -- reductions: dim int / tuple / None / negative, keepdim, numpy's axis/keepdims
    Case("sum_all", lambda a: a.sum(), np.sum, (randn(3, 4),), ("Sum",), ("sum",)),
    Case("sum_dim", lambda a: a.sum(0), lambda a: a.sum(0), (randn(3, 4),), ("Sum",)),
    Case("sum_negative_keepdim", lambda a: a.sum(-1, keepdim=True),
         lambda a: a.sum(-1, keepdims=True), (randn(2, 3, 4),), ("Sum",)),
    Case("sum_tuple", lambda a: a.sum((0, 2)), lambda a: a.sum((0, 2)), (randn(2, 3, 4),),
         ("Sum",)),
    Case("sum_tuple_keepdim", lambda a: a.sum(dim=(1, -1), keepdim=True),
         lambda a: a.sum((1, 2), keepdims=True), (randn(2, 3, 2),), ("Sum",)),
    Case("sum_numpy_kwargs", lambda a: a.sum(axis=1, keepdims=True),
         lambda a: a.sum(1, keepdims=True), (randn(3, 4),), ("Sum",)),
    Case("sum_0d", lambda a: a.sum(), np.sum, (randn(),), ("Sum",)),
    Case("mean_all", lambda a: a.mean(), np.mean, (randn(3, 4),), ("Sum", "Mul"), ("mean",)),
    Case("mean_dim_keepdim", lambda a: a.mean(1, keepdim=True),
         lambda a: a.mean(1, keepdims=True), (randn(3, 4),), ("Sum",)),
    Case("mean_tuple_axis", lambda a: a.mean(axis=(0, 1)), lambda a: a.mean((0, 1)),
         (randn(2, 3, 2),), ("Sum",)),
    Case("var_all", lambda a: a.var(), lambda a: a.var(ddof=1), (randn(3, 4),), ("Sum", "Mul"),
         ("var",)),
    Case("var_dim_biased", lambda a: a.var(0, correction=0), lambda a: a.var(0),
         (randn(3, 4),), ("Sum",)),
    Case("var_unbiased_false_keepdim", lambda a: a.var(-1, keepdim=True, unbiased=False),
         lambda a: a.var(-1, keepdims=True), (randn(2, 3, 4),), ("Sum",)),
    Case("std_all", lambda a: a.std(), lambda a: a.std(ddof=1), (randn(3, 4),), ("Sqrt",),
         ("std",)),
    Case("std_tuple", lambda a: a.std((0, 2)), lambda a: a.std((0, 2), ddof=1),
         (randn(2, 3, 2),), ("Sqrt",)),
    Case("max_all", lambda a: a.max(), np.max, (distinct(3, 4),), ("Max",), ("max",)),
    Case("max_dim", lambda a: a.max(1).values, lambda a: a.max(1), (distinct(3, 4),),
         ("Gather",)),
    Case("max_negative_keepdim", lambda a: a.max(-2, keepdim=True)[0],
         lambda a: a.max(-2, keepdims=True), (distinct(2, 3, 4),), ("Gather",)),
    Case("max_other", lambda a, b: a.max(b), np.maximum, (distinct(3, 4), randn(3, 4)),
         ("Maximum",)),
    Case("max_tuple", lambda a: a.max((0, 2)), lambda a: a.max((0, 2)), (distinct(2, 3, 2),),
         ("Max",)),
    Case("max_numpy_kwargs", lambda a: a.max(axis=0, keepdims=True),
         lambda a: a.max(0, keepdims=True), (distinct(3, 4),), ("Max",)),
    Case("amax", lambda a: a.amax(1), lambda a: a.max(1), (distinct(3, 4),), ("Max",), ("amax",)),
    Case("min_all", lambda a: a.min(), np.min, (distinct(3, 4),), ("Max", "Neg"), ("min",)),
    Case("min_dim_keepdim", lambda a: a.min(0, keepdim=True).values,
         lambda a: a.min(0, keepdims=True), (distinct(3, 4),), ("Gather",)),
    Case("amin_dim", lambda a: a.amin(0, keepdim=True), lambda a: a.min(0, keepdims=True),
         (distinct(3, 4),), ("Max",)),
    Case("amin_tuple", lambda a: a.amin((0, 1)), lambda a: a.min((0, 1)), (distinct(2, 3, 2),),
         ("Max",), ("amin",)),

    # -- the rest of PyTorch's Tensor API (core/torch_methods.py)
    Case("log1p", lambda a: a.log1p(), np.log1p, (positive(3, 4),), ("Log1p",), ("log1p",)),
    Case("log1p_tiny", lambda a: (a * 1e-3).log1p(), lambda a: np.log1p(a * 1e-3),
         (randn(5),), ("Log1p",)),
    Case("expm1", lambda a: a.expm1(), np.expm1, (randn(3, 4),), ("Expm1",), ("expm1",)),
    Case("log2", lambda a: a.log2(), np.log2, (positive(3, 4),), ("Log", "Mul"), ("log2",)),
    Case("floor_times_x", lambda a: a.floor() * a, lambda a: np.floor(a) * a,
         (outside(3, 4, low=0.0, high=1.0),), ("Rounding",), ("floor",)),
    Case("ceil_times_x", lambda a: a.ceil() * a, lambda a: np.ceil(a) * a,
         (outside(3, 4, low=0.0, high=1.0),), ("Rounding",), ("ceil",)),
    Case("round_plus_x", lambda a: a.round() + a, lambda a: np.round(a) + a,
         (outside(3, 4, low=-0.5, high=0.5),), ("Rounding",), ("round",)),
    Case("cumsum", lambda a: a.cumsum(1), lambda a: np.cumsum(a, 1), (randn(3, 4),), ("Cumsum",),
         ("cumsum",)),
    Case("cumsum_first_dim", lambda a: a.cumsum(-3), lambda a: np.cumsum(a, 0),
         (randn(2, 3, 2),), ("Cumsum",)),
    Case("gather", lambda a: a.gather(1, GATHER_INDEX), lambda a: np.take_along_axis(a, GATHER_INDEX, 1),
         (randn(3, 4),), ("Gather",), ("gather",)),
    Case("gather_smaller_dim0", lambda a: a.gather(0, GATHER_INDEX[:2, :3] % 3),
         lambda a: np.take_along_axis(a[:, :3], GATHER_INDEX[:2, :3] % 3, 0), (randn(3, 4),),
         ("Gather",)),
    Case("scatter_add", lambda a, b: a.scatter_add(1, GATHER_INDEX, b),
         lambda a, b: np_scatter(a, b, np.add.at), (randn(3, 4), randn(3, 5)), ("ScatterAdd",),
         ("scatter_add",)),
    Case("scatter", lambda a, b: a.scatter(1, SCATTER_INDEX, b),
         lambda a, b: np_scatter(a, b, None), (randn(3, 4), randn(3, 2)), ("Scatter",),
         ("scatter",)),
    Case("scatter_larger_src", lambda a, b: a.scatter(1, SCATTER_INDEX, b),
         lambda a, b: np_scatter(a, b[:, :2], None), (randn(3, 4), randn(3, 3)), ("Scatter",)),
    Case("index_select", lambda a: a.index_select(1, IDX[:3] % 4), lambda a: a[:, IDX[:3] % 4],
         (randn(3, 4),), ("Index",), ("index_select",)),
    Case("sort_values", lambda a: a.sort(1, descending=True).values,
         lambda a: -np.sort(-a, 1), (distinct(3, 4),), ("Gather",), ("sort",)),
    Case("topk_values", lambda a: a.topk(2)[0], lambda a: -np.sort(-a, -1)[:, :2],
         (distinct(3, 4),), ("Gather",), ("topk",)),
    Case("topk_smallest_dim0", lambda a: a.topk(2, dim=0, largest=False).values,
         lambda a: np.sort(a, 0)[:2], (distinct(3, 4),), ("Gather",)),
    Case("split_sections", lambda a: tg.cat(a.split([1, 3], dim=1)[::-1], 1),
         lambda a: np.concatenate([a[:, 1:], a[:, :1]], 1), (randn(3, 4),), ("Index", "Cat"),
         ("split",)),
    Case("chunk", lambda a: a.chunk(2)[1] * 2, lambda a: a[2:] * 2, (randn(3, 4),), ("Index",),
         ("chunk",)),
    Case("repeat", lambda a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), (randn(3, 4),),
         ("Expand", "Reshape"), ("repeat",)),
    Case("reshape_as_t", lambda a, b: a.reshape_as(b).t() * b.t(),
         lambda a, b: a.reshape(b.shape).T * b.T,
         (randn(3, 4), randn(2, 6)), ("Reshape", "Permute"), ("reshape_as", "t")),
    Case("mm", lambda a, b: a.mm(b), np.matmul, (randn(3, 4), randn(4, 2)), ("MatMul",), ("mm",)),
    Case("bmm", lambda a, b: a.bmm(b), np.matmul, (randn(2, 3, 4), randn(2, 4, 2)), ("MatMul",),
         ("bmm",)),
    Case("mv_dot", lambda a, b: a.mv(b).dot(a.mv(b)), lambda a, b: (a @ b) @ (a @ b),
         (randn(3, 4), randn(4)), ("MatMul",), ("mv", "dot")),
    Case("outer", lambda a, b: a.outer(b), np.outer, (randn(3), randn(4)), ("Mul",), ("outer",)),
    Case("where_method", lambda a, b: a.where(MASK34, b), lambda a, b: np.where(MASK34, a, b),
         (randn(3, 4), randn(3, 4)), ("Where",), ("where",)),

    # -- shape ops
    Case("reshape", lambda a: a.reshape(4, 3), lambda a: a.reshape(4, 3), (randn(3, 4),),
         ("Reshape",), ("reshape",)),
    Case("reshape_tuple_infer", lambda a: a.reshape((2, -1)), lambda a: a.reshape(2, -1),
         (randn(3, 4),), ("Reshape",)),
    Case("view", lambda a: a.view(-1), lambda a: a.reshape(-1), (randn(3, 4),), ("Reshape",),
         ("view",)),
    Case("flatten", lambda a: a.flatten(), lambda a: a.reshape(-1), (randn(2, 3, 2),),
         ("Reshape",), ("flatten",)),
    Case("flatten_start", lambda a: a.flatten(1), lambda a: a.reshape(2, -1), (randn(2, 3, 2),),
         ("Reshape",)),
    Case("flatten_range", lambda a: a.flatten(0, 1), lambda a: a.reshape(6, 2),
         (randn(2, 3, 2),), ("Reshape",)),
    Case("unsqueeze", lambda a: a.unsqueeze(1), lambda a: a[:, None], (randn(3, 4),),
         ("Reshape",), ("unsqueeze",)),
    Case("unsqueeze_negative", lambda a: a.unsqueeze(-1), lambda a: a[..., None], (randn(3, 4),),
         ("Reshape",)),
    Case("squeeze_all", lambda a: a.squeeze(), np.squeeze, (randn(3, 1, 4, 1),), ("Reshape",),
         ("squeeze",)),
    Case("squeeze_dim", lambda a: a.squeeze(1), lambda a: a.squeeze(1), (randn(3, 1, 4, 1),),
         ("Reshape",)),
    Case("permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1),
         (randn(2, 3, 4),), ("Permute",), ("permute",)),
    Case("permute_tuple_negative", lambda a: a.permute((-1, 1, 0)),
         lambda a: a.transpose(2, 1, 0), (randn(2, 3, 4),), ("Permute",)),
    Case("transpose", lambda a: a.transpose(0, 1), lambda a: a.T, (randn(3, 4),), ("Permute",),
         ("transpose",)),
    Case("transpose_negative", lambda a: a.transpose(-1, -3), lambda a: a.transpose(2, 1, 0),
         (randn(2, 3, 4),), ("Permute",)),
    Case("T", lambda a: a.T, lambda a: a.T, (randn(3, 4),), ("Permute",), ("T",)),
    Case("expand", lambda a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)),
         (randn(3, 1),), ("Expand",), ("expand",)),
    Case("expand_keep", lambda a: a.expand(-1, 4), lambda a: np.broadcast_to(a, (3, 4)),
         (randn(3, 1),), ("Expand",)),
    Case("expand_as", lambda a, b: a.expand_as(b) * b, lambda a, b: a * b, (randn(4), randn(3, 4)),
         ("Expand", "Mul"), ("expand_as",)),
    Case("sum_to_shape", lambda a: a.sum_to_shape((3, 1)), lambda a: a.sum((0, 2))[:, None],
         (randn(2, 3, 4),), ("Sum",), ("sum_to_shape",)),
    Case("pad2d_int", lambda a: a.pad2d(1), lambda a: np_pad(a, 1), (randn(1, 2, 2, 3),),
         ("Pad",), ("pad2d",)),
    Case("pad2d_tuple", lambda a: a.pad2d((0, 1, 2, 0)),
         lambda a: np.pad(a, [(0, 0), (0, 1), (2, 0)]), (randn(2, 2, 3),), ("Pad",)),

    # -- indexing: ints, slices, None, Ellipsis, integer arrays (repeats accumulate), masks
    Case("index_int", lambda a: a[1], lambda a: a[1], (randn(3, 4),), ("Index",),
         ("__getitem__",)),
    Case("index_negative_int", lambda a: a[-1, 2], lambda a: a[-1, 2], (randn(3, 4),), ("Index",)),
    Case("index_slice", lambda a: a[1:, ::2], lambda a: a[1:, ::2], (randn(3, 4),), ("Index",)),
    Case("index_none_ellipsis", lambda a: a[None, ..., 1], lambda a: a[None, ..., 1],
         (randn(2, 3, 4),), ("Index",)),
    Case("index_int_array_repeats", lambda a: a[IDX], lambda a: a[IDX], (randn(3, 4),),
         ("Index",)),
    Case("index_list", lambda a: a[:, [3, 3, 0]], lambda a: a[:, [3, 3, 0]], (randn(3, 4),),
         ("Index",)),
    Case("index_tensor", lambda a: a[tg.tensor([1, 1, 0])], lambda a: a[[1, 1, 0]],
         (randn(3, 4),), ("Index",)),
    Case("index_pairs", lambda a: a[IDX, np.array([0, 1, 0, 3, 0])],
         lambda a: a[IDX, [0, 1, 0, 3, 0]], (randn(3, 4),), ("Index",)),
    Case("index_bool_mask", lambda a: a[MASK34], lambda a: a[MASK34], (randn(3, 4),), ("Index",)),
    Case("index_bool_tensor_rows", lambda a: a[tg.tensor([True, False, True])],
         lambda a: a[[True, False, True]], (randn(3, 4),), ("Index",)),
    Case("index_add", lambda g: ops.IndexAdd.apply(g, key=IDX, shape=(3, 4)),
         lambda g: np_add_at((3, 4), IDX, g), (randn(5, 4),), ("IndexAdd",)),
    Case("index_add_basic", lambda g: ops.IndexAdd.apply(g, key=(slice(None), 1), shape=(3, 4)),
         lambda g: np_add_at((3, 4), (slice(None), 1), g), (randn(3),), ("IndexAdd",)),

    # -- joining
    Case("cat_dim0", lambda a, b: tg.cat([a, b]), lambda a, b: np.concatenate([a, b]),
         (randn(2, 3), randn(1, 3)), ("Cat",), ("cat",)),
    Case("cat_three_negative", lambda a, b, c: tg.cat([a, b, c], dim=-1),
         lambda a, b, c: np.concatenate([a, b, c], -1), (randn(2, 1), randn(2, 3), randn(2, 2)),
         ("Cat",), ("tg.cat",)),
    Case("stack", lambda a, b: tg.stack([a, b]), lambda a, b: np.stack([a, b]),
         (randn(2, 3), randn(2, 3)), ("Cat", "Reshape"), ("stack",)),
    Case("stack_last", lambda a, b: tg.stack([a, b], dim=-1), lambda a, b: np.stack([a, b], -1),
         (randn(2, 3), randn(2, 3)), ("Cat",), ("tg.stack",)),

    # -- selection
    Case("where", lambda a, b: tg.where(MASK34, a, b), lambda a, b: np.where(MASK34, a, b),
         (randn(3, 4), randn(3, 4)), ("Where",), ("where",)),
    Case("where_broadcast", lambda a, b: tg.where(tg.tensor(MASK34), a, b),
         lambda a, b: np.where(MASK34, a, b), (randn(4), randn(3, 1)), ("Where", "Expand"),
         ("tg.where",)),
    Case("where_scalar", lambda a: tg.where(MASK34, a, 0.0), lambda a: np.where(MASK34, a, 0.0),
         (randn(3, 4),), ("Where",)),
    Case("maximum", lambda a, b: tg.maximum(a, b), np.maximum,
         (const([[0.1, -1.0, 2.0], [0.5, 0.3, -0.2]]), const([[0.6, -1.4, 1.2], [1.5, -0.3, 0.2]])),
         ("Maximum",), ("maximum",)),
    Case("maximum_method_broadcast", lambda a, b: a.maximum(b), np.maximum,
         (const([[0.1, -1.0, 2.0], [0.5, 0.3, -0.2]]), const([0.6, 0.0, 1.2])),
         ("Maximum", "Expand"), ("maximum",)),
    Case("maximum_scalar", lambda a: tg.maximum(a, 0.25), lambda a: np.maximum(a, 0.25),
         (away(3, 4, low=0.6),), ("Maximum",), ("tg.maximum",)),
    Case("minimum", lambda a, b: tg.minimum(a, b), np.minimum,
         (const([[0.1, -1.0, 2.0], [0.5, 0.3, -0.2]]), const([[0.6, -1.4, 1.2], [1.5, -0.3, 0.2]])),
         ("Maximum", "Neg"), ("minimum",)),
    Case("minimum_method_scalar", lambda a: a.minimum(0.25), lambda a: np.minimum(a, 0.25),
         (away(3, 4, low=0.6),), ("Maximum",), ("minimum",)),
    Case("minimum_functional_scalar_first", lambda a: tg.minimum(0.25, a),
         lambda a: np.minimum(a, 0.25), (away(3, low=0.6),), ("Maximum",), ("tg.minimum",)),
    Case("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5),
         (outside(3, 4),), ("Clamp",), ("clamp",)),
    Case("clamp_min_only", lambda a: a.clamp(min=-0.5), lambda a: np.maximum(a, -0.5),
         (outside(3, 4, high=None),), ("Clamp",)),
    Case("clip_max_only", lambda a: a.clip(max=0.5), lambda a: np.minimum(a, 0.5),
         (outside(3, 4, low=None),), ("Clamp",), ("clip",)),
    Case("clamp_tensor_bounds", lambda a, lo: a.clamp(min=lo, max=0.5),
         lambda a, lo: np.minimum(np.maximum(a, lo), 0.5),
         (outside(3, 4, low=None), const([-0.5, 0.9, -0.8, 0.0])), ("Maximum",)),

    # -- dtype conversion (float32 in the middle: finite differences need a large step)
    Case("cast_float", lambda a: a.float() * 2, lambda a: a * 2, (randn(3, 4),), ("Cast",),
         ("float",), eps=1e-2, atol=1e-3, keeps_float32=False),
    Case("cast_round_trip", lambda a: a.to(tg.float32).double(), lambda a: a, (randn(3),),
         ("Cast",), ("to", "double"), eps=1e-2, atol=1e-3, keeps_float32=False),
    Case("cast_type", lambda a: a.type("float32").sin(), np.sin, (randn(3),), ("Cast", "Sin"),
         ("type",), eps=1e-2, atol=1e-3, keeps_float32=False),

    # -- layers: the fused Linear op, convolution through Pad + Unfold, pooling, fold
    Case("linear", F.linear, lambda x, w, b: x @ w.T + b, (randn(4, 3), randn(2, 3), randn(2)),
         ("Linear",), ("F.linear",)),
    Case("linear_batched", F.linear, lambda x, w, b: x @ w.T + b,
         (randn(2, 3, 3), randn(2, 3), randn(2)), ("Linear",)),
    Case("linear_vector", F.linear, lambda x, w, b: x @ w.T + b,
         (randn(3), randn(2, 3), randn(2)), ("Linear",)),
    Case("linear_no_bias", F.linear, lambda x, w: x @ w.T, (randn(4, 3), randn(2, 3)),
         ("MatMul",)),
    Case("unfold", lambda x: F.unfold(x, 2), lambda x: np_unfold(x, 2),
         (randn(1, 2, 3, 3),), ("Unfold",), ("F.unfold",)),
    Case("unfold_stride_padding", lambda x: F.unfold(x, 2, stride=2, padding=1),
         lambda x: np_unfold(x, 2, 2, 1), (randn(2, 1, 3, 3),), ("Unfold", "Pad")),
    Case("fold", lambda c: F.fold(c, (1, 2, 3, 3), 2), lambda c: np_fold(c, (1, 2, 3, 3), 2),
         (randn(1, 2, 2, 8),), ("Fold",), ("F.fold",)),
    Case("fold_stride", lambda c: F.fold(c, (1, 1, 5, 5), 3, stride=2),
         lambda c: np_fold(c, (1, 1, 5, 5), 3, 2), (randn(1, 2, 2, 9),), ("Fold",)),
    Case("conv2d", F.conv2d, np_conv2d, (randn(2, 2, 4, 4), randn(3, 2, 2, 2), randn(3)),
         ("Conv2d",), ("F.conv2d",)),
    Case("conv2d_stride_padding", lambda x, w: F.conv2d(x, w, stride=2, padding=1),
         lambda x, w: np_conv2d(x, w, stride=2, padding=1), (randn(1, 2, 4, 4), randn(2, 2, 3, 3)),
         ("Conv2d",)),
    Case("conv_transpose2d", lambda g, w: ops.ConvTranspose2d.apply(
        g, w, input_size=(5, 4), stride=(2, 2), padding=(1, 1)),
         lambda g, w: np_conv_transpose2d(g, w, (5, 4), 2, 1), (randn(2, 3, 3, 2), randn(3, 2, 2, 3)),
         ("ConvTranspose2d",)),
    Case("conv2d_weight", lambda x, g: ops.Conv2dWeight.apply(
        x, g, kernel=(2, 3), stride=(2, 2), padding=(1, 1)),
         lambda x, g: np_conv2d_weight(x, g, (2, 3), 2, 1), (randn(2, 2, 5, 4), randn(2, 3, 3, 2)),
         ("Conv2dWeight",)),
    Case("conv2d_by_unfold", F.conv2d_by_unfold, np_conv2d,
         (randn(2, 2, 4, 4), randn(3, 2, 2, 2), randn(3)), ("Unfold", "Linear"),
         ("F.conv2d_by_unfold",)),
    Case("conv2d_by_unfold_stride_padding",
         lambda x, w: F.conv2d_by_unfold(x, w, stride=2, padding=1),
         lambda x, w: np_conv2d(x, w, stride=2, padding=1), (randn(1, 2, 4, 4), randn(2, 2, 3, 3)),
         ("Unfold", "Pad", "MatMul")),
    Case("max_pool2d", lambda x: F.max_pool2d(x, 2), lambda x: np_pool(x, 2, 2, np.max),
         (distinct(1, 2, 4, 4),), ("MaxPool2d",), ("F.max_pool2d",)),
    Case("max_pool2d_by_max", lambda x: F.max_pool2d_by_max(x, 2),
         lambda x: np_pool(x, 2, 2, np.max), (distinct(1, 2, 4, 4),), ("Max",),
         ("F.max_pool2d_by_max",)),
    Case("max_pool2d_overlapping", lambda x: F.max_pool2d(x, 2, stride=1),
         lambda x: np_pool(x, 2, 1, np.max), (distinct(1, 2, 3, 3),), ("Unfold", "Max")),
    Case("max_pool2d_odd_size", lambda x: F.max_pool2d(x, 2), lambda x: np_pool(x, 2, 2, np.max),
         (distinct(2, 1, 5, 5),), ("MaxPool2d",)),
    Case("max_pool2d_3x2_window", lambda x: F.max_pool2d(x, (3, 2)),
         lambda x: np_pool_hw(x, (3, 2), np.max), (distinct(1, 2, 6, 5),), ("MaxPool2d",)),
    Case("max_pool2d_stride_padding", lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
         lambda x: np_pool(x, 3, 2, np.max, 1, -np.inf), (distinct(1, 1, 5, 5),),
         ("Unfold", "Max", "Where", "Pad")),
    Case("avg_pool2d", lambda x: F.avg_pool2d(x, 2), lambda x: np_pool(x, 2, 2, np.mean),
         (randn(2, 1, 4, 4),), ("Unfold", "Sum"), ("F.avg_pool2d",)),
    Case("avg_pool2d_stride", lambda x: F.avg_pool2d(x, 2, stride=1),
         lambda x: np_pool(x, 2, 1, np.mean), (randn(1, 2, 3, 3),), ("Unfold",)),

    # -- batch norm in training mode (the fused BatchNorm; its composite is compared below)
    Case("batch_norm_training", lambda x, w, b: NF.batch_norm(x, None, None, w, b, training=True),
         np_batch_norm, (randn(4, 3, 2, 2), randn(3), randn(3)), ("BatchNorm",),
         ("F.batch_norm_batch_statistics",)),
    Case("batch_norm_training_2d", lambda x, w, b: NF.batch_norm(x, None, None, w, b, training=True),
         np_batch_norm, (randn(5, 3), randn(3), randn(3)), ("BatchNorm",)),

    # -- fused costs (their composites are compared below)
    Case("squared_error", lambda a, y: F.squared_error(a, y, scale=0.25),
         lambda a, y: 0.25 * ((a - y) ** 2).sum(), (randn(3, 4), randn(3, 4)), ("SquaredError",),
         ("F.squared_error",)),
    Case("squared_error_broadcast_target", lambda a, y: F.squared_error(a, y),
         lambda a, y: ((a - y) ** 2).sum(), (randn(3, 4), randn(4)), ("SquaredError", "Expand")),
    Case("squared_error_numpy_target", lambda a: F.squared_error(a, ARR34, scale=1 / 6),
         lambda a: ((a - ARR34) ** 2).sum() / 6, (randn(3, 4),), ("SquaredError",),
         keeps_float32=False),
    Case("softmax_cross_entropy_indices", lambda x: F.softmax_cross_entropy(x, LABELS),
         lambda x: -np.log(np_softmax(x, 1))[np.arange(3), LABELS].mean(), (randn(3, 4),),
         ("SoftmaxCrossEntropy",), ("F.softmax_cross_entropy",)),
    Case("softmax_cross_entropy_probabilities_sum",
         lambda x: F.softmax_cross_entropy(x, PROBABILITIES, reduction="sum"),
         lambda x: -(np.log(np_softmax(x, 1)) * PROBABILITIES).sum(), (randn(3, 4),),
         ("SoftmaxCrossEntropy",)),
    Case("sigmoid_cross_entropy_mean", lambda z: F.sigmoid_cross_entropy(z, BINARY),
         lambda z: np_sigmoid_cross_entropy(z, BINARY).mean(), (randn(3, 4),),
         ("SigmoidCrossEntropy",), ("F.sigmoid_cross_entropy",)),
    Case("sigmoid_cross_entropy_weighted_none",
         lambda z: F.sigmoid_cross_entropy(z, BINARY, weight=np.abs(ROW4), reduction="none"),
         lambda z: np_sigmoid_cross_entropy(z, BINARY) * np.abs(ROW4), (randn(3, 4),),
         ("SigmoidCrossEntropy",)),
    Case("sigmoid_cross_entropy_lecture_scale",
         lambda z: F.sigmoid_cross_entropy(z, BINARY, scale=1 / 3),
         lambda z: np_sigmoid_cross_entropy(z, BINARY).sum() / 3, (randn(3, 4),),
         ("SigmoidCrossEntropy",)),

    # -- in-place changes, recorded on a tensor in the graph (values and gradients checked)
    Case("clone", lambda a: a.clone(), lambda a: a.copy(), (randn(3, 4),), ("Clone",), ("clone",)),
    Case("contiguous_of_transpose", lambda a: a.T.contiguous(), lambda a: a.T.copy(),
         (randn(3, 4),), ("Permute", "Clone"), ("contiguous",)),
    Case("add_", _changed("add_"), np.add, (randn(3, 4), randn(3, 4)), ("Clone", "Add"),
         ("add_",)),
    Case("add_alpha_broadcast", lambda a, b: a.clone().add_(b, alpha=0.5),
         lambda a, b: a + 0.5 * b, (randn(3, 4), randn(4)), ("Clone", "Add", "Expand")),
    Case("sub_", _changed("sub_"), np.subtract, (randn(3, 4), randn(3, 4)), ("Clone", "Sub"),
         ("sub_",)),
    Case("mul_", _changed("mul_"), np.multiply, (randn(3, 4), randn(3, 4)), ("Clone", "Mul"),
         ("mul_",)),
    Case("div_", _changed("div_"), np.divide, (randn(3, 4), positive(3, 4)), ("Clone", "Div"),
         ("div_",)),
    Case("pow_", _changed("pow_", 3.0), lambda a: a ** 3, (randn(3, 4),), ("Clone", "Pow"),
         ("pow_",)),
    Case("neg_", _changed("neg_"), np.negative, (randn(3, 4),), ("Clone", "Neg"), ("neg_",)),
    Case("exp_", _changed("exp_"), np.exp, (randn(3, 4),), ("Clone", "Exp"), ("exp_",)),
    Case("log_", _changed("log_"), np.log, (positive(3, 4),), ("Clone", "Log"), ("log_",)),
    Case("sqrt_", _changed("sqrt_"), np.sqrt, (positive(3, 4),), ("Clone", "Sqrt"), ("sqrt_",)),
    Case("abs_", _changed("abs_"), np.abs, (away(3, 4),), ("Clone", "Abs"), ("abs_",)),
    Case("sin_", _changed("sin_"), np.sin, (randn(3, 4),), ("Clone", "Sin"), ("sin_",)),
    Case("cos_", _changed("cos_"), np.cos, (randn(3, 4),), ("Clone", "Cos"), ("cos_",)),
    Case("square_", _changed("square_"), np.square, (randn(3, 4),), ("Clone", "Pow"),
         ("square_",)),
    Case("norm", lambda a: a.norm(), lambda a: np.sqrt((a * a).sum()), (randn(3, 4),),
         ("Mul", "Sum", "Sqrt"), ("norm",)),
    Case("norm_p1_dim", lambda a: a.norm(1, dim=1), lambda a: np.abs(a).sum(1), (away(3, 4),),
         ("Abs", "Sum")),
    Case("norm_p3_keepdim", lambda a: a.norm(3, dim=0, keepdim=True),
         lambda a: (np.abs(a) ** 3).sum(0, keepdims=True) ** (1 / 3), (away(3, 4),),
         ("Abs", "Pow", "Sum")),
    Case("sigmoid_", _changed("sigmoid_"), lambda a: 1 / (1 + np.exp(-a)), (randn(3, 4),),
         ("Clone", "Sigmoid"), ("sigmoid_",)),
    Case("tanh_", _changed("tanh_"), np.tanh, (randn(3, 4),), ("Clone", "Tanh"), ("tanh_",)),
    Case("relu_", _changed("relu_"), lambda a: np.maximum(a, 0), (away(3, 4),),
         ("Clone", "Relu"), ("relu_",)),
    Case("clamp_", _changed("clamp_", -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5),
         (outside(3, 4),), ("Clone", "Clamp"), ("clamp_", "clip_")),
    Case("masked_fill_", lambda a: a.clone().masked_fill_(tg.tensor(MASK34), 2.0),
         lambda a: np.where(MASK34, 2.0, a), (randn(3, 4),), ("Clone", "SetItem"),
         ("masked_fill_",)),
    Case("iadd_tensor", lambda a, b: a.clone().__iadd__(b), np.add,
         (randn(3, 4), randn(3, 4)), ("Clone", "Add")),
    Case("setitem_slice", _assigned((slice(1, 3),)), _np_assigned((slice(1, 3),)),
         (randn(3, 4), randn(2, 4)), ("Clone", "SetItem"), ("__setitem__",)),
    Case("setitem_int_broadcast", _assigned(1), _np_assigned(1), (randn(3, 4), randn(1)),
         ("Clone", "SetItem", "Expand")),
    Case("setitem_mask", _assigned(MASK34), _np_assigned(MASK34), (randn(3, 4), randn(7)),
         ("Clone", "SetItem")),
    Case("setitem_int_array", _assigned((np.array([2, 0]),)), _np_assigned((np.array([2, 0]),)),
         (randn(3, 4), randn(2, 4)), ("Clone", "SetItem")),
    Case("setitem_then_iadd_slice", lambda a, b: (lambda y: (y.__setitem__(
        slice(0, 2), y[0:2] + b), y)[1])(a.clone()),
         lambda a, b: np.concatenate([a[:2] + b, a[2:]]), (randn(3, 4), randn(2, 4)),
         ("Clone", "SetItem", "Index", "Add")),
    # -- a small network: several rules composed (the lecture's layer)
    Case("two_layer_net", lambda x, w1, w2: ((x @ w1).sigmoid() @ w2).log_softmax().sum(),
         lambda x, w1, w2: np.log(np_softmax(1 / (1 + np.exp(-(x @ w1))) @ w2, -1)).sum(),
         (randn(3, 4), randn(4, 3), randn(3, 2)), ("MatMul", "Sigmoid", "LogSoftmax", "Sum")),
]


def _seed(case):
    return zlib.crc32(case.id.encode())


def _arrays(case):
    generator = np.random.default_rng(_seed(case))
    return [np.asarray(draw(generator), dtype=np.float64) for draw in case.inputs]


def _leaves(case, dtype=np.float64):
    return [tg.Tensor(a.astype(dtype), requires_grad=True) for a in _arrays(case)]


@pytest.fixture(params=CASES, ids=[c.id for c in CASES])
def case(request):
    return request.param


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# ---------------------------------------------------------------------------------------------
# The four checks of every row
# ---------------------------------------------------------------------------------------------

def test_forward_matches_numpy(case):
    arrays = _arrays(case)
    out = case.fn(*[tg.Tensor(a.copy()) for a in arrays])
    expected = np.asarray(case.ref(*arrays))
    assert out.shape == expected.shape
    if "Cast" in case.ops:  # a Cast row goes through float32 on purpose
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-7)
    else:
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_forward_float32_stays_float32(case):
    """float32 in -> float32 out (no silent upcast), close to the float64 reference."""
    arrays = _arrays(case)
    out = case.fn(*[tg.Tensor(a.astype(np.float32)) for a in arrays])
    if case.keeps_float32:
        assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), case.ref(*arrays), rtol=1e-4, atol=1e-5)


def test_records_its_ops(case):
    out = case.fn(*_leaves(case))
    assert out.requires_grad and out.grad_fn is not None
    recorded = {node._ctx.name for node in topological_order(out)}
    missing = set(case.ops) - recorded
    assert not missing, f"{case.id}: expected ops {missing} in the graph, recorded {recorded}"


def test_gradcheck(case):
    assert tg.gradcheck(case.fn, tuple(_leaves(case)), eps=case.eps, atol=case.atol,
                        rtol=case.rtol)


def test_gradgradcheck(case):
    assert tg.gradgradcheck(case.fn, tuple(_leaves(case)), eps=case.eps, atol=case.atol,
                            rtol=case.rtol)


def test_backward_gives_each_leaf_a_gradient_of_its_shape_and_dtype(case):
    for dtype in (np.float64, np.float32):
        leaves = _leaves(case, dtype)
        out = case.fn(*leaves)
        out.backward(tg.ones_like(out))
        for leaf in leaves:
            assert leaf.grad is not None
            assert leaf.grad.shape == leaf.shape
            assert leaf.grad.dtype == leaf.dtype
            assert np.isfinite(leaf.grad.numpy()).all()


TABLE_OPS = sorted({op for c in CASES for op in c.ops})


@pytest.mark.parametrize("op_name", TABLE_OPS)
def test_a_wrong_rule_of_any_op_fails_its_row_and_is_named(op_name, monkeypatch):
    """The table bites for every op: scale the op's gradients by 1.5 and its first row fails,
    with the localizer naming that op."""
    op = autograd.registry[op_name]
    true_rule = op.backward

    def scaled_rule(self, grad_out):
        grads = true_rule(self, grad_out)
        grads = grads if isinstance(grads, tuple) else (grads,)
        # a rule that is zero (Rounding's flat steps) cannot be scaled wrong: plant g + 1 there
        return tuple(None if g is None else g * 1.5 if np.any(g.numpy()) else g + 1
                     for g in grads)

    case = next(c for c in CASES if op_name in c.ops)
    monkeypatch.setattr(op, "backward", scaled_rule)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(case.fn, tuple(_leaves(case)), eps=case.eps, atol=case.atol, rtol=case.rtol)
    assert info.value.culprit is not None and info.value.culprit.op == op_name


# ---------------------------------------------------------------------------------------------
# Coverage: every registered op and every public Tensor method has a row (or a named test)
# ---------------------------------------------------------------------------------------------

def _import_every_module():
    """Ops may be registered by any module (a fused loss in nn, say): import them all first."""
    for module in pkgutil.walk_packages(tg.__path__, "tinygrad_edu."):
        if module.name.rsplit(".", 1)[-1] in ("main", "__main__"):
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:  # an optional dependency of a side module; its own tests cover it
            pass


def test_every_registered_op_has_a_case():
    _import_every_module()
    covered = {op for c in CASES for op in c.ops}
    missing = sorted(set(autograd.registry) - covered)
    assert not missing, (f"ops without a row in tests/test_ops.py CASES: {missing}; add a case "
                         f"(forward reference, inputs away from kinks) for each")


def chain_rule_problems(op_class, n_inputs):
    """What is wrong with an op's chain_rule for a node with `n_inputs` inputs (empty: fine)."""
    rule = getattr(op_class, "chain_rule", None)
    if not isinstance(rule, dict) or not rule:
        return [f"{op_class.__name__} has no chain_rule"]
    names = list(rule)
    if len(names) == 1 and names[0].endswith("ᵢ"):  # one entry for every input of a variadic op
        return []
    problems = []
    if len(names) != n_inputs:
        problems.append(f"{op_class.__name__}: chain_rule has {len(names)} entries for "
                        f"{n_inputs} inputs ({names})")
    problems += [f"{op_class.__name__}: the entry for {k!r} does not use δ(out)"
                 for k, v in rule.items() if "δ(out)" not in v]
    return problems


def test_every_op_states_its_chain_rule_once_per_input():
    """Each op's chain_rule has one entry per tensor input of the nodes the table records."""
    _import_every_module()
    inputs_seen = {}
    for c in CASES:
        out = c.fn(*_leaves(c))
        for node in topological_order(list(out) if isinstance(out, tuple) else out):
            inputs_seen.setdefault(type(node.grad_fn), set()).add(len(node.grad_fn.inputs))
    assert set(autograd.registry.values()) <= set(inputs_seen), \
        sorted(set(autograd.registry) - {c.__name__ for c in inputs_seen})
    problems = [p for op, counts in inputs_seen.items() for n in counts
                for p in chain_rule_problems(op, n)]
    assert not problems, "\n".join(problems)


def test_the_chain_rule_check_catches_a_missing_entry():
    class Planted(autograd.Op):  # a binary op whose text forgets its second input
        chain_rule = {"a": "δ(out) ⊙ b"}
    try:
        assert chain_rule_problems(Planted, 2) and chain_rule_problems(autograd.Op, 1)
        assert chain_rule_problems(ops.Mul, 2) == [] and chain_rule_problems(ops.Cat, 5) == []
    finally:
        del autograd.registry["Planted"]


def test_every_op_documents_its_rule():
    _import_every_module()
    for name, op in autograd.registry.items():
        text = op.rule_text()
        assert text != name and len(text.splitlines()) >= 2, f"{name} has no rule docstring"
        assert "∂" in text or "adjoint" in text or "gradient" in text.lower(), name


# Public Tensor methods without a row here, and the test that covers each.
NON_DIFFERENTIABLE = {
    "argmax", "argmin", "eq", "ne", "lt", "le", "gt", "ge", "__eq__", "__ne__", "__lt__",
    "__le__", "__gt__", "__ge__", "__and__", "__or__", "__invert__", "any", "all", "isnan",
    "isfinite", "sign",
}
TESTED_ELSEWHERE = {
    # tests/test_tensor.py
    "data", "dtype", "shape", "ndim", "dim", "size", "numel", "item", "numpy", "tolist",
    "detach", "requires_grad", "requires_grad_", "retain_grad", "is_leaf", "grad", "grad_fn",
    "name", "bool", "int", "long", "zero_", "fill_", "copy_", "__iadd__", "__isub__",
    "__imul__", "__itruediv__", "normal_", "uniform_",
    # tests/test_torch_functions.py (compared with torch)
    "nelement", "view_as", "masked_fill", "tril", "triu", "__bool__", "__float__", "__int__", "__index__", "__len__",
    "__iter__", "__repr__",
    # tests/test_printing.py
    "__format__",
    # tests/test_dtypes.py (compared with torch)
    "half", "short", "byte", "char", "is_floating_point", "is_complex", "element_size",
    # tests/test_autograd.py
    "backward",
    # tests/test_devices.py
    "device", "cpu", "cuda",
    # tests/test_namespace.py (compared with torch)
    "allclose", "argsort", "bernoulli", "multinomial", "ndimension",
    # tests/test_explain.py (the explain module's own tests)
    "explain",
}


def _public_tensor_api():
    names = {n for n in dir(tg.Tensor) if not n.startswith("_")}
    operators = {n for n in vars(tg.Tensor) if n.startswith("__") and n.endswith("__")
                 and callable(getattr(tg.Tensor, n)) and n not in vars(object)
                 and n not in ("__init__", "__hash__", "__array_ufunc__")}
    return names | operators


def test_every_public_tensor_method_is_covered():
    covered = {name for c in CASES for name in c.covers if not name.startswith("F.")}
    covered |= NON_DIFFERENTIABLE | TESTED_ELSEWHERE
    missing = sorted(_public_tensor_api() - covered)
    assert not missing, f"public Tensor methods without a test: {missing}"


def test_every_functional_function_is_covered():
    covered = {name[2:] for c in CASES for name in c.covers if name.startswith("F.")}
    missing = sorted(set(F.__all__) - covered)
    assert not missing, f"functions of tinygrad_edu.core.functional without a case: {missing}"
    stale = sorted(covered - set(F.__all__))
    assert not stale, f"cases label F.<name> for names that core.functional does not offer: {stale}"


# ---------------------------------------------------------------------------------------------
# Non-differentiable methods: right values, bool/int results, no graph
# ---------------------------------------------------------------------------------------------

def _quietly(function):
    """Run a function that makes inf and NaN on purpose, without the learner warning of it."""
    with tg.guardrails("off", tg.NonFiniteWarning):
        return function()


NON_DIFFERENTIABLE_CASES = [
    ("argmax_all", lambda t: t.argmax(), lambda a: np.argmax(a)),
    ("argmax_dim", lambda t: t.argmax(1), lambda a: np.argmax(a, 1)),
    ("argmax_negative_keepdim", lambda t: t.argmax(-1, keepdim=True),
     lambda a: np.argmax(a, -1)[..., None]),
    ("argmax_numpy_kwargs", lambda t: t.argmax(axis=0, keepdims=True),
     lambda a: np.argmax(a, 0)[None]),
    ("argmin_all", lambda t: t.argmin(), lambda a: np.argmin(a)),
    ("argmin_dim", lambda t: t.argmin(0), lambda a: np.argmin(a, 0)),
    ("eq", lambda t: t == t[0], lambda a: a == a[0]),
    ("ne_scalar", lambda t: t.ne(0.5), lambda a: a != 0.5),
    ("lt", lambda t: t < 0, lambda a: a < 0),
    ("le_method", lambda t: t.le(t.T.T), lambda a: a <= a),
    ("gt_numpy", lambda t: t > ROW4, lambda a: a > ROW4),
    ("ge", lambda t: t.ge(0.0), lambda a: a >= 0),
    ("reflected_lt", lambda t: 0.0 > t, lambda a: 0.0 > a),
    ("and_or_invert", lambda t: ((t > 0) & (t < 1)) | ~(t > -0.5),
     lambda a: ((a > 0) & (a < 1)) | ~(a > -0.5)),
    ("any_all", lambda t: tg.stack([(t > 2).any(), (t > -9).all()]),
     lambda a: np.array([(a > 2).any(), (a > -9).all()])),
    ("isnan_isfinite", lambda t: _quietly(lambda: (t / 0.0 * 0.0).isnan() | (t / 0.0).isfinite()),
     lambda a: np.ones(a.shape, bool)),
    ("sign", lambda t: t.sign(), np.sign),
]


@pytest.mark.parametrize("fn, ref", [c[1:] for c in NON_DIFFERENTIABLE_CASES],
                         ids=[c[0] for c in NON_DIFFERENTIABLE_CASES])
def test_non_differentiable_methods(fn, ref):
    data = np.random.default_rng(3).standard_normal((3, 4))
    x = tg.tensor(data, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = fn(x)
        expected = ref(data)
    assert not out.requires_grad and out.grad_fn is None
    assert out.dtype.kind in ("f" if expected.dtype.kind == "f" else "biu"), out.dtype
    np.testing.assert_array_equal(out.numpy(), expected)


def test_argmax_dtype_is_int64():
    assert tg.tensor([[1.0, 3.0], [4.0, 2.0]]).argmax(1).dtype == np.int64


# ---------------------------------------------------------------------------------------------
# Rules at their documented special points
# ---------------------------------------------------------------------------------------------

def _grad(fn, data):
    x = tg.tensor(np.asarray(data, dtype=np.float64), requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


def test_max_ties_share_the_gradient():
    np.testing.assert_allclose(_grad(lambda x: x.max(), [1.0, 3.0, 3.0]), [0, 0.5, 0.5])
    np.testing.assert_allclose(_grad(lambda x: x.amax(1), [[2.0, 2.0, 2.0], [0.0, 1.0, 0.0]]),
                               [[1 / 3] * 3, [0, 1, 0]])


def test_max_along_a_dim_sends_the_gradient_to_its_index_as_torch():
    torch = pytest.importorskip("torch")
    data = [[2.0, 2.0, 1.0], [0.0, 1.0, 1.0]]
    for method in ("max", "min"):
        ours = _grad(lambda x: getattr(x, method)(1).values, data)
        theirs = torch.tensor(data, requires_grad=True)
        getattr(theirs, method)(1).values.sum().backward()
        np.testing.assert_array_equal(ours, theirs.grad.numpy())
        np.testing.assert_array_equal(getattr(tg.tensor(data), method)(1).indices.numpy(),
                                      getattr(torch.tensor(data), method)(1).indices.numpy())


def test_maximum_tie_splits_the_gradient():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([1.0, 3.0], requires_grad=True)
    tg.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 0.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.5, 1.0])


def test_abs_and_relu_at_zero_have_gradient_zero():
    np.testing.assert_allclose(_grad(lambda x: x.abs(), [-1.0, 0.0, 2.0]), [-1, 0, 1])
    np.testing.assert_allclose(_grad(lambda x: x.relu(), [-1.0, 0.0, 2.0]), [0, 0, 1])


def test_clamp_gradient_is_one_inside_and_at_bounds_zero_outside():
    np.testing.assert_allclose(_grad(lambda x: x.clamp(-1, 1), [-2.0, -1.0, 0.0, 1.0, 3.0]),
                               [0, 1, 1, 1, 0])


def test_repeated_indices_accumulate_gradients():
    np.testing.assert_allclose(_grad(lambda x: x[[0, 2, 2, 2]], [1.0, 2.0, 3.0]), [1, 0, 3])
    g = _grad(lambda x: x[np.array([[0, 0], [1, 0]]), np.array([[1, 1], [1, 1]])],
              np.zeros((2, 2)))
    np.testing.assert_allclose(g, [[0, 3], [0, 1]])


def test_bool_mask_gradient_lands_on_selected_elements():
    mask = MASK34
    g = _grad(lambda x: x[mask] * 2, np.ones((3, 4)))
    np.testing.assert_allclose(g, 2.0 * mask)


def test_pow_gradient_of_exponent_is_only_computed_when_needed():
    base = tg.tensor([-1.0, 2.0], requires_grad=True)   # ln(−1) would be NaN for ∂/∂exponent
    (base ** 2).sum().backward()
    np.testing.assert_allclose(base.grad.numpy(), [-2.0, 4.0])
    assert np.isfinite(base.grad.numpy()).all()


# ---------------------------------------------------------------------------------------------
# The fused Linear op equals the composite it replaces
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)])
def test_fused_linear_equals_composite(x_shape):
    generator = np.random.default_rng(1)
    arrays = [generator.standard_normal(s) for s in (x_shape, (4, 3), (4,))]
    fused = [tg.tensor(a, requires_grad=True) for a in arrays]
    composite = [tg.tensor(a, requires_grad=True) for a in arrays]
    out_fused = F.linear(*fused)
    x, w, b = composite
    out_composite = x @ w.T + b
    assert out_fused.grad_fn.name == "Linear"
    assert {n._ctx.name for n in topological_order(out_composite)} >= {"MatMul", "Permute", "Add"}
    np.testing.assert_allclose(out_fused.numpy(), out_composite.numpy(), rtol=1e-12, atol=1e-12)
    upstream = generator.standard_normal(out_fused.shape)
    out_fused.backward(tg.tensor(upstream))
    out_composite.backward(tg.tensor(upstream))
    for f, c in zip(fused, composite):
        np.testing.assert_allclose(f.grad.numpy(), c.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_fused_linear_second_derivatives_equal_composite():
    generator = np.random.default_rng(2)
    arrays = [generator.standard_normal(s) for s in ((3, 2), (2, 2), (2,))]

    def hessian_vector(fn):
        leaves = [tg.tensor(a, requires_grad=True) for a in arrays]
        loss = fn(*leaves).tanh().sum()
        grads = tg.grad(loss, leaves, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        return [g.numpy() for g in tg.grad(total, leaves)]

    fused = hessian_vector(F.linear)
    composite = hessian_vector(lambda x, w, b: x @ w.T + b)
    for f, c in zip(fused, composite):
        np.testing.assert_allclose(f, c, rtol=1e-10, atol=1e-12)


FUSED_COSTS = [
    ("squared_error", lambda a, y: F.squared_error(a, y, scale=1 / 6),
     lambda a, y: ((a - y) ** 2).sum() * (1 / 6), "SquaredError"),
    ("softmax_cross_entropy", lambda x, p: F.softmax_cross_entropy(x, p.detach()),
     lambda x, p: -(x.log_softmax(1) * p.detach()).sum() * (1 / 3), "SoftmaxCrossEntropy"),
    ("sigmoid_cross_entropy", lambda x, p: F.sigmoid_cross_entropy(x, p.detach()),
     lambda x, p: -(p.detach() * x.sigmoid().log()
                    + (1 - p.detach()) * (1 - x.sigmoid()).log()).mean(), "SigmoidCrossEntropy"),
]


@pytest.mark.parametrize("fused, composite, op", [f[1:] for f in FUSED_COSTS],
                         ids=[f[0] for f in FUSED_COSTS])
def test_fused_costs_equal_their_composites(fused, composite, op):
    generator = np.random.default_rng(5)
    arrays = [generator.standard_normal((3, 4)), np_softmax(generator.standard_normal((3, 4)), 1)]
    results = []
    for fn in (fused, composite):
        leaves = [tg.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*leaves)
        (first,) = tg.grad(out, leaves[:1], create_graph=True)
        (second,) = tg.grad((first * first).sum(), leaves[:1])
        results.append((out, first, second))
    (fused_out, *fused_grads), (composite_out, *composite_grads) = results
    assert fused_out.grad_fn.name == op
    np.testing.assert_allclose(fused_out.numpy(), composite_out.numpy(), rtol=1e-12)
    for f, c in zip(fused_grads, composite_grads):
        np.testing.assert_allclose(f.numpy(), c.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_matches_the_direct_loop_in_float32_too():
    generator = np.random.default_rng(4)
    x = generator.standard_normal((2, 3, 5, 5)).astype(np.float32)
    w = generator.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = generator.standard_normal(4).astype(np.float32)
    out = F.conv2d(tg.Tensor(x), tg.Tensor(w), tg.Tensor(b), stride=1, padding=1)
    assert out.dtype == np.float32 and out.shape == (2, 4, 5, 5)
    np.testing.assert_allclose(out.numpy(), np_conv2d(x.astype(np.float64), w, b, 1, 1),
                               rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------------------------
# Stability: no overflow warning (pytest turns RuntimeWarning into errors) and no NaN at ±1000
# ---------------------------------------------------------------------------------------------

STABLE = [
    ("sigmoid", lambda x: x.sigmoid()),
    ("softmax", lambda x: x.softmax(-1)),
    ("log_softmax", lambda x: x.log_softmax(-1)),
    ("logsumexp", lambda x: x.logsumexp(-1)),
    ("tanh", lambda x: x.tanh()),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, fn", STABLE, ids=[s[0] for s in STABLE])
def test_stable_at_extreme_inputs(name, fn, dtype):
    data = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0],
                     [1000.0, 1000.0, 999.0]], dtype=dtype)
    x = tg.Tensor(data.copy(), requires_grad=True)
    out = fn(x)
    assert np.isfinite(out.numpy()).all(), f"{name} forward: {out.numpy()}"
    out.backward(tg.Tensor(np.linspace(-1, 1, out.numpy().size).reshape(out.shape).astype(dtype)))
    assert np.isfinite(x.grad.numpy()).all(), f"{name} backward: {x.grad.numpy()}"


def test_extreme_values_are_right():
    x = tg.tensor([[1000.0, -1000.0, 0.0]], dtype=tg.float64, requires_grad=True)
    np.testing.assert_allclose(x.sigmoid().numpy(), [[1.0, 0.0, 0.5]], atol=1e-300)
    np.testing.assert_allclose(x.softmax().numpy(), [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(x.log_softmax().numpy(), [[0.0, -2000.0, -1000.0]])
    np.testing.assert_allclose(x.logsumexp().numpy(), 1000.0)
    y = tg.tensor([-1000.0, -1000.0], dtype=tg.float64)
    np.testing.assert_allclose(y.logsumexp().numpy(), -1000.0 + np.log(2.0))
    x.log_softmax().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-2.0, 1.0, 1.0]])


# ---------------------------------------------------------------------------------------------
# The benchmark's numpy baselines compute what tinygrad computes (else its numbers mean little)
# ---------------------------------------------------------------------------------------------

def test_benchmark_baselines_match_tinygrad():
    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "bench_ops.py"
    spec = importlib.util.spec_from_file_location("bench_ops", path)
    bench_ops = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_ops)
    for bench in bench_ops.BENCHES:
        # measure() asserts that numpy's output and gradients equal tinygrad's before timing
        result = bench_ops.measure(bench, "small", repeat=1, budget=1e-4, use_torch=False)
        assert result["recorded"] >= 1 and result["calls"] >= result["recorded"]
        assert result["tinygrad"] > 0 and result["numpy"] > 0


def _batch_norm_composite(x, w, b, eps=1e-5):
    """Training-mode batch norm as the composite of plain ops (what BatchNorm replaces)."""
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    centered = x - x.mean(dim=dims, keepdim=True)
    variance = (centered * centered).mean(dim=dims, keepdim=True)
    return centered / (variance + eps).sqrt() * w.reshape(shape) + b.reshape(shape)


@pytest.mark.parametrize("x_shape", [(4, 3, 2, 2), (5, 3)])
def test_fused_batch_norm_equals_composite(x_shape):
    """Values, every first derivative and a second derivative, float64."""
    generator = np.random.default_rng(11)
    arrays = [generator.standard_normal(x_shape), generator.standard_normal(3),
              generator.standard_normal(3)]
    upstream = tg.tensor(generator.standard_normal(x_shape))
    results = []
    for fn in (lambda x, w, b: NF.batch_norm(x, None, None, w, b, training=True),
               _batch_norm_composite):
        leaves = [tg.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*leaves)
        firsts = tg.grad((out * upstream).sum(), leaves, create_graph=True)
        (second,) = tg.grad((firsts[0] * firsts[0]).sum() + (firsts[1] * firsts[1]).sum(),
                            leaves[:1])
        results.append((out, *firsts, second))
    assert results[0][0].grad_fn.name == "BatchNorm"
    assert "BatchNorm" not in {n._ctx.name for n in topological_order(results[1][0])}
    for fused, composite in zip(*results):
        np.testing.assert_allclose(fused.numpy(), composite.numpy(), rtol=1e-9, atol=1e-11)
