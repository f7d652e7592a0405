"""Elementwise ops: arithmetic, comparisons' gradients (max, where, clamp), casts and the functions eˣ, ln, √, |x|, sin, cos, ReLU, σ, tanh, erf.

Part of the rulebook (see ops/__init__.py for how to read a rule)."""

import math

import numpy as np

from ..autograd import Op
from ..dtypes import floating
from ..guardrails import numpy_errors_reported

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Maximum", "Where", "Clamp", "Cast", "Exp",
    "Log", "Sqrt", "Abs", "Sin", "Cos", "Relu", "Sigmoid", "Tanh", "Erf", "Log1p", "Expm1",
    "Rounding",
]


_EXP_LIMITS = {}


def _exp_limit(dtype):
    """ln of the largest finite number of a float dtype: e^x overflows above it."""
    limit = _EXP_LIMITS.get(dtype)
    if limit is None:
        # Rounded to the dtype, ln(max) can land just above it (float32: 88.722839 > ln max),
        # so step down until e^limit is finite in that dtype.
        limit = np.asarray(np.log(np.finfo(dtype).max), dtype=dtype)
        with np.errstate(over="ignore"):
            while not np.isfinite(np.exp(limit)):
                limit = np.nextafter(limit, np.zeros((), dtype))
        limit = _EXP_LIMITS[dtype] = float(limit)
    return limit


class Add(Op):
    """out = a + b

    ∂out/∂a = 1,   ∂out/∂b = 1
    saves: nothing
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"a": "δ(out)", "b": "δ(out)"}

    def forward(self, a, b):
        return a + b

    def backward(self, grad_out):
        return grad_out, grad_out


class Sub(Op):
    """out = a − b

    ∂out/∂a = 1,   ∂out/∂b = −1
    saves: nothing
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"a": "δ(out)", "b": "−δ(out)"}

    def forward(self, a, b):
        return a - b

    def backward(self, grad_out):
        return grad_out, (-grad_out if self.needs_input_grad[1] else None)


class Mul(Op):
    """out = a ⊙ b   (elementwise)

    ∂out/∂a = b,   ∂out/∂b = a
    saves: b if a needs a gradient, a if b does (what the rule will use, as PyTorch)
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"a": "δ(out) ⊙ b", "b": "δ(out) ⊙ a"}

    def forward(self, a, b):
        need = self.needs_input_grad  # (all False when nothing is recorded)
        self.save_for_backward(a if need[1] else None, b if need[0] else None)
        return a * b

    def backward(self, grad_out):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        return (grad_out * b if need_a else None), (grad_out * a if need_b else None)


class Div(Op):
    """out = a / b

    ∂out/∂a = 1/b,   ∂out/∂b = −a/b²
    saves: b, and a if b needs a gradient
    """
    chain_rule = {"a": "δ(out) / b", "b": "−δ(out) ⊙ a/b²"}

    def forward(self, a, b):
        self.save_for_backward(a if self.needs_input_grad[1] else None, b)
        with numpy_errors_reported(divide="ignore", invalid="ignore"):
            return a / b

    def backward(self, grad_out):
        a, b = self.saved_tensors
        grad_a = grad_out / b
        return grad_a, (-grad_a * a / b if self.needs_input_grad[1] else None)


class Neg(Op):
    """out = −x

    ∂out/∂x = −1
    saves: nothing
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"x": "−δ(out)"}

    def forward(self, x):
        return -x

    def backward(self, grad_out):
        return -grad_out


class Pow(Op):
    """out = a ** b

    ∂out/∂a = b · a^(b−1),   ∂out/∂b = a^b · ln a   (only computed when b needs a gradient)
    saves: a, b, out
    """
    chain_rule = {"a": "δ(out) ⊙ b ⊙ a^(b−1)", "b": "δ(out) ⊙ (a^b ⊙ ln a)"}

    def forward(self, a, b):
        with numpy_errors_reported(divide="ignore", invalid="ignore", over="ignore"):
            out = np.power(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad_out):
        a, b, out = self.saved_tensors
        grad_a = grad_out * b * a ** (b - 1)
        grad_b = grad_out * out * a.log() if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Maximum(Op):
    """out = max(a, b)   (elementwise)

    ∂out/∂a = 1 where a > b, ½ where a = b, 0 elsewhere;   ∂out/∂b = 1 − ∂out/∂a
    saves: the mask ∂out/∂a
    """
    chain_rule = {
        "a": "δ(out) where a > b (half of it where a = b), else 0",
        "b": "δ(out) where b > a (half of it where a = b), else 0",
    }

    def forward(self, a, b):
        mask = (a > b) + 0.5 * (a == b)
        self.save_for_backward(mask.astype(np.result_type(a, b)))
        return np.maximum(a, b)

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask, grad_out * (1 - mask)


class Where(Op):
    """out = a where condition else b   (condition: a fixed bool array)

    ∂out/∂a = 1 where condition, else 0;   ∂out/∂b = 1 − ∂out/∂a
    saves: the condition as a 0/1 mask
    """
    chain_rule = {"a": "δ(out) where condition, else 0", "b": "δ(out) where not condition, else 0"}

    def forward(self, a, b, condition):
        self.save_for_backward(condition.astype(np.result_type(a, b)))
        return np.where(condition, a, b)

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask, grad_out * (1 - mask)


class Clamp(Op):
    """out = min(max(x, low), high)

    ∂out/∂x = 1 where low ≤ x ≤ high, else 0
    saves: that 0/1 mask
    """
    chain_rule = {"x": "δ(out) ⊙ (1 where low ≤ x ≤ high, else 0)"}

    def forward(self, x, low, high):
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        self.save_for_backward(inside.astype(x.dtype))
        return np.clip(x, low, high)

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask


class Cast(Op):
    """out = x converted to another float dtype

    ∂out/∂x = 1 (the gradient is converted back to x's dtype)
    saves: nothing
    """
    chain_rule = {'x': "δ(out) converted back to x's dtype"}

    @classmethod
    def params_for_float64(cls, params):
        # checked as a float64 -> float64 cast: its derivative (1) does not depend on the dtype,
        # and float32 values are too coarse for finite differences
        return dict(params, dtype=np.dtype(np.float64))

    def forward(self, x, dtype):
        self.input_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad_out):
        return grad_out.to(self.input_dtype)


class Exp(Op):
    """out = eˣ

    ∂out/∂x = eˣ = out
    saves: out
    """
    chain_rule = {"x": "δ(out) ⊙ out"}

    def forward(self, x):
        if x.dtype.kind not in "fc":  # an int or bool tensor: floats, as PyTorch
            x = floating(x)
        with numpy_errors_reported(over="ignore"):
            out = np.exp(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out * out


class Log(Op):
    """out = ln x

    ∂out/∂x = 1/x
    saves: x
    """
    chain_rule = {"x": "δ(out) / x"}

    def forward(self, x):
        if x.dtype.kind not in "fc":  # an int or bool tensor: floats, as PyTorch
            x = floating(x)
        self.save_for_backward(x)
        with numpy_errors_reported(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return grad_out / x


class Sqrt(Op):
    """out = √x

    ∂out/∂x = 1 / (2√x) = 1 / (2·out)
    saves: out
    """
    chain_rule = {"x": "δ(out) / (2·out)"}

    def forward(self, x):
        if x.dtype.kind not in "fc":  # an int or bool tensor: floats, as PyTorch
            x = floating(x)
        with numpy_errors_reported(invalid="ignore"):
            out = np.sqrt(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out / (out * 2)


class Abs(Op):
    """out = |x|

    ∂out/∂x = sign(x)   (0 at x = 0, as in PyTorch)
    saves: sign(x)
    """
    chain_rule = {"x": "δ(out) ⊙ sign(x)"}

    def forward(self, x):
        self.save_for_backward(np.sign(x))
        return np.abs(x)

    def backward(self, grad_out):
        (sign,) = self.saved_tensors
        return grad_out * sign


class Sin(Op):
    """out = sin x

    ∂out/∂x = cos x
    saves: x
    """
    chain_rule = {"x": "δ(out) ⊙ (cos x)"}

    def forward(self, x):
        if x.dtype.kind not in "fc":  # an int or bool tensor: floats, as PyTorch
            x = floating(x)
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return grad_out * x.cos()


class Cos(Op):
    """out = cos x

    ∂out/∂x = −sin x
    saves: x
    """
    chain_rule = {"x": "δ(out) ⊙ (−sin x)"}

    def forward(self, x):
        if x.dtype.kind not in "fc":  # an int or bool tensor: floats, as PyTorch
            x = floating(x)
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return -(grad_out * x.sin())


class Relu(Op):
    """out = max(x, 0)

    ∂out/∂x = 1 where x > 0, else 0
    saves: that 0/1 mask
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"x": "δ(out) ⊙ (1 where x > 0, else 0)"}

    def forward(self, x):
        positive = x > 0
        self.save_for_backward(positive.astype(x.dtype))
        return x * positive

    def backward(self, grad_out):
        (mask,) = self.saved_tensors
        return grad_out * mask


class Sigmoid(Op):
    """out = σ(x) = 1 / (1 + e⁻ˣ)

    ∂out/∂x = σ(x)(1 − σ(x)) = out · (1 − out)
    saves: out
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"x": "δ(out) ⊙ out ⊙ (1 − out)"}

    def forward(self, x):
        if x.dtype.kind not in "fc":  # an int or bool tensor: floats, as PyTorch
            x = floating(x)
        # 1 / (1 + e⁻ˣ) is accurate on both sides (no 1 − tiny cancellation); only e⁻ˣ could
        # overflow, so its exponent is capped at ln(largest float): that changes σ(x) only where
        # it is below the smallest normal float, and it never gives inf or NaN.
        out = 1 / (1 + np.exp(np.minimum(-x, _exp_limit(x.dtype))))
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out * out * (1 - out)


class Tanh(Op):
    """out = tanh x

    ∂out/∂x = 1 − tanh²x = 1 − out²
    saves: out
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"x": "δ(out) ⊙ (1 − out²)"}

    def forward(self, x):
        if x.dtype.kind not in "fc":  # an int or bool tensor: floats, as PyTorch
            x = floating(x)
        out = np.tanh(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out * (1 - out * out)


# math.erf is exact to the last bit in float64; numpy has no erf of its own
_ERF = np.frompyfunc(math.erf, 1, 1)


class Erf(Op):
    """out = erf x = (2/√π) ∫₀ˣ e^(−t²) dt   (the exact GELU is x · ½(1 + erf(x/√2)))

    ∂out/∂x = (2/√π) · e^(−x²)
    saves: x
    """
    chain_rule = {"x": "δ(out) ⊙ (2/√π) e^(−x²)"}

    def forward(self, x):
        if x.dtype.kind not in "fc":  # an int or bool tensor: floats, as PyTorch
            x = floating(x)
        self.save_for_backward(x)
        return np.asarray(_ERF(x), dtype=x.dtype)  # (a 0-d x gives a Python float)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return grad_out * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


class Log1p(Op):
    """out = ln(1 + x)   (exact for tiny x, where 1 + x would round to 1)

    ∂out/∂x = 1/(1 + x)
    saves: x
    """
    chain_rule = {"x": "δ(out) / (1 + x)"}

    def forward(self, x):
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return grad_out / (x + 1)


class Expm1(Op):
    """out = eˣ − 1   (exact for tiny x, where eˣ would round to 1)

    ∂out/∂x = eˣ = out + 1
    saves: out
    """
    chain_rule = {"x": "δ(out) ⊙ (out + 1)"}

    def forward(self, x):
        with np.errstate(over="ignore"):
            out = np.expm1(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out * (out + 1)


class Rounding(Op):
    """out = ⌊x⌋, ⌈x⌉ or round(x) (`mode` "floor", "ceil" or "round": half to even, as PyTorch)

    ∂out/∂x = 0 (a staircase is flat between its steps), so no gradient flows back,
    exactly as in PyTorch (where floor/ceil/round give zero gradients, not an error)
    saves: nothing
    """
    chain_rule = {"x": "0 · δ(out)  (a staircase has slope 0)"}

    def forward(self, x, mode, decimals=0):
        self.input_shape = x.shape
        if mode == "round":
            return np.round(x, decimals)
        return np.floor(x) if mode == "floor" else np.ceil(x)

    def backward(self, grad_out):
        return grad_out * 0
