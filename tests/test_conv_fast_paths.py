"""The fast paths of convolution and pooling (ops/conv.py) equal the plain rules they replace, and PyTorch.

conv2d is checked against conv2d_by_unfold (Unfold + Linear), max_pool2d's MaxPool2d against
max_pool2d_by_max (a Max per window): values, first and second derivatives, float64.
"""

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu.core import functional as F
from tinygrad_edu.core.autograd import topological_order

CONV_SHAPES = [  # (x shape, weight shape, stride, padding)
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 0),
    ((2, 3, 7, 6), (4, 3, 3, 3), 2, 1),
    ((3, 1, 9, 9), (2, 1, 5, 5), 1, 2),
    ((1, 2, 5, 5), (3, 2, 2, 2), 3, 1),
    ((2, 2, 6, 6), (2, 2, 3, 3), (1, 2), (2, 0)),
]


def _leaves(*arrays):
    return [tg.Tensor(a, requires_grad=True) for a in arrays]


def _value_and_grads(conv, x, w, b, g, stride, padding):
    leaves = _leaves(x, w, b)
    out = conv(*leaves, stride=stride, padding=padding)
    (out * tg.Tensor(g)).sum().backward()
    return [out.numpy()] + [t.grad.numpy() for t in leaves]


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_SHAPES)
def test_conv2d_equals_the_unfold_rule_and_torch(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(sum(x_shape + w_shape))
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), \
        rng.standard_normal(w_shape[0])
    out_shape = F.conv2d(tg.Tensor(x), tg.Tensor(w), stride=stride, padding=padding).shape
    g = rng.standard_normal(out_shape)
    fast = _value_and_grads(F.conv2d, x, w, b, g, stride, padding)
    plain = _value_and_grads(F.conv2d_by_unfold, x, w, b, g, stride, padding)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    (out * torch.tensor(g)).sum().backward()
    reference = [out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()]
    for name, a, p, t in zip(("out", "∂x", "∂w", "∂b"), fast, plain, reference):
        np.testing.assert_allclose(a, p, rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(a, t, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_SHAPES[:3])
def test_conv2d_second_derivatives_equal_the_unfold_rule(x_shape, w_shape, stride, padding):
    """∂/∂(x, w) of ⟨∂C/∂x, v⟩ + ⟨∂C/∂w, u⟩: the three conv rules run through each other."""
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), \
        rng.standard_normal(w_shape[0])
    v, u = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    results = []
    for conv in (F.conv2d, F.conv2d_by_unfold):
        leaves = _leaves(x, w, b)
        cost = (conv(*leaves, stride=stride, padding=padding).tanh() ** 2).sum()
        gx, gw = tg.grad(cost, leaves[:2], create_graph=True)
        second = tg.grad((gx * tg.Tensor(v)).sum() + (gw * tg.Tensor(u)).sum(), leaves)
        results.append([s.numpy() for s in second])
    for fast, plain in zip(*results):
        np.testing.assert_allclose(fast, plain, rtol=1e-10, atol=1e-10)


def test_conv2d_is_one_node_and_gradchecks():
    x, w = _leaves(np.random.default_rng(1).standard_normal((2, 2, 5, 5)),
                   np.random.default_rng(2).standard_normal((3, 2, 3, 3)))
    out = F.conv2d(x, w, padding=1)
    assert [n._ctx.name for n in topological_order(out)] == ["Conv2d"]
    assert tg.gradcheck(lambda x, w: F.conv2d(x, w, stride=2, padding=1), (x, w))
    assert tg.gradgradcheck(lambda x, w: F.conv2d(x, w, stride=2, padding=1), (x, w))


def test_conv2d_float32_stays_float32_and_first_layer_skips_the_input_gradient():
    x = tg.Tensor(np.random.default_rng(3).random((2, 1, 8, 8), dtype=np.float32))
    conv = tg.nn.Conv2d(1, 2, 3)
    out = conv(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad is None and conv.weight.grad.dtype == np.float32


def test_conv2d_bad_shapes_name_the_op():
    x, w = tg.randn(1, 2, 5, 5), tg.randn(3, 4, 3, 3)
    with pytest.raises(ValueError, match="conv2d: the input has 2 channels"):
        F.conv2d(x, w)
    with pytest.raises(ValueError, match="conv2d: a 7×7 kernel does not fit"):
        F.conv2d(x, tg.randn(3, 2, 7, 7))
    with pytest.raises(ValueError, match=r"conv2d: bias of shape \(2,\)"):
        F.conv2d(x, tg.randn(3, 2, 3, 3), tg.randn(2))


@pytest.mark.parametrize("shape, kernel", [((2, 3, 8, 8), 2), ((1, 2, 7, 5), 2),
                                           ((2, 1, 6, 9), (3, 2))])
def test_max_pool2d_equals_the_max_rule_and_torch_with_and_without_ties(shape, kernel):
    rng = np.random.default_rng(4)
    distinct = rng.permutation(np.prod(shape)).reshape(shape) / 10.0
    tied = np.maximum(rng.standard_normal(shape), 0)  # ReLU's zeros: windows of ties
    for x in (distinct, tied):
        g = rng.standard_normal(F.max_pool2d(tg.Tensor(x), kernel).shape)
        results = []
        for pool in (F.max_pool2d, F.max_pool2d_by_max):
            (leaf,) = _leaves(x)
            out = pool(leaf, kernel)
            (out * tg.Tensor(g)).sum().backward()
            results.append((out.numpy(), leaf.grad.numpy()))
        (fast_out, fast_grad), (plain_out, plain_grad) = results
        np.testing.assert_array_equal(fast_out, plain_out)
        np.testing.assert_allclose(fast_grad, plain_grad, rtol=1e-14, atol=0)
        reference = torch.nn.functional.max_pool2d(torch.tensor(x), kernel).numpy()
        np.testing.assert_array_equal(fast_out, reference)
    assert [n._ctx.name for n in topological_order(F.max_pool2d(_leaves(x)[0], kernel))] == \
        ["MaxPool2d"]


def test_a_conv_net_step_gives_the_plain_rules_gradients():
    """A LeNet-like net (bench_conv's W4 in small): every parameter's gradient, fast vs plain."""
    rng = np.random.default_rng(5)
    images, labels = rng.random((4, 1, 12, 12)), rng.integers(0, 3, 4)
    weights = [rng.standard_normal(s) * 0.3 for s in
               ((4, 1, 3, 3), (4,), (6, 4, 3, 3), (6,), (3, 24), (3,))]
    grads = []
    for conv, pool in ((F.conv2d, F.max_pool2d), (F.conv2d_by_unfold, F.max_pool2d_by_max)):
        w1, b1, w2, b2, w3, b3 = params = _leaves(*weights)
        h = pool(conv(tg.Tensor(images), w1, b1).relu(), 2)
        h = pool(conv(h, w2, b2, padding=1).relu(), 2)
        logits = F.linear(h.reshape(4, -1), w3, b3)
        F.softmax_cross_entropy(logits, labels).backward()
        grads.append([p.grad.numpy() for p in params])
    for fast, plain in zip(*grads):
        np.testing.assert_allclose(fast, plain, rtol=1e-11, atol=1e-13)
