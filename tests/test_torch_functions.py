"""The torch.* level: tg.tanh(t), tg.sum(t, 1), ... give torch's values and gradients (float64), the dtype names are torch's, and nelement/log10 exist."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.core import torch_functions

torch = pytest.importorskip("torch")

X = np.array([[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]])
POSITIVE = np.abs(X) + 0.5

# (name, input, args, kwargs): each one called as tg.name(x, *args) and torch.name(x, *args)
CASES = [
    ("exp", X, (), {}), ("log", POSITIVE, (), {}), ("log10", POSITIVE, (), {}),
    ("sqrt", POSITIVE, (), {}), ("abs", X, (), {}), ("sin", X, (), {}), ("cos", X, (), {}),
    ("tanh", X, (), {}), ("sigmoid", X, (), {}), ("relu", X, (), {}), ("neg", X, (), {}),
    ("square", X, (), {}), ("pow", X, (3,), {}), ("clamp", X, (-1.0, 1.0), {}),
    ("clip", X, (-1.0, 1.0), {}), ("sum", X, (1,), {}), ("sum", X, (), {}),
    ("mean", X, (0,), {"keepdim": True}), ("var", X, (1,), {}), ("std", X, (), {}),
    ("norm", X, (), {}), ("logsumexp", X, (1,), {}), ("softmax", X, (1,), {}),
    ("log_softmax", X, (0,), {}), ("reshape", X, ((3, 2),), {}), ("flatten", X, (), {}),
    ("transpose", X, (0, 1), {}), ("permute", X, ((1, 0),), {}),
    ("unsqueeze", X, (1,), {}), ("squeeze", X[None], (), {}), ("clone", X, (), {}),
    ("matmul", X, (X.T.copy(),), {}),
]


NO_GRADIENT = ["argmax", "argmin", "all", "any", "isnan", "isfinite", "sign", "numel", "detach"]


@pytest.mark.parametrize("name, data, args, kwargs", CASES,
                         ids=[f"{c[0]}{len(c[2])}" for c in CASES])
def test_values_and_gradients_match_torch(name, data, args, kwargs):
    ours = tg.tensor(data, dtype=tg.float64, requires_grad=True)
    theirs = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    our_args = [tg.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    their_args = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    out = getattr(tg, name)(ours, *our_args, **kwargs)
    expected = getattr(torch, name)(theirs, *their_args, **kwargs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    weights = np.random.default_rng(0).standard_normal(expected.shape)
    (out * tg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NO_GRADIENT)
def test_functions_without_gradient_match_torch(name):
    data = X > 0 if name in ("all", "any") else X
    out = getattr(tg, name)(tg.tensor(data))
    expected = getattr(torch, name)(torch.tensor(data))
    if name == "numel":
        assert out == expected
    else:
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_a_number_or_a_list_becomes_a_tensor_first():
    assert tg.exp(0.0).item() == 1.0
    assert tg.sum([1.0, 2.0, 3.0]).item() == 6.0


def test_dtype_names_are_torchs():
    pairs = [("float", torch.float32), ("double", torch.float64), ("long", torch.int64),
             ("int", torch.int32), ("bool", torch.bool)]
    for name, torch_dtype in pairs:
        ours = getattr(tg, name)
        assert tg.zeros(2, dtype=ours).dtype == ours
        assert str(torch_dtype).endswith(np.dtype(ours).name.replace("bool_", "bool")), name


def test_nelement_and_log10_as_methods():
    t = tg.ones(2, 3)
    assert t.nelement() == t.numel() == torch.ones(2, 3).nelement() == 6
    np.testing.assert_allclose(tg.tensor([10.0, 1000.0]).log10().numpy(), [1.0, 3.0], rtol=1e-6)


@pytest.mark.parametrize("method, args", [("tril", ()), ("tril", (1,)), ("triu", ()),
                                          ("triu", (-1,)), ("masked_fill", ("mask", -2.0)),
                                          ("view_as", ("other",))])
def test_tensor_methods_match_torch(method, args):
    data = np.arange(12.0).reshape(3, 4) / 5 - 1
    ours = tg.tensor(data, dtype=tg.float64, requires_grad=True)
    theirs = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    lookup = {"mask": (tg.tensor(data > 0.2), torch.tensor(data > 0.2)),
              "other": (tg.zeros(4, 3), torch.zeros(4, 3))}
    our_args = [lookup[a][0] if a in lookup else a for a in args]
    their_args = [lookup[a][1] if a in lookup else a for a in args]
    out = getattr(ours, method)(*our_args)
    expected = getattr(theirs, method)(*their_args)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy())
    weights = np.random.default_rng(1).standard_normal(expected.shape)
    (out * tg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_generator_draws_reproducibly_and_apart_from_the_package_generator():
    g = tg.Generator().manual_seed(2147483647)
    assert isinstance(g, tg.Generator) and g.initial_seed() == 2147483647
    first = [tg.randn(3, generator=g), tg.rand(2, generator=g), tg.randint(0, 9, (4,), generator=g),
             tg.randperm(6, generator=g)]
    tg.manual_seed(0)
    again = tg.Generator().manual_seed(2147483647)
    second = [tg.randn(3, generator=again), tg.rand(2, generator=again),
              tg.randint(0, 9, (4,), generator=again), tg.randperm(6, generator=again)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert sorted(first[3].tolist()) == list(range(6)) and first[3].dtype == tg.long
    with pytest.raises(TypeError, match="generator: expected a tg.Generator"):
        tg.randn(2, generator=np.random.default_rng(0))


def test_randint_takes_torchs_two_forms():
    assert tg.randint(10, (3,)).shape == torch.randint(10, (3,)).shape == (3,)
    assert tg.randint(5, 7, (2, 2)).numpy().min() >= 5
    with pytest.raises(ValueError, match="randint: high"):
        tg.randint(3, 3, (2,))


def test_multinomial_follows_the_weights_like_torch():
    weights = [[0.1, 0.0, 0.9], [2.0, 2.0, 0.0]]                 # rows need not sum to 1
    ours = tg.multinomial(tg.tensor(weights), 4000, replacement=True,
                          generator=tg.Generator().manual_seed(1))
    theirs = torch.multinomial(torch.tensor(weights), 4000, replacement=True)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == tg.long
    for row, weight in zip(ours.numpy(), weights):
        frequencies = np.bincount(row, minlength=3) / len(row)
        np.testing.assert_allclose(frequencies, np.array(weight) / sum(weight), atol=0.03)
    assert tg.multinomial(tg.tensor([1.0, 1.0, 1.0]), 1).shape == (1,)
    without = tg.multinomial(tg.tensor([1.0, 2.0, 3.0, 4.0]), 4)
    assert sorted(without.tolist()) == [0, 1, 2, 3]                # each index once
    with pytest.raises(ValueError, match="without replacement"):
        tg.multinomial(tg.tensor([1.0, 2.0]), 3)
    with pytest.raises(ValueError, match="non-negative"):
        tg.multinomial(tg.tensor([1.0, -2.0]), 1)
    with pytest.raises(ValueError, match="sums to 0"):
        tg.multinomial(tg.tensor([0.0, 0.0]), 1)


def test_allclose_matches_torch():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6])
    for rtol in (1e-5, 1e-9):
        assert tg.allclose(tg.tensor(a), tg.tensor(b), rtol=rtol, atol=0) == \
            torch.allclose(torch.tensor(a), torch.tensor(b), rtol=rtol, atol=0)
