"""The torch.* level: `tg.tanh(t)`, `tg.sum(t, 1)`, `tg.matmul(a, b)` ... are the Tensor methods of the same name, as in PyTorch.

Programs from PyTorch courses call `torch.tanh(h)` as often as `h.tanh()`; each function here
is the method, so it records the same ops and has the same gradient. A number or a nested list
as the first argument becomes a tensor first (`tg.exp(1.0)`).

Not here on purpose: `tg.max` / `tg.min` (PyTorch's `torch.max(t, dim)` returns values and
indices, our `Tensor.max(dim)` returns the values only), and the functions already defined
in creation.py (`cat`, `stack`, `where`, `maximum`, `minimum`).
"""

from . import autograd

# name -> what it does, for the docstring (all are Tensor methods of the same name)
_FUNCTIONS = {
    "exp": "eˣ", "log": "ln x", "log10": "log₁₀ x", "sqrt": "√x", "abs": "|x|",
    "sin": "sin x", "cos": "cos x", "tanh": "tanh x", "sigmoid": "σ(x) = 1/(1 + e⁻ˣ)",
    "relu": "max(x, 0)", "neg": "−x", "square": "x²", "sign": "the sign of x (no gradient)",
    "pow": "xᵖ", "matmul": "a @ b", "clamp": "x limited to [min, max]", "clip": "clamp",
    "sum": "Σ over dims", "mean": "the mean over dims", "var": "the variance (unbiased)",
    "std": "the standard deviation (unbiased)", "norm": "the p-norm",
    "logsumexp": "ln Σ eˣ (stable)", "softmax": "softmax over dim",
    "log_softmax": "log softmax over dim", "argmax": "the index of the maximum",
    "argmin": "the index of the minimum", "all": "all elements true", "any": "any element true",
    "isnan": "x is NaN", "isfinite": "x is finite", "reshape": "x with a new shape",
    "flatten": "x flattened", "squeeze": "size-1 dims removed", "unsqueeze": "a size-1 dim added",
    "transpose": "two dims swapped", "permute": "dims reordered", "numel": "the element count",
    "clone": "a copy (gradients flow through)", "detach": "x cut off from the graph",
}

__all__ = sorted(_FUNCTIONS)


def _function(name, description):
    def function(input, *args, **kwargs):
        if not isinstance(input, autograd.Tensor):
            input = autograd.Tensor(input)
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"tg.{name}(t, ...) = t.{name}(...): {description} (as torch.{name}).")
    return function


for _name, _description in _FUNCTIONS.items():
    globals()[_name] = _function(_name, _description)
del _name, _description
