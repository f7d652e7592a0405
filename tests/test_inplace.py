"""Tests of PyTorch's in-place world (methods ending in `_`, `+=`, `t[idx] = v`, `.data`), each case run in tinygrad_edu and in PyTorch (float64) and compared."""

import operator
import re

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")


# ---------------------------------------------------------------------------------------------
# One case, two frameworks
# ---------------------------------------------------------------------------------------------

class Framework:
    """The few names a case needs, so each case is written once and run in both frameworks."""

    def __init__(self, module):
        self.module = module
        self.no_grad = module.no_grad

    def tensor(self, data, requires_grad=False, dtype="float64"):
        return self.module.tensor(np.array(data, dtype=dtype), dtype=getattr(self.module, dtype),
                                  requires_grad=requires_grad)

    def index(self, data):
        """An integer or boolean index tensor."""
        return self.module.tensor(np.asarray(data))

    def array(self, array):
        """A numpy array on the right of `t[idx] = ...`: tinygrad_edu takes it as it is, torch
        only takes tensors there."""
        return array if self.module is tg else torch.as_tensor(array)

    def __repr__(self):
        return self.module.__name__


TG, TORCH = Framework(tg), Framework(torch)


def values(t):
    return np.asarray(t.detach().numpy())


def assert_same(ours, theirs, rtol=1e-12):
    """tinygrad_edu's tensor `ours` has torch's shape, dtype and values."""
    assert isinstance(ours, tg.Tensor)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype).replace("torch.", "") == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(values(ours), values(theirs), rtol=rtol, atol=rtol)


def assert_same_grad(ours, theirs):
    if theirs.grad is None:
        assert ours.grad is None
    else:
        assert ours.grad is not None
        assert_same(ours.grad, theirs.grad)


MIXED = np.array([[-1.5, 0.5, 2.0], [3.0, -0.25, 1.0]])
POSITIVE = np.array([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]])
OTHER = np.array([[2.0, -0.5, 1.25], [0.75, 4.0, -3.0]])
ROW = np.array([10.0, 20.0, 30.0])            # broadcasts over the rows of a (2, 3) tensor
COLUMN = np.array([[100.0], [200.0]])         # broadcasts over the columns
MASK = MIXED > 0


# ---------------------------------------------------------------------------------------------
# In-place methods and augmented assignment on plain tensors
# ---------------------------------------------------------------------------------------------

def case(data, change, id):
    return pytest.param(data, change, id=id)


METHOD_CASES = [
    case(MIXED, lambda lib, t: t.add_(lib.tensor(OTHER)), "add_ tensor"),
    case(MIXED, lambda lib, t: t.add_(lib.tensor(OTHER), alpha=2.5), "add_ alpha"),
    case(MIXED, lambda lib, t: t.add_(1.5), "add_ number"),
    case(MIXED, lambda lib, t: t.add_(lib.tensor(ROW)), "add_ broadcast row"),
    case(MIXED, lambda lib, t: t.add_(lib.tensor(COLUMN), alpha=-1), "add_ broadcast column alpha"),
    case(MIXED, lambda lib, t: t.sub_(lib.tensor(OTHER)), "sub_ tensor"),
    case(MIXED, lambda lib, t: t.sub_(lib.tensor(OTHER), alpha=0.5), "sub_ alpha"),
    case(MIXED, lambda lib, t: t.sub_(2.0), "sub_ number"),
    case(MIXED, lambda lib, t: t.mul_(lib.tensor(OTHER)), "mul_ tensor"),
    case(MIXED, lambda lib, t: t.mul_(-3.0), "mul_ number"),
    case(MIXED, lambda lib, t: t.mul_(lib.tensor(ROW)), "mul_ broadcast row"),
    case(MIXED, lambda lib, t: t.div_(lib.tensor(OTHER)), "div_ tensor"),
    case(MIXED, lambda lib, t: t.div_(4.0), "div_ number"),
    case(MIXED, lambda lib, t: t.div_(lib.tensor(COLUMN)), "div_ broadcast column"),
    case(MIXED, lambda lib, t: t.pow_(2), "pow_ integer"),
    case(POSITIVE, lambda lib, t: t.pow_(0.5), "pow_ fraction"),
    case(POSITIVE, lambda lib, t: t.pow_(lib.tensor(OTHER)), "pow_ tensor"),
    case(MIXED, lambda lib, t: t.neg_(), "neg_"),
    case(MIXED, lambda lib, t: t.exp_(), "exp_"),
    case(POSITIVE, lambda lib, t: t.log_(), "log_"),
    case(POSITIVE, lambda lib, t: t.sqrt_(), "sqrt_"),
    case(MIXED, lambda lib, t: t.abs_(), "abs_"),
    case(MIXED, lambda lib, t: t.sigmoid_(), "sigmoid_"),
    case(MIXED, lambda lib, t: t.tanh_(), "tanh_"),
    case(MIXED, lambda lib, t: t.relu_(), "relu_"),
    case(MIXED, lambda lib, t: t.clamp_(-0.5, 1.0), "clamp_ min max"),
    case(MIXED, lambda lib, t: t.clamp_(min=0.0), "clamp_ min only"),
    case(MIXED, lambda lib, t: t.clamp_(max=0.75), "clamp_ max only"),
    case(MIXED, lambda lib, t: t.zero_(), "zero_"),
    case(MIXED, lambda lib, t: t.fill_(3.5), "fill_"),
    case(MIXED, lambda lib, t: t.copy_(lib.tensor(OTHER)), "copy_ tensor"),
    case(MIXED, lambda lib, t: t.copy_(lib.tensor(ROW)), "copy_ broadcast row"),
    case(MIXED, lambda lib, t: t.masked_fill_(lib.index(MASK), 9.0), "masked_fill_ mask"),
    case(MIXED, lambda lib, t: t.masked_fill_(lib.index([True, False, True]), -1.0),
         "masked_fill_ broadcast mask"),
    case(MIXED, lambda lib, t: operator.iadd(t, lib.tensor(OTHER)), "+= tensor"),
    case(MIXED, lambda lib, t: operator.iadd(t, 2.5), "+= number"),
    case(MIXED, lambda lib, t: operator.iadd(t, lib.tensor(ROW)), "+= broadcast row"),
    case(MIXED, lambda lib, t: operator.iadd(t, lib.tensor(COLUMN)), "+= broadcast column"),
    case(MIXED, lambda lib, t: operator.isub(t, lib.tensor(OTHER)), "-= tensor"),
    case(MIXED, lambda lib, t: operator.isub(t, 1.0), "-= number"),
    case(MIXED, lambda lib, t: operator.imul(t, lib.tensor(OTHER)), "*= tensor"),
    case(MIXED, lambda lib, t: operator.imul(t, 0.5), "*= number"),
    case(MIXED, lambda lib, t: operator.imul(t, lib.tensor(ROW)), "*= broadcast row"),
    case(MIXED, lambda lib, t: operator.itruediv(t, lib.tensor(OTHER)), "/= tensor"),
    case(MIXED, lambda lib, t: operator.itruediv(t, 8.0), "/= number"),
    case(MIXED, lambda lib, t: t.mul_(2.0).add_(1.0).tanh_(), "chain mul_ add_ tanh_"),
]


@pytest.mark.parametrize("data, change", METHOD_CASES)
def test_in_place_change_of_a_plain_tensor_matches_torch(data, change):
    theirs = TORCH.tensor(data)
    assert change(TORCH, theirs) is theirs
    ours = TG.tensor(data)
    storage = ours.numpy()
    assert change(TG, ours) is ours                       # the method returns self
    assert_same(ours, theirs)
    np.testing.assert_allclose(storage, values(theirs))   # the memory itself changed


LEFT_GROWS = [
    pytest.param(lambda t, o: operator.iadd(t, o), r"\+=|add_|iadd", id="+="),
    pytest.param(lambda t, o: operator.isub(t, o), r"-=|sub_|isub", id="-="),
    pytest.param(lambda t, o: operator.imul(t, o), r"\*=|mul_|imul", id="*="),
    pytest.param(lambda t, o: operator.itruediv(t, o), r"/=|div_|itruediv", id="/="),
    pytest.param(lambda t, o: t.add_(o), r"add_", id="add_"),
    pytest.param(lambda t, o: t.sub_(o), r"sub_", id="sub_"),
    pytest.param(lambda t, o: t.mul_(o), r"mul_", id="mul_"),
    pytest.param(lambda t, o: t.div_(o), r"div_", id="div_"),
    pytest.param(lambda t, o: t.copy_(o), r"copy_", id="copy_"),
]


@pytest.mark.parametrize("change, op_name", LEFT_GROWS)
def test_in_place_change_cannot_grow_the_left_side(change, op_name):
    """a += b keeps a's shape: a b that would broadcast a to a bigger shape is an error."""
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        change(TORCH.tensor(ROW), TORCH.tensor(np.ones((2, 3))))
    ours = TG.tensor(ROW)
    with pytest.raises((RuntimeError, ValueError)) as error:
        change(ours, TG.tensor(np.ones((2, 3))))
    message = str(error.value)
    assert re.search(op_name, message), message
    assert re.search(r"\(3,\)|\[3\]", message) and re.search(r"\(2, 3\)|\[2, 3\]", message), message
    np.testing.assert_array_equal(values(ours), ROW)     # nothing was written


DTYPE_CASES = [
    pytest.param("float32", "float64", lambda t, o: operator.iadd(t, o), id="float32 += float64"),
    pytest.param("float32", "float64", lambda t, o: operator.imul(t, o), id="float32 *= float64"),
    pytest.param("float32", "float64", lambda t, o: t.add_(o), id="float32.add_(float64)"),
    pytest.param("float32", "float64", lambda t, o: t.div_(o), id="float32.div_(float64)"),
    pytest.param("float32", "float64", lambda t, o: t.copy_(o), id="float32.copy_(float64)"),
    pytest.param("float32", "float64", lambda t, o: t.__setitem__(slice(None), o),
                 id="float32[:] = float64"),
    pytest.param("float64", "float32", lambda t, o: operator.iadd(t, o), id="float64 += float32"),
    pytest.param("float32", None, lambda t, o: operator.iadd(t, 0.1), id="float32 += python float"),
]


@pytest.mark.parametrize("left, right, change", DTYPE_CASES)
def test_in_place_change_keeps_the_left_dtype_like_torch(left, right, change):
    def run(lib):
        t = lib.tensor(MIXED, dtype=left)
        other = lib.tensor(OTHER, dtype=right) if right else None
        change(t, other)
        return t
    theirs = run(TORCH)
    assert str(theirs.dtype) == f"torch.{left}"
    assert_same(run(TG), theirs, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Random in-place fills
# ---------------------------------------------------------------------------------------------

def test_normal_fills_with_the_asked_mean_and_std():
    t = tg.zeros(200, 100)
    assert t.normal_(mean=2.0, std=0.5) is t
    assert t.shape == (200, 100) and t.dtype == np.float32
    assert abs(values(t).mean() - 2.0) < 0.02 and abs(values(t).std() - 0.5) < 0.02
    t.normal_(-1.0, 3.0)                                      # positional, as in torch
    assert abs(values(t).mean() + 1.0) < 0.1 and abs(values(t).std() - 3.0) < 0.1
    t.normal_()                                               # torch's defaults: mean 0, std 1
    assert abs(values(t).mean()) < 0.03 and abs(values(t).std() - 1.0) < 0.03


def test_uniform_fills_the_half_open_range():
    t = tg.zeros(200, 100)
    assert t.uniform_(-1.0, 3.0) is t
    assert t.shape == (200, 100) and t.dtype == np.float32
    sample = values(t)
    assert sample.min() >= -1.0 and sample.max() < 3.0
    assert sample.min() < -0.99 and sample.max() > 2.99        # fills the range, not a part
    assert abs(sample.mean() - 1.0) < 0.05
    sample = values(t.uniform_())                             # torch's defaults: [0, 1)
    assert sample.min() >= 0.0 and sample.max() < 1.0 and abs(sample.mean() - 0.5) < 0.02


@pytest.mark.parametrize("fill", [lambda t: t.normal_(), lambda t: t.uniform_(-2.0, 2.0)],
                         ids=["normal_", "uniform_"])
def test_random_fills_follow_manual_seed(fill):
    def sample(seed):
        tg.manual_seed(seed)
        return values(fill(tg.zeros(50))).copy()
    np.testing.assert_array_equal(sample(7), sample(7))
    assert not np.array_equal(sample(7), sample(8))
    tg.manual_seed(7)
    first, second = values(fill(tg.zeros(50))).copy(), values(fill(tg.zeros(50))).copy()
    assert not np.array_equal(first, second)                 # the generator moves on


@pytest.mark.parametrize("fill", [lambda t: t.normal_(), lambda t: t.uniform_()],
                         ids=["normal_", "uniform_"])
def test_random_fill_of_a_non_leaf_cuts_the_gradient_like_torch(fill):
    def run(lib):
        x = lib.tensor(MIXED, requires_grad=True)
        y = x * 2
        fill(y)
        (y * lib.tensor(OTHER)).sum().backward()
        return x
    theirs = run(TORCH)
    assert_same_grad(run(TG), theirs)


# ---------------------------------------------------------------------------------------------
# t[idx] = v and t[idx] += v
# ---------------------------------------------------------------------------------------------

BASE = np.arange(12.0).reshape(4, 3) - 5.0

INDEX_KINDS = [
    pytest.param(lambda lib: 1, id="int"),
    pytest.param(lambda lib: -1, id="negative int"),
    pytest.param(lambda lib: slice(1, 3), id="slice"),
    pytest.param(lambda lib: slice(None, None, 2), id="step slice"),
    pytest.param(lambda lib: slice(-3, None), id="negative slice start"),
    pytest.param(lambda lib: (1, 2), id="tuple of ints"),
    pytest.param(lambda lib: (-1, -3), id="tuple of negative ints"),
    pytest.param(lambda lib: (slice(1, 3), slice(0, 2)), id="tuple of slices"),
    pytest.param(lambda lib: (0, slice(1, None)), id="int and slice"),
    pytest.param(lambda lib: (slice(None), slice(None, None, 2)), id="column step slice"),
    pytest.param(lambda lib: Ellipsis, id="Ellipsis"),
    pytest.param(lambda lib: (Ellipsis, 1), id="Ellipsis and int"),
    pytest.param(lambda lib: (None, 1), id="None and int"),
    pytest.param(lambda lib: (slice(0, 2), None), id="slice and None"),
    pytest.param(lambda lib: BASE > 0, id="bool mask numpy"),
    pytest.param(lambda lib: lib.index(BASE > 0), id="bool mask Tensor"),
    pytest.param(lambda lib: np.array([True, False, True, True]), id="bool row mask numpy"),
    pytest.param(lambda lib: lib.index([False, True, False, True]), id="bool row mask Tensor"),
    pytest.param(lambda lib: [0, 2], id="int list"),
    pytest.param(lambda lib: [-1, 0], id="negative int list"),
    pytest.param(lambda lib: np.array([3, 1]), id="int numpy array"),
    pytest.param(lambda lib: lib.index([2, 0]), id="int Tensor"),
    pytest.param(lambda lib: ([0, 2, 3], [1, 0, 2]), id="tuple of int lists"),
    pytest.param(lambda lib: ([1, 3], slice(1, None)), id="int list and slice"),
    pytest.param(lambda lib: (slice(None), lib.index([2, 0])), id="slice and int Tensor"),
]


def selected_shape(key):
    """The shape of BASE[key], by numpy's rules (bool and int tensors as numpy arrays)."""
    def as_numpy(part):
        return part.numpy() if isinstance(part, tg.Tensor) else part
    key = tuple(as_numpy(part) for part in key) if isinstance(key, tuple) else as_numpy(key)
    return BASE[key].shape


def numbers(shape):
    return np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape) * 0.5 + 10.0


VALUE_KINDS = [
    pytest.param(lambda lib, shape: 7.5, id="scalar"),
    pytest.param(lambda lib, shape: lib.tensor(numbers(shape[1:])), id="broadcast tensor"),
    pytest.param(lambda lib, shape: lib.tensor(numbers(shape)), id="tensor"),
    pytest.param(lambda lib, shape: lib.array(numbers(shape)), id="numpy array"),
]


def assign(t, key, value, operation):
    if operation == "=":
        t[key] = value
    else:
        t[key] += value


@pytest.mark.parametrize("operation", ["=", "+="])
@pytest.mark.parametrize("make_value", VALUE_KINDS)
@pytest.mark.parametrize("make_key", INDEX_KINDS)
def test_setitem_matches_torch(make_key, make_value, operation):
    shape = selected_shape(make_key(TG))
    theirs = TORCH.tensor(BASE)
    assign(theirs, make_key(TORCH), make_value(TORCH, shape), operation)
    ours = TG.tensor(BASE)
    storage = ours.numpy()
    assign(ours, make_key(TG), make_value(TG, shape), operation)
    assert_same(ours, theirs)
    np.testing.assert_allclose(storage, values(theirs))
    assert not ours.requires_grad and ours.is_leaf


# ---------------------------------------------------------------------------------------------
# Views share memory (no graph)
# ---------------------------------------------------------------------------------------------

def changed_view(lib, take, change):
    """Take a view of a plain tensor, change the view in place; returns (tensor, view)."""
    t = lib.tensor(BASE)
    view = take(t)
    change(view)
    return t, view


VIEW_CASES = [
    pytest.param(lambda t: t[1:3], lambda v: v.add_(1.0), id="slice"),
    pytest.param(lambda t: t[0], lambda v: v.mul_(2.0), id="int"),
    pytest.param(lambda t: t[:, ::2], lambda v: v.zero_(), id="step slice"),
    pytest.param(lambda t: t[..., 1], lambda v: v.fill_(4.0), id="Ellipsis"),
    pytest.param(lambda t: t[None, 2], lambda v: operator.iadd(v, 3.0), id="None"),
    pytest.param(lambda t: t[1:][0], lambda v: v.neg_(), id="view of a view"),
    pytest.param(lambda t: t[[0, 1]], lambda v: v.fill_(0.0), id="int list copies"),
    pytest.param(lambda t: t[t > 0], lambda v: v.fill_(0.0), id="bool mask copies"),
    pytest.param(lambda t: t.detach(), lambda v: v.add_(1.0), id="detach"),
    pytest.param(lambda t: t.data, lambda v: v.mul_(3.0), id="data"),
    pytest.param(lambda t: t.reshape(12), lambda v: v.add_(1.0), id="reshape"),
    pytest.param(lambda t: t.view(2, 6), lambda v: v.mul_(2.0), id="view"),
    pytest.param(lambda t: t.flatten(), lambda v: v.sub_(1.0), id="flatten"),
    pytest.param(lambda t: t.T, lambda v: v[0].zero_(), id="T"),
    pytest.param(lambda t: t.transpose(0, 1), lambda v: v[1].fill_(2.0), id="transpose"),
    pytest.param(lambda t: t.permute(1, 0), lambda v: v.add_(1.0), id="permute"),
    pytest.param(lambda t: t.unsqueeze(0), lambda v: v.mul_(-1.0), id="unsqueeze"),
    pytest.param(lambda t: t[0:1].squeeze(0), lambda v: v.fill_(1.0), id="squeeze"),
]


@pytest.mark.parametrize("take, change", VIEW_CASES)
def test_changing_a_view_changes_its_base_like_torch(take, change):
    their_base, their_view = changed_view(TORCH, take, change)
    our_base, our_view = changed_view(TG, take, change)
    assert_same(our_base, their_base)
    assert_same(our_view, their_view)


@pytest.mark.parametrize("take", [lambda t: t[1], lambda t: t[:, 1:], lambda t: t.detach(),
                                  lambda t: t.data, lambda t: t.reshape(12)],
                         ids=["int", "slice", "detach", "data", "reshape"])
def test_changing_the_base_shows_in_its_views_like_torch(take):
    def run(lib):
        t = lib.tensor(BASE)
        view = take(t)
        t.mul_(2.0)
        t[0] = -1.0
        return view
    assert_same(run(TG), run(TORCH))


# ---------------------------------------------------------------------------------------------
# Autograd of in-place changes on non-leaves (and on plain tensors taking a grad value)
# ---------------------------------------------------------------------------------------------
# Each case gets two leaves that require grad, x (mixed signs) and w (no zeros), both (2, 3),
# and returns the tensor whose weighted sum is backpropagated.  "raises" marks the cases where
# torch refuses at backward() because a value saved for it was changed; tinygrad_edu must
# refuse them too.

def setitem_int_constant(lib, x, w):
    y = x * 1
    y[0] = 5.0
    return y


def setitem_tuple_constant(lib, x, w):
    y = x * 1
    y[0, 1] = 5.0
    return y


def setitem_step_slice_constant(lib, x, w):
    y = x * 1
    y[:, ::2] = 0.0
    return y


def setitem_mask_constant(lib, x, w):
    y = x * 1
    y[lib.index(MASK)] = 0.0
    return y


def setitem_int_lists_constant(lib, x, w):
    y = x * 1
    y[[0, 1], [2, 0]] = -1.0
    return y


def setitem_row_from_w(lib, x, w):
    y = x * 1
    y[1] = w[0] * 2
    return y


def setitem_mask_from_w(lib, x, w):
    y = x * 1
    y[lib.index(MASK)] = w[lib.index(MASK)] * 3
    return y


def setitem_numpy_mask_from_w(lib, x, w):
    y = x * 1
    y[~MASK] = w[~MASK]
    return y


def setitem_int_tensor_columns_from_w(lib, x, w):
    y = x * 1
    y[:, lib.index([2, 0])] = w[:, :2] * w[:, 1:]
    return y


def setitem_ellipsis_from_w(lib, x, w):
    y = x * 1
    y[..., 1] = w[:, 0]
    return y


def setitem_broadcast_from_w(lib, x, w):
    y = x * 1
    y[:, 1:] = w[0, 2]
    return y


def slice_plus_equals_w(lib, x, w):
    y = x * 1
    y[1:] += w[0]
    return y


def int_lists_plus_equals_w(lib, x, w):
    y = x * 1
    y[[1, 0]] += w
    return y


def mask_times_equals_w(lib, x, w):
    y = x * 1
    y[lib.index(MASK)] *= w[lib.index(MASK)]
    return y


def mul_by_itself(lib, x, w):
    y = x * 2
    y.mul_(y)
    return y


def exp_then_add(lib, x, w):
    y = x.exp()
    y.add_(1.0)
    return y


def add_alpha(lib, x, w):
    y = x * 1
    y.add_(w, alpha=2.0)
    return y


def sub_alpha(lib, x, w):
    y = x * 1
    y.sub_(w, alpha=3.0)
    return y


def mul_w(lib, x, w):
    y = x * 1
    y.mul_(w)
    return y


def div_w(lib, x, w):
    y = x * 1
    y.div_(w)
    return y


def pow_number(lib, x, w):
    y = x * 1
    y.pow_(3)
    return y


def pow_w(lib, x, w):
    y = x * x + 1
    y.pow_(w)
    return y


def neg(lib, x, w):
    y = x * w
    y.neg_()
    return y


def exp(lib, x, w):
    y = x * w
    y.exp_()
    return y


def log(lib, x, w):
    y = x * x + 1
    y.log_()
    return y


def sqrt(lib, x, w):
    y = x * x + 1
    y.sqrt_()
    return y


def abs_(lib, x, w):
    y = x * w
    y.abs_()
    return y


def sigmoid(lib, x, w):
    y = x * w
    y.sigmoid_()
    return y


def tanh(lib, x, w):
    y = x * w
    y.tanh_()
    return y


def relu(lib, x, w):
    y = x * w
    y.relu_()
    return y


def clamp(lib, x, w):
    y = x * 1
    y.clamp_(-0.5, 1.0)
    return y


def clamp_min(lib, x, w):
    y = x * 1
    y.clamp_(min=0.0)
    return y


def zero(lib, x, w):
    y = x * 1
    y.zero_()
    return y


def fill(lib, x, w):
    y = x * 1
    y.fill_(2.0)
    return y


def copy_w(lib, x, w):
    y = x * 1
    y.copy_(w)
    return y


def copy_broadcast_row(lib, x, w):
    y = x * 1
    y.copy_(w[1])
    return y


def masked_fill(lib, x, w):
    y = x * 1
    y.masked_fill_(lib.index(MASK), 0.0)
    return y


def plus_equals_w(lib, x, w):
    y = x * 1
    y += w
    return y


def minus_equals_w(lib, x, w):
    y = x * 1
    y -= w
    return y


def times_equals_w(lib, x, w):
    y = x * 1
    y *= w
    return y


def divide_equals_w(lib, x, w):
    y = x * 1
    y /= w
    return y


def times_equals_number(lib, x, w):
    y = x + w
    y *= 3.0
    return y


def times_equals_broadcast_row(lib, x, w):
    y = x * 1
    y *= w[0]
    return y


def chain_of_methods(lib, x, w):
    y = x * 1
    y.mul_(2.0).add_(w).tanh_()
    return y


def chain_of_assignments(lib, x, w):
    y = x * 1
    y += w
    y *= 2.0
    y[0, 0] = 3.0
    y -= x
    y.sigmoid_()
    return y


def chain_reading_the_changed_tensor(lib, x, w):
    y = x * 1
    y.add_(w)
    z = y * y                      # z saves the changed y: no later change, so no error
    y.mul_(2.0)
    return z + y


def plain_tensor_plus_equals_w(lib, x, w):
    a = lib.tensor(np.zeros((2, 3)))
    a += w
    return a


def plain_tensor_rows_set_from_w(lib, x, w):
    a = lib.tensor(np.zeros((2, 3)))
    a[0] = w[1]
    a[1] = x[0] * w[0]
    return a


def plain_tensor_copies_w(lib, x, w):
    a = lib.tensor(np.zeros((2, 3)))
    a.copy_(w * x)
    return a


def change_under_no_grad_is_not_recorded(lib, x, w):
    y = x * 2
    with lib.no_grad():
        y.add_(w)
        y[0] = 5.0
    return y


def view_slice_mul(lib, x, w):
    y = x * 1
    v = y[0:1]
    v.mul_(2.0)
    return y


def view_int_add_w(lib, x, w):
    y = x * 1
    v = y[1]
    v.add_(w[0])
    return y


def view_step_slice_mul_w(lib, x, w):
    y = x * 1
    v = y[:, ::2]
    v.mul_(w[:, ::2])
    return y


def view_ellipsis_zero(lib, x, w):
    y = x * 1
    v = y[..., 1]
    v.zero_()
    return y


def view_of_a_view_mul(lib, x, w):
    y = x * 1
    v = y[1:]
    u = v[0]
    u.mul_(3.0)
    return y


def view_exp_then_base_used(lib, x, w):
    y = x * w
    v = y[0]
    v.exp_()
    return y


def view_and_base_both_used(lib, x, w):
    y = x * 1
    v = y[0:1]
    v += w[0:1]
    return y + v


def base_changed_then_view_used(lib, x, w):
    y = x * 1
    v = y[0]
    y.mul_(w)
    return v


def base_set_then_view_used(lib, x, w):
    y = x * 1
    v = y[:, 1]
    y[1] = w[0]
    return v


def grad_case(function, torch_outcome):
    return pytest.param(function, torch_outcome, id=function.__name__)


GRAD_CASES = [
    grad_case(setitem_int_constant, "ok"),
    grad_case(setitem_tuple_constant, "ok"),
    grad_case(setitem_step_slice_constant, "ok"),
    grad_case(setitem_mask_constant, "ok"),
    grad_case(setitem_int_lists_constant, "ok"),
    grad_case(setitem_row_from_w, "ok"),
    grad_case(setitem_mask_from_w, "ok"),
    grad_case(setitem_numpy_mask_from_w, "ok"),
    grad_case(setitem_int_tensor_columns_from_w, "ok"),
    grad_case(setitem_ellipsis_from_w, "ok"),
    grad_case(setitem_broadcast_from_w, "ok"),
    grad_case(slice_plus_equals_w, "ok"),
    grad_case(int_lists_plus_equals_w, "ok"),
    grad_case(mask_times_equals_w, "ok"),
    grad_case(mul_by_itself, "raises"),
    grad_case(exp_then_add, "raises"),
    grad_case(add_alpha, "ok"),
    grad_case(sub_alpha, "ok"),
    grad_case(mul_w, "ok"),
    grad_case(div_w, "ok"),
    grad_case(pow_number, "ok"),
    grad_case(pow_w, "ok"),
    grad_case(neg, "ok"),
    grad_case(exp, "ok"),
    grad_case(log, "ok"),
    grad_case(sqrt, "ok"),
    grad_case(abs_, "ok"),
    grad_case(sigmoid, "ok"),
    grad_case(tanh, "ok"),
    grad_case(relu, "ok"),
    grad_case(clamp, "ok"),
    grad_case(clamp_min, "ok"),
    grad_case(zero, "ok"),
    grad_case(fill, "ok"),
    grad_case(copy_w, "ok"),
    grad_case(copy_broadcast_row, "ok"),
    grad_case(masked_fill, "ok"),
    grad_case(plus_equals_w, "ok"),
    grad_case(minus_equals_w, "ok"),
    grad_case(times_equals_w, "ok"),
    grad_case(divide_equals_w, "ok"),
    grad_case(times_equals_number, "ok"),
    grad_case(times_equals_broadcast_row, "ok"),
    grad_case(chain_of_methods, "ok"),
    grad_case(chain_of_assignments, "ok"),
    grad_case(chain_reading_the_changed_tensor, "raises"),
    grad_case(plain_tensor_plus_equals_w, "ok"),
    grad_case(plain_tensor_rows_set_from_w, "ok"),
    grad_case(plain_tensor_copies_w, "ok"),
    grad_case(change_under_no_grad_is_not_recorded, "ok"),
    grad_case(view_slice_mul, "ok"),
    grad_case(view_int_add_w, "ok"),
    grad_case(view_step_slice_mul_w, "ok"),
    grad_case(view_ellipsis_zero, "ok"),
    grad_case(view_of_a_view_mul, "ok"),
    grad_case(view_exp_then_base_used, "ok"),
    grad_case(view_and_base_both_used, "ok"),
    grad_case(base_changed_then_view_used, "ok"),
    grad_case(base_set_then_view_used, "ok"),
]

X = MIXED
W = np.array([[0.5, -2.0, 1.5], [-0.75, 1.25, 2.5]])


def run_grad_case(lib, function):
    """Build the leaves, run the case, backpropagate a weighted sum; returns
    (output, x, w, error) where error is the RuntimeError torch-style refusals raise."""
    x, w = lib.tensor(X, requires_grad=True), lib.tensor(W, requires_grad=True)
    out = function(lib, x, w)
    weights = lib.tensor(np.linspace(0.5, 2.0, int(np.prod(tuple(out.shape)))).reshape(
        tuple(out.shape)))
    try:
        (out * weights).sum().backward()
    except RuntimeError as error:
        return out, x, w, error
    return out, x, w, None


@pytest.mark.parametrize("function, torch_outcome", GRAD_CASES)
def test_gradient_through_in_place_changes_matches_torch(function, torch_outcome):
    their_out, their_x, their_w, their_error = run_grad_case(TORCH, function)
    assert ("raises" if their_error else "ok") == torch_outcome, their_error
    our_out, our_x, our_w, our_error = run_grad_case(TG, function)
    assert_same(our_out, their_out)
    assert our_out.requires_grad == their_out.requires_grad
    assert our_out.is_leaf == their_out.is_leaf
    if their_error:
        assert our_error is not None, "torch refuses this backward(); tinygrad_edu must too"
        assert re.search(r"in[- ]?place", str(our_error)), our_error
    else:
        assert our_error is None, our_error
        assert_same_grad(our_x, their_x)
        assert_same_grad(our_w, their_w)


# Views made by reshaping rather than by basic indexing: tinygrad_edu may refuse an in-place
# change of such a view with a clear RuntimeError; if it accepts one, it must match torch.

def reshape_mul(lib, x, w):
    y = x * 1
    y.reshape(3, 2).mul_(2.0)
    return y


def view_add_w(lib, x, w):
    y = x * 1
    y.view(6).add_(w.view(6))
    return y


def flatten_zero_a_part(lib, x, w):
    y = x * 1
    y.flatten()[1:4].zero_()
    return y


def transpose_mul_w(lib, x, w):
    y = x * 1
    y.T.mul_(w.T)
    return y


def permute_then_setitem(lib, x, w):
    y = x * 1
    y.permute(1, 0)[0] = 5.0
    return y


def unsqueeze_exp(lib, x, w):
    y = x * w
    y.unsqueeze(0).exp_()
    return y


def squeeze_plus_equals(lib, x, w):
    y = x * 1
    v = y[0:1].squeeze(0)
    v += w[1]
    return y


RESHAPED_VIEW_CASES = [pytest.param(f, id=f.__name__) for f in [
    reshape_mul, view_add_w, flatten_zero_a_part, transpose_mul_w, permute_then_setitem,
    unsqueeze_exp, squeeze_plus_equals]]


@pytest.mark.parametrize("function", RESHAPED_VIEW_CASES)
def test_in_place_change_of_a_reshaped_view_matches_torch_or_is_refused(function):
    their_out, their_x, their_w, their_error = run_grad_case(TORCH, function)
    assert their_error is None
    try:
        our_out, our_x, our_w, our_error = run_grad_case(TG, function)
    except RuntimeError as error:                     # refused at the change
        our_error = error
    if our_error is not None:                         # refused at the change or at backward()
        assert "view" in str(our_error), f"a refusal must say it is about a view: {our_error}"
        return
    assert_same(our_out, their_out)
    assert_same_grad(our_x, their_x)
    assert_same_grad(our_w, their_w)


# ---------------------------------------------------------------------------------------------
# A leaf that requires grad refuses in-place changes in grad mode
# ---------------------------------------------------------------------------------------------

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation"


def leaf_change(change, id, data=MIXED, random=False):
    return pytest.param(data, change, random, id=id)


def set_item(key, value):
    def change(lib, t):
        t[key] = value
    return change


def plus_equals_item(key, value):
    def change(lib, t):
        t[key] += value
    return change


LEAF_CHANGES = [
    leaf_change(lambda lib, t: t.add_(1.0), "add_"),
    leaf_change(lambda lib, t: t.add_(lib.tensor(OTHER), alpha=2.0), "add_ alpha"),
    leaf_change(lambda lib, t: t.sub_(lib.tensor(OTHER)), "sub_"),
    leaf_change(lambda lib, t: t.mul_(2.0), "mul_"),
    leaf_change(lambda lib, t: t.div_(lib.tensor(OTHER)), "div_"),
    leaf_change(lambda lib, t: t.pow_(2), "pow_"),
    leaf_change(lambda lib, t: t.neg_(), "neg_"),
    leaf_change(lambda lib, t: t.exp_(), "exp_"),
    leaf_change(lambda lib, t: t.log_(), "log_", data=POSITIVE),
    leaf_change(lambda lib, t: t.sqrt_(), "sqrt_", data=POSITIVE),
    leaf_change(lambda lib, t: t.abs_(), "abs_"),
    leaf_change(lambda lib, t: t.sigmoid_(), "sigmoid_"),
    leaf_change(lambda lib, t: t.tanh_(), "tanh_"),
    leaf_change(lambda lib, t: t.relu_(), "relu_"),
    leaf_change(lambda lib, t: t.clamp_(-1.0, 1.0), "clamp_"),
    leaf_change(lambda lib, t: t.zero_(), "zero_"),
    leaf_change(lambda lib, t: t.fill_(2.0), "fill_"),
    leaf_change(lambda lib, t: t.copy_(lib.tensor(OTHER)), "copy_"),
    leaf_change(lambda lib, t: t.masked_fill_(lib.index(MASK), 0.0), "masked_fill_"),
    leaf_change(lambda lib, t: t.normal_(), "normal_", random=True),
    leaf_change(lambda lib, t: t.uniform_(-1.0, 1.0), "uniform_", random=True),
    leaf_change(lambda lib, t: operator.iadd(t, 1.0), "+="),
    leaf_change(lambda lib, t: operator.isub(t, lib.tensor(OTHER)), "-="),
    leaf_change(lambda lib, t: operator.imul(t, 3.0), "*="),
    leaf_change(lambda lib, t: operator.itruediv(t, 2.0), "/="),
    leaf_change(set_item(0, 5.0), "t[0] = 5"),
    leaf_change(set_item((1, -1), 5.0), "t[1, -1] = 5"),
    leaf_change(set_item(slice(0, 1), 5.0), "t[0:1] = 5"),
    leaf_change(set_item(Ellipsis, 5.0), "t[...] = 5"),
    leaf_change(set_item(MASK, 5.0), "t[mask] = 5"),
    leaf_change(set_item([1, 0], 5.0), "t[[1, 0]] = 5"),
    leaf_change(plus_equals_item(0, 1.0), "t[0] += 1"),
    leaf_change(plus_equals_item([1], 1.0), "t[[1]] += 1"),
]


@pytest.mark.parametrize("data, change, random", LEAF_CHANGES)
def test_in_place_change_of_a_leaf_that_requires_grad_is_refused(data, change, random):
    with pytest.raises(RuntimeError, match=LEAF_MESSAGE):
        change(TORCH, TORCH.tensor(data, requires_grad=True))
    leaf = TG.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MESSAGE) as error:
        change(TG, leaf)
    assert "with tg.no_grad():" in str(error.value) and ".data" in str(error.value)
    np.testing.assert_array_equal(values(leaf), data)           # refused before writing
    assert leaf.is_leaf and leaf.grad_fn is None


@pytest.mark.parametrize("data, change, random", LEAF_CHANGES)
def test_in_place_change_of_a_leaf_under_no_grad_is_done_and_not_recorded(data, change, random):
    def run(lib):
        leaf = lib.tensor(data, requires_grad=True)
        with lib.no_grad():
            change(lib, leaf)
        return leaf
    theirs, ours = run(TORCH), run(TG)
    if not random:
        assert_same(ours, theirs)
    assert ours.requires_grad and ours.is_leaf and ours.grad_fn is None
    (ours * ours).sum().backward()                             # still a working leaf
    np.testing.assert_allclose(values(ours.grad), 2 * values(ours))


def test_no_grad_change_of_a_plain_tensor_by_a_grad_value_stays_plain():
    def run(lib):
        a, w = lib.tensor(np.zeros(3)), lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with lib.no_grad():
            a += w
            a[0] = w[2]
        return a
    theirs, ours = run(TORCH), run(TG)
    assert not theirs.requires_grad
    assert_same(ours, theirs)
    assert not ours.requires_grad and ours.is_leaf


# ---------------------------------------------------------------------------------------------
# .data: a tensor sharing memory with its owner, outside the graph
# ---------------------------------------------------------------------------------------------

def test_data_is_a_leaf_tensor_sharing_memory_with_its_owner():
    for owner in (tg.tensor([1.0, 2.0, 3.0], requires_grad=True),
                  tg.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2):
        data = owner.data
        assert isinstance(data, tg.Tensor)
        assert not data.requires_grad and data.is_leaf and data.grad_fn is None
        assert data.shape == owner.shape and data.dtype == owner.dtype
        data[1] = 7.0
        assert owner.tolist()[1] == 7.0
        assert isinstance(data.numpy(), np.ndarray)
        data.numpy()[2] = -1.0
        assert owner.tolist()[2] == -1.0


def test_numpy_returns_the_shared_numpy_array():
    t = tg.tensor([1.0, 2.0])
    array = t.numpy()
    assert isinstance(array, np.ndarray) and not isinstance(array, tg.Tensor)
    array[0] = 5.0
    assert t.tolist() == [5.0, 2.0]


def trained_parameter(lib):
    """A leaf with a gradient, as an optimizer sees it."""
    p = lib.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    (p * p * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return p


def sgd_step_plus_equals(lib, p):
    p.data += -0.1 * p.grad


def sgd_step_minus_equals(lib, p):
    p.data -= 0.1 * p.grad


def sgd_step_add_alpha(lib, p):
    p.data.add_(p.grad, alpha=-0.1)


def zero_data(lib, p):
    p.data.zero_()


def zero_grad_data(lib, p):
    p.grad.data.zero_()


def copy_into_data(lib, p):
    p.data.copy_(lib.tensor([[9.0, 8.0], [7.0, 6.0]]))


def mul_data_then_setitem(lib, p):
    p.data.mul_(2.0)
    p.data[0, 1] = 4.0


def clamp_data(lib, p):
    p.data.clamp_(-1.0, 1.0)


DATA_CHANGES = [pytest.param(f, id=f.__name__) for f in [
    sgd_step_plus_equals, sgd_step_minus_equals, sgd_step_add_alpha, zero_data, zero_grad_data,
    copy_into_data, mul_data_then_setitem, clamp_data]]


@pytest.mark.parametrize("change", DATA_CHANGES)
def test_changes_through_data_change_the_owner_like_torch(change):
    theirs = trained_parameter(TORCH)
    change(TORCH, theirs)
    ours = trained_parameter(TG)
    storage = ours.data.numpy()
    change(TG, ours)                                  # in grad mode: .data is outside the graph
    assert_same(ours, theirs)
    assert_same(ours.grad, theirs.grad)
    np.testing.assert_allclose(storage, values(theirs))
    assert ours.requires_grad and ours.is_leaf and ours.grad_fn is None


def test_norm_of_data_matches_torch():
    theirs, ours = trained_parameter(TORCH), trained_parameter(TG)
    norm = ours.data.norm()
    assert isinstance(norm, tg.Tensor) and not norm.requires_grad
    assert_same(norm, theirs.data.norm())
    assert_same(ours.grad.data.norm(), theirs.grad.data.norm())


def test_assigning_data_rebinds_the_owner_like_torch():
    def run(lib):
        p = trained_parameter(lib)
        replacement = lib.tensor([[5.0, 6.0], [7.0, 8.0]])
        p.data = replacement
        replacement[0, 0] = -5.0                     # the owner now shares this memory
        p.grad = None
        (p * p).sum().backward()                     # and backpropagates with the new values
        return p
    theirs, ours = run(TORCH), run(TG)
    assert_same(ours, theirs)
    assert_same_grad(ours, theirs)
    assert ours.requires_grad and ours.is_leaf


def test_data_of_a_non_leaf_changes_values_but_not_the_graph_like_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.data[0] = 100.0
        y.data += 1.0
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return x, y
    (their_x, their_y), (our_x, our_y) = run(TORCH), run(TG)
    assert_same(our_y, their_y)
    assert our_y.grad_fn is not None
    assert_same_grad(our_x, their_x)
