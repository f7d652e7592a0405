"""The torch.* level: `tg.tanh(t)`, `tg.sum(t, 1)`, `tg.matmul(a, b)` ... are the Tensor methods of the same name, as in PyTorch.

Programs from PyTorch courses call `torch.tanh(h)` as often as `h.tanh()`. Every function
here is made from the one table below from the method of the same name, so the two cannot
drift apart: they record the same ops and have the same gradient (tests/test_namespace.py
checks, against the real torch's dir(), that each method PyTorch also offers as a function
is here, and the reverse). A number or a nested list as the first argument becomes a tensor
first (`tg.exp(1.0)`); `out=` writes the result into a given tensor, as in PyTorch.

The functions of several tensors (`cat`, `stack`, `where`, `maximum`, `minimum`) and the
constructors live in creation.py instead.
"""

from . import autograd, modes

# name -> what it does, for the docstring (each one is the Tensor method of the same name)
_FUNCTIONS = {
    # elementwise
    "exp": "eˣ", "expm1": "eˣ − 1", "log": "ln x", "log2": "log₂ x", "log10": "log₁₀ x",
    "log1p": "ln(1 + x)", "sqrt": "√x", "abs": "|x|", "sin": "sin x", "cos": "cos x",
    "tanh": "tanh x", "sigmoid": "σ(x) = 1/(1 + e⁻ˣ)", "relu": "max(x, 0)", "neg": "−x",
    "square": "x²", "sign": "the sign of x (no gradient)", "pow": "xᵖ",
    "floor": "⌊x⌋ (zero gradient)", "ceil": "⌈x⌉ (zero gradient)",
    "round": "x rounded half to even (zero gradient)", "clamp": "x limited to [min, max]",
    "clip": "clamp",
    # arithmetic and comparisons
    "add": "a + b", "sub": "a − b", "mul": "a ⊙ b", "div": "a / b", "matmul": "a @ b",
    "mm": "a @ b of two matrices", "bmm": "a @ b of two batches of matrices",
    "mv": "a matrix times a vector", "dot": "the dot product of two vectors",
    "outer": "the outer product of two vectors", "eq": "a == b", "ne": "a != b",
    "lt": "a < b", "le": "a ≤ b", "gt": "a > b", "ge": "a ≥ b",
    # reductions
    "sum": "Σ over dims", "mean": "the mean over dims", "var": "the variance (unbiased)",
    "std": "the standard deviation (unbiased)", "norm": "the p-norm",
    "max": "the largest element; with an int dim, (values, indices)",
    "min": "the smallest element; with an int dim, (values, indices)",
    "amax": "the largest elements over dims", "amin": "the smallest elements over dims",
    "logsumexp": "ln Σ eˣ (stable)", "softmax": "softmax over dim",
    "log_softmax": "log softmax over dim", "argmax": "the index of the maximum",
    "argmin": "the index of the minimum", "all": "all elements true", "any": "any element true",
    "cumsum": "running sums along dim", "isnan": "x is NaN", "isfinite": "x is finite",
    "sort": "(values, indices) sorted along dim", "argsort": "the indices that sort x",
    "topk": "(values, indices) of the k largest", "numel": "the element count",
    "allclose": "all |a − b| ≤ atol + rtol·|b|",
    "is_floating_point": "whether the dtype is a float one", "is_complex": "False (real dtypes)",
    # shapes, picking and placing
    "reshape": "x with a new shape", "flatten": "x flattened", "squeeze": "size-1 dims removed",
    "unsqueeze": "a size-1 dim added", "transpose": "two dims swapped", "t": "a matrix transposed",
    "permute": "dims reordered", "split": "pieces along dim", "chunk": "n pieces along dim",
    "gather": "values picked along dim by an index", "scatter": "values placed along dim",
    "scatter_add": "values added along dim", "index_select": "slices picked along dim",
    "masked_fill": "value where mask is True", "tril": "the lower triangle",
    "triu": "the upper triangle", "clone": "a copy (gradients flow through)",
    "detach": "x cut off from the graph", "multinomial": "indices drawn by the weights in x",
    # in place (PyTorch has these as functions too)
    "abs_": "|x| in place", "clamp_": "clamp in place", "clip_": "clamp in place",
    "cos_": "cos in place", "exp_": "eˣ in place", "fill_": "x filled with a value",
    "log_": "ln in place", "neg_": "−x in place", "relu_": "ReLU in place",
    "sigmoid_": "σ in place", "sin_": "sin in place", "sqrt_": "√ in place",
    "square_": "x² in place", "tanh_": "tanh in place", "zero_": "x filled with zeros",
}

__all__ = sorted(_FUNCTIONS)


def _function(name, description):
    def function(input, *args, out=None, **kwargs):
        if not isinstance(input, autograd.Tensor):
            input = autograd.Tensor(input)
        result = getattr(input, name)(*args, **kwargs)
        return result if out is None else _write_out(name, result, out)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"tg.{name}(t, ...) = t.{name}(...): {description} (as torch.{name})."
    return function


def _write_out(name, result, out):
    """PyTorch's `out=`: the result's values written into `out` (which is returned)."""
    if isinstance(result, tuple):
        raise TypeError(f"{name}: out= is not supported for a function that returns a pair; "
                        f"use values, indices = tg.{name}(...)")
    if result.requires_grad and modes.is_grad_enabled():
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad; drop out= "
                           f"(y = tg.{name}(...)) or compute under tg.no_grad()")
    with modes.no_grad():
        if out.shape == result.shape and out.dtype == result.dtype:
            out.copy_(result)
        else:
            out.data = result.detach()
    return out


for _name, _description in _FUNCTIONS.items():
    globals()[_name] = _function(_name, _description)
del _name, _description
