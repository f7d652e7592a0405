"""Parity with PyTorch: for every op PyTorch also has, forward values and gradients (float64, random inputs) equal torch's, including at the kinks where a convention is chosen."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.core import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def randn(*shape):
    return lambda g: g.standard_normal(shape)


def positive(*shape):
    return lambda g: 0.5 + 1.5 * g.random(shape)


def away(*shape):
    return lambda g: np.where(g.random(shape) < 0.5, -1.0, 1.0) * (0.3 + g.random(shape))


def const(values):
    return lambda g: np.array(values, dtype=np.float64)


IDX = np.array([2, 0, 2, 1])
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, True]])
LABELS = np.array([1, 0, 3])
PROBABILITIES = np.array([[0.1, 0.2, 0.3, 0.4], [1.0, 0, 0, 0], [0.25, 0.25, 0.5, 0]])


def torch_unfold(x, k, stride=1, padding=0):
    """torch's unfold is (N, C·k·k, L); ours is (N, H_out, W_out, C·k·k)."""
    cols = TF.unfold(x, k, stride=stride, padding=padding)
    n, patch, _ = cols.shape
    h_out = (x.shape[2] + 2 * padding - k) // stride + 1
    return cols.transpose(1, 2).reshape(n, h_out, -1, patch)


def torch_fold(cols, shape, k, stride=1):
    n, h_out, w_out, patch = cols.shape
    return TF.fold(cols.reshape(n, h_out * w_out, patch).transpose(1, 2), shape[2:], k,
                   stride=stride)


# (id, tinygrad function, torch function, input draws)
PARITY = [
    ("add_broadcast", lambda a, b: a + b, lambda a, b: a + b, (randn(3, 4), randn(4))),
    ("sub_broadcast", lambda a, b: a - b, lambda a, b: a - b, (randn(2, 1, 4), randn(3, 1))),
    ("mul_broadcast", lambda a, b: a * b, lambda a, b: a * b, (randn(3, 1), randn(1, 4))),
    ("div", lambda a, b: a / b, lambda a, b: a / b, (randn(3, 4), away(3, 4))),
    ("rdiv_scalar", lambda a: 2 / a, lambda a: 2 / a, (away(3, 4),)),
    ("rsub_scalar", lambda a: 1 - a, lambda a: 1 - a, (randn(3),)),
    ("neg", lambda a: -a, lambda a: -a, (randn(3, 4),)),
    ("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, (randn(3, 4),)),
    ("pow_tensor", lambda a, b: a ** b, lambda a, b: a ** b, (positive(3, 4), randn(3, 4))),
    ("rpow", lambda b: 2 ** b, lambda b: 2 ** b, (randn(4),)),
    ("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, (randn(2, 3), randn(3, 4))),
    ("matmul_vec_vec", lambda a, b: a @ b, lambda a, b: a @ b, (randn(3), randn(3))),
    ("matmul_vec_mat", lambda a, b: a @ b, lambda a, b: a @ b, (randn(3), randn(3, 4))),
    ("matmul_mat_vec", lambda a, b: a @ b, lambda a, b: a @ b, (randn(2, 3), randn(3))),
    ("matmul_batch_broadcast", lambda a, b: a @ b, lambda a, b: a @ b,
     (randn(2, 1, 2, 3), randn(3, 3, 2))),
    ("matmul_outer", lambda a, b: a @ b, lambda a, b: a @ b, (randn(4, 1), randn(1, 3))),
    ("exp", lambda a: a.exp(), torch.exp, (randn(3, 4),)),
    ("log", lambda a: a.log(), torch.log, (positive(3, 4),)),
    ("sqrt", lambda a: a.sqrt(), torch.sqrt, (positive(3, 4),)),
    ("abs", lambda a: a.abs(), torch.abs, (away(3, 4),)),
    ("sin", lambda a: a.sin(), torch.sin, (randn(3, 4),)),
    ("cos", lambda a: a.cos(), torch.cos, (randn(3, 4),)),
    ("relu", lambda a: a.relu(), torch.relu, (away(3, 4),)),
    ("sigmoid", lambda a: a.sigmoid(), torch.sigmoid, (randn(3, 4),)),
    ("tanh", lambda a: a.tanh(), torch.tanh, (randn(3, 4),)),
    ("softmax", lambda a: a.softmax(1), lambda a: torch.softmax(a, 1), (randn(2, 3, 4),)),
    ("log_softmax", lambda a: a.log_softmax(-1), lambda a: torch.log_softmax(a, -1),
     (randn(3, 4),)),
    ("logsumexp", lambda a: a.logsumexp((0, 2)), lambda a: torch.logsumexp(a, (0, 2)),
     (randn(2, 3, 4),)),
    ("logsumexp_keepdim", lambda a: a.logsumexp(1, keepdim=True),
     lambda a: torch.logsumexp(a, 1, keepdim=True), (randn(3, 4),)),
    ("sum_all", lambda a: a.sum(), torch.sum, (randn(3, 4),)),
    ("sum_tuple_keepdim", lambda a: a.sum((0, -1), keepdim=True),
     lambda a: a.sum((0, -1), keepdim=True), (randn(2, 3, 4),)),
    ("mean", lambda a: a.mean(1), lambda a: a.mean(1), (randn(3, 4),)),
    ("var", lambda a: a.var(0), lambda a: a.var(0), (randn(3, 4),)),
    ("var_biased", lambda a: a.var(correction=0), lambda a: a.var(correction=0), (randn(3, 4),)),
    ("std", lambda a: a.std(-1, keepdim=True), lambda a: a.std(-1, keepdim=True),
     (randn(3, 4),)),
    ("max_all", lambda a: a.max(), torch.max, (randn(3, 4),)),
    ("amax_dims", lambda a: a.max((0, 2)), lambda a: torch.amax(a, (0, 2)), (randn(2, 3, 4),)),
    ("max_dim_values", lambda a: a.max(1).values, lambda a: a.max(1).values, (randn(3, 4),)),
    ("min_dim_keepdim", lambda a: a.min(0, keepdim=True).values,
     lambda a: a.min(0, keepdim=True).values, (randn(3, 4),)),
    ("reshape", lambda a: a.reshape(4, 3), lambda a: a.reshape(4, 3), (randn(3, 4),)),
    ("flatten", lambda a: a.flatten(1), lambda a: a.flatten(1), (randn(2, 3, 2),)),
    ("squeeze_unsqueeze", lambda a: a.squeeze(1).unsqueeze(0),
     lambda a: a.squeeze(1).unsqueeze(0), (randn(3, 1, 2),)),
    ("permute", lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1), (randn(2, 3, 4),)),
    ("transpose", lambda a: a.transpose(-1, 0), lambda a: a.transpose(-1, 0), (randn(2, 3, 4),)),
    ("T", lambda a: a.T, lambda a: a.T, (randn(3, 4),)),
    ("expand", lambda a: a.expand(2, 3, 4), lambda a: a.expand(2, 3, 4), (randn(3, 1),)),
    ("index_basic", lambda a: a[1:, None, ::2], lambda a: a[1:, None, ::2], (randn(3, 4),)),
    ("index_int_array_repeats", lambda a: a[IDX], lambda a: a[torch.tensor(IDX)], (randn(3, 4),)),
    ("index_mask", lambda a: a[MASK], lambda a: a[torch.tensor(MASK)], (randn(3, 4),)),
    ("cat", lambda a, b: tg.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1),
     (randn(2, 3), randn(2, 2))),
    ("stack", lambda a, b: tg.stack([a, b], -1), lambda a, b: torch.stack([a, b], -1),
     (randn(2, 3), randn(2, 3))),
    ("where", lambda a, b: tg.where(MASK, a, b),
     lambda a, b: torch.where(torch.tensor(MASK), a, b), (randn(3, 4), randn(4))),
    ("maximum", tg.maximum, torch.maximum, (randn(3, 4), randn(3, 4))),
    ("minimum", tg.minimum, torch.minimum, (randn(3, 4), randn(4))),
    ("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), (randn(3, 4),)),
    ("linear", F.linear, TF.linear, (randn(4, 3), randn(2, 3), randn(2))),
    ("linear_batched_no_bias", F.linear, TF.linear, (randn(2, 4, 3), randn(2, 3))),
    ("conv2d", F.conv2d, TF.conv2d, (randn(2, 2, 5, 5), randn(3, 2, 3, 3), randn(3))),
    ("conv2d_stride_padding", lambda x, w: F.conv2d(x, w, stride=2, padding=1),
     lambda x, w: TF.conv2d(x, w, stride=2, padding=1), (randn(1, 2, 5, 5), randn(2, 2, 3, 3))),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2),
     (randn(2, 2, 4, 4),)),
    ("max_pool2d_odd_size", lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2),
     (randn(2, 1, 5, 5),)),
    ("max_pool2d_overlapping", lambda x: F.max_pool2d(x, 2, stride=1),
     lambda x: TF.max_pool2d(x, 2, stride=1), (randn(1, 2, 4, 4),)),
    ("max_pool2d_stride_padding", lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
     lambda x: TF.max_pool2d(x, 3, stride=2, padding=1), (randn(1, 2, 5, 5),)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), lambda x: TF.avg_pool2d(x, 2),
     (randn(2, 2, 4, 4),)),
    ("avg_pool2d_stride", lambda x: F.avg_pool2d(x, 3, stride=1),
     lambda x: TF.avg_pool2d(x, 3, stride=1), (randn(1, 2, 4, 5),)),
    ("unfold", lambda x: F.unfold(x, 2, stride=2, padding=1),
     lambda x: torch_unfold(x, 2, stride=2, padding=1), (randn(2, 3, 4, 4),)),
    ("fold", lambda c: F.fold(c, (1, 2, 4, 4), 2), lambda c: torch_fold(c, (1, 2, 4, 4), 2),
     (randn(1, 3, 3, 8),)),
    ("pad2d", lambda x: x.pad2d((1, 0, 2, 1)), lambda x: TF.pad(x, (2, 1, 1, 0)),
     (randn(1, 2, 3, 3),)),
    ("squared_error", lambda a, y: F.squared_error(a, y, 0.5),
     lambda a, y: TF.mse_loss(a, y, reduction="sum") * 0.5, (randn(3, 4), randn(3, 4))),
    ("cross_entropy_indices", lambda x: F.softmax_cross_entropy(x, LABELS),
     lambda x: TF.cross_entropy(x, torch.tensor(LABELS)), (randn(3, 4),)),
    ("cross_entropy_probabilities", lambda x: F.softmax_cross_entropy(x, PROBABILITIES, "sum"),
     lambda x: TF.cross_entropy(x, torch.tensor(PROBABILITIES), reduction="sum"), (randn(3, 4),)),
    # the conventions at kinks and ties, which finite differences cannot decide
    ("abs_at_zero", lambda a: a.abs(), torch.abs, (const([-1.0, 0.0, 2.0]),)),
    ("relu_at_zero", lambda a: a.relu(), torch.relu, (const([-1.0, 0.0, 2.0]),)),
    ("clamp_at_bounds", lambda a: a.clamp(-1, 1), lambda a: a.clamp(-1, 1),
     (const([-2.0, -1.0, 0.0, 1.0, 3.0]),)),
    ("max_all_ties", lambda a: a.max(), torch.max, (const([[1.0, 3.0], [3.0, 0.0]]),)),
    ("amax_ties", lambda a: a.amax(1), lambda a: torch.amax(a, 1),
     (const([[2.0, 2.0, 2.0], [0.0, 1.0, 1.0]]),)),
    ("maximum_ties", tg.maximum, torch.maximum, (const([1.0, 2.0, 3.0]), const([1.0, 3.0, 3.0]))),
    ("sigmoid_extreme", lambda a: a.sigmoid(), torch.sigmoid,
     (const([-1000.0, -50.0, 0, 50.0, 1000.0]),)),
    ("log_softmax_extreme", lambda a: a.log_softmax(), lambda a: torch.log_softmax(a, -1),
     (const([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0]]),)),
    ("logsumexp_extreme", lambda a: a.logsumexp(1), lambda a: torch.logsumexp(a, 1),
     (const([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0]]),)),
]


def _inputs(draws, seed):
    generator = np.random.default_rng(seed)
    return [np.asarray(draw(generator), dtype=np.float64) for draw in draws]


def _run_both(fn, torch_fn, arrays, seed):
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = fn(*ours), torch_fn(*theirs)
    upstream = np.random.default_rng(seed + 1).standard_normal(tuple(expected.shape))
    out.backward(tg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    return ours, theirs, out, expected


@pytest.mark.parametrize("fn, torch_fn, draws", [p[1:] for p in PARITY], ids=[p[0] for p in PARITY])
def test_forward_and_backward_equal_torch(fn, torch_fn, draws):
    arrays = _inputs(draws, seed=len(draws) * 7 + 1)
    ours, theirs, out, expected = _run_both(fn, torch_fn, arrays, seed=3)
    assert out.shape == tuple(expected.shape)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for index, (a, b) in enumerate(zip(ours, theirs)):
        assert a.grad is not None, f"input {index} got no gradient"
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"gradient of input {index}")


# second derivatives: ∂/∂x (w · ∂(v · f)/∂x), through create_graph in both frameworks
SECOND_ORDER = [
    ("tanh", lambda a: a.tanh(), torch.tanh, (randn(3, 4),)),
    ("sigmoid", lambda a: a.sigmoid(), torch.sigmoid, (randn(3, 4),)),
    ("softmax", lambda a: a.softmax(-1), lambda a: torch.softmax(a, -1), (randn(3, 4),)),
    ("log_softmax", lambda a: a.log_softmax(0), lambda a: torch.log_softmax(a, 0), (randn(3, 4),)),
    ("logsumexp", lambda a: a.logsumexp(1), lambda a: torch.logsumexp(a, 1), (randn(3, 4),)),
    ("pow_tensor", lambda a, b: a ** b, lambda a, b: a ** b, (positive(3), randn(3))),
    ("div", lambda a, b: a / b, lambda a, b: a / b, (randn(3), away(3))),
    ("matmul_sigmoid", lambda a, b: (a @ b).sigmoid(), lambda a, b: (a @ b).sigmoid(),
     (randn(2, 3), randn(3, 2))),
    ("linear_tanh", lambda x, w, b: F.linear(x, w, b).tanh(),
     lambda x, w, b: TF.linear(x, w, b).tanh(), (randn(4, 3), randn(2, 3), randn(2))),
    ("conv2d", lambda x, w: F.conv2d(x, w, padding=1).tanh(),
     lambda x, w: TF.conv2d(x, w, padding=1).tanh(), (randn(1, 1, 3, 3), randn(2, 1, 2, 2))),
    ("cross_entropy", lambda x: F.softmax_cross_entropy(x, LABELS),
     lambda x: TF.cross_entropy(x, torch.tensor(LABELS)), (randn(3, 4),)),
    ("var_sqrt", lambda a: a.std(1), lambda a: a.std(1), (randn(3, 4),)),
]


@pytest.mark.parametrize("fn, torch_fn, draws", [s[1:] for s in SECOND_ORDER],
                         ids=[s[0] for s in SECOND_ORDER])
def test_second_derivatives_equal_torch(fn, torch_fn, draws):
    arrays = _inputs(draws, seed=11)
    generator = np.random.default_rng(12)
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = fn(*ours), torch_fn(*theirs)
    v = generator.standard_normal(tuple(expected.shape))
    weights = [generator.standard_normal(a.shape) for a in arrays]
    first = tg.grad(out, ours, grad_outputs=tg.tensor(v), create_graph=True)
    first_torch = torch.autograd.grad(expected, theirs, torch.tensor(v), create_graph=True)
    for g, gt in zip(first, first_torch):
        np.testing.assert_allclose(g.numpy(), gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    total = sum((g * tg.tensor(w)).sum() for g, w in zip(first, weights))
    total_torch = sum((g * torch.tensor(w)).sum() for g, w in zip(first_torch, weights))
    second = tg.grad(total, ours, allow_unused=True)
    second_torch = torch.autograd.grad(total_torch, theirs, allow_unused=True)
    for index, (g, gt) in enumerate(zip(second, second_torch)):
        g = np.zeros(arrays[index].shape) if g is None else g.numpy()
        gt = np.zeros(arrays[index].shape) if gt is None else gt.numpy()
        np.testing.assert_allclose(g, gt, rtol=1e-9, atol=1e-11, err_msg=f"input {index}")


def test_a_training_step_equals_torch():
    """One SGD step of a two-layer sigmoid network with the lecture's quadratic cost."""
    generator = np.random.default_rng(0)
    arrays = {"x": generator.standard_normal((8, 5)), "y": generator.random((8, 3)),
              "w1": generator.standard_normal((4, 5)), "b1": generator.standard_normal(4),
              "w2": generator.standard_normal((3, 4)), "b2": generator.standard_normal(3)}
    ours = {k: tg.tensor(v, requires_grad=k not in "xy") for k, v in arrays.items()}
    theirs = {k: torch.tensor(v, requires_grad=k not in "xy") for k, v in arrays.items()}
    for params, linear, sig in ((ours, F.linear, lambda t: t.sigmoid()),
                                (theirs, TF.linear, torch.sigmoid)):
        hidden = sig(linear(params["x"], params["w1"], params["b1"]))
        out = sig(linear(hidden, params["w2"], params["b2"]))
        cost = ((out - params["y"]) ** 2).sum() * (1 / 16)
        cost.backward()
    for name in ("w1", "b1", "w2", "b2"):
        np.testing.assert_allclose(ours[name].grad.numpy(), theirs[name].grad.numpy(), rtol=1e-10)
