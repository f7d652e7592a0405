"""Tests of the Tensor itself: constructors, seeding, dtypes, conversions, properties, repr and the rules of in-place changes."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.core import rng


# ---------------------------------------------------------------------------------------------
# Constructors
# ---------------------------------------------------------------------------------------------

def test_tensor_from_numbers_and_lists():
    assert tg.tensor(1.5).shape == () and tg.tensor(1.5).dtype == np.float32
    assert tg.tensor([[1.0, 2.0], [3.0, 4.0]]).shape == (2, 2)
    assert tg.tensor([1, 2]).dtype == np.int64
    assert tg.tensor([True, False]).dtype == np.bool_
    assert tg.tensor([1.0, 2], dtype=tg.float64).dtype == np.float64
    np.testing.assert_array_equal(tg.tensor([[1, 2], [3, 4]]).numpy(), [[1, 2], [3, 4]])


def test_tensor_from_tensors_in_a_list():
    row = tg.tensor([1.0, 2.0])
    assert tg.tensor([row, row]).shape == (2, 2)


def test_tensor_copies_but_Tensor_shares_memory():
    array = np.zeros(3)
    shared, copied = tg.Tensor(array), tg.tensor(array)
    array[0] = 5.0
    assert shared.numpy()[0] == 5.0 and copied.numpy()[0] == 0.0
    assert shared.dtype == copied.dtype == np.float64        # numpy arrays keep their dtype
    source = tg.tensor([1.0, 2.0])
    clone = tg.tensor(source)
    clone.numpy()[0] = 9.0
    assert source.numpy()[0] == 1.0


def test_tensor_rejects_ragged_and_non_numeric_data():
    with pytest.raises(TypeError, match="tensor: cannot make a tensor"):
        tg.tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="tensor: cannot make a tensor"):
        tg.tensor(["a", object()])


@pytest.mark.parametrize("make, shape, value", [
    (lambda: tg.zeros(2, 3), (2, 3), 0.0),
    (lambda: tg.zeros((2, 3)), (2, 3), 0.0),
    (lambda: tg.ones(4), (4,), 1.0),
    (lambda: tg.ones([2, 2]), (2, 2), 1.0),
    (lambda: tg.full((2, 2), 3.5), (2, 2), 3.5),
    (lambda: tg.full(3, -1.0), (3,), -1.0),
    (lambda: tg.zeros_like(tg.ones(2, 5)), (2, 5), 0.0),
    (lambda: tg.ones_like(tg.zeros(3, 1)), (3, 1), 1.0),
    (lambda: tg.full_like(tg.zeros(2), 7.0), (2,), 7.0),
])
def test_filled_constructors(make, shape, value):
    t = make()
    assert t.shape == shape and t.dtype == np.float32
    assert (t.numpy() == value).all()
    assert not t.requires_grad and t.is_leaf


def test_arange_eye_linspace():
    np.testing.assert_array_equal(tg.arange(5).numpy(), np.arange(5))
    assert tg.arange(5).dtype == np.int64
    np.testing.assert_allclose(tg.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    assert tg.arange(0, 1, 0.25).dtype == np.float32
    assert tg.arange(2, 8, 2).tolist() == [2, 4, 6]
    np.testing.assert_array_equal(tg.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(tg.eye(2, 3).numpy(), np.eye(2, 3))
    assert tg.eye(3).dtype == np.float32
    np.testing.assert_allclose(tg.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])


def test_random_constructors():
    u = tg.rand(200, 50)
    assert u.shape == (200, 50) and u.dtype == np.float32
    assert 0.0 <= u.numpy().min() and u.numpy().max() < 1.0
    assert abs(u.numpy().mean() - 0.5) < 0.02
    z = tg.randn(200, 50)
    assert z.dtype == np.float32
    assert abs(z.numpy().mean()) < 0.03 and abs(z.numpy().std() - 1.0) < 0.03
    assert tg.randn(3, dtype=tg.float64).dtype == np.float64
    like = tg.randn_like(tg.zeros(4, 2, dtype=tg.float64))
    assert like.shape == (4, 2) and like.dtype == np.float64
    assert tg.rand_like(tg.zeros(3)).shape == (3,)
    ints = tg.randint(0, 4, (1000,))
    assert ints.dtype == np.int64 and set(ints.tolist()) == {0, 1, 2, 3}


def test_constructors_with_requires_grad_and_dtype():
    t = tg.zeros(2, dtype=tg.float64, requires_grad=True)
    assert t.requires_grad and t.dtype == np.float64 and t.is_leaf
    assert tg.ones(2, requires_grad=True).requires_grad
    assert tg.randn(2, requires_grad=True).requires_grad
    assert tg.zeros_like(t).requires_grad is False


# ---------------------------------------------------------------------------------------------
# manual_seed
# ---------------------------------------------------------------------------------------------

def test_manual_seed_makes_every_random_constructor_reproducible():
    def draw():
        return [tg.randn(3, 2).numpy(), tg.rand(4).numpy(), tg.randint(0, 100, 5).numpy(),
                tg.randn_like(tg.zeros(2)).numpy(), tg.rand_like(tg.zeros(2)).numpy()]

    tg.manual_seed(123)
    first = draw()
    tg.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tg.manual_seed(124)
    assert not np.array_equal(draw()[0], first[0])
    assert rng.seed() == 124


def test_manual_seed_returns_the_generator_and_rejects_bad_seeds():
    generator = tg.manual_seed(0)  # the default tg.Generator, as torch.manual_seed returns
    assert generator is rng.default and generator._generator is rng.default_generator()
    for bad in (-1, 1.5, "0", True):
        with pytest.raises(ValueError, match="manual_seed: seed must be a non-negative int"):
            tg.manual_seed(bad)


def test_successive_draws_differ():
    tg.manual_seed(0)
    assert not np.array_equal(tg.randn(5).numpy(), tg.randn(5).numpy())


# ---------------------------------------------------------------------------------------------
# dtypes and conversions
# ---------------------------------------------------------------------------------------------

def test_python_floats_become_float32_and_float64_is_kept():
    assert tg.tensor([0.1, 0.2]).dtype == np.float32
    assert tg.tensor(np.array([0.1])).dtype == np.float64
    assert tg.tensor(np.float64(0.1)).dtype == np.float64
    assert tg.tensor([0.1], dtype=tg.float64).dtype == np.float64
    assert tg.tensor([0.1], dtype="double").dtype == np.float64
    assert tg.Tensor(np.ones(2, dtype=np.float64)).dtype == np.float64


def test_scalars_take_the_tensors_float_dtype():
    x32, x64 = tg.ones(2), tg.ones(2, dtype=tg.float64)
    for scalar in (2, 2.5, np.float64(2.5), np.float32(2.5)):
        assert (x32 * scalar).dtype == np.float32
        assert (x64 + scalar).dtype == np.float64
        assert (scalar - x32).dtype == np.float32


def test_float_double_to_type():
    x = tg.tensor([1.5, -2.25])
    assert x.float() is x                         # no-op conversion returns the same tensor
    d = x.double()
    assert d.dtype == np.float64 and d.tolist() == [1.5, -2.25]
    assert d.float().dtype == np.float32
    assert x.to(tg.float64).dtype == x.to("float64").dtype == x.to(np.float64).dtype == np.float64
    assert x.type(tg.float64).dtype == np.float64
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2]
    assert x.int().dtype == np.int32
    assert x.bool().dtype == np.bool_ and x.bool().tolist() == [True, True]
    with pytest.raises(TypeError, match="dtype: 'complex128x' is not a dtype"):
        x.to("complex128x")


def test_conversion_between_floats_is_differentiable_and_returns_the_leaf_dtype():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.requires_grad and y.grad_fn.name == "Cast"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_conversion_to_int_leaves_the_graph():
    x = tg.tensor([1.7], requires_grad=True)
    assert not x.long().requires_grad and x.long().grad_fn is None


def test_int_and_bool_tensors_exist_but_cannot_require_grad():
    i = tg.tensor([1, 2, 3])
    b = i > 1
    assert i.dtype == np.int64 and b.dtype == np.bool_
    assert (i * 2).tolist() == [2, 4, 6] and (i * 2).dtype == np.int64
    assert b.tolist() == [False, True, True]
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="dtype bool"):
        b.requires_grad_()
    with pytest.raises(TypeError, match="int64"):
        tg.arange(3, requires_grad=True)
    assert (i.float() * 0.5).requires_grad is False
    assert i.float().requires_grad_().requires_grad


def test_mean_of_an_int_tensor_asks_for_a_float():
    with pytest.raises(TypeError, match="mean: needs a float tensor"):
        tg.tensor([1, 2]).mean()


# ---------------------------------------------------------------------------------------------
# Properties and conversions to Python / numpy
# ---------------------------------------------------------------------------------------------

def test_shape_ndim_numel_size_len():
    t = tg.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert t.ndim == t.dim() == 3
    assert t.numel() == 24 and isinstance(t.numel(), int)
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert len(t) == 2
    assert [s.shape for s in t] == [(3, 4), (3, 4)]
    assert tg.tensor(2.0).ndim == 0 and tg.tensor(2.0).numel() == 1
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tg.tensor(2.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tg.tensor(2.0))


def test_item_float_int_bool_index():
    assert tg.tensor(2.5).item() == 2.5 and isinstance(tg.tensor(2.5).item(), float)
    assert tg.tensor([[7]]).item() == 7 and isinstance(tg.tensor([[7]]).item(), int)
    assert float(tg.tensor([1.5])) == 1.5 and int(tg.tensor(3.9)) == 3
    assert bool(tg.tensor([1.0])) and not bool(tg.tensor(0.0))
    assert [10, 20, 30][tg.tensor(1)] == 20
    with pytest.raises(ValueError, match="item: only a tensor with one element.*shape \\(2,\\)"):
        tg.ones(2).item()
    with pytest.raises(RuntimeError, match="bool: the truth value of a tensor with shape"):
        bool(tg.ones(2))
    with pytest.raises(TypeError, match="integer tensors"):
        [1, 2][tg.tensor(1.0)]


def test_numpy_shares_and_tolist_converts():
    t = tg.tensor([[1.0, 2.0]])
    array = t.numpy()
    assert array is t.numpy() and isinstance(array, np.ndarray)
    assert isinstance(t.data, tg.Tensor) and t.data.numpy() is array   # .data shares memory
    array[0, 0] = 5.0
    assert t.tolist() == [[5.0, 2.0]]
    assert isinstance(t.tolist()[0][0], float)


def test_detach_requires_grad_is_leaf_grad_fn():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name == "Mul" and y.requires_grad
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.numpy() is y.numpy()
    assert x.requires_grad_(False) is x and not x.requires_grad
    assert x.requires_grad_() is x and x.requires_grad
    with pytest.raises(RuntimeError, match="requires_grad_: this tensor was computed by an op"):
        y.requires_grad_(False)


def test_retain_grad_returns_self():
    x = tg.tensor([1.0], requires_grad=True)
    y = x * 2
    assert y.retain_grad() is y
    y.sum().backward()
    assert y.grad.tolist() == [1.0]
    assert x.retain_grad() is x            # a leaf always keeps its gradient


def test_name_attribute():
    w = tg.tensor([1.0], requires_grad=True, name="w")
    assert w.name == "w" and tg.tensor([1.0]).name is None


# ---------------------------------------------------------------------------------------------
# repr, PyTorch-like
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, text", [
    (lambda: tg.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: tg.tensor(2.5), "tensor(2.5000)"),
    (lambda: tg.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: tg.tensor([True, False]), "tensor([ True, False])"),
    (lambda: tg.tensor([1.0], dtype=tg.float64), "tensor([1.], dtype=torch.float64)"),
    (lambda: tg.tensor([1, 2], dtype=tg.int32), "tensor([1, 2], dtype=torch.int32)"),
    (lambda: tg.tensor([1.0], requires_grad=True), "tensor([1.], requires_grad=True)"),
    (lambda: tg.tensor([1.0], requires_grad=True) * 2, "tensor([2.], grad_fn=<MulBackward0>)"),
    (lambda: tg.tensor([1.0], requires_grad=True, name="w"),
     "tensor([1.], requires_grad=True, name='w')"),
    (lambda: tg.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
    (lambda: tg.tensor([1 / 3]), "tensor([0.3333])"),
])
def test_repr_is_pytorch_like(make, text):
    assert repr(make()) == text


# ---------------------------------------------------------------------------------------------
# In-place rules
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    lambda x: x.__iadd__(1.0), lambda x: x.__isub__(1.0), lambda x: x.__imul__(2.0),
    lambda x: x.__itruediv__(2.0), lambda x: x.zero_(), lambda x: x.fill_(3.0),
    lambda x: x.copy_(np.zeros(3)),
])
def test_in_place_change_of_a_leaf_that_requires_grad_is_an_error(change):
    x = tg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad is being used in "
                                           r"an in-place operation(.|\n)*no_grad(.|\n)*\.data"):
        change(x)
    assert x.tolist() == [1.0, 1.0, 1.0] and x._version == 0   # nothing was written
    y = change(x * 2)                      # on a non-leaf it is recorded (see test_inplace.py)
    assert y.requires_grad and y.grad_fn is not None


def test_in_place_updates_under_no_grad_keep_the_leaf():
    """What an optimizer step does: w -= lr * w.grad, w stays the same leaf object."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    data = w.numpy()
    with tg.no_grad():
        w -= 0.25 * w.grad
        w *= 2.0
        w /= 4.0
        w += 1.0
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    assert w.numpy() is data                                # updated in place, not replaced
    np.testing.assert_allclose(w.tolist(), [1.25, 1.5])


def test_in_place_ops_on_plain_tensors():
    t = tg.ones(3)
    t += tg.tensor([1.0, 2.0, 3.0])
    t *= 2
    assert t.tolist() == [4.0, 6.0, 8.0]
    assert t.zero_() is t and t.tolist() == [0.0, 0.0, 0.0]
    assert t.fill_(2.5) is t and t.tolist() == [2.5, 2.5, 2.5]
    assert t.copy_(tg.tensor([1.0, 2.0, 3.0])) is t and t.tolist() == [1.0, 2.0, 3.0]
    t.copy_(5.0)
    assert t.tolist() == [5.0, 5.0, 5.0]
    assert t.dtype == np.float32


def test_in_place_ops_keep_shape_and_dtype():
    t = tg.ones(3)
    with pytest.raises(RuntimeError, match="\\+=: the result has shape \\(2, 3\\).*\\(3,\\)"):
        t += tg.ones(2, 3)
    with pytest.raises(ValueError, match="copy_: a value of shape \\(4,\\) does not fit"):
        t.copy_(np.zeros(4))
    t += np.ones(3, dtype=np.float64)
    assert t.dtype == np.float32


def test_in_place_on_a_read_only_broadcast_view_copies_first():
    base = np.ones(3)
    t = tg.Tensor(np.broadcast_to(base, (2, 3)))
    t += 1.0
    assert t.tolist() == [[2.0] * 3] * 2
    assert base.tolist() == [1.0, 1.0, 1.0]


def test_in_place_on_a_tensor_shared_with_numpy_changes_the_array():
    array = np.zeros(2, dtype=np.float32)
    t = tg.Tensor(array)
    t += 1.0
    assert array.tolist() == [1.0, 1.0]
