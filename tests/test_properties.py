"""Property tests (hypothesis): broadcasting, reductions, matmul, indexing and shape round trips agree with numpy for random shapes, in values and in gradients."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg

SETTINGS = settings(max_examples=40, deadline=None)
seeds = st.integers(0, 2 ** 32 - 1)


def unbroadcast(gradient, shape):
    """numpy reference of the reverse of broadcasting: sum over the axes that were broadcast."""
    extra = gradient.ndim - len(shape)
    gradient = gradient.sum(axis=tuple(range(extra))) if extra else gradient
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and gradient.shape[i] != 1)
    return gradient.sum(axis=axes, keepdims=True) if axes else gradient


# binary op -> (tinygrad op, numpy forward, numpy ∂out/∂a, numpy ∂out/∂b, input draws)
BINARY = {
    "add": (lambda a, b: a + b, np.add, lambda a, b: np.ones_like(a * b),
            lambda a, b: np.ones_like(a * b)),
    "sub": (lambda a, b: a - b, np.subtract, lambda a, b: np.ones_like(a * b),
            lambda a, b: -np.ones_like(a * b)),
    "mul": (lambda a, b: a * b, np.multiply, lambda a, b: b + 0 * a, lambda a, b: a + 0 * b),
    "div": (lambda a, b: a / b, np.divide, lambda a, b: 1 / b + 0 * a, lambda a, b: -a / b ** 2),
    "pow": (lambda a, b: a ** b, np.power, lambda a, b: b * a ** (b - 1),
            lambda a, b: a ** b * np.log(a)),
    "maximum": (tg.maximum, np.maximum, lambda a, b: (a > b) + 0.0 * b,
                lambda a, b: (a < b) + 0.0 * a),
    "minimum": (tg.minimum, np.minimum, lambda a, b: (a < b) + 0.0 * b,
                lambda a, b: (a > b) + 0.0 * a),
}


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=seeds)
def test_broadcasting_binary_ops(shapes, op, seed):
    fn, forward, d_a, d_b = BINARY[op]
    shape_a, shape_b = shapes.input_shapes
    generator = np.random.default_rng(seed)
    # positive, well separated inputs: inside pow's and div's domains, no ties for max/min
    a = generator.uniform(0.5, 1.5, shape_a)
    b = generator.uniform(0.5, 1.5, shape_b) + np.where(generator.random(shape_b) < 0.5, 1.0, -0.25)
    ta, tb = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    out = fn(ta, tb)
    expected = forward(a, b)
    assert out.shape == expected.shape == np.broadcast_shapes(shape_a, shape_b)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    upstream = generator.standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    assert ta.grad.shape == shape_a and tb.grad.shape == shape_b
    np.testing.assert_allclose(ta.grad.numpy(), unbroadcast(upstream * d_a(a, b), shape_a),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(), unbroadcast(upstream * d_b(a, b), shape_b),
                               rtol=1e-10, atol=1e-12)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=seeds, scalar_first=st.booleans())
def test_broadcasting_with_a_constant_operand(shapes, seed, scalar_first):
    """Only the input that requires grad gets a gradient, still of its own shape."""
    shape_a, shape_b = shapes.input_shapes
    generator = np.random.default_rng(seed)
    a, b = generator.standard_normal(shape_a), generator.standard_normal(shape_b)
    ta = tg.tensor(a, requires_grad=True)
    out = (b * ta) if scalar_first else (ta * b)   # b is a numpy array
    upstream = generator.standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    np.testing.assert_allclose(ta.grad.numpy(), unbroadcast(upstream * b + 0 * a, shape_a),
                               rtol=1e-10, atol=1e-12)


def dims_strategy(ndim):
    """dim as None, an int (maybe negative) or a tuple of distinct axes (maybe negative)."""
    if ndim == 0:
        return st.none()
    axis = st.integers(-ndim, ndim - 1)
    tuples = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
        lambda axes: st.tuples(*[st.sampled_from([a, a - ndim]) for a in axes]))
    return st.one_of(st.none(), axis, tuples)


@st.composite
def reduction_args(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    return shape, draw(dims_strategy(len(shape))), draw(st.booleans())


def _axes(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, tuple) else (dim,)
    return tuple(sorted(d % ndim for d in dims))


def _softmax_over(x, axes):
    e = np.exp(x - x.max(axis=axes, keepdims=True))
    return e / e.sum(axis=axes, keepdims=True)


REDUCTIONS = {
    # name -> (tinygrad call, numpy forward, numpy gradient for an upstream g (kept dims))
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), lambda x, ax, k: x.sum(ax, keepdims=k),
            lambda x, ax, g: np.broadcast_to(g, x.shape)),
    "mean": (lambda t, d, k: t.mean(dim=d, keepdim=k), lambda x, ax, k: x.mean(ax, keepdims=k),
             lambda x, ax, g: np.broadcast_to(g, x.shape) / np.prod([x.shape[a] for a in ax])),
    "max": (lambda t, d, k: t.amax(d, k), lambda x, ax, k: x.max(ax, keepdims=k),
            lambda x, ax, g: g * (x == x.max(ax, keepdims=True))),
    "min": (lambda t, d, k: t.min(axis=d, keepdims=k), lambda x, ax, k: x.min(ax, keepdims=k),
            lambda x, ax, g: g * (x == x.min(ax, keepdims=True))),
    "logsumexp": (lambda t, d, k: t.logsumexp(d, k),
                  lambda x, ax, k: np.log(np.exp(x).sum(ax, keepdims=k)),
                  lambda x, ax, g: g * _softmax_over(x, ax)),
}


@SETTINGS
@given(args=reduction_args(), name=st.sampled_from(sorted(REDUCTIONS)), seed=seeds)
def test_reductions(args, name, seed):
    shape, dim, keepdim = args
    call, forward, gradient = REDUCTIONS[name]
    generator = np.random.default_rng(seed)
    size = int(np.prod(shape))
    x = (generator.permutation(size) * 0.5 + generator.random(size) * 0.1).reshape(shape)  # no ties
    t = tg.tensor(x, requires_grad=True)
    axes = _axes(dim, len(shape))
    out = call(t, dim, keepdim)
    expected = forward(x, axes, keepdim)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    upstream = generator.standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    kept = upstream.reshape(tuple(1 if i in axes else s for i, s in enumerate(shape)))
    assert t.grad.shape == shape
    np.testing.assert_allclose(t.grad.numpy(), gradient(x, axes, kept), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(args=reduction_args(), seed=seeds)
def test_var_and_std_match_numpy(args, seed):
    shape, dim, keepdim = args
    axes = _axes(dim, len(shape))
    count = int(np.prod([shape[a] for a in axes]))
    x = np.random.default_rng(seed).standard_normal(shape)
    t = tg.tensor(x)
    if count > 1:
        np.testing.assert_allclose(t.var(dim, keepdim).numpy(),
                                   x.var(axes, ddof=1, keepdims=keepdim), rtol=1e-10)
    np.testing.assert_allclose(t.std(dim, keepdim, correction=0).numpy(),
                               x.std(axes, keepdims=keepdim), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=5, min_side=1, max_side=3), data=st.data())
def test_permute_round_trip(shape, data):
    permutation = data.draw(st.permutations(range(len(shape))))
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    t = tg.tensor(x, requires_grad=True)
    permuted = t.permute(*permutation)
    np.testing.assert_array_equal(permuted.numpy(), x.transpose(permutation))
    back = permuted.permute(*np.argsort(permutation))
    np.testing.assert_array_equal(back.numpy(), x)
    upstream = np.random.default_rng(1).standard_normal(shape)
    (back * tg.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), upstream)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4), data=st.data())
def test_reshape_round_trip(shape, data):
    size = int(np.prod(shape))
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    first = data.draw(st.sampled_from(divisors))
    new_shape = data.draw(st.sampled_from([(first, size // first), (size // first, -1), (-1,),
                                           (1, first, 1, size // first)]))
    x = np.arange(size, dtype=np.float64).reshape(shape)
    t = tg.tensor(x, requires_grad=True)
    reshaped = t.reshape(new_shape)
    np.testing.assert_array_equal(reshaped.numpy(), x.reshape(new_shape))
    back = reshaped.reshape(shape)
    np.testing.assert_array_equal(back.numpy(), x)
    (back * back).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), 2 * x)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3), data=st.data())
def test_squeeze_unsqueeze_flatten_round_trips(shape, data):
    x = np.random.default_rng(0).standard_normal(shape)
    t = tg.tensor(x)
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    expanded = t.unsqueeze(dim)
    assert expanded.shape == np.expand_dims(x, dim).shape
    assert expanded.squeeze(dim).shape == shape
    assert t.squeeze().shape == np.squeeze(x).shape
    start = data.draw(st.integers(0, len(shape) - 1))
    end = data.draw(st.integers(start, len(shape) - 1))
    flat = t.flatten(start, end)
    assert flat.numel() == t.numel() and flat.reshape(shape).tolist() == x.tolist()


@settings(max_examples=25, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3,
                                               max_side=3),
       seed=seeds)
def test_matmul_follows_numpys_rules(shapes, seed):
    shape_a, shape_b = shapes.input_shapes
    generator = np.random.default_rng(seed)
    a, b = generator.standard_normal(shape_a), generator.standard_normal(shape_b)
    out = tg.tensor(a) @ tg.tensor(b)
    assert out.shape == np.matmul(a, b).shape == shapes.result_shape
    np.testing.assert_allclose(out.numpy(), np.matmul(a, b), rtol=1e-10, atol=1e-12)
    assert tg.gradcheck(lambda x, y: x @ y, (tg.tensor(a, requires_grad=True),
                                             tg.tensor(b, requires_grad=True)))


@SETTINGS
@given(size=st.integers(1, 6), picks=st.lists(st.integers(0, 5), min_size=1, max_size=10),
       seed=seeds)
def test_integer_indexing_accumulates_like_add_at(size, picks, seed):
    index = np.array([p % size for p in picks])
    generator = np.random.default_rng(seed)
    x = generator.standard_normal((size, 2))
    t = tg.tensor(x, requires_grad=True)
    out = t[index]
    np.testing.assert_array_equal(out.numpy(), x[index])
    upstream = generator.standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    expected = np.zeros_like(x)
    np.add.at(expected, index, upstream)
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-12)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=seeds)
def test_boolean_mask_gradient_is_the_mask(shape, seed):
    generator = np.random.default_rng(seed)
    x = generator.standard_normal(shape)
    mask = generator.random(shape) < 0.5
    t = tg.tensor(x, requires_grad=True)
    out = t[mask]
    np.testing.assert_array_equal(out.numpy(), x[mask])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), mask.astype(np.float64))
