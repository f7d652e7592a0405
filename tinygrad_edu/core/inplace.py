"""PyTorch's in-place world: add_, mul_, zero_, t[i] = v, +=, and the version counter that catches a saved tensor changed too early.

An in-place op is the out-of-place op written back into the tensor's own storage, so every
view of that storage sees the change and its version counter goes up by one:

- Outside the graph (no_grad, or nothing requires grad) that is all it does.
- On a tensor in the graph it is also recorded: the tensor becomes the output of a new node
  whose input is the tensor as it was (kept in its history, so ops that used the earlier
  version still backpropagate to it). `y = x * 1; y[0] = 5` gives δx = [0, 1, 1].
- A change through a slicing view (`y[0:2].mul_(2)`, `y[i] += v`) is also recorded on the
  viewed tensor, as a SetItem node (PyTorch's CopySlices).
- On a leaf that requires grad it raises PyTorch's error: change it under `tg.no_grad()`, or
  through `.data`.

Every op that saves tensors for its rule records their versions (autograd.Op.apply); if one
changed before backward(), the rule refuses to run and names the op and the user's line.
"""

import numpy as np

from . import autograd, ops, rng
from .indexing import check_key, normalize_key
from .messages import say
from .modes import is_grad_enabled

__all__ = ["InPlaceMixin"]

class InPlaceMixin:
    """The in-place methods of Tensor (mixed into the class; they use only Tensor methods)."""

    __slots__ = ()

    # -- arithmetic and functions: the out-of-place op, written back -------------------------
    def add_(self, other, alpha=1):
        """self += alpha · other, in place; returns self."""
        return self._inplace("add_", lambda t: t.add(_scaled(other, alpha)), other)

    def sub_(self, other, alpha=1):
        """self −= alpha · other, in place; returns self."""
        return self._inplace("sub_", lambda t: t.sub(_scaled(other, alpha)), other)

    def mul_(self, other):
        return self._inplace("mul_", lambda t: t.mul(other), other)

    def div_(self, other):
        return self._inplace("div_", lambda t: t.div(other), other)

    def pow_(self, exponent):
        return self._inplace("pow_", lambda t: t.pow(exponent), exponent)

    def neg_(self):
        return self._inplace("neg_", lambda t: t.neg())

    def exp_(self):
        return self._inplace("exp_", lambda t: t.exp())

    def log_(self):
        return self._inplace("log_", lambda t: t.log())

    def sqrt_(self):
        return self._inplace("sqrt_", lambda t: t.sqrt())

    def abs_(self):
        return self._inplace("abs_", lambda t: t.abs())

    def sin_(self):
        return self._inplace("sin_", lambda t: t.sin())

    def cos_(self):
        return self._inplace("cos_", lambda t: t.cos())

    def square_(self):
        return self._inplace("square_", lambda t: t.pow(2))  # t * t would use t twice

    def sigmoid_(self):
        return self._inplace("sigmoid_", lambda t: t.sigmoid())

    def tanh_(self):
        return self._inplace("tanh_", lambda t: t.tanh())

    def relu_(self):
        return self._inplace("relu_", lambda t: t.relu())

    def clamp_(self, min=None, max=None):
        return self._inplace("clamp_", lambda t: t.clamp(min, max), min, max)

    clip_ = clamp_

    def __iadd__(self, other):
        return self._inplace("+=", lambda t: t.add(other), other)

    def __isub__(self, other):
        return self._inplace("-=", lambda t: t.sub(other), other)

    def __imul__(self, other):
        return self._inplace("*=", lambda t: t.mul(other), other)

    def __itruediv__(self, other):
        return self._inplace("/=", lambda t: t.div(other), other)

    # -- assignments: t[key] = v and the methods that overwrite values -----------------------
    def __setitem__(self, key, value):
        self._assign("setitem", normalize_key(key), value)

    def zero_(self):
        """Set every element to zero in place; returns self."""
        return self._assign("zero_", Ellipsis, 0)

    def fill_(self, value):
        """Set every element to `value` in place; returns self."""
        return self._assign("fill_", Ellipsis, value)

    def copy_(self, source):
        """Copy `source`'s values into this tensor in place (it must broadcast to its shape);
        gradients flow to `source`, as in PyTorch."""
        return self._assign("copy_", Ellipsis, source)

    def masked_fill_(self, mask, value):
        """Set the elements where `mask` is True to `value`, in place; returns self."""
        mask = mask._data if isinstance(mask, autograd.Tensor) else np.asarray(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_fill_: the mask must be a bool tensor, got dtype "
                            f"{mask.dtype}")
        try:
            mask = np.broadcast_to(mask, self.shape)
        except ValueError:
            raise ValueError(f"masked_fill_: a mask of shape {mask.shape} does not broadcast to "
                             f"the tensor's shape {self.shape}") from None
        return self._assign("masked_fill_", mask, value)

    def normal_(self, mean=0.0, std=1.0):
        """Fill with samples of N(mean, std²) from the package generator (see manual_seed)."""
        if std < 0:
            raise ValueError(f"normal_: std must be non-negative, got {std}")
        return self._assign("normal_", Ellipsis,
                            rng.default_generator().normal(mean, std, self.shape))

    def uniform_(self, a=0.0, b=1.0):
        """Fill with samples of the uniform distribution on [a, b) (see manual_seed)."""
        if a > b:
            raise ValueError(f"uniform_: a={a} must not be larger than b={b}")
        return self._assign("uniform_", Ellipsis, rng.default_generator().uniform(a, b, self.shape))

    # -- the machinery ------------------------------------------------------------------------
    def _inplace(self, op, compute, *others):
        """Run `compute(self as it is)` (an out-of-place op), write the result into the storage,
        and record it when the graph is being recorded."""
        recording = is_grad_enabled() and (self.requires_grad or _any_requires_grad(others))
        if not recording:
            with autograd.no_grad():
                result = compute(self)
            self._write(op, Ellipsis, _same_shape(op, result, self))
            return self
        self._check_recordable(op)
        before = self._shell()
        result = _same_shape(op, compute(before), self)
        _keep_saved_input(result._ctx)
        version = self._write(op, Ellipsis, result)
        self._become(result, before, version)
        return self

    def _assign(self, op, key, value):
        """self[key] = value in place (zero_, fill_, copy_, t[key] = v): a SetItem node when
        recorded, so the overwritten elements get no gradient and `value` gets theirs."""
        target_shape = check_key(self._data, key, op)
        if not isinstance(value, autograd.Tensor):
            value = self._operand(value)
        try:
            fits = np.broadcast_shapes(value.shape, target_shape) == target_shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{op}: a value of shape {tuple(value.shape)} does not fit the "
                             f"selected part of shape {target_shape} (of a tensor of shape "
                             f"{self.shape})")
        recording = is_grad_enabled() and (self.requires_grad or value.requires_grad)
        if not recording:
            self._write(op, key, value)
            return self
        self._check_recordable(op)
        if value.requires_grad and value.shape != target_shape:
            value = value.expand(target_shape)  # SetItem's rule sends back δ(out)[key] as is
        before = self._shell()
        result = ops.SetItem.apply(before, value, key=key)
        version = self._write(op, key, value)
        self._become(result, before, version)
        return self

    def _check_recordable(self, op):
        """Raise before anything is written when a recorded in-place change is not allowed."""
        if self._view_of is not None:
            autograd.refresh_view(self)
        if self.requires_grad and self._ctx is None and self._view_of is None:
            raise RuntimeError(say("error.leaf_inplace", op=op))
        view = self._view_of
        while view is not None:
            source, op_class, params = view[:3]
            if source.requires_grad and source._ctx is None:
                raise RuntimeError(say("error.view_of_leaf_inplace", op=op))
            if op_class is not ops.Index or not ops.shape._is_basic_key(params["key"]):
                raise RuntimeError(
                    f"{op}: this tensor is a view made by {op_class.__name__} of another "
                    f"tensor, and tinygrad_edu records in-place changes through slicing views "
                    f"only; call .clone() on it first (or change the original tensor)")
            view = source._view_of

    def _write(self, op, key, value):
        """Write `value` (a Tensor) into self[key] in the storage; returns the version before."""
        result = value._data
        storage = self._data
        if not storage.flags.writeable:
            if self._base is not None:
                raise RuntimeError(
                    f"{op}: this tensor is a broadcast view (made by expand or broadcasting) "
                    f"whose elements share memory, so it cannot be changed in place; use "
                    f".clone() first")
            storage = self._data = storage.copy()  # e.g. a tensor made from a read-only array
        if not np.can_cast(result.dtype, storage.dtype, casting="same_kind"):
            raise TypeError(f"{op}: the result has dtype {result.dtype}, which cannot be stored "
                            f"in a tensor of dtype {storage.dtype} in place; convert first "
                            f"(for example .float())")
        storage[key] = result
        owner = self if self._base is None else self._base
        version = owner._version_count
        owner._version_count = version + 1
        return version

    def _shell(self):
        """This tensor as it is now, as its own node: same storage, version counter and graph."""
        shell = autograd.Tensor._make(self._data, self.requires_grad, self._ctx)
        shell._base = self if self._base is None else self._base
        if self.name is not None:
            shell.name = self.name
        return shell

    def _become(self, result, before, version):
        """Make self the output of `result`'s node; ops that used self at `version` will use
        `before` (the same tensor as it was) when they backpropagate."""
        ctx = result._ctx
        if ctx.saved:  # a rule that saved its output finds it in self's storage
            ctx.output_slots = tuple(i for i, s in enumerate(ctx.saved) if s is result._data)
            ctx.saved = tuple(self._data if s is result._data else s for s in ctx.saved)
        ctx.output_version = version + 1
        autograd.seen.history = True
        history = dict(self._history) if self._history is not None else {}
        history[version] = before
        self._history = history
        self._ctx = ctx
        self.requires_grad = True
        if self._view_of is not None:
            self._record_on_viewed(version)

    def _record_on_viewed(self, version):
        """A recorded change through a view is also a change of the viewed tensor: record it
        there as SetItem(viewed as it was, this view, key) (PyTorch's CopySlices)."""
        source, op_class, params = self._view_of[:3]  # a basic-index view (_check_recordable)
        before = source._shell()
        result = ops.SetItem.apply(before, self, key=params["key"])
        source._become(result, before, version)  # the storage already holds the new values
        self._view_of = (source, op_class, params, len(source._history), version + 1)


def _keep_saved_input(ctx):
    """A rule that saved the tensor being changed (mul_ saves it for δ(other)) gets a copy of
    its values before the change, as PyTorch does: a Clone node between the tensor as it was
    and the op, so higher-order gradients still reach it. Not when it also came in as the other
    operand (y.mul_(y)): that one counts as changed and is refused at backward(), as in PyTorch.
    """
    before = ctx.parents[0]
    storage = before._data
    if not ctx.saved or not any(s is storage for s in ctx.saved) \
            or any(p._data is storage for p in ctx.parents[1:]):
        return
    snapshot = ops.Clone.apply(before)
    ctx.parents = (snapshot,) + ctx.parents[1:]
    ctx.versions = (0,) + ctx.versions[1:]
    ctx.saved = tuple(snapshot._data if s is storage else s for s in ctx.saved)


def _same_shape(op, result, t):
    if result.shape != t.shape:
        raise RuntimeError(
            f"{op}: the result has shape {tuple(result.shape)}, which does not fit the tensor's "
            f"shape {tuple(t.shape)}; an in-place op cannot change a tensor's shape (the other "
            f"operand must broadcast to {tuple(t.shape)})")
    return result


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


def _any_requires_grad(values):
    for v in values:
        if isinstance(v, autograd.Tensor) and v.requires_grad:
            return True
    return False
