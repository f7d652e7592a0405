"""Randomness as torch's API: Generator seed/initial_seed/get_state/set_state, manual_seed returning the default generator, torch.normal's four forms, bernoulli, poisson and generator= on dropout; distributions checked against torch's samples and formulas."""

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


def test_manual_seed_returns_the_default_generator_like_torch():
    ours, theirs = tg.manual_seed(5), torch.manual_seed(5)
    assert ours is tg.default_generator and theirs is torch.default_generator
    assert ours.initial_seed() == theirs.initial_seed() == tg.initial_seed() == 5


def test_get_state_and_set_state_replay_the_draws():
    g = tg.Generator().manual_seed(11)
    tg.randn(4, generator=g)
    state = g.get_state()
    first = tg.randn(5, generator=g).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(tg.randn(5, generator=g).numpy(), first)
    tg.manual_seed(0)
    saved = tg.get_rng_state()
    a = tg.rand(3).numpy()
    tg.set_rng_state(saved)
    np.testing.assert_array_equal(tg.rand(3).numpy(), a)
    assert state.dtype == np.uint8  # a byte tensor, as torch's
    with pytest.raises(ValueError, match="uint8 tensor of 37 bytes"):
        g.set_state(tg.zeros(3))


def test_seed_reseeds_and_reports_it():
    g = tg.Generator()
    new = g.seed()
    assert g.initial_seed() == new
    np.testing.assert_array_equal(tg.rand(3, generator=g).numpy(),
                                  tg.rand(3, generator=tg.Generator().manual_seed(new)).numpy())


N = 40000


def spread(std, n=N):
    return 5 * std / np.sqrt(n)  # 5 standard errors of a sample mean


@pytest.mark.parametrize("form", ["tensor_tensor", "tensor_number", "number_tensor", "numbers_size"])
def test_normal_forms_match_torchs_shapes_dtypes_and_moments(form):
    mean = np.array([0.0, 3.0, -2.0])
    std = np.array([1.0, 0.5, 2.0])
    g = tg.Generator().manual_seed(0)
    calls = {
        "tensor_tensor": (lambda lib, m, s: lib.normal(m(mean.repeat(N // 3)), s(std.repeat(N // 3)))),
        "tensor_number": (lambda lib, m, s: lib.normal(m(mean.repeat(N // 3)), 2.0)),
        "number_tensor": (lambda lib, m, s: lib.normal(1.5, s(std.repeat(N // 3)))),
        "numbers_size": (lambda lib, m, s: lib.normal(1.5, 2.0, size=(N // 3, 3))),
    }
    as_float32 = lambda a: tg.tensor(a, dtype=tg.float32)  # noqa: E731
    ours = calls[form](tg, as_float32, as_float32).numpy() if form != "numbers_size" else \
        tg.normal(1.5, 2.0, size=(N // 3, 3), generator=g).numpy()
    theirs = calls[form](torch, lambda a: torch.tensor(a, dtype=torch.float32),
                         lambda a: torch.tensor(a, dtype=torch.float32)).numpy()
    assert ours.shape == theirs.shape and ours.dtype.name == str(theirs.dtype)
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=2 * spread(2.0))
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.05)


def test_no_gradient_reaches_normals_arguments_as_in_torch():
    mean = tg.tensor([0.5, -1.0], dtype=tg.float64, requires_grad=True)
    std = tg.tensor([2.0, 0.5], dtype=tg.float64, requires_grad=True)
    out = tg.normal(mean, std, generator=tg.Generator().manual_seed(1))
    (out * mean + std).sum().backward()   # only the paths around the sample carry gradient
    tm = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    ts = torch.tensor([2.0, 0.5], dtype=torch.float64, requires_grad=True)
    tout = torch.normal(tm, ts)
    (tout * tm + ts).sum().backward()
    np.testing.assert_allclose(mean.grad.numpy(), out.numpy())   # δ(out ⊙ mean)/δmean = out
    np.testing.assert_allclose(tm.grad.numpy(), tout.detach().numpy())
    np.testing.assert_array_equal(std.grad.numpy(), ts.grad.numpy())  # ones: no path via out
    assert out.dtype == tg.float64


def test_normal_rejects_what_torch_rejects():
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        tg.normal(tg.zeros(2), -1.0)
    with pytest.raises(RuntimeError):
        torch.normal(torch.zeros(2), -1.0)
    with pytest.raises(TypeError, match="give a size"):
        tg.normal(0.0, 1.0)


def test_bernoulli_and_poisson_match_torchs_frequencies():
    p = np.tile([0.1, 0.5, 0.9], N // 3)
    ours = tg.bernoulli(tg.tensor(p, dtype=tg.float32), generator=tg.Generator().manual_seed(2)).numpy()
    theirs = torch.bernoulli(torch.tensor(p, dtype=torch.float32)).numpy()
    assert ours.dtype == theirs.dtype and set(np.unique(ours)) <= {0.0, 1.0}
    for k in range(3):
        assert abs(ours[k::3].mean() - theirs[k::3].mean()) < spread(0.5, N // 3) * 2
    fixed = tg.bernoulli(tg.zeros(N), 0.25).numpy()
    assert abs(fixed.mean() - torch.bernoulli(torch.zeros(N), 0.25).numpy().mean()) < 0.02
    rates = np.tile([0.5, 4.0], N // 2)
    ours = tg.poisson(tg.tensor(rates, dtype=tg.float32)).numpy()
    theirs = torch.poisson(torch.tensor(rates, dtype=torch.float32)).numpy()
    assert ours.dtype == theirs.dtype
    for k, rate in enumerate([0.5, 4.0]):
        assert abs(ours[k::2].mean() - theirs[k::2].mean()) < 2 * spread(np.sqrt(rate), N // 2)
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        tg.bernoulli(tg.tensor([1.5]))
    with pytest.raises(RuntimeError, match="rate"):
        tg.poisson(tg.tensor([-1.0]))


def test_dropout_generator_makes_masks_reproducible():
    x = tg.ones(200)
    a = F.dropout(x, 0.5, generator=tg.Generator().manual_seed(3)).numpy()
    b = nn.Dropout(0.5, generator=tg.Generator().manual_seed(3))(x).numpy()
    c = F.dropout(x, 0.5, generator=tg.Generator().manual_seed(4)).numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert set(np.unique(a)) == {0.0, 2.0}


def test_the_bernoulli_method_draws_as_the_function_does():
    probabilities = tg.tensor([[0.1, 0.9, 0.5], [0.0, 1.0, 0.3]], dtype=tg.float64)
    ours = probabilities.bernoulli(generator=tg.Generator().manual_seed(5))
    theirs = tg.bernoulli(probabilities, generator=tg.Generator().manual_seed(5))
    assert ours.dtype == tg.float64 and np.array_equal(ours.numpy(), theirs.numpy())
    assert ours.numpy()[1, 0] == 0 and ours.numpy()[1, 1] == 1
    assert probabilities.bernoulli(0.0).numpy().sum() == 0
