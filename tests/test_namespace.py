"""The namespace: every Tensor method that PyTorch also has as a function is a tg function made from the one table (and the reverse), checked against the real torch's dir(); the newer methods and functions give torch's values, gradients and (values, indices) pairs."""

import numpy as np
import pytest

import test_torch_functions
import tinygrad_edu as tg
from tinygrad_edu.core import creation, torch_functions

torch = pytest.importorskip("torch")

# Torch functions of the same name that are no Tensor op here on purpose (none yet).
NOT_FUNCTIONS = set()


def namespace_gaps(tensor_class, module, reference):
    """(methods PyTorch also has as functions that `module` lacks, functions of `module`
    that PyTorch also has as methods that `tensor_class` lacks)."""
    def both_in_torch(name):
        return callable(getattr(reference, name, None)) and hasattr(reference.Tensor, name)
    methods = {n for n in dir(tensor_class) if not n.startswith("_")
               and callable(getattr(tensor_class, n, None))}
    functions = {n for n in getattr(module, "__all__", dir(module))
                 if callable(getattr(module, n, None)) and not isinstance(getattr(module, n), type)}
    missing_functions = sorted(m for m in methods if both_in_torch(m) and not hasattr(module, m)
                               and m not in NOT_FUNCTIONS)
    missing_methods = sorted(f for f in functions if both_in_torch(f)
                             and not hasattr(tensor_class, f))
    return missing_functions, missing_methods


def test_every_op_method_has_its_function_and_every_function_its_method():
    assert namespace_gaps(tg.Tensor, tg, torch) == ([], [])


def test_the_functions_are_made_from_the_table_so_they_cannot_drift():
    for name in torch_functions.__all__:
        assert hasattr(torch, name), f"tg.{name} is not a torch function"
        assert getattr(tg, name) is getattr(torch_functions, name)
        assert callable(getattr(tg.Tensor, name)), name
    creation_names = {"cat", "stack", "where", "maximum", "minimum"}
    assert not creation_names & set(torch_functions.__all__) - {"where"}
    assert tg.cat is creation.cat


def test_the_namespace_check_catches_a_planted_gap():
    class Planted(tg.Tensor):
        def erfinv(self):          # torch has torch.erfinv and Tensor.erfinv
            return self
    assert namespace_gaps(Planted, tg, torch)[0] == ["erfinv"]

    class Module:
        __all__ = ["erfinv"]
        erfinv = staticmethod(lambda x: x)
    assert namespace_gaps(tg.Tensor, Module, torch)[1] == ["erfinv"]


X = np.array([[0.5, -1.25, 2.0, 0.1], [1.5, 0.75, -0.5, 3.0], [-2.0, 0.3, 1.1, -0.7]])
POSITIVE = np.abs(X) + 0.5
INDEX = np.array([[0, 3, 3], [2, 2, 0], [3, 1, 0]])
SCATTER = np.array([[0, 3], [2, 1], [1, 0]])

# (name, input, extra tensors, args, kwargs): tg.name(x, *tensors, *args) vs torch.name(...)
CASES = [
    ("log2", POSITIVE, (), (), {}), ("log1p", POSITIVE, (), (), {}), ("expm1", X, (), (), {}),
    ("add", X, (X[0],), (), {}), ("sub", X, (X,), (), {}), ("mul", X, (POSITIVE,), (), {}),
    ("div", X, (POSITIVE,), (), {}), ("mm", X, (X.T.copy(),), (), {}),
    ("bmm", X[None], (X.T.copy()[None],), (), {}), ("mv", X, (X[0],), (), {}),
    ("dot", X[0], (X[1],), (), {}), ("outer", X[0], (X[1, :3],), (), {}),
    ("amax", X, (), (1,), {}), ("amin", X, (), (0,), {"keepdim": True}),
    ("cumsum", X, (), (1,), {}), ("cumsum", X, (), (), {"dim": 0}),
    ("gather", X, (), (1, INDEX), {}), ("index_select", X, (), (1, INDEX[0]), {}),
    ("scatter", X, (), (1, SCATTER, X[:, :2].copy()), {}),
    ("scatter_add", X, (), (1, INDEX, POSITIVE[:, :3].copy()), {}),
    ("t", X, (), (), {}), ("masked_fill", X, (), (X > 0.5, -1.0), {}),
    ("tril", X, (), (), {}), ("triu", X, (), (1,), {}), ("max", X, (POSITIVE - 1.5,), (), {}),
    ("min", X, (POSITIVE - 1.5,), (), {}),
]


def _both(value):
    """An argument for (tg, torch): arrays become tensors (int arrays as index tensors)."""
    if isinstance(value, np.ndarray):
        return tg.tensor(value), torch.tensor(value)
    return value, value


@pytest.mark.parametrize("name, data, others, args, kwargs", CASES,
                         ids=[f"{c[0]}{len(c[3])}" for c in CASES])
def test_new_functions_give_torchs_values_and_gradients(name, data, others, args, kwargs):
    ours = [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in (data,) + others]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (data,) + others]
    pairs = [_both(a) for a in args]
    our_args = [p[0].double() if isinstance(p[0], tg.Tensor) and p[0].dtype.kind == "f" else p[0]
                for p in pairs]
    their_args = [p[1].double() if torch.is_tensor(p[1]) and p[1].is_floating_point() else p[1]
                  for p in pairs]
    out = getattr(tg, name)(*ours, *our_args, **kwargs)
    expected = getattr(torch, name)(*theirs, *their_args, **kwargs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    weights = np.random.default_rng(0).standard_normal(tuple(expected.shape))
    (out * tg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda m, x: m.max(x, 1), lambda m, x: m.min(x, 0, keepdim=True),
    lambda m, x: m.sort(x, 1), lambda m, x: m.sort(x, 0, descending=True),
    lambda m, x: m.topk(x, 2), lambda m, x: m.topk(x, 2, dim=0, largest=False),
], ids=["max_dim", "min_dim_keepdim", "sort", "sort_descending", "topk", "topk_smallest"])
def test_pairs_are_named_values_and_indices_as_torch(call):
    ours = tg.tensor(X, dtype=tg.float64, requires_grad=True)
    theirs = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    out, expected = call(tg, ours), call(torch, theirs)
    values, indices = out
    assert type(out).__name__ == type(expected).__name__
    np.testing.assert_array_equal(values.numpy(), expected.values.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
    assert indices.dtype == np.int64 and out[0] is out.values
    (values * values).sum().backward()
    (expected.values * expected.values).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    assert repr(out).startswith(f"torch.return_types.{type(expected).__name__}(\nvalues=tensor(")


def test_a_reduction_without_dim_stays_a_tensor_and_sort_keeps_ties_in_order():
    x = tg.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    assert isinstance(x.max(), tg.Tensor) and x.max().item() == 3.0
    assert isinstance(x.max((0, 1)), tg.Tensor)
    t = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    for descending in (False, True):
        np.testing.assert_array_equal(x.sort(1, descending=descending, stable=True).indices.numpy(),
                                      t.sort(dim=1, descending=descending, stable=True).indices.numpy())
        np.testing.assert_array_equal(x.argsort(1, descending=descending).numpy(),
                                      t.argsort(dim=1, descending=descending, stable=True).numpy())


@pytest.mark.parametrize("name, args", [
    ("split", (2,)), ("split", ([1, 2],)), ("split", (3, 1)), ("chunk", (2,)), ("chunk", (3, 1)),
])
def test_split_and_chunk_give_torchs_pieces(name, args):
    ours = getattr(tg, name)(tg.tensor(X), *args)
    theirs = getattr(torch, name)(torch.tensor(X), *args)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", ["floor", "ceil", "round"])
def test_rounding_gives_torchs_values_and_zero_gradients(name):
    data = np.array([-1.5, -0.5, 0.4, 0.5, 1.5, 2.5, 2.7])
    ours = tg.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, dtype=torch.float32, requires_grad=True)
    out, expected = getattr(tg, name)(ours), getattr(torch, name)(theirs)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    assert out.requires_grad == expected.requires_grad
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    integers = getattr(tg.tensor([1, 2]), name)()
    assert integers.dtype == getattr(torch.tensor([1, 2]), name)().numpy().dtype


def test_repeat_and_the_other_methods_match_torch():
    x, t = tg.tensor(X[:2, :3].astype(np.float32)), torch.tensor(X[:2, :3].astype(np.float32))
    np.testing.assert_array_equal(x.repeat(2, 1, 3).numpy(), t.repeat(2, 1, 3).numpy())
    np.testing.assert_array_equal(x.repeat((1, 2)).numpy(), t.repeat((1, 2)).numpy())
    assert x.ndimension() == t.ndimension() and x.dim() == t.dim()
    assert x.reshape_as(tg.zeros(3, 2)).shape == tuple(t.reshape_as(torch.zeros(3, 2)).shape)
    assert x.type() == t.type() == "torch.FloatTensor"
    assert x.long().type() == t.long().type() and x.double().type() == t.double().type()
    assert x.allclose(x + 1e-9) and tg.allclose(x, x + 1e-9)
    np.testing.assert_array_equal((x > 0).all(1).numpy(), (t > 0).all(1).numpy())
    np.testing.assert_array_equal((x > 0).any(0, keepdim=True).numpy(),
                                  (t > 0).any(0, keepdim=True).numpy())
    np.testing.assert_array_equal(x.where(x > 0, 0.0).numpy(), t.where(t > 0, 0.0).numpy())
    assert tg.abs(x).multinomial(2).shape == tuple(t.abs().multinomial(2).shape)
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        np.testing.assert_array_equal(getattr(tg, name)(x, 0.5).numpy(),
                                      getattr(torch, name)(t, 0.5).numpy())


@pytest.mark.parametrize("name", ["relu_", "sigmoid_", "tanh_", "exp_", "neg_", "zero_", "abs_"])
def test_in_place_functions_change_their_argument_as_torch(name):
    x, t = tg.tensor(X), torch.tensor(X, dtype=torch.float32)
    assert getattr(tg, name)(x) is x
    getattr(torch, name)(t)
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6)


def test_out_writes_into_the_given_tensor_and_refuses_a_graph():
    a, b = tg.tensor(X), tg.tensor(X.T.copy())
    out = tg.zeros(3, 3)
    assert tg.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out.numpy(), X @ X.T, rtol=1e-6)
    other = tg.zeros(1)
    tg.mul(a, a, out=other)
    assert other.shape == (3, 4)             # resized, as torch does
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic"):
        tg.mul(tg.tensor(X, requires_grad=True), 2.0, out=tg.zeros(3, 4))


@pytest.mark.parametrize("call, message", [
    (lambda x: x.gather(1, tg.tensor([[4]])), "gather: index 4 is out of range for dimension 1 of size 4"),
    (lambda x: x.gather(1, tg.tensor([[0.5]])), "gather: index must be an integer tensor"),
    (lambda x: x.gather(1, tg.tensor([0])), "gather: index must have as many dimensions"),
    (lambda x: x.gather(1, tg.zeros(4, 1).long()), "larger than the tensor"),
    (lambda x: x.scatter(1, tg.tensor([[0]]), 1.0, reduce="max"), "reduce='max' is not supported"),
    (lambda x: x.index_select(0, tg.tensor([3])), "index_select: index 3 is out of range"),
    (lambda x: x.split([1, 1]), "split: the sections [1, 1] add up to 2, but dimension 0 has size 3"),
    (lambda x: x.topk(5), "topk: k=5 is out of range for a dimension of size 4"),
    (lambda x: x.mm(tg.zeros(4)), "mm: needs 2-D and 2-D tensors"),
    (lambda x: x.reshape(3, 4, 1).t(), "t: expects a tensor with at most 2 dimensions"),
    (lambda x: x.repeat(2), "repeat: give at least one count per dimension"),
])
def test_bad_arguments_get_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError, IndexError), match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        call(tg.tensor(X))


def test_every_function_of_the_table_is_compared_with_torch():
    tested = ({c[0] for c in test_torch_functions.CASES} | set(test_torch_functions.NO_GRADIENT)
              | {c[0] for c in CASES} | {"sort", "topk", "argsort", "split", "chunk", "floor",
                                         "ceil", "round", "allclose", "multinomial", "eq", "ne",
                                         "lt", "le", "gt", "ge", "relu_", "sigmoid_", "tanh_",
                                         "exp_", "neg_", "zero_", "abs_"}
              | {"is_floating_point", "is_complex"})  # tests/test_dtypes.py, against torch
    untested = sorted(set(torch_functions.__all__) - tested)
    # the remaining in-place functions are the methods of tests/test_inplace.py under torch's names
    assert set(untested) <= {"clamp_", "clip_", "cos_", "fill_", "log_", "sin_", "sqrt_", "square_"}, untested
